#!/usr/bin/env python
"""The league table at scale: recompute every computed value and rank the district's tables,
2,000 towns (and 20 departments) × 30 indicators, over a large case base on PostgreSQL, side by
side with the straightforward per-unit ORM loop.

    .venv/bin/python bench/bench_league.py [--cases 1000000] [--towns 2000] [--skip loop]

A scratch PostgreSQL database (``_dataset.scratch_django``) gets the towns and ``--cases``
hazards, petitions, frauds and warning orders written with COPY (``_league_dataset``), the
default indicators (9 computed, 7 entered) plus 14 more entered ones to make 30, and an
entered value for every member on each entered indicator. The period is the quarter before
``now``; the computed values are deleted before each contender, so each writes them all.

    pingan   ``scoring.indicators.compute_values`` (each selector: one GROUP BY over all towns
             and one over all departments), then ``services.rank_table`` for towns and
             departments, then the towns' table page rendered
    loop     the same, each selector's ``tally`` replaced by one ``.aggregate()`` per unit
             (``subtree_q`` on the town's prefix, or its department): about 2,000 queries per
             indicator

The page is the real one: ``GET /league/?table=towns&period=<period>`` through Django's test
client, signed in as a district admin (a manager of the league: the page shows them the
recompute and values buttons too), every town's row with its 30 scores, flags and trend, and
the rank chart's query (one period here, so no line is drawn). The render is timed apart from
the ranking: the first render (templates compiled, caches cold) and the median of three more.

Both must write the same values and render the same towns in the same order. Prints the times
and their ratio, writes bench/results/league-<cases>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import re
import statistics
import sys
import time
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from _dataset import scratch_django  # noqa: E402
from _league_dataset import build_units, load_cases  # noqa: E402

RESULTS = HERE / "results"
INDICATORS = 30
TALLYING = ("pingan.hazards.selectors", "pingan.petitions.selectors", "pingan.fraud.selectors",
            "pingan.dissuasion.selectors")


def per_unit_tally(qs, groups, measures):
    """What a straightforward loop does: one aggregate per town, then per department."""
    from pingan.core.models import subtree_q

    rows = {prefix: qs.filter(subtree_q(prefix, "unit_prefix")).aggregate(**measures)
            for prefix in groups.prefixes}
    rows.update({pk: qs.filter(department_id=pk).aggregate(**measures) for pk in groups.departments})
    return rows


def entered_indicators(members, period, now) -> int:
    """Fill up to 30 indicators with entered ones, and give every member a value on each."""
    import random

    from pingan.scoring.models import Direction, Indicator, Method, Source, Value, ValueSource

    Indicator.objects.bulk_create(
        Indicator(code=f"entered_{n:02d}", name=f"录入指标{n}", direction=Direction.HIGHER, weight=Decimal(2),
                  method=Method.MIN_MAX, source=Source.ENTERED, order=100 + n)
        for n in range(1, INDICATORS - Indicator.objects.count() + 1))
    rng = random.Random(7)
    entered = Indicator.objects.filter(source=Source.ENTERED)
    Value.objects.bulk_create(
        (Value(indicator=indicator, member=member, period=period.key, value=Decimal(rng.randint(0, 500)),
               source=ValueSource.IMPORTED, recorded_at=now) for indicator in entered for member in members),
        batch_size=5000)
    return entered.count()


def league_admin(district):
    """A district admin of the 平安办 (every domain, at the district's root): who opens the table."""
    from pingan.core.models import RoleName
    from pingan.demo.district import ALL_DOMAINS, demo_login, demo_role

    admin = demo_login("admin", "区平安办管理员")
    demo_role(admin, district, RoleName.ADMIN, "区平安办", ALL_DOMAINS)
    return admin


TOWN_CELL = re.compile(r'<td><a href="/league/towns/[^"]+">([^<]+)</a></td>')


def render_table(client, period) -> tuple[float, list[str]]:
    """One GET of the towns' table page: its seconds, and the towns it lists in order."""
    started = time.perf_counter()
    response = client.get("/league/", {"table": "towns", "period": period.key})
    body = response.content.decode()
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"the table page answered {response.status_code}")
    return seconds, TOWN_CELL.findall(body)


class Queries:
    """Counts and times every query (``CaptureQueriesContext`` keeps only the last 9,000)."""

    def __init__(self) -> None:
        self.count = 0
        self.timed: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.timed.append((round(time.perf_counter() - started, 3), sql[:160]))
            if len(self.timed) > 100:
                self.timed = sorted(self.timed, reverse=True)[:5]

    def slowest(self) -> list[tuple[float, str]]:
        return sorted(self.timed, reverse=True)[:5]


