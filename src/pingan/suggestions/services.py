"""Writes on deputies' suggestions and members' proposals. The pages, the API, the session
import and the demo all call these; each rule is checked here, whoever calls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.attachments import attachment_add
from pingan.core.cases import open_case, outside_scope_refusal
from pingan.core.deadlines import NO_DEADLINE_FIELDS, DeadlineTerms, local_date
from pingan.core.errors import refuse_nul
from pingan.core.inbox import notify
from pingan.core.models import Attachment, AttachmentKind, Severity, Unit, UnitKind
from pingan.core.people import handlers_at, leaders_for, resolve_leader
from pingan.core.scoping import scope_for
from pingan.core.workflow import check_actor, record_transition, take_step
from pingan.suggestions import selectors, terms
from pingan.suggestions.models import (
    DOMAIN,
    KIND,
    MSG_TEXT_TOO_LONG,
    REF_PREFIX,
    TEXT_MAX_CHARS,
    Category,
    Channel,
    CoHandling,
    Satisfaction,
    Session,
    Status,
    Suggestion,
)
from pingan.suggestions.terms import Term
from pingan.suggestions.workflow import (
    SUGGESTION_WORKFLOW,
    actor_of_lead,
    is_assigning_office,
    promise_open,
    was_rehandled,
)

MSG_NOT_ASSIGNING_OFFICE = _(
    "Only the office that assigns suggestions and proposals registers and assigns them.")
MSG_TITLE_REQUIRED = _("Give the title.")
MSG_NUMBER_REQUIRED = _("Give the number the session gave it.")
MSG_PROPOSERS_REQUIRED = _("Name the deputy or member who brought it.")
MSG_NUMBER_TAKEN = _("{session} already has number {number}: {ref}.")
MSG_BAD_CHOICE = _("“{value}” is not a valid {field}.")
MSG_KEY_NEEDS_LEADER = _("A key suggestion has a supervising leader: choose one.")
MSG_LEADER_NOT_KEY = _("Only a key suggestion has a supervising leader.")
MSG_SESSION_NAME = _("Name the session, e.g. 市八届人大一次会议.")
# The first plenary session of the CPPCC opened on 21 September 1949 (the NPC's in 1954): no
# session of either body opened earlier, so an earlier day is a typing slip.
FIRST_SESSION = dt.date(1949, 9, 21)
MSG_SESSION_TOO_EARLY = _("A session's opening day cannot be before {date}, when the first session opened.")
MSG_BEFORE_SESSION = _("{day} is before {session} opened ({opened}): an item is registered and assigned "
                       "after its session opens.")
MSG_DAY_IN_FUTURE = _("{day} is in the future.")
MSG_SESSION_FUTURE = _("A session's opening day cannot be in the future.")
MSG_SESSION_CHANNEL = _("{session} is a session of the {existing}, not of the {channel}.")
MSG_LEAD_KIND = _("The lead must be one of the district's departments, towns or sub-districts.")
MSG_CO_HANDLER_KIND = _("A co-handler must be one of the district's departments, towns or sub-districts.")
MSG_CO_HANDLER_IS_LEAD = _("The lead handling unit cannot also be one of its co-handlers.")
MSG_NOT_CO_HANDLER = _("Only a co-handling unit's people send it an opinion.")
MSG_OPINION_SENT = _("{unit} has sent its opinion already ({date}).")
MSG_OPINION_CLOSED = _("The item is no longer being handled: the opinion is too late to use.")
MSG_ASSIGNED = _("{ref}: a suggestion or proposal for your unit to handle, reply due {due}: {title}")
MSG_CO_ASSIGNED = _("{ref}: your unit co-handles it, opinion to {lead} due {due}: {title}")

# Who may lead or co-handle: a department, or a town or sub-district (a matter of its own place).
HANDLING_UNIT_KINDS = (UnitKind.DEPARTMENT, UnitKind.TOWN, UnitKind.TOWNSHIP, UnitKind.SUBDISTRICT)


def _office_only(actor: Any) -> None:
    if not is_assigning_office(actor):
        raise errors.PermissionDenied(MSG_NOT_ASSIGNING_OFFICE)


def may_register(user: Any) -> bool:
    return is_assigning_office(user)


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise errors.DomainError(MSG_BAD_CHOICE.format(value=value, field=field), field=field)
    return value


def district_root() -> Unit:
    """The district the suggestions are addressed to: the root of the territorial tree."""
    root = (Unit.objects.filter(parent__isnull=True).exclude(kind=UnitKind.DEPARTMENT)
            .order_by("prefix").first())
    if root is None:
        raise errors.DomainError(_("The district has no units yet."))
    return root


def leader_options() -> Any:
    """The leaders who may supervise a key suggestion: the district's leaders in charge of
    suggestions (``core.people.leaders_for`` at the district)."""
    return leaders_for(district_root(), DOMAIN)


def _check_day(day: dt.date, session: Session, *, field: str) -> None:
    """An item is registered and assigned once its session has opened, and not in the future
    (an import or the demo back-dates these steps; a typing slip must not)."""
    if day < session.opened_on:
        raise errors.DomainError(MSG_BEFORE_SESSION.format(day=day.isoformat(), session=session.name,
                                                           opened=session.opened_on.isoformat()), field=field)
    if day > timezone.localdate():
        raise errors.DomainError(MSG_DAY_IN_FUTURE.format(day=day.isoformat()), field=field)


def session_get_or_create(*, actor: Any, name: str, channel: str, opened_on: dt.date) -> Session:
    """The session of that name, made the first time it is named (by the office)."""
    _office_only(actor)
    name = (name or "").strip()
    refuse_nul(session=name)
    if not name:
        raise errors.DomainError(MSG_SESSION_NAME, field="session")
    _choice(channel, Channel, "channel")
    if opened_on > timezone.localdate():
        raise errors.DomainError(MSG_SESSION_FUTURE, field="opened_on")
    if opened_on < FIRST_SESSION:
        raise errors.DomainError(MSG_SESSION_TOO_EARLY.format(date=FIRST_SESSION.isoformat()),
                                 field="opened_on")
    session, _created = Session.objects.get_or_create(
        name=name[:100], defaults={"channel": channel, "opened_on": opened_on})
    if session.channel != channel:
        raise errors.DomainError(MSG_SESSION_CHANNEL.format(
            session=session.name, existing=session.get_channel_display(),
            channel=Channel(channel).label), field="channel")
    return session


def suggestion_register(*, actor: Any, session: Session, number: str, title: str, proposers: str,
                        delegation: str = "", text: str = "", category: str = Category.OTHER,
                        is_key: bool = False, supervising_leader: Any = None,
                        at: dt.datetime | None = None) -> Suggestion:
    """Register (登记) an item brought to ``session``. ``at`` back-dates it (the importer and
    the demo generator only)."""
    _office_only(actor)
    refuse_nul(number=number, title=title, proposers=proposers, delegation=delegation, text=text)
    if len(text or "") > TEXT_MAX_CHARS:
        raise errors.DomainError(MSG_TEXT_TOO_LONG.format(limit=TEXT_MAX_CHARS), field="text")
    number, title = (number or "").strip(), (title or "").strip()
    proposers, delegation = (proposers or "").strip(), (delegation or "").strip()
    if not number:
        raise errors.DomainError(MSG_NUMBER_REQUIRED, field="number")
    if not title:
        raise errors.DomainError(MSG_TITLE_REQUIRED, field="title")
    if not proposers:
        raise errors.DomainError(MSG_PROPOSERS_REQUIRED, field="proposers")
    _choice(category, Category, "category")
    _check_day(local_date(at or timezone.now()), session, field="registered_on")
    if is_key and not supervising_leader:
        raise errors.DomainError(MSG_KEY_NEEDS_LEADER, field="supervising_leader")
    if supervising_leader and not is_key:
        raise errors.DomainError(MSG_LEADER_NOT_KEY, field="supervising_leader")
    leader = (resolve_leader(district_root(), DOMAIN, supervising_leader, field="supervising_leader")
              if supervising_leader else None)
    taken = Suggestion.objects.filter(session=session, number=number[:20]).first()
    if taken is not None:
        raise errors.DomainError(MSG_NUMBER_TAKEN.format(session=session.name, number=number, ref=taken.ref),
                                 field="number")
    fields = {
        **NO_DEADLINE_FIELDS,
        "kind": KIND, "title": title[:200], "description": text, "category": category,
        "severity": Severity.ORDINARY, "status": SUGGESTION_WORKFLOW.initial, "session": session,
        "number": number[:20], "proposers": proposers[:200], "delegation": delegation[:100],
        "is_key": is_key, "supervising_leader": leader, "source": session.channel,
    }
    return open_case(model=Suggestion, ref_prefix=REF_PREFIX, actor=actor, unit=district_root(),
                     fields=fields, terms=DeadlineTerms(duration=0), opened_at=at or timezone.now())


def _check_units(lead: Unit, co_handlers: Sequence[Unit]) -> None:
    if lead.kind not in HANDLING_UNIT_KINDS:
        raise errors.DomainError(MSG_LEAD_KIND, field="lead")
    if any(unit.kind not in HANDLING_UNIT_KINDS for unit in co_handlers):
        raise errors.DomainError(MSG_CO_HANDLER_KIND, field="co_handlers")
    if any(unit.pk == lead.pk for unit in co_handlers):
        raise errors.DomainError(MSG_CO_HANDLER_IS_LEAD, field="co_handlers")


def suggestion_assign(*, suggestion: Suggestion, actor: Any, lead: Unit, co_handlers: Iterable[Unit] = (),
                      expected_version: int, note: str = "", at: dt.datetime | None = None) -> Suggestion:
    """Assign (交办) or, after a return, re-assign the item to ``lead`` with ``co_handlers``:
    every term counts from this assignment — the return window, the reply and the
    co-handlers' opinions. ``at`` back-dates it (the importer and the demo only)."""
    co_handlers = list(dict.fromkeys(co_handlers))
    refuse_nul(note=note)
    transition = SUGGESTION_WORKFLOW.get("assign")
    _refuse_outside_scope(suggestion, actor, transition.label)
    check_actor(SUGGESTION_WORKFLOW, suggestion, transition, actor)
    _check_units(lead, co_handlers)
    now = at or timezone.now()
    day = local_date(now)
    _check_day(day, suggestion.session, field="assigned_on")
    reply = terms.count(Term.REPLY, day)
    opinion_due = terms.due(Term.CO_OPINION, day)
    # The item is filed at its lead, as a district-wide supervised task is at its department:
    # the escalation sweep climbs from there to the district (filed at the district, an item
    # led by a department would have nowhere to climb, and an overdue one never escalated).
    changes = {
        "unit": lead, "unit_prefix": lead.prefix, "department": lead if lead.is_department else None,
        "assigned_at": now, "assignments": suggestion.assignments + 1,
        "return_due": terms.due(Term.RETURN, day), "reply_due": reply.due, "escalation_level": 0,
        "extended_at": None, "extension_reason": "", "extension_requested_at": None,
        **reply.case_fields(),
    }
    with transaction.atomic():
        event = record_transition(
            workflow=SUGGESTION_WORKFLOW, case=suggestion, transition=transition, actor=actor,
            expected_version=expected_version, note=note.strip(), changes=changes, at=now,
            notify_users=handlers_at(lead.pk), message=_in_platform_language(
                MSG_ASSIGNED, ref=suggestion.ref, due=reply.due.isoformat(), title=suggestion.title))
        # A re-assignment starts the co-handling afresh: the opinions owed were to the old lead.
        CoHandling.objects.filter(suggestion=suggestion).delete()
        CoHandling.objects.bulk_create(CoHandling(suggestion=suggestion, unit=unit_, opinion_due=opinion_due)
                                       for unit_ in co_handlers)
        for unit_ in co_handlers:
            notify(users=handlers_at(unit_.pk), case=suggestion, event=event, message=_in_platform_language(
                MSG_CO_ASSIGNED, ref=suggestion.ref, lead=lead.name, due=opinion_due.isoformat(),
                title=suggestion.title))
    return suggestion


