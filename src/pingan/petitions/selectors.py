"""Reads on petitions. Every one starts from ``visible_to(user)``.

Who sees a petitioner in full: a supervisor or administrator over the petition at town
level or above (the unit heads who answer for the matter), and the petition's assignee, who
must call and meet the petitioner: ``core.personal.access.may_view_personal_data`` with its
defaults. Everyone else, and every list, sees them masked; even those allowed see them in
full only by asking for one petition (``petition_personal_data``), and that reading is an
event. An accusation (a sealed line, ``core.scoping``) is seen only by
the discipline office and its assignee, and its accuser's details are withheld from anyone
else who may see it (a superuser); whoever registered it sees its receipt only
(``petition_receipt``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from pydantic import Field, model_validator

from pingan.core.deadlines import due_state_expression, due_state_q, local_days_q
from pingan.core.filters import ListFilters
from pingan.core.models import (
    ROLE_RANK,
    DueState,
    RoleName,
    Unit,
    UnitKind,
    subtree_bounds,
    subtree_q,
)
from pingan.core.personal.masking import mask_address, mask_id_number, mask_name, mask_phone
from pingan.core.scoping import scope_for
from pingan.core.search import text_q
from pingan.core.tallies import Figures, Groups, Span, rate, tally
from pingan.petitions.models import KIND, Category, Channel, Petition, PetitionType, Satisfaction, Status
from pingan.petitions.similarity import cosine, shingles

# Not the description: the matter in full often names people, and finding petitions by it
# would tell its words to someone allowed only the title.
TEXT_FIELDS = ("ref", "title")
SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "received": ("opened_at", "id"),
    "-received": ("-opened_at", "-id"),
}
LIST_FIELDS = ("status", "petition_type", "channel", "category", "due_state")
# A petitioner with more earlier petitions in one category than this is compared with the
# most recent ones only: the text scoring is Python, and a proposal needs no deeper history.
REPEAT_SCAN_LIMIT = 500
# A proposal is for a handler to read: the best few, not every weak match.
REPEAT_PROPOSALS = 10


class PetitionFilters(ListFilters):
    """One filter definition for the API list (and the web list and export to come)."""

    SORTS = SORTS

    unit: str | None = Field(None, description="Division-code prefix: the unit's whole subtree")
    status: list[Status] = Field(default_factory=list)
    petition_type: list[PetitionType] = Field(default_factory=list)
    channel: list[Channel] = Field(default_factory=list)
    category: list[Category] = Field(default_factory=list)
    due_state: list[DueState] = Field(default_factory=list)
    q: str | None = Field(None, max_length=100,
                          description="Text in the reference or the matter's title (not the petitioner)")
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    open_only: bool = False
    first_only: bool = Field(False, description="First petitions (初信初访): not linked to an earlier one")
    repeat_only: bool = Field(False, description="Repeat petitions only: linked to an earlier one")
    backlog_only: bool = Field(False, description="Backlog cases (积案) only: open and past a deadline")
    sort: str = "-received"

    @model_validator(mode="after")
    def _first_or_repeat(self) -> PetitionFilters:
        if self.first_only and self.repeat_only:
            raise ValueError("choose first_only or repeat_only, not both")
        return self


def petition_list(*, user: Any, filters: PetitionFilters,
                  now: dt.datetime | None = None) -> QuerySet[Petition]:
    now = now or timezone.now()
    qs = Petition.objects.visible_to(user)
    if filters.unit:
        low, high = subtree_bounds(filters.unit)
        qs = qs.filter(unit_prefix__gte=low, unit_prefix__lt=high)
    for name in ("status", "petition_type", "channel", "category"):
        values = getattr(filters, name)
        if values:
            qs = qs.filter(**{f"{name}__in": values})
    if filters.due_state:
        states = Q(pk__in=[])
        for state in filters.due_state:
            states |= due_state_q(state, now)
        qs = qs.filter(states)
    if filters.open_only:
        qs = qs.filter(is_open=True)
    if filters.backlog_only:
        qs = qs.filter(backlog_q(now))
    if filters.first_only or filters.repeat_only:
        qs = qs.filter(repeat_of__isnull=filters.first_only)
    if filters.q:
        qs = qs.filter(text_q(filters.q, TEXT_FIELDS))
    qs = qs.filter(local_days_q("opened_at", filters.received_from, filters.received_to))
    return qs.annotate(due_state=due_state_expression(now)).order_by(*SORTS[filters.sort])


def backlog_q(now: dt.datetime) -> Q:
    """A backlog case (积案): open and past a deadline — the one now running, or the
    resolution deadline, which a reply after it (or no reply yet) missed."""
    missed_resolution = (Q(resolution_due_at__lt=F("replied_at"))
                         | Q(replied_at__isnull=True, resolution_due_at__lt=now))
    return Q(is_open=True) & (Q(due_at__lt=now) | missed_resolution)


def petition_get(*, user: Any, ref: str) -> Petition | None:
    """A petition by reference, or None when it does not exist *or* lies outside the
    user's scope: callers answer 404 either way."""
    return (
        Petition.objects.visible_to(user)
        .select_related("unit", "department", "assignee", "reporter", "routing_unit",
                        "handling_unit", "repeat_of")
        .annotate(due_state=due_state_expression())
        .filter(ref=ref.strip().upper())
        .first()
    )


