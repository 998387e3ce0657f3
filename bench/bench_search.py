"""Finding a hazard by its words: the trigram index beside the LIKE scan it replaces.

    .venv/bin/python bench/bench_search.py [--rows 1000000] [--db sqlite|postgres] [--repeat 40]
                                           [--groups "rare 3+" ...]

Loads the synthetic ledger of ``_dataset.py`` into a scratch database (a temporary SQLite
file, or ``bench_search`` on the PostgreSQL server, created and dropped here), then times the
first page of ``GET /api/v1/hazards?q=…`` in process (token, scope, filters, keyset page,
JSON) for terms in four groups — rare phrases of three characters or more, common ones,
common two-character words and rare ones — as the district admin and as the 航埠镇 town
handler. Each term runs twice: through ``pingan.core.search.text_q`` (the trigram index),
and with the selector's filter swapped for ``like_q``, the plain ``icontains`` scan the
lists used before. Both must find the same hazards (the count and the first page are
compared). Results go to ``bench/results/search.json`` under the database's name.
"""

import argparse
import contextlib
import gc
import math
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from _dataset import DEFAULT_PG_SERVER, load_hazards, scratch_django  # noqa: E402
from bench_list_api import Budget, _environment, _explain, _get, _slowest_sql, save  # noqa: E402

RESULTS = HERE / "results" / "search.json"
PG_NAME = "bench_search"
GOAL_P95_MS = 50.0

# (group, term). Rare phrases are shop names (one premise name of 28 with one kind of ten),
# the start of a hundred references and a phrase no hazard holds (the scan's worst case).
# Common ones: the words most descriptions open with, a hazard word, and the start of ten
# thousand references opened in one early month (clustered far from the newest).
# Two-character words: the issue's own (燃气, 电梯) and other hazard words, then rarer ones.
TERMS = (
    ("rare 3+", "鑫源五金店"), ("rare 3+", "阿英面馆"), ("rare 3+", "南孔快递驿站"),
    ("rare 3+", "橘乡民宿"), ("rare 3+", "YH-2025-0012"), ("rare 3+", "水晶宫游泳馆"),
    ("common 3+", "网格员"), ("common 3+", "电动车"), ("common 3+", "YH-2025-00"),
    ("common 2", "燃气"), ("common 2", "电梯"), ("common 2", "楼道"), ("common 2", "消防"),
    ("rare 2", "阿英"), ("rare 2", "烂柯"), ("rare 2", "塔吊"), ("rare 2", "鲸鱼"),
)
MODES = ("trigram", "like")


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] * 1000


@contextlib.contextmanager
def _scan(mode: str) -> Iterator[None]:
    """The hazard list as it searches in ``mode``: through the index, or by the plain scan
    (the selector's filter swapped for ``like_q`` and, on PostgreSQL, the trigram indexes
    dropped in a transaction rolled back afterwards: the query is the same there)."""
    from django.db import connection, transaction

    import pingan.hazards.selectors as selectors
    from pingan.core.search import like_q, text_q

    if mode == "trigram":
        yield
        return
    selectors.text_q = like_q
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'core_case' "
                                   "AND indexname LIKE 'case%%trgm'")
                    for (name,) in cursor.fetchall():
                        cursor.execute(f'DROP INDEX "{name}"')
            yield
            transaction.set_rollback(True)
    finally:
        selectors.text_q = text_q