def _in_platform_language(message: Any, **values: Any) -> str:
    """A notice as its readers see it: in the platform's language, whatever the sender's."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message).format(**values)


def _refuse_outside_scope(suggestion: Suggestion, actor: Any, action: Any) -> None:
    """A 404 for whom may not see ``suggestion``; a co-handler or the supervising leader, who
    may, is told plainly that ``action`` is not theirs."""
    refusal = outside_scope_refusal(
        suggestion, actor, seen=lambda: selectors.suggestions_for(actor).filter(pk=suggestion.pk).exists(),
        message=lambda: errors.MSG_NOT_ALLOWED.format(transition=action))
    if refusal is not None:
        raise refusal


def suggestion_transition(*, suggestion: Suggestion, name: str, actor: Any, expected_version: int,
                          note: str = "", at: dt.datetime | None = None, **inputs: Any) -> Suggestion:
    """Take one step of the loop with the inputs that step declares (``workflow``)."""
    transition = SUGGESTION_WORKFLOW.get(name)
    _refuse_outside_scope(suggestion, actor, transition.label)
    refuse_nul(note=note, result_class=inputs.get("result_class"))
    take_step(workflow=SUGGESTION_WORKFLOW, case=suggestion, name=name, actor=actor,
              expected_version=expected_version, note=note, inputs=inputs, at=at)
    return suggestion


def rating_step(suggestion: Suggestion, satisfaction: str) -> str:
    """Which step records ``satisfaction``: 不满意 the first time opens the re-handling; any
    other rating closes the item, or keeps it open for a promise not yet kept."""
    if satisfaction == Satisfaction.DISSATISFIED and not was_rehandled(suggestion):
        return "rate_dissatisfied"
    return "rate_promise" if promise_open(suggestion) else "rate"


def suggestion_rate(*, suggestion: Suggestion, actor: Any, satisfaction: str, expected_version: int,
                    note: str = "", at: dt.datetime | None = None) -> Suggestion:
    """Record the proposer's satisfaction (测评), by the assigning office."""
    name = rating_step(suggestion, satisfaction)
    inputs = {} if name == "rate_dissatisfied" else {"satisfaction": satisfaction}
    return suggestion_transition(suggestion=suggestion, name=name, actor=actor,
                                 expected_version=expected_version, note=note, at=at, **inputs)


