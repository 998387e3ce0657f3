#!/usr/bin/env python
"""Import a large hazard ledger, side by side with what a user would otherwise do.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--database-url postgres://…]
                                           [--skip service-loop] [--keep FILE.xlsx]

A ledger of ``--rows`` rows is generated as a district keeps it in Excel (a title line above
Chinese headers, the demo district's towns, villages and grid cells, dates typed a dozen
ways, full-width digits, stray spaces). Then each contender runs in its own process against
its own fresh database, so its time and peak memory are its own:

    openpyxl-read   read every row with openpyxl (read-only mode) and do nothing else: the floor
    pingan-import   ``pingan import``: validate every row, check units, scope and references,
                    then write all rows with their events in one transaction
    naive-orm       openpyxl, then ``Hazard.objects.create`` per row in one transaction: the script
                    a user writes by hand (no validation, no reference counter, no events, no
                    scope check, unparsed dates become "now")
    service-loop    the importer's own validation, then ``hazard_report`` per row in one
                    transaction: the same rows and events as pingan-import, without its bulk path

SQLite always (a fresh file in a temporary directory: the real database is never touched);
PostgreSQL too with ``--database-url`` (a scratch database is created and dropped on that
server). Prints one line per contender and writes bench/results/import.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "import.json"
CONTENDERS = ("openpyxl-read", "pingan-import", "naive-orm", "service-loop")
HEADER = ["台账编号", "隐患名称", "隐患类别", "隐患等级", "所属单位", "单位代码", "发现时间", "隐患地点",
          "隐患描述", "整改状态", "整改措施", "整改责任人"]
TITLE_LINES = 1


def setup_django(var_dir: str) -> None:
    """Configure Django on a scratch directory; DATABASE_URL, when set, names the database."""
    Path(var_dir).mkdir(parents=True, exist_ok=True)
    os.environ["PINGAN_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "pingan.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load_district():
    from pingan.demo.district import build_district, build_personas

    build_district()
    return build_personas()


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------
# The ledger
# ---------------------------------------------------------------------------

CATEGORY_WORDS = {
    "fire": (["消防", "消防安全", "消防隐患"], 24),
    "fire_mixed_use": (["三合一场所", "三合一"], 8),
    "ebike_charging": (["电动车", "电动自行车充电", "电动车充电"], 22),
    "flood": (["防汛防台", "防汛"], 8),
    "road": (["道路交通", "交通安全"], 12),
    "building": (["房屋安全", "自建房"], 10),
    "gas": (["燃气", "燃气安全"], 10),
    "other": (["其他"], 6),
}
TITLES = {
    "fire": ["{place}灭火器过期未更换", "{place}消防通道堆放杂物", "{place}疏散指示标志损坏",
             "{place}私拉乱接电线", "{place}安全出口被锁闭", "{place}消火栓无水"],
    "fire_mixed_use": ["{place}三合一场所住人", "{place}沿街店铺夹层住人", "{place}仓库与住宿未分隔"],
    "ebike_charging": ["{place}楼道内电动车充电", "{place}电动自行车进楼入户", "{place}飞线充电",
                       "{place}电动车停放堵塞通道"],
    "flood": ["{place}山塘溢洪道堵塞", "{place}低洼地带排水不畅", "{place}边坡有滑坡迹象",
              "{place}河道行洪断面被侵占"],
    "road": ["{place}路口缺少减速带", "{place}路段护栏缺失", "{place}交通标志被遮挡", "{place}急弯无警示"],
    "building": ["{place}自建房墙体开裂", "{place}危房仍有人居住", "{place}违章搭建彩钢棚",
                 "{place}屋面瓦片松动"],
    "gas": ["{place}餐饮店燃气软管老化", "{place}液化气钢瓶存放不当", "{place}未安装燃气报警器"],
    "other": ["{place}广告牌松动", "{place}井盖缺失", "{place}路灯杆倾斜"],
}
PLACES = ["{village}文化礼堂", "{village}老年活动中心", "{village}农贸市场", "{village}{n}号民房",
          "{village}沿街商铺", "{village}小学门口", "{village}{n}号出租房", "{village}村道{n}号桥",
          "{village}便利店", "{village}小区{n}幢"]
DETAILS = ["网格员日常巡查发现", "镇平安办排查发现", "群众来电反映", "村干部走访发现", "联合执法检查发现"]
MEASURES = ["已告知当事人限期整改", "已下发整改通知书", "已联系产权人", "已设置临时警示标志"]
OPEN_STATUS = ["未整改", "整改中", "待整改", ""]
PEOPLE = ["王建国", "李红", "张伟", "刘芳", "陈强", "杨洋", "赵磊", "周敏"]


def reported_cell(rng: random.Random, moment: dt.datetime):
    """The reported time the way people type it (or Excel stores it)."""
    roll = rng.random()
    if roll < 0.45:
        return moment
    if roll < 0.60:
        return moment.date()
    d = moment
    if roll < 0.70:
        return f"{d.year}年{d.month}月{d.day}日"
    if roll < 0.80:
        return f"{d.year}/{d.month}/{d.day}"
    if roll < 0.88:
        return d.strftime("%Y-%m-%d %H:%M")
    if roll < 0.93:
        return f"{d.year}.{d.month}.{d.day}"
    if roll < 0.98:
        wide = str.maketrans("0123456789", "０１２３４５６７８９")
        return f"{d.year}年{d.month}月{d.day}日".translate(wide)
    return f" {d.year} 年 {d.month} 月 {d.day} 日\u3000"


def generate(path: Path, rows: int, seed: int = 20260425) -> None:
    """Write a ``rows``-row ledger of the demo district to ``path``."""
    from openpyxl import Workbook

    from pingan.core.models import Unit, UnitKind

    rng = random.Random(seed)
    units = list(Unit.objects.filter(kind__in=[UnitKind.GRID, UnitKind.VILLAGE, UnitKind.COMMUNITY])
                 .select_related("parent").order_by("prefix"))
    categories = list(CATEGORY_WORDS)
    weights = [CATEGORY_WORDS[c][1] for c in categories]
    end = dt.datetime.now().replace(microsecond=0) - dt.timedelta(days=2)
    span = int((end - dt.datetime(2025, 1, 1)).total_seconds())
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("隐患台账")
    sheet.append(["柯城区安全隐患排查整治台账（除险保安）"])
    sheet.append(HEADER)
    for n in range(1, rows + 1):
        unit = rng.choice(units)
        village = unit.parent.name if unit.kind == UnitKind.GRID else unit.name
        category = rng.choices(categories, weights)[0]
        place = rng.choice(PLACES).format(village=village, n=rng.randint(1, 99))
        moment = dt.datetime(2025, 1, 1) + dt.timedelta(seconds=rng.randint(0, span))
        sheet.append([
            f"TZ-{n:06d}",
            rng.choice(TITLES[category]).format(place=place),
            rng.choice(CATEGORY_WORDS[category][0]),
            "重大" if rng.random() < 0.04 else "一般",
            unit.name,
            unit.code,
            reported_cell(rng, moment),
            f"{village}{rng.randint(1, 200)}号",
            f"{rng.choice(DETAILS)}，{rng.choice(MEASURES)}。",
            rng.choice(OPEN_STATUS),
            rng.choice(MEASURES),
            rng.choice(PEOPLE),
        ])
    workbook.save(path)


# ---------------------------------------------------------------------------
# The contenders (each runs in a child process)
# ---------------------------------------------------------------------------


def run_openpyxl_read(path: Path, actor) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in workbook.active.iter_rows(min_row=TITLE_LINES + 2, values_only=True))
    workbook.close()
    return count


def run_pingan_import(path: Path, actor) -> int:
    from pingan.hazards.ledger import import_hazards

    return import_hazards(path, actor=actor).created


def run_naive_orm(path: Path, actor) -> int:
    from django.db import transaction
    from django.utils import timezone
    from openpyxl import load_workbook

    from pingan.core.models import Unit
    from pingan.hazards.models import Hazard

    words = {w: c for c, (ws, _weight) in CATEGORY_WORDS.items() for w in ws}
    units = {u.code: u for u in Unit.objects.all()}
    tz = timezone.get_default_timezone()
    workbook = load_workbook(path, read_only=True, data_only=True)
    count = 0
    with transaction.atomic():
        for row in workbook.active.iter_rows(min_row=TITLE_LINES + 2, values_only=True):
            key, title, category, severity, _name, code, reported, location, description = row[:9]
            if isinstance(reported, dt.datetime):
                opened = timezone.make_aware(reported, tz)
            elif isinstance(reported, dt.date):
                opened = timezone.make_aware(dt.datetime.combine(reported, dt.time.min), tz)
            else:
                opened = timezone.now()
            unit = units[str(code)]
            count += 1
            Hazard.objects.create(
                ref=f"IMP-{count:07d}", kind="hazard", title=title, category=words.get(category, "other"),
                severity="major" if severity == "重大" else "ordinary", status="reported", unit=unit,
                unit_prefix=unit.prefix, opened_at=opened, location=location or "",
                description=description or "", source="import", external_ref=key, reporter=actor,
            )
    workbook.close()
    return count


def run_service_loop(path: Path, actor) -> int:
    # The importer's private phases, so that only the way rows are written differs.
    from django.db import transaction

    from pingan.core.models import EventType
    from pingan.hazards import ledger
    from pingan.hazards.services import hazard_report

    row_errors: list = []
    sheet, rows = ledger.read_rows(path, path.name, ledger.LAYOUT, ledger._ROW,
                                   context={"lookups": ledger._Lookups.build()}, row_errors=row_errors)
    plan = ledger._Importer(sheet=sheet, actor=actor, filename=path.name, row_errors=row_errors).plan(rows)
    assert not row_errors, row_errors[:5]
    with transaction.atomic():
        for item in plan.new:
            row = item.row
            hazard_report(actor=actor, unit=item.unit, title=row.title, category=row.category,
                          severity=row.severity or "ordinary", description=row.description or "",
                          location=row.location or "", source="import", external_ref=row.key,
                          opened_at=row.opened_at, event_type=EventType.IMPORTED)
    return len(plan.new)


RUNNERS = {
    "openpyxl-read": run_openpyxl_read,
    "pingan-import": run_pingan_import,
    "naive-orm": run_naive_orm,
    "service-loop": run_service_loop,
}


def child(name: str, path: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="pingan-bench-") as var_dir:
        setup_django(var_dir)
        from django.db import connection

        personas = load_district()
        baseline = peak_rss_mb()
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = RUNNERS[name](path, personas.admin)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        peak = peak_rss_mb()
        # Wall-clock time is what a user waits; CPU time (this process only, not the
        # database server) is steadier on a busy machine.
        result = {"rows": rows, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                  "rows_per_second": round(rows / seconds), "peak_rss_mb": round(peak, 1),
                  "rss_growth_mb": round(peak - baseline, 1), "database": connection.vendor}
        if name in ("pingan-import", "service-loop"):
            from pingan.core.events import ChainBreak, verify_chains
            from pingan.hazards.models import Hazard

            result["hazards_in_db"] = Hazard.objects.count()
            result["hash_chains_intact"] = not any(isinstance(i, ChainBreak) for i in verify_chains())
        connection.close()
    return result


# ---------------------------------------------------------------------------
# The parent: generate, run each contender, compare
# ---------------------------------------------------------------------------


def scratch_postgres(url: str, name: str, *, drop_only: bool = False) -> str:
    """Create (or drop) a scratch database on the server of ``url``; return its URL."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def run_child(name: str, path: Path, database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PINGAN_VAR_DIR")}
    scratch = f"pingan_bench_{name.replace('-', '_')}"
    if database_url:
        env["DATABASE_URL"] = scratch_postgres(database_url, scratch)
    try:
        done = subprocess.run([sys.executable, __file__, "--child", name, "--file", str(path)],
                              env=env, capture_output=True, text=True, check=False)
    finally:
        if database_url:
            scratch_postgres(database_url, scratch, drop_only=True)
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(rows: int, contenders: dict) -> dict:
    ratios = {}
    ours = contenders.get("pingan-import")
    if ours:
        if "openpyxl-read" in contenders:
            ratios["pingan-import ÷ openpyxl-read (time)"] = round(
                ours["seconds"] / contenders["openpyxl-read"]["seconds"], 2)
        for other in ("naive-orm", "service-loop"):
            if other in contenders:
                ratios[f"{other} ÷ pingan-import (time)"] = round(
                    contenders[other]["seconds"] / ours["seconds"], 2)
    return ratios


