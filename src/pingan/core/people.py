"""Who may be named on a case: the people of the units responsible for it, and the leaders
in charge of its domain.

One selector per question, used by the web form that offers the names, the API that takes
one, and the service that refuses any other: the three cannot disagree.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.models import ROLE_RANK, Case, Domain, Leadership, Responsibility, RoleName, Unit, UnitKind
from pingan.core.scoping import is_sealed, kind_domain, scope_for

MSG_NO_SUCH_USER = _("No such user.")
MSG_NOT_RESPONSIBLE = _(
    "{user} does not work for a unit responsible for {ref}: choose someone of its town, "
    "village or grid, or of the department that handles its category."
)

HANDLER_ROLES = tuple(r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[RoleName.HANDLER])


def handles_on_its_ground(unit: Unit) -> bool:
    """Whether a role at ``unit`` handles the cases on its ground. The district acts on a case
    through its departments (条抓块统, the "lines"): a role at the district unit itself — the
    command office, the petitions review office — is oversight of every case, not the
    handling of one."""
    return unit.kind not in (UnitKind.DISTRICT, UnitKind.DEPARTMENT)


def territorial_chain(unit: Unit) -> list[Unit]:
    """The unit and its territorial ancestors below the district, nearest first."""
    return [u for u in (unit, *unit.ancestors()) if handles_on_its_ground(u)]


def in_domain_q(kind: str, *, role: str = "roles__") -> Q:
    """Roles (reached through ``role``) of the domain of ``kind``, or of every domain."""
    domain = kind_domain(kind)
    if not domain:
        return Q()
    return Q(**{f"{role}domain": ""}) | Q(**{f"{role}domain": domain})


def responsible_units(case: Case) -> QuerySet[Unit]:
    """The units that answer for a case: its territorial chain below the district, and the
    departments that handle its kind and category — only those for a case on a sealed line
    (an accusation is the discipline office's alone)."""
    departments = Responsibility.objects.filter(case_kind=case.kind, category=case.category)
    answering = Q(pk__in=departments.values("department"))
    if not is_sealed(case):
        answering |= Q(pk__in=[u.pk for u in territorial_chain(case.unit)])
    return Unit.objects.filter(answering)


def handlers_at(unit_id: int) -> QuerySet:
    """The active users who act for a unit: a handler's role there, or higher."""
    return get_user_model().objects.filter(
        is_active=True, roles__unit_id=unit_id, roles__role__in=HANDLER_ROLES).distinct()


# A case led on another unit's behalf (a supervised task, a deputy's suggestion) names its lead
# as its department; one a town leads for itself has no department and is filed at the town.


def lead_unit(case: Any) -> Unit:
    """The unit that leads the case: its department, else its own unit."""
    return case.department if case.department_id else case.unit


def acts_for_lead(user: Any, case: Any) -> bool:
    """Whether ``user`` acts for the case's lead: a handler's role (or higher) at that very unit,
    of any domain (a department's people work in their own domains)."""
    lead_id = case.department_id or case.unit_id
    return any(r.unit_id == lead_id and r.rank >= ROLE_RANK[RoleName.HANDLER] for r in scope_for(user).roles)


def lead_people(case: Any) -> list[Any]:
    """The people told of a step that concerns the lead."""
    return list(handlers_at(case.department_id or case.unit_id))


def case_assignees(case: Case) -> QuerySet:
    """Active users holding a handler-or-higher role of the case's domain (or of every
    domain) at a unit responsible for the case."""
    # One filter call: the unit, rank and domain are those of one and the same role.
    return (
        get_user_model().objects.filter(
            in_domain_q(case.kind),
            is_active=True,
            roles__unit__in=responsible_units(case),
            roles__role__in=HANDLER_ROLES,
        )
        .distinct()
        .order_by("username")
    )


def resolve_assignee(case: Case, assignee: Any) -> Any:
    """The user to assign (given as a user or a primary key), refused unless
    ``case_assignees`` offers them; None stays None."""
    if assignee is None:
        return None
    User = get_user_model()
    if not isinstance(assignee, User):
        assignee = User.objects.filter(pk=assignee, is_active=True).first()
    if assignee is None or not assignee.is_active:
        raise errors.DomainError(MSG_NO_SUCH_USER, field="assignee")
    if not case_assignees(case).filter(pk=assignee.pk).exists():
        raise errors.DomainError(MSG_NOT_RESPONSIBLE.format(user=assignee, ref=case.ref),
                                 field="assignee")
    return assignee


MSG_NOT_A_LEADER = _(
    "{user} is not a leader in charge of {domain} for {unit} or a unit above it: the district "
    "admin records leaders in the admin site."
)


def leaders_for(unit: Unit, domain: str) -> QuerySet[Leadership]:
    """The active leaders in charge of ``domain`` at ``unit`` or a unit above it, nearest
    first: a village has no leaders of its own, its town's deputy head answers for it."""
    chain = [unit, *unit.ancestors()]
    return (
        Leadership.objects.filter(unit__in=chain, domain=domain, user__is_active=True)
        .select_related("user", "unit")
        .order_by(Length("unit__prefix").desc(), "title", "id")
    )


def resolve_leader(unit: Unit, domain: str, leader: Any, *, field: str = "leader") -> Any:
    """The user named as the responsible leader (a user or a primary key), refused unless
    ``leaders_for`` offers them."""
    User = get_user_model()
    if not isinstance(leader, User):
        leader = User.objects.filter(pk=leader, is_active=True).first() if leader else None
    if leader is None:
        raise errors.DomainError(MSG_NO_SUCH_USER, field=field)
    if not leaders_for(unit, domain).filter(user=leader).exists():
        raise errors.DomainError(
            MSG_NOT_A_LEADER.format(user=leader, unit=unit.name, domain=Domain(domain).label),
            field=field)
    return leader
