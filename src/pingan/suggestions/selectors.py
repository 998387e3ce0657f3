"""Reads of deputies' suggestions and members' proposals: who sees which, the lists, the
boards, and the league table's figures.

A user sees a suggestion when the core's scope reaches it (the district's office and leaders
of this domain or of every domain; the lead unit — the department that leads it, or the town
that leads a matter of its own place), when they hold a handler's role at one of its
co-handling units, or when they are its supervising leader. Nobody else: a town does not see
the district's suggestions because it lies in the district.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from pingan.core.scoping import scope_for
from pingan.suggestions.models import DOMAIN, CoHandling, Suggestion


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


def supervising_leader_of(case: Any) -> QuerySet:
    """The item's supervising leader (none, or one), from the bare case the sweep reads."""
    return get_user_model().objects.filter(
        pk__in=Suggestion.objects.filter(pk=case.pk).values("supervising_leader"))


# --- Boards (per session, per handling unit; promises falling due) ---------------------------


# --- The league table's figures (``scoring.indicators``) -------------------------------------
