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


def _row(fields: list[Any], values: dict[str, Any]) -> tuple:
    row = []
    for field in fields:
        value = values[field.attname] if field.attname in values else field.get_default()
        if isinstance(value, list | dict):
            value = json.dumps(value)
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC)
        row.append(value)
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


def load_cases(*, cases: int, towns: list[Any], departments: list[Any], now: dt.datetime, seed: int,
               log: Callable[[str], None] = print) -> float:
    """Write ``cases`` cases and their child rows with COPY; the seconds it took (indexes
    included: they stay, as a live database has them)."""
    from django.db import connection, transaction

    from pingan.core.models import Case
    from pingan.dissuasion.models import WarningOrder
    from pingan.fraud.models import FraudCase
    from pingan.hazards.models import Hazard
    from pingan.petitions.models import Petition

    children = {"hazard": Hazard, "petition": Petition, "fraud": FraudCase, "warning": WarningOrder}
    case_fields = _columns(Case)
    child_fields = {kind: [f for f in _columns(model)] for kind, model in children.items()}
    rng = random.Random(seed)
    kinds = [kind for kind, share in MIX for _ in range(share)]
    started = time.perf_counter()

    def batches() -> Iterator[tuple[list[tuple], dict[str, list[tuple]]]]:
        case_rows: list[tuple] = []
        child_rows: dict[str, list[tuple]] = {kind: [] for kind in children}
        for pk in range(1, cases + 1):
            kind = kinds[pk % len(kinds)]
            case, own = _case(rng, kind, now, towns, departments)
            case_rows.append(_row(case_fields, {"id": pk, "ref": f"B{pk:09d}", **case}))
            child_rows[kind].append(_row(child_fields[kind], {"case_ptr_id": pk, **own}))
            if len(case_rows) == BATCH:
                yield case_rows, child_rows
                case_rows, child_rows = [], {kind: [] for kind in children}
        if case_rows:
            yield case_rows, child_rows

    with transaction.atomic(), connection.cursor() as django_cursor:
        raw = django_cursor.cursor
        done = 0
        for case_rows, child_rows in batches():
            with raw.copy(f"COPY core_case ({', '.join(f.column for f in case_fields)}) FROM STDIN") as copy:
                for row in case_rows:
                    copy.write_row(row)
            for kind, rows in child_rows.items():
                table = children[kind]._meta.db_table
                columns = ", ".join(f.column for f in child_fields[kind])
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            done += len(case_rows)
            if done % (BATCH * 20) == 0:
                log(f"  {done:,} cases ({time.perf_counter() - started:.0f} s)")
        raw.execute("SELECT setval(pg_get_serial_sequence('core_case', 'id'), %s)", (cases,))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started
