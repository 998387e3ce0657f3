"""Reads on reception days. Every one starts from ``Reception.objects.visible_to(user)``
(or, for units, the same reach); visitor counts count only petitions the reader can see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, TextChoices
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from pingan.core.deadlines import due_state_expression
from pingan.core.filters import ListFilters
from pingan.core.models import ROLE_RANK, RoleName, Unit, subtree_q
from pingan.core.scoping import scope_for
from pingan.core.tallies import Figure, Figures, Groups, Span, percent
from pingan.petitions.models import KIND as PETITION_KIND
from pingan.petitions.models import Petition
from pingan.petitions.workflow import at_or_above
from pingan.receptions.models import (
    RECEIVING_KINDS,
    Leader,
    Reception,
    ReceptionStatus,
    reception_reach,
)
from pingan.receptions.periods import Period, period_kind, period_of, periods_between

SORTS = {"date": ("date", "id"), "-date": ("-date", "-id")}
MSG_NO_CALENDAR = _("Your role reaches no unit that holds reception days (the district and its towns).")


class CellState(TextChoices):
    """What the calendar shows for one unit in one period."""

    HELD = "held", _("Held")
    PLANNED = "planned", _("Planned")
    MISSING = "missing", _("Missing")
    UPCOMING = "upcoming", _("Not yet planned")


def visitor_count(user: Any) -> Count:
    """A reception's visitors whose petitions ``user`` can see: a count must not tell of
    petitions outside the reader's scope."""
    if scope_for(user).everything:
        return Count("visits")
    return Count("visits", filter=Q(visits__petition__in=Petition.objects.visible_to(user).values("pk")))


class ReceptionFilters(ListFilters):
    """One filter definition for the API list."""

    SORTS = SORTS

    unit: str | None = Field(None, description="Division-code prefix: that unit and the units below it")
    status: list[ReceptionStatus] = Field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "-date"


def reception_list(*, user: Any, filters: ReceptionFilters) -> QuerySet[Reception]:
    qs = Reception.objects.visible_to(user)
    if filters.unit:
        qs = qs.filter(subtree_q(filters.unit, "unit__prefix"))
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    return (qs.select_related("unit", "leader").annotate(visitors=visitor_count(user))
            .order_by(*SORTS[filters.sort]))


def reception_get(*, user: Any, pk: int) -> Reception | None:
    """A reception, or None when it does not exist *or* lies outside the user's reach."""
    return (
        Reception.objects.visible_to(user)
        .select_related("unit", "leader", "created_by", "status_changed_by")
        .annotate(visitors=visitor_count(user))
        .filter(pk=pk)
        .first()
    )


def reception_visitors(*, user: Any, reception: Reception) -> QuerySet[Petition]:
    """The petitions of the reception's visitors that ``user`` can see, in arrival order."""
    return (
        Petition.objects.visible_to(user).filter(reception_visit__reception=reception)
        .select_related("unit", "handling_unit").annotate(due_state=due_state_expression())
        .order_by("opened_at", "id")
    )


def receiving_units(*, user: Any) -> QuerySet[Unit]:
    """The district and towns whose reception days ``user`` sees: the calendar's choices."""
    return Unit.objects.filter(reception_reach(user), kind__in=RECEIVING_KINDS).order_by("prefix")


def manageable_units(*, user: Any) -> QuerySet[Unit]:
    """The district and towns whose receptions ``user`` may plan and record: those at or
    below a unit where they are a handler or more (``services.may_manage`` for each)."""
    scope = scope_for(user)
    units = Unit.objects.filter(kind__in=RECEIVING_KINDS).order_by("prefix")
    if scope.everything:
        return units
    within = Q(pk__in=[])
    for role in scope.roles_for(PETITION_KIND):
        if role.rank >= ROLE_RANK[RoleName.HANDLER] and not role.unit.is_department:
            within |= subtree_q(role.unit.prefix)
    return units.filter(within)


def home_unit(*, user: Any) -> Unit | None:
    """The widest unit whose calendar the user sees: where their calendar opens."""
    return receiving_units(user=user).order_by(Length("prefix"), "prefix").first()


def roster(*, unit: Unit) -> QuerySet[Leader]:
    """The leaders who may hold ``unit``'s receptions: those on its roster or on the roster
    of a unit above it (a district leader may receive in a town)."""
    return (Leader.objects.filter(is_active=True, unit__in=at_or_above(unit)).select_related("unit")
            .order_by(Length("unit__prefix").desc(), "id"))


def leader_list(*, user: Any, unit: Unit | None = None) -> QuerySet[Leader]:
    """Leaders on the rosters ``user`` sees, or the leaders who may receive at ``unit``."""
    if unit is not None:
        return roster(unit=unit)
    return (Leader.objects.filter(reception_reach(user, "unit__prefix")).select_related("unit")
            .order_by("unit__prefix", "id"))


# --- The calendar --------------------------------------------------------------------------


