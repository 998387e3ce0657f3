"""Reads of deputies' suggestions and members' proposals: who sees which, the lists, the
boards, and the league table's figures.

A user sees a suggestion when the core's scope reaches it (the district's office and leaders
of this domain or of every domain; the lead unit — the department that leads it, or the town
that leads a matter of its own place), when they hold a handler's role at one of its
co-handling units, or when they are its supervising leader. Nobody else: a town does not see
the district's suggestions because it lies in the district.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Annotated, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case as Choose
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Length
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pingan.core import tallies
from pingan.core.deadlines import due_state_expression, due_states_q, local_date
from pingan.core.filters import ListFilters
from pingan.core.models import DueState, Unit
from pingan.core.people import lead_unit
from pingan.core.schemas import inline_enum
from pingan.core.scoping import widened_reach_q
from pingan.core.search import like_q, text_q
from pingan.core.tallies import Figures, Groups, Span, tally
from pingan.suggestions.models import (
    DOMAIN,
    Channel,
    CoHandling,
    Return,
    Satisfaction,
    Session,
    Status,
    Suggestion,
)
from pingan.suggestions.workflow import result_class_label, result_classes


def reach_q(user: Any) -> Q:
    """The suggestions ``user`` may see, as a filter (the module's docstring says who)."""
    return widened_reach_q(user, DOMAIN, leader_field="supervising_leader",
                           co_handled=lambda units: CoHandling.objects.filter(unit_id__in=units)
                           .values("suggestion_id"))


def suggestions_for(user: Any) -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(reach_q(user))


def suggestion_get(*, user: Any, ref: str) -> Suggestion | None:
    return (suggestions_for(user).select_related("session", "unit", "department", "supervising_leader")
            .filter(ref=ref).first())


class ReplyState(TextChoices):
    """Where an item's first reply stands: what the boards count, and what the list's ``reply``
    filter picks (``reply_state_q``)."""

    AWAITING = "awaiting", _("Awaiting assignment")
    PENDING = "pending", _("Reply not yet due")
    OVERDUE = "overdue", _("Reply overdue")
    ON_TIME = "on_time", _("Replied on time")
    LATE = "late", _("Replied late")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def reply_state_q(state: str, today: dt.date) -> Q:
    """The items in reply state ``state`` on ``today``. A first reply stays on time or late
    whatever follows it (a re-handling, a withdrawal); an assigned item has not replied yet
    (a reply moves it on, and only an assigned item can be returned)."""
    unanswered = Q(first_reply_on_time__isnull=True)
    return {
        ReplyState.AWAITING: unanswered & Q(status__in=[Status.REGISTERED, Status.RETURNED]),
        ReplyState.PENDING: Q(status=Status.ASSIGNED, reply_due__gte=today),
        ReplyState.OVERDUE: Q(status=Status.ASSIGNED, reply_due__lt=today),
        ReplyState.ON_TIME: Q(first_reply_on_time=True),
        ReplyState.LATE: Q(first_reply_on_time=False),
        ReplyState.WITHDRAWN: unanswered & Q(status=Status.WITHDRAWN),
    }[state]


def supervising_leader_of(case: Any) -> QuerySet:
    """The item's supervising leader (none, or one), from the bare case the sweep reads."""
    return get_user_model().objects.filter(
        pk__in=Suggestion.objects.filter(pk=case.pk).values("supervising_leader"))


# --- The list (the page, the API and the export filter it alike) ----------------------------

# Searched through the cases' text index, and on the suggestion's own columns.
TEXT_FIELDS = ("ref", "title", "description")
OWN_TEXT_FIELDS = ("number", "proposers", "delegation")
SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "opened": ("opened_at", "id"),
    "-opened": ("-opened_at", "-id"),
}


# The choices as the API's schemas take them (``core.schemas.inline_enum``).
ChannelChoice = Annotated[Channel, inline_enum(Channel)]
StatusChoice = Annotated[Status, inline_enum(Status)]
SatisfactionChoice = Annotated[Satisfaction, inline_enum(Satisfaction)]
ReplyChoice = Annotated[ReplyState, inline_enum(ReplyState)]


