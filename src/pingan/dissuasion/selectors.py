"""Reads on warning orders and the dissuasion board. Every one starts from ``visible_to(user)``.

The person at risk is personal data: shown masked except to those who must call and visit them
(``may_view_person``), and to those only on asking, which ``services.warning_person_full``
records. A warning's fraud case is read through ``fraud.selectors``, so it is shown only to a
reader who may see it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Func, Q, QuerySet, Window
from django.db.models.functions import RowNumber, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import Field, field_validator

from pingan.core import errors
from pingan.core.deadlines import OPEN, due_state_expression, due_states_q, local_days_q
from pingan.core.filters import ListFilters
from pingan.core.models import DueState, RoleName, Unit, subtree_q
from pingan.core.personal.access import may_view_personal_data
from pingan.core.personal.masking import mask_address, mask_id_number, mask_name, mask_phone
from pingan.core.scoping import acting_scope
from pingan.core.search import text_q
from pingan.core.tallies import Figures, Groups, Span, rate, tally
from pingan.dissuasion.models import (
    OUTCOMES,
    ContactAttempt,
    RiskLevel,
    WarningIssuer,
    WarningOrder,
    WarningStatus,
)
from pingan.fraud.models import FraudCase
from pingan.fraud.selectors import check_scam_types, fraud_case_get

WARNING_TEXT_FIELDS = ("ref", "external_ref")
MSG_PERIOD_REVERSED = _("The first day comes after the last.")

WARNING_SORTS = {"due": ("due_at", "id"), "-received": ("-opened_at", "-id"), "received": ("opened_at", "id")}


class WarningFilters(ListFilters):
    """One filter definition for the warning list of the API and of the page."""

    SORTS = WARNING_SORTS

    unit: str | None = Field(None, description="Division-code prefix: the unit's whole subtree")
    status: list[WarningStatus] = Field(default_factory=list)
    risk_level: list[RiskLevel] = Field(default_factory=list)
    issuer: list[WarningIssuer] = Field(default_factory=list)
    scam_type: list[str] = Field(default_factory=list)
    due_state: list[DueState] = Field(default_factory=list)
    q: str | None = Field(None, max_length=60, description="Text in the reference or the order's number")
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    open_only: bool = False
    sort: str = "due"

    _known_scam_types = field_validator("scam_type")(check_scam_types)


def warning_list(*, user: Any, filters: WarningFilters,
                 now: dt.datetime | None = None) -> QuerySet[WarningOrder]:
    now = now or timezone.now()
    qs = WarningOrder.objects.visible_to(user)
    if filters.unit:
        qs = qs.filter(subtree_q(filters.unit, "unit_prefix"))
    for name, field in (("status", "status"), ("risk_level", "risk_level"), ("issuer", "issuer"),
                        ("scam_type", "category")):
        values = getattr(filters, name)
        if values:
            qs = qs.filter(**{f"{field}__in": values})
    if filters.due_state:
        qs = qs.filter(due_states_q(filters.due_state, now))
    if filters.open_only:
        qs = qs.filter(is_open=True)
    if filters.q:
        qs = qs.filter(text_q(filters.q, WARNING_TEXT_FIELDS))
    qs = qs.filter(local_days_q("opened_at", filters.received_from, filters.received_to))
    return qs.annotate(due_state=due_state_expression(now)).order_by(*WARNING_SORTS[filters.sort])


def warning_get(*, user: Any, ref: str) -> WarningOrder | None:
    """A warning by reference, or None when it does not exist *or* lies outside the user's
    scope: callers answer 404 either way."""
    return (
        WarningOrder.objects.visible_to(user)
        .select_related("unit", "reporter", "assignee")
        .annotate(due_state=due_state_expression())
        .filter(ref=ref.strip().upper())
        .first()
    )


def open_warnings(*, user: Any, unit: Unit, now: dt.datetime | None = None) -> QuerySet[WarningOrder]:
    """The open warnings in ``unit``'s subtree, the most overdue first; those reached and
    awaiting an outcome come after those still to be reached by the same hour."""
    return (WarningOrder.objects.visible_to(user).filter(OPEN, unit.subtree_q("unit_prefix"))
            .select_related("unit").annotate(due_state=due_state_expression(now))
            .order_by(F("due_at").asc(nulls_last=True), "id"))


def my_work(*, user: Any, limit: int = 50) -> list[WarningOrder]:
    """Open warnings where the user may act (a grid worker in their own cell, a town over its
    villages, the police over its lines), waiting for a contact or an outcome, the nearest
    deadline first; each with its person at risk masked, as a list shows them."""
    warnings = (WarningOrder.objects.visible_to(user).filter(OPEN, acting_scope(user).case_q())
                .select_related("unit").annotate(due_state=due_state_expression())
                .order_by(F("due_at").asc(nulls_last=True), "id"))
    return with_masked_people(warnings[:limit])


def with_masked_people(warnings: Any) -> list[WarningOrder]:
    """The warnings with ``person`` set to their person at risk, masked."""
    shown = list(warnings)
    for warning in shown:
        warning.person = person_of(warning, full=False)
    return shown


def linked_case(*, user: Any, warning: WarningOrder) -> FraudCase | None:
    """The fraud case the warning ended in, if the reader may see it (else, as if none)."""
    if warning.fraud_case_id is None:
        return None
    return fraud_case_get(user=user, ref=warning.fraud_case.ref)


def case_warnings(*, user: Any, case: FraudCase) -> list[WarningOrder]:
    """The warning orders that ended in ``case`` (the person was already defrauded) and that
    the reader may see, the earliest received first, each with its person at risk masked: the
    fraud case's page lists them."""
    warnings = WarningOrder.objects.visible_to(user).filter(fraud_case=case).select_related("unit")
    return with_masked_people(warnings.annotate(due_state=due_state_expression()).order_by("opened_at", "id"))


