"""A scratch database holding a large synthetic hazard ledger, for the benchmarks in ``bench/``.

``scratch_django`` points Django at a temporary directory (SQLite) or at a database it
creates and drops (PostgreSQL) *before* Django is set up, so the real ``var/`` database is
never opened. ``load_hazards`` builds the demo district and personas with the project's own
code, then writes the hazards with raw SQL — ``executemany`` on SQLite, ``COPY`` on
PostgreSQL — because the services cost some fifteen queries a hazard (hours for a million).
No events are written: the list benchmarks never read them.

The ledger is plausible rather than uniform: hazards spread over every town's grid cells,
villages and the towns themselves by population, categories in the urban or rural mix of
``pingan.demo.hazards``, about 5% major, 80% closed, 5% rejected and 15% open with a mix of
on-time, due-soon, overdue and long-overdue deadlines computed by the deadline rules
(``pingan.core.deadlines.due_date``), opened over three years, ids and ``YH-<year>-<n>``
references in the order the hazards were opened.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

SCRATCH_PG_NAME = "pingan_bench"
DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432"
BATCH = 50_000
YEARS = 3

CASE_COLUMNS = (
    "id", "ref", "kind", "title", "description", "category", "severity", "status", "is_open",
    "unit_prefix", "opened_at", "due_at", "closed_at", "extended_at", "extension_reason",
    "escalation_level", "location", "latitude", "longitude", "source", "external_ref", "version",
    "head_hash", "updated_at", "assignee_id", "reporter_id", "department_id", "unit_id",
)
HAZARD_COLUMNS = (
    "case_ptr_id", "immediate", "plan_goals", "plan_methods", "plan_funding", "plan_responsible",
    "plan_deadline", "plan_safety_measures", "rejection_reason",
    "duplicate_of_id", "rectifier_id", "verifier_id",
)


# ---------------------------------------------------------------------------
# The scratch database
# ---------------------------------------------------------------------------


def _pg_admin(server: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@contextlib.contextmanager
def scratch_django(*, db: str, pg_server: str = DEFAULT_PG_SERVER,
                   pg_name: str = SCRATCH_PG_NAME) -> Iterator[Path]:
    """Set Django up on an empty, migrated scratch database; drop it all on the way out.

    Must run before anything imports Django's settings. Yields a scratch directory (the
    SQLite file lives there; put other temporary files there too).
    """
    workdir = Path(tempfile.mkdtemp(prefix="pingan-listbench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "pingan.settings"
    os.environ["PINGAN_VAR_DIR"] = str(workdir)
    os.environ["PINGAN_MEDIA_ROOT"] = str(workdir / "media")
    (workdir / "static").mkdir()  # STATIC_ROOT: WhiteNoise warns about a missing one
    # DEBUG would keep every query of the run in memory.
    os.environ["PINGAN_DEBUG"] = "0"
    created_pg = False
    try:
        if db == "postgres":
            # A fixed scratch name, so a run that was killed leaves nothing behind past the next.
            _pg_admin(pg_server, f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)",
                      f"CREATE DATABASE {pg_name}")
            created_pg = True
            os.environ["DATABASE_URL"] = f"{pg_server}/{pg_name}"
        elif db == "sqlite":
            os.environ.pop("DATABASE_URL", None)
        else:
            raise ValueError(db)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        name = str(settings.DATABASES["default"]["NAME"])
        scratch = name == pg_name if db == "postgres" else name.startswith(str(workdir))
        if not scratch:
            raise RuntimeError(f"refusing to benchmark on {name}: not the scratch database")
        call_command("migrate", verbosity=0, skip_checks=True)
        yield workdir
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if created_pg:
            _pg_admin(pg_server, f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------------------
# The ledger's shape
# ---------------------------------------------------------------------------

OUTCOMES = (("closed", 0.80), ("rejected", 0.05), ("open", 0.15))
OPEN_STATUSES = (("reported", 0.20), ("assigned", 0.30), ("rectifying", 0.35),
                 ("awaiting_verification", 0.15))
# Open hazards' due states; a due day is drawn in the state's window, counted from today.
DUE_STATES = (("on_time", 0.45), ("due_soon", 0.15), ("overdue", 0.25), ("long_overdue", 0.15))
MAJOR_SHARE = 0.05
IMMEDIATE_SHARE = 0.04
EXTENDED_SHARE = 0.05
IMPORTED_SHARE = 0.10  # brought in from a town's old spreadsheet ledger
API_SHARE = 0.15


def _pick(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    roll = rng.random()
    for value, share in table:
        if roll < share:
            return value
        roll -= share
    return table[-1][0]


class Place(NamedTuple):
    unit_id: int
    prefix: str
    code: str
    name: str
    town: int  # index into Geography.towns
    village_name: str | None
    latitude: float
    longitude: float
    worker: int  # the user who handles it: the village's worker, or the town's


@dataclass
class Geography:
    towns: list[Any]
    town_urban: list[bool]
    town_weights: list[float]
    # Per town: its grid cells, villages and itself as places, each list non-empty.
    grids: list[list[Place]]
    villages: list[list[Place]]
    town_places: list[Place]
    town_worker: list[int]
    departments: dict[str, tuple[int, str]]  # category -> (department id, name)
    names: dict[int, str] = field(default_factory=dict)  # user id -> full name


def _staff(district: Any) -> Geography:
    """The unit tree as places, and a handler for every village and town (assignees)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from pingan.core.models import Responsibility, Role, RoleName, Unit, UnitKind
    from pingan.demo.texts import GIVEN, SURNAMES

    User = get_user_model()
    units = list(Unit.objects.exclude(kind=UnitKind.DEPARTMENT).order_by("prefix"))
    by_parent: dict[int | None, list[Unit]] = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    towns = by_parent[district.pk]
    holders = [u for u in units if u.kind in (UnitKind.VILLAGE, UnitKind.COMMUNITY)] + towns
    rng = random.Random(7)
    unusable = make_password(None)
    people = [
        User(username=f"bench{i:04d}", first_name=f"{rng.choice(SURNAMES)[0]}{rng.choice(GIVEN)[0]}",
             password=unusable)
        for i in range(len(holders))
    ]
    User.objects.bulk_create(people)
    people = list(User.objects.filter(username__startswith="bench").order_by("username"))
    worker_of = {unit.pk: person for unit, person in zip(holders, people, strict=True)}
    Role.objects.bulk_create(Role(user=worker_of[u.pk], unit=u, role=RoleName.HANDLER,
                                  title="网格员" if u.parent_id != district.pk else "镇平安办")
                             for u in holders)

    def place(unit: Unit, town_index: int, village: Unit | None, worker: Any) -> Place:
        return Place(unit.pk, unit.prefix, unit.code, unit.name, town_index,
                     village.name if village else None, unit.latitude or 28.97,
                     unit.longitude or 118.87, worker.pk)

    geo = Geography(towns=towns, town_urban=[t.kind == UnitKind.SUBDISTRICT for t in towns],
                    town_weights=[float(t.population or 20_000) for t in towns],
                    grids=[], villages=[], town_places=[], town_worker=[], departments={})
    for i, town in enumerate(towns):
        villages = by_parent.get(town.pk, [])
        geo.villages.append([place(v, i, v, worker_of[v.pk]) for v in villages])
        geo.grids.append([place(g, i, v, worker_of[v.pk])
                          for v in villages for g in by_parent.get(v.pk, [])])
        geo.town_places.append(place(town, i, None, worker_of[town.pk]))
        geo.town_worker.append(worker_of[town.pk].pk)
    for category, department_id, name in (
        Responsibility.objects.filter(case_kind="hazard").order_by("-department__code")
        .values_list("category", "department_id", "department__name")
    ):
        geo.departments[category] = (department_id, name)  # the first by code wins, as in department_for
    geo.names = {p.pk: p.first_name for p in people}
    return geo


