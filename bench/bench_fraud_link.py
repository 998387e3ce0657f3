#!/usr/bin/env python
"""Fraud case linking (串并案) from a CSV file to ranked rings, side by side with the tools a
user would otherwise pick.

    .venv/bin/python bench/bench_fraud_link.py [--rows 1000000 10000000] [--large-rows 100000000]
                                               [--spark-rows 10000000] [--skip networkx]
                                               [--keep DIR] [--memory-cap-gb 14] [--time-cap 1800]

A case file of ``--rows`` case–identifier rows is generated the way a fraud export looks:
string identifiers written many ways (phones with +86, dashes and full-width digits, bank
cards in groups of four, URLs with schemes, ``www.``, paths and tracking parameters, IM
accounts with platform prefixes, IMEIs, IDFAs, IP addresses), cases in planted rings of
heavy-tailed sizes (most cases alone, some rings of hundreds), each case's loss, victims,
unit and date repeated on each of its rows, and a few very common identifiers (a bank's
service number, popular apps) that the degree threshold must leave out.

Each contender runs in a process of its own, so that its time and peak memory are its own,
and does the whole job: read the CSV, normalise every identifier (with Pingan's normaliser,
so that all do the same work), drop the stoplist and over-common identifiers, find the
components, compute each ring's statistics, rank, write RINGS.csv and MEMBERS.csv:

    pingan      ``pingan fraud link``'s own code path (casefile.read_cases, RingIndex,
                write_rings, write_members), timed by phase
    networkx    a networkx.Graph of case and identifier nodes, connected_components,
                statistics in Python
    igraph      python-igraph over integer ids (the same string→int dictionaries),
                connected_components, statistics in Python
    floor       the bare connected-components call (SciPy, on the integer graph Pingan built,
                which is not timed), and the bare csv.reader pass over the file
    spark       ``pingan fraud link --engine spark``'s code path (pingan.fraud.spark.link_file)
                on a local Spark session (every core), JVM start included

Every contender runs at every ``--rows`` size (Spark only at ``--spark-rows``, Pingan alone
at ``--large-rows``). The peers write the same RINGS.csv and MEMBERS.csv as Pingan (same
ring ids, statistics and tie-breaks); the script checks the files are byte-identical. The
parent samples each child's process tree (the JVM and Python workers included) for its peak
memory, and stops a child past ``--memory-cap-gb`` (or when the machine runs short) or
``--time-cap`` seconds: the table then says so. Prints a table and ratios and writes
bench/results/fraud_link.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import platform
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "fraud_link.json"
CONTENDERS = ("pingan", "networkx", "igraph", "floor", "spark")
PEERS = ("networkx", "igraph")
MACHINE_RESERVE_MB = 2500  # stop a child when the machine has less than this available
MAX_DEGREE = 50
STOPLIST = ("phone:95588", "phone:95533", "phone:10086")
HEADER = ("case_ref", "identifier_kind", "identifier_value", "loss", "victims", "unit_code", "reported_on")


def setup_django(var_dir: str) -> None:
    """Pingan's settings on a scratch directory: linking a file touches no database."""
    os.environ["PINGAN_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "pingan.settings"
    os.environ["PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE"] = str(MAX_DEGREE)
    os.environ["PINGAN_FRAUD_IDENTIFIER_STOPLIST"] = ",".join(STOPLIST)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------
# The case file
# ---------------------------------------------------------------------------

WIDE = str.maketrans("0123456789", "０１２３４５６７８９")
TLDS = ["com", "cn", "com.cn", "net", "top", "xyz", "vip", "cc", "net.cn", "shop", "club"]
WORDS = ["licai", "touzi", "kefu", "daikuan", "shuadan", "fanli", "jinrong", "zhifu", "youxi", "pay",
         "vip", "bank", "gov", "app", "game", "love", "trade", "coin", "fund", "quick"]
APPS = ["理财宝", "聚财通", "快贷", "金牛投资", "游戏交易猫", "缘来婚恋", "刷单返利", "云闪付助手", "安心贷"]
COMMON = [("app", "微信"), ("app", "支付宝"), ("app", "QQ"), ("phone", "95588"), ("phone", "95533"),
          ("url", "baidu.com"), ("phone", "10086")]
PLATFORM_PREFIX = ["wx:", "WX: ", "微信：", "qq:", "", "tg:@"]


def luhn_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body)):
        d = int(char)
        if position % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def new_identifier(rng: random.Random) -> tuple[str, str]:
    """A fresh identifier as (kind, canonical seed); written out later in one of its forms.
    The name spaces are wide enough that chance collisions between rings stay rare: narrow
    ones (a thousand app names) join the big rings into one giant component at 10⁷ rows."""
    roll = rng.random()
    if roll < 0.34:
        return "phone", f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    if roll < 0.58:
        body = "62" + "".join(rng.choice("0123456789") for _ in range(rng.choice((14, 16)) - 1))
        return "bank_account", body + luhn_digit(body)
    if roll < 0.72:
        host = f"{rng.choice(WORDS)}{rng.randrange(10**7)}.{rng.choice(TLDS)}"
        if rng.random() < 0.3:
            host = f"{rng.choice(['m', 'pay', 'h5', 'kf'])}.{host}"
        return "url", host
    if roll < 0.82:
        return "im_account", f"{rng.choice(WORDS)}_{rng.randrange(10**8)}"
    if roll < 0.86:
        return "payment_account", f"{rng.choice(WORDS)}{rng.randrange(10**8)}@qq.com"
    if roll < 0.91:
        body = f"86{rng.randrange(10**12):012d}"
        return "device_id", body + luhn_digit(body)
    if roll < 0.96:
        octets = (rng.randrange(1, 224), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
        return "ip", ".".join(map(str, octets))
    return "app", f"{rng.choice(APPS)}{rng.randrange(10**7)}"


def written(rng: random.Random, kind: str, seed: str) -> str:
    """One way a person types the identifier."""
    roll = rng.random()
    if kind == "phone" and len(seed) == 11:
        if roll < 0.5:
            return seed
        if roll < 0.7:
            return f"+86 {seed[:3]} {seed[3:7]} {seed[7:]}"
        if roll < 0.85:
            return f"{seed[:3]}-{seed[3:7]}-{seed[7:]}"
        if roll < 0.95:
            return f"0086{seed}"
        return seed.translate(WIDE)
    if kind == "bank_account":
        if roll < 0.5:
            return seed
        return " ".join(seed[i:i + 4] for i in range(0, len(seed), 4))
    if kind == "url":
        if roll < 0.3:
            return seed
        scheme = rng.choice(["http://", "https://"])
        www = "www." if roll < 0.6 and seed.count(".") < 3 else ""
        return f"{scheme}{www}{seed}/{rng.choice(WORDS)}?utm_source=sms&id={rng.randrange(10**5)}"
    if kind == "im_account":
        return rng.choice(PLATFORM_PREFIX) + (seed.upper() if roll < 0.2 else seed)
    if kind == "device_id" and roll < 0.3:
        return f"{seed[:2]}-{seed[2:8]}-{seed[8:14]}-{seed[14]}"
    return seed


def ring_size(rng: random.Random) -> int:
    """Heavy-tailed: three rings in five are a single case; a few have hundreds of cases."""
    roll = rng.random()
    if roll < 0.6:
        return 1
    if roll < 0.97:
        return rng.randint(2, 12)
    if roll < 0.997:
        return rng.randint(13, 120)
    return rng.randint(121, 800)


def generate(path: Path, rows: int, seed: int = 4) -> dict:
    rng = random.Random(seed)
    towns = [f"330802{t:03d}" for t in range(1, 19)]
    start = dt.date(2024, 1, 1).toordinal()
    written_rows = cases = rings = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        while written_rows < rows:
            size = ring_size(rng)
            rings += 1
            pool = [new_identifier(rng) for _ in range(max(1, size // 2 + rng.randint(0, 2)))]
            home = rng.choice(towns)
            for _ in range(size):
                cases += 1
                ref = f"A330802{rng.randint(2024, 2025)}{cases:08d}"
                loss = rng.choice((rng.randint(500, 5000), rng.randint(5000, 80000),
                                   rng.randint(1, 2_000_000)))
                facts = (f"{loss}.{rng.randrange(100):02d}" if rng.random() < 0.3 else str(loss),
                         "1" if rng.random() < 0.9 else str(rng.randint(2, 5)),
                         f"{home if rng.random() < 0.7 else rng.choice(towns)}{rng.randint(1, 12):03d}",
                         dt.date.fromordinal(start + rng.randrange(730)).isoformat())
                mine = rng.sample(pool, min(len(pool), rng.randint(1, 3))) if size > 1 else []
                own = rng.choice((0, 1, 1, 2)) if mine else rng.randint(1, 3)
                mine += [new_identifier(rng) for _ in range(own)]
                if rng.random() < 0.04:
                    mine.append(rng.choice(COMMON))
                for kind, value in mine:
                    writer.writerow((ref, kind, written(rng, kind, value), *facts))
                    written_rows += 1
    return {"rows": written_rows, "cases": cases, "planted_rings": rings,
            "mb": round(path.stat().st_size / 1e6, 1)}


# ---------------------------------------------------------------------------
# The contenders (each runs in a child process)
# ---------------------------------------------------------------------------


def run_pingan(path: Path, out: Path) -> dict:
    from pingan.fraud.casefile import OUTPUT_ENCODING, read_cases, write_members, write_rings
    from pingan.fraud.linking import RingIndex

    phases = {}
    started = time.perf_counter()
    index = RingIndex()
    report = read_cases(path, index)
    phases["read+normalise"] = time.perf_counter() - started
    mark = time.perf_counter()
    index.link()
    phases["link"] = time.perf_counter() - mark
    mark = time.perf_counter()
    rings = index.rings()
    phases["statistics+rank"] = time.perf_counter() - mark
    mark = time.perf_counter()
    with (out / "rings.csv").open("w", encoding=OUTPUT_ENCODING, newline="") as file:
        write_rings(rings, file)
    with (out / "members.csv").open("w", encoding=OUTPUT_ENCODING, newline="") as file:
        write_members(index, file)
    phases["write"] = time.perf_counter() - mark
    return {"rows": report.rows, "bad_rows": len(report.errors), "cases": index.case_count,
            "identifiers": index.identifier_count, "rings": len(rings), "linked_rings": rings.linked_count,
            "left_out": len(index.left_out()), "phases": {k: round(v, 2) for k, v in phases.items()}}


def read_plain(path: Path):
    """What the peers do before linking: the same parsing and normalisation as Pingan (the
    same functions and caches), strings mapped to dense ids, facts once per case."""
    from pingan.fraud.casefile import (
        _normalizer_for,
        _Parsed,
        _town_of,
        parse_day,
        parse_loss_fen,
        parse_victims,
    )

    normalizers = _Parsed(_normalizer_for)
    losses, victims_of = _Parsed(parse_loss_fen), _Parsed(parse_victims)
    towns, days = _Parsed(_town_of), _Parsed(parse_day)
    case_ids: dict[str, int] = {}
    ident_ids: dict[str, int] = {}
    facts: list[list] = []
    edges: set[tuple[int, int]] = set()
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file)
        next(reader)
        for ref, kind, value, loss, victims, unit, day in reader:
            try:
                key = normalizers[kind][value]
                row_facts = (losses[loss] if loss else None, victims_of[victims] if victims else None,
                             towns[unit] if unit else None, days[day] if day else None)
            except ValueError:
                continue
            case = case_ids.get(ref)
            if case is None:
                case = case_ids[ref] = len(case_ids)
                facts.append([None, None, None, None])
            mine = facts[case]
            for n, fact in enumerate(row_facts):
                if mine[n] is None:
                    mine[n] = fact
            ident = ident_ids.setdefault(key, len(ident_ids))
            edges.add((case, ident))
    return list(case_ids), list(ident_ids), facts, edges


def linking_edges(idents: list[str], edges: set[tuple[int, int]]) -> list[tuple[int, int]]:
    from collections import Counter

    from pingan.fraud.linking import default_stoplist

    stop = default_stoplist()
    degree = Counter(ident for _case, ident in edges)
    return [(c, i) for c, i in edges if degree[i] <= MAX_DEGREE and idents[i] not in stop]


def write_like_pingan(refs: list[str], facts: list[list], ring_of_case: list[int],
                      kept: list[tuple[int, int]], out: Path) -> int:
    """Ring statistics and ranking in plain Python, written as Pingan writes them."""
    from pingan.fraud.casefile import OUTPUT_ENCODING, RING_HEADER, _money
    from pingan.fraud.linking import DEFAULT_VICTIMS

    rings: dict[int, dict] = {}
    for case, ring in enumerate(ring_of_case):
        loss, victims, town, day = facts[case]
        r = rings.get(ring)
        if r is None:
            r = rings[ring] = {"id": refs[case], "cases": 0, "victims": 0, "loss": 0, "towns": set(),
                               "first": None, "last": None, "idents": set()}
        r["id"] = min(r["id"], refs[case])
        r["cases"] += 1
        r["victims"] += DEFAULT_VICTIMS if victims is None else victims
        r["loss"] += loss or 0
        if town:
            r["towns"].add(town)
        if day:
            r["first"] = day if r["first"] is None else min(r["first"], day)
            r["last"] = day if r["last"] is None else max(r["last"], day)
    for case, ident in kept:
        rings[ring_of_case[case]]["idents"].add(ident)
    ranked = sorted(rings.values(), key=lambda r: (-r["loss"], -r["victims"], -len(r["towns"]), r["id"]))
    iso = {}
    with (out / "rings.csv").open("w", encoding=OUTPUT_ENCODING, newline="") as file:
        writer = csv.writer(file)
        writer.writerow(RING_HEADER)
        for rank, r in enumerate(ranked, start=1):
            first, last = (iso.setdefault(day, dt.date.fromordinal(day).isoformat() if day else "")
                           for day in (r["first"], r["last"]))
            major = r["loss"] >= 500_000 * 100 or r["victims"] >= 10
            writer.writerow((rank, r["id"], r["cases"], r["victims"], _money(r["loss"]), len(r["towns"]),
                             first, last, int(major), len(r["idents"])))
    ring_ids = {ring: r["id"] for ring, r in rings.items()}
    with (out / "members.csv").open("w", encoding=OUTPUT_ENCODING, newline="") as file:
        writer = csv.writer(file)
        writer.writerow(("case_ref", "ring_id"))
        writer.writerows((ref, ring_ids[ring]) for ref, ring in zip(refs, ring_of_case, strict=True))
    return len(rings)


def run_networkx(path: Path, out: Path) -> dict:
    import networkx as nx

    started = time.perf_counter()
    refs, idents, facts, edges = read_plain(path)
    phases = {"read+normalise": time.perf_counter() - started}
    mark = time.perf_counter()
    kept = linking_edges(idents, edges)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(refs)))  # cases are 0..n-1, identifiers -1, -2, …
    graph.add_edges_from((case, -1 - ident) for case, ident in kept)
    ring_of_case = [0] * len(refs)
    for number, component in enumerate(nx.connected_components(graph)):
        for node in component:
            if node >= 0:
                ring_of_case[node] = number
    phases["link"] = time.perf_counter() - mark
    mark = time.perf_counter()
    rings = write_like_pingan(refs, facts, ring_of_case, kept, out)
    phases["statistics+rank+write"] = time.perf_counter() - mark
    return {"rings": rings, "version": nx.__version__, "phases": {k: round(v, 2) for k, v in phases.items()}}


def run_igraph(path: Path, out: Path) -> dict:
    import igraph

    started = time.perf_counter()
    refs, idents, facts, edges = read_plain(path)
    phases = {"read+normalise": time.perf_counter() - started}
    mark = time.perf_counter()
    kept = linking_edges(idents, edges)
    n = len(refs)
    graph = igraph.Graph(n=n + len(idents), edges=[(case, n + ident) for case, ident in kept])
    membership = graph.connected_components().membership
    phases["link"] = time.perf_counter() - mark
    mark = time.perf_counter()
    rings = write_like_pingan(refs, facts, membership[:n], kept, out)
    phases["statistics+rank+write"] = time.perf_counter() - mark
    return {"rings": rings, "version": igraph.__version__,
            "phases": {k: round(v, 2) for k, v in phases.items()}}


def numpy_hooking(a: np.ndarray, b: np.ndarray, nodes: int) -> np.ndarray:
    """Connected components with NumPy alone: hook each edge's larger root under its smaller
    one, then jump pointers until every node points at its root; repeat until no edge joins
    two roots. The alternative to SciPy that Pingan's engine was measured against."""
    parent = np.arange(nodes, dtype=np.int64)
    while True:
        pa, pb = parent[a], parent[b]
        differ = pa != pb
        if not differ.any():
            return parent
        np.minimum.at(parent, np.maximum(pa, pb)[differ], np.minimum(pa, pb)[differ])
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped


def python_union_find(a: list[int], b: list[int], nodes: int) -> list[int]:
    parent = list(range(nodes))
    for x, y in zip(a, b, strict=True):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        while parent[y] != y:
            parent[y] = parent[parent[y]]
            y = parent[y]
        if x != y:
            parent[max(x, y)] = min(x, y)
    return parent


def run_floor(path: Path, out: Path) -> dict:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    started = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = sum(1 for _ in csv.reader(file)) - 1
    csv_seconds = time.perf_counter() - started
    # The integer graph Pingan links (untimed), then the one call.
    from pingan.fraud.casefile import read_cases
    from pingan.fraud.linking import RingIndex

    index = RingIndex()
    read_cases(path, index)
    index.link()
    cases, idents = index._kept_pairs()
    n_cases, n_idents = index.case_count, index.identifier_count
    a, b = cases.astype(np.int64), idents.astype(np.int64) + n_cases
    graph = csr_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n_cases + n_idents,) * 2)
    started = time.perf_counter()
    expected, _labels = connected_components(graph, directed=False)
    floor = {"rows": rows, "csv_read_seconds": round(csv_seconds, 2),
             "connected_components_seconds": round(time.perf_counter() - started, 2),
             "edges": int(len(a)), "nodes": n_cases + n_idents}
    # The engines Pingan's link step could have used, on the same edges.
    started = time.perf_counter()
    parent = numpy_hooking(a, b, n_cases + n_idents)
    floor["numpy_hooking_seconds"] = round(time.perf_counter() - started, 2)
    assert len(np.unique(parent)) == expected
    if len(a) <= 20_000_000:
        started = time.perf_counter()
        python_union_find(a.tolist(), b.tolist(), n_cases + n_idents)
        floor["python_union_find_seconds"] = round(time.perf_counter() - started, 2)
    return floor