class SuggestionFilters(ListFilters):
    """One filter definition for the list page, the API and the export."""

    SORTS = SORTS

    session: int | None = Field(None, description="The session's id (GET /api/v1/suggestions/sessions)")
    channel: list[ChannelChoice] = Field(default_factory=list)
    status: list[StatusChoice] = Field(default_factory=list)
    lead: str | None = Field(None, max_length=20, description="The lead unit's code")
    due_state: list[DueState] = Field(default_factory=list)
    key: bool | None = Field(None, description="Key suggestions (重点建议) only, or none of them")
    assigned: bool | None = Field(None, description="Those a handling unit leads now (assigned, in any "
                                  "later state, not returned: the boards' 已交办), or none of them")
    result_class: list[str] = Field(default_factory=list, description="The reply's result class (A–D)")
    satisfaction: list[SatisfactionChoice] = Field(default_factory=list)
    reply: list[ReplyChoice] = Field(default_factory=list,
                                     description="Where the first reply stands (the boards' columns)")
    q: str | None = Field(None, max_length=100,
                          description="Text in reference, title, text, number, proposers, delegation")
    sort: str = "due"

    @field_validator("result_class")
    @classmethod
    def _known_classes(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in result_classes()]
        if unknown:
            raise ValueError(f"result_class must be among {', '.join(result_classes())}")
        return value


# The filters that keep the items whose column holds one of the values chosen.
CHOSEN_AMONG = {"channel": "session__channel__in", "status": "status__in", "result_class": "result_class__in",
                "satisfaction": "satisfaction__in"}


def held_q() -> Q:
    """The items a handling unit leads now: assigned, in any later state, and not returned.
    One returned awaits its re-assignment and is led by none, nor is one withdrawn while it
    was returned (a return since the assignment in force, as ``clock`` reads it): the unit
    that returned it let it go; the session's board counts it registered and withdrawn."""
    returned = Q(status=Status.RETURNED) | (Q(status=Status.WITHDRAWN) & Exists(
        Return.objects.filter(suggestion=OuterRef("pk"), returned_at__gte=OuterRef("assigned_at"))))
    return Q(assigned_at__isnull=False) & ~returned


def lead_q(code: str) -> Q:
    """The items a unit leads now (``held_q``): as their department, or (a town) as their unit."""
    return held_q() & (Q(department__code=code) | Q(department__isnull=True, unit__code=code))


def suggestion_list(*, user: Any, filters: SuggestionFilters,
                    now: dt.datetime | None = None) -> QuerySet[Suggestion]:
    now = now or timezone.now()
    qs = suggestions_for(user)
    if filters.session is not None:
        qs = qs.filter(session_id=filters.session)
    for name, lookup in CHOSEN_AMONG.items():
        if chosen := getattr(filters, name):
            qs = qs.filter(**{lookup: chosen})
    if filters.lead:
        qs = qs.filter(lead_q(filters.lead))
    if filters.due_state:
        qs = qs.filter(due_states_q(filters.due_state, now))
    if filters.key is not None:
        qs = qs.filter(is_key=filters.key)
    if filters.assigned is not None:
        qs = qs.filter(held_q() if filters.assigned else ~held_q())
    if filters.reply:
        today = timezone.localdate(now)
        qs = qs.filter(reduce(or_, (reply_state_q(state, today) for state in filters.reply)))
    if filters.q:
        qs = qs.filter(text_q(filters.q, TEXT_FIELDS) | like_q(filters.q, OWN_TEXT_FIELDS))
    return qs.annotate(due_state=due_state_expression(now)).order_by(*SORTS[filters.sort])


class OpinionState(TextChoices):
    """Where a co-handler's opinion stands against its due date."""

    DUE = "due", _("Due")
    OVERDUE = "overdue", _("Overdue")
    SENT = "sent", _("Sent")
    SENT_LATE = "sent_late", _("Sent late")
    # The item was replied to (or withdrawn) without it.
    NOT_SENT = "not_sent", _("Not sent")