class Plan(NamedTuple):
    """What decides a hazard's place in every sort order, drawn before the ids are given."""

    opened_at: dt.datetime  # naive UTC
    place: Place
    category: str
    severity: str
    immediate: bool
    outcome: str  # closed | rejected | an open status
    due_at: dt.datetime
    closed_at: dt.datetime | None
    extended_at: dt.datetime | None
    escalation: int
    source: str


def _plans(geo: Geography, *, rows: int, now: dt.datetime, rng: random.Random,
           progress: Callable[[int], None]) -> list[Plan]:
    from django.conf import settings

    from pingan.core.deadlines import due_date
    from pingan.demo.hazards import CATEGORY_MIX

    tz = dt.timezone(dt.timedelta(hours=8)) if settings.TIME_ZONE == "Asia/Shanghai" else None
    if tz is None:
        raise RuntimeError("the loader computes local days for Asia/Shanghai (UTC+8, no DST)")
    offset = dt.timedelta(hours=8)
    local_now = now.astimezone(tz).replace(tzinfo=None)
    today = local_now.date()
    mixes = {urban: (list(CATEGORY_MIX[kind]), list(CATEGORY_MIX[kind].values()))
             for urban, kind in ((True, "urban"), (False, "rural"))}
    deadline_days = settings.PINGAN_HAZARD_DEADLINE_DAYS
    extension = settings.PINGAN_HAZARD_EXTENSION_DAYS
    town_indices = range(len(geo.towns))
    plans: list[Plan] = []
    end_of_day = dt.time(23, 59, 59)

    def utc(local: dt.datetime) -> dt.datetime:
        return local - offset

    for n in range(rows):
        if n % BATCH == 0:
            progress(n)
        town = rng.choices(town_indices, weights=geo.town_weights)[0]
        roll = rng.random()
        if roll < 0.80 and geo.grids[town]:
            place = rng.choice(geo.grids[town])
        elif roll < 0.95 and geo.villages[town]:
            place = rng.choice(geo.villages[town])
        else:
            place = geo.town_places[town]
        categories, weights = mixes[geo.town_urban[town]]
        category = rng.choices(categories, weights=weights)[0]
        severity = "major" if rng.random() < MAJOR_SHARE else "ordinary"
        immediate = severity == "ordinary" and rng.random() < IMMEDIATE_SHARE
        duration = (settings.PINGAN_HAZARD_IMMEDIATE_DAYS if immediate
                    else settings.PINGAN_HAZARD_MAJOR_DEADLINE_DAYS if severity == "major"
                    else deadline_days.get(category, 15))
        outcome = _pick(rng, OUTCOMES)
        minute = rng.randint(8 * 60 + 20, 17 * 60 + 40) if rng.random() < 0.9 \
            else rng.randint(0, 24 * 60 - 1)
        extended_at = closed_at = None
        escalation = 0
        if outcome == "open":
            outcome = _pick(rng, OPEN_STATUSES)
            state = _pick(rng, DUE_STATES)
            if state == "on_time":
                due_in = rng.randint(min(3, duration), max(3, duration))
            elif state == "due_soon":
                due_in = rng.randint(0, 1)
            elif state == "overdue":
                due_in = -rng.randint(1, 14)
            else:  # long overdue: a backlog thinning out over a year
                due_in = -min(16 + int(rng.expovariate(1 / 60)), 365)
            opened_day = today + dt.timedelta(days=min(due_in - duration, 0))
            opened_local = dt.datetime.combine(opened_day, dt.time()) + dt.timedelta(minutes=minute)
            if opened_local > local_now:
                opened_local = local_now - dt.timedelta(minutes=rng.randint(1, 120))
            if due_in < 0:
                escalation = 1 if state == "overdue" else rng.randint(2, 3)
        else:
            opened_day = today - dt.timedelta(days=rng.randint(1, YEARS * 365))
            opened_local = dt.datetime.combine(opened_day, dt.time()) + dt.timedelta(minutes=minute)
        opened_day = opened_local.date()
        due_day = due_date(opened_day, duration, "calendar")
        if outcome == "closed" and rng.random() < EXTENDED_SHARE:
            extended_at = utc(opened_local + dt.timedelta(days=duration * 0.6))
            due_day = due_date(due_day, extension, "calendar")
        due_local = dt.datetime.combine(due_day, end_of_day)
        if outcome == "closed":
            took = duration * (0.15 + 0.8 * rng.random()) if rng.random() < 0.9 \
                else duration * (1.05 + rng.random())
            closed_at = utc(min(opened_local + dt.timedelta(days=took, hours=rng.randint(1, 8)),
                                local_now - dt.timedelta(minutes=1)))
        elif outcome == "rejected":
            closed_at = utc(min(opened_local + dt.timedelta(hours=rng.randint(1, 72)),
                                local_now - dt.timedelta(minutes=1)))
        roll = rng.random()
        source = "import" if roll < IMPORTED_SHARE else "api" if roll < IMPORTED_SHARE + API_SHARE else "web"
        plans.append(Plan(utc(opened_local), place, category, severity, immediate, outcome,
                          utc(due_local), closed_at, extended_at, escalation, source))
    progress(rows)
    return plans


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


