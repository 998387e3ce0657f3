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
             departments, then the table's rows read as its page reads them
    loop     the same, each selector's ``tally`` replaced by one ``.aggregate()`` per unit
             (``subtree_q`` on the town's prefix, or its department): about 2,000 queries per
             indicator

Both must write the same values. Prints the times and their ratio, writes
bench/results/league[-<cases>].json. The table page itself (i12-pages) is not rendered here:
its branch is not merged into this one; the read is the standings with their members.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
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


def run(period, now, *, loop: bool) -> tuple[dict[str, float], dict]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from pingan.scoring.indicators import compute_values
    from pingan.scoring.models import Standing, Table, Value, ValueSource
    from pingan.scoring.services import rank_table

    Value.objects.filter(source=ValueSource.COMPUTED).delete()
    seconds: dict[str, float] = {}
    with ExitStack() as patches, CaptureQueriesContext(connection) as queries:
        if loop:
            for module in TALLYING:
                patches.enter_context(mock.patch(f"{module}.tally", per_unit_tally))
        started = time.perf_counter()
        written = compute_values(period, now=now)
        seconds["compute"] = time.perf_counter() - started
        compute_queries = len(queries)
        timed = ((float(query["time"]), query["sql"][:160]) for query in queries.captured_queries)
        slowest = sorted(timed, reverse=True)[:5]
    started = time.perf_counter()
    for table in (Table.TOWNS, Table.DEPARTMENTS):
        rank_table(table, period, now=now)
    seconds["rank"] = time.perf_counter() - started
    started = time.perf_counter()
    rows = list(Standing.objects.filter(table=Table.TOWNS, period=period.key).select_related("member"))
    seconds["read table"] = time.perf_counter() - started
    seconds["total"] = sum(seconds.values())
    reset_queries()
    values = {(v.indicator_id, v.member_id): (v.value, v.sample)
              for v in Value.objects.filter(source=ValueSource.COMPUTED, period=period.key)}
    return seconds, {"written": written, "compute_queries": compute_queries, "rows": len(rows),
                     "slowest": slowest, "values": values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--towns", type=int, default=2000)
    parser.add_argument("--skip", choices=["loop"], action="append", default=[])
    parser.add_argument("--seed", type=int, default=330802)
    args = parser.parse_args()

    # Our own scratch database: other branches run their benches on the shared default name.
    with scratch_django(db="postgres", pg_name="wt_computed"):
        from django.utils import timezone

        from pingan.scoring.indicators import ensure_indicators
        from pingan.scoring.models import Member
        from pingan.scoring.periods import Period
        from pingan.scoring.services import ensure_members

        now = timezone.now().replace(microsecond=0)
        period = Period.containing(timezone.localdate()).previous()
        _district, towns, departments = build_units(args.towns, args.seed)
        load_seconds = load_cases(cases=args.cases, towns=towns, departments=departments, now=now,
                                  seed=args.seed)
        print(f"loaded {args.cases:,} cases in {load_seconds:.1f} s")
        ensure_indicators()
        ensure_members()
        members = list(Member.objects.filter(unit__isnull=False, table__in=["towns", "departments"]))
        entered = entered_indicators(members, period, now)
        results = {"pingan": run(period, now, loop=False)}
        if "loop" not in args.skip:
            results["loop"] = run(period, now, loop=True)
            if results["loop"][1]["values"] != results["pingan"][1]["values"]:
                raise SystemExit("pingan and the loop computed different values")

    result = {
        "date": dt.date.today().isoformat(), "cases": args.cases, "towns": args.towns,
        "departments": len(departments), "indicators": INDICATORS, "entered_indicators": entered,
        "period": period.key,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "load_seconds": round(load_seconds, 1),
        "contenders": {name: {"seconds": {k: round(v, 3) for k, v in seconds.items()},
                              "values_written": extra["written"], "compute_queries": extra["compute_queries"],
                              "table_rows": extra["rows"], "slowest_queries": extra["slowest"]}
                       for name, (seconds, extra) in results.items()},
    }
    if "loop" in results:
        result["ratio_compute"] = round(results["loop"][0]["compute"] / results["pingan"][0]["compute"], 1)
        result["ratio_total"] = round(results["loop"][0]["total"] / results["pingan"][0]["total"], 1)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("league.json" if args.cases == 1_000_000 else f"league-{args.cases}.json")
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    for name, (seconds, extra) in results.items():
        print(f"{name:7} compute {seconds['compute']:8.2f} s ({extra['compute_queries']} queries, "
              f"{extra['written']:,} values)  rank {seconds['rank']:6.2f} s"
              f"  read {seconds['read table']:5.2f} s"
              f"  total {seconds['total']:8.2f} s")
    if "loop" in results:
        print(f"ratio (loop / pingan): compute {result['ratio_compute']}×, total {result['ratio_total']}×")
    print(f"written to {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
