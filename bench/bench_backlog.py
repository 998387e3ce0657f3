#!/usr/bin/env python
"""Backlog metrics (``backlog_metrics``) for the district's towns over a large petition
ledger, side by side with the straightforward per-unit ORM loop.

    .venv/bin/python bench/bench_backlog.py [--rows 1000000] [--repeat 3]

A scratch SQLite database (``_dataset.scratch_django``) gets the demo district and ``--rows``
petitions written with raw SQL, received over two years in the villages of every town: most
accepted within the 15-day term (some late), a few not accepted, replies spread around the
60-day resolution term, satisfaction recorded for most replies, most replied petitions
closed, the rest still open. The baseline is a year before now.

    grouped   ``pingan.petitions.selectors.backlog_metrics``: one query, grouped by the
              leading characters of the unit prefix, conditional counts
    loop      for each town, one ``.count()`` per measure (the same conditions,
              ``backlog_conditions``): ten queries a town

Both must give the same counts. Prints the times and their ratio, writes
bench/results/backlog.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from _dataset import BATCH, CASE_COLUMNS, scratch_django  # noqa: E402

RESULTS = HERE / "results" / "backlog.json"
SPAN_DAYS = 730
DAY = dt.timedelta(days=1)


def _petition(rng: random.Random, opened: dt.datetime, now: dt.datetime) -> dict:
    """The clock's timestamps and state of one petition received at ``opened``."""
    fields = {"status": "received", "is_open": 1, "acceptance_due_at": opened + 15 * DAY,
              "due_at": opened + 15 * DAY, "accepted_at": None, "resolution_due_at": None,
              "replied_at": None, "closed_at": None, "satisfaction": "", "outcome": ""}
    decided = opened + rng.uniform(1, 20) * DAY
    if decided > now:
        return fields
    if rng.random() < 0.05:
        return {**fields, "status": "not_accepted", "is_open": 0, "closed_at": decided, "due_at": None}
    due = decided + 60 * DAY
    fields.update(status="accepted", accepted_at=decided, resolution_due_at=due, due_at=due)
    replied = decided + rng.uniform(10, 80) * DAY
    if replied > now:
        return fields
    fields.update(status="replied", replied_at=replied, due_at=None, outcome="supported")
    if rng.random() < 0.8:
        fields.update(status="rated", satisfaction=rng.choices(
            ("satisfied", "partly", "not_satisfied"), (0.6, 0.25, 0.15))[0])
    closed = replied + rng.uniform(1, 10) * DAY
    if closed < now and rng.random() < 0.9:
        fields.update(status="closed", is_open=0, closed_at=closed)
    return fields


def _text(moment: dt.datetime | None) -> str | None:
    return None if moment is None else str(moment.replace(tzinfo=None))


