"""One year of petitions (信访) in the demo district (柯城区), played through the real services.

As with the hazards (``hazards.py``), the year is first *planned* from one seeded random
generator — who petitions, about what, where, through which channel and when, and how far
each petition's statutory clock runs — and then *played* in time order through
``petition_register``, ``petition_transition`` and ``petition_extend`` with back-dated
times, the escalation sweep running once per simulated night. So every deadline, status,
event and notice is what the rules made of the year.

Patterns: wage arrears (欠薪) swell in the weeks before the Spring Festival, noise and smells
in summer, land and demolition petitions come in bursts around a few projects; online most,
then letters, visits and calls (reception-day visits are made elsewhere); mostly complaints,
some suggestions, a few accusations, which go to the discipline commission by rule. Most are
accepted on time, answered, rated and closed; some are not accepted, a few objected to and
routed again, some extended; a share is overdue and open (the backlog), a few go to review
and re-examination. Some people come back with the same matter, and a few with another.

Two kinds of step are taken today rather than back-dated, because their services record
the present moment: confirming or dismissing proposed repeats, and naming the responsible
leaders (包案领导) of backlog cases. Every person, company and project named is invented.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from bisect import bisect_left
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from pingan.core.deadlines import (
    add_working_days,
    due_date,
    end_of_day,
    is_working_day,
    local_date,
    next_working_day_on_or_after,
)
from pingan.core.escalation import MAX_STEPS, escalate_overdue
from pingan.core.models import Domain, RoleName, Unit, UnitKind
from pingan.demo import petition_texts as texts
from pingan.demo.district import DISTRICT_CODE, DISTRICT_NAME, Personas
from pingan.demo.generator import DemoContext, DomainDemo, Geography, Summary, local_moment
from pingan.demo.people import Hiring, id_number, invented_name
from pingan.demo.play import CHUNK_STEPS, Step, mark_handled_notices_read, sweep_after
from pingan.demo.texts import ESTATES, PREMISE_NAMES, RURAL_ROADS, STREETS, SURNAMES
from pingan.petitions.models import (
    Category,
    Channel,
    NotAcceptedReason,
    Outcome,
    Petition,
    PetitionType,
    ReviewOutcome,
    Rule,
    Satisfaction,
    SatisfactionChannel,
)
from pingan.petitions.profiles import RuleBook, rulebook, rulebooks_held
from pingan.petitions.selectors import Petitioner, backlog_q
from pingan.petitions.services import (
    petition_backlog_assign,
    petition_extend,
    petition_register,
    petition_repeat_confirm,
    petition_repeat_unlink,
    petition_transition,
)
from pingan.petitions.similarity import similarity

# Shares of the year's petitions (weights where they do not add up to one).
TYPES = {PetitionType.COMPLAINT: 82, PetitionType.SUGGESTION: 12, PetitionType.ACCUSATION: 6}
CHANNELS = {Channel.ONLINE: 46, Channel.LETTER: 22, Channel.VISIT: 19, Channel.PHONE: 13}
COMPLAINT_MIX = {
    "urban": {Category.URBAN_RURAL_CONSTRUCTION: 24, Category.LABOUR: 16, Category.ENVIRONMENT: 14,
              Category.LAND_RESOURCES: 4, Category.LAW: 8, Category.CIVIL_AFFAIRS: 8, Category.HEALTH: 6,
              Category.EDUCATION: 9, Category.OTHER: 11},
    "rural": {Category.LAND_RESOURCES: 16, Category.RURAL: 18, Category.LABOUR: 13, Category.ENVIRONMENT: 12,
              Category.URBAN_RURAL_CONSTRUCTION: 8, Category.LAW: 8, Category.CIVIL_AFFAIRS: 10,
              Category.HEALTH: 5, Category.EDUCATION: 4, Category.OTHER: 6},
}
# Month (Jan..Dec) weights; wage arrears follow the Spring Festival instead (``_season``).
MONTHLY = {
    Category.ENVIRONMENT: (0.6, 0.6, 0.8, 0.9, 1.1, 1.6, 2.1, 2.0, 1.3, 0.9, 0.7, 0.6),
    Category.RURAL: (0.8, 0.9, 1.4, 1.4, 1.2, 1.0, 1.0, 0.9, 1.1, 1.1, 0.9, 0.8),
    Category.EDUCATION: (0.8, 1.0, 1.2, 0.9, 0.9, 1.3, 1.6, 1.8, 1.5, 0.9, 0.8, 0.7),
}
# The first day of the lunar year; wage arrears peak in the six weeks before it.
SPRING_FESTIVAL = {2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29),
                   2026: dt.date(2026, 2, 17), 2027: dt.date(2027, 2, 6), 2028: dt.date(2028, 1, 26),
                   2029: dt.date(2029, 2, 13), 2030: dt.date(2030, 2, 3)}
PROJECT_SHARE = 0.09  # of complaints: land and demolition petitions around the projects
VILLAGE_SHARE = 0.85  # the matter arose in a village or community; the rest, town-wide
BUREAU_SHARE = {PetitionType.SUGGESTION: 0.35, PetitionType.COMPLAINT: 0.03}  # handled by 信访局
TOWN_VISIT_SHARE = 0.4  # visits received at the town's own office rather than the bureau's
MIGRANT_SHARE = {Category.LABOUR: 0.35}  # petitioners from outside Quzhou (default 0.03)
ANONYMOUS_SHARE = 0.35  # of accusations
NO_ID_SHARE, NO_PHONE_SHARE = 0.08, 0.06  # people who give only one of the two
PERSONA_TOWN_WEIGHT = 1.5  # the town handler persona's town gets more, so its login is busy

# Not accepted: matters for the courts mostly; suggestions 0.02, accusations 0.05.
NOT_ACCEPTED, NOT_ACCEPTED_LAW = 0.025, 0.45
# Accepted and never answered, which makes the backlog: land and building matters most.
STUCK = {Category.LAND_RESOURCES: 0.07, Category.URBAN_RURAL_CONSTRUCTION: 0.06}
STUCK_OTHERWISE = 0.035
NEVER_DECIDED = 0.006  # received and never decided on: overdue for acceptance
LATE_ACCEPT, LATE_REPLY, EXTENDED, STARTED, UNRATED = 0.04, 0.05, 0.06, 0.45, 0.06
OUTCOMES = {
    PetitionType.COMPLAINT: {Outcome.SUPPORTED: 42, Outcome.EXPLAINED: 43, Outcome.NOT_SUPPORTED: 15},
    PetitionType.SUGGESTION: {Outcome.SUPPORTED: 55, Outcome.EXPLAINED: 45},
    PetitionType.ACCUSATION: {Outcome.SUPPORTED: 35, Outcome.EXPLAINED: 35,
                              Outcome.NOT_SUPPORTED: 30},
}
SATISFACTION = {
    Outcome.SUPPORTED: {Satisfaction.SATISFIED: 88, Satisfaction.PARTLY: 10,
                        Satisfaction.NOT_SATISFIED: 2},
    Outcome.EXPLAINED: {Satisfaction.SATISFIED: 62, Satisfaction.PARTLY: 28,
                        Satisfaction.NOT_SATISFIED: 10},
    Outcome.NOT_SUPPORTED: {Satisfaction.SATISFIED: 25, Satisfaction.PARTLY: 35,
                            Satisfaction.NOT_SATISFIED: 40},
}
REPEAT_SHARE, SECOND_MATTER_SHARE = 0.09, 0.02
OBJECTION_SHARE, REVIEW_SHARE, REEXAMS = 0.006, 0.012, 2
BACKLOG_DESIGNATED = 0.65  # of the overdue open petitions, those with a leader and a date
OFFICE = (8 * 60 + 30, 17 * 60 + 30)  # minutes of the day: 8:30–17:30
HOUR = dt.timedelta(hours=1)
ONLINE_HOURS = {7: 1, 8: 3, 9: 6, 10: 7, 11: 6, 12: 3, 13: 3, 14: 5, 15: 6, 16: 5, 17: 3,
                18: 2, 19: 3, 20: 5, 21: 5, 22: 3, 23: 1}

# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Desk:
    """A handling unit and who works its petitions: the handler, the head who approves an
    extension, and the leaders who may take on a backlog case."""

    unit: Unit
    handler: Any
    head: Any
    leaders: tuple[str, ...]


@dataclass
class PetitionStaff:
    registrars: dict[str, Any]  # channel -> the 信访局 clerk who registers what comes by it
    reviewer: Any  # the district's 复查复核 office: decides reviews and re-examinations
    bureau: Desk
    discipline: Desk
    towns: dict[int, Desk]  # town id -> its desk
    hired: int = 0

    @property
    def callback(self) -> Any:
        """The 信访局 clerk who calls petitioners back (回访): never the handler who replied."""
        return self.registrars[Channel.PHONE]

    def desk_of(self, unit_id: int) -> Desk:
        if unit_id == self.bureau.unit.pk:
            return self.bureau
        if unit_id == self.discipline.unit.pk:
            return self.discipline
        return self.towns[unit_id]


def _hire_petition_staff(*, geo: Geography, personas: Personas, rng: random.Random) -> PetitionStaff:
    """The 信访局 clerks and head, the discipline commission's petition office, the district's
    review office, and in every town a petition clerk and the head over them — except in
    航埠镇 and 石梁镇, where the town handler personas are the clerks."""
    hiring = Hiring(rng)

    def hire(unit: Unit, label: str, title: str, role: str = RoleName.HANDLER, login: str = "") -> Any:
        return hiring.hire(unit, label, title, domain=Domain.PETITIONS, role=role, login=login)

    def leader(title: str) -> str:
        return f"{title} {hiring.book.new()[0]}"

    bureau_unit = Unit.objects.get(kind=UnitKind.DEPARTMENT, name="信访局")
    discipline_unit = Unit.objects.get(code=settings.PINGAN_PETITION_DISCIPLINE_UNIT_CODE)
    district = Unit.objects.get(prefix=DISTRICT_CODE)
    visits = hire(bureau_unit, "信访局", "来访接待科科员", login="xinfang")
    letters = hire(bureau_unit, "信访局", "办信科科员")
    online = hire(bureau_unit, "信访局", "网上信访受理员")
    bureau = Desk(unit=bureau_unit, handler=hire(bureau_unit, "信访局", "督查督办科科长"),
                  head=hire(bureau_unit, "信访局", "副局长", RoleName.SUPERVISOR),
                  leaders=tuple(leader(t) for t in texts.BACKLOG_LEADER_TITLES["bureau"]))
    discipline = Desk(unit=discipline_unit,
                      handler=hire(discipline_unit, "区纪委监委", "信访室干部", login="jiwei"),
                      head=hire(discipline_unit, "区纪委监委", "信访室主任", RoleName.SUPERVISOR),
                      leaders=tuple(leader(t) for t in texts.BACKLOG_LEADER_TITLES["discipline"]))
    reviewer = hire(district, "区信访事项复查复核办公室", "复查复核专员")
    persona_clerks = {persona.roles.get().unit_id: persona
                      for persona in (personas.town_handler, personas.outsider)}
    towns = {}
    for town in geo.towns:
        urban = town.kind == UnitKind.SUBDISTRICT
        clerk = persona_clerks.get(town.pk) or hire(town, f"{town.name}信访办", "信访专干")
        head_title = "分管信访副主任" if urban else "分管信访副镇长" if town.kind == UnitKind.TOWN \
            else "分管信访副乡长"
        titles = texts.BACKLOG_LEADER_TITLES["subdistrict" if urban else "town"]
        towns[town.pk] = Desk(unit=town, handler=clerk,
                              head=hire(town, town.name, head_title, RoleName.SUPERVISOR),
                              leaders=tuple(leader(t) for t in titles))
    hiring.save()
    registrars = {Channel.VISIT: visits, Channel.LETTER: letters, Channel.ONLINE: online,
                  Channel.PHONE: online}
    return PetitionStaff(registrars=registrars, reviewer=reviewer, bureau=bureau,
                         discipline=discipline, towns=towns, hired=len(hiring.hires))


class PetitionerBook:
    """Invented residents with valid ID numbers (GB 11643: region, birth date, sequence
    whose last digit is odd for a man, check character) and mobile numbers, none twice."""

    def __init__(self, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        local = [(code, w) for code, w in texts.ID_AREAS if code.startswith("3308")]
        elsewhere = [(code, w) for code, w in texts.ID_AREAS if not code.startswith("3308")]
        self.areas = {False: local, True: elsewhere}

    def _id_number(self, *, migrant: bool, woman: bool) -> str:
        rng = self.rng
        codes, weights = zip(*self.areas[migrant], strict=True)
        area = rng.choices(codes, weights=weights)[0]
        # Petitioners are older than the population: most are past fifty.
        age = rng.randint(22, 56) if migrant else round(rng.triangular(24, 82, 60))
        while True:
            born = self.today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
            sequence = rng.randint(0, 99) * 10 + rng.choice((0, 2, 4, 6, 8) if woman else (1, 3, 5, 7, 9))
            number = id_number(area, born, sequence)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def _phone(self) -> str:
        while True:
            phone = self.rng.choice(texts.MOBILE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def new(self, *, town: Unit, place: str, urban: bool, migrant: bool) -> Petitioner:
        rng = self.rng
        surname, given = invented_name(rng)
        id_number = self._id_number(migrant=migrant, woman=given in texts.WOMEN_GIVEN)
        phone = self._phone()
        roll = rng.random()
        if roll < NO_ID_SHARE:
            id_number = ""
        elif roll < NO_ID_SHARE + NO_PHONE_SHARE:
            phone = ""
        where = f"浙江省衢州市{DISTRICT_NAME}{town.name}"
        if migrant:
            address = f"{where}{place}（暂住）"
        elif urban:
            address = (f"{where}{rng.choice(ESTATES)}{rng.randint(1, 32)}幢{rng.randint(1, 4)}单元"
                       f"{rng.randint(1, 18)}0{rng.randint(1, 4)}室")
        else:
            address = f"{where}{place}{rng.randint(1, 9)}组{rng.randint(1, 160)}号"
        return Petitioner(name=surname + given, id_number=id_number, phone=phone, address=address,
                          masked=False)


# ---------------------------------------------------------------------------
# The plan of the year
# ---------------------------------------------------------------------------


class Action(StrEnum):
    """What a step does: a workflow transition of the same name, or registering or extending."""

    ACCEPT = "accept"
    CLOSE = "close"
    DECIDE_REEXAM = "decide_reexam"
    DECIDE_REVIEW = "decide_review"
    EXTEND = "extend"
    NOT_ACCEPT = "not_accept"
    OBJECT = "object"
    RATE = "rate"
    REGISTER = "register"
    REPLY = "reply"
    REQUEST_REEXAM = "request_reexam"
    REQUEST_REVIEW = "request_review"
    REROUTE = "reroute"
    START = "start"


# Steps whose changes reset the escalation level, which the nightly sweep may have raised
# since the petition was read: the event must show the real "before".
RESETS_ESCALATION = frozenset({Action.ACCEPT, Action.OBJECT, Action.REROUTE, Action.EXTEND,
                               Action.REQUEST_REVIEW, Action.REQUEST_REEXAM})


class Link(StrEnum):
    """How a repeat petition is linked to the first."""

    PROPOSED = ""  # left proposed: the handler has not yet said
    AT_REGISTRATION = "register"  # by the clerk who registers it
    CONFIRMED = "confirm"  # by the handler, today


class Fate(StrEnum):
    """How far a planned petition goes."""

    HANDLED = "handled"  # accepted, answered, rated, closed
    NOT_ACCEPTED = "not_accepted"
    NEVER_DECIDED = "never_decided"  # received and never decided on: overdue for acceptance
    STUCK = "stuck"  # accepted and never answered: the backlog
    OBJECTED = "objected"  # the handling unit objects, and it is routed again
    REVIEW = "review"
    REEXAM = "reexam"


@dataclass
class Plan:
    received_at: dt.datetime
    town: Unit
    unit: Unit
    petition_type: str
    category: str
    channel: str
    matter: texts.Matter
    values: dict[str, str]
    person: Petitioner | None  # None: an anonymous accusation
    desk: Desk
    registrar: Any
    fate: Fate = Fate.HANDLED
    reason: str = ""  # why not accepted
    title: str = ""
    account: str = ""
    repeat_of: Plan | None = None
    link: Link = Link.PROPOSED
    other_matter_of: Plan | None = None  # the same person's earlier, different petition
    index: int = -1
    steps: list[Step] = field(default_factory=list)

    def time_of(self, action: str) -> dt.datetime | None:
        return next((s.at for s in self.steps if s.action == action), None)


class PetitionPlanner:
    """Decides the whole year before anything is written, from one random generator."""

    def __init__(self, *, rng: random.Random, geo: Geography, staff: PetitionStaff,
                 personas: Personas, book: RuleBook, now: dt.datetime):
        self.rng, self.geo, self.staff, self.book, self.now = rng, geo, staff, book, now
        today = timezone.localtime(now).date()
        self.days = [today - dt.timedelta(days=n) for n in range(365, 0, -1)]
        self.people = PetitionerBook(rng, today)
        persona_town = personas.town_handler.roles.get().unit
        self.town_weights = [(t.population or 30_000) * (PERSONA_TOWN_WEIGHT if t == persona_town else 1.0)
                             for t in geo.towns]
        self.towns_by_name = {t.name: t for t in geo.towns}
        festivals = [SPRING_FESTIVAL.get(y, dt.date(y, 2, 5)) for y in range(today.year - 1, today.year + 2)]
        # (category, on any day rather than working days only) -> the days' running weights
        self.cumulative = {
            (category, any_day): list(accumulate(
                self._season(category, day, festivals) * self._day_type_weight(day, any_day)
                for day in self.days))
            for category in Category.values for any_day in (False, True)
        }

    # -- when ----------------------------------------------------------------

    @staticmethod
    def _season(category: str, day: dt.date, festivals: list[dt.date]) -> float:
        if category == Category.LABOUR:
            before = min(((f - day).days for f in festivals if f >= day), default=365)
            return 3.2 if before <= 42 else 1.6 if day.month == 12 else 0.7
        return MONTHLY.get(category, (1.0,) * 12)[day.month - 1]

    @staticmethod
    def _day_type_weight(day: dt.date, any_day: bool) -> float:
        if is_working_day(day):
            return 1.0
        return 0.55 if any_day else 0.0

    def _clock(self, day: dt.date, first: int, last: int) -> dt.datetime:
        minute = self.rng.randint(first, last)
        return local_moment(day, minute // 60, minute % 60)

    def _received(self, category: str, channel: str, window: tuple[int, int] | None) -> dt.datetime:
        """When a petition came in: online at any hour of any day, the rest in office hours."""
        rng = self.rng
        online = channel == Channel.ONLINE
        cumulative = self.cumulative[(category, online)]
        low, high = window or (0, len(self.days) - 1)
        start = cumulative[low - 1] if low else 0.0
        index = bisect_left(cumulative, rng.uniform(start, cumulative[high]), low, high)
        day = self.days[index]
        if online:
            hours, weights = zip(*ONLINE_HOURS.items(), strict=True)
            hour = rng.choices(hours, weights=weights)[0]
            return local_moment(day, hour, rng.randint(0, 59))
        return self._clock(day, *OFFICE)

    def _office(self, t: dt.datetime, *, not_before: dt.datetime) -> dt.datetime:
        """``t`` moved into office hours on a working day, and not before ``not_before``. An
        evening comes forward into the same afternoon rather than the next morning, and a
        rest day goes to the next working day, so a step planned before a deadline (which
        always falls on a working day) stays before it."""
        local = timezone.localtime(max(t, not_before))
        day, minute = local.date(), local.hour * 60 + local.minute
        if is_working_day(day):
            if OFFICE[0] <= minute <= OFFICE[1]:
                return local
            if minute < OFFICE[0]:
                return max(self._clock(day, OFFICE[0], OFFICE[0] + 90), not_before)
            afternoon = self._clock(day, OFFICE[1] - 90, OFFICE[1])
            if afternoon >= not_before:
                return afternoon
            day += dt.timedelta(days=1)
        return self._clock(next_working_day_on_or_after(day), OFFICE[0], OFFICE[0] + 180)

    def _after(self, t: dt.datetime, low_days: float, high_days: float) -> dt.datetime:
        return self._office(t + dt.timedelta(days=self.rng.uniform(low_days, high_days)),
                            not_before=t + dt.timedelta(minutes=20))

    def _within(self, t: dt.datetime, due: dt.datetime, low: float, high: float) -> dt.datetime:
        """A moment between ``low`` and ``high`` of the way from ``t`` to ``due``."""
        return self._office(t + (due - t) * self.rng.uniform(low, high), not_before=t + HOUR)

    # -- who, where and what ---------------------------------------------------

    def _values(self, *, town: Unit, place: str, received_at: dt.datetime, project: str) -> dict[str, str]:
        """The particulars a matter's text is filled in with."""
        rng = self.rng
        since = received_at - dt.timedelta(days=rng.randint(60, 480))
        workers = rng.randint(6, 48)
        values = {"town": town.name, "village": place, "group": str(rng.randint(1, 9)),
                  "estate": rng.choice(ESTATES), "building": f"{rng.randint(1, 30)}幢",
                  "boss": rng.choice(SURNAMES)[0] + "某",
                  "company": f"衢州市{rng.choice(PREMISE_NAMES)}{rng.choice(texts.COMPANY_SUFFIXES)}",
                  "workers": str(workers), "months": str(rng.randint(2, 8)), "year": str(since.year),
                  "month": str(since.month), "area": rng.choice(("0.6", "0.8", "1.2", "1.5", "2.3", "3.1")),
                  "project": project, "amount": str(rng.randint(30, 600) * 100),
                  "wages": str(workers * rng.randint(80, 300) * 100)}
        urban = town.kind == UnitKind.SUBDISTRICT
        values["road"] = rng.choice(STREETS) if urban else rng.choice(RURAL_ROADS).format(village=place)
        for key, choices in (("site", texts.SITES), ("school", texts.SCHOOLS), ("hospital", texts.HOSPITALS)):
            values[key] = rng.choice(choices).format(**values)
        values["shop"] = rng.choice(texts.SHOPS).format(brand=rng.choice(PREMISE_NAMES))
        return values

    def _place(self, town: Unit) -> tuple[Unit, str]:
        """Where the matter arose, and the village its account names (a town-wide matter
        still concerns some village)."""
        villages = self.geo.villages[town.pk]
        if not villages:
            return town, town.name
        village = self.rng.choices(villages, weights=[v.population or 1000 for v in villages])[0]
        return (village if self.rng.random() < VILLAGE_SHARE else town), village.name

    def _matter(self, pool: dict[str, tuple[texts.Matter, ...]], category: str | None,
                urban: bool, *, project: bool = False) -> tuple[str, texts.Matter]:
        fits = [(c, m) for c, matters in pool.items() if category in (None, c) for m in matters
                if m.place in ("any", "urban" if urban else "rural") and m.project == project]
        return self.rng.choice(fits)

    def _first(self, town: Unit | None = None, person: Petitioner | None = None) -> Plan:
        """A petition raised for the first time."""
        rng = self.rng
        petition_type = rng.choices(list(TYPES), weights=list(TYPES.values()))[0]
        channel = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
        window, project = None, ""
        if petition_type == PetitionType.COMPLAINT and town is None and rng.random() < PROJECT_SHARE:
            town_name, project, first_day, last_day = rng.choice(texts.PROJECTS)
            town, window = self.towns_by_name[town_name], (first_day, last_day)
        town = town or rng.choices(self.geo.towns, weights=self.town_weights)[0]
        urban = town.kind == UnitKind.SUBDISTRICT
        if petition_type == PetitionType.ACCUSATION:
            category, matter = self._matter({Category.DISCIPLINE: texts.ACCUSATIONS}, None, urban)
        elif petition_type == PetitionType.SUGGESTION:
            category, matter = self._matter(texts.SUGGESTIONS, None, urban)
        elif project:
            category, matter = self._matter(texts.COMPLAINTS, Category.LAND_RESOURCES, urban, project=True)
        else:
            mix = COMPLAINT_MIX["urban" if urban else "rural"]
            category = rng.choices(list(mix), weights=list(mix.values()))[0]
            category, matter = self._matter(texts.COMPLAINTS, category, urban)
        unit, place = self._place(town)
        received_at = self._received(category, channel, window)
        values = self._values(town=town, place=place, received_at=received_at, project=project)
        anonymous = petition_type == PetitionType.ACCUSATION and rng.random() < ANONYMOUS_SHARE
        if person is None and not anonymous:
            migrant = rng.random() < MIGRANT_SHARE.get(category, 0.03)
            person = self.people.new(town=town, place=place, urban=urban, migrant=migrant)
        if petition_type == PetitionType.ACCUSATION:
            desk = self.staff.discipline
        elif rng.random() < BUREAU_SHARE.get(petition_type, 0.0):
            desk = self.staff.bureau
        else:
            desk = self.staff.towns[town.pk]
        at_town = channel == Channel.VISIT and desk.unit == town and rng.random() < TOWN_VISIT_SHARE
        plan = Plan(received_at=received_at, town=town, unit=unit, petition_type=petition_type,
                    category=category, channel=channel, matter=matter, values=values, person=person,
                    desk=desk, registrar=desk.handler if at_town else self.staff.registrars[channel])
        plan.title = matter.title.format(**values)
        plan.account = matter.account.format(**values) + ("" if person else texts.ANONYMOUS_CLOSING)
        self._fate(plan)
        return plan

    def _fate(self, plan: Plan) -> None:
        rng = self.rng
        roll = rng.random()
        not_accepted = {PetitionType.SUGGESTION: 0.02, PetitionType.ACCUSATION: 0.05}.get(
            plan.petition_type, NOT_ACCEPTED_LAW if plan.category == Category.LAW else NOT_ACCEPTED)
        if roll < not_accepted:
            plan.fate = Fate.NOT_ACCEPTED
            if plan.category == Category.LAW and rng.random() < 0.85:
                plan.reason = NotAcceptedReason.LEGAL_PROCEDURE
            elif plan.petition_type == PetitionType.COMPLAINT and rng.random() < 0.6:
                plan.reason = NotAcceptedReason.OTHER
            else:
                plan.reason = NotAcceptedReason.OUTSIDE_AUTHORITY
        elif roll < not_accepted + NEVER_DECIDED:
            plan.fate = Fate.NEVER_DECIDED
        elif roll < not_accepted + NEVER_DECIDED + STUCK.get(plan.category, STUCK_OTHERWISE):
            plan.fate = Fate.STUCK

    # -- the clock of one petition ---------------------------------------------

    def _registration(self, plan: Plan) -> dict[str, Any]:
        person = plan.person or Petitioner("", "", "", "", masked=False)
        fields = {"unit": plan.unit, "channel": plan.channel, "petition_type": plan.petition_type,
                  "title": plan.title, "matter": plan.account, "category": plan.category,
                  "petitioner_name": person.name, "id_number": person.id_number,
                  "phone": person.phone, "address": person.address}
        if plan.desk is self.staff.bureau:
            fields["handling_unit"] = plan.desk.unit
        return fields

    def _timeline(self, plan: Plan) -> list[Step]:
        rng = self.rng
        book = self.book
        t = plan.received_at
        steps = [Step(t, Action.REGISTER, plan.registrar, self._registration(plan))]
        desk = plan.desk
        if plan.fate == Fate.OBJECTED:
            objection = book.term(Rule.OBJECTION)
            until = due_date(local_date(t), objection.duration, objection.day_type)
            day = add_working_days(local_date(t), rng.randint(1, 3))
            t = self._office(self._clock(min(day, until), *OFFICE), not_before=t + dt.timedelta(hours=2))
            steps.append(Step(t, Action.OBJECT, desk.handler, {"note": rng.choice(texts.OBJECTION_NOTES)}))
            t = self._after(t, 0.2, 3)
            desk = plan.desk = self.staff.bureau
            steps.append(Step(t, Action.REROUTE, plan.registrar,
                              {"handling_unit": desk.unit, "note": texts.REROUTE_NOTE}))
        acceptance_due = book.term(Rule.ACCEPTANCE).due_at(t)
        if plan.fate == Fate.NEVER_DECIDED:
            return steps
        if plan.fate == Fate.NOT_ACCEPTED:
            t = self._within(t, acceptance_due, 0.05, 0.7)
            steps.append(Step(t, Action.NOT_ACCEPT, desk.handler, {
                "reason": plan.reason, "note": rng.choice(texts.NOT_ACCEPTED_NOTES[plan.reason])}))
            return steps
        if rng.random() < LATE_ACCEPT:
            t = self._office(acceptance_due + dt.timedelta(days=rng.uniform(1, 10)), not_before=t)
        else:
            t = self._within(t, acceptance_due, 0.02, 0.45)
        steps.append(Step(t, Action.ACCEPT, desk.handler))
        accepted = t
        term = book.term(book.resolution_rule(plan.petition_type))
        due = term.due_at(accepted)
        if rng.random() < STARTED:
            t = self._after(t, 0, 4)
            steps.append(Step(t, Action.START, desk.handler, {"note": rng.choice(texts.START_NOTES)}))
        extension = min(rng.choice((15, 20, 30)), book.longest_extension(term.duration))
        extended = extension > 0 and rng.random() < (0.4 if plan.fate == Fate.STUCK else EXTENDED)
        if extended:
            t = self._office(due - dt.timedelta(days=rng.uniform(2, 12)), not_before=t + HOUR)
            steps.append(Step(t, Action.EXTEND, desk.head, {"days": extension,
                                                      "reason": rng.choice(texts.EXTENSION_REASONS)}))
            due = end_of_day(due_date(local_date(accepted), term.duration + extension, term.day_type))
        if plan.fate == Fate.STUCK:
            return steps
        if rng.random() < LATE_REPLY:
            t = self._office(due + dt.timedelta(days=rng.uniform(2, 20)), not_before=t)
        else:
            t = self._within(t, due, 0.12, 0.85)
        steps += self._answer(plan, desk, t)
        return steps

    def _answer(self, plan: Plan, desk: Desk, t: dt.datetime) -> list[Step]:
        """The reply, the petitioner's satisfaction, closing, and any review and re-examination."""
        rng = self.rng
        contested = plan.fate in (Fate.REVIEW, Fate.REEXAM)
        if contested:
            outcome = rng.choice((Outcome.EXPLAINED, Outcome.NOT_SUPPORTED))
        else:
            mix = OUTCOMES[plan.petition_type]
            outcome = rng.choices(list(mix), weights=list(mix.values()))[0]
        if outcome == Outcome.SUPPORTED:
            note = plan.matter.resolved.format(**plan.values)
        elif plan.petition_type == PetitionType.SUGGESTION:
            note = texts.SUGGESTION_NOT_ADOPTED
        else:
            note = (texts.EXPLAINED if outcome == Outcome.EXPLAINED else texts.NOT_SUPPORTED)[plan.category]
        replied = t
        steps = [Step(t, Action.REPLY, desk.handler, {"outcome": outcome, "note": note})]
        t = self._after(t, 0.5, 6)
        if plan.person is None:
            steps.append(Step(t, Action.CLOSE, desk.handler, {"note": texts.ANONYMOUS_CLOSE_NOTE}))
        elif rng.random() < UNRATED and not contested:
            steps.append(Step(t, Action.CLOSE, desk.handler, {"note": rng.choice(texts.UNRATED_CLOSE_NOTES)}))
        else:
            mix = SATISFACTION[outcome]
            satisfaction = Satisfaction.NOT_SATISFIED if contested else \
                rng.choices(list(mix), weights=list(mix.values()))[0]
            note = rng.choice(texts.RATING_NOTES)
            asked_by = SatisfactionChannel.VISIT if "上门" in note else SatisfactionChannel.PHONE
            # An accusation's accuser is known to the discipline office alone: it calls back.
            caller = desk.head if desk is self.staff.discipline else self.staff.callback
            steps.append(Step(t, Action.RATE, caller,
                              {"satisfaction": satisfaction, "asked_by": asked_by, "note": note}))
            t = self._after(t, 0, 3)
            steps.append(Step(t, Action.CLOSE, desk.handler))
        if contested:
            steps += self._review(plan, replied, t)
        return steps

    def _review(self, plan: Plan, replied: dt.datetime, closed: dt.datetime) -> list[Step]:
        rng, book = self.rng, self.book
        registrar, reviewer = self.staff.registrars[Channel.LETTER], self.staff.reviewer
        window = book.term(Rule.REVIEW_WINDOW)
        earliest = closed + dt.timedelta(hours=4)
        latest = self._clock(due_date(local_date(replied), window.duration, window.day_type)
                             - dt.timedelta(days=2), *OFFICE)
        t = self._office(earliest + (latest - earliest) * rng.uniform(0.1, 0.9), not_before=earliest)
        steps = [Step(t, Action.REQUEST_REVIEW, registrar, {"note": "信访人不服处理意见，书面申请复查。"})]
        t = self._after(t, 8, 26)
        upheld = plan.fate == Fate.REEXAM or rng.random() < 0.85
        decision = ReviewOutcome.UPHELD if upheld else ReviewOutcome.CHANGED
        steps.append(Step(t, Action.DECIDE_REVIEW, reviewer,
                          {"decision": decision, "note": texts.REVIEW_NOTES[decision]}))
        if plan.fate == Fate.REEXAM:
            t = self._after(t, 4, 20)
            steps.append(Step(t, Action.REQUEST_REEXAM, registrar,
                              {"note": "信访人不服复查意见，申请复核。"}))
            t = self._after(t, 10, 25)
            steps.append(Step(t, Action.DECIDE_REEXAM, reviewer, {"decision": ReviewOutcome.UPHELD,
                                                            "note": texts.REEXAM_NOTE}))
        return steps

    # -- people who come back --------------------------------------------------

    def _again(self, original: Plan, link: Link) -> Plan | None:
        """The same person on the same matter, later: while it is still being handled (not
        accepted again: in progress), after a reply they did not accept, or after it was
        concluded by re-examination (not accepted again on the same facts)."""
        rng = self.rng
        latest = self.now - dt.timedelta(hours=rng.uniform(3, 72))
        concluded = original.time_of(Action.DECIDE_REEXAM)
        replied = original.time_of(Action.REPLY)
        if concluded is not None:
            received, fate, reason = concluded + dt.timedelta(days=rng.uniform(15, 60)), \
                Fate.NOT_ACCEPTED, NotAcceptedReason.CONCLUDED
        elif replied is not None and replied < latest and rng.random() < 0.7:
            received = replied + dt.timedelta(days=rng.uniform(5, 60))
            fate, reason = rng.choice(((Fate.HANDLED, ""), (Fate.NOT_ACCEPTED, NotAcceptedReason.OTHER)))
        else:
            accepted = original.time_of(Action.ACCEPT) or original.received_at
            received = accepted + dt.timedelta(days=rng.uniform(7, 40))
            fate, reason = Fate.NOT_ACCEPTED, NotAcceptedReason.IN_PROGRESS
            if replied is not None:
                received = min(received, replied - dt.timedelta(days=1))
        if received > latest or received <= original.received_at:
            return None
        channel = rng.choice((Channel.VISIT, Channel.VISIT, Channel.ONLINE, Channel.LETTER, Channel.PHONE))
        if channel != Channel.ONLINE:
            received = self._office(received, not_before=received)
            if received > self.now:
                return None
        at_town = channel == Channel.VISIT and original.desk.unit == original.town and rng.random() < 0.5
        registrar = original.desk.handler if at_town else self.staff.registrars[channel]
        first = timezone.localtime(original.received_at)
        plan = Plan(received_at=received, town=original.town, unit=original.unit,
                    petition_type=original.petition_type, category=original.category, channel=channel,
                    matter=original.matter, values=original.values, person=original.person,
                    desk=original.desk, registrar=registrar, fate=fate, reason=reason,
                    repeat_of=original, link=link)
        plan.title = rng.choice(texts.REPEAT_TITLE).format(title=original.title)
        opening = rng.choice(texts.REPEAT_OPENING).format(first=f"{first.year}年{first.month}月{first.day}日")
        plan.account = opening + original.account + rng.choice(texts.REPEAT_CLOSING)
        return plan

    def plan_year(self, count: int) -> list[Plan]:
        rng = self.rng
        repeats, seconds = round(count * REPEAT_SHARE), round(count * SECOND_MATTER_SHARE)
        firsts = [self._first(town) for town in self.geo.towns[:count]]  # every town has some
        # The concluded matters come back once more each (not accepted again).
        firsts += [self._first() for _ in range(max(0, count - repeats - seconds - REEXAMS - len(firsts)))]
        self._pick_rare_fates(firsts, count)
        for plan in firsts:
            plan.steps = self._timeline(plan)
        named = [p for p in firsts if p.person is not None and p.petition_type == PetitionType.COMPLAINT
                 and p.fate not in (Fate.NOT_ACCEPTED, Fate.NEVER_DECIDED)]
        later: list[Plan] = []
        for plan in firsts:
            if plan.fate == Fate.REEXAM:
                again = self._again(plan, Link.AT_REGISTRATION)
                later += [again] if again else []
        # A few of each link for certain, then mostly linked by the clerk who registers it.
        links = [Link.PROPOSED, Link.PROPOSED, Link.CONFIRMED, Link.CONFIRMED]
        links += rng.choices((Link.AT_REGISTRATION, Link.CONFIRMED, Link.PROPOSED), weights=(7, 2.5, 0.5),
                             k=max(0, repeats - 4))
        for link in links[:repeats]:
            again = self._again(rng.choice(named), link) if named else None
            later += [again] if again else []
        for original in rng.sample(named, min(seconds, len(named))):
            later += [self._another_matter(original)]
        for plan in later:
            plan.steps = self._timeline(plan)
        plans = sorted(firsts + later, key=lambda p: p.received_at)
        for index, plan in enumerate(plans):
            plan.index = index
        return plans

    def _another_matter(self, original: Plan) -> Plan:
        """The same person with a different matter; when it reads like the first one, the
        handler is shown it as a proposed repeat and says it is not."""
        plan = self._first(original.town, original.person)
        while plan.petition_type == PetitionType.ACCUSATION or plan.title == original.title:
            plan = self._first(original.town, original.person)
        if plan.received_at <= original.received_at:
            later = original.received_at + (self.now - original.received_at) * self.rng.uniform(0.2, 0.8)
            plan.received_at = self._office(later, not_before=later)
        alike = similarity(f"{plan.title} {plan.account}", f"{original.title} {original.account}")
        if (plan.category == original.category and plan.received_at <= self.now
                and alike >= settings.PINGAN_PETITION_REPEAT_SIMILARITY):
            plan.other_matter_of = original
        return plan

    def _pick_rare_fates(self, plans: list[Plan], count: int) -> None:
        """Objections, reviews and re-examinations are rare: a few each, by quota, among the
        petitions old enough for them to have run their course."""
        rng = self.rng
        ordinary = [p for p in plans if p.fate == Fate.HANDLED and p.petition_type == PetitionType.COMPLAINT
                    and p.person is not None]
        old = [p for p in ordinary if p.received_at < self.now - dt.timedelta(days=230)]
        for plan in rng.sample(old, min(REEXAMS, len(old))):
            plan.fate = Fate.REEXAM
        reviewable = [p for p in ordinary if p.fate == Fate.HANDLED
                      and 110 < (self.now - p.received_at).days < 330]
        for plan in rng.sample(reviewable, min(max(3, round(count * REVIEW_SHARE)), len(reviewable))):
            plan.fate = Fate.REVIEW
        objectable = [p for p in ordinary if p.fate == Fate.HANDLED and p.desk.unit == p.town
                      and p.registrar in self.staff.registrars.values()
                      and p.received_at < self.now - dt.timedelta(days=30)]
        for plan in rng.sample(objectable, min(max(2, round(count * OBJECTION_SHARE)), len(objectable))):
            plan.fate = Fate.OBJECTED