@dataclass
class Cell:
    period: Period
    state: str
    receptions: list[Reception]  # planned and held, held first; cancelled ones are left out
    visitors: int

    @property
    def reception(self) -> Reception | None:
        return self.receptions[0] if self.receptions else None

    @property
    def state_label(self) -> str:
        return str(CellState(self.state).label)


@dataclass
class CalendarRow:
    unit: Unit
    cells: list[Cell]

    def count(self, state: str) -> int:
        return sum(cell.state == state for cell in self.cells)

    @property
    def held(self) -> int:
        return self.count(CellState.HELD)

    @property
    def due(self) -> int:
        """Periods that had to have a reception by now: the ended ones, and any held early."""
        return self.held + self.count(CellState.MISSING)


@dataclass
class Calendar:
    unit: Unit
    kind: str
    first: dt.date
    last: dt.date
    today: dt.date
    periods: list[Period]
    rows: list[CalendarRow]

    @property
    def totals(self) -> dict[str, int]:
        return {state: sum(row.count(state) for row in self.rows) for state in CellState.values}

    @property
    def visitors(self) -> int:
        return sum(cell.visitors for row in self.rows for cell in row.cells)

    @property
    def groups(self) -> list[tuple[str, int]]:
        """The headings over runs of columns (months, or years) and how many columns each spans."""
        groups: list[tuple[str, int]] = []
        for period in self.periods:
            if groups and groups[-1][0] == period.group:
                groups[-1] = (period.group, groups[-1][1] + 1)
            else:
                groups.append((period.group, 1))
        return groups


def calendar_rows(*, user: Any, unit: Unit) -> list[Unit]:
    """The unit and the units right below it that hold reception days (the district and
    its towns, or a town alone), as far as ``user`` reaches."""
    return list(receiving_units(user=user).filter(Q(pk=unit.pk) | Q(parent=unit)))


def cell_state(period: Period, receptions: list[Reception], today: dt.date) -> str:
    """Held when a reception in the period was held; missing when the period is over
    without one; planned while one is planned; upcoming while none is."""
    if any(r.status == ReceptionStatus.HELD for r in receptions):
        return CellState.HELD
    if period.end < today:
        return CellState.MISSING
    return CellState.PLANNED if receptions else CellState.UPCOMING


def reception_calendar(*, user: Any, unit: Unit, first: dt.date, last: dt.date,
                       today: dt.date | None = None, kind: str | None = None) -> Calendar:
    """Each row unit's state in each period that has a day in ``first``–``last``, with the
    receptions and the visitors behind it: two queries whatever the number of rows and
    periods (the units, then the receptions with their visitor counts)."""
    today = today or timezone.localdate()
    kind = kind or period_kind()
    periods = periods_between(first, last, kind)
    units = calendar_rows(user=user, unit=unit)
    receptions = (
        Reception.objects.visible_to(user)
        .filter(unit__in=units, date__gte=periods[0].start, date__lte=periods[-1].end)
        .exclude(status=ReceptionStatus.CANCELLED)
        .select_related("leader").annotate(visitors=visitor_count(user)).order_by("date", "id")
    )
    by_cell: dict[tuple[int, dt.date], list[Reception]] = {}
    for reception in receptions:
        by_cell.setdefault((reception.unit_id, period_of(reception.date, kind).start), []).append(reception)
    rows = []
    for row_unit in units:
        cells = []
        for period in periods:
            found = sorted(by_cell.get((row_unit.pk, period.start), []),
                           key=lambda r: r.status != ReceptionStatus.HELD)
            cells.append(Cell(period=period, state=cell_state(period, found, today), receptions=found,
                              visitors=sum(r.visitors for r in found)))
        rows.append(CalendarRow(unit=row_unit, cells=cells))
    return Calendar(unit=unit, kind=kind, first=first, last=last, today=today, periods=periods,
                    rows=rows)



def league_reception_days(groups: Groups, span: Span) -> Figures:
    """接访日落实率, %: of the reception periods (旬, week or month) of the assessment period that
    were due by now (ended, or held early), those in which the town held a reception day, as
    the calendar counts them (``cell_state``). Towns only: departments hold no reception days.
    A week that straddles two assessment periods counts in both."""
    periods = periods_between(span.first_day, span.end_day - dt.timedelta(days=1))
    today = timezone.localtime(span.now).date()
    held: dict[str, list[Reception]] = {}
    for reception in (Reception.objects.filter(unit__prefix__in=groups.prefixes, status=ReceptionStatus.HELD,
                                               date__gte=periods[0].start, date__lte=periods[-1].end)
                      .select_related("unit").only("date", "status", "unit__prefix")):
        held.setdefault(reception.unit.prefix, []).append(reception)
    figures: Figures = {}
    for prefix in groups.prefixes:
        states = [cell_state(period, [r for r in held.get(prefix, []) if r.date in period], today)
                  for period in periods]
        due = sum(state in (CellState.HELD, CellState.MISSING) for state in states)
        if due:
            figures[prefix] = Figure(percent(states.count(CellState.HELD), due), due)
    return figures
