"""The default indicators, and compute_values: written once, idempotent, updated, pruned, the
district's own entries kept, and a number of queries that does not grow with the units."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.core.models import Unit, UnitKind
from pingan.hazards.models import Hazard, Status
from pingan.scoring.indicators import COMPUTED, DEFAULT_INDICATORS, compute_values, ensure_indicators
from pingan.scoring.models import Indicator, Member, Source, Table, Value, ValueSource
from pingan.scoring.periods import Period
from pingan.scoring.services import ensure_members

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
Q2 = Period.parse("2026Q2")
NOW = dt.datetime(2026, 7, 15, 10, tzinfo=SHANGHAI)


def hazard(unit: Unit, due: str, closed: str | None, ref: str) -> Hazard:
    moment = dt.datetime.fromisoformat(f"{due}T10:00").replace(tzinfo=SHANGHAI)
    return Hazard.objects.create(
        ref=ref, kind="hazard", title="测试", category="other",
        status=Status.CLOSED if closed else Status.RECTIFYING, is_open=closed is None, unit=unit,
        unit_prefix=unit.prefix, opened_at=moment - dt.timedelta(days=10), due_at=moment,
        closed_at=dt.datetime.fromisoformat(f"{closed}T09:00").replace(tzinfo=SHANGHAI) if closed else None)


@pytest.fixture
def league(district):
    ensure_indicators()
    ensure_members()
    return Unit.objects.get(name="航埠镇")


def test_the_defaults_are_created_once_and_the_district_s_edits_kept(district):
    assert ensure_indicators() == len(DEFAULT_INDICATORS) == len(COMPUTED) + 7
    assert Indicator.objects.filter(source=Source.COMPUTED).count() == len(COMPUTED) >= 9
    Indicator.objects.filter(code="fires").update(weight=Decimal(3), active=False)
    Indicator.objects.filter(code="hazard_on_time").delete()

    assert ensure_indicators() == 1  # only the deleted one comes back
    fires = Indicator.objects.get(code="fires")
    assert (fires.weight, fires.active) == (Decimal(3), False)


def test_values_are_written_once_then_updated_and_pruned(league):
    hangbu = league
    member = Member.objects.get(table=Table.TOWNS, unit=hangbu)
    on_time = Indicator.objects.get(code="hazard_on_time")
    hazard(hangbu, "2026-05-10", "2026-05-09", "T1")
    hazard(hangbu, "2026-06-10", None, "T2")

    written = compute_values(Q2, now=NOW)
    value = Value.objects.get(indicator=on_time, member=member, period="2026Q2")
    assert (value.value, value.sample, value.source, value.recorded_at) == (
        Decimal("50.0000"), 2, ValueSource.COMPUTED, NOW)
    # Every town with residents has an overdue figure, so more than the one rate was written.
    assert written > 1
    assert compute_values(Q2, now=NOW + dt.timedelta(hours=1)) == 0  # idempotent: nothing changed
    assert Value.objects.get(pk=value.pk).recorded_at == NOW

    # A correction: T2 was in fact closed on 9 June, before its due day.
    Hazard.objects.filter(ref="T2").update(status=Status.CLOSED, is_open=False,
                                           closed_at=dt.datetime(2026, 6, 9, 9, tzinfo=SHANGHAI))
    later = NOW + dt.timedelta(hours=2)
    assert compute_values(Q2, now=later) == 2  # the rate, and 航埠镇's overdue figure
    value.refresh_from_db()
    assert (value.value, value.sample, value.recorded_at) == (Decimal("100.0000"), 2, later)
    # Overdue went from 1 hazard to none: updated, not deleted (0 is a figure).
    overdue = Value.objects.get(indicator__code="hazard_overdue", member=member, period="2026Q2")
    assert (overdue.value, overdue.recorded_at) == (0, later)

    Hazard.objects.all().delete()
    assert compute_values(Q2, now=later) == 1  # the rate has no sample left: its value is pruned
    assert not Value.objects.filter(indicator=on_time).exists()


def test_a_value_entered_by_hand_is_never_overwritten(league, personas):
    hangbu = league
    member = Member.objects.get(table=Table.TOWNS, unit=hangbu)
    on_time = Indicator.objects.get(code="hazard_on_time")
    hazard(hangbu, "2026-05-10", "2026-05-09", "T1")
    Value.objects.create(indicator=on_time, member=member, period="2026Q2", value=Decimal(80), sample=5,
                         source=ValueSource.ENTERED, recorded_at=NOW, recorded_by=personas.admin)
    compute_values(Q2, now=NOW)
    assert Value.objects.get(indicator=on_time, member=member).value == Decimal(80)


def test_towns_only_indicators_skip_departments(league):
    compute_values(Q2, now=NOW)
    departments = Value.objects.filter(member__table=Table.DEPARTMENTS)
    towns_only = [code for code, computed in COMPUTED.items() if Table.DEPARTMENTS not in computed.tables]
    assert towns_only and not departments.filter(indicator__code__in=towns_only).exists()
    assert Value.objects.filter(member__table=Table.TOWNS, indicator__code="hazard_overdue").exists()


def test_the_number_of_queries_does_not_grow_with_the_units(league):
    def queries() -> int:
        """The reads: the writes are batched by a thousand rows, so they grow with the values."""
        with CaptureQueriesContext(connection) as captured:
            compute_values(Q2, now=NOW)
        return sum(query["sql"].startswith("SELECT") for query in captured)

    Value.objects.all().delete()
    few = queries()
    district = Unit.objects.get(kind=UnitKind.DISTRICT)
    for n in range(40):  # 40 more towns, each with a case and a population
        town = Unit.objects.create(code=f"330802{900 + n}000", prefix=f"330802{900 + n}", name=f"测试镇{n}",
                                   kind=UnitKind.TOWN, parent=district, population=10_000)
        hazard(town, "2026-05-10", "2026-05-09", f"N{n}")
    ensure_members()
    Value.objects.all().delete()
    assert queries() == few


def test_the_command_computes_a_period_and_ranks_it(league, time_machine):
    """`pingan league compute --period`: what the worker does, for one period, on demand."""
    from pingan.core.management.exit_codes import ExitCode
    from pingan.scoring.models import Standing
    from pingan.testing import run_command_line

    time_machine.move_to(NOW)
    Indicator.objects.filter(code="hazard_on_time").update(min_sample=1)  # one hazard each is enough here
    hazard(league, "2026-05-10", "2026-05-09", "T1")  # on time: 航埠镇 100%
    hazard(Unit.objects.get(name="石梁镇"), "2026-05-10", None, "T2")  # overdue: 石梁镇 0%
    code, out, _err = run_command_line("league", "compute", "--period", "2026Q2")
    assert code == ExitCode.OK and "2026Q2" in out
    scores = {s.member.name: s.scores["hazard_on_time"]
              for s in Standing.objects.filter(table=Table.TOWNS, period="2026Q2").select_related("member")
              if s.scores.get("hazard_on_time") is not None}
    assert scores["航埠镇"] > scores["石梁镇"]
    assert run_command_line("league", "compute", "--period", "2026Q9")[0] == ExitCode.USAGE
