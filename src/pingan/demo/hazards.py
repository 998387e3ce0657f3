"""One year of hazard work in the demo district (柯城区), played through the real services.

The year is first *planned* from one seeded random generator — the staff who do the work,
and for every hazard where it is, what it is, who reports, assigns, rectifies and verifies
it, and when each step happens — and then *played*: every step of every hazard, in time
order, through ``hazard_report`` / ``hazard_transition`` / ``hazard_update`` /
``hazard_extend`` with back-dated times, with the escalation sweep run once per simulated
night. So the ledger, the hash-chained events and the inbox are what a year of real use
would have left, and the same seed gives the same year.

Every person, premise, address and leader named here is invented.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from pingan.core.deadlines import DeadlineTerms, due_state_expression, is_working_day
from pingan.core.escalation import escalate_overdue
from pingan.core.models import (
    AttachmentKind,
    Domain,
    Leadership,
    Responsibility,
    RoleName,
    Severity,
    Unit,
    UnitKind,
)
from pingan.demo.district import ALL_DOMAINS, Personas
from pingan.demo.generator import DemoContext, DomainDemo, Geography, Summary, local_moment
from pingan.demo.people import Hiring
from pingan.demo.play import CHUNK_STEPS, Step, mark_handled_notices_read, nightly_sweeps
from pingan.demo.texts import (
    DUPLICATE_NOTE,
    ESTATES,
    EXTENSION_REASONS,
    FOUND_BY,
    MAJOR_CLOSE_NOTE,
    MAJOR_EXTENSION_REASON,
    MAJOR_TEMPLATES,
    MAJOR_VERIFY_NOTE,
    NOT_A_HAZARD_NOTES,
    PREMISE_KINDS,
    PREMISE_NAMES,
    REWORK_NOTES,
    RURAL_ROADS,
    START_NOTES,
    STREETS,
    TEMPLATES,
    VERIFY_NOTES,
    MajorTpl,
    Tpl,
)
from pingan.hazards.models import KIND, Category, Hazard, RejectionReason, Status
from pingan.hazards.services import (
    hazard_extend,
    hazard_report,
    hazard_terms,
    hazard_transition,
    hazard_update,
)
from pingan.testing import tiny_png

# The acceptance report the regulator files (a placeholder PDF: the demo has no real ones).
ACCEPTANCE_REPORT = b"%PDF-1.4\n% demo acceptance report\n%%EOF\n"

# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


# Department name -> job titles of the staff it gets besides any persona already there.
DEPARTMENT_STAFF = {
    "应急管理局": ("安全生产执法员", "防汛防台专员"),
    "消防救援大队": ("防火监督员",),
    "交警大队": ("事故预防民警",),
    "住建局": ("房屋安全管理员", "燃气安全监管员"),
}
SAFETY_LEADER_TITLE = {UnitKind.TOWN: "副镇长（分管安全生产）", UnitKind.TOWNSHIP: "副乡长（分管安全生产）",
                       UnitKind.SUBDISTRICT: "办事处副主任（分管安全生产）"}
# A major hazard is listed for supervision by the district (its safety committee) this often,
# otherwise by its town.
DISTRICT_LISTING_SHARE = 0.4
GRID_WORKER_SHARE = 0.7  # grid cells with a worker of their own; the rest fall to the village


@dataclass
class Staff:
    admin: Any
    town: dict[int, tuple[Any, Any]]  # town id -> (平安办 handler, 应急 handler)
    village: dict[int, Any]  # village or community id -> its 平安专干
    grid: dict[int, Any]  # grid cell id -> its grid worker, where it has one
    lines: dict[str, tuple[Any, ...]]  # hazard category -> handlers of the department for it
    department: dict[str, str]  # hazard category -> department name
    leaders: dict[int, Any]  # unit id (the district, each town) -> its leader in charge of safety
    names: dict[int, str] = field(default_factory=dict)  # user id -> personal name
    hired: int = 0

    def name(self, user: Any) -> str:
        return self.names[user.pk]


def _person_name(user: Any) -> str:
    return user.first_name.rsplit(" ", 1)[-1]


def _hire_staff(*, geo: Geography, personas: Personas, rng: random.Random) -> Staff:
    """Town, village and department handlers for the whole district and grid workers for
    most grid cells, keeping the five personas in their places."""
    User = get_user_model()
    hiring = Hiring(rng)

    def hire(unit: Unit, label: str, title: str, domain: str = ALL_DOMAINS,
             role: str = RoleName.HANDLER) -> Any:
        """The 平安办 and grid workers work in every domain, the emergency stations and the
        departments on hazards."""
        return hiring.hire(unit, label, title, domain=domain, role=role)

    # The leaders in charge of work safety the personas' set-up made, and one for every
    # other town: leaders answer for the work and see it (viewers), they are not assigned it.
    leaders = dict(Leadership.objects.filter(domain=Domain.HAZARDS).values_list("unit_id", "user"))
    leaders = {unit_id: User.objects.get(pk=pk) for unit_id, pk in leaders.items()}
    new_leaders = {
        town.pk: hire(town, town.name, SAFETY_LEADER_TITLE[town.kind], Domain.HAZARDS, RoleName.VIEWER)
        for town in geo.towns if town.pk not in leaders
    }

    persona_grid = personas.grid_worker.roles.get().unit
    town_staff: dict[int, tuple[Any, Any]] = {}
    village_staff: dict[int, Any] = {}
    grid_staff: dict[int, Any] = {}
    for town in geo.towns:
        office = "街道" if town.kind == UnitKind.SUBDISTRICT else "镇"
        main = {"航埠镇": personas.town_handler, "石梁镇": personas.outsider}.get(town.name) \
            or hire(town, f"{town.name}平安办", f"{office}平安办")
        town_staff[town.pk] = (main, hire(town, f"{town.name}应急管理站", "应急管理员", Domain.HAZARDS))
        for village in geo.villages[town.pk]:
            kind = "社区" if village.kind == UnitKind.COMMUNITY else "村"
            village_staff[village.pk] = hire(village, village.name, f"{kind}平安专干")
            for grid in geo.grids[village.pk]:
                if grid.pk == persona_grid.pk:
                    grid_staff[grid.pk] = personas.grid_worker
                elif rng.random() < GRID_WORKER_SHARE:
                    title = "专职网格员" if rng.random() < 0.8 else "兼职网格员"
                    grid_staff[grid.pk] = hire(grid, "网格员", title)
    categories: dict[int, list[str]] = defaultdict(list)
    for department_id, category in Responsibility.objects.filter(case_kind=KIND).order_by(
            "department__code", "category").values_list("department_id", "category"):
        categories[department_id].append(category)
    lines: dict[str, tuple[Any, ...]] = {}
    department_names: dict[str, str] = {}
    for department in Unit.objects.filter(pk__in=list(categories)).order_by("code"):
        handlers = [personas.fire_handler] if department.name == "消防救援大队" else []
        handlers += [hire(department, department.name, title, Domain.HAZARDS)
                     for title in DEPARTMENT_STAFF.get(department.name, ("监管员",))]
        for category in categories[department.pk]:
            lines[category] = tuple(handlers)
            department_names[category] = department.name
    hiring.save()
    kinds = {town.pk: town.kind for town in geo.towns}
    Leadership.objects.bulk_create(
        Leadership(user=user, unit_id=town_id, domain=Domain.HAZARDS,
                   title=SAFETY_LEADER_TITLE[kinds[town_id]])
        for town_id, user in new_leaders.items()
    )
    staff = Staff(admin=personas.admin, town=town_staff, village=village_staff, grid=grid_staff,
                  lines=lines, department=department_names, leaders=leaders | new_leaders,
                  hired=len(hiring.hires))
    for hired in hiring.hires:
        staff.names[hired.user.pk] = hired.name
    for persona in (personas.admin, personas.town_handler, personas.grid_worker,
                    personas.fire_handler, personas.outsider, *leaders.values()):
        staff.names[persona.pk] = _person_name(persona)
    return staff

# Urban sub-districts and rural towns see different hazards (weights, not shares).
CATEGORY_MIX = {
    "urban": {Category.FIRE: 14, Category.FIRE_MIXED_USE: 16, Category.EBIKE_CHARGING: 22,
              Category.FLOOD: 9, Category.ROAD: 12, Category.BUILDING: 10, Category.GAS: 12,
              Category.OTHER: 5},
    "rural": {Category.FIRE: 20, Category.FIRE_MIXED_USE: 8, Category.EBIKE_CHARGING: 12,
              Category.FLOOD: 18, Category.ROAD: 14, Category.BUILDING: 14, Category.GAS: 6,
              Category.OTHER: 8},
}
# Month (Jan..Dec) weights: fire and gas in the dry, cold months around the Spring Festival,
# building with the rains. Flood has its own curve (``_flood_weight``).
MONTHLY = {
    Category.FIRE: (1.5, 1.6, 1.1, 0.9, 0.7, 0.6, 0.6, 0.6, 0.8, 1.0, 1.3, 1.5),
    Category.FIRE_MIXED_USE: (1.3, 1.3, 1.0, 1.0, 0.9, 0.8, 0.8, 0.8, 1.0, 1.0, 1.1, 1.3),
    Category.EBIKE_CHARGING: (1.1, 1.0, 1.0, 1.0, 1.0, 1.2, 1.3, 1.3, 1.1, 1.0, 1.0, 1.1),
    Category.ROAD: (1.3, 1.4, 1.0, 1.1, 0.9, 0.9, 1.0, 1.0, 1.0, 1.2, 1.0, 1.1),
    Category.BUILDING: (0.8, 0.8, 1.0, 1.1, 1.2, 1.4, 1.3, 1.2, 1.1, 0.9, 0.8, 0.8),
    Category.GAS: (1.6, 1.4, 1.1, 0.9, 0.8, 0.7, 0.7, 0.7, 0.8, 1.0, 1.3, 1.5),
    Category.OTHER: (1.0,) * 12,
}


def _flood_weight(day: dt.date) -> float:
    """Zhejiang's flood season opens on 15 April (防汛防台日); plum rains come mid-June to
    early July, typhoons August–September; a few pre-season checks in March."""
    if (day.month, day.day) >= (4, 15) and day.month <= 5:
        return 1.5
    if day.month in (6, 7):
        return 3.0
    if day.month in (8, 9):
        return 2.5
    return {3: 0.25, 4: 0.25, 10: 0.3}.get(day.month, 0.05)


def _day_weight(category: str, day: dt.date) -> float:
    season = _flood_weight(day) if category == Category.FLOOD else MONTHLY[category][day.month - 1]
    return season * (1.0 if is_working_day(day) else 0.45)


# ---------------------------------------------------------------------------
# The plan of the year
# ---------------------------------------------------------------------------


class Action(StrEnum):
    """What a step does: a workflow transition of the same name, or reporting, planning or extending."""

    ACCEPT = "accept"
    ASSIGN = "assign"
    EXTEND = "extend"
    LIST = "list"
    PLAN = "plan"
    REJECT = "reject"
    REPORT = "report"
    REWORK = "rework"
    START = "start"
    SUBMIT = "submit"
    VERIFY = "verify"


class Fate(StrEnum):
    """How a planned hazard ends (besides late, extended or reworked on its way)."""

    ROUND_THE_LOOP = ""  # reported, rectified, verified: false, so "not p.fate" reads "free"
    NOT_A_HAZARD = "not_a_hazard"
    DUPLICATE = "duplicate"
    STUCK = "stuck"  # never finished: overdue today


@dataclass
class Plan:
    opened_at: dt.datetime
    town: Unit
    unit: Unit
    village: Unit | None
    category: str
    reporter: Any
    found_by: str
    text: dict[str, Any]
    immediate: bool = False
    severity: str = Severity.ORDINARY
    fate: Fate = Fate.ROUND_THE_LOOP
    late: bool = False
    extended: bool = False
    rework: bool = False
    duplicate_of: Plan | None = None
    index: int = -1
    steps: list[Step] = field(default_factory=list)


class Planner:
    """Decides the whole year before anything is written, from one random generator."""

    def __init__(self, *, rng: random.Random, geo: Geography, staff: Staff, personas: Personas,
                 now: dt.datetime):
        self.rng = rng
        self.geo = geo
        self.staff = staff
        self.personas = personas
        self.now = now
        today = timezone.localtime(now).date()
        self.days = [today - dt.timedelta(days=n) for n in range(365, 0, -1)]
        self.day_weights = {}
        for category in Category.values:
            total, cumulative = 0.0, []
            for day in self.days:
                total += _day_weight(category, day)
                cumulative.append(total)
            self.day_weights[category] = cumulative
        # The personas' town gets a little more than its population's share, and the grid
        # worker persona's cell a large part of it, so their logins show a busy year.
        persona_town = personas.town_handler.roles.get().unit
        self.town_weights = [
            (t.population or 30_000) * (1.6 if t.pk == persona_town.pk else 1.0) for t in geo.towns
        ]
        self.persona_grid = personas.grid_worker.roles.get().unit
        self.persona_village = next(v for vs in geo.villages.values() for v in vs
                                    if v.pk == self.persona_grid.parent_id)
        self.terms: dict[tuple[str, str, bool], DeadlineTerms] = {}

    # -- where and what ------------------------------------------------------

    def _place(self, town: Unit) -> tuple[Unit, Unit | None]:
        rng = self.rng
        villages = self.geo.villages[town.pk]
        level = rng.random()
        if level < 0.04 or not villages:
            return town, None
        village = rng.choices(villages, weights=[v.population or 1000 for v in villages])[0]
        grids = self.geo.grids[village.pk]
        if level < 0.24 or not grids:
            return village, village
        if town.pk == self.persona_village.parent_id and rng.random() < 0.5:
            return self.persona_grid, self.persona_village
        return rng.choice(grids), village

    def _reporter(self, town: Unit, unit: Unit, village: Unit | None, category: str) -> tuple[Any, str]:
        rng = self.rng
        line = self.staff.lines.get(category, ())
        roll = rng.random()
        if line and roll < (0.4 if unit == town else 0.12):
            fire_persona = self.personas.fire_handler
            if fire_persona in line and rng.random() < 0.65:
                return fire_persona, "line"
            return rng.choice(line), "line"
        worker = self.staff.grid.get(unit.pk)
        if worker is not None and roll < 0.92:
            return worker, "grid"
        if village is not None and (worker is None or roll < 0.97):
            return self.staff.village[village.pk], "village"
        return self.staff.town[town.pk][1], "town"

    def _text(self, *, tpl: Tpl | MajorTpl, town: Unit, village: Unit | None, unit: Unit,
              found_by: str, category: str) -> dict[str, Any]:
        rng = self.rng
        urban = town.kind == UnitKind.SUBDISTRICT
        place_name = village.name if village else town.name
        group = rng.randint(1, 9)
        number = rng.randint(1, 188)
        premise = rng.choice(PREMISE_NAMES) + rng.choice(PREMISE_KINDS[tpl.premise])
        if urban:
            estate = rng.choice(ESTATES)
            building = f"{estate}{rng.randint(1, 32)}幢"
            street = rng.choice(STREETS)
            road = street
            premise_address = f"{street}{number}号"
            road_address = f"{street}{number}号附近"
            building_address = f"{building}{rng.randint(1, 4)}单元"
        else:
            building = f"{place_name}{group}组{number}号"
            road = rng.choice(RURAL_ROADS).format(village=place_name)
            premise_address = f"{place_name}{group}组{number}号"
            road_address = f"{road}K{rng.randint(0, 12)}+{rng.randint(1, 9)}00处"
            building_address = building
        context = {"premise": premise, "building": building, "village": place_name,
                   "road": road, "group": group}
        location = {
            "premise": f"{premise_address} {premise}",
            "building": building_address,
            "road": road_address,
            "village": place_name + tpl.spot.format(**context),
        }[tpl.where]
        intro = FOUND_BY[found_by].format(department=self.staff.department.get(category, ""))
        return {
            "tpl": tpl,
            "title": tpl.title.format(**context),
            "description": intro + tpl.description.format(**context),
            "fix": tpl.fix,
            "location": location,
            "latitude": round((unit.latitude or town.latitude or 28.97) + rng.uniform(-0.004, 0.004), 6),
            "longitude": round((unit.longitude or town.longitude or 118.87) + rng.uniform(-0.004, 0.004), 6),
        }

    def _base_plan(self) -> Plan:
        rng = self.rng
        town = rng.choices(self.geo.towns, weights=self.town_weights)[0]
        unit, village = self._place(town)
        mix = CATEGORY_MIX["urban" if town.kind == UnitKind.SUBDISTRICT else "rural"]
        category = str(rng.choices(list(mix), weights=list(mix.values()))[0])
        day = rng.choices(self.days, cum_weights=self.day_weights[category])[0]
        minute = rng.randint(8 * 60 + 20, 17 * 60 + 40) if rng.random() < 0.9 \
            else rng.randint(18 * 60, 21 * 60)
        opened_at = local_moment(day, minute // 60, minute % 60, rng.randint(0, 59))
        reporter, found_by = self._reporter(town, unit, village, category)
        tpl = rng.choice(TEMPLATES[category])
        return Plan(opened_at=opened_at, town=town, unit=unit, village=village, category=category,
                    reporter=reporter, found_by=found_by,
                    text=self._text(tpl=tpl, town=town, village=village, unit=unit,
                                    found_by=found_by, category=category),
                    immediate=tpl.immediate_ok and rng.random() < 0.45)

    # -- fates -----------------------------------------------------------------

    def _due(self, plan: Plan) -> dt.datetime:
        return self._terms(plan).due_at(plan.opened_at)

    def _terms(self, plan: Plan) -> DeadlineTerms:
        key = (plan.category, plan.severity, plan.immediate)
        if key not in self.terms:
            self.terms[key] = hazard_terms(category=plan.category, severity=plan.severity,
                                           immediate=plan.immediate)
        return self.terms[key]

    def _pick(self, plans: Sequence[Plan], count: int) -> list[Plan]:
        return self.rng.sample(list(plans), min(count, len(plans)))

    def plan_year(self, count: int) -> list[Plan]:
        duplicates = min(max(2, round(count * 0.03)), count // 4)
        plans = sorted((self._base_plan() for _ in range(count - duplicates)),
                       key=lambda p: p.opened_at)

        def free(p: Plan) -> bool:
            return not p.fate and p.severity == Severity.ORDINARY

        def quota(share: float, least: int) -> int:
            return max(least, round(count * share))

        settled = [p for p in plans if p.opened_at < self.now - dt.timedelta(days=3)]
        for plan in self._pick(settled, quota(0.04, 2)):
            self._make_major(plan)
        for plan in self._pick([p for p in plans if free(p)], quota(0.03, 2)):
            plan.fate = Fate.NOT_A_HAZARD
        # Stuck: never finished. Some lapsed in the last fortnight (overdue), some earlier
        # in the half-year (long overdue).
        recent = [p for p in plans if free(p) and self.now - dt.timedelta(days=14)
                  < self._due(p) < self.now - dt.timedelta(hours=12)]
        older = [p for p in plans if free(p) and self.now - dt.timedelta(days=180)
                 < self._due(p) < self.now - dt.timedelta(days=17)]
        for plan in self._pick(recent, quota(0.008, 3)) + self._pick(older, quota(0.008, 3)):
            plan.fate = Fate.STUCK
        for plan in self._pick([p for p in plans if free(p)], quota(0.08, 3)):
            plan.late = True
        extendable = [p for p in plans if p.fate in (Fate.ROUND_THE_LOOP, Fate.STUCK)]
        for plan in self._pick(extendable, quota(0.05, 3)):
            plan.extended = True
        for plan in self._pick([p for p in plans if not p.fate], quota(0.07, 3)):
            plan.rework = True
        originals = [p for p in plans if not p.fate and p.severity == Severity.ORDINARY
                     and p.opened_at < self.now - dt.timedelta(days=2)]
        copies = [self._duplicate(original) for original in self._pick(originals, duplicates)]
        # Too few originals in a tiny year: make up the count with ordinary hazards.
        plans += copies + [self._base_plan() for _ in range(duplicates - len(copies))]
        plans.sort(key=lambda p: p.opened_at)
        for index, plan in enumerate(plans):
            plan.index = index
            plan.steps = self._timeline(plan)
        return plans

    def _make_major(self, plan: Plan) -> None:
        rng = self.rng
        plan.severity = Severity.MAJOR
        plan.immediate = False
        tpl = rng.choice(MAJOR_TEMPLATES[plan.category])
        line = self.staff.lines.get(plan.category)
        plan.reporter, plan.found_by = (rng.choice(line), "line") if line \
            else (self.staff.town[plan.town.pk][1], "town")
        plan.text = self._text(tpl=tpl, town=plan.town, village=plan.village, unit=plan.unit,
                               found_by=plan.found_by, category=plan.category)
        plan.extended = rng.random() < 0.3

    def _duplicate(self, original: Plan) -> Plan:
        """The same hazard reported again by someone else a little later."""
        rng = self.rng
        gap = dt.timedelta(hours=rng.uniform(3, 96))
        opened_at = min(original.opened_at + gap, self.now - dt.timedelta(hours=30))
        line = self.staff.lines.get(original.category, ())
        town_staff = self.staff.town[original.town.pk]
        village = self.staff.village.get(original.village.pk) if original.village else None
        candidates = [u for u in (village, *line, town_staff[1])
                      if u is not None and u.pk != original.reporter.pk]
        reporter = rng.choice(candidates or [town_staff[0]])
        found_by = "line" if reporter in line else "village" if reporter is village else "town"
        text = dict(original.text)
        text["description"] = FOUND_BY[found_by].format(
            department=self.staff.department.get(original.category, "")
        ) + original.text["description"].split("：", 1)[-1]
        return Plan(opened_at=opened_at, town=original.town, unit=original.unit,
                    village=original.village, category=original.category, reporter=reporter,
                    found_by=found_by, text=text, immediate=original.immediate,
                    fate=Fate.DUPLICATE, duplicate_of=original)

    # -- the loop of one hazard ----------------------------------------------

    def _at(self, t: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime:
        """A moment some hours after ``t``, moved into the working day when it falls at night."""
        return self._office_hours(t + dt.timedelta(hours=self.rng.uniform(low_hours, high_hours)),
                                  not_before=t + dt.timedelta(minutes=5))

    def _office_hours(self, t: dt.datetime, *, not_before: dt.datetime) -> dt.datetime:
        local = timezone.localtime(t)
        minutes = local.hour * 60 + local.minute
        if minutes < 8 * 60:
            local = local.replace(hour=8, minute=self.rng.randint(0, 59))
        elif minutes > 18 * 60 + 30:
            # Earlier the same day rather than the next morning: it must not cross a deadline.
            minute = self.rng.randint(17 * 60, 18 * 60 + 29)
            local = local.replace(hour=minute // 60, minute=minute % 60)
        return max(local, not_before)

    def _photo(self, plan: Plan, at: dt.datetime, kind: AttachmentKind) -> list[tuple[str, bytes]]:
        rng = self.rng
        if kind == AttachmentKind.BEFORE:
            rgb = (rng.randint(150, 255), rng.randint(20, 120), rng.randint(0, 80))
        else:
            rgb = (rng.randint(20, 110), rng.randint(140, 230), rng.randint(40, 140))
        name = f"IMG_{timezone.localtime(at):%Y%m%d_%H%M%S}.png"
        return [(name, tiny_png(rgb=rgb))]

    def _timeline(self, plan: Plan) -> list[Step]:
        rng = self.rng
        staff = self.staff
        main, second = staff.town[plan.town.pk]
        line = staff.lines.get(plan.category, ())
        t = plan.opened_at
        report = {
            "unit": plan.unit, "title": plan.text["title"], "category": plan.category,
            "description": plan.text["description"], "severity": plan.severity,
            "immediate": plan.immediate, "location": plan.text["location"],
            "latitude": plan.text["latitude"], "longitude": plan.text["longitude"],
            "photos": self._photo(plan, t, AttachmentKind.BEFORE) if rng.random() < 0.88 else [],
        }
        steps = [Step(t, Action.REPORT, plan.reporter, report)]
        if plan.fate == Fate.DUPLICATE:
            steps.append(Step(self._at(t, 1, 40), Action.REJECT, main,
                              {"reason": RejectionReason.DUPLICATE, "note": DUPLICATE_NOTE}))
            return steps
        if plan.severity == Severity.MAJOR:
            assignee = second
        else:
            assignee = staff.grid.get(plan.unit.pk) or (
                staff.village[plan.village.pk] if plan.village else second)
        assigner = main if assignee is second or rng.random() < 0.85 else second
        due = self._due(plan)
        t = self._at(t, 0.2, 3) if plan.immediate else self._at(t, 0.5, 30)
        due_day = timezone.localtime(due)
        assign = Step(t, Action.ASSIGN, assigner, {
            "assignee": assignee,
            "note": f"请于{due_day.month}月{due_day.day}日前整改到位并上传整改照片。",
        })
        if plan.fate == Fate.NOT_A_HAZARD:
            if rng.random() < 0.35:
                steps.append(assign)
                t = self._at(t, 4, 48)
            steps.append(Step(self._at(t, 1, 30), Action.REJECT, main, {
                "reason": RejectionReason.NOT_A_HAZARD, "note": rng.choice(NOT_A_HAZARD_NOTES)}))
            return steps
        stuck_at = rng.choices((Status.REPORTED, Status.ASSIGNED, Status.RECTIFYING),
                               weights=(15, 35, 50))[0] if plan.fate == Fate.STUCK else ""
        if stuck_at == Status.REPORTED:
            return steps
        steps.append(assign)
        if plan.severity == Severity.MAJOR:
            t = self._at(t, 24, 120)
            steps.append(Step(t, Action.PLAN, main, self._major_plan(plan, due, main, assignee)))
            t = self._at(t, 2, 48)
            steps.append(Step(t, Action.LIST, line[0], self._listing(plan, due)))
            t = self._at(t, 12, 72)
        else:
            t = self._at(t, 0.2, 3 if plan.immediate else 36)
        if stuck_at == Status.ASSIGNED:
            return steps
        steps.append(Step(t, Action.START, assignee, {"note": rng.choice(START_NOTES)}))
        if plan.extended and t < due - dt.timedelta(hours=12):
            extend_at = self._office_hours(due - dt.timedelta(hours=rng.uniform(12, 72)),
                                           not_before=t + dt.timedelta(hours=1))
            terms = self._terms(plan)
            extended_due = terms.extended_due_at(due, terms.extension_duration)
            if plan.fate != Fate.STUCK or extended_due < self.now:
                by_district = plan.severity == Severity.MAJOR
                steps.append(Step(extend_at, Action.EXTEND, staff.admin if by_district else main, {
                    "reason": MAJOR_EXTENSION_REASON if by_district else rng.choice(EXTENSION_REASONS)}))
                t, due = extend_at, extended_due
        if stuck_at:
            return steps
        if plan.late:
            finish = due + dt.timedelta(hours=rng.uniform(8, 14 * 24))
        else:
            finish = t + (due - t) * rng.uniform(0.1, 0.8)
        t = self._office_hours(finish, not_before=t + dt.timedelta(minutes=30))
        steps.append(Step(t, Action.SUBMIT, assignee,
                          {"note": plan.text["fix"], "photos": self._photo(plan, t, AttachmentKind.AFTER)}))
        verifier = self._verifier(plan, main, second, assignee, line)
        if plan.rework:
            t = self._at(t, 2, 72)
            steps.append(Step(t, Action.REWORK, verifier, {"note": rng.choice(REWORK_NOTES)}))
            t = self._at(t, 12, 96)
            steps.append(Step(t, Action.SUBMIT, assignee,
                              {"note": "已按复核意见重新整改。" + plan.text["fix"],
                               "photos": self._photo(plan, t, AttachmentKind.AFTER)}))
        verify_at = self._at(t, 1, 48)
        if not plan.late and verify_at > due > t + dt.timedelta(minutes=30):
            verify_at = self._office_hours(t + (due - t) * rng.uniform(0.2, 0.9),
                                           not_before=t + dt.timedelta(minutes=5))
        if plan.severity == Severity.MAJOR:
            # The regulator accepts (验收) with its report; the town then closes it (销号).
            steps.append(Step(verify_at, Action.ACCEPT, line[0], {
                "note": MAJOR_VERIFY_NOTE.format(department=staff.department[plan.category]),
                "documents": [(f"{plan.text['title'][:20]}验收报告.pdf", ACCEPTANCE_REPORT)]}))
            steps.append(Step(self._at(verify_at, 2, 48), Action.VERIFY, main, {"note": MAJOR_CLOSE_NOTE}))
        else:
            steps.append(Step(verify_at, Action.VERIFY, verifier, {"note": rng.choice(VERIFY_NOTES)}))
        return steps

    def _verifier(self, plan: Plan, main: Any, second: Any, assignee: Any, line: Sequence[Any]) -> Any:
        if plan.severity == Severity.MAJOR and line:
            return line[0]
        roll = self.rng.random()
        if line and roll < 0.15:
            return self.rng.choice(line)
        if roll < 0.25 and second is not assignee:
            return second
        return main

    def _major_plan(self, plan: Plan, due: dt.datetime, main: Any, assignee: Any) -> dict[str, Any]:
        tpl = plan.text["tpl"]
        village = f"{plan.village.name}两委" if plan.village else f"{plan.town.name}应急管理站"
        department = self.staff.department.get(plan.category, "行业主管部门")
        changes = {
            "plan_goals": tpl.goals,
            "plan_methods": tpl.methods,
            "plan_funding": tpl.funding,
            "plan_responsible": (
                f"{plan.town.name}人民政府负总责（责任人：{self.staff.name(main)}），"
                f"{village}具体实施（现场负责人：{self.staff.name(assignee)}），区{department}监督指导。"
            ),
            "plan_deadline": timezone.localtime(due).date() - dt.timedelta(days=self.rng.randint(3, 12)),
            "plan_safety_measures": tpl.safety,
        }
        return {"changes": changes, "note": "制定整改方案，报行业主管部门挂牌督办。"}

    def _listing(self, plan: Plan, due: dt.datetime) -> dict[str, Any]:
        """The regulator lists the hazard under the district's or the town's supervision,
        naming that level's leader in charge of safety, with the hazard's own deadline."""
        by_district = self.rng.random() < DISTRICT_LISTING_SHARE
        unit = plan.town.parent if by_district else plan.town
        leader = self.staff.leaders[unit.pk]
        return {"supervising_unit": unit, "supervision_deadline": timezone.localtime(due).date(),
                "responsible_leader": leader,
                "note": f"列入{unit.name}挂牌督办，责任领导：{self.staff.name(leader)}。"}


# ---------------------------------------------------------------------------
# Playing the year
# ---------------------------------------------------------------------------


def _perform(step: Step, plan: Plan, hazards: dict[int, Hazard]) -> None:
    if step.action == Action.REPORT:
        hazards[plan.index] = hazard_report(actor=step.actor, opened_at=step.at, **step.kwargs)
        return
    hazard = hazards[plan.index]
    common = {"hazard": hazard, "actor": step.actor, "expected_version": hazard.version, "at": step.at}
    if step.action == Action.PLAN:
        hazard_update(**common, **step.kwargs)
    elif step.action == Action.EXTEND:
        # The nightly sweep may have raised the escalation level since this copy was read;
        # the extension resets it, and its event must show the real "before".
        hazard.refresh_from_db(fields=["escalation_level"])
        hazard_extend(**common, **step.kwargs)
    elif step.action == Action.REJECT and plan.duplicate_of is not None:
        ref = hazards[plan.duplicate_of.index].ref
        hazard_transition(**common, name="reject", reason=step.kwargs["reason"], duplicate_of=ref,
                          note=step.kwargs["note"].format(ref=ref))
    else:
        hazard_transition(**common, name=step.action, **step.kwargs)


def _play(plans: Sequence[Plan], ctx: DemoContext) -> None:
    now = ctx.now
    entries: list[tuple[dt.datetime, int, int, Step | None]] = [
        (step.at, plan.index, n, step)
        for plan in plans for n, step in enumerate(plan.steps) if step.at <= now
    ]
    if plans:
        entries += [(at, -1, 0, None) for at in nightly_sweeps(plans[0].opened_at, now)]
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    hazards: dict[int, Hazard] = {}
    with ctx.progress(total=len(entries), desc="A year of hazards") as bar:
        for start in range(0, len(entries), CHUNK_STEPS):
            chunk = entries[start:start + CHUNK_STEPS]
            with transaction.atomic():
                for at, index, _n, step in chunk:
                    if step is None:
                        escalate_overdue(now=at)
                    else:
                        _perform(step, plans[index], hazards)
                    bar.update()
        with transaction.atomic():
            escalate_overdue(now=now)


def summarise(*, now: dt.datetime, staff_created: int = 0) -> Summary:
    hazards = Hazard.objects.all()
    return Summary(
        domain="hazards", now=now, total=hazards.count(),
        breakdowns={
            "status": dict(hazards.values_list("status").annotate(n=Count("pk")).order_by()),
            "due state": dict(Counter(
                hazards.annotate(due=due_state_expression(now)).values_list("due", flat=True))),
        },
        counts={"escalated": hazards.filter(escalation_level__gt=0).count(),
                "major": hazards.filter(severity=Severity.MAJOR).count(),
                "staff created": staff_created},
    )


def generate(ctx: DemoContext, count: int) -> Summary:
    """Create ``count`` hazards over the twelve months before ``ctx.now`` and take each as
    far round the loop as it would have got by then."""
    rng = ctx.rng()
    geo = ctx.geography
    with transaction.atomic():
        staff = _hire_staff(geo=geo, personas=ctx.personas, rng=rng)
    plans = Planner(rng=rng, geo=geo, staff=staff, personas=ctx.personas, now=ctx.now).plan_year(count)
    _play(plans, ctx)
    with transaction.atomic():
        mark_handled_notices_read(now=ctx.now)
    return summarise(now=ctx.now, staff_created=staff.hired)


HAZARDS = DomainDemo(name="hazards", default_count=3000, count_help="How many hazards to make.",
                     generate=generate)
