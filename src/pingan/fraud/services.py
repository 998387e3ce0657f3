"""Writes on fraud cases and their rings. The web form, the API, the command line and the demo
all call these.

Rings are kept two ways that give the same result (the tests hold them to it):

- **incrementally**, inside the transaction that records a case or adds an identifier to
  one: the rings the case's identifiers touch are linked again with the case, so it joins
  its ring at once, or merges the rings it bridges, or — when an identifier has just become
  too common to link — the ring it held together splits;
- **in full** (``rings_recompute``: the background task and ``pingan rings recompute``):
  every case and link is streamed into the engine and the rings written back in one
  transaction, each ring row kept where its ``ring_id`` survives.

Either way ``ring_id`` is the smallest case reference in the ring, so a ring keeps its id and
its row while its membership is unchanged, and when it grows by later cases. Every ring write
holds the ``LinkingState`` row, so incremental writes queue behind each other and behind a
recompute's write. Ring membership is derived data: it writes no case events.

A change of the stoplist or of the degree threshold takes effect at the next full recompute.
"""

from __future__ import annotations

import datetime as dt
import time
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.cases import open_case, rank_refusal
from pingan.core.deadlines import NO_DEADLINE_FIELDS, DeadlineTerms, local_date
from pingan.core.events import append_event
from pingan.core.models import ROLE_RANK, Case, EventType, RoleName, Severity, Unit, UnitKind
from pingan.core.personal.access import record_full_view
from pingan.core.personal.idcard import validate_id_number
from pingan.core.scoping import scope_for
from pingan.core.workflow import apply_changes, take_step
from pingan.fraud.identifiers import PHONE, IdentifierError, normalize
from pingan.fraud.identifiers import Identifier as Normal
from pingan.fraud.linking import RingIndex, default_stoplist
from pingan.fraud.models import (
    KIND,
    REF_PREFIX,
    CaseIdentifier,
    FraudCase,
    Identifier,
    LeftOutReason,
    LinkingState,
    Ring,
    Victim,
    scam_type_choices,
    scam_type_label,
)
from pingan.fraud.selectors import (
    CASE_FACTS,
    fen,
    may_view_victims,
    ring_index,
)
from pingan.fraud.workflow import FRAUD_WORKFLOW

MSG_UNIT_NOT_TERRITORIAL = _("A fraud case belongs to a place: choose a town, village or grid cell.")
MSG_CANNOT_RECORD_HERE = _("You may not record fraud cases for {unit}.")
MSG_BAD_SCAM_TYPE = _("Unknown scam type “{value}”.")
MSG_REPORTED_IN_FUTURE = _("The report date cannot be in the future.")
MSG_OCCURRED_AFTER_REPORT = _("The fraud cannot have happened after it was reported.")
MSG_BAD_AMOUNT = _("An amount is yuan with at most two decimals, from 0 to 999,999,999,999.99.")
MSG_RECOVERED_OVER_LOSS = _("More cannot be recovered than was lost.")
MSG_VICTIM_REQUIRED = _("Record at least one victim.")
MSG_VICTIM_NAME = _("Give the victim's name.")
MSG_VICTIM_PHONE = _("A victim's phone is a mobile number, or a landline with its area code.")
MSG_VICTIM_AGE = _("An age is a whole number of years from 0 to 120.")
MSG_IDENTIFIER_ALREADY = _("The case already shows {identifier}.")
MSG_FULL_VIEW_NOT_ALLOWED = _(
    "Your role shows the victims' details masked; a supervisor or the case's assignee may see them in full."
)
MSG_DEFAULT_TITLE = _("{scam_type}, reported {date}")
ADD_IDENTIFIER_LABEL = _("Add an identifier")

MAX_AMOUNT = Decimal("999999999999.99")
MAX_AGE = 120
WRITE_BATCH = 1000

class NoDeadline(DeadlineTerms):
    """A fraud case runs on no clock of the platform's: the police's own terms apply."""

    def due_at(self, start: dt.datetime) -> None:  # type: ignore[override]
        return None

    def due_fields(self, start: dt.datetime) -> dict[str, Any]:
        return dict(NO_DEADLINE_FIELDS)


NO_DEADLINE = NoDeadline(duration=1, extension_allowed=False)


@dataclass(frozen=True)
class VictimIn:
    name: str
    id_number: str = ""
    phone: str = ""
    age: int | None = None


# ---------------------------------------------------------------------------
# Recording a case
# ---------------------------------------------------------------------------