@dataclass
class _Text:
    rng: random.Random
    geo: Geography

    def __post_init__(self) -> None:
        from pingan.demo.texts import (
            ESTATES,
            FOUND_BY,
            MAJOR_EXTENSION_REASON,
            MAJOR_TEMPLATES,
            PREMISE_KINDS,
            PREMISE_NAMES,
            RURAL_ROADS,
            STREETS,
            TEMPLATES,
        )

        self.templates, self.majors = TEMPLATES, MAJOR_TEMPLATES
        self.premise_names, self.premise_kinds = PREMISE_NAMES, PREMISE_KINDS
        self.estates, self.streets, self.rural_roads = ESTATES, STREETS, RURAL_ROADS
        self.found_by = FOUND_BY
        self.extension_reason = MAJOR_EXTENSION_REASON

    def __call__(self, plan: Plan) -> tuple[Any, str, str, str]:
        """A template and its title, description and location for the plan's place
        (as ``pingan.demo.hazards`` words them)."""
        rng = self.rng
        major = plan.severity == "major"
        tpl = rng.choice(self.majors[plan.category] if major else self.templates[plan.category])
        urban = self.geo.town_urban[plan.place.town]
        place_name = plan.place.village_name or self.geo.towns[plan.place.town].name
        group, number = rng.randint(1, 9), rng.randint(1, 188)
        premise = rng.choice(self.premise_names) + rng.choice(self.premise_kinds[tpl.premise])
        if urban:
            street = rng.choice(self.streets)
            building = f"{rng.choice(self.estates)}{rng.randint(1, 32)}幢"
            road = street
            where = {"premise": f"{street}{number}号 {premise}",
                     "building": f"{building}{rng.randint(1, 4)}单元",
                     "road": f"{street}{number}号附近"}
        else:
            building = f"{place_name}{group}组{number}号"
            road = rng.choice(self.rural_roads).format(village=place_name)
            where = {"premise": f"{building} {premise}", "building": building,
                     "road": f"{road}K{rng.randint(0, 12)}+{rng.randint(1, 9)}00处"}
        context = {"premise": premise, "building": building, "village": place_name, "road": road,
                   "group": group}
        where["village"] = place_name + getattr(tpl, "spot", "{group}组").format(**context)
        department = self.geo.departments.get(plan.category, (None, ""))[1]
        intro = self.found_by["line" if rng.random() < 0.1 else "grid"].format(department=department)
        return tpl, tpl.title.format(**context), intro + tpl.description.format(**context), \
            where[tpl.where]


