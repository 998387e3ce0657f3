"""The clock of one suggestion or proposal, term by term, as its page draws it: when each
term started, when it was due, when (and whether in time) it was met, and the calculator
rule that counts it.

Read from the item, its co-handlings, contacts and returns, and its trail of events: a reply
or a rating given twice (once, then again after the re-handling) keeps what each said only
on the trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.deadlines import due_state_of, end_of_day, local_date
from pingan.core.models import DueState, Event
from pingan.core.people import lead_unit
from pingan.suggestions import terms
from pingan.suggestions.models import CoHandling, Satisfaction, Status, Suggestion
from pingan.suggestions.terms import Term
from pingan.suggestions.workflow import handling_started, result_class_label


class State:
    """How a term went; the page colours its dot by it (the ``.clock`` styles)."""

    DONE = "done"  # met by its due date (or it had none)
    LATE = "late"  # met after its due date
    RUNNING = "running"  # under way, not yet due
    OVERDUE = "overdue"  # under way, past its due date
    WAITING = "waiting"  # not started: an earlier step is still open
    SKIPPED = "skipped"  # ended without being used (a return window that closed)


@dataclass
class Entry:
    key: str
    label: Any
    state: str
    due: dt.date | None = None
    done_on: dt.date | None = None
    details: list[Any] = field(default_factory=list)
    # The deadline calculator's rule counting this term, and the day it counts from.
    rule: str = ""
    start: dt.date | None = None
    due_state: str = ""  # a running term's, for its badge
    attachments: Sequence[Any] = ()
    # A term under way whose due date was counted over a year with no confirmed holiday
    # schedule: the date may move when that schedule is imported (``provisional``).
    provisional: bool = False


@dataclass(frozen=True)
class Given:
    """One reply or rating as its event recorded it, with what was then in force."""

    event: Event
    on: dt.date
    values: dict[str, Any]


MSG_ROUND = _("round {number}")
MSG_NUMBER = _("No. %(number)s")  # as the list's rows say it
MSG_LEAD = _("Lead: {unit}")
MSG_CO_HANDLERS = _("Co-handling: {units}")
MSG_MAY_RETURN = _("The lead may return it until {date}.")
MSG_RETURN_CLOSED = _("Closed: not returned.")
MSG_RETURNED = _("Returned by {unit}: {reason}")
MSG_AWAITING_REASSIGNMENT = _("Awaiting re-assignment by the office.")
MSG_EXTENDED = _("Extended to {months} months: {reason}")
MSG_EXTENSION_ASKED = _("Extension asked for on {date}: the office decides.")
MSG_CLASS = _("Result class {label}")
MSG_PROMISED = _("Promised by {date}")
MSG_OPINION_NOT_SENT = _("Not sent.")
MSG_CONTACT_NEEDED = _("Required before the reply.")


def _date(value: Any) -> dt.date | None:
    """A date as the trail holds it (ISO text) or as the item does."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return local_date(value)
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _met(done_on: dt.date | None, due: dt.date | None, now: dt.datetime, *,
         started: bool = True) -> tuple[str, str]:
    """A term's state and, while it runs, its due state."""
    if done_on is not None:
        return (State.LATE if due is not None and done_on > due else State.DONE), ""
    if not started:
        return State.WAITING, ""
    due_state = due_state_of(is_open=True, due_at=end_of_day(due) if due else None, now=now)
    late = due_state in (DueState.OVERDUE, DueState.LONG_OVERDUE)
    return (State.OVERDUE if late else State.RUNNING), due_state


def _given(events: Iterable[Event], steps: set[str]) -> Iterator[Given]:
    """The events of ``steps``, each with the item's fields as they stood after it: a field a
    step left unchanged is not on its event, so the values are carried from the ones before."""
    values: dict[str, Any] = {}
    for event in events:
        values.update(event.after or {})
        if event.transition in steps:
            yield Given(event=event, on=local_date(event.at), values=dict(values))