def fraud_case_record_check(*, actor: Any, unit: Unit, scam_type: str) -> None:
    """May ``actor`` record a case of ``scam_type`` in ``unit``?"""
    probe = FraudCase(kind=KIND, category=scam_type, unit=unit, unit_prefix=unit.prefix)
    filing_check(actor=actor, probe=probe, not_a_place=MSG_UNIT_NOT_TERRITORIAL,
                 not_allowed=MSG_CANNOT_RECORD_HERE)


def filing_check(*, actor: Any, probe: Case, not_a_place: Any, not_allowed: Any) -> None:
    """An item is filed in a place (not a department), names a scam type the deployment offers,
    and needs a handler's role over it: ``probe`` is the unsaved item (a fraud case, or a
    warning order of the dissuasion app)."""
    if probe.unit.kind == UnitKind.DEPARTMENT:
        raise errors.DomainError(not_a_place, field="unit")
    if probe.category not in dict(scam_type_choices()):
        raise errors.DomainError(MSG_BAD_SCAM_TYPE.format(value=probe.category), field="scam_type")
    if scope_for(actor).rank_for(probe) < ROLE_RANK[RoleName.HANDLER]:
        raise errors.PermissionDenied(not_allowed.format(unit=probe.unit.name), field="unit")


def _amount(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT \
            or amount.as_tuple().exponent < -2:
        raise errors.DomainError(MSG_BAD_AMOUNT, field=field)
    return amount.quantize(Decimal("0.01"))


def _victims(victims: Sequence[VictimIn]) -> list[VictimIn]:
    """Each victim checked and normalised; errors name the row (``victims.2.phone``)."""
    if not victims:
        raise errors.DomainError(MSG_VICTIM_REQUIRED, field="victims")
    clean = []
    for i, victim in enumerate(victims):
        name = victim.name.strip()
        if not name:
            raise errors.DomainError(MSG_VICTIM_NAME, field=f"victims.{i}.name")
        number = ""
        if victim.id_number.strip():
            try:
                number = validate_id_number(victim.id_number)
            except errors.DomainError as exc:
                raise errors.DomainError(exc.message, field=f"victims.{i}.id_number") from None
        phone = ""
        if victim.phone.strip():
            try:
                phone = normalize(PHONE, victim.phone).value
            except IdentifierError:
                # Not the identifier's message: it would repeat the number, and errors are
                # shown where a victim's number is masked.
                raise errors.DomainError(MSG_VICTIM_PHONE, field=f"victims.{i}.phone") from None
        if victim.age is not None and not 0 <= victim.age <= MAX_AGE:
            raise errors.DomainError(MSG_VICTIM_AGE, field=f"victims.{i}.age")
        clean.append(VictimIn(name=name[:60], id_number=number, phone=phone, age=victim.age))
    return clean


def normalise_identifiers(identifiers: Iterable[tuple[str, str]]) -> list[tuple[Normal, str]]:
    """Each (kind, value) in normal form with the value as entered, the same identifier given
    twice kept once; an error names its row (``identifiers.1.value``)."""
    found: dict[str, tuple[Normal, str]] = {}
    for i, (kind, value) in enumerate(identifiers):
        try:
            normal = normalize(kind, value)
        except IdentifierError as exc:
            part = "kind" if exc.field == "identifier_kind" else "value"
            raise errors.DomainError(exc.message, code=exc.code, field=f"identifiers.{i}.{part}") from None
        found.setdefault(normal.key, (normal, value.strip()[:200]))
    return list(found.values())


def fraud_case_record(*, actor: Any, unit: Unit, scam_type: str, reported_on: dt.date, loss: Any,
                      victims: Sequence[VictimIn], identifiers: Iterable[tuple[str, str]] = (),
                      recovered: Any = 0, occurred_on: dt.date | None = None, title: str = "",
                      description: str = "", source: str = "web", external_ref: str | None = None,
                      opened_at: dt.datetime | None = None, link_now: bool = True) -> FraudCase:
    """Record a reported fraud with its victims and identifiers; it joins its ring at once.

    Everything is checked before anything is written. ``opened_at`` back-dates the
    recording (importers and the demo generator only). ``link_now=False`` stores the
    identifiers without touching the rings, for a bulk import that then runs
    ``rings_recompute`` once, in the same transaction."""
    opened_at = opened_at or timezone.now()
    fraud_case_record_check(actor=actor, unit=unit, scam_type=scam_type)
    if reported_on > local_date(opened_at):
        raise errors.DomainError(MSG_REPORTED_IN_FUTURE, field="reported_on")
    if occurred_on is not None and occurred_on > reported_on:
        raise errors.DomainError(MSG_OCCURRED_AFTER_REPORT, field="occurred_on")
    loss = _amount(loss, "loss")
    recovered = _amount(recovered, "recovered")
    if recovered > loss:
        raise errors.DomainError(MSG_RECOVERED_OVER_LOSS, field="recovered")
    people = _victims(victims)
    found = normalise_identifiers(identifiers)
    major = (loss >= settings.PINGAN_FRAUD_MAJOR_LOSS_YUAN
             or len(people) >= settings.PINGAN_FRAUD_MAJOR_VICTIMS)
    if not title.strip():
        with translation.override(settings.LANGUAGE_CODE):
            title = str(MSG_DEFAULT_TITLE.format(scam_type=scam_type_label(scam_type),
                                                 date=reported_on.isoformat()))
    fields = {
        "kind": KIND, "title": title.strip()[:200], "description": description.strip(),
        "category": scam_type, "severity": Severity.MAJOR if major else Severity.ORDINARY,
        "status": FRAUD_WORKFLOW.initial, "source": source, "external_ref": external_ref or None,
        "reported_on": reported_on, "occurred_on": occurred_on, "loss": loss, "recovered": recovered,
        "victim_count": len(people),
    }
    with transaction.atomic():
        case = open_case(model=FraudCase, ref_prefix=REF_PREFIX, actor=actor, unit=unit, fields=fields,
                         terms=NO_DEADLINE, opened_at=opened_at)
        Victim.objects.bulk_create([Victim(case=case, name=v.name, id_number=v.id_number, phone=v.phone,
                                           age=v.age) for v in people])
        _link(case=case, found=found, actor=actor, at=opened_at, relink=link_now)
    return case


def fraud_identifier_add(*, case: FraudCase, actor: Any, expected_version: int, kind: str, value: str,
                         at: dt.datetime | None = None) -> Identifier:
    """Add one identifier to a recorded case: the case joins, or merges, rings at once."""
    refusal = identifier_add_refusal(case, actor)
    if refusal is not None:
        raise refusal
    [(normal, raw)] = normalise_identifiers([(kind, value)])
    if case.identifier_links.filter(identifier__kind=normal.kind, identifier__value=normal.value).exists():
        raise errors.DomainError(MSG_IDENTIFIER_ALREADY.format(identifier=normal.key), field="value")
    now = at or timezone.now()
    with transaction.atomic():
        apply_changes(case=case, expected_version=expected_version, changes={})
        append_event(case=case, actor=actor, type=EventType.UPDATED, after={"identifier": normal.key}, at=now)
        [identifier] = _link(case=case, found=[(normal, raw)], actor=actor, at=now)
    return identifier


def fraud_case_transition(*, case: FraudCase, name: str, actor: Any, expected_version: int, note: str = "",
                          at: dt.datetime | None = None, **inputs: Any) -> FraudCase:
    """Take one step (open an investigation, mark solved, or close without solving) with the
    inputs it declares: what each needs and does is declared in ``fraud.workflow``.

    ``at`` back-dates the step (the demo generator only)."""
    take_step(workflow=FRAUD_WORKFLOW, case=case, name=name, actor=actor, expected_version=expected_version,
              note=note, inputs=inputs, at=at)
    return case


def fraud_victims_full(*, case: FraudCase, actor: Any) -> list[Victim]:
    """The victims in full, for a reader whose role allows it; the reading is an event."""
    if not scope_for(actor).covers(case):
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    if not may_view_victims(actor, case):
        raise errors.PermissionDenied(MSG_FULL_VIEW_NOT_ALLOWED)
    record_full_view(case=case, actor=actor, fields=["victims"])
    return list(case.victims.all())


def identifier_add_refusal(case: FraudCase, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not add an identifier to ``case`` now, or None when they may: a
    handler of its area, while it is open. ``fraud_identifier_add`` raises it; the page asks
    ``may_add_identifier`` before it offers the form."""
    return rank_refusal(case, actor, RoleName.HANDLER, action=ADD_IDENTIFIER_LABEL, while_open=True)


def may_add_identifier(case: FraudCase, user: Any) -> bool:
    return identifier_add_refusal(case, user) is None


# ---------------------------------------------------------------------------
# Rings, incrementally
# ---------------------------------------------------------------------------


def _lock_linking() -> LinkingState:
    LinkingState.objects.get_or_create(pk=1)
    return LinkingState.objects.select_for_update().get(pk=1)


def _link(*, case: FraudCase, found: Sequence[tuple[Normal, str]], actor: Any,
          at: dt.datetime, relink: bool = True) -> list[Identifier]:
    """Store the identifiers, link them to ``case`` and, if ``relink``, bring its rings up
    to date."""
    if not found:
        return []
    state = _lock_linking()
    stored = _stored_identifiers([normal for normal, _raw in found])
    CaseIdentifier.objects.bulk_create([
        CaseIdentifier(case=case, identifier=identifier, raw=raw, added_at=at, added_by=actor)
        for identifier, (_normal, raw) in zip(stored, found, strict=True)
    ])
    new_ids = [identifier.pk for identifier in stored]
    Identifier.objects.filter(pk__in=new_ids).update(case_count=F("case_count") + 1)
    # Without relinking, the recompute that follows sets the counts and verdicts afresh.
    if relink:
        crossing = Identifier.objects.filter(pk__in=new_ids, left_out="",
                                             case_count__gt=settings.PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE)
        crossing_ids = list(crossing.values_list("pk", flat=True))
        if crossing_ids:
            # Too common now: it stops linking, and the ring it held together may split.
            Identifier.objects.filter(pk__in=crossing_ids).update(left_out=LeftOutReason.DEGREE)
        if crossing_ids or any(not identifier.left_out for identifier in stored):
            _relink_around(case, crossing_ids)
    # Every new link counts (a recompute that read the links before it must read again).
    state.version += 1
    state.save(update_fields=["version"])
    return list(Identifier.objects.filter(pk__in=new_ids).order_by("pk"))


def _stored_identifiers(normals: Sequence[Normal]) -> list[Identifier]:
    """The stored identifier of each normal form, in order, those not yet stored created: one
    query to find them, and for new ones an insert and a second read. An identifier another
    writer stores meanwhile is no conflict: it is read back like the rest."""
    wanted = Q(pk__in=[])
    for normal in normals:
        wanted |= Q(kind=normal.kind, value=normal.value)
    stored = {(i.kind, i.value): i for i in Identifier.objects.filter(wanted)}
    stoplist = default_stoplist()
    missing = [
        Identifier(kind=normal.kind, value=normal.value, registrable_domain=normal.registrable_domain or "",
                   flags=list(normal.flags),
                   left_out=LeftOutReason.STOPLIST if normal.key in stoplist else "")
        for normal in normals if (normal.kind, normal.value) not in stored
    ]
    if missing:
        Identifier.objects.bulk_create(missing, ignore_conflicts=True)
        stored = {(i.kind, i.value): i for i in Identifier.objects.filter(wanted)}
    return [stored[normal.kind, normal.value] for normal in normals]


def _relink_around(case: FraudCase, crossing_ids: list[int]) -> None:
    """Link again the cases whose rings ``case``'s identifiers touch, or an identifier that
    just became too common held together. Together they are whole rings of the new graph:
    every case linked to one of them is one of them, so their rings are exact."""
    # The sets are read into Python first: small, and a plain list of keys lets both databases
    # use their indexes (ORed subqueries made PostgreSQL scan every case, 200 ms a case).
    linking = CaseIdentifier.objects.filter(case=case, identifier__left_out="").values("identifier")
    near = {case.pk, *CaseIdentifier.objects.filter(identifier__in=linking).values_list("case", flat=True)}
    if crossing_ids:
        near.update(CaseIdentifier.objects.filter(identifier__in=crossing_ids).values_list("case", flat=True))
    touched = list(Ring.objects.filter(pk__in=FraudCase.objects.filter(pk__in=near).values("ring")))
    near.update(FraudCase.objects.filter(ring__in=touched).values_list("pk", flat=True))
    cases = FraudCase.objects.filter(pk__in=sorted(near))
    index, pk_of = ring_index(cases)
    current = dict(cases.values_list("pk", "ring_id"))
    stored = _store_rings(index, pk_of=pk_of, current=current, replaceable=touched)
    if stored.created or stored.updated or stored.removed:
        _rerank()


# ---------------------------------------------------------------------------
# Writing rings (both ways)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreReport:
    rings: int
    created: int
    updated: int
    removed: int
    cases_moved: int


_STATS = ("case_count", "victim_count", "total_loss", "town_count", "identifier_count", "first_date",
          "last_date", "is_major")


def _stats(row: tuple) -> dict[str, Any]:
    """A ring's statistics from the engine's fast row (``RankedRings.rows``)."""
    _rank, _ring_id, cases, victims, loss_fen, towns, first, last, major, identifiers = row
    return {"case_count": cases, "victim_count": victims, "total_loss": Decimal(loss_fen).scaleb(-2),
            "town_count": towns, "identifier_count": identifiers,
            "first_date": dt.date.fromordinal(first) if first else None,
            "last_date": dt.date.fromordinal(last) if last else None, "is_major": bool(major)}


def _store_rings(index: RingIndex, *, pk_of: Mapping[str, int], current: Mapping[int, int | None],
                 replaceable: Iterable[Ring]) -> StoreReport:
    """Write the rings of ``index`` (two or more cases each) over ``replaceable``, the rows
    its cases were in: a row whose ring_id survives is updated in place, the others removed.
    ``current`` is each case's ring pk now; only the cases whose ring changes are written."""
    by_id = {ring.ring_id: ring for ring in replaceable}
    now = timezone.now()
    linked: dict[str, Ring] = {}
    to_create, to_update = [], []
    for row in index.rings().rows():
        if row[2] < 2:
            continue
        ring_id, stats = row[1], _stats(row)
        ring = by_id.pop(ring_id, None)
        if ring is None:
            ring = Ring(ring_id=ring_id, rank=0, **stats)
            to_create.append(ring)
        elif any(getattr(ring, name) != value for name, value in stats.items()):
            for name, value in stats.items():
                setattr(ring, name, value)
            ring.updated_at = now  # bulk_update does not apply auto_now
            to_update.append(ring)
        linked[ring_id] = ring
    Ring.objects.bulk_create(to_create, batch_size=WRITE_BATCH)
    Ring.objects.bulk_update(to_update, [*_STATS, "updated_at"], batch_size=WRITE_BATCH)
    moved: dict[int | None, list[int]] = defaultdict(list)
    for ref, ring_id in index.members():
        pk = pk_of[ref]
        ring = linked.get(ring_id)
        target = ring.pk if ring is not None else None
        if current.get(pk) != target:
            moved[target].append(pk)
    _update_by_value(FraudCase, moved, lambda target: {"ring": target})
    removed = [ring.pk for ring in by_id.values()]
    for start in range(0, len(removed), WRITE_BATCH):
        Ring.objects.filter(pk__in=removed[start:start + WRITE_BATCH]).delete()
    return StoreReport(rings=len(linked), created=len(to_create), updated=len(to_update),
                       removed=len(removed), cases_moved=sum(map(len, moved.values())))


def _update_by_value(model: type[Any], groups: Mapping[Any, list[int]],
                     values: Callable[[Any], dict[str, Any]]) -> None:
    """Set ``values(key)`` on the rows of each group of pks, a chunk at a time: an UPDATE per
    distinct value (rows change to few values), where bulk_update spends a millisecond of
    Python per row building its CASE."""
    for key, pks in groups.items():
        for start in range(0, len(pks), WRITE_BATCH):
            model.objects.filter(pk__in=pks[start:start + WRITE_BATCH]).update(**values(key))


def _rerank() -> None:
    """Every ring's rank in one statement, as the engine ranks (``linking``): total loss,
    victims, towns, all descending, then the ring id in code-point order — which PostgreSQL
    compares under the "C" collation, SQLite by default. One ring rising to the top moves every
    rank below it: row by row, that was a write per ring for each case recorded."""
    table = connection.ops.quote_name(Ring._meta.db_table)
    ring_id = '"ring_id" COLLATE "C"' if connection.vendor == "postgresql" else '"ring_id"'
    with connection.cursor() as cursor:
        cursor.execute(f"""
            UPDATE {table} SET "rank" = ranked.position
            FROM (SELECT "id", ROW_NUMBER() OVER (
                      ORDER BY "total_loss" DESC, "victim_count" DESC, "town_count" DESC, {ring_id}
                  ) AS position FROM {table}) AS ranked
            WHERE ranked."id" = {table}."id" AND {table}."rank" <> ranked.position
        """)  # noqa: S608 (no input in it: the table's own name and columns)


# ---------------------------------------------------------------------------
# Rings in full
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecomputeReport:
    cases: int
    links: int
    rings: int
    major: int
    left_out: int
    created: int
    updated: int
    removed: int
    cases_moved: int
    seconds: float


Progress = Callable[..., Any]


def _identity(rows: Iterable, **_kwargs: Any) -> Iterable:
    return rows


@dataclass
class _Reading:
    index: RingIndex
    pk_of: dict[str, int]
    current: dict[int, int | None]
    degree: np.ndarray
    links: int


def _stoplisted_pks() -> list[int]:
    keys = default_stoplist()
    if not keys:
        return []
    wanted = Q(pk__in=[])
    for key in keys:
        kind, _sep, value = key.partition(":")
        wanted |= Q(kind=kind, value=value)
    return list(Identifier.objects.filter(wanted).values_list("pk", flat=True))


def _chunked(queryset: QuerySet, size: int = 5000) -> Iterator:
    return queryset.order_by().iterator(chunk_size=size)


def _read_all(progress: Progress) -> _Reading:
    """Every case and link, streamed into a fresh engine under the settings' stoplist and
    degree threshold. Identifiers are keyed by their pk: no text is built per link."""
    index = RingIndex(stoplist=[str(pk) for pk in _stoplisted_pks()],
                      max_degree=settings.PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE)
    pk_of: dict[str, int] = {}
    ref_of: dict[int, str] = {}
    current: dict[int, int | None] = {}
    cases = FraudCase.objects.values_list("pk", "ring_id", *CASE_FACTS)
    for pk, ring, ref, loss, victims, unit_prefix, reported_on in progress(
            _chunked(cases), total=cases.count(), desc=str(_("Cases")), unit=" cases"):
        index.add_row(ref, None, fen(loss), victims, unit_prefix, reported_on.toordinal())
        pk_of[ref] = pk
        ref_of[pk] = ref
        current[pk] = ring
    links = CaseIdentifier.objects.values_list("case_id", "identifier_id")
    identifier_ids = array("q")  # 8 bytes a link, where a list of ints costs 36
    add_row = index.add_row
    for case_id, identifier_id in progress(_chunked(links), total=links.count(), desc=str(_("Identifiers")),
                                           unit=" links"):
        add_row(ref_of[case_id], str(identifier_id))
        identifier_ids.append(identifier_id)
    degree = np.bincount(np.frombuffer(identifier_ids, dtype=np.int64), minlength=1)
    return _Reading(index=index, pk_of=pk_of, current=current, degree=degree, links=len(identifier_ids))


def _store_identifier_stats(reading: _Reading) -> int:
    """Each identifier's case count and left-out verdict as the engine found them."""
    verdicts = {int(item.identifier): item.reason for item in reading.index.left_out()}
    degree = reading.degree
    changed: dict[tuple[int, str], list[int]] = defaultdict(list)
    for pk, count, left_out in _chunked(Identifier.objects.values_list("pk", "case_count", "left_out")):
        wanted = (int(degree[pk]) if pk < len(degree) else 0, verdicts.get(pk, ""))
        if (count, left_out) != wanted:
            changed[wanted].append(pk)
    _update_by_value(Identifier, changed, lambda wanted: {"case_count": wanted[0], "left_out": wanted[1]})
    return len(verdicts)


def rings_recompute(*, progress: Progress | None = None) -> RecomputeReport:
    """Link every case again and write the rings in one transaction. The cases are read
    before the write lock is taken (on SQLite a write transaction blocks every other
    writer); if a case or identifier was recorded meanwhile, they are read again under it.
    ``progress`` wraps an iterable like tqdm (``progress(rows, total=…, desc=…)``)."""
    started = time.perf_counter()
    progress = progress or _identity
    seen = LinkingState.objects.filter(pk=1).values_list("version", flat=True).first()
    reading = _read_all(progress)
    with transaction.atomic():
        state = _lock_linking()
        if state.version != (seen or 0):
            reading = _read_all(progress)
        stored = _store_rings(reading.index, pk_of=reading.pk_of, current=reading.current,
                              replaceable=Ring.objects.all())
        left_out = _store_identifier_stats(reading)
        _rerank()
        seconds = time.perf_counter() - started
        state.version += 1
        state.recomputed_at = timezone.now()
        state.recompute_seconds = round(seconds, 3)
        state.save()
    return RecomputeReport(
        cases=len(reading.pk_of), links=reading.links, rings=stored.rings,
        major=Ring.objects.filter(is_major=True).count(), left_out=left_out, created=stored.created,
        updated=stored.updated, removed=stored.removed, cases_moved=stored.cases_moved, seconds=seconds,
    )
