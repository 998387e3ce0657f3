#!/usr/bin/env python
"""Importing a fraud case ledger: each row relinking its rings, against one recompute at the end.

    .venv/bin/python bench/bench_fraud_import.py [--base 2000] [--rows 50 100 200 500 1000 2000]
                                                 [--db sqlite|postgres]

A police 案件台账 import goes row by row through ``fraud_case_record``. Linked row by row,
each case joins its ring as it is written, which relinks the rings it touches and reranks
them (tens of queries a row); with ``link_now=False`` it only stores its identifiers, and one
``rings_recompute`` after the last row links everything. The importer picks by how many rows
are new (``pingan.fraud.ledger.BULK_LINK_ROWS``); this script measures where the line lies.

The scratch database (SQLite in a temporary directory, or a PostgreSQL database created and
dropped; the real one is never touched) gets the demo district and ``--base`` fraud cases
from the demo generator (planted rings included), recorded through the services. The ledger
to import is those cases exported in full, each under a new case number: every row is a new
case that joins a ring already stored, so rings grow and merge as they would. Each size is
imported as a dry run (every row through the services, rings included, then rolled back), so
that every run starts from the same base, once each way; both must report the same number of
cases in a ring. Prints the times and their ratio and writes bench/results/fraud_import.json.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "fraud_import.json"
KEY_HEADER = "外部编号"
WAYS = {"row-by-row": 10**12, "one recompute": 0}  # BULK_LINK_ROWS that forces each way

sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))


def ledger(workbook_bytes: bytes, rows: int) -> bytes:
    """The first ``rows`` rows of the exported ledger (cycled if it is shorter), each under a
    case number no stored case has."""
    from openpyxl import Workbook, load_workbook

    source = load_workbook(io.BytesIO(workbook_bytes), read_only=True).active
    header, *body = [list(row) for row in source.iter_rows(values_only=True)]
    key = header.index(KEY_HEADER)
    out = Workbook(write_only=True)
    sheet = out.create_sheet()
    sheet.append(header)
    for n in range(rows):
        row = list(body[n % len(body)])
        row[key] = f"BENCH-{n + 1:06d}"
        sheet.append(row)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=int, default=2000, help="Cases stored before the imports.")
    parser.add_argument("--rows", type=int, nargs="+", default=[50, 100, 200, 500, 1000, 2000])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()

    from _dataset import scratch_django

    with scratch_django(db=args.db):
        from django.db import connection

        from pingan.demo import fraud as fraud_demo
        from pingan.demo.district import build_district, build_personas
        from pingan.demo.generator import DemoContext
        from pingan.fraud import ledger as fraud_ledger
        from pingan.fraud.models import FraudCase

        build_district()
        personas = build_personas()
        started = time.perf_counter()
        fraud_demo.generate(DemoContext.ending(personas=personas), args.base)
        base_seconds = time.perf_counter() - started
        stored = FraudCase.objects.count()
        print(f"{connection.vendor}: {stored} cases stored through the services in {base_seconds:.1f} s "
              f"({1000 * base_seconds / stored:.0f} ms a case, each joining its ring at once)", flush=True)
        exported = fraud_ledger.export_fraud_cases(FraudCase.objects.all(), user=personas.admin, full=True)

        runs = []
        for rows in args.rows:
            data = ledger(exported, rows)
            run = {"rows": rows}
            for way, threshold in WAYS.items():
                fraud_ledger.BULK_LINK_ROWS = threshold
                started = time.perf_counter()
                result = fraud_ledger.import_fraud_cases(io.BytesIO(data), actor=personas.admin,
                                                         filename="台账.xlsx", dry_run=True)
                seconds = time.perf_counter() - started
                if not result.ok or result.created != rows:
                    raise SystemExit(f"the import refused the ledger: {result} {result.errors[:3]}")
                run[way] = {"seconds": round(seconds, 2), "linked": result.linked}
            if run["row-by-row"]["linked"] != run["one recompute"]["linked"]:
                raise SystemExit(f"the two ways linked different numbers of cases: {run}")
            run["ratio"] = round(run["row-by-row"]["seconds"] / run["one recompute"]["seconds"], 2)
            runs.append(run)
            print(f"{rows:>6} rows: row by row {run['row-by-row']['seconds']:7.2f} s, "
                  f"one recompute {run['one recompute']['seconds']:7.2f} s "
                  f"(row by row ÷ one recompute: {run['ratio']:.2f}×); "
                  f"{run['one recompute']['linked']} of them in a ring", flush=True)

        import django

        results = {
            "database": connection.vendor, "base_cases": stored,
            "base_seconds": round(base_seconds, 1), "runs": runs,
            "machine": {"python": platform.python_version(), "django": django.get_version(),
                        "processor": platform.processor() or platform.machine()},
            "when": time.strftime("%Y-%m-%d %H:%M"),
        }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(f"written to {args.results}")


if __name__ == "__main__":
    main()
