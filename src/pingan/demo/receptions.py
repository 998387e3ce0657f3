"""A year of reception days in the demo district (柯城区), played through the real services.

Every unit that holds reception days (the district and its 18 towns) gets a roster of
leaders and, for each period of the twelve months before ``today``, a reception planned and
held in turn by its leaders — with the gaps a real year has: a few towns that often let a
period pass, periods lost to the Spring Festival and the flood season, receptions cancelled
for a meeting and never made up, others held but never recorded. The current period and the
next are planned ahead. Every leader, visitor and matter named here is invented.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from django.db import transaction

from pingan.core.deadlines import DayKind, day_kind, is_working_day
from pingan.core.models import Unit, UnitKind
from pingan.demo.district import DISTRICT_CODE
from pingan.demo.generator import DemoContext, DomainDemo, Summary, local_moment
from pingan.demo.people import id_number, invented_name
from pingan.receptions.models import RECEIVING_KINDS, Leader, Reception, ReceptionVisit
from pingan.receptions.periods import DAY, Period, period_of, periods_between
from pingan.receptions.services import (
    reception_cancel,
    reception_mark_held,
    reception_plan,
    reception_visitor_register,
)

ROSTER_TITLES = {
    UnitKind.DISTRICT: ("区委书记", "区长", "区委副书记", "区委常委、政法委书记"),
    UnitKind.TOWN: ("镇党委书记", "镇长", "镇人大主席", "镇党委副书记"),
    UnitKind.TOWNSHIP: ("乡党委书记", "乡长", "乡人大主席", "乡党委副书记"),
    UnitKind.SUBDISTRICT: ("街道党工委书记", "街道办事处主任", "街道党工委副书记", "街道人大工委主任"),
}
LEADERS_PER_UNIT = {UnitKind.DISTRICT: 4}  # towns: 3
LAGGARDS = 3  # towns that often let a period pass
CANCEL_REASONS = (
    "领导参加全区防汛防台工作调度会，本期接访取消。",
    "领导赴省里参加专题培训，本期接访取消，群众来访由信访办登记。",
    "与全区重点项目集中开工活动冲突，本期接访取消。",
    "领导带队开展安全生产大检查，本期接访取消。",
)
HELD_NOTES = ("", "", "现场答复群众诉求，需协调事项已交办相关科室。", "本期无群众来访。",
              "来访群众反映问题已登记交办，限期答复。")
# (category, type, title, matter): what visitors bring to a reception day.
MATTERS = (
    ("land", "complaint", "征地补偿款未足额发放",
     "反映{village}土地征收补偿款至今未足额发放，要求核实并兑付。"),
    ("labour", "complaint", "企业拖欠务工工资",
     "反映在{town}某建材厂务工期间被拖欠工资三个月，多次讨要未果。"),
    ("urban_rural", "complaint", "农房翻建审批迟迟未办结",
     "反映{village}农房翻建审批材料已提交两个多月，仍未办结。"),
    ("environment", "complaint", "养殖场异味扰民",
     "反映{village}村口养猪场气味严重，夏季尤甚，影响周边居民生活。"),
    ("rural", "suggestion", "建议硬化村内机耕路",
     "建议对{village}破损机耕路进行硬化修缮，方便农忙运输。"),
    ("civil_affairs", "complaint", "低保资格认定有异议",
     "反映家庭因病致困，低保申请未获通过，对认定结果有异议。"),
    ("education", "complaint", "子女就近入学问题",
     "反映户籍在{village}，子女未能分配到就近学校就读。"),
    ("law", "complaint", "宅基地纠纷调解未果",
     "反映与邻居宅基地边界纠纷经村里调解未果，请求镇里协调处理。"),
    ("health", "suggestion", "建议延长村卫生室坐诊时间",
     "建议{village}卫生室增加上午坐诊时间，方便老年人就医。"),
)


def _place(unit: Unit) -> str:
    if unit.kind == UnitKind.DISTRICT:
        return "区信访局群众来访接待大厅"
    if unit.kind == UnitKind.SUBDISTRICT:
        return f"{unit.name}办事处来访接待室"
    return f"{unit.name}人民政府信访接待室"


def _roster(units: list[Unit], rng: random.Random) -> dict[int, list[Leader]]:
    taken: set[str] = set()
    roster: dict[int, list[Leader]] = {}
    for unit in units:
        titles = ROSTER_TITLES[UnitKind(unit.kind)][:LEADERS_PER_UNIT.get(unit.kind, 3)]
        leaders = []
        for title in titles:
            name = ""
            while not name or name in taken:
                name = "".join(invented_name(rng))
            taken.add(name)
            leaders.append(Leader(name=name, title=title, unit=unit))
        roster[unit.pk] = leaders
    Leader.objects.bulk_create([leader for leaders in roster.values() for leader in leaders])
    return roster


def _miss_chance(period: Period, reliability: float) -> float:
    """Periods with New Year or Spring Festival holidays, and the plum-rain and typhoon
    months, are missed more often."""
    festive = period.start.month in (1, 2) and any(day_kind(day)[0] == DayKind.HOLIDAY
                                                   for day in period.days())
    season = 0.15 if festive else 0.05 if period.start.month in (6, 7, 8) else 0.0
    return min(1.0, 1 - reliability + season)


class _Year:
    def __init__(self, *, actor: Any, rng: random.Random, today: dt.date, now: dt.datetime):
        self.actor, self.rng, self.today, self.now = actor, rng, today, now
        self.receptions: list[Reception] = []

    def plan(self, unit: Unit, leader: Leader, day: dt.date) -> Reception:
        planned_on = max(day - (self.rng.randint(3, 12) * DAY), day - 30 * DAY)
        at = min(local_moment(planned_on, self.rng.randint(8, 11), self.rng.randint(0, 59)), self.now)
        reception = reception_plan(actor=self.actor, unit=unit, leader=leader, date=day,
                                   place=_place(unit), at=at)
        self.receptions.append(reception)
        return reception

    def held(self, reception: Reception) -> None:
        at = min(local_moment(reception.date, 17, self.rng.randint(0, 40)), self.now)
        reception_mark_held(reception=reception, actor=self.actor, note=self.rng.choice(HELD_NOTES), at=at)

    def missed(self, unit: Unit, leader: Leader, day: dt.date) -> None:
        """A period that passes without a held reception, one of three ways."""
        roll = self.rng.random()
        if roll < 0.5:
            return  # nobody planned one
        reception = self.plan(unit, leader, day)
        if roll < 0.8:
            reception_cancel(reception=reception, actor=self.actor, reason=self.rng.choice(CANCEL_REASONS),
                             at=min(local_moment(day - DAY, 16), self.now))
        # else: planned, and never recorded as held


def _visitors(year: _Year, reception: Reception, villages: list[Unit], count: int) -> list[ReceptionVisit]:
    rng = year.rng
    visits = []
    for _ in range(count):
        category, petition_type, title, matter = rng.choice(MATTERS)
        village = rng.choice(villages) if villages else reception.unit
        born = dt.date(1950, 1, 1) + rng.randint(0, 16_000) * DAY
        number = id_number(DISTRICT_CODE, born, rng.randint(0, 999))
        received_at = local_moment(reception.date, rng.randint(9, 11), rng.randint(0, 59))
        visits.append(reception_visitor_register(
            reception=reception, actor=year.actor, petition_type=petition_type, category=category,
            title=title, matter=matter.format(village=village.name, town=reception.unit.name),
            petitioner_name="".join(invented_name(rng)),
            id_number=number,
            phone=f"1{rng.choice(('38', '39', '58', '59', '37', '35'))}{rng.randint(0, 99_999_999):08d}",
            address=f"浙江省衢州市柯城区{village.name}{rng.randint(1, 120)}号",
            unit=village, received_at=received_at, at=min(received_at + dt.timedelta(minutes=30), year.now),
        ))
    return visits


def generate(ctx: DemoContext, count: int, *, receives_today: bool = True) -> Summary:
    """The roster and a year of reception days for the demo district, as the district admin
    records them. Held receptions of the last ``count`` days get up to three visitors each,
    registered as petitions through the real service (their acceptance clocks start on the
    reception day). With ``receives_today`` the town handler persona's town holds its
    reception today, so that a demo login finds visitors to register. Run it once."""
    rng = ctx.rng()
    now, today, actor = ctx.now, ctx.today, ctx.personas.admin
    receiving_today = ctx.personas.town_handler.roles.get().unit if receives_today else None
    district = Unit.objects.get(prefix=DISTRICT_CODE)
    units = list(Unit.objects.filter(district.subtree_q(), kind__in=RECEIVING_KINDS).order_by("prefix"))
    towns = [u for u in units if u.pk != district.pk]
    villages = {u.pk: list(u.children.order_by("prefix")) for u in towns}
    laggards = {u.pk for u in rng.sample(towns, min(LAGGARDS, len(towns)))}
    current = period_of(today)
    following = period_of(current.end + DAY)
    periods = periods_between(today - 365 * DAY, following.end)
    year = _Year(actor=actor, rng=rng, today=today, now=now)
    visits = 0
    with transaction.atomic():
        roster = _roster(units, rng)
        for unit in ctx.progress(units, desc="A year of reception days"):
            reliability = rng.uniform(0.65, 0.8) if unit.pk in laggards else rng.uniform(0.93, 1.0)
            leaders = roster[unit.pk]
            for n, period in enumerate(periods):
                leader = leaders[n % len(leaders)]
                if unit == receiving_today and period == current:
                    year.plan(unit, leader, today)
                    continue
                days = [day for day in period.days() if is_working_day(day)]
                if not days or (period == following and rng.random() < 0.25):
                    continue  # a period with no working day, or not planned yet
                day = rng.choice(days)
                if period.end < today and rng.random() < _miss_chance(period, reliability):
                    year.missed(unit, leader, day)
                    continue
                reception = year.plan(unit, leader, day)
                if day < today:
                    year.held(reception)
                    if (today - day).days <= count:
                        visitors = rng.randint(0, 3)
                        visits += len(_visitors(year, reception, villages.get(unit.pk, []), visitors))
    return Summary(
        domain="reception days", now=now, total=len(year.receptions),
        breakdowns={"status": dict(Counter(reception.status for reception in year.receptions))},
        counts={"roster leaders": sum(len(leaders) for leaders in roster.values()),
                "visitors registered as petitions": visits},
    )


RECEPTIONS = DomainDemo(
    name="receptions", default_count=45,
    count_help="How many days back held reception days get visitors (registered as petitions).",
    generate=generate,
)
