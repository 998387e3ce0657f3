#!/usr/bin/env python
"""Latency of ``repeat_candidates`` for a new petition against a large stored ledger, side by
side with a naive scan.

    .venv/bin/python bench/bench_repeat_candidates.py [--rows 1000000] [--queries 200]
                                                      [--naive-queries 20]

A scratch SQLite database (``_dataset.scratch_django``) gets the demo district and ``--rows``
petitions written with raw SQL, as ``_dataset.load_hazards`` does for hazards. Petitioners
are skewed the way petition offices see them: most people petition once or twice, a few
hundreds of times (the busiest about 2,000), each mostly about one category and one matter
told in a few ways; a fifth give only a phone number.

Then, for ``--queries`` new petitions by petitioners drawn like the stored ones:

    indexed   ``pingan.petitions.selectors.repeat_candidates``: the ID-number and phone
              indexes narrow to the person, the category and "received earlier" in SQL,
              the text is scored in Python
    naive     the indexes dropped; every stored petition of the same person fetched (a full
              table scan) and scored, the category and threshold applied afterwards

Both must propose the same petitions. Prints latencies and writes
bench/results/repeat_candidates.json.
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

RESULTS = HERE / "results" / "repeat_candidates.json"
YEARS = 3
PHONE_ONLY_EVERY = 5  # a fifth of the petitioners give only a phone number
HOME_CATEGORY_SHARE = 0.8
# A matter per category, told a few ways: what a repeat petitioner writes each time.
MATTERS = {
    "urban_rural": ("小区违建未拆除", "小区内有人私自搭建阳光房，多次反映未拆除，影响采光。"),
    "land": ("征地补偿款未足额发放", "村民反映征地补偿款少发，要求按标准补足。"),
    "labour": ("拖欠工资", "某建筑工地拖欠农民工工资三个月，包工头失联。"),
    "rural": ("土地流转租金拖欠", "村里土地流转的租金两年没有支付，要求村委会督促。"),
    "environment": ("工厂夜间噪音扰民", "附近工厂夜间生产噪音很大，影响休息，要求整治。"),
    "law": ("判决执行不到位", "法院判决已生效，对方拒不履行，申请强制执行后仍未执行。"),
    "health": ("医疗纠纷赔偿", "家属在医院手术后出现并发症，要求医院赔偿并说明情况。"),
    "education": ("孩子入学难", "孩子户籍在本地却未被分配到学区学校，要求解决入学。"),
    "civil_affairs": ("低保被取消", "家中困难，低保资格被取消，要求重新核定。"),
    "discipline": ("村干部侵占集体资金", "举报村干部虚报项目侵占村集体资金。"),
    "other": ("邻里纠纷调解", "与邻居因排水问题发生纠纷，要求调解处理。"),
}
CATEGORIES = tuple(MATTERS)
OPENERS = ("", "再次反映：", "上次反映的问题仍未解决，", "我家", "本人多次反映，")
CLOSERS = ("", "希望尽快处理。", "请领导重视。", "至今没有答复。")


def _id_number(person: int) -> str:
    return f"330802{person:011d}1"


def _phone(person: int) -> str:
    return f"13{person:09d}"


def _phone_only(person: int) -> bool:
    return person % PHONE_ONLY_EVERY == 0


def _person(rng: random.Random, people: int) -> int:
    # Squaring a uniform draw skews it: person 0 petitions about rows / sqrt(people) times.
    return int(people * rng.random() ** 2)


def _home(person: int) -> str:
    return CATEGORIES[person % len(CATEGORIES)]


def _text(rng: random.Random, category: str) -> tuple[str, str]:
    title, matter = MATTERS[category]
    return title, f"{rng.choice(OPENERS)}{matter}{rng.choice(CLOSERS)}"


def _category(rng: random.Random, person: int) -> str:
    return _home(person) if rng.random() < HOME_CATEGORY_SHARE else rng.choice(CATEGORIES)


def load(*, rows: int, now: dt.datetime, rng: random.Random) -> dict[str, float]:
    from django.db import connection, transaction
    from tqdm import tqdm

    from pingan.core.models import Unit, UnitKind
    from pingan.demo.district import build_district, build_personas
    from pingan.petitions.models import Petition

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    build_district()
    build_personas()
    villages = list(Unit.objects.filter(kind__in=(UnitKind.VILLAGE, UnitKind.COMMUNITY))
                    .values_list("pk", "prefix", "parent_id"))
    seconds["district"] = time.perf_counter() - started

    petition_columns = [f.column for f in Petition._meta.local_concrete_fields]
    people = max(rows // 4, 1)
    span = dt.timedelta(days=365 * YEARS).total_seconds()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                       "AND tbl_name IN ('core_case', 'petitions_petition')")
        indexes = list(cursor.fetchall())
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    with transaction.atomic(), connection.cursor() as django_cursor:
        raw = django_cursor.cursor
        raw.execute("PRAGMA cache_size = -262144")
        case_sql = (f"INSERT INTO core_case ({', '.join(CASE_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(CASE_COLUMNS))})")
        petition_sql = (f"INSERT INTO petitions_petition ({', '.join(petition_columns)}) "
                        f"VALUES ({', '.join('?' * len(petition_columns))})")
        moments = sorted(now - dt.timedelta(seconds=span * rng.random()) for _ in range(rows))
        cases: list[tuple] = []
        petitions: list[tuple] = []
        for case_id, opened in enumerate(tqdm(moments, desc="insert petitions", unit="row",
                                              unit_scale=True, leave=False), start=1):
            person = _person(rng, people)
            category = _category(rng, person)
            title, matter = _text(rng, category)
            unit_id, prefix, town_id = villages[person % len(villages)]
            opened_text = str(opened.replace(tzinfo=None))
            cases.append((
                case_id, f"XF-{case_id:08d}", "petition", title, matter, category, "ordinary", "closed",
                0, prefix, opened_text, None, opened_text, None, "", 0, "", None, None, "bench", None,
                3, "", opened_text, None, None, None, unit_id,
            ))
            values = {
                "case_ptr_id": case_id, "profile": "national", "channel": "visit",
                "petition_type": "accusation" if category == "discipline" else "complaint",
                "petitioner_name": "张某",
                "petitioner_id_number": "" if _phone_only(person) else _id_number(person),
                "petitioner_phone": _phone(person), "petitioner_address": "",
                "handling_unit_id": town_id, "assigned_at": opened_text, "acceptance_due_at": opened_text,
                "objection_until": str(opened.date()), "repeat_dismissed": "[]",
            }
            petitions.append(tuple(values.get(c, "" if c.endswith(("reason", "facts", "outcome",
                                                                    "satisfaction")) else None)
                                   for c in petition_columns))
            if len(cases) == BATCH:
                raw.executemany(case_sql, cases)
                raw.executemany(petition_sql, petitions)
                cases, petitions = [], []
        if cases:
            raw.executemany(case_sql, cases)
            raw.executemany(petition_sql, petitions)
    seconds["insert"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    seconds["indexes"] = time.perf_counter() - started
    return seconds


def naive_candidates(petition, *, user):
    """Every stored petition of the same person, scored; category and threshold after."""
    from django.conf import settings
    from django.db.models import Q

    from pingan.petitions.models import Petition
    from pingan.petitions.similarity import similarity

    text = f"{petition.title} {petition.description}"
    same_person = Q(petitioner_phone=petition.petitioner_phone)
    if petition.petitioner_id_number:
        same_person |= Q(petitioner_id_number=petition.petitioner_id_number)
    scored = [(other, round(similarity(text, f"{other.title} {other.description}"), 3))
              for other in Petition.objects.visible_to(user).filter(same_person)]
    return sorted(((o, s) for o, s in scored
                   if o.category == petition.category and o.opened_at < petition.opened_at
                   and s >= settings.PINGAN_PETITION_REPEAT_SIMILARITY),
                  key=lambda c: (-c[1], -c[0].opened_at.timestamp()))


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"n": len(ordered), "median_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000, 2),
            "max_ms": round(ordered[-1] * 1000, 2), "mean_ms": round(statistics.fmean(ordered) * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--naive-queries", type=int, default=20)
    parser.add_argument("--seed", type=int, default=330802)
    args = parser.parse_args()

    with scratch_django(db="sqlite"):
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.utils import timezone

        from pingan.petitions.models import Petition
        from pingan.petitions.selectors import repeat_candidates

        rng = random.Random(args.seed)
        now = timezone.now().replace(microsecond=0)
        load_seconds = load(rows=args.rows, now=now, rng=rng)
        print(f"loaded {args.rows:,} petitions: "
              + ", ".join(f"{k} {v:.1f} s" for k, v in load_seconds.items()))
        admin = get_user_model().objects.get(username="admin")
        people = max(args.rows // 4, 1)
        probes = []
        for i in range(args.queries + 1):
            # The last probe is the busiest petitioner's (person 0, about rows / sqrt(people)
            # petitions): the worst case, reported on its own.
            person = _person(rng, people) if i < args.queries else 0
            category = _category(rng, person)
            title, matter = _text(rng, category)
            probes.append(Petition(
                pk=args.rows + 1 + i, title=title, description=matter, category=category,
                opened_at=now, petitioner_id_number="" if _phone_only(person) else _id_number(person),
                petitioner_phone=_phone(person),
            ))

        busiest = probes.pop()
        started = time.perf_counter()
        busiest_found = len(repeat_candidates(busiest, user=admin))
        busiest_indexed = time.perf_counter() - started
        busiest_stored = Petition.objects.filter(petitioner_phone=busiest.petitioner_phone).count()
        indexed, found = [], []
        for probe in probes:
            started = time.perf_counter()
            candidates = repeat_candidates(probe, user=admin)
            indexed.append(time.perf_counter() - started)
            found.append([c.petition.pk for c in candidates])

        with connection.cursor() as cursor:
            cursor.execute('DROP INDEX "petition_id_number_idx"')
            cursor.execute('DROP INDEX "petition_phone_idx"')
        naive, capped = [], 0
        for probe, expected in zip(probes[:args.naive_queries], found, strict=False):
            started = time.perf_counter()
            candidates = naive_candidates(probe, user=admin)
            naive.append(time.perf_counter() - started)
            # The indexed search looks at the person's REPEAT_SCAN_LIMIT latest petitions in
            # the category; the naive one at all of them, so it may find more, never other.
            everything = [o.pk for o, _s in candidates]
            if not set(expected) <= set(everything):
                raise SystemExit(f"naive and indexed disagree for {probe.petitioner_phone}")
            capped += len(everything) > len(expected)
        started = time.perf_counter()
        naive_candidates(busiest, user=admin)
        busiest_naive = time.perf_counter() - started

    sizes = [len(f) for f in found]
    result = {
        "date": dt.date.today().isoformat(), "rows": args.rows, "people": people,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "load_seconds": {k: round(v, 1) for k, v in load_seconds.items()},
        "candidates_per_query": {"median": statistics.median(sizes), "max": max(sizes)},
        "indexed": _stats(indexed), "naive": _stats(naive),
        "naive_found_more_past_the_scan_limit": capped,
        "busiest_petitioner": {"stored_petitions": busiest_stored, "candidates": busiest_found,
                               "indexed_ms": round(busiest_indexed * 1000, 2),
                               "naive_ms": round(busiest_naive * 1000, 2)},
        "speedup_median": round(statistics.median(naive) / statistics.median(indexed[:len(naive)]), 1),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"{'':8} {'n':>4} {'median ms':>10} {'p95 ms':>9} {'max ms':>9}")
    for name in ("indexed", "naive"):
        s = result[name]
        print(f"{name:8} {s['n']:>4} {s['median_ms']:>10} {s['p95_ms']:>9} {s['max_ms']:>9}")
    print(f"median speed-up {result['speedup_median']}×; candidates per query: median "
          f"{result['candidates_per_query']['median']}, max {result['candidates_per_query']['max']}")
    b = result["busiest_petitioner"]
    print(f"busiest petitioner ({b['stored_petitions']:,} petitions stored, {b['candidates']} proposed): "
          f"indexed {b['indexed_ms']} ms, naive {b['naive_ms']} ms")
    print(f"written to {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