def describe(database: str, rows: int, contenders: dict, ratios: dict) -> str:
    lines = [f"import {rows:,} rows on {database}:"]
    for name, r in contenders.items():
        lines.append(f"  {name:<14} {r['seconds']:>8.1f} s (cpu {r['cpu_seconds']:>6.1f} s)  "
                     f"{r['rows_per_second']:>8,} rows/s  peak {r['peak_rss_mb']:>6.0f} MB "
                     f"(+{r['rss_growth_mb']:.0f} MB)")
    lines += [f"  {k}: {v}×" for k, v in ratios.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="Also run on this PostgreSQL server (a scratch database).")
    parser.add_argument("--skip", action="append", default=[], choices=CONTENDERS)
    parser.add_argument("--keep", type=Path, help="Keep the generated ledger at this path.")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.file)))
        return

    # SQLite unless --database-url says otherwise, whatever the shell has set.
    os.environ.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix="pingan-bench-") as work:
        path = args.keep or Path(work) / f"ledger-{args.rows}.xlsx"
        started = time.perf_counter()
        setup_django(str(Path(work) / "gen"))  # a throwaway database, only for the unit tree
        load_district()
        generate(path, args.rows)
        print(f"generated {path.name}: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB "
              f"in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        runs = []
        for database_url in (None, args.database_url) if args.database_url else (None,):
            contenders = {}
            for name in CONTENDERS:
                if name in args.skip:
                    continue
                print(f"  running {name}…", file=sys.stderr)
                contenders[name] = run_child(name, path, database_url)
            database = next(iter(contenders.values()))["database"] if contenders else "none"
            ratios = compare(args.rows, contenders)
            runs.append({"database": database, "contenders": contenders, "ratios": ratios})
            print(describe(database, args.rows, contenders, ratios))
        file_mb = round(path.stat().st_size / 1e6, 1)

    import django
    import openpyxl
    import pydantic

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "hazard ledger import",
        "rows": args.rows,
        "file_mb": file_mb,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average_at_end": os.getloadavg(),
                    "django": django.get_version(),
                    "openpyxl": openpyxl.__version__, "pydantic": pydantic.VERSION},
        "runs": runs,
    }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results: {RESULTS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
