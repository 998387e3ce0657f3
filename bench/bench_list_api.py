"""Hazard list API with 1,000,000 hazards: median and p99 latency of a filtered page.

    .venv/bin/python bench/bench_list_api.py [--rows 1000000] [--db sqlite|postgres] [--repeat 200]

Loads a synthetic ledger into a scratch database (see ``_dataset.py``; the real ``var/``
database is never opened), then times ``GET /api/v1/hazards`` in process through Django's
test client — token authentication, scoping, filters, cursor pagination and JSON included,
no network — for realistic filtered queries as three personas, at pages 1, 20 and 200.

Side by side, on the same data and filters, what a user would otherwise use:

* OFFSET pagination the usual way: django-ninja's ``PageNumberPagination`` (``COUNT(*)``
  plus ``qs[offset:offset + 50]``, as DRF's PageNumberPagination and Django's Paginator do),
  mounted on a benchmark-only endpoint with the same authentication, selector and schema,
  so the pagination is the only difference;
* the spreadsheet: the district keeps its ledger in Excel today. The ledger is written as
  the hazards export writes it (Chinese headers, labels, local times) but as CSV, and
  filtered with Python's csv module — a *proxy* for opening and filtering the sheet, not
  Excel itself. Timed as "open + filter" (read the whole file, then filter) and "filter
  only" (the file already open).

Each case runs ``--repeat`` times, or fewer (at least ``--min-repeat``) when it exceeds its
``--budget`` in seconds; n is reported with every figure (with n < 100 the p99 is the
maximum). Results go to ``bench/results/list_api.json`` under the database's name.
"""

import argparse
import csv
import datetime as dt
import gc
import json
import math
import os
import platform
import signal
import statistics
import sys
import time
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from _dataset import DEFAULT_PG_SERVER, load_hazards, scratch_django  # noqa: E402

PAGE = 50
EXCEL_MAX_ROWS = 1_048_576
RESULTS = HERE / "results" / "list_api.json"


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


@dataclass
class Timing:
    samples: list[float]

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)] * 1000

    def as_json(self) -> dict[str, Any]:
        return {"median_ms": round(self.median_ms, 3), "p99_ms": round(self.p99_ms, 3), "n": self.n}


@dataclass(frozen=True)
class Budget:
    repeat: int
    minimum: int
    seconds: float


def measure(call: Callable[[], Any], budget: Budget, *, warmup: int = 2) -> Timing:
    for _ in range(warmup):
        call()
    gc.collect()
    samples: list[float] = []
    deadline = time.perf_counter() + budget.seconds
    while len(samples) < budget.repeat and (len(samples) < budget.minimum
                                            or time.perf_counter() < deadline):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return Timing(samples)


# ---------------------------------------------------------------------------
# The OFFSET endpoint a user would otherwise write
# ---------------------------------------------------------------------------


def install_offset_api() -> None:
    """Mount ``/bench/hazards?page=N``: the same auth, selector and item schema as the real
    list, paged by django-ninja's PageNumberPagination (COUNT + OFFSET)."""
    from django.test.utils import override_settings
    from django.urls import include, path
    from ninja import NinjaAPI, Query
    from ninja.pagination import PageNumberPagination, paginate

    from pingan.core.api import TokenAuth, actor, install_error_handlers
    from pingan.hazards.api import HazardItem
    from pingan.hazards.selectors import HazardFilters, hazard_list

    api = NinjaAPI(urls_namespace="bench-offset", docs_url=None, openapi_url=None, auth=[TokenAuth()])
    install_error_handlers(api)

    @api.get("/hazards", response=list[HazardItem])
    @paginate(PageNumberPagination, page_size=PAGE)
    def hazards_offset(request, filters: Query[HazardFilters]):
        return hazard_list(user=actor(request), filters=filters).select_related(
            "unit", "department", "assignee")

    urls = types.ModuleType("bench_list_api_urls")
    urls.urlpatterns = [path("bench/", api.urls), path("", include("pingan.urls"))]
    sys.modules[urls.__name__] = urls
    override_settings(ROOT_URLCONF=urls.__name__).enable()


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------

# Ledger CSV columns, as the export writes them (pingan.hazards.ledger.COLUMNS).
REF, TITLE, CATEGORY, STATUS, CODE, OPENED, DUE, LOCATION = 0, 2, 3, 5, 7, 10, 11, 13


