"""Who sees what: the one rule every list, detail, count, export and API call goes through.

A user sees a case when one of their roles reaches it:

- a role at a territorial unit reaches the cases whose unit lies in that unit's subtree
  (blocks);
- a role at a department reaches the kinds and categories the department handles (lines),
  and the cases the department leads: filed at the department itself (``case.unit``), or
  handled by it (``case.department``) in a kind it holds no line of — a supervised task it
  leads for a town. It reaches those whatever the role's domain: a case a department leads
  is that department's work (a 公安分局 fraud officer sees the catch-up task on fraud loss
  the bureau leads, a task of the supervision domain). A kind the department holds lines
  of (hazards, petitions) is still reached by those lines only, within the role's domain;
- a role belongs to a domain (``Role.domain``: hazards, petitions or fraud; empty for the
  平安办, which coordinates them all) and reaches only the kinds of case of its domain
  (``settings.PINGAN_CASE_DOMAINS``), for reading and for acting alike.

Sealed lines (``settings.PINGAN_SEALED_LINES``: reports and accusations, 检举控告类) sit on
top: a case on one is reached only by the departments that handle that line (the district's
discipline commission) and by the person they assign to it — never by the place where it
arose (the town whose officials may be the accused), nor by district-wide roles of any
other office. The person who registered one sees only its receipt (``receipt_q``: reference
and status), and the identity of the person who made it never leaves the departments that
hold the line (``holds_seal``).

Superusers see everything: they are the deployment's operators, who hold the database
itself; the admin site never makes anyone a superuser (``core.admin``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from pingan.core.models import Case, Role
    from pingan.core.users import RequestUser, User

_NOTHING = Q(pk__in=[])


def kind_domain(kind: str) -> str | None:
    """The domain a kind of case belongs to; None for a kind listed in no domain."""
    return settings.PINGAN_CASE_DOMAINS.get(kind)


def role_reaches_kind(role: Role, kind: str) -> bool:
    """A role of one domain reaches that domain's kinds and the kinds of no domain."""
    return not role.domain or kind_domain(kind) in (None, role.domain)


def domain_q(domain: str) -> Q:
    """The cases a role of ``domain`` may reach by kind: every kind but the other domains'."""
    others = sorted(k for k, d in settings.PINGAN_CASE_DOMAINS.items() if d != domain)
    return ~Q(kind__in=others) if others else Q()


def sealed_lines() -> frozenset[tuple[str, str]]:
    return frozenset((kind, category) for kind, categories in settings.PINGAN_SEALED_LINES.items()
                     for category in categories)


def is_sealed(case: Case) -> bool:
    return (case.kind, case.category) in sealed_lines()


def sealed_q() -> Q:
    """The cases on a sealed line."""
    return _pairs_q(sealed_lines())


def _pairs_q(pairs: frozenset[tuple[str, str]]) -> Q:
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, category in sorted(pairs):
        by_kind[kind].append(category)
    q = Q()
    for kind, categories in by_kind.items():
        q |= Q(kind=kind, category__in=categories)
    return q if by_kind else _NOTHING


