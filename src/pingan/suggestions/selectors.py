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
from typing import Annotated, Any

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, TextChoices
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from pingan.core.deadlines import due_state_expression, due_states_q
from pingan.core.filters import ListFilters
from pingan.core.models import DueState
from pingan.core.schemas import inline_enum
from pingan.core.scoping import scope_for
from pingan.core.search import like_q, text_q
from pingan.suggestions.models import DOMAIN, Channel, CoHandling, Satisfaction, Session, Status, Suggestion


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


class SuggestionFilters(ListFilters):
    """One filter definition for the list page, the API and the export."""

    SORTS = SORTS

    session: int | None = Field(None, description="The session's id (GET /api/v1/suggestions/sessions)")
    channel: list[ChannelChoice] = Field(default_factory=list)
    status: list[StatusChoice] = Field(default_factory=list)
    lead: str | None = Field(None, max_length=20, description="The lead unit's code")
    due_state: list[DueState] = Field(default_factory=list)
    key: bool | None = Field(None, description="Key suggestions (重点建议) only, or none of them")
    result_class: list[str] = Field(default_factory=list, description="The reply's result class (A–D)")
    satisfaction: list[SatisfactionChoice] = Field(default_factory=list)
    q: str | None = Field(None, max_length=100,
                          description="Text in reference, title, text, number, proposers, delegation")
    sort: str = "due"


# The filters that keep the items whose column holds one of the values chosen.
CHOSEN_AMONG = {"channel": "session__channel__in", "status": "status__in", "result_class": "result_class__in",
                "satisfaction": "satisfaction__in"}


def lead_q(code: str) -> Q:
    """The items a unit leads: as their department, or (a town) as their unit once assigned."""
    return Q(department__code=code) | Q(department__isnull=True, assigned_at__isnull=False, unit__code=code)


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


# --- The league table's figures (``scoring.indicators``) -------------------------------------
