"""Who may read a case's people in full, and the log of every such reading.

A full view is never a list's default: a reader allowed it still asks for one case, and
that asking is an event on the case (``record_full_view``), so the case's timeline says who
read whose details and when.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from pingan.core.events import append_event
from pingan.core.models import ROLE_RANK, Case, EventType, RoleName
from pingan.core.scoping import scope_for
from pingan.core.users import User


def may_view_personal_data(user: User, case: Case, *, least: RoleName = RoleName.SUPERVISOR,
                           town_or_above: bool = True) -> bool:
    """Whether ``user`` may read the people of ``case`` in full: its assignee, who must call
    and meet them, and whoever holds a role of at least ``least`` over it — by default the
    unit heads who answer for the matter (a supervisor or administrator at a town, the
    district or a department). A domain whose people must be visited by whoever handles
    the case lowers ``least`` and drops ``town_or_above``. A sealed case's people are read
    only by those who hold its seal (``core.scoping``), whatever their rank."""
    scope = scope_for(user)
    if not scope.holds_seal(case):
        return False
    if case.assignee_id is not None and case.assignee_id == getattr(user, "pk", None):
        return True
    return scope.rank_for(case, town_or_above=town_or_above) >= ROLE_RANK[least]


def record_full_view(*, case: Case, actor: User, fields: Sequence[str]) -> None:
    """Log that ``actor`` read ``fields`` of ``case`` in full. Nothing on the case changes (so
    no version bump to upset an editor), but the event's sequence number must not race
    another write on the case: the row is held until the event is written."""
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").get()
        append_event(case=case, actor=actor, type=EventType.VIEWED_PERSONAL_DATA,
                     after={"fields": list(fields)})