def _cpu_clock() -> Callable[[], float]:
    """Seconds of CPU spent on a request so far: this process's, plus on PostgreSQL its
    server process's (from the kernel's scheduler statistics, in nanoseconds)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return time.process_time
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    schedstat = Path(f"/proc/{pid}/schedstat")
    return lambda: time.process_time() + int(schedstat.read_text().split()[0]) / 1e9


def _timed(call: Callable[[], Any], budget: Budget) -> dict[str, Any]:
    """Wall-clock and CPU time per call. The machine is shared: the wall clock is what a
    user waits and grows with the load; the CPU time (Python and the database together)
    does not."""
    for _ in range(2):
        call()
    gc.collect()
    clock = _cpu_clock()
    wall: list[float] = []
    cpu: list[float] = []
    deadline = time.perf_counter() + budget.seconds
    while len(wall) < budget.repeat and (len(wall) < budget.minimum or time.perf_counter() < deadline):
        started, started_cpu = time.perf_counter(), clock()
        call()
        wall.append(time.perf_counter() - started)
        cpu.append(clock() - started_cpu)
    return {"p50_ms": round(_percentile(wall, 0.50), 2), "p95_ms": round(_percentile(wall, 0.95), 2),
            "cpu_p50_ms": round(_percentile(cpu, 0.50), 2), "cpu_p95_ms": round(_percentile(cpu, 0.95), 2),
            "n": len(wall)}


def run(personas: list[tuple[str, Any]], budget: Budget, *, groups: Sequence[str],
        log: Callable[[str], None]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from pingan.hazards.selectors import HazardFilters, hazard_list
    from pingan.testing import api_client

    cases: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    for group, term in TERMS:
        if group not in groups:
            continue
        for persona, user in personas:
            client = api_client(user)
            params = {"q": term}
            row: dict[str, Any] = {"group": group, "term": term, "chars": len(term), "persona": persona}
            seen: dict[str, tuple[int, list[str]]] = {}
            for mode in MODES:
                with _scan(mode):
                    count = hazard_list(user=user, filters=HazardFilters(q=term)).count()
                    page = [item["ref"] for item in _get(client, "/api/v1/hazards", params)["items"]]
                    seen[mode] = (count, page)

                    def request(client: Any = client, params: dict[str, str] = params) -> Any:
                        return client.get("/api/v1/hazards", params)

                    row[mode] = _timed(request, budget)
                    sql, sql_ms = _slowest_sql(request)
                    row[mode]["slowest_statement_ms"] = round(sql_ms, 2)
                    if persona == "admin":
                        plans.append({"term": term, "mode": mode, "plan": _explain(sql)})
            row["matches"] = seen["trigram"][0]
            row["same_hits"] = seen["trigram"] == seen["like"]
            row["like_over_trigram_p95"] = round(row["like"]["p95_ms"] / row["trigram"]["p95_ms"], 2)
            cases.append(row)
            log(f"{group:<10} {term:<8} {persona:<7} {row['matches']:>8,} hits  "
                f"trigram p50 {row['trigram']['p50_ms']:>7.1f} p95 {row['trigram']['p95_ms']:>7.1f}  "
                f"like p50 {row['like']['p50_ms']:>7.1f} p95 {row['like']['p95_ms']:>7.1f}  "
                f"(cpu p95 {row['trigram']['cpu_p95_ms']:.1f} / {row['like']['cpu_p95_ms']:.1f})  "
                f"×{row['like_over_trigram_p95']:<6}" + ("" if row["same_hits"] else "  HITS DIFFER"))
    return cases, plans


def summarise(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Per group: the worst p95 of each mode, and whether the indexed one meets the goal."""
    summary: dict[str, Any] = {}
    for group in dict.fromkeys(c["group"] for c in cases):
        rows = [c for c in cases if c["group"] == group]
        worst = {mode: max(r[mode]["p95_ms"] for r in rows) for mode in MODES}
        summary[group] = {"worst_p95_ms": worst, "p95_goal_met": worst["trigram"] <= GOAL_P95_MS,
                          "all_same_hits": all(r["same_hits"] for r in rows)}
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=40, help="timed requests per case, at most")
    parser.add_argument("--min-repeat", type=int, default=10, help="timed requests per case, at least")
    parser.add_argument("--budget", type=float, default=2.0,
                        help="seconds per case after which it stops at --min-repeat")
    parser.add_argument("--pg-server", default=DEFAULT_PG_SERVER,
                        help=f"server for the scratch database {PG_NAME} (created and dropped)")
    groups = list(dict.fromkeys(g for g, _t in TERMS))
    parser.add_argument("--groups", nargs="+", choices=groups, default=groups, help="term groups to time")
    parser.add_argument("--seed", type=int, default=330802)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    with scratch_django(db=args.db, pg_server=args.pg_server, pg_name=PG_NAME):
        from django.utils import timezone

        loaded = load_hazards(rows=args.rows, now=timezone.now(), seed=args.seed)
        # Other work on the machine skews latency; the load average tells a reader how much.
        load_before = [round(x, 2) for x in os.getloadavg()]
        personas = [("admin", loaded.personas.admin), ("hangbu", loaded.personas.town_handler)]
        budget = Budget(repeat=args.repeat, minimum=min(args.min_repeat, args.repeat), seconds=args.budget)
        cases, plans = run(personas, budget, groups=args.groups, log=lambda line: print(line, flush=True))
        result: dict[str, Any] = {
            "benchmark": "Hazard list API, q=term: trigram index beside the LIKE scan, first page",
            "database": args.db, "rows": args.rows,
            "run_at": timezone.now().isoformat(timespec="seconds"),
            "environment": {**_environment(), "load_average_before": load_before,
                            "load_average_after": [round(x, 2) for x in os.getloadavg()]},
            "load_seconds": {k: round(v, 2) for k, v in loaded.seconds.items()},
            "timing": {"repeat": args.repeat, "min_repeat": budget.minimum, "budget_seconds": args.budget,
                       "how": "in process, django.test.Client, bearer token, default sort (newest "
                              "first), page 1 of 50; percentiles by nearest rank"},
            "goal": f"p95 <= {GOAL_P95_MS:g} ms for terms of 3+ characters",
            "summary": summarise(cases),
            "cases": cases,
            "query_plans": plans,
        }
        result["wall_seconds"] = round(time.perf_counter() - started, 1)
        for group, figures in result["summary"].items():
            print(f"{group:<10} worst p95: trigram {figures['worst_p95_ms']['trigram']:.1f} ms, "
                  f"like {figures['worst_p95_ms']['like']:.1f} ms; same hits: {figures['all_same_hits']}")
        print(f"load average before {load_before}, after {result['environment']['load_average_after']}")
        save(result, args.out)
    print(f"wrote {args.out} [{args.db}]; wall time {time.perf_counter() - started:,.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
