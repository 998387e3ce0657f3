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
# (Imported here, not above, so that this slice merges beside the boards': hoist them when merged.)
from django.db.models import Count  # noqa: E402

from pingan.core.deadlines import local_date  # noqa: E402
from pingan.core.tallies import Figures, Groups, Span, rate, tally  # noqa: E402
from pingan.suggestions.models import Satisfaction, Status  # noqa: E402

SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)


def _reply_judged(span: Span) -> Q:
    """Items whose reply was due in the period (``reply_due``, the extended date if the office
    approved one, on or after its first day and before the day after its last) and that were
    replied, or are assigned and were past their due day when the figures were taken: one still
    in time is not judged yet; one returned and awaiting re-assignment, or withdrawn
    unanswered, owes no reply."""
    due = Q(reply_due__gte=span.first_day, reply_due__lt=span.end_day)
    lapsed = Q(status=Status.ASSIGNED, reply_due__lt=local_date(span.taken_at))
    return due & (Q(first_reply_on_time__isnull=False) | lapsed)


def league_reply_on_time(groups: Groups, span: Span) -> Figures:
    """建议提案按时答复率, %: of the items judged in the period (``_reply_judged``), those whose first
    reply came by its due day. A re-handling's reply does not count again; an item still
    unreplied past its day counts as late. Per lead unit: the department that leads, or the
    town that leads a matter of its own place; co-handlers are not counted."""
    counts = tally(Suggestion.objects.filter(_reply_judged(span)), groups, {
        "judged": Count("pk"), "on_time": Count("pk", filter=Q(first_reply_on_time=True))})
    return rate(counts, "on_time", "judged")


def league_satisfaction(groups: Groups, span: Span) -> Figures:
    """建议提案满意率, %: of the items rated in the period, those rated 满意 or 基本满意. Each item
    counts once, by the rating it holds, in the period that rating was given: after a
    re-handling, its final rating (until then, the 不满意 that opened the re-handling)."""
    rated = Suggestion.objects.filter(rated_at__gte=span.start, rated_at__lt=span.end)
    counts = tally(rated, groups, {"rated": Count("pk"),
                                   "satisfied": Count("pk", filter=Q(satisfaction__in=SATISFIED))})
    return rate(counts, "satisfied", "rated")
