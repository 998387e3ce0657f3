"""The petitioner's satisfaction (回访): never the replying handler's word.

Two ways in, one step of the clock ("rate", replied → rated):
- the petition bureau asks the petitioner (phone, in person, text) and records the answer:
  ``services.petition_transition(name="rate", …)``, whose rules the workflow declares;
- the petitioner answers on the public page with the one-time code printed on the reply
  notice: ``petition_satisfaction_answer`` here, which checks the code instead of a role.

The reply step issues the first code (``issue_code``); printing the notice again issues a
new one and voids the old (``petition_reply_notice``): only a keyed digest of a code is
stored, so a code cannot be shown twice. A code works once, until the review window
closes. Wrong codes are counted per reference and per client, and past a limit both are
locked out for a while; a wrong reference and a wrong code get the same answer, so the page
says nothing about a petition to whoever lacks its code.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.deadlines import end_of_day, local_date
from pingan.core.events import append_event
from pingan.core.models import Case, EventType
from pingan.core.scoping import scope_for
from pingan.core.workflow import record_transition
from pingan.petitions.models import (
    Petition,
    Satisfaction,
    SatisfactionAttempt,
    SatisfactionChannel,
    SatisfactionCode,
    Status,
)
from pingan.petitions.workflow import (
    MSG_SATISFACTION_REQUIRED,
    PETITION_WORKFLOW,
    for_handling_unit,
    from_petition_bureau,
)

# Readable aloud and on paper: no 0/O, 1/I/L. 31⁸ ≈ 8.5 × 10¹¹ codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8

MSG_WRONG_CODE = _(
    "The reference or the code is not right. Check both against the reply notice and try again."
)
MSG_CODE_USED = _("This code has already been used: the answer it gave is recorded.")
MSG_CODE_EXPIRED = _(
    "This code expired on {date}, when the time to ask for a review ended. The petition bureau "
    "can still take your view by phone."
)
MSG_ALREADY_ANSWERED = _(
    "An answer for this petition is already recorded, or it no longer awaits one. The petition "
    "bureau can tell you more by phone."
)
MSG_LOCKED = _(
    "Too many wrong codes were entered for this reference or from this connection. Try again "
    "after {time}, or answer the petition bureau's call-back."
)
MSG_PUBLIC_ANSWER_NOTE = _("Answered by the petitioner on the public page, with the reply notice's code.")
MSG_LEDGER_ANSWER_NOTE = _("Satisfaction as recorded in the imported ledger.")
MSG_NOTICE_REISSUED = _("A new reply notice was printed: the earlier code no longer works.")
MSG_NOTICE_STATE = _(
    "A reply notice can be printed while the petition is replied and awaits the petitioner's answer."
)
MSG_NOTICE_EXPIRED = _("The time to ask for a review ended on {date}: a new code would not work.")
MSG_TRANSCRIBE_ONLY_IMPORTED = _(
    "Satisfaction from a ledger is recorded only while importing the petition from that ledger."
)


class Throttled(errors.DomainError):
    code = "throttled"
    status = 429


@dataclass(frozen=True)
class ReviewPath:
    """Where a dissatisfied petitioner turns: a review (复查) by the body above the unit that
    replied, asked for by the end of the review window."""

    body: str
    replied_by: str
    until: dt.date


@dataclass(frozen=True)
class ReplyNotice:
    """What the reply notice prints; ``code`` is the only time the code is seen."""

    petition: Petition
    code: str
    expires_on: dt.date
    review: ReviewPath


@dataclass(frozen=True)
class PublicAnswer:
    """What the public page confirms: the reference and the answer, nothing about the
    petitioner or the matter; the review path when the answer is "not satisfied"."""

    reference: str
    satisfaction: str
    review: ReviewPath | None

    @property
    def satisfaction_label(self) -> str:
        return str(Satisfaction(self.satisfaction).label)


def review_path(petition: Petition) -> ReviewPath | None:
    """The review open to the petitioner, once the reply has set its window."""
    if petition.review_window_until is None:
        return None
    unit = petition.handling_unit
    above = unit.parent
    body = above.name if above is not None else str(_("the body above {unit}").format(unit=unit.name))
    return ReviewPath(body=body, replied_by=unit.name, until=petition.review_window_until)


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalise_code(text: str) -> str:
    """As typed: any case, spaces and dashes ignored."""
    return re.sub(r"[\s\-‐–—－]", "", text or "").upper()


def normalise_reference(text: str) -> str:
    return re.sub(r"\s", "", text or "").upper()[:40]


def _digest(reference: str, code: str) -> str:
    # Keyed by the deployment's secret: the table alone does not let anyone try codes offline.
    return salted_hmac("pingan.petitions.satisfaction-code", f"{reference}:{code}",
                       algorithm="sha256").hexdigest()


def client_key(address: str) -> str:
    return salted_hmac("pingan.petitions.satisfaction-client", address or "-",
                       algorithm="sha256").hexdigest()


def issue_code(petition: Petition, *, at: dt.datetime) -> ReplyNotice:
    """A new one-time code for ``petition``'s reply notice, valid until the review window
    closes; unused earlier codes stop working. Call inside the step's transaction."""
    review = review_path(petition)
    assert review is not None, "a code is issued after the reply sets the review window"
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    SatisfactionCode.objects.filter(petition=petition, used_at__isnull=True).delete()
    SatisfactionCode.objects.create(petition=petition, digest=_digest(petition.ref, code), issued_at=at,
                                    expires_at=end_of_day(review.until))
    return ReplyNotice(petition=petition, code=format_code(code), expires_on=review.until, review=review)


