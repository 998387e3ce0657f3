"""The append-only event log and its hash chain.

Each event hashes its own content together with the previous event of the same case, so a
chain per case keeps writes to different cases concurrent while an edited or deleted row
still breaks its case's chain. ``verify_chains`` names the first event that does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from pingan.core.models import Case, Event
from pingan.core.users import User

GENESIS = "0" * 64


def _canonical(value: Any) -> Any:
    """JSON round trip: the hash must see exactly what the database will give back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def event_digest(*, case_ref: str, seq: int, at: Any, actor_id: int | None, type: str,
                 transition: str, from_status: str, to_status: str, before: Any, after: Any,
                 note: str, prev_hash: str) -> str:
    payload = {
        "case": case_ref,
        "seq": seq,
        "at": timezone.localtime(at, dt.UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "type": type,
        "transition": transition,
        "from": from_status,
        "to": to_status,
        "before": before,
        "after": after,
        "note": note,
        "prev": prev_hash,
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def append_event(*, case: Case, actor: User | None, type: str, transition: str = "",
                 from_status: str = "", to_status: str = "", before: dict | None = None,
                 after: dict | None = None, note: str = "", at: Any = None) -> Event:
    """Append one event to the case's chain. Call inside the transaction that changed the
    case: the case row is already locked by that change, so the sequence cannot race."""
    last = (
        Event.objects.filter(case=case).order_by("-seq").values_list("seq", "hash").first()
    )
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = chained_event(
        case=case, seq=seq, prev_hash=prev_hash, actor=actor, type=type,
        transition=transition, from_status=from_status, to_status=to_status, before=before,
        after=after, note=note, at=at,
    )
    event.save(force_insert=True)
    # The case remembers its chain's head, so a deleted last event is noticed too.
    Case.objects.filter(pk=case.pk).update(head_hash=event.hash)
    case.head_hash = event.hash
    return event


def chained_event(*, case: Case, seq: int, prev_hash: str, actor: User | None, type: str,
                  transition: str = "", from_status: str = "", to_status: str = "",
                  before: dict | None = None, after: dict | None = None, note: str = "",
                  at: Any = None) -> Event:
    """An unsaved event linked to ``prev_hash``, its hash computed: ``append_event`` saves
    one, a bulk import saves many new cases' first events with one ``bulk_create``."""
    before = _canonical(before or {})
    after = _canonical(after or {})
    at = at or timezone.now()
    actor_id = actor.pk if actor is not None else None
    digest = event_digest(
        case_ref=case.ref, seq=seq, at=at, actor_id=actor_id, type=type,
        transition=transition, from_status=from_status, to_status=to_status,
        before=before, after=after, note=note, prev_hash=prev_hash,
    )
    return Event(
        case=case, seq=seq, at=at, actor_id=actor_id, type=type, transition=transition,
        from_status=from_status, to_status=to_status, before=before, after=after, note=note,
        prev_hash=prev_hash, hash=digest,
    )


def case_timeline(case: Case):
    """A case's events in order, with who did each and what was attached: its page's history."""
    return case.events.select_related("actor").prefetch_related("attachments").order_by("seq")


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    case_ref: str
    seq: int
    reason: str


def verify_chains(batch_size: int = 5000) -> Iterator[int | ChainBreak]:
    """Walk every event in chain order; yield the running count, and a ChainBreak for the
    first event of each case that does not match its hash or its predecessor."""
    rows = (
        Event.objects.order_by("case_id", "seq")
        .values_list("id", "case_id", "case__ref", "seq", "at", "actor_id", "type",
                     "transition", "from_status", "to_status", "before", "after", "note",
                     "prev_hash", "hash")
        .iterator(chunk_size=batch_size)
    )
    current_case = None
    expected_prev = GENESIS
    expected_seq = 1
    broken_case = None
    count = 0
    for (event_id, case_id, ref, seq, at, actor_id, type_, transition, from_status,
         to_status, before, after, note, prev_hash, stored_hash) in rows:
        count += 1
        if case_id != current_case:
            current_case, expected_prev, expected_seq, broken_case = case_id, GENESIS, 1, None
        if broken_case == case_id:
            continue
        reason = None
        if seq != expected_seq:
            reason = f"sequence jumps from {expected_seq - 1} to {seq} (an event was deleted)"
        elif prev_hash != expected_prev:
            reason = "previous-hash link does not match the event before it"
        else:
            recomputed = event_digest(
                case_ref=ref, seq=seq, at=at, actor_id=actor_id, type=type_,
                transition=transition, from_status=from_status, to_status=to_status,
                before=before, after=after, note=note, prev_hash=prev_hash,
            )
            if recomputed != stored_hash:
                reason = "content does not match its hash (the row was edited)"
        if reason:
            broken_case = case_id
            yield ChainBreak(event_id=event_id, case_ref=ref, seq=seq, reason=reason)
        expected_prev = stored_hash
        expected_seq = seq + 1
        if count % batch_size == 0:
            yield count
    for _case_id, ref, head_hash, last_hash in _case_heads():
        if head_hash != last_hash:
            yield ChainBreak(event_id=0, case_ref=ref, seq=0,
                             reason="the case's last event is missing (the chain was cut short)")
    yield count


def _case_heads() -> Iterator[tuple[int, str, str, str]]:
    last_hash = Event.objects.filter(case_id=OuterRef("pk")).order_by("-seq").values("hash")[:1]
    yield from (
        Case.objects.annotate(last_hash=Subquery(last_hash))
        .exclude(head_hash="")
        .values_list("id", "ref", "head_hash", "last_hash")
        .iterator(chunk_size=5000)
    )