def co_handling_of(suggestion: Suggestion, actor: Any) -> CoHandling | None:
    """The co-handling ``actor`` acts for: a handler's role (or above) at a co-handling unit."""
    units = scope_for(actor).co_handling_units(DOMAIN)
    return CoHandling.objects.filter(suggestion=suggestion, unit_id__in=units).select_related("unit").first()


def _opinion_giver(suggestion: Suggestion, actor: Any) -> CoHandling:
    """The co-handling ``actor`` sends an opinion for now: a co-handling unit's people, once,
    while the item is handled; else raises why not."""
    co_handling = co_handling_of(suggestion, actor)
    if co_handling is None:
        if not selectors.suggestions_for(actor).filter(pk=suggestion.pk).exists():
            raise errors.NotFound(errors.MSG_NOT_FOUND)
        raise errors.PermissionDenied(MSG_NOT_CO_HANDLER)
    if co_handling.opinion_at is not None:
        raise errors.DomainError(MSG_OPINION_SENT.format(unit=co_handling.unit.name,
                                                         date=local_date(co_handling.opinion_at).isoformat()))
    if suggestion.status not in (Status.ASSIGNED, Status.REHANDLING):
        raise errors.DomainError(MSG_OPINION_CLOSED)
    return co_handling


def may_send_opinion(suggestion: Suggestion, user: Any) -> bool:
    try:
        _opinion_giver(suggestion, user)
    except errors.DomainError:
        return False
    return True