def my_work(*, user: Any, limit: int = 50) -> QuerySet[Petition]:
    """What waits for this user's action, the nearest deadline first: petitions assigned to
    them and not yet closed; at the units where they handle petitions, those to accept,
    answer or close; and those sent back to a unit of theirs that routed them."""
    handling = [role.unit_id for role in scope_for(user).roles_for(KIND)
                if role.rank >= ROLE_RANK[RoleName.HANDLER]]
    mine = Q(assignee=user, status__in=[Status.ACCEPTED, Status.HANDLING, Status.REPLIED, Status.RATED])
    at_unit = Q(handling_unit_id__in=handling, status__in=[
        Status.RECEIVED, Status.ACCEPTED, Status.HANDLING, Status.REPLIED, Status.RATED])
    to_route = Q(routing_unit_id__in=handling, status=Status.RETURNED)
    return (
        Petition.objects.visible_to(user)
        .filter(mine | at_unit | to_route)
        .select_related("unit", "handling_unit")
        .annotate(due_state=due_state_expression())
        .order_by(F("due_at").asc(nulls_last=True), "id")[:limit]
    )


@dataclass(frozen=True)
class Petitioner:
    name: str
    id_number: str
    phone: str
    address: str
    masked: bool
    withheld: bool = False


WITHHELD = Petitioner("", "", "", "", masked=True, withheld=True)


def petitioner_of(petition: Any, *, full: bool, withheld: bool = False) -> Petitioner:
    """The petitioner as this reader sees them: in full, masked, or (``withheld``) not at all."""
    if withheld:
        return WITHHELD
    name, number = petition.petitioner_name, petition.petitioner_id_number
    phone, address = petition.petitioner_phone, petition.petitioner_address
    if full:
        return Petitioner(name, number, phone, address, masked=False)
    return Petitioner(mask_name(name), mask_id_number(number), mask_phone(phone),
                      mask_address(address), masked=True)


def petitioner_shown(user: Any, petition: Petition) -> Petitioner:
    """The petitioner as ``user`` reads them on a list, a page, in the API or an export:
    masked, or withheld altogether when the petition is sealed to an office not theirs."""
    return petitioner_of(petition, full=False, withheld=not scope_for(user).holds_seal(petition))


def petitions_known_to(user: Any) -> QuerySet[Petition]:
    """The petitions ``user`` sees, and those they registered and keep a receipt of: an
    import run again by the clerk skips the accusations it registered the first time."""
    scope = scope_for(user)
    return Petition.objects.filter(scope.case_q() | scope.receipt_q())


def petition_receipt(*, user: Any, ref: str) -> Petition | None:
    """A petition ``user`` registered but may no longer read (an accusation, once routed to
    the discipline office), for its reference and status only; None otherwise."""
    return (Petition.objects.filter(scope_for(user).receipt_q(), ref=ref.strip().upper())
            .only("ref", "status", "opened_at", "kind", "category").first())


def petition_repeats(*, user: Any, petition: Petition) -> QuerySet[Petition]:
    """The later petitions confirmed as the same matter as this one, as far as ``user`` sees."""
    return Petition.objects.visible_to(user).filter(repeat_of=petition).order_by("opened_at", "id")