def _reply_details(reply: Given) -> list[Any]:
    details: list[Any] = []
    if reply.values.get("result_class"):
        details.append(MSG_CLASS.format(label=result_class_label(reply.values["result_class"])))
    if promise := _date(reply.values.get("promise_due")):
        details.append(MSG_PROMISED.format(date=promise.isoformat()))
    if reply.event.note:
        details.append(reply.event.note)
    return details


def _satisfaction(rating: Given) -> str:
    value = rating.values.get("satisfaction")
    return str(Satisfaction(value).label) if value in Satisfaction.values else ""


def suggestion_clock(suggestion: Suggestion, events: Sequence[Event], *,
                     now: dt.datetime | None = None) -> list[Entry]:
    """The item's terms in the order they run; ``events`` its trail, oldest first."""
    entries = _entries(suggestion, events, now or timezone.now())
    for entry in entries:
        entry.provisional = provisional(entry)
    return entries


def provisional(entry: Entry) -> bool:
    """Whether ``entry`` is a term under way whose due date, counted again by its calculator
    rule, rests on a year whose holiday schedule is not confirmed (``core.deadlines.Deadline``).
    A term met or ended keeps its date whatever the schedule; a promised date is the lead's,
    counted by no rule."""
    if entry.state not in (State.RUNNING, State.OVERDUE) or not (entry.rule and entry.start and entry.due):
        return False
    return terms.count(entry.rule, entry.start).provisional


def _entries(s: Suggestion, events: Sequence[Event], now: dt.datetime) -> list[Entry]:
    entries = [Entry("registered", _("Registered"), State.DONE, done_on=local_date(s.opened_at),
                     details=[f"{s.session.name} · {MSG_NUMBER % {'number': s.number}}"])]
    if not s.assignments:
        entries.append(Entry("assigned", _("Assignment"),
                             State.RUNNING if s.status == Status.REGISTERED else State.SKIPPED))
        return _ending(s, entries)

    assigned = local_date(s.assigned_at)
    co_handlings = list(s.co_handlings.select_related("unit"))
    details = [MSG_ROUND.format(number=s.assignments), MSG_LEAD.format(unit=lead_unit(s).name)]
    if co_handlings:
        details.append(MSG_CO_HANDLERS.format(units="、".join(c.unit.name for c in co_handlings)))
    entries.append(Entry("assigned", _("Assigned"), State.DONE, done_on=assigned, details=details))

    # Only an item still assigned may be returned: a return after this assignment ended it.
    returned = s.returns.filter(returned_at__gte=s.assigned_at).select_related("unit").first()
    entries.append(_return_window(s, returned, assigned, now))
    if returned is not None:
        entries.append(Entry("reassignment", _("Re-assignment"),
                             State.RUNNING if s.status == Status.RETURNED else State.SKIPPED,
                             details=[MSG_AWAITING_REASSIGNMENT]))
        return _ending(s, entries)

    handling = s.status in (Status.ASSIGNED, Status.REHANDLING)
    replies = list(_given(events, {"reply"}))
    ratings = list(_given(events, {"rate", "rate_promise", "rate_dissatisfied"}))
    entries.extend(_opinion(co, assigned, now, handling=handling) for co in co_handlings)
    entries.append(_contacts(s, handling=handling))
    entries.append(_reply(s, replies[0] if replies else None, assigned, now, handling=handling))
    if replies:
        entries.append(_rating(ratings[0] if ratings else None, pending=s.status == Status.REPLIED))
    if s.rehandle_due:
        dissatisfied = next((r for r in ratings if r.event.transition == "rate_dissatisfied"), None)
        again = replies[1] if len(replies) > 1 else None
        state, due_state = _met(again.on if again else None, s.rehandle_due, now, started=handling)
        entries.append(Entry("rehandle", _("Re-handled reply"), state, due=s.rehandle_due,
                             done_on=again.on if again else None, due_state=due_state,
                             details=_reply_details(again) if again else [], rule=Term.REHANDLE,
                             start=dissatisfied.on if dissatisfied else None,
                             attachments=list(again.event.attachments.all()) if again else ()))
        if again:
            final = ratings[1] if len(ratings) > 1 else None
            entries.append(_rating(final, pending=s.status == Status.REPLIED, key="final-rating",
                                   label=_("Final rating")))
    if s.promise_due:
        kept = _date(s.promise_kept_at)
        state, due_state = _met(kept, s.promise_due, now, started=s.rated_at is not None)
        entries.append(Entry("promise", _("Promise kept"), state, due=s.promise_due, done_on=kept,
                             due_state=due_state))
    return _ending(s, entries)