@dataclass
class ListQuery:
    key: str
    label: str
    params: dict[str, Any]
    # The same filter on a ledger row (the spreadsheet way), and the sort the API uses.
    row_filter: Callable[[list[str]], bool]
    sort_key: Callable[[list[str]], Any]
    descending: bool = False
    depths: Sequence[int] = (1, 20, 200)


@dataclass
class Persona:
    key: str
    label: str
    user: Any
    scope_filter: Callable[[list[str]], bool]
    client: Any = None


@dataclass
class Context:
    now: dt.datetime
    hangbu_prefix: str
    labels: dict[str, dict[str, str]]
    personas: list[Persona] = field(default_factory=list)


def build_context(loaded: Any) -> Context:
    from pingan.core.models import Unit
    from pingan.core.scoping import scope_for
    from pingan.hazards.ledger import zh_labels
    from pingan.hazards.models import Category, Status
    from pingan.testing import api_client

    hangbu = Unit.objects.get(name="航埠镇")
    ctx = Context(now=loaded.now, hangbu_prefix=hangbu.prefix,
                  labels={"category": zh_labels(Category.choices), "status": zh_labels(Status.choices)})
    p = loaded.personas
    fire_categories = {ctx.labels["category"][c]
                       for c in scope_for(p.fire_handler).lines.get("hazard", ())}
    district_prefix = scope_for(p.admin).prefixes[0]
    ctx.personas = [
        Persona("admin", "district admin", p.admin, lambda r: r[CODE].startswith(district_prefix)),
        Persona("hangbu", "航埠镇 town handler", p.town_handler,
                lambda r: r[CODE].startswith(hangbu.prefix)),
        Persona("fire", "fire-department handler", p.fire_handler,
                lambda r: r[CATEGORY] in fire_categories),
    ]
    for persona in ctx.personas:
        persona.client = api_client(persona.user)
    return ctx