@dataclass(frozen=True)
class RepeatCandidate:
    petition: Petition
    score: float


def _text(petition: Petition) -> str:
    return f"{petition.title} {petition.description}"


def repeat_candidates(petition: Petition, *, user: Any) -> list[RepeatCandidate]:
    """Earlier petitions ``user`` can see that are probably the same matter: the same
    petitioner (ID number or phone, as stored), the same category, received before this
    one, and a text at least ``PINGAN_PETITION_REPEAT_SIMILARITY`` alike. The best
    ``REPEAT_PROPOSALS``, best first.

    The petition's current link and the ones a handler dismissed are not proposed."""
    if not (petition.petitioner_id_number or petition.petitioner_phone):
        return []  # an anonymous petitioner is nobody's repeat
    same_person = Q()
    if petition.petitioner_id_number:
        same_person |= Q(petitioner_id_number=petition.petitioner_id_number)
    if petition.petitioner_phone:
        same_person |= Q(petitioner_phone=petition.petitioner_phone)
    received = petition.opened_at
    earlier = (
        Petition.objects.visible_to(user)
        .filter(same_person, category=petition.category)
        .filter(Q(opened_at__lt=received) | Q(opened_at=received, pk__lt=petition.pk))
        .exclude(pk__in=[*petition.repeat_dismissed, *filter(None, [petition.repeat_of_id])])
        .order_by("-opened_at", "-id")[:REPEAT_SCAN_LIMIT]
    )
    threshold = settings.PINGAN_PETITION_REPEAT_SIMILARITY
    mine = shingles(_text(petition))
    scored = [RepeatCandidate(other, round(cosine(mine, shingles(_text(other))), 3)) for other in earlier]
    best = sorted((c for c in scored if c.score >= threshold),
                  key=lambda c: (-c.score, -c.petition.opened_at.timestamp()))
    return best[:REPEAT_PROPOSALS]


def backlog_units(prefix: str | None = None) -> list[Unit]:
    """The units a backlog table has a row for: the territorial children of the unit with
    ``prefix`` (default: the district), or that unit alone when it has none. A grid is the
    finest row: its micro-grids are a grid worker's own beat, not a board's."""
    parents = Unit.objects.exclude(kind=UnitKind.DEPARTMENT)
    parent = (parents.filter(prefix=prefix) if prefix else parents.filter(parent__isnull=True)).first()
    if parent is None:
        return []
    children = parent.children.exclude(kind__in=(UnitKind.DEPARTMENT, UnitKind.MICRO_GRID))
    return list(children.order_by("prefix")) or [parent]


def board_unit(*, user: Any, prefix: str | None) -> Unit | None:
    """The territorial unit a backlog board is drawn for: the one with ``prefix`` if the
    user's scope reaches it, else None; by default the highest unit the user answers for
    (the district for district roles)."""
    territorial = Unit.objects.filter(scope_for(user).unit_q()).exclude(kind=UnitKind.DEPARTMENT)
    if prefix:
        return territorial.filter(prefix=prefix).first()
    return territorial.order_by(Length("prefix"), "prefix").first()


# (numerator, denominator) of each rate, both measures below.
BACKLOG_RATES = {
    "acceptance_on_time_rate": ("acceptance_on_time", "acceptance_decided"),
    "resolution_on_time_rate": ("resolution_on_time", "resolution_due"),
    "satisfaction_rate": ("satisfied", "rated"),
}


# Accepted, or refused acceptance, by the acceptance deadline; replied by the resolution deadline.
NOT_ACCEPTED = Q(status=Status.NOT_ACCEPTED)
ACCEPTANCE_ON_TIME = (Q(accepted_at__lte=F("acceptance_due_at"))
                      | (NOT_ACCEPTED & Q(closed_at__lte=F("acceptance_due_at"))))
RESOLUTION_ON_TIME = Q(replied_at__lte=F("resolution_due_at"))


def stock_q(start: dt.datetime) -> Q:
    """The stock at a baseline: received before it and not closed before it."""
    return Q(opened_at__lt=start) & (Q(closed_at__isnull=True) | Q(closed_at__gte=start))