def _return_window(s: Suggestion, returned: Any, assigned: dt.date, now: dt.datetime) -> Entry:
    entry = Entry("return", _("Return window"), State.SKIPPED, due=s.return_due, rule=Term.RETURN,
                  start=assigned, details=[MSG_RETURN_CLOSED])
    if returned is not None:
        entry.state, entry.done_on = State.DONE, local_date(returned.returned_at)
        entry.details = [MSG_RETURNED.format(unit=returned.unit.name, reason=returned.reason)]
    elif s.status == Status.ASSIGNED and s.return_due and local_date(now) <= s.return_due:
        entry.state, entry.due_state = _met(None, s.return_due, now)
        entry.details = [MSG_MAY_RETURN.format(date=s.return_due.isoformat())]
    return entry


def _opinion(co: CoHandling, assigned: dt.date, now: dt.datetime, *, handling: bool) -> Entry:
    sent = _date(co.opinion_at)
    state, due_state = _met(sent, co.opinion_due, now)
    if sent is None and not handling:
        state, due_state = State.SKIPPED, ""  # the lead replied (or it was withdrawn) without it
    return Entry(f"opinion-{co.unit_id}", _("Opinion of {unit}").format(unit=co.unit.name), state,
                 due=co.opinion_due, done_on=sent, due_state=due_state,
                 details=[co.opinion if sent else MSG_OPINION_NOT_SENT], rule=Term.CO_OPINION, start=assigned)


def _contacts(s: Suggestion, *, handling: bool) -> Entry:
    label = _("Contact with the proposer")
    contacts = list(s.contacts.all())
    if not contacts:
        return Entry("contacts", label, State.RUNNING if handling else State.SKIPPED,
                     details=[MSG_CONTACT_NEEDED])
    details = [" · ".join(filter(None, [c.contacted_on.isoformat(), c.get_way_display(), c.note]))
               for c in contacts]
    if handling and contacts[-1].contacted_on < handling_started(s):
        # Re-handled: the contacts before the dissatisfied rating do not count for the new reply.
        return Entry("contacts", label, State.RUNNING, details=[*details, MSG_CONTACT_NEEDED])
    return Entry("contacts", label, State.DONE, done_on=contacts[-1].contacted_on, details=details)


def _reply(s: Suggestion, reply: Given | None, assigned: dt.date, now: dt.datetime, *,
           handling: bool) -> Entry:
    done_on = reply.on if reply else None
    state, due_state = _met(done_on, s.reply_due, now)
    if reply is None and not handling:
        state, due_state = State.SKIPPED, ""
    details = _reply_details(reply) if reply else []
    if s.extended_at:
        months = terms.term(Term.REPLY_EXTENDED)[0]
        details.append(MSG_EXTENDED.format(months=months, reason=s.extension_reason))
    elif s.extension_requested_at:
        details.append(MSG_EXTENSION_ASKED.format(date=local_date(s.extension_requested_at).isoformat()))
    return Entry("reply", _("Reply"), state, due=s.reply_due, done_on=done_on, due_state=due_state,
                 details=details, rule=Term.REPLY_EXTENDED if s.extended_at else Term.REPLY, start=assigned,
                 attachments=list(reply.event.attachments.all()) if reply else ())


def _rating(rating: Given | None, *, pending: bool, key: str = "rating", label: Any = None) -> Entry:
    label = label or _("Proposer's rating")
    if rating is None:
        return Entry(key, label, State.RUNNING if pending else State.WAITING)
    return Entry(key, label, State.DONE, done_on=rating.on, details=[_satisfaction(rating)])


def _ending(s: Suggestion, entries: list[Entry]) -> list[Entry]:
    if s.status in (Status.CLOSED, Status.WITHDRAWN):
        entries.append(Entry("end", Status(s.status).label, State.DONE, done_on=_date(s.closed_at)))
    return entries
