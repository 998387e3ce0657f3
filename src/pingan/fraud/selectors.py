"""Reads on fraud cases and rings. Every one starts from ``visible_to(user)``.

Who sees a ring: a ring is shown to a user only when the user may see **every** case in it.
Its statistics, cases, identifiers, network and explanations are then exactly what the user
may see, and nothing in them comes from a case outside the user's area. District roles (and
a department whose lines cover every scam type) see every ring; a town handler sees the rings
that lie wholly in their town. A ring reaching beyond a user's area is not shown to them at
all — not as a fragment: a town's part of a district-wide ring would read as a small ring
when it is a major one, and the chain that links its cases may run through cases elsewhere.
For such a user, a case in that ring shows no ring, exactly like a case in none; its
identifiers are still listed, with the number of *visible* cases sharing each.

The left-out identifiers are decided district-wide (the stoplist, and the degree over all
cases): a user is shown those on the cases they may see, counted over those cases.

Victims are personal data: shown masked except to the roles that may see a petitioner in
full (``core.personal.access.may_view_personal_data``: a supervisor or administrator over the
case at town level or above, or the case's assignee), and to those only on asking, which
``services.fraud_victims_full`` records.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case as CaseWhen
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from pydantic import Field, field_validator

from pingan.core import errors
from pingan.core.filters import ListFilters
from pingan.core.models import ROLE_RANK, RoleName, Unit, UnitKind, subtree_q
from pingan.core.personal.access import may_view_personal_data
from pingan.core.personal.masking import mask_id_number, mask_name, mask_phone
from pingan.core.scoping import scope_for
from pingan.core.search import text_q
from pingan.core.tallies import Figures, Groups, Span, per_residents, tally
from pingan.fraud.identifiers import KINDS, URL, IdentifierError, normalize
from pingan.fraud.linking import TOWN_CODE_LENGTH, RingIndex
from pingan.fraud.models import (
    KIND,
    AmountBand,
    CaseIdentifier,
    FraudCase,
    Identifier,
    LinkingState,
    Ring,
    ScamType,
    Status,
    Victim,
    band_floors,
    scam_type_choices,
)

# Not a case's story: it names its victims.
CASE_TEXT_FIELDS = ("ref", "title")
SORTS = {
    "-reported": ("-reported_on", "-id"),
    "reported": ("reported_on", "id"),
    "-loss": ("-loss", "-id"),
    "loss": ("loss", "id"),
}
RING_SORTS = {"rank": ("rank", "id"), "-last": ("-last_date", "-id"), "-cases": ("-case_count", "-id")}
# What the engine takes from each case: ring ids, loss, victims, towns, dates.
CASE_FACTS = ("ref", "loss", "victim_count", "unit_prefix", "reported_on")
# For an index over cases whose left-out identifiers were never added: nothing more is to be
# left out (the engine's degree arrays are 32-bit).
NO_DEGREE_LIMIT = 2**31 - 1

MSG_NOT_IN_RING = _("Case “{ref}” is not in ring {ring}.")


def fen(amount: Decimal) -> int:
    return int(amount * 100)


def known_scam_types() -> set[str]:
    return set(ScamType.values) | set(dict(scam_type_choices()))


def check_scam_types(values: list[str]) -> list[str]:
    """A filter's scam types, each one the deployment offers or once offered."""
    unknown = set(values) - known_scam_types()
    if unknown:
        raise ValueError(f"unknown scam type: {', '.join(sorted(unknown))}")
    return values


class FraudCaseFilters(ListFilters):
    """One filter definition for the HTMX list and the API."""

    SORTS = SORTS

    unit: str | None = Field(None, description="Division-code prefix: the unit's whole subtree")
    status: list[Status] = Field(default_factory=list)
    scam_type: list[str] = Field(default_factory=list)
    band: list[AmountBand] = Field(default_factory=list, description="Amount band of the case's loss")
    q: str | None = Field(None, max_length=100, description="Text in the reference or title")
    identifier: str | None = Field(
        None, max_length=200,
        description="An identifier written in any form (a phone, an account, a site…): the cases showing it",
    )
    ring: str | None = Field(None, max_length=20, description="The cases of this ring (its id)")
    reported_from: dt.date | None = None
    reported_to: dt.date | None = None
    linked_only: bool = Field(False, description="Only cases in a ring shown to you")
    open_only: bool = False
    sort: str = "-reported"

    _known_scam_types = field_validator("scam_type")(check_scam_types)


