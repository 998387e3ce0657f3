"""Reads on petitions. Every one starts from ``visible_to(user)``.

Who sees a petitioner in full: a supervisor or administrator over the petition at town
level or above (the unit heads who answer for the matter), and the petition's assignee, who
must call and meet the petitioner. Everyone else, and every list, sees them masked; even
those allowed see them in full only by asking for one petition (``petition_personal_data``),
and that reading is an event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pingan.core.deadlines import due_state_expression, due_state_q, local_days_q
from pingan.core.models import ROLE_RANK, DueState, RoleName, subtree_bounds
from pingan.core.scoping import scope_for
from pingan.petitions.models import Category, Channel, Petition, PetitionType, Status
from pingan.petitions.similarity import cosine, shingles

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


class PetitionFilters(BaseModel):
    """One filter definition for the API list (and the web list and export to come)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

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
    sort: str = "-received"

    @field_validator(*LIST_FIELDS, mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            return [v for v in value.split(",") if v]
        return [v for v in value if v]

    @field_validator("unit", "q", "received_from", "received_to", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("sort")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        if value not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}")
        return value

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
    if filters.first_only or filters.repeat_only:
        qs = qs.filter(repeat_of__isnull=filters.first_only)
    if filters.q:
        qs = qs.filter(Q(ref__icontains=filters.q) | Q(title__icontains=filters.q))
    qs = qs.filter(local_days_q("opened_at", filters.received_from, filters.received_to))
    return qs.annotate(due_state=due_state_expression(now)).order_by(*SORTS[filters.sort])


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


def petition_timeline(*, petition: Petition) -> QuerySet:
    return petition.events.select_related("actor").order_by("seq")


def may_view_personal_data(user: Any, petition: Petition) -> bool:
    if petition.assignee_id is not None and petition.assignee_id == getattr(user, "pk", None):
        return True
    rank = scope_for(user).rank_for(petition, town_or_above=True)
    return rank >= ROLE_RANK[RoleName.SUPERVISOR]


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
    one, and a text at least ``PINGAN_PETITION_REPEAT_SIMILARITY`` alike. Best first.

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
    return sorted((c for c in scored if c.score >= threshold),
                  key=lambda c: (-c.score, -c.petition.opened_at.timestamp()))
