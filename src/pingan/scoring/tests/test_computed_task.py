"""The league recompute: its schedule in the worker, and what one run writes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from pingan.core.management.commands.worker import Periodic
from pingan.scoring.models import Member, Standing, Table, Value
from pingan.scoring.tasks import recent_periods, recompute

pytestmark = pytest.mark.django_db
PATH = "pingan.scoring.tasks.recompute_league"


def test_the_worker_enqueues_the_recompute_at_start_then_every_interval():
    assert settings.PINGAN_WORKER_PERIODIC_TASKS[PATH] == settings.PINGAN_LEAGUE_RECOMPUTE_SECONDS == 3600
    clock = iter([1000.0, 4599.0, 4600.0, 4601.0])
    periodic = Periodic({PATH: 3600}, clock=lambda: next(clock))

    assert [periodic.enqueue_due() for _ in range(4)] == [[PATH], [], [PATH], []]
    assert DBTaskResult.objects.filter(task_path=PATH).count() == 2


def test_the_recent_periods_are_this_and_the_last_quarter_and_month():
    assert [p.key for p in recent_periods(dt.date(2026, 1, 5))] == ["2025Q4", "2026Q1", "2025-12", "2026-01"]


def test_a_run_computes_and_ranks_the_district_s_tables(district):
    changed = recompute(now=dt.datetime(2026, 7, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert list(changed) == ["2026Q2", "2026Q3", "2026-06", "2026-07"]
    # Every town has residents: its overdue figure exists in each period, and it is ranked.
    towns = Member.objects.filter(table=Table.TOWNS).count()
    assert towns == 18  # the 15 directly governed units and the 3 in function zones
    assert Value.objects.filter(period="2026Q2", indicator__code="hazard_overdue").count() == towns
    for table in (Table.TOWNS, Table.DEPARTMENTS):
        assert Standing.objects.filter(table=table, period="2026Q3").exists()
    assert not Standing.objects.filter(table=Table.CITY).exists()