class RingFilters(ListFilters):
    SORTS = RING_SORTS

    unit: str | None = Field(None, description="Rings with a case in this subtree (division-code prefix)")
    major_only: bool = False
    q: str | None = Field(None, max_length=20, description="A ring id, or the reference of a case in it")
    sort: str = "rank"


# ---------------------------------------------------------------------------
# Which rings a user is shown
# ---------------------------------------------------------------------------


def _outside(user: Any) -> QuerySet[FraudCase] | None:
    """The fraud cases outside the user's scope; None when there are none, so that the
    rings need no per-ring check."""
    scope = scope_for(user)
    if scope.everything:
        return None
    roots = (Unit.objects.filter(parent__isnull=True).exclude(kind=UnitKind.DEPARTMENT)
             .values_list("prefix", flat=True))
    if all(any(root.startswith(prefix) for prefix in scope.prefixes_for(KIND)) for root in roots):
        return None  # a role over every district
    outside = FraudCase.objects.exclude(scope.case_q())
    return outside if outside.exists() else None


def rings_shown(user: Any) -> QuerySet[Ring]:
    """The rings all of whose cases the user may see."""
    outside = _outside(user)
    if outside is None:
        return Ring.objects.all()
    return Ring.objects.filter(_within(outside))


def _within(outside: QuerySet[FraudCase]) -> Any:
    """A ring none of whose cases is ``outside``."""
    return ~Exists(outside.filter(ring=OuterRef("pk")))


def _shown_ring_id(user: Any) -> Any:
    """An expression for a case's ring id as the user is shown it: NULL for a ring that
    reaches beyond the user's area."""
    outside = _outside(user)
    ring_id = F("ring__ring_id")
    if outside is None:
        return ring_id
    hidden = Exists(outside.filter(ring=OuterRef("ring")))
    return CaseWhen(When(hidden, then=Value(None)), default=ring_id, output_field=CharField())


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------


def identifier_matches(text: str) -> QuerySet[Identifier]:
    """The identifiers ``text`` can be, whatever its kind and however it is written; a
    registrable domain (example.com) finds every host under it."""
    wanted = Q(pk__in=[])
    for kind in KINDS:
        try:
            normal = normalize(kind, text)
        except IdentifierError:
            continue
        wanted |= Q(kind=normal.kind, value=normal.value)
        if normal.registrable_domain and normal.registrable_domain == normal.value:
            wanted |= Q(kind=URL, registrable_domain=normal.value)
    return Identifier.objects.filter(wanted)


def _band_q(bands: list[str]) -> Q:
    floors = dict(band_floors())
    above = sorted(floors.values())
    q = Q(pk__in=[])
    for band in bands:
        low = floors[band]
        higher = [floor for floor in above if floor > low]
        q |= Q(loss__gte=low, loss__lt=higher[0]) if higher else Q(loss__gte=low)
    return q


def fraud_case_list(*, user: Any, filters: FraudCaseFilters) -> QuerySet[FraudCase]:
    qs = FraudCase.objects.visible_to(user)
    if filters.unit:
        qs = qs.filter(subtree_q(filters.unit, "unit_prefix"))
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.scam_type:
        qs = qs.filter(category__in=filters.scam_type)
    if filters.band:
        qs = qs.filter(_band_q(filters.band))
    if filters.q:
        qs = qs.filter(text_q(filters.q, CASE_TEXT_FIELDS))
    if filters.identifier:
        qs = qs.filter(pk__in=CaseIdentifier.objects.filter(
            identifier__in=identifier_matches(filters.identifier)).values("case"))
    if filters.ring or filters.linked_only:
        shown = rings_shown(user)
        qs = qs.filter(ring__in=shown.filter(ring_id=filters.ring.strip().upper()) if filters.ring else shown)
    if filters.open_only:
        qs = qs.filter(is_open=True)
    qs = qs.filter(Q(reported_on__gte=filters.reported_from) if filters.reported_from else Q(),
                   Q(reported_on__lte=filters.reported_to) if filters.reported_to else Q())
    return qs.annotate(shown_ring=_shown_ring_id(user)).order_by(*SORTS[filters.sort])


