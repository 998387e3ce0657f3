"""The unit tree reaches grid and micro-grid: district → town → village/community → grid →
micro-grid, each code extending its parent's."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pingan.core.escalation import escalate_overdue, escalation_chain
from pingan.core.models import Case, Unit, UnitKind
from pingan.core.people import case_assignees
from pingan.demo.district import MICRO_GRID_VILLAGES
from pingan.hazards.selectors import overview_units


def test_each_level_extends_its_parents_code(district):
    micro = Unit.objects.filter(kind=UnitKind.MICRO_GRID).select_related("parent").order_by("prefix").first()
    chain = [micro, *micro.ancestors()]
    assert [u.kind for u in chain] == [UnitKind.MICRO_GRID, UnitKind.GRID, UnitKind.VILLAGE,
                                       UnitKind.TOWN, UnitKind.DISTRICT]
    assert [u.level for u in chain] == [5, 4, 3, 2, 1]
    for child, parent in zip(chain, chain[1:], strict=False):
        assert child.prefix.startswith(parent.prefix) and len(child.prefix) == len(parent.prefix) + 3 \
            or parent.kind == UnitKind.DISTRICT
    assert len(micro.prefix) == 18 and micro.parent.contains(micro)


def test_the_demo_has_grids_in_many_villages_and_a_few_micro_grids(district):
    villages_with_grids = Unit.objects.filter(kind=UnitKind.GRID).values("parent").distinct().count()
    assert villages_with_grids >= 2
    micro = Unit.objects.filter(kind=UnitKind.MICRO_GRID)
    assert micro.values("parent__parent").distinct().count() == len(MICRO_GRID_VILLAGES)
    assert all(u.is_illustrative_code for u in micro)


def test_a_micro_grid_case_is_offered_to_the_grid_above_and_escalates_four_levels(
        make_hazard, personas, worker_grid):
    micro = worker_grid.children.order_by("prefix").first()
    assert micro.kind == UnitKind.MICRO_GRID
    hazard = make_hazard(unit=micro)  # the grid worker reports in their own grid's micro-grid
    assert personas.grid_worker in case_assignees(hazard)  # one level up
    assert [u.kind for u in escalation_chain(micro)] == [UnitKind.GRID, UnitKind.VILLAGE,
                                                         UnitKind.TOWN, UnitKind.DISTRICT]
    due = timezone.now() - dt.timedelta(days=30)
    Case.objects.filter(pk=hazard.pk).update(due_at=due)
    fired = sum(escalate_overdue(now=timezone.now()) for _ in range(5))
    assert fired == 4 and Case.objects.get(pk=hazard.pk).escalation_level == 4


def test_overviews_stop_above_grid_cells(personas):
    kinds = set(overview_units(user=personas.admin).values_list("kind", flat=True))
    assert UnitKind.GRID not in kinds and UnitKind.MICRO_GRID not in kinds
    assert UnitKind.VILLAGE in kinds
