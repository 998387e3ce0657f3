"""The demo's league table: the district's towns and departments ranked each quarter from the
demo's own data and the figures entered per town, and the city's table imported as the city
sends it, with the district low in the first quarter and climbing back, seven titles behind it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from pingan.demo import league
from pingan.demo.generator import DemoContext
from pingan.scoring.awards import streak_sentence
from pingan.scoring.models import Member, Source, Standing, Table, Value
from pingan.scoring.periods import Period

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("periods", "ranks"), [
    # The source's year: fifth of six in the first quarter (排名靠后), then a place better each quarter.
    (["2025Q4", "2026Q1", "2026Q2", "2026Q3"], [4, 5, 4, 3]),
    (["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1"], [5, 4, 3, 2, 5]),
])
def test_the_district_lags_in_the_first_quarter_and_climbs_back(periods, ranks):
    assert list(league.home_ranks([Period.parse(p) for p in periods]).values()) == ranks


def test_a_year_of_the_league(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ctx = DemoContext.ending(personas=personas, today=dt.date(2026, 12, 7), seed=7)
    summary = league.generate(ctx, 5)

    home = Member.objects.get(table=Table.CITY, is_home=True)
    city = {s.period: s.rank for s in Standing.objects.filter(member=home)}
    assert city == {"2025Q4": 4, "2026Q1": 5, "2026Q2": 4, "2026Q3": 3}
    assert Member.objects.filter(table=Table.CITY).count() == 6
    assert summary.named["city rank 2026Q1"] == "5"
    # Every town is on the district's table each quarter, the one under way included.
    towns = Member.objects.filter(table=Table.TOWNS).count()
    for period in ("2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"):
        assert Standing.objects.filter(table=Table.TOWNS, period=period).count() == towns
    assert Standing.objects.filter(table=Table.TOWNS, period="2026Q3", rank=1).exists()
    assert Standing.objects.filter(table=Table.TOWNS, period="2026Q3", red_flag=True).count() >= 3
    # The computed figures come from the demo's data; the city's and the towns' entered ones by hand.
    assert Value.objects.filter(indicator__source=Source.COMPUTED).exists()
    assert not Value.objects.filter(indicator__source=Source.COMPUTED, member__table=Table.CITY).exists()
    assert home.target_rank == league.HOME_TARGET_RANK  # 保三争二
    with translation.override("zh-hans"):
        assert streak_sentence(home, 2026).endswith("2026年力争八连冠。")