def _notice_role_problem(petition: Petition, actor: Any) -> str | None:
    """The notice is printed by the unit that replied, or by the petition bureau."""
    if from_petition_bureau(petition, actor, {}) is None:
        return None
    problem = for_handling_unit(petition, actor, {})
    return str(problem) if problem else None


def _notice_state_problem(petition: Petition, now: dt.datetime) -> str | None:
    if petition.status != Status.REPLIED:
        return str(MSG_NOTICE_STATE)
    if petition.review_window_until < local_date(now):
        return MSG_NOTICE_EXPIRED.format(date=petition.review_window_until.isoformat())
    return None


def reply_notice_refusal(petition: Petition, actor: Any, now: dt.datetime) -> str | None:
    """Why ``actor`` may not print the reply notice again now, or None (the state first: it
    costs no query, and most petitions are not awaiting an answer)."""
    return _notice_state_problem(petition, now) or _notice_role_problem(petition, actor)


def petition_reply_notice(*, petition: Petition, actor: Any, at: dt.datetime | None = None) -> ReplyNotice:
    """Print the reply notice again, with a new code (the earlier code stops working), while
    the petitioner's answer is awaited."""
    if not scope_for(actor).covers(petition):
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    now = at or timezone.now()
    problem = _notice_role_problem(petition, actor)
    if problem:
        raise errors.PermissionDenied(problem)
    problem = _notice_state_problem(petition, now)
    if problem:
        raise errors.DomainError(problem)
    with transaction.atomic():
        # The code changes nothing on the case (no version bump), but the event's sequence
        # must not race another write: hold the row.
        Case.objects.select_for_update().filter(pk=petition.pk).values_list("pk").get()
        notice = issue_code(petition, at=now)
        append_event(case=petition, actor=actor, type=EventType.UPDATED, note=str(MSG_NOTICE_REISSUED),
                     at=now)
    return notice


def _refuse_if_locked(reference: str, client: str, now: dt.datetime) -> None:
    since = now - dt.timedelta(hours=settings.PINGAN_SATISFACTION_LOCK_HOURS)
    recent = SatisfactionAttempt.objects.filter(at__gt=since)
    for failures, limit in (
        (recent.filter(reference=reference), settings.PINGAN_SATISFACTION_MAX_FAILURES_PER_REFERENCE),
        (recent.filter(client=client), settings.PINGAN_SATISFACTION_MAX_FAILURES_PER_CLIENT),
    ):
        moments = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
        if len(moments) >= limit:
            # Open again once the oldest of the last ``limit`` failures leaves the window.
            lock = dt.timedelta(hours=settings.PINGAN_SATISFACTION_LOCK_HOURS)
            until = timezone.localtime(moments[-1] + lock)
            raise Throttled(MSG_LOCKED.format(time=f"{until:%Y-%m-%d %H:%M}"))