def suggestion_co_opinion(*, suggestion: Suggestion, actor: Any, opinion: str,
                          at: dt.datetime | None = None) -> CoHandling:
    """A co-handler sends its opinion (协办意见) to the lead, once, while the item is handled.
    Recorded as a step on the item's trail; the lead's people are told."""
    co_handling = _opinion_giver(suggestion, actor)
    refuse_nul(opinion=opinion)
    opinion = (opinion or "").strip()
    if not opinion:
        raise errors.DomainError(errors.MSG_REASON_REQUIRED, field="opinion")
    now = at or timezone.now()
    with transaction.atomic():
        current = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        record_transition(
            workflow=SUGGESTION_WORKFLOW, case=current, transition=SUGGESTION_WORKFLOW.get("co_opinion"),
            actor=actor, expected_version=current.version, note=f"{co_handling.unit.name}: {opinion}", at=now,
            notify_users=handlers_at(current.department_id or current.unit_id))
        CoHandling.objects.filter(pk=co_handling.pk).update(opinion=opinion, opinion_at=now, opinion_by=actor)
        suggestion.version = current.version + 1
    co_handling.refresh_from_db()
    return co_handling


# --- Documents uploaded apart from a step (the API) -----------------------------------------

MSG_ATTACH = _("Add a document")


def attach_refusal(suggestion: Suggestion, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not add a document (the reply, before the step that sends it) to the
    item now, or None: the lead's people, while it is open."""
    try:
        _refuse_outside_scope(suggestion, actor, MSG_ATTACH)
    except errors.DomainError as refusal:
        return refusal
    problem = actor_of_lead(suggestion, actor, {})
    if problem:
        return errors.PermissionDenied(str(problem))
    if not suggestion.is_open:
        return errors.DomainError(errors.MSG_CLOSED)
    return None


def may_attach(suggestion: Suggestion, user: Any) -> bool:
    return attach_refusal(suggestion, user) is None


def suggestion_attachment_add(*, suggestion: Suggestion, actor: Any, name: str, content: bytes) -> Attachment:
    """One document, with an event of its own: the API uploads the reply document so, and
    the ``reply`` step then finds it (``workflow.reply_document_given``)."""
    refusal = attach_refusal(suggestion, actor)
    if refusal is not None:
        raise refusal
    return attachment_add(case=suggestion, actor=actor, name=name, content=content,
                          kind=AttachmentKind.DOCUMENT)
