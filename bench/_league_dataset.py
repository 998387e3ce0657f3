"""A scratch PostgreSQL database for the league benchmark: a district of ``towns`` towns and
twenty departments, and ``cases`` cases spread over them — hazards, petitions, frauds and
warning orders, with their child rows — written with ``COPY`` (psycopg's ``cursor.copy``).

Each row's columns come from the model's own fields (``_meta.local_concrete_fields``), the
values this generator knows and each field's default for the rest, so a field added later
needs no edit here unless it has neither. Cases are opened over the year before ``now``; of
each kind, a share is late, overdue or still open, so every figure has something to count.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

BATCH = 50_000
DAY = dt.timedelta(days=1)
# Of every hundred cases: hazards, petitions, frauds, warning orders.
MIX = (("hazard", 40), ("petition", 30), ("fraud", 15), ("warning", 15))
DEPARTMENTS = 20


def build_units(towns: int, seed: int) -> tuple[Any, list[Any], list[Any]]:
    """The district, its towns (with populations) and departments, the usual way."""
    from pingan.core.models import Unit, UnitKind

    rng = random.Random(seed)
    district = Unit.objects.create(code="330802000000", prefix="330802", name="柯城区",
                                   kind=UnitKind.DISTRICT, population=480_000)
    Unit.objects.bulk_create(
        Unit(code=f"330802{n:04d}00", prefix=f"330802{n:04d}", name=f"第{n}镇", kind=UnitKind.TOWN,
             parent=district, population=rng.randint(8_000, 60_000), is_illustrative_code=True)
        for n in range(1, towns + 1))
    Unit.objects.bulk_create(
        Unit(code=f"33080290{n:02d}00", prefix=f"33080290{n:02d}", name=f"第{n}局", kind=UnitKind.DEPARTMENT,
             parent=district, is_illustrative_code=True)
        for n in range(1, DEPARTMENTS + 1))
    return (district, list(Unit.objects.filter(kind=UnitKind.TOWN).order_by("prefix")),
            list(Unit.objects.filter(kind=UnitKind.DEPARTMENT).order_by("prefix")))


def _columns(model: Any) -> list[Any]:
    return list(model._meta.local_concrete_fields)


def _plain(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    return value


class _Row:
    """A table's row from the values this generator knows, each other field's default for the
    rest. Constant defaults are worked out once; a callable one (other than ``list`` or
    ``dict``) is called for every row, as Django would."""

    def __init__(self, fields: list[Any]) -> None:
        self.position = {field.attname: n for n, field in enumerate(fields)}
        self.per_row = [(n, field) for n, field in enumerate(fields) if field.has_default()
                        and callable(field.default) and field.default not in (list, dict)]
        self.defaults = [_plain(field.get_default()) for field in fields]

    def __call__(self, values: dict[str, Any]) -> tuple:
        row = self.defaults.copy()
        for n, field in self.per_row:
            row[n] = _plain(field.get_default())
        position = self.position
        for name, value in values.items():
            row[position[name]] = _plain(value)
        return tuple(row)


def _maybe(rng: random.Random, moment: dt.datetime, now: dt.datetime, *, late: float,
           never: float) -> dt.datetime | None:
    """When a step due at ``moment`` was done: on time, late, or not (yet)."""
    draw = rng.random()
    if draw < never:
        return None
    done = moment + (rng.uniform(0.5, 20) if draw < never + late else -rng.uniform(0.1, 5)) * DAY
    return done if done <= now else None


def _case(rng: random.Random, kind: str, now: dt.datetime, towns: list[Any], departments: list[Any]
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(core_case values, the kind's own values) of one case."""
    town = rng.choice(towns)
    department = rng.choice(departments) if kind in ("hazard", "petition") and rng.random() < 0.4 else None
    opened = now - rng.uniform(0, 365) * DAY
    case = {"kind": kind, "title": "基准测试", "category": "other", "unit_id": town.pk,
            "unit_prefix": town.prefix, "department_id": department.pk if department else None,
            "opened_at": opened, "updated_at": now}
    own: dict[str, Any] = {}
    if kind == "hazard":
        due = opened + rng.choice((1, 7, 15, 30)) * DAY
        closed = _maybe(rng, due, now, late=0.2, never=0.1)
        rejected = rng.random() < 0.05
        case.update(due_at=due, closed_at=closed, is_open=closed is None,
                    status="rejected" if rejected else "closed" if closed else "rectifying")
    elif kind == "petition":
        acceptance_due = opened + 15 * DAY
        accepted = _maybe(rng, acceptance_due, now, late=0.15, never=0.05)
        resolution_due = accepted + 60 * DAY if accepted else None
        replied = _maybe(rng, resolution_due, now, late=0.2, never=0.05) if resolution_due else None
        closed = replied + rng.uniform(1, 10) * DAY if replied and rng.random() < 0.8 else None
        closed = closed if closed and closed <= now else None
        status = "closed" if closed else "replied" if replied else "accepted" if accepted else "received"
        case.update(status=status, is_open=closed is None, closed_at=closed,
                    due_at=resolution_due or acceptance_due)
        own = {"profile": "zhejiang", "channel": "visit", "petition_type": "complaint",
               "handling_unit_id": town.pk, "assigned_at": opened, "acceptance_due_at": acceptance_due,
               "accepted_at": accepted, "objection_until": (opened + 7 * DAY).date(),
               "resolution_due_at": resolution_due, "replied_at": replied,
               "review_requested_on": (replied + 5 * DAY).date() if replied and rng.random() < 0.05 else None}
    elif kind == "fraud":
        case.update(status="reported", is_open=True)
        own = {"reported_on": opened.date(), "loss": Decimal(rng.randint(100, 200_000))}
    else:
        status = rng.choices(("prevented", "not_reached", "already_lost", "contacted"), (70, 10, 10, 10))[0]
        case.update(status=status, is_open=status == "contacted",
                    closed_at=None if status == "contacted" else min(now, opened + 2 * DAY))
        own = {"issuer": "police", "risk_level": "high", "contact_due_at": opened + DAY}
    return case, own