def petition_satisfaction_answer(*, reference: str, code: str, satisfaction: str, client: str,
                                 at: dt.datetime | None = None) -> PublicAnswer:
    """The petitioner's own answer, given on the public page with the reply notice's code.

    ``client`` is the caller's network address (kept only as a keyed digest, to count wrong
    codes). The code is consumed; a wrong reference or code is counted and says nothing
    more than that one of them is wrong."""
    now = at or timezone.now()
    if satisfaction not in Satisfaction.values:
        raise errors.DomainError(MSG_SATISFACTION_REQUIRED, field="satisfaction")
    reference, code, client = normalise_reference(reference), normalise_code(code), client_key(client)
    _refuse_if_locked(reference, client, now)
    found = (SatisfactionCode.objects.select_related("petition__handling_unit__parent")
             .filter(petition__ref=reference, digest=_digest(reference, code)).first())
    if found is None:
        SatisfactionAttempt.objects.create(reference=reference, client=client, at=now)
        raise errors.DomainError(MSG_WRONG_CODE, field="code")
    petition = found.petition
    if found.used_at is not None:
        raise errors.DomainError(MSG_CODE_USED, field="code")
    if found.expires_at < now:
        raise errors.DomainError(MSG_CODE_EXPIRED.format(date=local_date(found.expires_at).isoformat()),
                                 field="code")
    if petition.status != Status.REPLIED:
        raise errors.DomainError(MSG_ALREADY_ANSWERED, field="code")
    with transaction.atomic():
        # Two submissions with one code: the first to mark it used wins.
        if not SatisfactionCode.objects.filter(pk=found.pk, used_at__isnull=True).update(used_at=now):
            raise errors.DomainError(MSG_CODE_USED, field="code")
        _record(petition, actor=None, satisfaction=satisfaction, channel=SatisfactionChannel.PUBLIC_PAGE,
                asked_on=local_date(now), note=str(MSG_PUBLIC_ANSWER_NOTE), at=now,
                notify_users=[petition.assignee, petition.reporter])
    unhappy = satisfaction == Satisfaction.NOT_SATISFIED
    return PublicAnswer(reference=petition.ref, satisfaction=satisfaction,
                        review=review_path(petition) if unhappy else None)


def petition_satisfaction_transcribed(*, petition: Petition, actor: Any, satisfaction: str,
                                      at: dt.datetime) -> Petition:
    """Satisfaction read from an imported ledger, where the office that kept it recorded
    the call-back: only on a petition being imported, by its importer."""
    if petition.source != "import" or petition.reporter_id != getattr(actor, "pk", None):
        raise errors.PermissionDenied(MSG_TRANSCRIBE_ONLY_IMPORTED)
    if petition.status != Status.REPLIED:
        raise errors.TransitionNotAllowed(errors.MSG_WRONG_STATE.format(
            transition=PETITION_WORKFLOW.get("rate").label, status=PETITION_WORKFLOW.label(petition.status)))
    if satisfaction not in Satisfaction.values:
        raise errors.DomainError(MSG_SATISFACTION_REQUIRED, field="satisfaction")
    with transaction.atomic():
        _record(petition, actor=actor, satisfaction=satisfaction, channel=SatisfactionChannel.LEDGER,
                asked_on=local_date(at), note=str(MSG_LEDGER_ANSWER_NOTE), at=at)
    return petition


def rating_changes(*, satisfaction: str, channel: str, asked_on: dt.date, at: dt.datetime) -> dict[str, Any]:
    """What the "rate" step writes, whichever way the answer came."""
    return {"satisfaction": satisfaction, "rated_at": at, "satisfaction_channel": channel,
            "satisfaction_asked_on": asked_on}


def _record(petition: Petition, *, actor: Any, satisfaction: str, channel: str, asked_on: dt.date,
            note: str, at: dt.datetime, notify_users: list[Any] | None = None) -> None:
    record_transition(workflow=PETITION_WORKFLOW, case=petition, transition=PETITION_WORKFLOW.get("rate"),
                      actor=actor, expected_version=petition.version, note=note, at=at,
                      changes=rating_changes(satisfaction=satisfaction, channel=channel,
                                             asked_on=asked_on, at=at),
                      notify_users=notify_users or [])