def backlog_conditions(start: dt.datetime, now: dt.datetime) -> dict[str, Q]:
    """Each measure of ``backlog_metrics`` as the condition a petition meets to count in it."""
    stock = stock_q(start)
    increment = Q(opened_at__gte=start, opened_at__lte=now)
    not_accepted = NOT_ACCEPTED
    return {
        "stock": stock,
        "stock_cleared": stock & Q(is_open=False),
        "increment": increment,
        "increment_cleared_on_time": increment & Q(is_open=False) & (
            Q(closed_at__lte=F("resolution_due_at"))
            | Q(resolution_due_at__isnull=True, closed_at__lte=F("acceptance_due_at"))),
        "acceptance_decided": increment & (Q(accepted_at__isnull=False) | not_accepted
                                           | Q(acceptance_due_at__lt=now)),
        "acceptance_on_time": increment & ACCEPTANCE_ON_TIME,
        "resolution_due": increment & Q(resolution_due_at__isnull=False)
        & (Q(replied_at__isnull=False) | Q(resolution_due_at__lt=now)),
        "resolution_on_time": increment & RESOLUTION_ON_TIME,
        "rated": increment & ~Q(satisfaction=""),
        "satisfied": increment & Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.PARTLY]),
    }


def _with_rates(counts: dict[str, int]) -> dict[str, Any]:
    rates = {name: round(counts[num] / counts[den], 4) if counts[den] else None
             for name, (num, den) in BACKLOG_RATES.items()}
    return {**counts, **rates}


def backlog_metrics(*, user: Any, baseline: dt.date, units: list[Unit] | None = None,
                    now: dt.datetime | None = None) -> dict[str, Any]:
    """The measures of "存量清零、增量随清" for a baseline date, per unit and in total, over the petitions
    ``user`` can see. ``units`` share one prefix length (the children of one unit; default
    the district's towns); the baseline starts at local midnight.

    - stock: received before the baseline and not closed before it (``closed_at`` empty or
      on/after the baseline; a petition reopened by a review counts as not closed);
    - stock_cleared: of the stock, closed now;
    - increment: received from the baseline to ``now``;
    - increment_cleared_on_time: of the increment, closed by its resolution deadline
      (``closed_at`` ≤ ``resolution_due_at``; one never accepted: ≤ ``acceptance_due_at``);
    - acceptance_on_time_rate: of the increment whose acceptance was decided or is overdue,
      those accepted (``accepted_at``), or not accepted (``closed_at``), by ``acceptance_due_at``;
    - resolution_on_time_rate: of the increment accepted and replied or past
      ``resolution_due_at`` (extension included), those replied (``replied_at``) by it;
    - satisfaction_rate: of the increment with satisfaction recorded, 满意 or 基本满意.

    A rate is a fraction (0–1), None when nothing is in its denominator. One query for all
    units, whatever their number (plus the scope's own)."""
    now = now or timezone.now()
    units = backlog_units() if units is None else units
    start = timezone.make_aware(dt.datetime.combine(baseline, dt.time.min))
    measures = {name: Count("pk", filter=q) for name, q in backlog_conditions(start, now).items()}
    empty = dict.fromkeys(measures, 0)
    if not units:
        return {"baseline": baseline, "rows": [], "totals": _with_rates(empty)}
    width = len(units[0].prefix)
    if any(len(unit.prefix) != width for unit in units):
        raise ValueError("backlog units must share one prefix length")
    within = Q(pk__in=[])
    for unit in units:
        within |= subtree_q(unit.prefix, "unit_prefix")
    grouped = (Petition.objects.visible_to(user).filter(within)
               .annotate(group=Substr("unit_prefix", 1, width))
               .values("group").annotate(**measures).order_by())
    by_unit = {row.pop("group"): row for row in grouped}
    rows = [{"unit": unit, **_with_rates(by_unit.get(unit.prefix, empty))} for unit in units]
    totals = _with_rates({name: sum(row[name] for row in rows) for name in measures})
    return {"baseline": baseline, "rows": rows, "totals": totals}


def _resolution_judged(span: Span) -> Q:
    """Resolution due in the period, and replied or past due: one still in time is not judged."""
    return (Q(resolution_due_at__gte=span.start, resolution_due_at__lt=span.end)
            & (Q(replied_at__isnull=False) | Q(resolution_due_at__lt=span.now)))