def opinion_state(co_handling: CoHandling, suggestion: Suggestion, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if co_handling.opinion_at is not None:
        on_time = timezone.localtime(co_handling.opinion_at).date() <= co_handling.opinion_due
        return OpinionState.SENT if on_time else OpinionState.SENT_LATE
    if suggestion.status not in (Status.ASSIGNED, Status.REHANDLING):
        return OpinionState.NOT_SENT
    return OpinionState.OVERDUE if today > co_handling.opinion_due else OpinionState.DUE


def sessions_with_counts(user: Any) -> QuerySet[Session]:
    """Every session (their names are public), each with how many of its items ``user`` sees."""
    seen = suggestions_for(user).filter(session=OuterRef("pk")).order_by().values("session")
    return Session.objects.annotate(
        items=Coalesce(Subquery(seen.annotate(n=Count("pk")).values("n")), 0))


# --- Boards (per session, per handling unit; promises falling due) ---------------------------


class BoardFilters(BaseModel):
    """The board's query, its export's too: a session (every session when none) and a
    handling unit (that unit's row and items), each by id."""

    model_config = ConfigDict(extra="ignore")

    session: int | None = Field(None, ge=1, le=2**31 - 1)
    unit: int | None = Field(None, ge=1, le=2**31 - 1)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        # The session picker's "every session" sends an empty value.
        return None if value == "" else value


def reply_state_expression(today: dt.date) -> Choose:
    return Choose(*(When(reply_state_q(state, today), then=Value(state)) for state in ReplyState.values),
                  default=Value(""))


def board_lead_expression() -> Choose:
    """The handling unit an item counts for: the department that leads it, else the town that
    leads it; none while no unit leads it (``held_q``): awaiting its (re-)assignment, or
    withdrawn before one."""
    return Choose(When(~held_q(), then=Value(None)),
                  When(department__isnull=False, then=F("department_id")),
                  default=F("unit_id"), output_field=IntegerField())


def board_items(user: Any, *, session: Session | None = None) -> QuerySet[Suggestion]:
    """The items a board counts: those ``user`` sees, of ``session`` when given."""
    items = suggestions_for(user)
    return items.filter(session=session) if session else items


def result_codes() -> list[str]:
    return list(settings.PINGAN_SUGGESTION_RESULT_CLASSES)


def _measures(today: dt.date) -> dict[str, Count]:
    """Every figure of a board row as one aggregate: a board is one GROUP BY."""
    def count(q: Q) -> Count:
        return Count("pk", filter=q)

    return {
        "registered": Count("pk"),
        "assigned": count(Q(board_lead__isnull=False)),
        "awaiting": count(reply_state_q(ReplyState.AWAITING, today)),
        "replied": count(Q(first_reply_on_time__isnull=False)),
        "on_time": count(reply_state_q(ReplyState.ON_TIME, today)),
        "late": count(reply_state_q(ReplyState.LATE, today)),
        "overdue": count(reply_state_q(ReplyState.OVERDUE, today)),
        # By position: a class's code need not be fit for an SQL alias.
        **{f"class_{index}": count(Q(result_class=code)) for index, code in enumerate(result_codes())},
        "rated": count(~Q(satisfaction="")),
        **{str(value): count(Q(satisfaction=value)) for value in Satisfaction.values},
        "rehandled": count(Q(rehandle_due__isnull=False)),
        "withdrawn": count(Q(status=Status.WITHDRAWN)),
    }


def rate(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` to one decimal; None (shown "—") of nothing."""
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class BoardRow:
    """One handling unit's (or session's) figures; ``key`` is its id, ``code`` the lead unit's
    code that the list's ``lead`` filter takes ("" for a session or the total)."""

    key: int | None
    label: str
    counts: Mapping[str, int]
    code: str = ""

    @property
    def judged(self) -> int:
        """The first replies that can be judged: given, or overdue."""
        return self.counts["replied"] + self.counts["overdue"]

    @property
    def on_time_rate(self) -> float | None:
        """Replied on time of those judged: an overdue item not yet replied counts as late."""
        return rate(self.counts["on_time"], self.judged)

    @property
    def satisfaction_rate(self) -> float | None:
        """(满意 + 基本满意) of those rated: the latest rating of each item."""
        satisfied = self.counts[Satisfaction.SATISFIED] + self.counts[Satisfaction.BASICALLY]
        return rate(satisfied, self.counts["rated"])

    @property
    def classes(self) -> list[tuple[str, int]]:
        """(code, count) for each result class, in the settings' order."""
        return [(code, self.counts[f"class_{index}"]) for index, code in enumerate(result_codes())]

    @property
    def satisfaction(self) -> list[tuple[str, int]]:
        return [(value, self.counts[value]) for value in Satisfaction.values]


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    total: BoardRow

    def row(self, key: int) -> BoardRow | None:
        return next((row for row in self.rows if row.key == key), None)


def _grouped(items: QuerySet[Suggestion], group: str, today: dt.date) -> dict[Any, dict[str, int]]:
    measures = _measures(today)
    rows = (items.annotate(board_lead=board_lead_expression()).values(group).annotate(**measures).order_by())
    return {row.pop(group): row for row in rows}


def _returns(items: QuerySet[Suggestion], group: str) -> dict[Any, int]:
    """Returned assignments (``Return`` rows) of ``items`` per ``group``."""
    rows = (Return.objects.filter(suggestion__in=items.values("pk")).values(group)
            .annotate(returned=Count("pk")).order_by())
    return {row[group]: row["returned"] for row in rows}


def _total(rows: list[BoardRow], empty: Mapping[str, int]) -> BoardRow:
    return BoardRow(key=None, label=str(_("Total")),
                    counts={name: sum(row.counts[name] for row in rows) for name in empty})


def _empty(today: dt.date) -> dict[str, int]:
    return dict.fromkeys([*_measures(today), "returned"], 0)


# A rating as a board's column names it.
SATISFACTION_SHORT = {Satisfaction.SATISFIED: _("Satisfied"),
                      Satisfaction.BASICALLY: _("Basically satisfied"),
                      Satisfaction.DISSATISFIED: _("Dissatisfied")}
@dataclass(frozen=True)
class Figure:
    """A figure of a board row (a column of the page and of the workbook): a count or a rate,
    and the list's filter parameters that pick the items it counts (None: no filter of the
    list picks them)."""

    name: str
    label: Any
    filters: tuple[tuple[str, str], ...] | None = ()
    title: Any = ""
    rate: bool = False
    warn: bool = False  # a count that should stand out (late, overdue, dissatisfied)

    def value(self, row: BoardRow) -> Any:
        return getattr(row, self.name) if self.rate else row.counts[self.name]


# The list's filter for the items a unit leads now (``held_q``): the boards' 已交办.
ASSIGNED = ("assigned", "true")


def figures(*, per_session: bool = False) -> list[Figure]:
    """The board's columns; per session, those registered and awaiting assignment first. Each
    figure's filters pick exactly the items it counts, in a unit's row (with its ``lead``), in
    a session's (with its ``session``) and in either total: a unit's row counts the items it
    leads now (``held_q``), so the units' total counts those a unit leads; a session's row
    counts all its items."""
    return [
        *([Figure("registered", _("Registered")),
           Figure("awaiting", ReplyState.AWAITING.label, (("reply", ReplyState.AWAITING),),
                  _("Registered, or returned by its lead, and not yet (re-)assigned; one withdrawn meanwhile "
                    "counts as withdrawn, led by no unit"))] if per_session else []),
        Figure("assigned", _("Assigned"), (ASSIGNED,),
               _("Led by a handling unit now: assigned, in any later state, and not returned")),
        Figure("replied", _("Replied"), (("reply", ReplyState.ON_TIME), ("reply", ReplyState.LATE))),
        Figure("on_time", ReplyState.ON_TIME.label, (("reply", ReplyState.ON_TIME),)),
        Figure("late", ReplyState.LATE.label, (("reply", ReplyState.LATE),), warn=True),
        Figure("overdue", _("Overdue, no reply"), (("reply", ReplyState.OVERDUE),), warn=True),
        Figure("on_time_rate", _("On-time rate"), None, _("Replied on time, of those replied or overdue"),
               rate=True),
        *(Figure(f"class_{index}", format_lazy(_("Class {code}"), code=code), (("result_class", code),),
                 result_class_label(code))
          for index, code in enumerate(result_codes())),
        Figure("rated", _("Rated"), tuple(("satisfaction", value) for value in Satisfaction.values)),
        *(Figure(value, label, (("satisfaction", value),), warn=value == Satisfaction.DISSATISFIED)
          for value, label in SATISFACTION_SHORT.items()),
        Figure("satisfaction_rate", _("Satisfaction rate"), None, _("Satisfied or basically satisfied, of "
                                                                    "those rated"), rate=True),
        Figure("returned", _("Returned"), None, _("Assignments the unit returned as wrong")),
        Figure("rehandled", _("Re-handled"), None, _("Handled again after a dissatisfied rating")),
        (Figure("withdrawn", _("Withdrawn"), (("status", Status.WITHDRAWN),),
                _("Withdrawn, whether assigned or not")) if per_session else
         Figure("withdrawn", _("Withdrawn"), (("status", Status.WITHDRAWN), ASSIGNED),
                _("Withdrawn while the unit led it; one withdrawn before its (re-)assignment is led by "
                  "no unit"))),
    ]


def board_by_unit(items: QuerySet[Suggestion], *, today: dt.date | None = None) -> Board:
    """Per handling unit (``board_lead_expression``) and in total, the figures of ``items``
    (``board_items``): assigned, replied (on time, late), open and overdue, the on-time rate,
    per result class, rated (满意, 基本满意, 不满意), the satisfaction rate, re-handled,
    withdrawn, and the assignments the unit returned. Items awaiting assignment count in no
    unit's row (``awaiting`` of the per-session board says how many). Three queries, however
    many units."""
    today = today or timezone.localdate()
    grouped = _grouped(items, "board_lead", today)
    grouped.pop(None, None)
    returned = _returns(items, "unit_id")
    empty = _empty(today)
    units = (Unit.objects.filter(pk__in=[*grouped, *returned]).order_by("prefix")
             .values_list("pk", "name", "code"))
    rows = [BoardRow(key=pk, label=name, code=code,
                     counts={**empty, **grouped.get(pk, {}), "returned": returned.get(pk, 0)})
            for pk, name, code in units]
    return Board(rows=rows, total=_total(rows, empty))


def board_by_session(items: QuerySet[Suggestion], *, today: dt.date | None = None) -> Board:
    """The same figures per session (the newest first), with those registered and awaiting
    assignment, and in total."""
    today = today or timezone.localdate()
    grouped = _grouped(items, "session_id", today)
    returned = _returns(items, "suggestion__session_id")
    empty = _empty(today)
    sessions = Session.objects.filter(pk__in=grouped).values_list("pk", "name")
    rows = [BoardRow(key=pk, label=name, counts={**empty, **grouped[pk], "returned": returned.get(pk, 0)})
            for pk, name in sessions]
    return Board(rows=rows, total=_total(rows, empty))


def board_sessions(user: Any) -> QuerySet[Session]:
    """The sessions the session picker offers: those with an item ``user`` sees."""
    return Session.objects.filter(pk__in=suggestions_for(user).values("session_id"))


@dataclass(frozen=True)
class BoardItem:
    """An item as a board lists it: its lead (none while awaiting assignment) and where its
    first reply stands; a promise's days left (negative: overdue) on the promises' list."""

    suggestion: Suggestion
    lead: Unit | None
    reply_state: str
    days_left: int | None = None

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    @property
    def reply_state_label(self) -> str:
        return str(ReplyState(self.reply_state).label) if self.reply_state else ""

    @property
    def reply_due_provisional(self) -> bool:
        """Whether the reply's due date may move with a holiday schedule not yet confirmed:
        while the reply is awaited, the case's deadline is the reply's (``due_provisional``)."""
        awaited = self.reply_state in (ReplyState.PENDING, ReplyState.OVERDUE)
        return awaited and self.suggestion.due_provisional


def _with_board_fields(qs: QuerySet[Suggestion], today: dt.date) -> QuerySet[Suggestion]:
    return (qs.select_related("session", "department", "unit", "supervising_leader")
            .annotate(board_lead=board_lead_expression(), reply_state=reply_state_expression(today),
                      due_state=due_state_expression()))


def _item(suggestion: Any, today: dt.date, *, promise: bool = False) -> BoardItem:
    lead = lead_unit(suggestion) if suggestion.board_lead else None
    days_left = (suggestion.promise_due - today).days if promise else None
    return BoardItem(suggestion=suggestion, lead=lead, reply_state=suggestion.reply_state,
                     days_left=days_left)


# Items read from the database at once by the export.
EXPORT_CHUNK = 500
NUMBER_ORDER = ("-session__opened_on", "session_id", Length("number"), "number", "id")


def key_suggestions(items: QuerySet[Suggestion], *, today: dt.date | None = None) -> list[BoardItem]:
    """The key suggestions (重点建议) among ``items``, with their supervising leaders, by session
    and number."""
    return item_list(items.filter(is_key=True), today=today)


def promises_falling_due(items: QuerySet[Suggestion], *, today: dt.date | None = None) -> list[BoardItem]:
    """The promises (a class B or C reply's date) not yet kept that fall due within
    ``PINGAN_SUGGESTION_PROMISE_SOON_DAYS`` of ``today`` or are past, the nearest first."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.PINGAN_SUGGESTION_PROMISE_SOON_DAYS)
    due = (items.filter(promise_due__lte=horizon, promise_kept_at__isnull=True)
           .exclude(status=Status.WITHDRAWN))
    return [_item(s, today, promise=True)
            for s in _with_board_fields(due, today).order_by("promise_due", "id")]


def led_by(items: QuerySet[Suggestion], unit: Unit) -> QuerySet[Suggestion]:
    """The items of ``items`` that ``unit`` leads (``board_lead_expression``)."""
    return items.alias(led_by=board_lead_expression()).filter(led_by=unit.pk)


def item_list(items: QuerySet[Suggestion], *, today: dt.date | None = None,
              limit: int | None = None) -> list[BoardItem]:
    """``items`` by session and number, the first ``limit`` of them."""
    today = today or timezone.localdate()
    qs = _with_board_fields(items, today).order_by(*NUMBER_ORDER)
    return [_item(s, today) for s in (qs[:limit] if limit else qs)]


def export_items(items: QuerySet[Suggestion], *, today: dt.date | None = None) -> Iterator[BoardItem]:
    """Every item of ``items`` for the export's detail sheet, with its co-handlers, streamed."""
    today = today or timezone.localdate()
    qs = _with_board_fields(items, today).prefetch_related("co_handlings__unit").order_by(*NUMBER_ORDER)
    return (_item(s, today) for s in qs.iterator(chunk_size=EXPORT_CHUNK))


# --- The league table's figures (``scoring.indicators``) -------------------------------------

SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)


def _reply_judged(span: Span) -> Q:
    """Items whose reply was due in the period (``reply_due``, the extended date if the office
    approved one, on or after its first day and before the day after its last) and that were
    replied, or are assigned and were past their due day when the figures were taken: one still
    in time is not judged yet; one returned and awaiting re-assignment, or withdrawn
    unanswered, owes no reply."""
    due = Q(reply_due__gte=span.first_day, reply_due__lt=span.end_day)
    lapsed = reply_state_q(ReplyState.OVERDUE, local_date(span.taken_at))
    return due & (Q(first_reply_on_time__isnull=False) | lapsed)


def league_reply_on_time(groups: Groups, span: Span) -> Figures:
    """建议提案按时答复率, %: of the items judged in the period (``_reply_judged``), those whose first
    reply came by its due day. A re-handling's reply does not count again; an item still
    unreplied past its day counts as late. Per lead unit: the department that leads, or the
    town that leads a matter of its own place; co-handlers are not counted."""
    counts = tally(Suggestion.objects.filter(_reply_judged(span)), groups, {
        "judged": Count("pk"), "on_time": Count("pk", filter=Q(first_reply_on_time=True))})
    return tallies.rate(counts, "on_time", "judged")


def league_satisfaction(groups: Groups, span: Span) -> Figures:
    """建议提案满意率, %: of the items rated in the period, those rated 满意 or 基本满意. Each item
    counts once, by the rating it holds, in the period that rating was given: after a
    re-handling, its final rating (until then, the 不满意 that opened the re-handling)."""
    rated = Suggestion.objects.filter(rated_at__gte=span.start, rated_at__lt=span.end)
    counts = tally(rated, groups, {"rated": Count("pk"),
                                   "satisfied": Count("pk", filter=Q(satisfaction__in=SATISFIED))})
    return tallies.rate(counts, "satisfied", "rated")