# ---------------------------------------------------------------------------
# Playing the year, and today's work
# ---------------------------------------------------------------------------


def _perform(step: Step, plan: Plan, petitions: dict[int, Petition]) -> Petition:
    if step.action == Action.REGISTER:
        linked = plan.repeat_of is not None and plan.link == Link.AT_REGISTRATION
        petitions[plan.index] = petition_register(
            actor=step.actor, received_at=step.at, **step.kwargs,
            repeat_of=petitions[plan.repeat_of.index].ref if linked else None,
        )
        return petitions[plan.index]
    petition = petitions[plan.index]
    if step.action in RESETS_ESCALATION:
        petition.refresh_from_db(fields=["escalation_level"])
    mine = {"petition": petition, "actor": step.actor, "expected_version": petition.version, "at": step.at}
    if step.action == Action.EXTEND:
        return petition_extend(**mine, **step.kwargs)
    return petition_transition(**mine, name=step.action, **step.kwargs)


class _NightlySweeps:
    """The nights on which the escalation sweep has something of this year's petitions to
    do: the first pass after a petition's deadline and after each further interval, while
    it is still open with that deadline. A pass on any other night would write nothing (the
    hazards were swept as they were played), so only these nights are run — a pass costs
    as much as a step, and most nights owe nothing."""

    def __init__(self, petitions: dict[int, Petition], now: dt.datetime):
        self.petitions = petitions
        self.now = now
        self.interval = dt.timedelta(days=settings.PINGAN_ESCALATION_INTERVAL_DAYS)
        self.nights: list[tuple[dt.datetime, int, dt.datetime]] = []  # (night, plan index, deadline)

    def watch(self, index: int, after: dt.datetime) -> None:
        petition = self.petitions[index]
        if not petition.is_open or petition.due_at is None:
            return
        for step in range(MAX_STEPS):
            night = sweep_after(petition.due_at + step * self.interval)
            if after < night <= self.now:  # a past night was watched when the deadline was set
                heapq.heappush(self.nights, (night, index, petition.due_at))

    def run_until(self, moment: dt.datetime) -> None:
        while self.nights and self.nights[0][0] < moment:
            night, owed = self.nights[0][0], False
            while self.nights and self.nights[0][0] == night:
                _night, index, due = heapq.heappop(self.nights)
                petition = self.petitions[index]
                owed = owed or (petition.is_open and petition.due_at == due)
            if owed:
                escalate_overdue(now=night)