def fraud_case_get(*, user: Any, ref: str) -> FraudCase | None:
    """A case by reference, or None when it does not exist *or* lies outside the user's
    scope: callers answer 404 either way."""
    return (
        FraudCase.objects.visible_to(user)
        .select_related("unit", "department", "assignee", "reporter")
        .annotate(shown_ring=_shown_ring_id(user))
        .filter(ref=ref.strip().upper())
        .first()
    )


def case_identifiers(*, user: Any, case: FraudCase) -> QuerySet[CaseIdentifier]:
    """The case's identifiers, each with how many *other* cases the user may see show it."""
    visible = FraudCase.objects.visible_to(user).values("pk")
    others = (CaseIdentifier.objects.filter(identifier=OuterRef("identifier"), case__in=visible)
              .exclude(case=case).values("identifier").annotate(n=Count("pk")).values("n"))
    return (case.identifier_links.select_related("identifier", "added_by")
            .annotate(other_cases=Coalesce(Subquery(others), 0))
            .order_by("identifier__kind", "identifier__value"))


def may_view_victims(user: Any, case: FraudCase) -> bool:
    """The petitioner's rule: a supervisor or administrator over the case at town level or
    above, or the case's assignee."""
    return may_view_personal_data(user, case)


@dataclass(frozen=True)
class VictimView:
    name: str
    id_number: str
    phone: str
    age: int | None
    masked: bool


def victims_of(victims: list[Victim], *, full: bool) -> list[VictimView]:
    """The victims as this reader sees them: in full, or masked like a petitioner."""
    if full:
        return [VictimView(v.name, v.id_number, v.phone, v.age, masked=False) for v in victims]
    return [VictimView(mask_name(v.name), mask_id_number(v.id_number), mask_phone(v.phone), v.age,
                       masked=True) for v in victims]


# ---------------------------------------------------------------------------
# Rings
# ---------------------------------------------------------------------------


def ring_index(cases: QuerySet[FraudCase]) -> tuple[RingIndex, dict[str, int]]:
    """The engine over ``cases`` and the identifiers that link them (those left out
    district-wide are not added), with each case's pk by reference. Over whole rings, its
    rings and explanations are the district's."""
    index = RingIndex(stoplist=(), max_degree=NO_DEGREE_LIMIT)
    pk_of: dict[str, int] = {}
    ref_of: dict[int, str] = {}
    for pk, ref, loss, victims, unit_prefix, reported_on in cases.values_list("pk", *CASE_FACTS).order_by():
        index.add_row(ref, None, fen(loss), victims, unit_prefix, reported_on.toordinal())
        pk_of[ref] = pk
        ref_of[pk] = ref
    links = CaseIdentifier.objects.filter(case__in=cases.values("pk"), identifier__left_out="")
    for case_id, identifier_id in links.values_list("case_id", "identifier_id").order_by():
        index.add_row(ref_of[case_id], str(identifier_id))
    return index, pk_of


def ring_list(*, user: Any, filters: RingFilters) -> QuerySet[Ring]:
    qs = rings_shown(user)
    if filters.major_only:
        qs = qs.filter(is_major=True)
    if filters.unit:
        qs = qs.filter(pk__in=FraudCase.objects.filter(subtree_q(filters.unit, "unit_prefix")).values("ring"))
    if filters.q:
        text = filters.q.strip().upper()
        qs = qs.filter(Q(ring_id=text) | Q(pk__in=FraudCase.objects.filter(ref=text).values("ring")))
    return qs.annotate(position=_position(user)).order_by(*RING_SORTS[filters.sort])