def run_spark(path: Path, out: Path) -> dict:
    from pingan.fraud.casefile import OUTPUT_ENCODING, write_members, write_rings
    from pingan.fraud.linking import default_stoplist
    from pingan.fraud.spark import link_file, spark_for

    phases = {}
    started = time.perf_counter()
    with spark_for("local[*]") as session:
        phases["session"] = time.perf_counter() - started
        mark = time.perf_counter()
        linked = link_file(session, path, stoplist=default_stoplist(), max_degree=MAX_DEGREE,
                           major_loss_yuan=500_000, major_victims=10)
        phases["link (Spark jobs)"] = time.perf_counter() - mark
        mark = time.perf_counter()
        with (out / "rings.csv").open("w", encoding=OUTPUT_ENCODING, newline="") as file:
            write_rings(linked.rings(), file)
        with (out / "members.csv").open("w", encoding=OUTPUT_ENCODING, newline="") as file:
            write_members(linked, file)
        phases["write"] = time.perf_counter() - mark
        parallelism = session.sparkContext.defaultParallelism
    import pyspark

    return {"rows": linked.report.rows, "cases": linked.case_count, "rings": len(linked.rings()),
            "version": pyspark.__version__, "parallelism": parallelism,
            "phases": {k: round(v, 2) for k, v in phases.items()}}