def build_queries(ctx: Context) -> list[ListQuery]:
    from pingan.hazards.models import Status

    status = ctx.labels["status"]
    category = ctx.labels["category"]
    open_labels = {status[s] for s in (Status.REPORTED, Status.ASSIGNED, Status.RECTIFYING,
                                       Status.AWAITING_VERIFICATION)}
    local_now = ctx.now.astimezone(dt.timezone(dt.timedelta(hours=8)))
    today = local_now.date().isoformat()
    month_from = (local_now.date() - dt.timedelta(days=395)).replace(day=1)
    month_to = (month_from + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    hangbu = ctx.hangbu_prefix
    search_categories = {category["fire"], category["ebike_charging"]}

    def contains(term: str) -> Callable[[list[str]], bool]:
        term = term.lower()
        return lambda r: term in r[REF].lower() or term in r[TITLE].lower() or term in r[LOCATION].lower()

    common, rare = contains("楼道"), contains("鑫源五金店")
    return [
        ListQuery("overdue", "open & overdue in 航埠镇, by due date",
               {"unit": hangbu, "due_state": ["overdue", "long_overdue"], "sort": "due"},
               # Due at the end of a local day: overdue means the due date is before today.
               lambda r: r[CODE].startswith(hangbu) and r[STATUS] in open_labels and r[DUE] < today,
               lambda r: (r[DUE], r[REF])),
        ListQuery("search", "fire + e-bike, text “楼道”, newest first",
               {"category": ["fire", "ebike_charging"], "q": "楼道", "sort": "-opened"},
               lambda r: r[CATEGORY] in search_categories and common(r),
               lambda r: (r[OPENED], r[REF]), descending=True),
        ListQuery("rare", "text “鑫源五金店” (rare), newest first",
               {"q": "鑫源五金店", "sort": "-opened"}, rare,
               lambda r: (r[OPENED], r[REF]), descending=True, depths=(1, 20)),
        ListQuery("range", f"closed, opened {month_from:%Y-%m}, oldest first",
               {"status": ["closed"], "opened_from": month_from.isoformat(),
                "opened_to": month_to.isoformat(), "sort": "opened"},
               lambda r: r[STATUS] == status[Status.CLOSED]
               and month_from.isoformat() <= r[OPENED][:10] <= month_to.isoformat(),
               lambda r: (r[OPENED], r[REF])),
        ListQuery("all", "everything in scope, newest first", {"sort": "-opened"},
               lambda r: True, lambda r: (r[OPENED], r[REF]), descending=True),
    ]


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def _get(client: Any, url: str, params: dict[str, Any]) -> dict[str, Any]:
    response = client.get(url, params)
    if response.status_code != 200:
        raise RuntimeError(f"{url} {params}: {response.status_code} {response.content[:300]!r}")
    return response.json()


def _cursor_for_page(user: Any, params: dict[str, Any], page: int) -> str | None:
    """The cursor a client holds for ``page`` after walking the pages before it: taken with
    the API's own ``keyset_page`` in one step (walking 199 pages first would only cost time)."""
    from pingan.core.pagination import keyset_page
    from pingan.hazards.selectors import SORTS, HazardFilters, hazard_list

    if page == 1:
        return None
    filters = HazardFilters(**params)
    _rows, cursor = keyset_page(hazard_list(user=user, filters=filters), ordering=SORTS[filters.sort],
                                cursor=None, limit=(page - 1) * PAGE)
    return cursor


def _explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            depth: dict[int, int] = {0: -1}
            lines = []
            for node, parent, _unused, detail in cursor.fetchall():
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return "\n".join(lines)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _slowest_sql(call: Callable[[], Any]) -> tuple[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    return slowest["sql"], float(slowest["time"]) * 1000


def run_api(ctx: Context, queries: list[ListQuery], budget: Budget, *, explain_ms: float,
            log: Callable[[str], None]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cases: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    explained: set[tuple[str, str, str]] = set()
    for query in queries:
        for persona in ctx.personas:
            client = persona.client
            first = _get(client, "/bench/hazards", {**query.params, "page": 1})
            matches = first["count"]
            pages = max(1, -(-matches // PAGE))
            depths = [d for d in query.depths if d <= pages]
            cursors = {depth: _cursor_for_page(persona.user, query.params, depth) for depth in depths}
            for depth in depths:
                keyset_params = {**query.params, **({"cursor": cursors[depth]} if cursors[depth] else {})}
                offset_params = {**query.params, "page": depth}
                keyset_refs = [i["ref"] for i in _get(client, "/api/v1/hazards", keyset_params)["items"]]
                offset_refs = [i["ref"] for i in _get(client, "/bench/hazards", offset_params)["items"]]

                def keyset_call(params: dict[str, Any] = keyset_params, client: Any = client) -> Any:
                    return client.get("/api/v1/hazards", params)

                def offset_call(params: dict[str, Any] = offset_params, client: Any = client) -> Any:
                    return client.get("/bench/hazards", params)

                # The row checks above were each call's first run; one more warms it up.
                keyset = measure(keyset_call, budget, warmup=1)
                offset = measure(offset_call, budget, warmup=1)
                case = {
                    "persona": persona.key, "query": query.key, "label": query.label,
                    "params": query.params, "matches": matches, "page": depth,
                    "keyset": keyset.as_json(), "offset": offset.as_json(),
                    "keyset_over_offset": round(keyset.median_ms / offset.median_ms, 4),
                    "same_rows": keyset_refs == offset_refs,
                }
                cases.append(case)
                log(f"  {persona.key:7} {query.key:8} page {depth:>3}  matches {matches:>9,}  "
                    f"keyset {keyset.median_ms:8.2f} ms (p99 {keyset.p99_ms:8.2f}, n {keyset.n:3})  "
                    f"offset {offset.median_ms:8.2f} ms (p99 {offset.p99_ms:8.2f}, n {offset.n:3})  "
                    f"{'' if case['same_rows'] else 'ROWS DIFFER'}")
                for kind, timing, call in (("keyset", keyset, keyset_call), ("offset", offset, offset_call)):
                    # Deeper pages of a query mostly share its plan: one per query and pagination.
                    if timing.median_ms >= explain_ms and (persona.key, query.key, kind) not in explained:
                        explained.add((persona.key, query.key, kind))
                        sql, ms = _slowest_sql(call)
                        plans.append({"persona": persona.key, "query": query.key, "page": depth,
                                      "pagination": kind, "slowest_statement_ms": round(ms, 2),
                                      "sql": sql, "plan": _explain(sql)})
    return cases, plans


def _csv_load(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        return list(reader)


def run_spreadsheet(ctx: Context, queries: list[ListQuery], csv_path: Path, budget: Budget, *,
                    hazard_counts: dict[tuple[str, str], int], log: Callable[[str], None]
                    ) -> dict[str, Any]:
    rows: list[list[str]] = []

    def load() -> None:
        nonlocal rows
        rows = []
        gc.collect()
        rows = _csv_load(csv_path)

    opening = measure(load, budget, warmup=0)
    log(f"  open the ledger CSV ({len(rows):,} rows): {opening.median_ms:,.0f} ms (n {opening.n})")
    results = []
    for query in queries:
        for persona in ctx.personas:
            def filter_call(query: ListQuery = query, persona: Persona = persona) -> list[list[str]]:
                hits = [r for r in rows if persona.scope_filter(r) and query.row_filter(r)]
                hits.sort(key=query.sort_key, reverse=query.descending)
                return hits

            matches = len(filter_call())
            filtering = measure(filter_call, budget, warmup=0)
            expected = hazard_counts[(persona.key, query.key)]
            results.append({
                "persona": persona.key, "query": query.key, "matches": matches,
                "same_count_as_api": matches == expected,
                "filter_only": filtering.as_json(),
                "open_plus_filter_median_ms": round(opening.median_ms + filtering.median_ms, 1),
            })
            log(f"  {persona.key:7} {query.key:8} matches {matches:>9,}"
                f"{'' if matches == expected else f' (API: {expected:,}!)'}  filter "
                f"{filtering.median_ms:8.1f} ms (n {filtering.n})")
    return {"open": opening.as_json(), "rows": len(rows), "queries": results}


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _fmt(ms: float) -> str:
    return f"{ms:,.1f}" if ms < 100 else f"{ms:,.0f}"


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


def print_tables(result: dict[str, Any], ctx: Context, queries: list[ListQuery]) -> None:
    persona_label = {p.key: p.label for p in ctx.personas}
    query_label = {q.key: q.label for q in queries}
    print()
    print(f"Hazard list API, {result['rows']:,} hazards on {result['database']}; "
          f"ms per request, in process (Django test client, no network)")
    header = (f"{'persona':26} {'query':42} {'matches':>9} {'page':>4} | {'keyset med':>10} {'p99':>8} "
              f"{'n':>4} | {'OFFSET med':>10} {'p99':>8} {'n':>4} | {'keyset/offset':>13}")
    print(header)
    print("-" * len(header))
    for c in result["cases"]:
        keyset, offset = c["keyset"], c["offset"]
        print(f"{persona_label[c['persona']]:26} {query_label[c['query']]:42} {c['matches']:>9,} "
              f"{c['page']:>4} | {_fmt(keyset['median_ms']):>10} {_fmt(keyset['p99_ms']):>8} "
              f"{keyset['n']:>4} | {_fmt(offset['median_ms']):>10} {_fmt(offset['p99_ms']):>8} "
              f"{offset['n']:>4} | {c['keyset_over_offset']:>13.3f}"
              f"{'' if c['same_rows'] else '  ROWS DIFFER'}")
    sheet = result.get("spreadsheet")
    if not sheet:
        return
    print()
    opening = sheet["open"]
    print(f"Spreadsheet proxy: the ledger as CSV ({result['csv_mb']:.0f} MB, {sheet['rows']:,} rows), "
          f"read and filtered with Python's csv module —\na stand-in for opening and filtering it in "
          f"Excel, not Excel itself. Opening it: {_fmt(opening['median_ms'])} ms (n {opening['n']}).")
    if sheet["rows"] + 1 > EXCEL_MAX_ROWS:
        print(f"Excel cannot even hold it: a sheet has at most {EXCEL_MAX_ROWS:,} rows.")
    else:
        print(f"Excel's limit is {EXCEL_MAX_ROWS:,} rows a sheet; this ledger fills "
              f"{100 * (sheet['rows'] + 1) / EXCEL_MAX_ROWS:.0f}% of it.")
    header = (f"{'persona':26} {'query':42} {'matches':>9} | {'API page 1':>10} | {'CSV filter':>10} "
              f"{'p99':>8} | {'open+filter':>11} | {'filter/API':>10} {'open+filter/API':>15}")
    print(header)
    print("-" * len(header))
    api_first = {(c["persona"], c["query"]): c for c in result["cases"] if c["page"] == 1}
    for s in sheet["queries"]:
        api = api_first[(s["persona"], s["query"])]["keyset"]["median_ms"]
        print(f"{persona_label[s['persona']]:26} {query_label[s['query']]:42} {s['matches']:>9,} | "
              f"{_fmt(api):>10} | {_fmt(s['filter_only']['median_ms']):>10} "
              f"{_fmt(s['filter_only']['p99_ms']):>8} | {_fmt(s['open_plus_filter_median_ms']):>11} | "
              f"{_times(s['filter_only']['median_ms'] / api):>10} "
              f"{_times(s['open_plus_filter_median_ms'] / api):>15}"
              f"{'' if s['same_count_as_api'] else '  COUNT DIFFERS'}")


def save(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    everything = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    everything[result["database"]] = result
    path.write_text(json.dumps(everything, ensure_ascii=False, indent=1, default=str) + "\n",
                    encoding="utf-8")


def _environment() -> dict[str, Any]:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return {"python": platform.python_version(), "django": django.get_version(),
            "database_version": version, "cpus": os.cpu_count(), "machine": platform.machine(),
            "system": platform.platform()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per case, at most")
    parser.add_argument("--min-repeat", type=int, default=10, help="timed requests per case, at least")
    parser.add_argument("--budget", type=float, default=4.0,
                        help="seconds per case after which it stops at --min-repeat")
    parser.add_argument("--csv-repeat", type=int, default=5, help="timed spreadsheet passes per query")
    parser.add_argument("--no-spreadsheet", action="store_true", help="skip the CSV baseline")
    parser.add_argument("--explain-ms", type=float, default=50.0,
                        help="print the query plan of every case whose median is this slow")
    parser.add_argument("--pg-server", default=DEFAULT_PG_SERVER,
                        help="server for the scratch database pingan_bench (created and dropped)")
    parser.add_argument("--seed", type=int, default=330802)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the scratch database and files are removed either way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    with scratch_django(db=args.db, pg_server=args.pg_server) as workdir:
        from django.utils import timezone

        csv_path = None if args.no_spreadsheet else workdir / "ledger.csv"
        loaded = load_hazards(rows=args.rows, now=timezone.now(), seed=args.seed, csv_path=csv_path)
        install_offset_api()
        # Other work on the machine skews latency; the load average tells a reader how much.
        load_before = [round(x, 2) for x in os.getloadavg()]
        ctx = build_context(loaded)
        queries = build_queries(ctx)
        budget = Budget(repeat=args.repeat, minimum=min(args.min_repeat, args.repeat), seconds=args.budget)
        print(f"timing the list API ({args.repeat} requests a case, at least {budget.minimum}, "
              f"{args.budget:g} s budget)…", flush=True)
        cases, plans = run_api(ctx, queries, budget, explain_ms=args.explain_ms,
                               log=lambda line: print(line, flush=True))
        result: dict[str, Any] = {
            "benchmark": "Hazard list API with 1,000,000 hazards: median and p99 latency of a filtered page",
            "database": args.db, "rows": args.rows, "page_size": PAGE,
            "run_at": timezone.now().isoformat(timespec="seconds"),
            "environment": {**_environment(), "load_average_before": load_before,
                            "load_average_after": [round(x, 2) for x in os.getloadavg()]},
            "load_seconds": {k: round(v, 2) for k, v in loaded.seconds.items()},
            "load_total_seconds": round(loaded.total_seconds, 1),
            "ledger_counts": loaded.counts,
            "timing": {"repeat": args.repeat, "min_repeat": budget.minimum, "budget_seconds": args.budget,
                       "how": "in process, django.test.Client, bearer token; p99 = nearest rank"},
            "cases": cases,
            "slow_query_plans": plans,
        }
        if csv_path:
            result["csv_mb"] = loaded.csv_bytes / 1e6
            print("timing the spreadsheet proxy (csv module)…", flush=True)
            counts = {(c["persona"], c["query"]): c["matches"] for c in cases if c["page"] == 1}
            csv_budget = Budget(repeat=args.csv_repeat, minimum=min(3, args.csv_repeat),
                                seconds=args.budget)
            result["spreadsheet"] = run_spreadsheet(
                ctx, queries, csv_path, csv_budget, hazard_counts=counts,
                log=lambda line: print(line, flush=True))
        result["wall_seconds"] = round(time.perf_counter() - started, 1)
        print_tables(result, ctx, queries)
        for plan in plans:
            print(f"\nQuery plan, {plan['persona']} / {plan['query']} / page {plan['page']} / "
                  f"{plan['pagination']} (slowest statement {plan['slowest_statement_ms']} ms):")
            print(plan["plan"])
        save(result, args.out)
    print(f"\nwrote {args.out} [{args.db}]; wall time {time.perf_counter() - started:,.0f} s "
          f"(load {loaded.total_seconds:,.0f} s); scratch database removed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