@dataclass(frozen=True)
class Scope:
    """A user's reach, computed once per request from their roles."""

    everything: bool = False
    user_id: int | None = None
    roles: tuple[Role, ...] = ()
    # (department id, case kind) -> categories the department handles
    department_lines: dict[tuple[int, str], frozenset[str]] = field(default_factory=dict)
    sealed: frozenset[tuple[str, str]] = frozenset()

    # --- reach of one role ---------------------------------------------------------------

    def _role_lines(self, role: Role) -> dict[str, frozenset[str]]:
        """What a department role reaches, kind -> categories: its department's lines of
        its domain, sealed ones included (the department holds them)."""
        return {kind: categories for (dep, kind), categories in self.department_lines.items()
                if dep == role.unit_id and role_reaches_kind(role, kind)}

    def role_reaches(self, role: Role, case: Case, *, as_intake: bool = False) -> bool:
        intake = as_intake and self.is_sealed(case)
        if role.unit.is_department and self.leads(role, case):
            return True
        if not role_reaches_kind(role, case.kind):
            return False
        if role.unit.is_department:
            lines = self.department_lines.get((role.unit_id, case.kind), frozenset())
            # Receiving a sealed matter takes a line of its kind, not the sealed line itself.
            return bool(lines) and (intake or case.category in lines)
        if self.is_sealed(case) and not intake:
            return False
        return case.unit_prefix.startswith(role.unit.prefix)

    def is_sealed(self, case: Case) -> bool:
        return (case.kind, case.category) in self.sealed

    def leads(self, role: Role, case: Case) -> bool:
        """Whether the department ``role`` is held at leads ``case`` (a sealed line stays with
        the departments holding it)."""
        if self.is_sealed(case):
            return False
        return case.unit_id == role.unit_id or (
            case.department_id == role.unit_id and (role.unit_id, case.kind) not in self.department_lines)

    # --- offices of a domain ----------------------------------------------------------------

    def is_district_office(self, domain: str) -> bool:
        """Whether the user acts for the district's office of ``domain`` (the 督查室 assigning
        supervised tasks, the office assigning deputies' suggestions): a handler's role or
        higher at the district unit itself, of every domain or of ``domain``; or the
        deployment's operator."""
        from pingan.core.models import ROLE_RANK, RoleName, UnitKind

        return self.everything or any(
            r.unit.kind == UnitKind.DISTRICT and r.domain in ("", domain)
            and r.rank >= ROLE_RANK[RoleName.HANDLER] for r in self.roles)

    def co_handling_units(self, domain: str) -> list[int]:
        """The units whose co-handled cases of ``domain`` the user sees: where they hold a
        handler's role or above, of every domain or of ``domain`` — of any domain at a
        department, whose people work in their own domains (as for the cases it leads)."""
        from pingan.core.models import ROLE_RANK, RoleName

        return [r.unit_id for r in self.roles
                if r.rank >= ROLE_RANK[RoleName.HANDLER]
                and (r.unit.is_department or r.domain in ("", domain))]

    # --- the rule as a query -------------------------------------------------------------

    @cached_property
    def _q(self) -> Q:
        from pingan.core.models import subtree_q

        if self.everything:
            return Q()
        # Blocks, by domain; a subtree inside another of the same or a wider domain is dropped:
        # fewer OR branches for the planner.
        by_domain: dict[str, set[str]] = defaultdict(set)
        for role in self.roles:
            if not role.unit.is_department:
                by_domain[role.domain].add(role.unit.prefix)
        wide = by_domain.pop("", set())
        blocks = _NOTHING
        for prefix in _outermost(wide):
            blocks |= subtree_q(prefix, "unit_prefix")
        for domain, prefixes in sorted(by_domain.items()):
            inner = _NOTHING
            for prefix in _outermost(prefixes):
                if not any(prefix.startswith(w) for w in wide):
                    inner |= subtree_q(prefix, "unit_prefix")
            if inner != _NOTHING:
                blocks |= inner & domain_q(domain)
        if self.sealed and blocks != _NOTHING:
            blocks &= ~_pairs_q(self.sealed)
        lines = _NOTHING
        for kind, categories in sorted(self.lines.items()):
            lines |= Q(kind=kind, category__in=sorted(categories))
        led = _NOTHING
        for department in sorted({r.unit_id for r in self.roles if r.unit.is_department}):
            lined = sorted(kind for dep, kind in self.department_lines if dep == department)
            led |= Q(unit_id=department) | (Q(department_id=department) & ~Q(kind__in=lined))
        if self.sealed and led != _NOTHING:
            led &= ~_pairs_q(self.sealed)
        assigned = _pairs_q(self.sealed) & Q(assignee_id=self.user_id) if self.user_id else _NOTHING
        return blocks | lines | led | assigned

    def case_q(self) -> Q:
        return self._q

    @cached_property
    def lines(self) -> dict[str, frozenset[str]]:
        """kind -> categories reached through the user's department roles."""
        reached: dict[str, set[str]] = defaultdict(set)
        for role in self.roles:
            if role.unit.is_department:
                for kind, categories in self._role_lines(role).items():
                    reached[kind] |= categories
        return {kind: frozenset(categories) for kind, categories in reached.items()}

    def receipt_q(self) -> Q:
        """Sealed cases this user registered but may not read: they see only the receipt."""
        if self.everything or not self.user_id or not self.sealed:
            return _NOTHING
        return _pairs_q(self.sealed) & Q(reporter_id=self.user_id) & ~self.case_q()

    def prefixes_for(self, kind: str) -> tuple[str, ...]:
        """The subtrees where the user's roles reach cases of ``kind``."""
        return tuple(_outermost({r.unit.prefix for r in self.roles
                                 if not r.unit.is_department and role_reaches_kind(r, kind)}))

    def unit_q(self) -> Q:
        """The territorial units a user may pick from (report a hazard there, filter by)."""
        from pingan.core.models import UnitKind, subtree_q

        territorial = ~Q(kind=UnitKind.DEPARTMENT)
        if self.everything or any(r.unit.is_department for r in self.roles):
            # A department works anywhere in the district.
            return territorial
        q = _NOTHING
        for prefix in _outermost({r.unit.prefix for r in self.roles}):
            q |= subtree_q(prefix)
        return q & territorial

    # --- the rule for one case -----------------------------------------------------------

    def covers(self, case: Case) -> bool:
        if self.everything:
            return True
        if self.is_sealed(case) and self.user_id and case.assignee_id == self.user_id:
            return True
        return any(self.role_reaches(role, case) for role in self.roles)

    def holds_seal(self, case: Case) -> bool:
        """Whether the user may know who made a sealed case (always, for any other case):
        the departments that hold its line and the person they assigned. A superuser sees
        the case but not the person: the platform gives the identity to no one else."""
        if not self.is_sealed(case):
            return True
        if self.user_id and case.assignee_id == self.user_id:
            return True
        return any(role.unit.is_department and self.role_reaches(role, case) for role in self.roles)

    def rank_for(self, case: Case, *, town_or_above: bool = False, as_intake: bool = False) -> int:
        """The highest role rank the user holds over this case (0: none).

        With ``town_or_above``, only roles held at a town, the district or a department
        count: verification and assignment are not a grid worker's to give. With
        ``as_intake``, a sealed case counts as an ordinary one of its kind: whoever receives
        such matters at a place (or a department, anywhere) may register one there, and
        afterwards sees only its receipt.
        """
        from pingan.core.models import ROLE_RANK, TOWN_LEVEL, RoleName

        if self.everything:
            return ROLE_RANK[RoleName.ADMIN]
        best = 0
        for role in self.roles:
            unit = role.unit
            if town_or_above and not unit.is_department and unit.level > TOWN_LEVEL:
                continue
            if self.role_reaches(role, case, as_intake=as_intake):
                best = max(best, role.rank)
        return best

    def roles_for(self, kind: str) -> tuple[Role, ...]:
        """The user's roles of the domain of ``kind`` (and those of every domain)."""
        return tuple(role for role in self.roles if role_reaches_kind(role, kind))


