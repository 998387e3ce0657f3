"""Who sees what: the one rule every list, detail, count, export and API call goes through.

A user sees a case when its territorial unit lies in the subtree of a unit where the user
holds a role (blocks), or when a department where the user holds a role handles the case's
kind and category (lines). Superusers see everything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from pingan.core.models import Case, Role

_NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    """A user's reach, computed once per request from their roles."""

    everything: bool = False
    prefixes: tuple[str, ...] = ()
    # case kind -> categories handled by the user's departments
    lines: dict[str, frozenset[str]] = field(default_factory=dict)
    roles: tuple[Role, ...] = ()
    # (department id, case kind) -> categories, to tell which role reaches a case
    department_lines: dict[tuple[int, str], frozenset[str]] = field(default_factory=dict)

    def case_q(self, prefix_field: str = "unit_prefix", kind_field: str = "kind",
               category_field: str = "category") -> Q:
        from pingan.core.models import subtree_q

        if self.everything:
            return Q()
        q = _NOTHING
        for prefix in self.prefixes:
            q |= subtree_q(prefix, prefix_field)
        for kind, categories in self.lines.items():
            q |= Q(**{kind_field: kind, f"{category_field}__in": sorted(categories)})
        return q

    def unit_q(self) -> Q:
        """The territorial units a user may pick from (report a hazard there, filter by)."""
        from pingan.core.models import UnitKind, subtree_q

        territorial = ~Q(kind=UnitKind.DEPARTMENT)
        if self.everything or self.lines:
            # A department works anywhere in the district.
            return territorial
        q = _NOTHING
        for prefix in self.prefixes:
            q |= subtree_q(prefix)
        return q & territorial

    def covers(self, case: Case) -> bool:
        if self.everything:
            return True
        if any(case.unit_prefix.startswith(p) for p in self.prefixes):
            return True
        return case.category in self.lines.get(case.kind, frozenset())

    def rank_for(self, case: Case, *, town_or_above: bool = False) -> int:
        """The highest role rank the user holds over this case (0: none).

        With ``town_or_above``, only roles held at a town, the district or a department
        count: verification and assignment are not a grid worker's to give.
        """
        from pingan.core.models import ROLE_RANK, TOWN_LEVEL, RoleName

        if self.everything:
            return ROLE_RANK[RoleName.ADMIN]
        best = 0
        for role in self.roles:
            unit = role.unit
            if town_or_above and not unit.is_department and unit.level > TOWN_LEVEL:
                continue
            if unit.is_department:
                reaches = case.category in self._department_lines(unit.pk, case.kind)
            else:
                reaches = case.unit_prefix.startswith(unit.prefix)
            if reaches:
                best = max(best, role.rank)
        return best

    def _department_lines(self, department_id: int, kind: str) -> frozenset[str]:
        return self.department_lines.get((department_id, kind), frozenset())


def scope_for(user: Any) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    cached = getattr(user, "_pingan_scope", None)
    if cached is not None:
        return cached
    scope = Scope(everything=True) if user.is_superuser else _build_scope(user)
    user._pingan_scope = scope
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope after the user's roles change."""
    if hasattr(user, "_pingan_scope"):
        del user._pingan_scope


def _build_scope(user: Any) -> Scope:
    Role = apps.get_model("core", "Role")
    Responsibility = apps.get_model("core", "Responsibility")
    roles = tuple(Role.objects.filter(user=user).select_related("unit"))
    prefixes = sorted({r.unit.prefix for r in roles if not r.unit.is_department})
    # Drop prefixes already inside another one: fewer OR branches for the planner.
    prefixes = [p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)]
    department_ids = {r.unit_id for r in roles if r.unit.is_department}
    lines: dict[str, set[str]] = defaultdict(set)
    department_lines: dict[tuple[int, str], set[str]] = defaultdict(set)
    for department_id, kind, category in Responsibility.objects.filter(
        department_id__in=department_ids
    ).values_list("department_id", "case_kind", "category"):
        lines[kind].add(category)
        department_lines[(department_id, kind)].add(category)
    return Scope(
        prefixes=tuple(prefixes),
        lines={k: frozenset(v) for k, v in lines.items()},
        roles=roles,
        department_lines={k: frozenset(v) for k, v in department_lines.items()},
    )


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CaseQuerySet:
        return self.filter(scope_for(user).case_q())

    def open(self) -> CaseQuerySet:
        return self.filter(is_open=True)


def acting_scope(user: Any, *, town_or_above: bool = False) -> Scope:
    """The part of the user's scope from roles that may act (handler or higher); with
    ``town_or_above``, only roles at a town, the district or a department."""
    from pingan.core.models import ROLE_RANK, TOWN_LEVEL, RoleName

    scope = scope_for(user)
    if scope.everything:
        return scope
    strong = tuple(
        r for r in scope.roles
        if r.rank >= ROLE_RANK[RoleName.HANDLER]
        and (not town_or_above or r.unit.is_department or r.unit.level <= TOWN_LEVEL)
    )
    return Scope(
        prefixes=tuple(r.unit.prefix for r in strong if not r.unit.is_department),
        lines={k: v for (dep, k), v in scope.department_lines.items()
               if any(r.unit_id == dep for r in strong)},
    )

