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
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from pydantic import Field, field_validator

from pingan.core.deadlines import due_state_expression, due_states_q
from pingan.core.filters import ListFilters
from pingan.core.models import DueState
from pingan.core.scoping import scope_for
from pingan.core.search import like_q, text_q
from pingan.suggestions.models import DOMAIN, Channel, CoHandling, Satisfaction, Status, Suggestion
from pingan.suggestions.workflow import result_classes

# The case's own text goes through the text index; the proposers are the suggestion's column.
TEXT_FIELDS = ("ref", "title")
PROPOSER_FIELDS = ("proposers",)
SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "opened": ("opened_at", "id"),
    "-opened": ("-opened_at", "-id"),
}


def reach_q(user: Any) -> Q:
    """The suggestions ``user`` may see, as a filter (the module's docstring says who)."""
    scope = scope_for(user)
    q = scope.case_q()
    if scope.everything or not scope.user_id:
        return q
    q |= Q(supervising_leader_id=scope.user_id)
    units = scope.co_handling_units(DOMAIN)
    if units:
        q |= Q(pk__in=CoHandling.objects.filter(unit_id__in=units).values("suggestion_id"))
    return q


def suggestions_for(user: Any) -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(reach_q(user))


def suggestion_get(*, user: Any, ref: str) -> Suggestion | None:
    return (suggestions_for(user).select_related("session", "unit", "department", "supervising_leader")
            .filter(ref=ref).first())


class SuggestionFilters(ListFilters):
    """One filter definition for the HTMX list, the API and the export."""

    SORTS = SORTS

    session: int | None = Field(None, ge=1, le=2_147_483_647, description="The session's id")
    channel: list[Channel] = Field(default_factory=list, description="congress or conference")
    status: list[Status] = Field(default_factory=list)
    lead: str | None = Field(None, max_length=20, description="The lead unit's code")
    due_state: list[DueState] = Field(default_factory=list)
    key: bool = Field(False, description="Key suggestions (重点建议) only")
    result_class: list[str] = Field(default_factory=list, description="The reply's result class")
    satisfaction: list[Satisfaction] = Field(default_factory=list)
    q: str | None = Field(None, max_length=100, description="Text in reference, title or proposers")
    sort: str = "due"

    @field_validator("result_class")
    @classmethod
    def _known_classes(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in result_classes()]
        if unknown:
            raise ValueError(f"result_class must be among {', '.join(result_classes())}")
        return value


def lead_q(code: str) -> Q:
    """The items led by the unit of ``code``: a department as the case's department, a town
    as the case's unit (once assigned: before, the unit is the district the item came to)."""
    return Q(department__code=code) | Q(department__isnull=True, assignments__gt=0, unit__code=code)


def suggestion_list(*, user: Any, filters: SuggestionFilters,
                    now: dt.datetime | None = None) -> QuerySet[Suggestion]:
    now = now or timezone.now()
    qs = suggestions_for(user)
    if filters.session:
        qs = qs.filter(session_id=filters.session)
    if filters.channel:
        qs = qs.filter(session__channel__in=filters.channel)
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.lead:
        qs = qs.filter(lead_q(filters.lead))
    if filters.due_state:
        qs = qs.filter(due_states_q(filters.due_state, now))
    if filters.key:
        qs = qs.filter(is_key=True)
    if filters.result_class:
        qs = qs.filter(result_class__in=filters.result_class)
    if filters.satisfaction:
        qs = qs.filter(satisfaction__in=filters.satisfaction)
    if filters.q:
        qs = qs.filter(text_q(filters.q, TEXT_FIELDS) | like_q(filters.q, PROPOSER_FIELDS))
    return qs.annotate(due_state=due_state_expression(now)).order_by(*SORTS[filters.sort])


def supervising_leader_of(case: Any) -> QuerySet:
    """The item's supervising leader (none, or one), from the bare case the sweep reads."""
    return get_user_model().objects.filter(
        pk__in=Suggestion.objects.filter(pk=case.pk).values("supervising_leader"))


# --- Boards (per session, per handling unit; promises falling due) ---------------------------


# --- The league table's figures (``scoring.indicators``) -------------------------------------
