"""The league table in the demo district (柯城区): a year of quarters on the district's own
tables and on the city's, played through the real services.

The district's towns and departments are scored on the indicators computed from the demo's
hazards, petitions, receptions, fraud cases and warnings, plus the figures the police and the
fire brigade enter per town. The city's table (衢州市's six counties and districts) comes in each
quarter as the city sends it, a workbook imported through ``pingan league import``'s own code:
as in the source document, the district ranks low in the first quarter, takes stock ("保三争二拼
第一") and climbs back. It holds the Safe District title seven years running, so this year's
would be the eighth (八连冠). The peers' figures are invented; their names and division codes are
real.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from decimal import Decimal

from openpyxl import Workbook

from pingan.core.models import Unit
from pingan.demo.district import DISTRICT_CODE
from pingan.demo.generator import DemoContext, DomainDemo, Summary
from pingan.scoring import ranking
from pingan.scoring.indicators import compute_values, ensure_indicators
from pingan.scoring.ledger import import_league
from pingan.scoring.models import Award, Indicator, Member, Table, Value
from pingan.scoring.periods import Period
from pingan.scoring.services import ensure_members, rank_table, value_record

SEED_OFFSET = 12
# The city's other counties and districts (衢州市), with their division codes.
CITY_PEERS = (("330803", "衢江区"), ("330825", "龙游县"), ("330881", "江山市"), ("330822", "常山县"),
              ("330824", "开化县"))
# The range each entered indicator's quarterly figure falls in for a county (low, high) and for
# a town: the city's table ranks counties' totals and growth rates, the district's its towns'.
COUNTY_RANGES = {
    "criminal_cases": (180, 420), "fires": (8, 40), "traffic_deaths": (2, 14),
    "industry_growth": (-2.0, 14.0), "services_growth": (1.0, 10.0), "investment_growth": (-6.0, 18.0),
    "projects_signed": (4, 30),
}
TOWN_RANGES = {"criminal_cases": (4, 40), "fires": (0, 6), "traffic_deaths": (0, 3)}
# The district lags on these in the first quarter, as the source's meeting says: "紧盯工业、服务业、
# 有效投资、项目招引等重点".
FIRST_QUARTER_SHORTFALLS = ("industry_growth", "investment_growth", "projects_signed")
TITLE_YEARS = 7  # titles in a row before this year: this year's would be the eighth
HOME_TARGET_RANK = 3  # 保三争二


def home_ranks(periods: list[Period]) -> dict[Period, int]:
    """The district's place among the six in each quarter: fourth before the first quarter,
    fifth in it (排名靠后), then one place better each quarter, second at best."""
    ranks: dict[Period, int] = {}
    since_first: int | None = None
    for period in periods:
        if period.number == 1:
            since_first = 0
        elif since_first is not None:
            since_first += 1
        ranks[period] = 4 if since_first is None else max(2, 5 - since_first)
    return ranks


def _figure(code: str, quality: float, ranges: dict[str, tuple[float, float]],
            indicator: Indicator) -> Decimal:
    low, high = ranges[code]
    better_high = indicator.direction == "higher"
    value = low + (quality if better_high else 1 - quality) * (high - low)
    places = 1 if isinstance(low, float) else 0
    return Decimal(str(round(value, places)))


def _city_figures(rng: random.Random, period: Period, want: int, indicators: dict[str, Indicator]
                  ) -> dict[str, dict[str, Decimal]]:
    """{county code: {indicator code: figure}} with the district at ``want``-th place: drawn
    again until the ranking the platform computes puts it there."""
    specs = [ranking.IndicatorSpec.of(indicators[code]) for code in COUNTY_RANGES]
    counties = [DISTRICT_CODE, *(code for code, _ in CITY_PEERS)]
    for _attempt in range(200):
        strength = {code: rng.random() for code in counties}
        order = sorted((c for c in counties if c != DISTRICT_CODE), key=strength.__getitem__, reverse=True)
        order.insert(want - 1, DISTRICT_CODE)
        figures: dict[str, dict[str, Decimal]] = {}
        for position, county in enumerate(order):
            quality = 1 - position / (len(order) - 1)
            figures[county] = {}
            for code in COUNTY_RANGES:
                noisy = min(1.0, max(0.0, quality + rng.uniform(-0.35, 0.35)))
                if county == DISTRICT_CODE and period.number == 1 and code in FIRST_QUARTER_SHORTFALLS:
                    noisy = rng.uniform(0.0, 0.15)
                figures[county][code] = _figure(code, noisy, COUNTY_RANGES, indicators[code])
        observations = {code: {county: ranking.Observation(figures[county][code]) for county in counties}
                        for code in COUNTY_RANGES}
        result = ranking.rank_members(specs, observations, counties)
        if result.rank[DISTRICT_CODE] == want:
            return figures
    raise RuntimeError(f"no draw put the district at place {want} in {period}")  # pragma: no cover


def _city_workbook(figures: dict[Period, dict[str, dict[str, Decimal]]], indicators: dict[str, Indicator]
                   ) -> bytes:
    """The workbook the city sends: one 数值 row per quarter, county and indicator."""
    names = {DISTRICT_CODE: Unit.objects.get(prefix=DISTRICT_CODE).name, **dict(CITY_PEERS)}
    book = Workbook()
    sheet = book.active
    sheet.title = "数值"
    sheet.append(["期间", "单位", "单位代码", "指标", "数值"])
    for period, counties in figures.items():
        for county, values in counties.items():
            for code, value in values.items():
                sheet.append([period.key, names[county], county, indicators[code].name, float(value)])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def generate(ctx: DemoContext, count: int) -> Summary:
    """``count`` quarters, the last the one under way."""
    rng = ctx.rng(SEED_OFFSET)
    admin = ctx.personas.admin
    ensure_members()
    ensure_indicators()
    indicators = {i.code: i for i in Indicator.objects.all()}
    current = Period.containing(ctx.today)
    periods = [current]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    finished = periods[:-1]

    for period in ctx.progress(periods, desc="league: computed indicators"):
        compute_values(period, now=ctx.now)
    towns = list(Member.objects.filter(table=Table.TOWNS, active=True).order_by("code"))
    laggards = set(rng.sample([m.pk for m in towns], k=min(3, len(towns))))
    for period in finished:
        for member in towns:
            base = rng.uniform(0.1, 0.45) if member.pk in laggards else rng.uniform(0.35, 1.0)
            for code in TOWN_RANGES:
                quality = min(1.0, max(0.0, base + rng.uniform(-0.2, 0.2)))
                value_record(actor=admin, indicator=indicators[code], member=member, period=period,
                             value=_figure(code, quality, TOWN_RANGES, indicators[code]))

    wanted = home_ranks(finished)
    figures = {period: _city_figures(rng, period, wanted[period], indicators) for period in finished}
    import_league(io.BytesIO(_city_workbook(figures, indicators)), actor=admin, table=Table.CITY,
                  filename="衢州市争先创优评价.xlsx")
    home = Member.objects.get(table=Table.CITY, is_home=True)
    Member.objects.filter(pk=home.pk).update(target_rank=HOME_TARGET_RANK)
    for year in range(ctx.today.year - TITLE_YEARS, ctx.today.year):
        Award.objects.get_or_create(member=home, year=year, defaults={"note": "浙江省平安县(市、区)"})

    standings = 0
    for period in periods:
        for table in (Table.TOWNS, Table.DEPARTMENTS):
            standings += len(rank_table(table, period, now=ctx.now))
    sources = Counter(Value.objects.values_list("source", flat=True))
    return Summary(
        domain="league values", now=ctx.now, total=sum(sources.values()),
        breakdowns={"source": dict(sources)},
        counts={"quarters": len(periods), "standings": standings},
        named={"city rank " + p.key: str(r) for p, r in wanted.items()},
    )


LEAGUE = DomainDemo(
    name="league", default_count=5,
    count_help="How many quarters of the league table, the last the one under way.",
    generate=generate,
)