def _outermost(prefixes: set[str]) -> list[str]:
    return sorted(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes))


def widened_reach_q(user: RequestUser | None, domain: str, *, leader_field: str,
                    co_handled: Callable[[list[int]], models.QuerySet]) -> Q:
    """The cases of a kind that names a leader and co-handling units on each case (a supervised
    task, a deputy's suggestion), as a filter: what the core's scope reaches, the cases whose
    ``leader_field`` is the user, and those ``co_handled`` by a unit where the user acts
    (``Scope.co_handling_units``; ``co_handled`` gives their cases' ids)."""
    scope = scope_for(user)
    q = scope.case_q()
    if scope.everything or not scope.user_id:
        return q
    q |= Q(**{f"{leader_field}_id": scope.user_id})
    units = scope.co_handling_units(domain)
    if units:
        q |= Q(pk__in=co_handled(units))
    return q


# The attribute a user object carries its scope in for the rest of the request (the user model
# declares no such field: it is set at run time).
_SCOPE_ATTR = "_pingan_scope"


def scope_for(user: RequestUser | None) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    cached = getattr(user, _SCOPE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(everything=True, user_id=user.pk, sealed=sealed_lines())
    else:
        scope = _build_scope(user)
    setattr(user, _SCOPE_ATTR, scope)
    return scope


def forget_scope(user: User) -> None:
    """Drop the cached scope after the user's roles change."""
    if hasattr(user, _SCOPE_ATTR):
        delattr(user, _SCOPE_ATTR)


def _build_scope(user: User) -> Scope:
    Role = apps.get_model("core", "Role")
    Responsibility = apps.get_model("core", "Responsibility")
    roles = tuple(Role.objects.filter(user=user).select_related("unit"))
    department_ids = {r.unit_id for r in roles if r.unit.is_department}
    department_lines: dict[tuple[int, str], set[str]] = defaultdict(set)
    for department_id, kind, category in Responsibility.objects.filter(
        department_id__in=department_ids
    ).values_list("department_id", "case_kind", "category"):
        department_lines[(department_id, kind)].add(category)
    return Scope(
        user_id=user.pk,
        roles=roles,
        department_lines={k: frozenset(v) for k, v in department_lines.items()},
        sealed=sealed_lines(),
    )


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user: RequestUser | None) -> CaseQuerySet:
        return self.filter(scope_for(user).case_q())

    def open(self) -> CaseQuerySet:
        return self.filter(is_open=True)


def acting_scope(user: RequestUser | None, *, town_or_above: bool = False) -> Scope:
    """The part of the user's scope from roles that may act (handler or higher); with
    ``town_or_above``, only roles at a town, the district or a department. Being a sealed
    case's assignee is not a role: it does not count here."""
    from pingan.core.models import ROLE_RANK, TOWN_LEVEL, RoleName

    scope = scope_for(user)
    if scope.everything:
        return scope
    strong = tuple(
        r for r in scope.roles
        if r.rank >= ROLE_RANK[RoleName.HANDLER]
        and (not town_or_above or r.unit.is_department or r.unit.level <= TOWN_LEVEL)
    )
    return replace(scope, roles=strong, user_id=None)