def _labels() -> dict[str, dict[str, str]]:
    from pingan.core.models import Severity
    from pingan.hazards.ledger import zh_labels
    from pingan.hazards.models import Category, Status

    return {"category": zh_labels(Category.choices), "severity": zh_labels(Severity.choices),
            "status": zh_labels(Status.choices)}


def _local_text(moment: dt.datetime | None, *, date_only: bool = False) -> str:
    if moment is None:
        return ""
    local = moment + dt.timedelta(hours=8)
    return str(local.date()) if date_only else str(local)


def _rows(plans: list[Plan], geo: Geography, *, rng: random.Random, now: dt.datetime
          ) -> Iterator[tuple[tuple, tuple, tuple]]:
    """(core_case row, hazards_hazard row, ledger CSV row) per plan, ids in plan order."""
    text = _Text(rng=rng, geo=geo)
    labels = _labels()
    counters: dict[int, int] = {}
    updated_now = now.replace(tzinfo=None, microsecond=0)
    for case_id, plan in enumerate(plans, start=1):
        year = (plan.opened_at + dt.timedelta(hours=8)).year
        counters[year] = counters.get(year, 0) + 1
        ref = f"YH-{year}-{counters[year]:06d}"
        tpl, title, description, location = text(plan)
        status = "closed" if plan.outcome == "closed" else plan.outcome
        is_open = plan.outcome not in ("closed", "rejected")
        department_id, department_name = geo.departments.get(plan.category, (None, ""))
        worker = plan.place.worker
        assignee = None if status in ("reported", "rejected") else worker
        rectifier = worker if status in ("awaiting_verification", "closed") else None
        verifier = geo.town_worker[plan.place.town] if status == "closed" else None
        major = plan.severity == "major"
        external_ref = f"TZ{case_id:08d}" if plan.source == "import" else None
        case_row = (
            case_id, ref, "hazard", title, description, plan.category, plan.severity, status,
            is_open, plan.place.prefix, plan.opened_at, plan.due_at, plan.closed_at, plan.extended_at,
            text.extension_reason if plan.extended_at and major else
            ("整改需采购专用材料，供货周期较长，申请延期。" if plan.extended_at else ""),
            plan.escalation, location,
            round(plan.place.latitude + rng.uniform(-0.004, 0.004), 6),
            round(plan.place.longitude + rng.uniform(-0.004, 0.004), 6),
            plan.source, external_ref, 1 if is_open and status == "reported" else 3, "",
            plan.closed_at or min(plan.opened_at + dt.timedelta(days=1), updated_now),
            assignee, worker, department_id, plan.place.unit_id,
        )
        hazard_row = (
            case_id, plan.immediate,
            tpl.goals if major else "", tpl.methods if major else "", tpl.funding if major else "",
            f"{geo.towns[plan.place.town].name}人民政府" if major else "",
            (plan.due_at + dt.timedelta(hours=8)).date() if major else None,
            tpl.safety if major else "",
            "not_a_hazard" if status == "rejected" else "", None, rectifier, verifier,
        )
        ledger_row = (
            ref, external_ref or "", title, labels["category"][plan.category],
            labels["severity"][plan.severity], labels["status"][status], plan.place.name,
            plan.place.code, department_name, geo.names.get(assignee, "") if assignee else "",
            _local_text(plan.opened_at), _local_text(plan.due_at, date_only=True),
            _local_text(plan.closed_at), location, description,
        )
        yield case_row, hazard_row, ledger_row


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _secondary_indexes(cursor: Any, vendor: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes that are neither a primary key nor a
    constraint: dropped for the load and built once afterwards, the usual bulk-load way."""
    if vendor == "sqlite":
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                       "AND tbl_name IN ('core_case', 'hazards_hazard')")
        return list(cursor.fetchall())
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('core_case', 'hazards_hazard') "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    )
    return list(cursor.fetchall())


def _text_index_triggers(cursor: Any, vendor: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the triggers keeping SQLite's text index in step: dropped
    for the load, the index rebuilt in one pass afterwards (see ``pingan.core.search``)."""
    if vendor != "sqlite":
        return []
    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_case'")
    return list(cursor.fetchall())


def _sqlite_value(value: Any) -> Any:
    # Django stores datetimes on SQLite as naive UTC text, booleans as 0/1.
    if isinstance(value, dt.datetime | dt.date):
        return str(value)
    return value


class _Writer:
    def __init__(self, vendor: str, cursor: Any) -> None:
        self.vendor, self.cursor = vendor, cursor

    def write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        if self.vendor == "sqlite":
            marks = ", ".join("?" * len(columns))
            self.cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                [tuple(map(_sqlite_value, row)) for row in rows],
            )
            return
        utc = dt.UTC
        with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(v.replace(tzinfo=utc) if isinstance(v, dt.datetime) else v
                                     for v in row))


