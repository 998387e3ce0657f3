"""Reads on hazards. Every one starts from ``visible_to(user)``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from pydantic import Field, model_validator

from pingan.core.deadlines import OPEN, due_state_expression, due_states_q, local_days_q
from pingan.core.deprecation import adopt_renamed, renamed_field
from pingan.core.filters import ListFilters
from pingan.core.models import (
    GRID_KINDS,
    ROLE_RANK,
    TOWN_LEVEL,
    DueState,
    RoleName,
    Severity,
    Unit,
    UnitKind,
    subtree_q,
)
from pingan.core.scoping import acting_scope, scope_for
from pingan.core.search import text_q
from pingan.core.tallies import Figures, Groups, Span, per_residents, rate, tally
from pingan.hazards.models import Category, Hazard, Status

# A hazard is found by its reference, its words and its place.
TEXT_FIELDS = ("ref", "title", "description", "location")
SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "opened": ("opened_at", "id"),
    "-opened": ("-opened_at", "-id"),
}


class HazardFilters(ListFilters):
    """One filter definition for the HTMX list, the API and the export."""

    SORTS = SORTS

    unit: str | None = Field(None, description="Division-code prefix: the unit's whole subtree")
    status: list[Status] = Field(default_factory=list)
    category: list[Category] = Field(default_factory=list)
    severity: Severity | None = None
    grade: Severity | None = renamed_field("severity")
    due_state: list[DueState] = Field(default_factory=list)
    q: str | None = Field(None, max_length=100, description="Text in reference, title, description, location")
    opened_from: dt.date | None = None
    opened_to: dt.date | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    open_only: bool = False
    sort: str = "-opened"

    @model_validator(mode="after")
    def _grade_is_severity(self) -> HazardFilters:
        # The old name still filters: old links, old clients.
        adopt_renamed(self, old="grade", new="severity")
        return self


def hazard_list(*, user: Any, filters: HazardFilters, now: dt.datetime | None = None) -> QuerySet[Hazard]:
    now = now or timezone.now()
    qs = Hazard.objects.visible_to(user)
    if filters.unit:
        qs = qs.filter(subtree_q(filters.unit, "unit_prefix"))
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.category:
        qs = qs.filter(category__in=filters.category)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.due_state:
        qs = qs.filter(due_states_q(filters.due_state, now))
    if filters.open_only:
        qs = qs.filter(OPEN)
    if filters.q:
        qs = qs.filter(text_q(filters.q, TEXT_FIELDS))
    qs = qs.filter(local_days_q("opened_at", filters.opened_from, filters.opened_to),
                   local_days_q("due_at", filters.due_from, filters.due_to))
    return qs.annotate(due_state=due_state_expression(now)).order_by(*SORTS[filters.sort])


def hazard_get(*, user: Any, ref: str) -> Hazard | None:
    """A hazard by reference, or None when it does not exist *or* lies outside the user's
    scope: callers answer 404 either way, so existence never leaks."""
    return (
        Hazard.objects.visible_to(user)
        .select_related("unit", "department", "assignee", "reporter", "rectifier", "verifier",
                        "duplicate_of", "supervising_unit", "responsible_leader", "accepted_by")
        .annotate(due_state=due_state_expression())
        .filter(ref=ref.strip().upper())
        .first()
    )


def regulated_departments(user: Any) -> list[int]:
    """The departments for which ``user`` acts as regulator (a handler's role or higher)."""
    return [role.unit_id for role in scope_for(user).roles
            if role.unit.is_department and role.rank >= ROLE_RANK[RoleName.HANDLER]]


def my_work(*, user: Any, limit: int = 50) -> QuerySet[Hazard]:
    """What waits for this user's action, most urgent first: hazards assigned to them to
    fix; in their area at town level or above, reports to assign and work to verify and
    close; and for a regulator, the major hazards of its categories to list for
    supervision and to accept."""
    mine = Q(assignee=user, status__in=[Status.ASSIGNED, Status.RECTIFYING])
    acting = acting_scope(user, town_or_above=True).case_q()
    to_route = acting & Q(status=Status.REPORTED)
    # A major hazard waits for its regulator's acceptance before anyone closes it.
    to_verify = acting & ~Q(rectifier=user) & (
        Q(status=Status.AWAITING_VERIFICATION, severity=Severity.ORDINARY) | Q(status=Status.ACCEPTED))
    regulating = Q(severity=Severity.MAJOR, department_id__in=regulated_departments(user)) & (
        Q(listed_at__isnull=True, status__in=[Status.REPORTED, Status.ASSIGNED, Status.RECTIFYING])
        | (Q(status=Status.AWAITING_VERIFICATION) & ~Q(rectifier=user)))
    return (
        Hazard.objects.visible_to(user)
        .filter(mine | to_route | to_verify | regulating)
        .select_related("unit")
        .annotate(due_state=due_state_expression())
        .order_by("due_at", "id")[:limit]
    )


def supervising_units(hazard: Hazard) -> QuerySet[Unit]:
    """The units that may hold a major hazard under listed supervision (挂牌督办): its town,
    the district, or its regulator."""
    chain = [u.pk for u in (hazard.unit, *hazard.unit.ancestors())
             if not u.is_department and u.level <= TOWN_LEVEL]
    regulator = [hazard.department_id] if hazard.department_id else []
    return Unit.objects.filter(pk__in=chain + regulator).order_by("prefix")


def overview_units(*, user: Any) -> QuerySet[Unit]:
    """Units a user may open an overview for: territorial ones within their scope."""
    return Unit.objects.filter(scope_for(user).unit_q()).exclude(kind__in=GRID_KINDS)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from ``first`` to ``last``, quiet months included."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_counts(qs: QuerySet[Hazard], field: str) -> dict[dt.date, int]:
    rows = qs.annotate(m=TruncMonth(field)).values_list("m").annotate(n=Count("pk")).values_list("m", "n")
    return {(timezone.localtime(m).date() if isinstance(m, dt.datetime) else m).replace(day=1): n
            for m, n in rows}


def _with_rate(counts: dict[str, Any]) -> dict[str, Any]:
    resolved = counts["total"] - counts["open"]
    counts["clearance_rate"] = round(100 * resolved / counts["total"], 1) if counts["total"] else None
    return counts


def unit_overview(*, user: Any, unit: Unit, now: dt.datetime | None = None) -> dict[str, Any]:
    """Open, overdue, closed this month and clearance rate (resolved ÷ reported) for each
    child unit, the oldest overdue items, and reported-vs-closed per month for a year —
    from visible hazards only, in a fixed number of queries whatever the number of units."""
    now = now or timezone.now()
    local_now = timezone.localtime(now)
    month_start = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    # Twelve months including this one: the first of the month eleven months back.
    back = month_start.year * 12 + month_start.month - 1 - 11
    year_start = month_start.replace(year=back // 12, month=back % 12 + 1)
    visible = Hazard.objects.visible_to(user).filter(unit.subtree_q("unit_prefix"))
    measures = {
        "total": Count("pk"),
        "open": Count("pk", filter=Q(is_open=True)),
        "overdue": Count("pk", filter=Q(is_open=True, due_at__lt=now)),
        "closed_month": Count("pk", filter=Q(status=Status.CLOSED, closed_at__gte=month_start)),
    }
    children = list(unit.children.exclude(kind=UnitKind.DEPARTMENT).order_by("prefix"))
    by_child: dict[str, dict[str, Any]] = {}
    if children:
        # Children of one unit share a prefix length, so one GROUP BY on that many leading
        # characters of the case's prefix counts every child at once.
        width = len(children[0].prefix)
        grouped = (visible.annotate(child=Substr("unit_prefix", 1, width))
                   .values("child").annotate(**measures).order_by())
        by_child = {row.pop("child"): row for row in grouped}
    empty = dict.fromkeys(measures, 0)
    rows = [{"unit": child, **_with_rate(dict(by_child.get(child.prefix, empty)))}
            for child in children]
    totals = _with_rate(visible.aggregate(**measures))
    oldest = (
        visible.filter(is_open=True, due_at__lt=now)
        .select_related("unit")
        .annotate(due_state=due_state_expression(now))
        .order_by("due_at", "id")[:10]
    )
    reported = _month_counts(visible.filter(opened_at__gte=year_start), "opened_at")
    closed = _month_counts(visible.filter(closed_at__gte=year_start, status=Status.CLOSED), "closed_at")
    months = _months(year_start.date(), local_now.date())
    chart = {
        "months": [m.strftime("%Y-%m") for m in months],
        "reported": [reported.get(m, 0) for m in months],
        "closed": [closed.get(m, 0) for m in months],
        "has_data": bool(reported or closed),
    }
    return {"unit": unit, "rows": rows, "totals": totals, "oldest": oldest, "chart": chart}


# --- League figures (scoring.indicators): every town and department at once -------------------


def league_on_time_rectification(groups: Groups, span: Span) -> Figures:
    """隐患按期整改率, %: of the hazards due in the period that were closed or are overdue (one
    due but still in time is not yet judged), those closed by their due time. A rejected report
    was never a hazard."""
    due = Hazard.objects.exclude(status=Status.REJECTED).filter(due_at__gte=span.start, due_at__lt=span.end)
    counts = tally(due, groups, {
        "judged": Count("pk", filter=Q(status=Status.CLOSED) | Q(due_at__lt=span.now)),
        "on_time": Count("pk", filter=Q(status=Status.CLOSED, closed_at__lte=F("due_at"))),
    })
    return rate(counts, "on_time", "judged")


def league_overdue_per_residents(groups: Groups, span: Span) -> Figures:
    """逾期隐患数 per 10,000 residents, at the end of the period (or now, while it runs): hazards
    past due and not closed at that moment. Towns only: a department has no residents."""
    at = span.taken_at
    overdue = (Hazard.objects.exclude(status=Status.REJECTED)
               .filter(opened_at__lt=at, due_at__lt=at)
               .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=at)))
    counts = tally(overdue, Groups(prefixes=groups.prefixes), {"overdue": Count("pk")})
    return per_residents({key: row["overdue"] for key, row in counts.items()}, groups)
