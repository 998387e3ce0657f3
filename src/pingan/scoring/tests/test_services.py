"""Who keeps the league table, entering a value by hand, and the table's reads."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from pingan.core.errors import DomainError, PermissionDenied
from pingan.core.models import Domain, Role, RoleName
from pingan.scoring import selectors
from pingan.scoring.models import Source, Standing, Value, ValueSource
from pingan.scoring.periods import Period, PeriodError
from pingan.scoring.services import (
    MSG_VALUE_COMPUTED,
    ensure_members,
    league_manage_refusal,
    may_manage_league,
    rank_table,
    value_record,
)
from pingan.scoring.tests.factories import indicator, member, record


def official(district, role: str, domain: str):
    user = get_user_model().objects.create_user(username=f"{role}-{domain or 'all'}", password="x")
    Role.objects.create(user=user, unit=district, role=role, domain=domain)
    return user


@pytest.mark.parametrize(("role", "domain", "allowed"), [
    (RoleName.HANDLER, "", True),
    (RoleName.HANDLER, Domain.SUPERVISION, True),
    (RoleName.SUPERVISOR, Domain.SUPERVISION, True),
    (RoleName.VIEWER, "", False),  # one rank too low
    (RoleName.ADMIN, Domain.HAZARDS, False),  # a district role of another domain
])
def test_who_keeps_the_league_at_the_district(district, role, domain, allowed):
    assert may_manage_league(official(district, role, domain)) is allowed


def test_a_town_handler_is_one_level_too_low(personas):
    refusal = league_manage_refusal(personas.town_handler)
    assert isinstance(refusal, PermissionDenied)
    assert may_manage_league(personas.admin)


def test_a_superuser_keeps_the_league(district):
    assert may_manage_league(get_user_model().objects.create_superuser(username="root", password="x"))


@pytest.fixture
def towns(district):
    ensure_members()


def test_value_record_enters_and_corrects(towns, personas):
    rate = indicator("rate", is_rate=True)
    hangbu = member("towns", "航埠镇")
    value_record(actor=personas.admin, indicator=rate, member=hangbu, period="2026年第一季度", value="87.5",
                 sample=40)
    value = value_record(actor=personas.admin, indicator=rate, member=hangbu, period="2026Q1", value=100,
                         sample=0)
    assert Value.objects.count() == 1
    assert (value.period, value.value, value.sample, value.source, value.recorded_by) == (
        "2026Q1", Decimal(100), 0, ValueSource.ENTERED, personas.admin)


@pytest.mark.parametrize(("field", "value", "sample", "period"), [
    ("value", "100.0001", None, "2026Q1"),  # a rate just above 100
    ("value", "-0.0001", None, "2026Q1"),  # and just below 0
    ("value", "abc", None, "2026Q1"),
    ("value", "NaN", None, "2026Q1"),
    ("sample", "50", -1, "2026Q1"),
    ("sample", "50", "2.5", "2026Q1"),
    ("period", "50", None, "2026Q5"),
])
def test_value_record_refuses_bad_input(towns, personas, field, value, sample, period):
    rate = indicator("rate", is_rate=True)
    with pytest.raises(DomainError) as refused:
        value_record(actor=personas.admin, indicator=rate, member=member("towns", "航埠镇"), period=period,
                     value=value, sample=sample)
    assert refused.value.field == field
    assert not Value.objects.exists()


def test_value_record_takes_the_rate_edges(towns, personas):
    rate = indicator("rate", is_rate=True)
    for town, edge in (("航埠镇", 0), ("石梁镇", 100)):
        entered = value_record(actor=personas.admin, indicator=rate, member=member("towns", town),
                               period="2026Q1", value=edge)
        assert entered.value == edge


def test_value_record_refuses_a_computed_indicator(towns, personas):
    computed = indicator("ontime", source=Source.COMPUTED)
    with pytest.raises(DomainError) as refused:
        value_record(actor=personas.admin, indicator=computed, member=member("towns", "航埠镇"),
                     period="2026Q1", value=1)
    assert (refused.value.code, refused.value.message) == (
        "computed_indicator", MSG_VALUE_COMPUTED.format(indicator="ontime"))


def test_value_record_refuses_a_town_handler(towns, personas):
    with pytest.raises(PermissionDenied):
        value_record(actor=personas.town_handler, indicator=indicator("rate"),
                     member=member("towns", "航埠镇"), period="2026Q1", value=1)


def test_value_record_on_the_city_and_departments_tables(towns, personas):
    cases = indicator("cases")
    home = member("city", "柯城区")
    police = member("departments", "公安分局")
    for target in (home, police):
        value_record(actor=personas.admin, indicator=cases, member=target, period="2026Q1", value=3)
    assert Value.objects.filter(member__in=[home, police]).count() == 2


def test_selectors_read_the_table_in_order(towns):
    rate = indicator("rate")
    hangbu, shiliang = member("towns", "航埠镇"), member("towns", "石梁镇")
    for period, (first, second) in (("2025Q4", (1, 2)), ("2026Q1", (2, 1)), ("2026-01", (1, 1))):
        record(rate, hangbu, period, first)
        record(rate, shiliang, period, second)
        rank_table("towns", period)
    table = selectors.standings("towns", "2026Q1")
    assert [s.member.name for s in table[:2]] == ["航埠镇", "石梁镇"]
    assert all(s.rank is None for s in table[2:]) and len(table) == 18
    # newest first by the day each ends: 2026Q1 (1 April), 2026-01 (1 February), 2025Q4
    assert selectors.periods("towns") == ["2026Q1", "2026-01", "2025Q4"]
    assert selectors.periods("city") == []
    assert [s.period for s in selectors.member_history(hangbu)] == ["2025Q4", "2026-01", "2026Q1"]
    values = selectors.period_values("towns", "2026Q1")
    assert set(values) == {(hangbu.id, "rate"), (shiliang.id, "rate")}
    assert values[(hangbu.id, "rate")].value == 2
    # 2025Q4: 石梁's 2 beat 航埠's 1
    assert Standing.objects.filter(period="2026Q1", member=hangbu).get().previous_rank == 2


# --- the edges of what is stored ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["0000Q1", "9999Q4", "1999Q4", "2100-01", "0000年第一季度"])
def test_a_period_outside_the_leagues_years_is_refused(text):
    with pytest.raises(PeriodError, match="2000"):
        Period.parse(text)


def test_the_leagues_years_are_a_setting_and_keys_have_four_digits(settings):
    assert [Period.parse(text).key for text in ("2000Q1", "2099-12")] == ["2000Q1", "2099-12"]
    settings.PINGAN_LEAGUE_YEARS = (900, 2099)
    assert Period.parse("0999Q1").key == "0999Q1"
    assert Period(999, 3, "month").key == "0999-03"


@pytest.mark.parametrize("value", ["99999999999999.99995", "99999999999999.99999", "100000000000000",
                                   "-99999999999999.99999", "1e300", "-1E+300",
                                   # fits the column but SQLite would read it back as 10¹⁴
                                   "99999999999999.9999", "99999999999999.95"])
def test_value_record_refuses_a_figure_that_does_not_fit_once_rounded(towns, personas, value):
    with pytest.raises(DomainError) as refused:
        value_record(actor=personas.admin, indicator=indicator("cases"), member=member("towns", "航埠镇"),
                     period="2026Q1", value=value)
    assert refused.value.field == "value"
    assert not Value.objects.exists()


@pytest.mark.parametrize("sample", ["2147483648", 10**20])
def test_value_record_refuses_a_sample_past_what_the_field_holds(towns, personas, sample):
    with pytest.raises(DomainError) as refused:
        value_record(actor=personas.admin, indicator=indicator("rate", is_rate=True),
                     member=member("towns", "航埠镇"), period="2026Q1", value=50, sample=sample)
    assert refused.value.field == "sample" and "2147483647" in refused.value.message
    assert not Value.objects.exists()


def test_the_largest_figures_are_stored_and_read_back(towns, personas):
    # The largest figure every database reads back: 15 significant digits below 10¹⁴ (SQLite
    # keeps no more); the ranking reads them back.
    cases, rate = indicator("cases"), indicator("rate", is_rate=True)
    hangbu, shiliang = member("towns", "航埠镇"), member("towns", "石梁镇")
    value_record(actor=personas.admin, indicator=cases, member=hangbu, period="2026Q1",
                 value="99999999999999.90001")
    value_record(actor=personas.admin, indicator=cases, member=shiliang, period="2026Q1",
                 value="-99999999999999.9")
    value_record(actor=personas.admin, indicator=rate, member=hangbu, period="2026Q1", value=50,
                 sample=2147483647)
    stored = {(v.member.name, v.indicator.code): (v.value, v.sample) for v in Value.objects.all()}
    assert stored == {("航埠镇", "cases"): (Decimal("99999999999999.9"), None),
                      ("石梁镇", "cases"): (Decimal("-99999999999999.9"), None),
                      ("航埠镇", "rate"): (Decimal(50), 2147483647)}
    assert rank_table("towns", "2026Q1")[0].member == hangbu