RUNNERS = {"pingan": run_pingan, "networkx": run_networkx, "igraph": run_igraph, "floor": run_floor,
           "spark": run_spark}


def child(name: str, path: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="pingan-bench-") as scratch:
        setup_django(scratch)
        baseline = peak_rss_mb()
        started, cpu_started = time.perf_counter(), time.process_time()
        result = RUNNERS[name](path, Path(scratch))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        result.update(seconds=round(seconds, 2), cpu_seconds=round(cpu, 2),
                      peak_rss_mb=round(peak_rss_mb(), 1), rss_growth_mb=round(peak_rss_mb() - baseline, 1))
        if name != "floor":
            for output in ("rings", "members"):
                digest = hashlib.sha256((Path(scratch) / f"{output}.csv").read_bytes()).hexdigest()
                result[f"{output}_sha256"] = digest
    return result


# ---------------------------------------------------------------------------
# The parent
# ---------------------------------------------------------------------------


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (a JVM, Python workers…)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0]) / 1024 if "VmRSS:" in status else 0
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("inf")


def run_child(name: str, path: Path, *, memory_cap_mb: float, time_cap: float) -> dict:
    """The contender in a process (group) of its own, its tree's memory sampled twice a
    second; stopped past the caps, or when the machine runs short for everyone else."""
    print(f"  running {name} on {path.name}…", file=sys.stderr)
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        child = subprocess.Popen([sys.executable, __file__, "--child", name, "--file", str(path)],
                                 stdout=stdout, stderr=stderr, text=True, start_new_session=True)
        started, peak, stopped = time.perf_counter(), 0.0, None
        while child.poll() is None:
            rss = tree_rss_mb(child.pid)
            peak = max(peak, rss)
            if rss > memory_cap_mb:
                stopped = f"stopped at {rss / 1024:.1f} GB, over the {memory_cap_mb / 1024:.0f} GB cap"
            elif available_mb() < MACHINE_RESERVE_MB:
                stopped = f"stopped at {rss / 1024:.1f} GB: under {MACHINE_RESERVE_MB} MB left on the machine"
            elif time.perf_counter() - started > time_cap:
                stopped = f"stopped after {time_cap:.0f} s, over the time cap"
            if stopped:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
                break
            time.sleep(0.5)
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read(), stderr.read()
    if stopped:
        return {"failed": stopped, "tree_peak_mb": round(peak, 1)}
    if child.returncode:
        return {"failed": err[-2000:], "tree_peak_mb": round(peak, 1)}
    result = json.loads(out.strip().splitlines()[-1])
    result["tree_peak_mb"] = round(peak, 1)
    return result


