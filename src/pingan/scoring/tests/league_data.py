"""A league with realistic figures for page tests and screenshots: the district's towns and
the city's six counties and districts, seven indicators, four quarters of 2026 (the
district lagging in Q1, then catching up), ranked by the engine, and eight Safe District
titles in a row for the district."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from pingan.scoring.models import Award, Indicator, Member, Table, Value, ValueSource
from pingan.scoring.services import ensure_members, rank_table

QUARTERS = ("2026Q1", "2026Q2", "2026Q3", "2026Q4")
CITY_PEERS = (("330803", "衢江区"), ("330822", "常山县"), ("330824", "开化县"), ("330825", "龙游县"),
              ("330881", "江山市"))

# code, name, unit of measure, direction, weight, method, target / per_unit, rate, typical value
INDICATORS = (
    ("hazard_on_time", "隐患按期整改率", "%", "higher", 20, "min_max", None, True, 88),
    ("petition_resolved", "信访按期化解率", "%", "higher", 15, "rank", None, True, 90),
    ("fraud_loss", "电诈发案损失", "元/万人", "lower", 15, "min_max", None, False, 5200),
    ("criminal_cases", "刑事案件", "起", "lower", 15, "target_ratio", Decimal(20), False, 24),
    ("fires", "火灾起数", "起", "lower", 10, "deduction", Decimal(5), False, 3),
    ("traffic_deaths", "交通事故死亡", "人", "lower", 10, "deduction", Decimal(10), False, 1),
    ("dissuasion_success", "劝阻成功率", "%", "higher", 15, "min_max", None, True, 92),
)


def _indicators() -> list[Indicator]:
    made = []
    for order, (code, name, unit, direction, weight, method, number, rate, _typical) in enumerate(INDICATORS):
        fields = {"name": name, "unit_of_measure": unit, "direction": direction, "weight": weight,
                  "method": method, "is_rate": rate, "order": order, "min_sample": 5 if rate else 0}
        if method == "target_ratio":
            fields["target"] = number
        if method == "deduction":
            fields["per_unit"] = number
        made.append(Indicator.objects.update_or_create(code=code, defaults=fields)[0])
    return made


def _figure(rng: random.Random, typical: float, rate: bool, lift: float) -> Decimal:
    if rate:
        return Decimal(str(round(min(100.0, max(50.0, rng.gauss(typical, 5) + lift)), 1)))
    return Decimal(max(0, round(rng.gauss(typical, typical * 0.35) * (1 - lift / 20))))


def build_league(*, seed: int = 12, quarters: tuple[str, ...] = QUARTERS) -> dict[str, list[Member]]:
    """Members, values and standings for ``quarters``; the members of each table."""
    rng = random.Random(seed)
    ensure_members()
    for code, name in CITY_PEERS:
        Member.objects.get_or_create(table=Table.CITY, code=code, defaults={"name": name})
    indicators = _indicators()
    members = {table: list(Member.objects.filter(table=table, active=True)) for table in Table.values}
    now = timezone.now()
    for step, period in enumerate(quarters):
        for table in (Table.TOWNS, Table.CITY):
            for member in members[table]:
                # The district lags in the first quarter and catches up after (the source's story).
                lift = (step * 3 - 4) if member.is_home else rng.uniform(-2, 2)
                for indicator, spec in zip(indicators, INDICATORS, strict=True):
                    typical, rate = spec[8], spec[7]
                    sample = rng.randint(20, 400) if rate else None
                    Value.objects.update_or_create(
                        indicator=indicator, member=member, period=period,
                        defaults={"value": _figure(rng, typical, rate, lift), "sample": sample,
                                  "source": ValueSource.IMPORTED, "recorded_at": now})
            rank_table(table, period)
    home = next(member for member in members[Table.CITY] if member.is_home)
    for year in range(2018, 2026):
        Award.objects.get_or_create(member=home, year=year)
    return members


def today_in_2027() -> dt.datetime:
    return dt.datetime(2027, 1, 20, 10, tzinfo=dt.UTC)