def league_acceptance_on_time(groups: Groups, span: Span) -> Figures:
    """及时受理率, %: of the petitions whose acceptance was due in the period and was decided or is
    overdue, those accepted (or refused acceptance) by the acceptance deadline."""
    due = Petition.objects.filter(acceptance_due_at__gte=span.start, acceptance_due_at__lt=span.end)
    counts = tally(due, groups, {
        "judged": Count("pk", filter=Q(accepted_at__isnull=False) | NOT_ACCEPTED
                        | Q(acceptance_due_at__lt=span.now)),
        "on_time": Count("pk", filter=ACCEPTANCE_ON_TIME),
    })
    return rate(counts, "on_time", "judged")


def league_resolution_on_time(groups: Groups, span: Span) -> Figures:
    """按期办结率, %: of the petitions whose resolution (extension included) was due in the
    period and that were replied or are past due, those replied by the deadline."""
    counts = tally(Petition.objects.filter(_resolution_judged(span)), groups, {
        "judged": Count("pk"), "on_time": Count("pk", filter=RESOLUTION_ON_TIME)})
    return rate(counts, "on_time", "judged")


def league_first_petition_resolved(groups: Groups, span: Span) -> Figures:
    """初信初访化解率, %: of the first petitions on a matter (not a repeat) whose resolution was due
    in the period and that were replied or are past due, those resolved at first handling:
    replied, with no repeat petition on the same matter and no review requested."""
    repeated = Exists(Petition.objects.filter(repeat_of=OuterRef("pk")))
    first = Petition.objects.filter(_resolution_judged(span), repeat_of__isnull=True)
    counts = tally(first.annotate(repeated=repeated), groups, {
        "judged": Count("pk"),
        "resolved": Count("pk", filter=Q(replied_at__isnull=False, review_requested_on__isnull=True,
                                         repeated=False)),
    })
    return rate(counts, "resolved", "judged")


def league_backlog_cleared(groups: Groups, span: Span) -> Figures:
    """积案化解率, %: of the stock at the start of the period ("存量清零": received before it and
    not closed before it, as ``backlog_metrics`` counts it from a baseline), those closed by
    the end of the period (or now, while it runs)."""
    counts = tally(Petition.objects.filter(stock_q(span.start)), groups, {
        "stock": Count("pk"),
        "cleared": Count("pk", filter=Q(is_open=False, closed_at__lt=span.taken_at)),
    })
    return rate(counts, "cleared", "stock")


# --- The clock ---------------------------------------------------------------------------


class ClockState:
    DONE = "done"  # done by its deadline (or it had none)
    LATE = "late"  # done after its deadline
    RUNNING = "running"  # under way, deadline not passed
    OVERDUE = "overdue"  # under way, deadline passed
    WAITING = "waiting"  # not started: an earlier step is still open
    SKIPPED = "skipped"  # will not happen on this petition


@dataclass(frozen=True)
class Milestone:
    key: str
    label: str
    done_at: dt.datetime | dt.date | None
    due: dt.datetime | dt.date | None
    state: str
    detail: str = ""