def ensure_installed(module: str, package: str) -> bool:
    """Peers are installed for the benchmark only, never as project dependencies."""
    try:
        __import__(module)
        return True
    except ImportError:
        done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=False)
        return done.returncode == 0


def describe(size: int, contenders: dict) -> list[str]:
    lines = [f"{size:,} rows:"]
    for name, r in contenders.items():
        if "failed" in r:
            lines.append(f"  {name:<9} did not finish: {r['failed'].strip().splitlines()[-1]}")
        elif name == "floor":
            lines.append(f"  {'floor':<9} connected_components {r['connected_components_seconds']:.2f} s on "
                         f"{r['edges']:,} edges (NumPy hooking {r['numpy_hooking_seconds']:.2f} s, Python "
                         f"union-find {r.get('python_union_find_seconds', '–')} s); "
                         f"csv.reader alone {r['csv_read_seconds']:.1f} s")
        else:
            phases = ", ".join(f"{k} {v:.1f}" for k, v in r.get("phases", {}).items())
            lines.append(f"  {name:<9} {r['seconds']:>8.1f} s (cpu {r['cpu_seconds']:>6.1f} s)  "
                         f"peak {r['peak_rss_mb']:>7,.0f} MB (+{r['rss_growth_mb']:,.0f} MB; process tree "
                         f"{r['tree_peak_mb']:,.0f} MB)  [{phases}]")
    return lines