@dataclass
class Loaded:
    rows: int
    seconds: dict[str, float]
    csv_path: Path | None
    csv_bytes: int
    now: dt.datetime
    personas: Any
    counts: dict[str, int]

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def load_hazards(*, rows: int, now: dt.datetime, seed: int = 330802, csv_path: Path | None = None,
                 log: Callable[[str], None] = print) -> Loaded:
    """Build the district and personas, then write ``rows`` hazards; optionally also the
    ledger as the hazards export would write it, as CSV (for the spreadsheet baseline)."""
    from django.db import connection, transaction
    from tqdm import tqdm

    from pingan.core.models import ReferenceCounter
    from pingan.demo.district import build_district, build_personas
    from pingan.hazards.ledger import COLUMNS

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    district = build_district()
    personas = build_personas()
    geo = _staff(district)
    seconds["district"] = time.perf_counter() - started

    rng = random.Random(seed)
    started = time.perf_counter()
    with tqdm(total=rows, desc="plan hazards", unit="row", unit_scale=True, leave=False) as bar:
        plans = _plans(geo, rows=rows, now=now, rng=rng, progress=lambda n: bar.update(n - bar.n))
    plans.sort(key=lambda p: p.opened_at)
    seconds["plan"] = time.perf_counter() - started

    vendor = connection.vendor
    started = time.perf_counter()
    with connection.cursor() as django_cursor:
        indexes = _secondary_indexes(django_cursor, vendor)
        for name, _sql in indexes:
            django_cursor.execute(f'DROP INDEX "{name}"')
        triggers = _text_index_triggers(django_cursor, vendor)
        for name, _sql in triggers:
            django_cursor.execute(f'DROP TRIGGER "{name}"')
    seconds["drop indexes"] = time.perf_counter() - started

    started = time.perf_counter()
    csv_bytes = 0
    csv_file = csv_path.open("w", encoding="utf-8-sig", newline="") if csv_path else None
    try:
        ledger = csv.writer(csv_file) if csv_file else None
        if ledger:
            ledger.writerow([c.header for c in COLUMNS])
        with transaction.atomic(), connection.cursor() as django_cursor:
            raw = django_cursor.cursor  # the driver's own cursor: executemany / COPY without wrappers
            if vendor == "sqlite":
                raw.execute("PRAGMA cache_size = -262144")
            writer = _Writer(vendor, raw)
            cases: list[tuple] = []
            hazards: list[tuple] = []
            lines: list[tuple] = []
            bar = tqdm(total=rows, desc="insert hazards", unit="row", unit_scale=True, leave=False)
            for case_row, hazard_row, ledger_row in _rows(plans, geo, rng=rng, now=now):
                cases.append(case_row)
                hazards.append(hazard_row)
                lines.append(ledger_row)
                if len(cases) == BATCH:
                    writer.write("core_case", CASE_COLUMNS, cases)
                    writer.write("hazards_hazard", HAZARD_COLUMNS, hazards)
                    if ledger:
                        ledger.writerows(lines)
                    bar.update(len(cases))
                    cases, hazards, lines = [], [], []
            if cases:
                writer.write("core_case", CASE_COLUMNS, cases)
                writer.write("hazards_hazard", HAZARD_COLUMNS, hazards)
                if ledger:
                    ledger.writerows(lines)
                bar.update(len(cases))
            bar.close()
            years: dict[int, int] = {}
            for plan in plans:
                year = (plan.opened_at + dt.timedelta(hours=8)).year
                years[year] = years.get(year, 0) + 1
            ReferenceCounter.objects.bulk_create(
                ReferenceCounter(prefix="YH", year=y, last=n) for y, n in years.items()
            )
            if vendor == "postgresql":
                # COPY gave explicit ids; the sequence must continue after them.
                raw.execute("SELECT setval(pg_get_serial_sequence('core_case', 'id'), %s)", (rows,))
    finally:
        if csv_file:
            csv_file.close()
            csv_bytes = csv_path.stat().st_size
    seconds["insert"] = time.perf_counter() - started

    started = time.perf_counter()
    with connection.cursor() as django_cursor:
        for _name, sql in indexes:
            django_cursor.execute(sql)
    seconds["build indexes"] = time.perf_counter() - started

    if triggers:
        started = time.perf_counter()
        with connection.cursor() as django_cursor:
            django_cursor.execute("INSERT INTO core_case_text(core_case_text) VALUES ('rebuild')")
            for _name, sql in triggers:
                django_cursor.execute(sql)
        seconds["build text index"] = time.perf_counter() - started

    started = time.perf_counter()
    with connection.cursor() as django_cursor:
        if vendor == "sqlite":
            django_cursor.execute("ANALYZE")
        else:
            django_cursor.execute("VACUUM ANALYZE core_case")
            django_cursor.execute("VACUUM ANALYZE hazards_hazard")
    seconds["analyze"] = time.perf_counter() - started

    counts = {"open": sum(1 for p in plans if p.outcome not in ("closed", "rejected")),
              "closed": sum(1 for p in plans if p.outcome == "closed"),
              "rejected": sum(1 for p in plans if p.outcome == "rejected"),
              "major": sum(1 for p in plans if p.severity == "major")}
    log(f"loaded {rows:,} hazards in {sum(seconds.values()):.1f} s ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()) + ")")
    return Loaded(rows=rows, seconds=seconds, csv_path=csv_path, csv_bytes=csv_bytes, now=now,
                  personas=personas, counts=counts)