def _state(done_at: Any, due: Any, now: dt.datetime, *, started: bool) -> str:
    def moment(value: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        return timezone.make_aware(dt.datetime.combine(value, dt.time.max))

    if done_at is not None:
        return ClockState.LATE if due is not None and moment(done_at) > moment(due) else ClockState.DONE
    if not started:
        return ClockState.WAITING
    return ClockState.OVERDUE if due is not None and moment(due) < now else ClockState.RUNNING


def petition_clock(petition: Petition, now: dt.datetime | None = None) -> list[Milestone]:
    """The statutory clock of one petition, step by step: when each step was due, when it
    was done, and whether in time. Review and re-examination appear once the reply opens
    their window."""
    now = now or timezone.now()
    p = petition
    milestones = [Milestone("received", _("Received"), p.opened_at, None, ClockState.DONE,
                            p.get_channel_display())]
    if p.objected_at:
        milestones.append(Milestone("objected", _("Assignment objected to"), p.objected_at,
                                    p.objection_until, _state(p.objected_at, p.objection_until, now,
                                                              started=True)))
    if p.status == Status.NOT_ACCEPTED:
        milestones.append(Milestone("acceptance", _("Not accepted"), p.closed_at, p.acceptance_due_at,
                                    _state(p.closed_at, p.acceptance_due_at, now, started=True),
                                    p.get_not_accepted_reason_display()))
        return milestones
    milestones.append(Milestone("acceptance", _("Accepted"), p.accepted_at, p.acceptance_due_at,
                                _state(p.accepted_at, p.acceptance_due_at, now,
                                       started=p.status != Status.RETURNED)))
    resolution_detail = ""
    if p.extension_days:
        resolution_detail = _("extended by {days} days: {reason}").format(
            days=p.extension_days, reason=p.extension_reason)
    elif p.resolution_days:
        resolution_detail = _("{days}-day term").format(days=p.resolution_days)
    milestones.append(Milestone("reply", _("Replied"), p.replied_at, p.resolution_due_at,
                                _state(p.replied_at, p.resolution_due_at, now,
                                       started=p.accepted_at is not None),
                                p.get_outcome_display() if p.outcome else resolution_detail))
    milestones.append(Milestone("rating", _("Satisfaction recorded"), p.rated_at, None,
                                _state(p.rated_at, None, now, started=p.replied_at is not None),
                                " · ".join(filter(None, [p.get_satisfaction_display(),
                                                         p.get_satisfaction_channel_display()]))))
    closed = p.closed_at if p.status in (Status.CLOSED, Status.REVIEWED, Status.CONCLUDED) else None
    milestones.append(Milestone("closed", pgettext("petition", "Closed"), closed, None,
                                _state(closed, None, now, started=p.replied_at is not None)))
    if p.review_window_until:
        requested = p.review_requested_on
        expired = requested is None and p.review_window_until < timezone.localdate(now)
        milestones.append(Milestone(
            "review", _("Review (复查)"), p.review_decided_at, p.review_due_at or p.review_window_until,
            ClockState.SKIPPED if expired else _state(p.review_decided_at, p.review_due_at, now,
                                                     started=requested is not None),
            p.get_review_outcome_display() if p.review_outcome else (
                _("may be requested until {date}").format(date=p.review_window_until.isoformat())
                if requested is None else _("requested on {date}").format(date=requested.isoformat())),
        ))
    if p.reexam_window_until:
        requested = p.reexam_requested_on
        expired = requested is None and p.reexam_window_until < timezone.localdate(now)
        milestones.append(Milestone(
            "reexam", _("Re-examination (复核)"), p.reexam_decided_at,
            p.reexam_due_at or p.reexam_window_until,
            ClockState.SKIPPED if expired else _state(p.reexam_decided_at, p.reexam_due_at, now,
                                                     started=requested is not None),
            p.get_reexam_outcome_display() if p.reexam_outcome else (
                _("may be requested until {date}").format(date=p.reexam_window_until.isoformat())
                if requested is None else _("requested on {date}").format(date=requested.isoformat())),
        ))
    return milestones


@dataclass(frozen=True)
class RunningTerm:
    label: str
    started: dt.datetime
    due: dt.datetime
    days_used: int
    days_total: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.days_used / self.days_total)) if self.days_total else 100


def running_term(petition: Petition, now: dt.datetime | None = None) -> RunningTerm | None:
    """The term now running (acceptance, resolution or a review decision), in calendar
    days from its start (day 1) to its due date — the bar a clerk glances at."""
    now = now or timezone.now()
    p = petition
    if not p.is_open or p.due_at is None:
        return None
    if p.status == Status.RECEIVED:
        label, started = _("Acceptance"), p.assigned_at
    elif p.status in (Status.ACCEPTED, Status.HANDLING):
        label, started = _("Resolution"), p.accepted_at
    elif p.status == Status.UNDER_REVIEW:
        label = _("Review decision")
        started = timezone.make_aware(dt.datetime.combine(p.review_requested_on, dt.time.min))
    elif p.status == Status.UNDER_REEXAM:
        label = _("Re-examination decision")
        started = timezone.make_aware(dt.datetime.combine(p.reexam_requested_on, dt.time.min))
    else:
        label, started = _("Routing"), p.objected_at or p.assigned_at
    # Counted as a clerk counts on the wall calendar: the day the term started is day 1 and
    # the due date the last day, though the statutory count itself starts the day after.
    first_day = timezone.localdate(started)
    total = (timezone.localdate(p.due_at) - first_day).days + 1
    used = (timezone.localdate(now) - first_day).days + 1
    return RunningTerm(str(label), started, p.due_at, used, total)