def ratios(contenders: dict) -> dict:
    ours = contenders.get("pingan")
    out = {}
    if not ours or "failed" in ours:
        return out
    for peer in (*PEERS, "spark"):
        theirs = contenders.get(peer)
        if theirs and "failed" not in theirs:
            out[f"{peer} ÷ pingan (time)"] = round(theirs["seconds"] / ours["seconds"], 1)
            out[f"{peer} ÷ pingan (peak memory)"] = round(theirs["tree_peak_mb"] / ours["tree_peak_mb"], 1)
            out[f"{peer} writes the same rings and members"] = all(
                theirs[f"{output}_sha256"] == ours[f"{output}_sha256"] for output in ("rings", "members"))
    floor = contenders.get("floor")
    if floor and "failed" not in floor:
        out["pingan ÷ connected_components call (time)"] = round(
            ours["seconds"] / max(floor["connected_components_seconds"], 0.01), 1)
        out["pingan ÷ csv.reader pass (time)"] = round(ours["seconds"] / floor["csv_read_seconds"], 1)
    return out


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def dataset_at(folder: Path, size: int, *, keep: bool) -> tuple[Path, dict]:
    path = folder / f"fraud-cases-{size}.csv"
    about = path.with_suffix(".json")
    if keep and about.exists():
        return path, json.loads(about.read_text())  # generated by an earlier run: the same file
    started = time.perf_counter()
    dataset = generate(path, size)
    about.write_text(json.dumps(dataset))
    print(f"generated {path.name}: {dataset} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path, dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000],
                        help="Sizes at which every contender runs, side by side.")
    parser.add_argument("--large-rows", type=int, nargs="*", default=[], help="Sizes for Pingan alone.")
    parser.add_argument("--spark-rows", type=int, nargs="*", default=[],
                        help="Sizes at which the Spark engine runs too (needs the spark extra and Java).")
    parser.add_argument("--skip", action="append", default=[], choices=CONTENDERS)
    parser.add_argument("--keep", type=Path,
                        help="Keep the generated files in this directory, and reuse them from there.")
    parser.add_argument("--memory-cap-gb", type=float, default=14,
                        help="Stop a contender whose processes hold more (default 14).")
    parser.add_argument("--time-cap", type=float, default=1800,
                        help="Stop a contender after so many seconds (default 1800).")
    parser.add_argument("--results", type=Path, default=RESULTS, help=f"Where to write (default {RESULTS}).")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.file)))
        return

    peers = [p for p in PEERS if p not in args.skip]
    installed = {p: ensure_installed(p, "python-igraph" if p == "igraph" else p) for p in peers}
    caps = {"memory_cap_mb": args.memory_cap_gb * 1024, "time_cap": args.time_cap}
    runs = []
    with tempfile.TemporaryDirectory(prefix="pingan-bench-") as work:
        folder = args.keep or Path(work)
        folder.mkdir(parents=True, exist_ok=True)
        for size in sorted({*args.rows, *args.large_rows, *args.spark_rows}):
            path, dataset = dataset_at(folder, size, keep=bool(args.keep))
            wanted = ["pingan"]
            if size in args.rows:
                wanted += [*(p for p in peers if installed[p]), "floor"]
            if size in args.spark_rows:
                wanted.append("spark")
            contenders = {name: run_child(name, path, **caps) for name in CONTENDERS
                          if name in wanted and name not in args.skip}
            run = {"rows": size, "dataset": dataset, "load_average_after": os.getloadavg(),
                   "contenders": contenders, "ratios": ratios(contenders)}
            runs.append(run)
            print("\n".join(describe(size, contenders)))
            for key, value in run["ratios"].items():
                print(f"  {key}: {value}{'×' if isinstance(value, float) else ''}")
            if not args.keep:
                path.unlink()

    import pyarrow
    import scipy

    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({
        "benchmark": "fraud case linking, CSV to ranked rings",
        "max_degree": MAX_DEGREE,
        "stoplist": STOPLIST,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model(), "python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE")
                                                               * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                    "load_average_at_end": os.getloadavg(), "numpy": np.__version__,
                    "scipy": scipy.__version__, "pyarrow": pyarrow.__version__},
        "runs": runs,
    }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