def contact_attempts(warning: WarningOrder) -> QuerySet[ContactAttempt]:
    return warning.contacts.select_related("by").order_by("at", "id")


def may_view_person(user: Any, warning: WarningOrder) -> bool:
    """Unlike a petitioner or a victim, the person at risk must be called and visited by whoever
    handles the warning — a grid worker included: anyone with a handler's role over it, and its
    assignee. Viewers see them masked. A warning is never sealed to one office."""
    return may_view_personal_data(user, warning, least=RoleName.HANDLER, town_or_above=False)


@dataclass(frozen=True)
class PersonView:
    name: str
    phone: str
    id_number: str
    address: str
    masked: bool


def person_of(warning: WarningOrder, *, full: bool) -> PersonView:
    """The person at risk as this reader sees them: in full, or masked like a petitioner."""
    w = warning
    if full:
        return PersonView(w.person_name, w.person_phone, w.person_id_number, w.person_address, masked=False)
    return PersonView(mask_name(w.person_name), mask_phone(w.person_phone),
                      mask_id_number(w.person_id_number), mask_address(w.person_address), masked=True)


def board_period(first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    """The days a board counts, both included: by default the twelve months up to today."""
    last = last or timezone.localdate()
    first = first or last - dt.timedelta(days=364)
    if first > last:
        raise errors.DomainError(MSG_PERIOD_REVERSED, field="first")
    return first, last


# (numerator, denominator) of each rate, both measures of ``dissuasion_conditions``.
DISSUASION_RATES = {
    "contact_on_time_rate": ("reached_in_time", "contact_due"),
    "prevention_rate": ("prevented", "concluded"),
}


def dissuasion_conditions(now: dt.datetime) -> dict[str, Q]:
    """Each measure of the dissuasion board as the condition a warning meets to count in it."""
    return {
        "reached": Q(first_contact_at__isnull=False),
        "reached_in_time": Q(first_contact_at__lte=F("contact_due_at")),
        # The denominator of the on-time rate: reached, or no longer in time to be.
        "contact_due": Q(first_contact_at__isnull=False) | Q(contact_due_at__lt=now),
        "prevented": Q(status=WarningStatus.PREVENTED),
        "not_reached": Q(status=WarningStatus.NOT_REACHED),
        "already_lost": Q(status=WarningStatus.ALREADY_LOST),
        "concluded": Q(status__in=OUTCOMES),
        "open": Q(is_open=True),
        "overdue": Q(is_open=True, due_at__lt=now),
    }


def _rated(counts: dict[str, Any]) -> dict[str, Any]:
    rates = {name: round(counts[num] / counts[den], 4) if counts[den] else None
             for name, (num, den) in DISSUASION_RATES.items()}
    return {**counts, **rates}


def _median(total: Any, rows: Any) -> int | None:
    return round(float(total) / rows) if rows else None


def dissuasion_metrics(*, user: Any, units: list[Unit], first: dt.date, last: dt.date,
                       now: dt.datetime | None = None) -> dict[str, Any]:
    """Per unit and in total, over the warnings ``user`` can see received from ``first`` to
    ``last`` (local days, both included); ``units`` share one prefix length (the children of one
    unit). One query, whatever the number of units.

    - received; reached (someone reached the person); reached_in_time (by the contact deadline);
      contact_due (reached, or past the contact deadline): contact_on_time_rate = reached_in_time
      / contact_due;
    - prevented, not_reached, already_lost, concluded (the three):
      prevention_rate = prevented / concluded;
    - open and overdue now;
    - median_contact_seconds: the median time from receipt to the first contact that reached
      the person, over those reached (None when none was).

    A rate is a fraction (0–1), None when nothing is in its denominator."""
    now = now or timezone.now()
    conditions = dissuasion_conditions(now)
    empty = {"received": 0, **dict.fromkeys(conditions, 0)}
    if not units:
        return {"rows": [], "totals": {**_rated(empty), "median_contact_seconds": None}}
    width = len(units[0].prefix)
    if any(len(unit.prefix) != width for unit in units):
        raise ValueError("board units must share one prefix length")
    within = Q(pk__in=[])
    for unit in units:
        within |= subtree_q(unit.prefix, "unit_prefix")
    by_unit = {row.pop("unit_group"): row for row in _board_rows(
        WarningOrder.objects.visible_to(user).filter(within, local_days_q("opened_at", first, last)),
        group=Substr("unit_prefix", 1, width), conditions=conditions)}
    rows = []
    for unit in units:
        found = by_unit.get(unit.prefix)
        counts = {name: found[name] for name in empty} if found else dict(empty)
        median = _median(found["unit_middle_sum"], found["unit_middle_rows"]) if found else None
        rows.append({"unit": unit, **_rated(counts), "median_contact_seconds": median})
    totals = {name: sum(row[name] for row in rows) for name in empty}
    middle = [(found["all_middle_sum"] or 0, found["all_middle_rows"]) for found in by_unit.values()]
    return {"rows": rows, "totals": {**_rated(totals), "median_contact_seconds": _median(
        sum(total for total, _rows in middle), sum(count for _total, count in middle))}}


def _board_rows(warnings: QuerySet[WarningOrder], *, group: Func, conditions: dict[str, Q]) -> list[dict]:
    """The board's counts and medians per group in one statement.

    A median needs each warning's rank among those of its group, a window function, and the
    ORM will not aggregate over a window; so the ranked rows are the ORM's query and the outer
    GROUP BY is written here. Each warning is ranked twice by its time to contact, in its unit
    and among all: the middle one or two of each ranking are the median's rows. The overall
    median's rows fall in some units' groups; summed over the groups they give it back."""
    by_seconds = F("contact_seconds").asc(nulls_last=True)
    ranked = warnings.annotate(
        unit_group=group,
        **{name: ExpressionWrapper(q, output_field=BooleanField()) for name, q in conditions.items()},
        unit_rank=Window(RowNumber(), partition_by=[group], order_by=by_seconds),
        unit_reached=Window(Count("contact_seconds"), partition_by=[group]),
        all_rank=Window(RowNumber(), order_by=by_seconds),
        all_reached=Window(Count("contact_seconds")),
    ).values("unit_group", "contact_seconds", *conditions, "unit_rank", "unit_reached", "all_rank",
             "all_reached").order_by()
    inner, params = ranked.query.sql_with_params()
    quote = connection.ops.quote_name
    seconds = quote("contact_seconds")

    def middle(rank: str, count: str) -> str:
        rank, count = quote(rank), quote(count)
        return f"{seconds} IS NOT NULL AND {rank} IN (({count} + 1) / 2, ({count} + 2) / 2)"

    columns = [
        quote("unit_group"), "COUNT(*)",
        *(f"SUM(CASE WHEN {quote(name)} THEN 1 ELSE 0 END)" for name in conditions),
        *(f"SUM(CASE WHEN {middle(f'{scope}_rank', f'{scope}_reached')} THEN {seconds} END), "
          f"SUM(CASE WHEN {middle(f'{scope}_rank', f'{scope}_reached')} THEN 1 ELSE 0 END)"
          for scope in ("unit", "all")),
    ]
    names = ["unit_group", "received", *conditions, "unit_middle_sum", "unit_middle_rows", "all_middle_sum",
             "all_middle_rows"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM ({inner}) AS ranked "  # noqa: S608 (the ORM's query; no input)
                       f"GROUP BY {quote('unit_group')}", params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def league_prevention(groups: Groups, span: Span) -> Figures:
    """劝阻成功率, %: of the warnings received in the period whose dissuasion ended (prevented,
    not reached, already defrauded), those prevented: the board's ``prevention_rate``."""
    conditions = dissuasion_conditions(span.now)
    received = WarningOrder.objects.filter(opened_at__gte=span.start, opened_at__lt=span.end)
    counts = tally(received, groups, {name: Count("pk", filter=conditions[name])
                                      for name in DISSUASION_RATES["prevention_rate"]})
    return rate(counts, *DISSUASION_RATES["prevention_rate"])