def load(*, rows: int, now: dt.datetime, rng: random.Random) -> float:
    from django.db import connection, transaction
    from tqdm import tqdm

    from pingan.core.models import Unit, UnitKind
    from pingan.demo.district import build_district, build_personas
    from pingan.petitions.models import Petition

    build_district()
    build_personas()
    villages = list(Unit.objects.filter(kind__in=(UnitKind.VILLAGE, UnitKind.COMMUNITY))
                    .values_list("pk", "prefix", "parent_id"))
    fields = Petition._meta.local_concrete_fields
    columns = [f.column for f in fields]
    blank = {f.column: None if f.null else "" for f in fields}
    blank["repeat_dismissed"] = "[]"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as django_cursor:
        raw = django_cursor.cursor
        raw.execute("PRAGMA cache_size = -262144")
        case_sql = (f"INSERT INTO core_case ({', '.join(CASE_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(CASE_COLUMNS))})")
        petition_sql = (f"INSERT INTO petitions_petition ({', '.join(columns)}) "
                        f"VALUES ({', '.join('?' * len(columns))})")
        span = SPAN_DAYS * 86400
        moments = sorted(now - dt.timedelta(seconds=span * rng.random()) for _ in range(rows))
        cases: list[tuple] = []
        petitions: list[tuple] = []
        for case_id, opened in enumerate(tqdm(moments, desc="insert petitions", unit="row",
                                              unit_scale=True, leave=False), start=1):
            unit_id, prefix, town_id = rng.choice(villages)
            clock = _petition(rng, opened, now)
            opened_text = _text(opened)
            cases.append((
                case_id, f"XF-{case_id:08d}", "petition", "征地补偿款未足额发放", "", "land", "ordinary",
                clock["status"], clock["is_open"], prefix, opened_text, _text(clock["due_at"]),
                _text(clock["closed_at"]), None, "", 0, "", None, None, "bench", None, 1, "", opened_text,
                None, None, None, unit_id,
            ))
            values = {
                **blank, "case_ptr_id": case_id, "profile": "national", "channel": "visit",
                "petition_type": "complaint", "petitioner_name": "张某", "handling_unit_id": town_id,
                "assigned_at": opened_text, "acceptance_due_at": _text(clock["acceptance_due_at"]),
                "objection_until": str(opened.date()), "accepted_at": _text(clock["accepted_at"]),
                "resolution_due_at": _text(clock["resolution_due_at"]),
                "replied_at": _text(clock["replied_at"]), "outcome": clock["outcome"],
                "satisfaction": clock["satisfaction"],
            }
            petitions.append(tuple(values[c] for c in columns))
            if len(cases) == BATCH:
                raw.executemany(case_sql, cases)
                raw.executemany(petition_sql, petitions)
                cases, petitions = [], []
        if cases:
            raw.executemany(case_sql, cases)
            raw.executemany(petition_sql, petitions)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def per_unit_loop(*, user, baseline: dt.date, units, now: dt.datetime) -> dict[str, dict[str, int]]:
    """What one would write first: for each unit, a count per measure."""
    from django.utils import timezone

    from pingan.petitions.models import Petition
    from pingan.petitions.selectors import backlog_conditions

    start = timezone.make_aware(dt.datetime.combine(baseline, dt.time.min))
    conditions = backlog_conditions(start, now)
    result = {}
    for unit in units:
        petitions = Petition.objects.visible_to(user).filter(unit.subtree_q("unit_prefix"))
        result[unit.prefix] = {name: petitions.filter(q).count() for name, q in conditions.items()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=330802)
    args = parser.parse_args()

    with scratch_django(db="sqlite"):
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from pingan.petitions.selectors import backlog_conditions, backlog_metrics, backlog_units

        now = timezone.now().replace(microsecond=0)
        load_seconds = load(rows=args.rows, now=now, rng=random.Random(args.seed))
        print(f"loaded {args.rows:,} petitions in {load_seconds:.1f} s")
        admin = get_user_model().objects.get(username="admin")
        units = backlog_units()
        baseline = (now - dt.timedelta(days=365)).date()
        backlog_metrics(user=admin, baseline=baseline, units=units, now=now)  # loads the scope
        grouped_times, loop_times = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            grouped = backlog_metrics(user=admin, baseline=baseline, units=units, now=now)
            grouped_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            looped = per_unit_loop(user=admin, baseline=baseline, units=units, now=now)
            loop_times.append(time.perf_counter() - started)
        measures = list(backlog_conditions(now, now))
        for row in grouped["rows"]:
            if {name: row[name] for name in measures} != looped[row["unit"].prefix]:
                raise SystemExit(f"grouped and loop disagree for {row['unit'].name}")

    grouped_s, loop_s = statistics.median(grouped_times), statistics.median(loop_times)
    totals = grouped["totals"]
    result = {
        "date": dt.date.today().isoformat(), "rows": args.rows, "units": len(units),
        "baseline": baseline.isoformat(), "repeat": args.repeat,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "load_seconds": round(load_seconds, 1),
        "grouped_seconds": round(grouped_s, 3), "loop_seconds": round(loop_s, 3),
        "loop_queries": len(units) * len(measures), "ratio": round(loop_s / grouped_s, 1),
        "totals": totals,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"{len(units)} units, baseline {baseline}: stock {totals['stock']:,} "
          f"(cleared {totals['stock_cleared']:,}), increment {totals['increment']:,}")
    print(f"grouped (1 query)        {grouped_s:8.3f} s")
    print(f"per-unit loop ({result['loop_queries']} queries) {loop_s:8.3f} s")
    print(f"ratio {result['ratio']}×; written to {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