TABLES = ("core_case", "hazards_hazard", "petitions_petition", "fraud_fraudcase", "dissuasion_warningorder")


def _deferred(cursor: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """What the load sets aside and builds once afterwards, the usual bulk-load way: the
    tables' secondary indexes (name, CREATE statement; primary keys and unique constraints
    stay) and their foreign keys (table, name, definition), which would otherwise queue one
    deferred check per row until the commit."""
    names = ", ".join(f"'{table}'" for table in TABLES)
    cursor.execute(f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ({names}) "
                   "AND indexname NOT IN (SELECT conname FROM pg_constraint)")
    indexes = list(cursor.fetchall())
    cursor.execute(f"SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   f"WHERE contype = 'f' AND conrelid::regclass::text IN ({names})")
    return indexes, list(cursor.fetchall())


def load_cases(*, cases: int, towns: list[Any], departments: list[Any], now: dt.datetime, seed: int,
               log: Callable[[str], None] = print) -> dict[str, float]:
    """Write ``cases`` cases and their child rows with COPY; the seconds each step took.

    The secondary indexes and foreign keys are dropped for the load and built afterwards
    (with a larger ``maintenance_work_mem`` for this session), so the database ends as a live
    one is, every index and constraint in place and checked."""
    from django.db import connection, transaction

    from pingan.core.models import Case
    from pingan.dissuasion.models import WarningOrder
    from pingan.fraud.models import FraudCase
    from pingan.hazards.models import Hazard
    from pingan.petitions.models import Petition

    children = {"hazard": Hazard, "petition": Petition, "fraud": FraudCase, "warning": WarningOrder}
    case_fields = _columns(Case)
    child_fields = {kind: _columns(model) for kind, model in children.items()}
    case_row = _Row(case_fields)
    child_row = {kind: _Row(fields) for kind, fields in child_fields.items()}
    rng = random.Random(seed)
    kinds = [kind for kind, share in MIX for _ in range(share)]
    seconds = {"generate": 0.0, "copy": 0.0}

    def batches() -> Iterator[tuple[list[tuple], dict[str, list[tuple]]]]:
        for first in range(1, cases + 1, BATCH):
            started = time.perf_counter()
            case_rows: list[tuple] = []
            child_rows: dict[str, list[tuple]] = {kind: [] for kind in children}
            for pk in range(first, min(first + BATCH, cases + 1)):
                kind = kinds[pk % len(kinds)]
                case, own = _case(rng, kind, now, towns, departments)
                case_rows.append(case_row({"id": pk, "ref": f"B{pk:09d}", **case}))
                child_rows[kind].append(child_row[kind]({"case_ptr_id": pk, **own}))
            seconds["generate"] += time.perf_counter() - started
            yield case_rows, child_rows

    loading = time.perf_counter()
    with transaction.atomic(), connection.cursor() as django_cursor:
        raw = django_cursor.cursor
        started = time.perf_counter()
        indexes, foreign_keys = _deferred(raw)
        for table, name, _definition in foreign_keys:
            raw.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            raw.execute(f'DROP INDEX "{name}"')
        seconds["drop"] = time.perf_counter() - started
        done = 0
        for case_rows, child_rows in batches():
            started = time.perf_counter()
            with raw.copy(f"COPY core_case ({', '.join(f.column for f in case_fields)}) FROM STDIN") as copy:
                for row in case_rows:
                    copy.write_row(row)
            for kind, rows in child_rows.items():
                table = children[kind]._meta.db_table
                columns = ", ".join(f.column for f in child_fields[kind])
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            seconds["copy"] += time.perf_counter() - started
            done += len(case_rows)
            if done % (BATCH * 20) == 0:
                log(f"  {done:,} cases ({time.perf_counter() - loading:.0f} s: generate"
                    f" {seconds['generate']:.0f} s, copy {seconds['copy']:.0f} s)")
        raw.execute("SELECT setval(pg_get_serial_sequence('core_case', 'id'), %s)", (cases,))
        raw.execute("SET LOCAL maintenance_work_mem = '1GB'")
        started = time.perf_counter()
        for _name, definition in indexes:
            raw.execute(definition)
        seconds["indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        for table, name, definition in foreign_keys:
            raw.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        seconds["foreign keys"] = time.perf_counter() - started
        log(f"  indexes {seconds['indexes']:.0f} s, foreign keys {seconds['foreign keys']:.0f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds["analyze"] = time.perf_counter() - started
    seconds["total"] = time.perf_counter() - loading
    return seconds