def run(period, now, client, *, loop: bool) -> tuple[dict[str, float], dict]:
    from django.db import connection

    from pingan.scoring.indicators import compute_values
    from pingan.scoring.models import Standing, Table, Value, ValueSource
    from pingan.scoring.services import rank_table

    Value.objects.filter(source=ValueSource.COMPUTED).delete()
    Standing.objects.all().delete()
    seconds: dict[str, float] = {}
    computing = Queries()
    with ExitStack() as patches, connection.execute_wrapper(computing):
        if loop:
            for module in TALLYING:
                patches.enter_context(mock.patch(f"{module}.tally", per_unit_tally))
        started = time.perf_counter()
        written = compute_values(period, now=now)
        seconds["compute"] = time.perf_counter() - started
    started = time.perf_counter()
    for table in (Table.TOWNS, Table.DEPARTMENTS):
        rank_table(table, period, now=now)
    seconds["rank"] = time.perf_counter() - started
    rendering = Queries()
    with connection.execute_wrapper(rendering):
        first, towns = render_table(client, period)
    again = [render_table(client, period)[0] for _ in range(3)]
    seconds["render (first)"] = first
    seconds["render"] = statistics.median(again)
    seconds["total"] = seconds["compute"] + seconds["rank"] + seconds["render"]
    values = {(v.indicator_id, v.member_id): (v.value, v.sample)
              for v in Value.objects.filter(source=ValueSource.COMPUTED, period=period.key)}
    return seconds, {"written": written, "compute_queries": computing.count,
                     "render_queries": rendering.count, "rows": len(towns), "towns": towns,
                     "slowest": computing.slowest(), "values": values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--towns", type=int, default=2000)
    parser.add_argument("--skip", choices=["loop"], action="append", default=[])
    parser.add_argument("--seed", type=int, default=330802)
    args = parser.parse_args()

    # Our own scratch database: other branches run their benches on the shared default name.
    with scratch_django(db="postgres", pg_name="wt_computed"):
        from django.test import Client
        from django.utils import timezone

        from pingan.scoring.indicators import ensure_indicators
        from pingan.scoring.models import Member
        from pingan.scoring.periods import Period
        from pingan.scoring.services import ensure_members

        now = timezone.now().replace(microsecond=0)
        period = Period.containing(timezone.localdate()).previous()
        district, towns, departments = build_units(args.towns, args.seed)
        load = load_cases(cases=args.cases, towns=towns, departments=departments, now=now, seed=args.seed)
        steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in load.items() if step != "total")
        print(f"loaded {args.cases:,} cases in {load['total']:.1f} s ({steps})")
        ensure_indicators()
        ensure_members()
        members = list(Member.objects.filter(unit__isnull=False, table__in=["towns", "departments"]))
        entered = entered_indicators(members, period, now)
        client = Client()
        client.force_login(league_admin(district))
        results = {"pingan": run(period, now, client, loop=False)}
        if results["pingan"][1]["rows"] != args.towns:
            raise SystemExit(f"the page lists {results['pingan'][1]['rows']} towns, not {args.towns}")
        if "loop" not in args.skip:
            results["loop"] = run(period, now, client, loop=True)
            if results["loop"][1]["values"] != results["pingan"][1]["values"]:
                raise SystemExit("pingan and the loop computed different values")
            if results["loop"][1]["towns"] != results["pingan"][1]["towns"]:
                raise SystemExit("pingan and the loop rendered different tables")

    result = {
        "date": dt.date.today().isoformat(), "cases": args.cases, "towns": args.towns,
        "departments": len(departments), "indicators": INDICATORS, "entered_indicators": entered,
        "period": period.key,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "load_seconds": round(load["total"], 1),
        "load_steps": {step: round(seconds, 1) for step, seconds in load.items() if step != "total"},
        "contenders": {name: {"seconds": {k: round(v, 3) for k, v in seconds.items()},
                              "values_written": extra["written"], "compute_queries": extra["compute_queries"],
                              "render_queries": extra["render_queries"], "table_rows": extra["rows"],
                              "slowest_queries": extra["slowest"]}
                       for name, (seconds, extra) in results.items()},
    }
    if "loop" in results:
        result["ratio_compute"] = round(results["loop"][0]["compute"] / results["pingan"][0]["compute"], 1)
        result["ratio_total"] = round(results["loop"][0]["total"] / results["pingan"][0]["total"], 1)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"league-{args.cases}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    for name, (seconds, extra) in results.items():
        print(f"{name:7} compute {seconds['compute']:8.2f} s ({extra['compute_queries']} queries, "
              f"{extra['written']:,} values)  rank {seconds['rank']:6.2f} s"
              f"  render {seconds['render']:5.2f} s (first {seconds['render (first)']:5.2f} s,"
              f" {extra['render_queries']} queries)"
              f"  total {seconds['total']:8.2f} s")
    if "loop" in results:
        print(f"ratio (loop / pingan): compute {result['ratio_compute']}×, total {result['ratio_total']}×")
    print(f"written to {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