def _play(plans: list[Plan], ctx: DemoContext) -> dict[int, Petition]:
    """Every step up to ``ctx.now`` in time order, with the nightly escalation sweep between."""
    now = ctx.now
    timeline = sorted(((step.at, plan.index, n, step) for plan in plans
                       for n, step in enumerate(plan.steps) if step.at <= now), key=lambda entry: entry[:3])
    petitions: dict[int, Petition] = {}
    sweeps = _NightlySweeps(petitions, now)
    with ctx.progress(total=len(timeline), desc="A year of petitions") as bar:
        for chunk in range(0, len(timeline), CHUNK_STEPS):
            with transaction.atomic():
                for at, index, _n, step in timeline[chunk:chunk + CHUNK_STEPS]:
                    sweeps.run_until(at)
                    _perform(step, plans[index], petitions)
                    sweeps.watch(index, after=at)
                    bar.update()
    with transaction.atomic():
        sweeps.run_until(now)
        escalate_overdue(now=now)
    return petitions


@transaction.atomic
def _todays_work(*, plans: list[Plan], petitions: dict[int, Petition], staff: PetitionStaff,
                 now: dt.datetime, rng: random.Random) -> None:
    """What handlers do today: confirm proposed repeats, dismiss a proposal that is another
    matter, and name a leader and a date for most petitions overdue by ``now`` (积案). The
    services date these now (they take no time), so they come last."""
    for plan in plans:
        petition = petitions.get(plan.index)
        if petition is None:
            continue
        desk = staff.desk_of(petition.handling_unit_id)
        if plan.repeat_of is not None and plan.link == Link.CONFIRMED:
            petition_repeat_confirm(petition=petition, original_ref=petitions[plan.repeat_of.index].ref,
                                    actor=desk.handler, expected_version=petition.version)
        if plan.other_matter_of is not None and plan.other_matter_of.index in petitions:
            petition_repeat_unlink(petition=petition, actor=desk.handler, expected_version=petition.version,
                                   original_ref=petitions[plan.other_matter_of.index].ref)
    overdue = set(Petition.objects.filter(backlog_q(now), pk__in=[p.pk for p in petitions.values()])
                  .values_list("pk", flat=True))
    for plan in plans:
        petition = petitions.get(plan.index)
        if petition is None or petition.pk not in overdue or rng.random() >= BACKLOG_DESIGNATED:
            continue
        desk = staff.desk_of(petition.handling_unit_id)
        target = timezone.localdate() + dt.timedelta(days=rng.randint(20, 75))
        petition_backlog_assign(petition=petition, actor=desk.handler, expected_version=petition.version,
                                leader=rng.choice(desk.leaders), target_date=target)


