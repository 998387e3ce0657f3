"""A year of telecom fraud cases in the demo district (柯城区), recorded through the real services.

The year is planned from one seeded random generator and then played in time order through
``fraud_case_record``, ``fraud_identifier_add`` and ``fraud_case_transition`` with back-dated
times, so the rings are what recording the cases one by one would have built. Most cases show
identifiers of their own; a few rings are planted among them:

- a fake-investment ring of fourteen cases across seven towns, over half a million yuan: a
  major case (大案要案), one of whose cases joins it only when a bank account is added later;
- an order-brushing ring wholly in 航埠镇, which the town's handler is shown too;
- an impersonated-customer-service ring over three towns, a fake-loan ring over two, a
  romance ring, and a few pairs of cases that share one device or address;
- the real bank's service number and a common app, which so many victims name that they are
  left out of linking (more than ``PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE`` cases each).

The police's anti-fraud centre (公安分局) records and handles the cases: ``police_officer`` gives
the department the fraud lines (every scam type) and one officer, ``fanzha``. The warning orders
sent out after the cases are ``pingan.demo.warnings``.

Every person, account, number and site here is invented.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import string
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from pingan.core.models import Domain, Responsibility, RoleName, Unit, UnitKind
from pingan.demo.district import DISTRICT_CODE, Personas, demo_login, demo_role
from pingan.demo.generator import DemoContext, DomainDemo, Geography, Summary, local_moment
from pingan.demo.people import id_number, invented_name
from pingan.fraud.identifiers import (
    APP,
    BANK_ACCOUNT,
    DEVICE_ID,
    IM_ACCOUNT,
    IP,
    PAYMENT_ACCOUNT,
    PHONE,
    URL,
    luhn_ok,
)
from pingan.fraud.models import KIND, FraudCase, Identifier, Ring, ScamType
from pingan.fraud.services import VictimIn, fraud_case_record, fraud_case_transition, fraud_identifier_add

OFFICER = ("fanzha", "公安分局反诈中心 刘洋", "反诈中心民警")
POLICE = "公安分局"

SCAM_MIX = {
    ScamType.REBATE_TASK: 30, ScamType.FAKE_INVESTMENT: 17, ScamType.FAKE_CUSTOMER_SERVICE: 17,
    ScamType.FAKE_LOAN: 10, ScamType.FAKE_OFFICIALS: 6, ScamType.GAME_TRADING: 7, ScamType.ROMANCE: 7,
    ScamType.OTHER: 6,
}
# A case's loss in yuan: the median and the spread of a log-normal draw.
LOSS = {
    ScamType.REBATE_TASK: (8_000, 1.0), ScamType.FAKE_INVESTMENT: (60_000, 1.1),
    ScamType.FAKE_CUSTOMER_SERVICE: (14_000, 0.9), ScamType.FAKE_LOAN: (5_000, 0.8),
    ScamType.FAKE_OFFICIALS: (90_000, 1.0), ScamType.GAME_TRADING: (2_000, 0.9),
    ScamType.ROMANCE: (40_000, 1.1), ScamType.OTHER: (4_000, 1.0),
}
AGES = {
    ScamType.REBATE_TASK: (18, 40), ScamType.FAKE_INVESTMENT: (35, 66),
    ScamType.FAKE_CUSTOMER_SERVICE: (22, 60), ScamType.FAKE_LOAN: (22, 45),
    ScamType.FAKE_OFFICIALS: (52, 82), ScamType.GAME_TRADING: (12, 24),
    ScamType.ROMANCE: (28, 56), ScamType.OTHER: (20, 70),
}
# Days from the fraud to its report, on average (others: one).
LAG = {ScamType.FAKE_INVESTMENT: 20, ScamType.ROMANCE: 30, ScamType.REBATE_TASK: 3}
# The kinds of identifier each scam leaves, the likelier first.
TRACES = {
    ScamType.REBATE_TASK: (IM_ACCOUNT, APP, PAYMENT_ACCOUNT, BANK_ACCOUNT),
    ScamType.FAKE_INVESTMENT: (URL, APP, BANK_ACCOUNT, IM_ACCOUNT),
    ScamType.FAKE_CUSTOMER_SERVICE: (PHONE, BANK_ACCOUNT, URL, PAYMENT_ACCOUNT),
    ScamType.FAKE_LOAN: (APP, URL, BANK_ACCOUNT, PHONE),
    ScamType.FAKE_OFFICIALS: (PHONE, URL, BANK_ACCOUNT, DEVICE_ID),
    ScamType.GAME_TRADING: (IM_ACCOUNT, PAYMENT_ACCOUNT, URL),
    ScamType.ROMANCE: (IM_ACCOUNT, URL, APP, BANK_ACCOUNT),
    ScamType.OTHER: (PHONE, PAYMENT_ACCOUNT, IM_ACCOUNT),
}
STORIES = {
    ScamType.REBATE_TASK: ("在短视频平台看到刷单兼职广告，按对方要求垫付做任务，提现时被要求继续充值。",
                           "被拉入“点赞返利”群，前几单小额返利后被诱导大额垫付，对方失联。"),
    ScamType.FAKE_INVESTMENT: ("被拉入荐股群，在对方提供的投资平台充值，平台显示盈利却无法提现。",
                               "网友推荐“内部理财项目”，多次转账投资后平台关闭。"),
    ScamType.FAKE_CUSTOMER_SERVICE: (
        "接到自称电商客服电话，称订单异常需退款，按指引开启屏幕共享后被转走存款。",
        "对方冒充快递客服称包裹丢失理赔，诱导下载会议软件后转账。",
    ),
    ScamType.FAKE_LOAN: ("在网贷APP申请贷款，被以“解冻费”“保证金”为由多次转账，贷款未到账。",),
    ScamType.FAKE_OFFICIALS: ("接到自称公安民警电话，称其涉嫌洗钱需配合调查，将存款转入“安全账户”。",),
    ScamType.GAME_TRADING: ("在游戏交易群购买游戏账号，付款后对方拉黑。",),
    ScamType.ROMANCE: ("在婚恋网站结识“男友”，被以投资、家人住院等理由多次转账。",),
    ScamType.OTHER: ("以购买低价商品为由转账后，对方失联。",),
}
SOLVED_NOTES = ("抓获犯罪嫌疑人，追回部分赃款。", "串并侦查，抓获团伙成员。",
                "嫌疑人已到案，案件移送审查起诉。")
CLOSED_NOTES = ("经核实系民事纠纷，不予立案。", "报案人撤回报案，核实无诈骗事实。")
MONTHLY = (1.2, 1.3, 1.0, 0.9, 0.9, 0.9, 1.0, 1.0, 0.9, 1.0, 1.2, 1.2)
VILLAGE_SHARE = 0.85  # of cases recorded against the victim's village or community; the rest, the town
PERSONA_TOWN_WEIGHT = 1.5  # the town handler persona's town gets more, so its login has cases
INVESTIGATED = 0.85
SOLVED = 0.28
CLOSED = 0.05
RECOVERED = 0.15
# Names that so many victims give that they would join unrelated cases: each shown by this
# share of the cases of the scam types that name it (left out above the degree threshold).
HUBS = (
    ((PHONE, "95588"), (ScamType.FAKE_CUSTOMER_SERVICE, ScamType.OTHER, ScamType.FAKE_OFFICIALS), 0.1),
    ((APP, "抖音"), (ScamType.REBATE_TASK, ScamType.GAME_TRADING, ScamType.ROMANCE), 0.1),
)
APP_HEADS = ("速赚", "汇金", "易借", "闪电", "掌上", "云端", "星辰", "趣", "优选", "快乐", "恒信", "安心",
             "鑫盛", "有钱", "淘金", "蜜", "金牛", "好运", "天天", "聚财")
APP_TAILS = ("宝", "通", "贷", "花", "会议", "投资", "聊", "商城", "游", "钱包", "理财", "交友")
SYLLABLES = ("hui", "jin", "tong", "cai", "fu", "xin", "sheng", "da", "yun", "bao", "li", "kuai", "le",
             "an", "heng", "rui", "long", "tian", "hao", "zhi")
TLDS = ("com", "vip", "cc", "top", "net", "xyz", "shop")


@dataclass(frozen=True)
class RingPlan:
    """A planted ring: its cases in ``towns`` (names; empty for any) share ``identifiers``
    along a chain, so every case links to the next."""

    name: str
    scam_type: str
    cases: int
    towns: tuple[str, ...]
    identifiers: tuple[tuple[str, str], ...]
    loss: tuple[int, int]
    days: int  # the span of its report dates


PLANTED = (
    RingPlan("investment", ScamType.FAKE_INVESTMENT, 14,
             ("府山街道", "荷花街道", "花园街道", "航埠镇", "石梁镇", "九华乡", "衢化街道"),
             ((URL, "https://app.huitong-caifu.com/h5/"), (APP, "汇通财富"),
              (BANK_ACCOUNT, "6217 0012 3400 5566 778"), (IM_ACCOUNT, "wx:ht_kefu01"),
              (BANK_ACCOUNT, "6228 4801 2233 4455 667"), (URL, "huitong-caifu.vip"),
              (IM_ACCOUNT, "tg:huitong_vip")),
             (30_000, 160_000), 200),
    RingPlan("brushing", ScamType.REBATE_TASK, 6, ("航埠镇",),
             ((IM_ACCOUNT, "QQ:2987765543"), (PAYMENT_ACCOUNT, "支付宝：13677889900"), (APP, "掌上优选")),
             (3_000, 26_000), 90),
    RingPlan("customer-service", ScamType.FAKE_CUSTOMER_SERVICE, 5, ("信安街道", "双港街道", "万田乡"),
             ((PHONE, "+852 6123 4567"), (BANK_ACCOUNT, "6230 5820 0011 2233 445"), (URL, "kf-tuikuan.top")),
             (8_000, 45_000), 60),
    RingPlan("loan", ScamType.FAKE_LOAN, 4, ("七里乡", "华墅乡"),
             ((APP, "闪电贷"), (URL, "http://sd-daikuan.cc/reg")),
             (2_000, 12_000), 45),
    RingPlan("romance", ScamType.ROMANCE, 3, ("白云街道", "黄家街道"),
             ((IM_ACCOUNT, "wx:sweet_lin520"), (BANK_ACCOUNT, "6212 2612 0300 4455 66")),
             (20_000, 90_000), 120),
)
PAIRS = 5  # pairs of cases that share one device ID or IP address


@dataclass
class CasePlan:
    at: dt.datetime
    occurred_on: dt.date
    unit: Unit
    scam_type: str
    loss: Decimal
    recovered: Decimal
    victims: list[VictimIn]
    identifiers: list[tuple[str, str]]
    story: str
    later: list[tuple[dt.datetime, tuple[str, str]]] = field(default_factory=list)  # identifiers added later
    steps: list[tuple[dt.datetime, str, str]] = field(default_factory=list)  # (at, step, note)


def police_officer(case_kind: str) -> Any:
    """公安分局 handles ``case_kind`` (fraud cases, or the warning orders it sends out) of every
    scam type, and its anti-fraud centre has an officer."""
    police = Unit.objects.get(kind=UnitKind.DEPARTMENT, name=POLICE)
    for scam_type in ScamType.values:
        Responsibility.objects.get_or_create(department=police, case_kind=case_kind, category=scam_type)
    username, full_name, title = OFFICER
    officer = demo_login(username, full_name)
    demo_role(officer, police, RoleName.HANDLER, title, Domain.FRAUD)
    return officer


def invented_person(rng: random.Random, *, scam_type: str, today: dt.date, id_share: float,
                    phone_share: float) -> VictimIn:
    """Someone of the age this scam finds, with an ID number and a mobile as often as asked."""
    surname, given = invented_name(rng)
    low, high = AGES[scam_type]
    age = rng.randint(low, high)
    number = ""
    if rng.random() < id_share:
        born = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        number = id_number(DISTRICT_CODE, born, rng.randint(0, 999))
    phone = ""
    if rng.random() < phone_share:
        phone = f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"
    return VictimIn(name=surname + given, id_number=number, phone=phone, age=age)


class _Traces:
    """Fresh identifiers, each unique, shaped as their kind's real ones are."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[tuple[str, str]] = set()

    def new(self, kind: str) -> tuple[str, str]:
        made = (kind, getattr(self, f"_{kind}")())
        while made in self.used:  # a few kinds have only hundreds of names: number the repeats
            made = (kind, f"{made[1]}{self.rng.randint(2, 9)}")
        self.used.add(made)
        return made

    def _digits(self, count: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(count))

    def _luhn(self, body: str) -> str:
        return next(body + d for d in string.digits if luhn_ok(body + d))

    def _phone(self) -> str:
        if self.rng.random() < 0.15:  # calls from abroad
            return f"+{self.rng.choice(['855', '63', '95'])} {self._digits(3)} {self._digits(5)}"
        return f"1{self.rng.choice('35789')}{self._digits(1)} {self._digits(4)} {self._digits(4)}"

    def _bank_account(self) -> str:
        return self._luhn(self.rng.choice(["6222", "6217", "6228", "6230", "6212"]) + self._digits(14))

    def _payment_account(self) -> str:
        if self.rng.random() < 0.5:
            return f"支付宝：1{self.rng.choice('3589')}{self._digits(9)}"
        return f"wxpay:wxid_{''.join(self.rng.choices(string.ascii_lowercase + string.digits, k=10))}"

    def _url(self) -> str:
        name = "".join(self.rng.sample(SYLLABLES, 2)) + self.rng.choice(["", str(self.rng.randint(1, 99))])
        return f"https://{self.rng.choice(['', 'www.', 'app.', 'h5.'])}{name}.{self.rng.choice(TLDS)}/"

    def _app(self) -> str:
        edition = self.rng.choice(["", "", "Pro", "极速版"])
        return f"{self.rng.choice(APP_HEADS)}{self.rng.choice(APP_TAILS)}{edition}"

    def _im_account(self) -> str:
        platform = self.rng.choice(["qq", "wx", "tg"])
        if platform == "qq":
            return f"qq:{self.rng.randint(1, 9)}{self._digits(self.rng.randint(8, 9))}"
        return f"{platform}:{''.join(self.rng.choices(string.ascii_lowercase, k=6))}{self._digits(3)}"

    def _device_id(self) -> str:
        return self._luhn("86" + self._digits(12))

    def _ip(self) -> str:
        return f"{self.rng.choice([103, 118, 154, 202, 43])}.{self.rng.randint(1, 254)}." \
               f"{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"


