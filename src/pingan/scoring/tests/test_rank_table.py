"""Members enrolled from the district's tree, and the standings a table-period's ranking writes."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest

from pingan.core.errors import DomainError
from pingan.core.models import Unit, UnitKind
from pingan.scoring.models import Indicator, Member, Standing, Table
from pingan.scoring.services import ensure_members, indicator_specs, rank_period, rank_table
from pingan.scoring.tests.factories import indicator, member, record

NOW = dt.datetime(2026, 7, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def members(district):
    ensure_members()


def test_ensure_members_enrols_towns_departments_and_the_district(district):
    ensure_members()
    ensure_members()  # idempotent
    towns = Unit.objects.filter(parent=district).exclude(kind=UnitKind.DEPARTMENT)
    assert Member.objects.filter(table=Table.TOWNS).count() == towns.count() == 18
    assert set(Member.objects.filter(table=Table.TOWNS).values_list("code", flat=True)) == set(
        towns.values_list("prefix", flat=True))
    assert Member.objects.filter(table=Table.DEPARTMENTS).count() == Unit.objects.filter(
        kind=UnitKind.DEPARTMENT).count()
    home = Member.objects.get(table=Table.CITY)
    assert (home.unit, home.code, home.name, home.is_home) == (district, district.prefix, district.name, True)


def test_ensure_members_adopts_an_imported_home_member(district):
    Member.objects.create(table=Table.CITY, code="kecheng", name=district.name)
    ensure_members()
    home = Member.objects.get(table=Table.CITY)
    assert (home.unit, home.code, home.is_home) == (district, district.prefix, True)


def test_rank_table_writes_ranks_flags_and_changes(members, settings):
    settings.PINGAN_LEAGUE_RED_FLAGS = 1
    rate = indicator("rate", weight=Decimal(2))
    fires = indicator("fires", method="deduction", per_unit=Decimal(10), direction="lower")
    hangbu, shiliang, wantian = (member("towns", name) for name in ("航埠镇", "石梁镇", "万田乡"))
    # 2026Q1: rate 80/90/100 → 0/50/100 (min–max); fires 1/0/5 → 90/100/50
    # composites (2·s + f)/3: 航埠 90/3 = 30.00, 石梁 200/3 = 66.67, 万田 250/3 = 83.33
    for town, rate_value, fire_count in ((hangbu, 80, 1), (shiliang, 90, 0), (wantian, 100, 5)):
        record(rate, town, "2026Q1", rate_value)
        record(fires, town, "2026Q1", fire_count)
    rank_table("towns", "2026Q1", now=NOW)
    # 2026Q2: 航埠 rises to the top: rate 100/90/80 → 100/50/0; fires 0/0/5 → 100/100/50
    # 航埠 300/3 = 100, 石梁 200/3 = 66.67, 万田 50/3 = 16.67
    for town, rate_value, fire_count in ((hangbu, 100, 0), (shiliang, 90, 0), (wantian, 80, 5)):
        record(rate, town, "2026Q2", rate_value)
        record(fires, town, "2026Q2", fire_count)
    standings = rank_table("towns", "2026Q2", now=NOW)

    assert [(s.member.name, s.rank, s.previous_rank, s.composite) for s in standings[:3]] == [
        ("航埠镇", 1, 3, Decimal("100.00")), ("石梁镇", 2, 2, Decimal("66.67")),
        ("万田乡", 3, 1, Decimal("16.67"))]
    first, _second, last = standings[:3]
    assert first.red_flag and not _second.red_flag
    assert last.last_place and not first.last_place
    assert first.scores == {"rate": 100.0, "fires": 100.0}
    # the fifteen towns without values are listed after, not ranked
    assert len(standings) == 18
    assert all(s.rank is None and s.composite is None and not s.red_flag for s in standings[3:])
    assert all(s.computed_at == NOW for s in standings)
    assert Standing.objects.filter(table="towns", period="2026Q2").count() == 18


def test_rank_table_replaces_the_period(members):
    rate = indicator("rate")
    record(rate, member("towns", "航埠镇"), "2026-03", 5)
    rank_table("towns", "2026-03")
    rank_table("towns", "2026-03")
    assert Standing.objects.filter(table="towns", period="2026-03").count() == 18
    alone = Standing.objects.get(period="2026-03", rank__isnull=False)
    # one ranked member: first, flagged, and not last as well
    assert (alone.rank, alone.red_flag, alone.last_place) == (1, True, False)


def test_rank_table_ignores_inactive_indicators_and_members(members):
    rate = indicator("rate")
    record(rate, member("towns", "航埠镇"), "2026Q1", 5)
    rate.active = False
    rate.save()
    Member.objects.filter(name="石梁镇").update(active=False)
    standings = rank_table("towns", "2026Q1")
    assert len(standings) == 17
    assert all(s.rank is None for s in standings)


@pytest.mark.parametrize(("table", "period"), [("county", "2026Q1"), ("towns", "2026Q5")])
def test_rank_table_refuses_a_bad_table_or_period(members, table, period):
    with pytest.raises(DomainError):
        rank_table(table, period)


def test_rank_period_ranks_all_three_tables(members):
    assert rank_period("2026Q1") == {"towns": 18, "departments": Member.objects.filter(
        table="departments").count(), "city": 1}


def test_an_indicator_stored_before_the_rules_is_left_out_not_a_500(members, caplog):
    # The constraints refuse a 目标比 without a target now; a method no code knows stands for a
    # row written before (the database has no CHECK on the method's choices).
    rate = indicator("rate")
    legacy = indicator("legacy")
    hangbu, shiliang = member("towns", "航埠镇"), member("towns", "石梁镇")
    for town, value in ((hangbu, 1), (shiliang, 2)):
        record(rate, town, "2026Q1", value)
        record(legacy, town, "2026Q1", 3 - value)
    Indicator.objects.filter(pk=legacy.pk).update(method="average")
    with caplog.at_level(logging.WARNING, logger="pingan.scoring.services"):
        standings = rank_table("towns", "2026Q1")
    assert [(s.member.name, s.rank, s.scores) for s in standings[:2]] == [
        ("石梁镇", 1, {"rate": 100.0}), ("航埠镇", 2, {"rate": 0.0})]
    assert "legacy" in caplog.text and "unknown scoring method" in caplog.text


def test_indicator_specs_leave_out_an_unsaved_broken_definition(caplog):
    broken = Indicator(code="ratio", name="ratio", direction="higher", weight=1, method="target_ratio")
    good = Indicator(code="fires", name="fires", direction="lower", weight=1, method="deduction", per_unit=5)
    with caplog.at_level(logging.WARNING, logger="pingan.scoring.services"):
        assert [spec.code for spec in indicator_specs([broken, good])] == ["fires"]
    assert "ratio" in caplog.text