def summarise(*, now: dt.datetime, staff_created: int = 0) -> Summary:
    petitions = Petition.objects.all()

    def counts(name: str) -> dict[str, int]:
        return dict(petitions.values_list(name).annotate(n=Count("pk")).order_by())

    return Summary(
        domain="petitions", now=now, total=petitions.count(),
        breakdowns={"status": counts("status"), "channel": counts("channel"),
                    "type": counts("petition_type")},
        counts={"overdue and open": petitions.filter(is_open=True, due_at__lt=now).count(),
                "with a responsible leader": petitions.exclude(backlog_leader="").count(),
                "linked repeats": petitions.filter(repeat_of__isnull=False).count(),
                "petition staff created": staff_created},
    )


def generate(ctx: DemoContext, count: int) -> Summary:
    """About ``count`` petitions over the twelve months before ``ctx.now``, each taken as far
    along its clock as it would have got by then.

    Petition staff are hired first (see ``_hire_petition_staff``). The steps taken today
    (repeat links, backlog leaders) are dated by the clock: freeze it for a reproducible year."""
    rng = ctx.rng()
    geo = ctx.geography
    with transaction.atomic():
        staff = _hire_petition_staff(geo=geo, personas=ctx.personas, rng=rng)
    with rulebooks_held():  # thousands of steps, and nobody edits the rules meanwhile
        planner = PetitionPlanner(rng=rng, geo=geo, staff=staff, personas=ctx.personas, book=rulebook(),
                                  now=ctx.now)
        plans = planner.plan_year(count)
        petitions = _play(plans, ctx)
        _todays_work(plans=plans, petitions=petitions, staff=staff, now=ctx.now, rng=rng)
    with transaction.atomic():
        mark_handled_notices_read(now=ctx.now)
    return summarise(now=ctx.now, staff_created=staff.hired)


PETITIONS = DomainDemo(name="petitions", default_count=1500, count_help="About how many petitions to make.",
                       generate=generate)