class _Planner:
    def __init__(self, *, rng: random.Random, geo: Geography, personas: Personas, now: dt.datetime):
        self.rng = rng
        self.geo = geo
        self.now = now
        self.traces = _Traces(rng)
        self.towns_by_name = {town.name: town for town in geo.towns}
        persona_town = personas.town_handler.roles.get().unit
        self.town_weights = [(town.population or 20_000)
                             * (PERSONA_TOWN_WEIGHT if town == persona_town else 1)
                             for town in geo.towns]
        first = (now - dt.timedelta(days=365)).date()
        self.days = [first + dt.timedelta(days=n) for n in range(1, 366)]
        self.day_weights = [MONTHLY[day.month - 1] for day in self.days]

    def _unit(self, town: Unit) -> Unit:
        villages = self.geo.villages[town.pk]
        return self.rng.choice(villages) if villages and self.rng.random() < VILLAGE_SHARE else town

    def _moment(self, day: dt.date) -> dt.datetime:
        minutes = self.rng.randint(8 * 60, 21 * 60)
        moment = local_moment(day, minutes // 60, minutes % 60)
        return min(moment, self.now - dt.timedelta(minutes=5))

    def _victim(self, scam_type: str) -> VictimIn:
        return invented_person(self.rng, scam_type=scam_type, today=self.now.date(), id_share=0.7,
                               phone_share=0.9)

    def case(self, *, scam_type: str, town: Unit, day: dt.date, loss: float,
             identifiers: list[tuple[str, str]]) -> CasePlan:
        victims = [self._victim(scam_type) for _ in range(self.rng.choices([1, 2, 3], [88, 9, 3])[0])]
        amount = Decimal(max(200, round(loss, -1)))
        recovered = Decimal(round(float(amount) * self.rng.uniform(0.1, 0.6), -1)) \
            if self.rng.random() < RECOVERED else Decimal(0)
        # Investment and romance scams run for weeks before the victim reports; most others, a day.
        lag = min(60, int(self.rng.expovariate(1 / LAG.get(scam_type, 1))))
        plan = CasePlan(at=self._moment(day), occurred_on=day - dt.timedelta(days=lag),
                        unit=self._unit(town), scam_type=scam_type, loss=amount,
                        recovered=recovered, victims=victims, identifiers=identifiers,
                        story=self.rng.choice(STORIES[scam_type]))
        self._steps(plan)
        return plan

    def _after(self, start: dt.datetime, low: float, high: float) -> dt.datetime | None:
        moment = start + dt.timedelta(days=self.rng.uniform(low, high))
        return moment if moment < self.now else None

    def _steps(self, plan: CasePlan) -> None:
        if self.rng.random() < CLOSED:
            closed = self._after(plan.at, 1, 10)
            if closed:
                plan.steps.append((closed, "close", self.rng.choice(CLOSED_NOTES)))
            return
        if self.rng.random() < INVESTIGATED and (investigated := self._after(plan.at, 0.1, 3)):
            plan.steps.append((investigated, "investigate", ""))
            if self.rng.random() < SOLVED and (solved := self._after(investigated, 10, 120)):
                plan.steps.append((solved, "solve", self.rng.choice(SOLVED_NOTES)))

    def background(self, count: int) -> list[CasePlan]:
        types = list(SCAM_MIX)
        plans = []
        for _ in range(count):
            scam_type = self.rng.choices(types, [SCAM_MIX[t] for t in types])[0]
            median, spread = LOSS[scam_type]
            traces = TRACES[scam_type]
            kinds = [traces[min(int(self.rng.expovariate(1.2)), len(traces) - 1)]
                     for _ in range(self.rng.choices([1, 2, 3], [45, 40, 15])[0])]
            plans.append(self.case(
                scam_type=scam_type, town=self.rng.choices(self.geo.towns, self.town_weights)[0],
                day=self.rng.choices(self.days, self.day_weights)[0],
                loss=median * math.exp(self.rng.gauss(0, spread)),
                identifiers=[self.traces.new(kind) for kind in kinds],
            ))
        for (identifier, scam_types, share) in HUBS:
            eligible = [plan for plan in plans if plan.scam_type in scam_types]
            for plan in self.rng.sample(eligible, min(len(eligible), round(share * count))):
                plan.identifiers.append(identifier)
        return plans

    def ring(self, ring: RingPlan) -> list[CasePlan]:
        towns = [self.towns_by_name[name] for name in ring.towns]
        last = self.now.date() - dt.timedelta(days=self.rng.randint(5, 40))
        days = sorted(last - dt.timedelta(days=self.rng.randint(0, ring.days)) for _ in range(ring.cases))
        shared = ring.identifiers
        plans = []
        for n, day in enumerate(days):
            # Case n shows the ring's identifiers n and n+1: each case links to the next.
            mine = [shared[n % len(shared)], shared[(n + 1) % len(shared)]]
            plans.append(self.case(
                scam_type=ring.scam_type, town=towns[n % len(towns)], day=day,
                loss=self.rng.uniform(*ring.loss),
                identifiers=mine + [self.traces.new(TRACES[ring.scam_type][0])],
            ))
        return plans

    def pairs(self, background: list[CasePlan]) -> None:
        for _ in range(PAIRS):
            shared = self.traces.new(self.rng.choice([DEVICE_ID, IP]))
            for plan in self.rng.sample(background, 2):
                plan.identifiers.append(shared)


def _play(plans: list[CasePlan], officer: Any, ctx: DemoContext) -> dict[int, FraudCase]:
    """Every step of every case in time order."""
    steps: list[tuple[dt.datetime, int, int, Callable[[], None]]] = []
    cases: dict[int, FraudCase] = {}

    def record(n: int, plan: CasePlan) -> None:
        cases[n] = fraud_case_record(
            actor=officer, unit=plan.unit, scam_type=plan.scam_type, reported_on=plan.at.date(),
            occurred_on=plan.occurred_on,
            loss=plan.loss, recovered=plan.recovered, victims=plan.victims, identifiers=plan.identifiers,
            description=plan.story, opened_at=plan.at,
        )

    def add(n: int, at: dt.datetime, identifier: tuple[str, str]) -> None:
        case = cases[n]
        fraud_identifier_add(case=case, actor=officer, expected_version=case.version, kind=identifier[0],
                             value=identifier[1], at=at)

    def step(n: int, at: dt.datetime, name: str, note: str) -> None:
        case = cases[n]
        fraud_case_transition(case=case, name=name, actor=officer, expected_version=case.version, note=note,
                              at=at)

    for n, plan in enumerate(plans):
        steps.append((plan.at, n, 0, lambda n=n, plan=plan: record(n, plan)))
        for order, (at, identifier) in enumerate(plan.later, start=1):
            steps.append((at, n, order, lambda n=n, at=at, identifier=identifier: add(n, at, identifier)))
        for order, (at, name, note) in enumerate(plan.steps, start=100):
            steps.append((at, n, order, lambda n=n, at=at, name=name, note=note: step(n, at, name, note)))
    steps.sort(key=lambda item: item[:3])
    for _at, _n, _order, run in ctx.progress(steps, desc="A year of fraud cases"):
        run()
    return cases


def generate(ctx: DemoContext, count: int) -> Summary:
    """About ``count`` fraud cases over the twelve months before ``ctx.now`` (the planted rings
    included), each taken as far as it would have got by then."""
    now = ctx.now
    with transaction.atomic():
        officer = police_officer(KIND)
    planner = _Planner(rng=ctx.rng(), geo=ctx.geography, personas=ctx.personas, now=now)
    rings = {ring.name: planner.ring(ring) for ring in PLANTED}
    background = planner.background(max(0, count - sum(len(plans) for plans in rings.values())))
    planner.pairs(background)
    # The investment ring's last case is recorded without the ring's account, which an
    # investigator adds a week later: only then does it join the ring.
    late = rings["investment"][-1]
    held_back = late.identifiers.pop(0)
    late.later.append((min(late.at + dt.timedelta(days=7), now - dt.timedelta(minutes=1)), held_back))
    plans = [plan for ring in rings.values() for plan in ring] + background
    cases = _play(plans, officer, ctx)
    firsts = {name: cases[plans.index(ring[0])] for name, ring in rings.items()}
    planted = {}
    for name, case in firsts.items():
        case.refresh_from_db(fields=["ring"])
        planted[name] = case.ring.ring_id if case.ring else ""
    return Summary(
        domain="fraud cases", now=now, total=FraudCase.objects.count(),
        breakdowns={"status": dict(Counter(FraudCase.objects.values_list("status", flat=True)))},
        counts={"rings": Ring.objects.count(), "major rings": Ring.objects.filter(is_major=True).count(),
                "identifiers left out of linking": Identifier.objects.exclude(left_out="").count()},
        named=planted,
    )


FRAUD = DomainDemo(name="fraud", default_count=600, count_help="About how many fraud cases to make.",
                   generate=generate)