def _position(user: Any) -> Any:
    """An expression for a ring's place in the ranking of the rings the user is shown: its
    rank for a user shown every ring. A town is not told how many rings elsewhere outrank
    its own."""
    outside = _outside(user)
    if outside is None:
        return F("rank")
    above = Ring.objects.filter(_within(outside), rank__lt=OuterRef("rank"))
    count = above.order_by().values(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
    return Subquery(count, output_field=IntegerField()) + 1


def ring_get(*, user: Any, ring_id: str) -> Ring | None:
    """A ring the user is shown, by id (with its ``position``); None otherwise (callers
    answer 404)."""
    shown = rings_shown(user).annotate(position=_position(user))
    return shown.filter(ring_id=ring_id.strip().upper()).first()


@dataclass(frozen=True)
class RingIdentifier:
    identifier: Identifier
    cases: int  # of the ring's cases


@dataclass(frozen=True)
class RingDetail:
    ring: Ring
    cases: list[FraudCase]
    identifiers: list[RingIdentifier]
    links: list[tuple[str, int]]  # (case ref, identifier pk): the network's edges
    towns: list[Unit]


def ring_detail(ring: Ring) -> RingDetail:
    """A ring's cases, the identifiers that link them and the network they form. Only for a
    ring from ``ring_get``: every case in it is one the reader may see."""
    cases = list(ring.cases.select_related("unit").order_by("reported_on", "case_ptr_id"))
    ref_of = {case.pk: case.ref for case in cases}
    pairs = list(CaseIdentifier.objects.filter(case__ring=ring, identifier__left_out="")
                 .values_list("case_id", "identifier_id").order_by("case_id", "identifier_id"))
    counts = Counter(identifier_id for _case, identifier_id in pairs)
    identifiers = [RingIdentifier(identifier, counts[identifier.pk])
                   for identifier in Identifier.objects.filter(pk__in=list(counts))]
    identifiers.sort(key=lambda item: (-item.cases, item.identifier.kind, item.identifier.value))
    towns = Unit.objects.filter(prefix__in={case.unit_prefix[:TOWN_CODE_LENGTH] for case in cases})
    return RingDetail(ring=ring, cases=cases, identifiers=identifiers,
                      links=[(ref_of[case_id], identifier_id) for case_id, identifier_id in pairs],
                      towns=list(towns.order_by("prefix")))


@dataclass(frozen=True)
class Step:
    """One link of a chain: ``case`` and ``next_case`` both show ``identifier``."""

    case: FraudCase
    identifier: Identifier
    next_case: FraudCase


def ring_explain(ring: Ring, case_a: str, case_b: str) -> list[Step]:
    """Why two cases of a ring are linked: a shortest chain of shared identifiers."""
    members = {case.ref: case for case in ring.cases.select_related("unit")}
    for field, ref in (("a", case_a), ("b", case_b)):
        if ref.strip().upper() not in members:
            raise errors.DomainError(MSG_NOT_IN_RING.format(ref=ref, ring=ring.ring_id), field=field)
    index, _pk_of = ring_index(FraudCase.objects.filter(ring=ring))
    links = index.explain(case_a.strip().upper(), case_b.strip().upper())
    identifiers = Identifier.objects.in_bulk([int(link.identifier) for link in links])
    return [Step(members[link.case], identifiers[int(link.identifier)], members[link.next_case])
            for link in links]


def left_out_identifiers(*, user: Any) -> QuerySet[Identifier]:
    """The identifiers left out of linking that the user's cases show, most shared first,
    each counted over the cases the user may see (``visible_cases``)."""
    visible = FraudCase.objects.visible_to(user).values("pk")
    return (Identifier.objects.exclude(left_out="")
            .annotate(visible_cases=Count("case_links", filter=Q(case_links__case__in=visible)))
            .filter(visible_cases__gt=0).order_by("-visible_cases", "kind", "value"))


def linking_state() -> LinkingState | None:
    return LinkingState.objects.filter(pk=1).first()


def may_recompute(user: Any) -> bool:
    """Starting a full recompute is the district's: a superuser, or an administrator at a
    district (a unit with no parent)."""
    scope = scope_for(user)
    return scope.everything or any(role.rank >= ROLE_RANK[RoleName.ADMIN] and role.unit.parent_id is None
                                   for role in scope.roles_for(KIND))


def league_loss_per_residents(groups: Groups, span: Span) -> Figures:
    """电诈损失 in yuan per 10,000 residents (元/万人): the losses of the frauds reported in the
    period (``reported_on``), over the town's population. Towns only: a fraud is filed in a
    place, and a department has no residents."""
    reported = FraudCase.objects.filter(reported_on__gte=span.first_day, reported_on__lt=span.end_day)
    counts = tally(reported, Groups(prefixes=groups.prefixes), {"loss": Sum("loss")})
    return per_residents({key: row["loss"] for key, row in counts.items()}, groups)
