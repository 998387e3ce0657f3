"""The in-app inbox: what reached a user (assignments, escalations, verdicts)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from pingan.core.models import Case, Event, Notification
from pingan.core.scoping import scope_for
from pingan.core.users import User


def notify(*, users: Iterable[Any], case: Case, event: Event, message: str) -> None:
    """Tell ``users`` what happened to ``case``: those who may see it. (The clerk who
    registered an accusation hears nothing of it once the discipline office has it.)"""
    # The event's own time: a back-dated step (import, demo) is not news from today.
    rows = {u.pk: Notification(user_id=u.pk, case=case, event=event, message=message[:300],
                               created_at=event.at) for u in users if scope_for(u).covers(case)}
    Notification.objects.bulk_create(rows.values(), ignore_conflicts=True)


def notify_user(*, users: Iterable[Any], message: str, link: str, at: Any) -> None:
    """A notice about no one case, pointing to where to act."""
    Notification.objects.bulk_create([
        Notification(user_id=pk, message=message[:300], link=link, created_at=at)
        for pk in {u.pk for u in users}
    ])


def unread_for(user: User) -> QuerySet[Notification]:
    """Unread notices about cases the user can still see (a moved case drops out)."""
    visible = Case.objects.visible_to(user).values("pk")
    return (
        Notification.objects.filter(Q(case__isnull=True) | Q(case__in=visible), user=user,
                                    read_at__isnull=True)
        .select_related("case", "event")
    )


def mark_read(*, user: User, notification_ids: Iterable[int]) -> int:
    return Notification.objects.filter(
        user=user, pk__in=list(notification_ids), read_at__isnull=True
    ).update(read_at=timezone.now())
