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

The police's anti-fraud centre (公安分局) records and handles the cases: the helper gives the
department the fraud lines (every scam type, cases and warning orders) and one officer, ``fanzha``.

``demo_warnings`` adds a year of warning orders (预警指令) after the cases: the officer registers
them, the grid worker, village or town where the person lives reaches them, and most are talked
out of paying; the few already defrauded are linked to their case.

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

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from tqdm import tqdm

from pingan.core.models import Domain, Responsibility, Role, RoleName, Unit, UnitKind
from pingan.demo.district import DEMO_PASSWORD, DISTRICT_CODE, Personas
from pingan.demo.generate import Geography
from pingan.demo.texts import GIVEN, SURNAMES
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
from pingan.fraud.linking import TOWN_CODE_LENGTH
from pingan.fraud.models import (
    KIND,
    WARNING_KIND,
    ContactMethod,
    FraudCase,
    Identifier,
    Ring,
    RiskLevel,
    ScamType,
    WarningIssuer,
    WarningOrder,
    WarningStatus,
)
from pingan.fraud.services import (
    VictimIn,
    fraud_case_record,
    fraud_case_transition,
    fraud_identifier_add,
    warning_conclude,
    warning_contact_record,
    warning_register,
)
from pingan.petitions.idcard import check_character

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


@dataclass(frozen=True)
class FraudSummary:
    cases: int
    rings: int
    major_rings: int
    left_out: int
    by_status: dict[str, int]
    planted: dict[str, str]  # planted ring's name -> its ring id

    def __str__(self) -> str:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items()))
        return (f"{self.cases} fraud cases ({statuses}); {self.rings} rings, {self.major_rings} major; "
                f"{self.left_out} identifiers left out of linking.")


def _police_officer() -> Any:
    """公安分局 handles fraud of every scam type, and its anti-fraud centre has an officer."""
    police = Unit.objects.get(kind=UnitKind.DEPARTMENT, name=POLICE)
    for kind in (KIND, WARNING_KIND):  # the cases, and the warning orders (预警指令) it sends out
        for scam_type in ScamType.values:
            Responsibility.objects.get_or_create(department=police, case_kind=kind, category=scam_type)
    username, full_name, title = OFFICER
    officer, created = get_user_model().objects.get_or_create(username=username,
                                                              defaults={"first_name": full_name})
    if created:
        officer.set_password(DEMO_PASSWORD)
        officer.save()
    Role.objects.get_or_create(user=officer, unit=police, role=RoleName.HANDLER, domain=Domain.FRAUD,
                               defaults={"title": title})
    return officer


def invented_person(rng: random.Random, *, scam_type: str, today: dt.date, id_share: float,
                    phone_share: float) -> VictimIn:
    """Someone of the age this scam finds, with an ID number and a mobile as often as asked."""
    surname, given = rng.choice(SURNAMES)[0], rng.choice(GIVEN)[0]
    low, high = AGES[scam_type]
    age = rng.randint(low, high)
    number = ""
    if rng.random() < id_share:
        born = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        first_17 = f"{DISTRICT_CODE}{born:%Y%m%d}{rng.randint(0, 999):03d}"
        number = first_17 + check_character(first_17)
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
        moment = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60),
                                     tzinfo=timezone.get_default_timezone())
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


def _play(plans: list[CasePlan], officer: Any, stderr: Any) -> dict[int, FraudCase]:
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
    for _at, _n, _order, run in tqdm(steps, desc="fraud cases", file=stderr, disable=stderr is None,
                                     leave=False):
        run()
    return cases


def demo_fraud(*, personas: Personas, count: int = 600, seed: int = 20260425, stderr: Any = None,
               today: dt.date | None = None) -> FraudSummary:
    """About ``count`` fraud cases over the twelve months before ``today`` (the planted rings
    included), each taken as far as it would have got by now. ``stderr`` gets a progress bar.
    The district and the personas must exist."""
    if today is None or today >= timezone.localdate():
        now = timezone.now()
    else:
        now = dt.datetime.combine(today, dt.time(18), tzinfo=timezone.get_default_timezone())
    rng = random.Random(seed)  # noqa: S311 (demo data)
    with transaction.atomic():
        officer = _police_officer()
    planner = _Planner(rng=rng, geo=Geography.load(), personas=personas, now=now)
    rings = {ring.name: planner.ring(ring) for ring in PLANTED}
    background = planner.background(max(0, count - sum(len(plans) for plans in rings.values())))
    planner.pairs(background)
    # The investment ring's last case is recorded without the ring's account, which an
    # investigator adds a week later: only then does it join the ring.
    late = rings["investment"][-1]
    held_back = late.identifiers.pop(0)
    late.later.append((min(late.at + dt.timedelta(days=7), now - dt.timedelta(minutes=1)), held_back))
    plans = [plan for ring in rings.values() for plan in ring] + background
    cases = _play(plans, officer, stderr)
    firsts = {name: cases[plans.index(ring[0])] for name, ring in rings.items()}
    planted = {}
    for name, case in firsts.items():
        case.refresh_from_db(fields=["ring"])
        planted[name] = case.ring.ring_id if case.ring else ""
    summary = FraudSummary(
        cases=FraudCase.objects.count(), rings=Ring.objects.count(),
        major_rings=Ring.objects.filter(is_major=True).count(),
        left_out=Identifier.objects.exclude(left_out="").count(),
        by_status=dict(Counter(FraudCase.objects.values_list("status", flat=True))),
        planted=planted,
    )
    if stderr is not None:
        stderr.write(str(summary))
    return summary



# ---------------------------------------------------------------------------
# A year of warning orders (预警指令) and dissuasion (劝阻)
# ---------------------------------------------------------------------------

ISSUER_MIX = {WarningIssuer.NATIONAL: 45, WarningIssuer.PROVINCE_CITY: 25, WarningIssuer.POLICE: 14,
              WarningIssuer.BANK: 11, WarningIssuer.CARRIER: 5}
# How each issuer's order numbers begin (国家, 省市, 反诈, 银行, 运营商).
ORDER_PREFIXES = {WarningIssuer.NATIONAL: "GJ", WarningIssuer.PROVINCE_CITY: "SS", WarningIssuer.POLICE: "FZ",
                  WarningIssuer.BANK: "YH", WarningIssuer.CARRIER: "YY"}
RISK_MIX = {RiskLevel.HIGH: 30, RiskLevel.MEDIUM: 45, RiskLevel.LOW: 25}
# The scams warning orders are about: the ones the platforms catch while they run.
WARNED_MIX = {ScamType.FAKE_INVESTMENT: 22, ScamType.REBATE_TASK: 24, ScamType.FAKE_CUSTOMER_SERVICE: 18,
              ScamType.FAKE_OFFICIALS: 12, ScamType.FAKE_LOAN: 10, ScamType.ROMANCE: 7,
              ScamType.GAME_TRADING: 4, ScamType.OTHER: 3}
GRID_SHARE = 0.8  # of orders sent to the person's grid cell; the rest to the village
# How each order goes (shares of the orders whose time is up).
NOT_REACHED_SHARE = 0.07
LOST_SHARE = 0.04
LATE_SHARE = 0.09  # reached, but after the contact deadline
LOST_LINKED_SHARE = 0.6  # of those already defrauded: their case is found and named
# Minutes from receipt to the first contact that reaches the person, as a log-normal draw.
REACH_MINUTES = (45, 1.0)
ALERTS = {
    WarningIssuer.NATIONAL: ("国家反诈大数据平台预警：该号码近{hours}小时内多次与涉诈号码通话。",
                             "国家反诈中心预警：该用户疑似下载涉诈APP“{app}”。"),
    WarningIssuer.PROVINCE_CITY: ("省反诈中心推送：该号码正与境外涉诈号码通话，疑似{scam}。",
                                  "市反诈中心推送：该用户疑似被拉入涉诈群聊，正在{scam}。"),
    WarningIssuer.POLICE: ("分局反诈中心研判：该人员与在侦{scam}案件资金账户存在往来。",),
    WarningIssuer.BANK: ("银行预警：客户拟向可疑账户转账{amount}万元，柜面已暂缓交易。",
                         "银行预警：客户短时间内多笔转账至陌生账户，疑似{scam}。"),
    WarningIssuer.CARRIER: ("运营商预警：该号码频繁接听境外来电，单次通话超过{hours}0分钟。",),
}
MISSED_NOTES = ("无人接听", "电话关机", "拒接", "占线，稍后再拨", "上门无人，已留联系卡")
REACHED_NOTES = {
    WarningStatus.PREVENTED: ("电话劝阻，讲解{scam}骗局，当事人表示不再转账。",
                              "上门见面劝阻，协助卸载涉诈APP并拉黑对方。",
                              "联系家属陪同劝阻，当事人已停止转账。",
                              "当事人起初不信，经民警、网格员反复讲解后醒悟。"),
    WarningStatus.ALREADY_LOST: ("当事人称已转账，已引导其报案并固定证据。",
                                 "见面时当事人已被骗转账，已通知反诈中心紧急止付。"),
}
NOT_REACHED_NOTES = ("多次电话未接通、上门未遇，已告知村委会持续关注。",
                     "号码已停机，户籍地址无此人，已反馈反诈中心。")
# How the notes name each scam.
SCAM_WORDS = {ScamType.REBATE_TASK: "刷单返利", ScamType.FAKE_INVESTMENT: "虚假投资理财",
              ScamType.FAKE_CUSTOMER_SERVICE: "冒充客服", ScamType.FAKE_OFFICIALS: "冒充公检法",
              ScamType.FAKE_LOAN: "虚假贷款", ScamType.GAME_TRADING: "网络游戏交易",
              ScamType.ROMANCE: "婚恋交友", ScamType.OTHER: "电信网络诈骗"}


@dataclass(frozen=True)
class WarningSummary:
    warnings: int
    by_status: dict[str, int]
    reached_in_time: float
    linked_cases: int

    def __str__(self) -> str:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items()))
        return (f"{self.warnings} warning orders ({statuses}); {self.reached_in_time:.0%} of those reached "
                f"were reached in time; {self.linked_cases} linked to their fraud case.")


class _Contacts:
    """Who reaches a person in a unit: the grid worker of their cell, else the village's or the
    town's staff, else the anti-fraud officer."""

    def __init__(self, officer: Any):
        self.officer = officer
        self.by_unit: dict[int, Any] = {}
        for role in Role.objects.filter(role=RoleName.HANDLER).select_related("user", "unit").order_by("id"):
            if not role.unit.is_department:
                self.by_unit.setdefault(role.unit_id, role.user)

    def for_unit(self, unit: Unit) -> Any:
        for place in (unit, *unit.ancestors()):
            if place.pk in self.by_unit:
                return self.by_unit[place.pk]
        return self.officer


def _warning_place(rng: random.Random, geo: Geography, town: Unit) -> Unit:
    village = rng.choice(geo.villages[town.pk])
    grids = geo.grids.get(village.pk) or []
    return rng.choice(grids) if grids and rng.random() < GRID_SHARE else village


def _alert(rng: random.Random, issuer: str, scam_type: str) -> str:
    return rng.choice(ALERTS[issuer]).format(hours=rng.randint(1, 6), app=rng.choice(APP_HEADS) + "宝",
                                             scam=SCAM_WORDS[scam_type], amount=rng.choice([3, 5, 8, 12, 20]))


def _one_warning(rng: random.Random, *, at: dt.datetime, now: dt.datetime, unit: Unit, officer: Any,
                 contacts: _Contacts, cases: list[FraudCase], taken: set[str],
                 forced: str | None = None) -> WarningOrder:
    """Register one order received ``at`` and play it as far as it would have got by ``now``;
    ``forced`` names its fate ("waiting": nobody has tried yet; "trying": not reached yet;
    "reached": no outcome yet)."""
    issuer = rng.choices(list(ISSUER_MIX), list(ISSUER_MIX.values()))[0]
    scam_type = rng.choices(list(WARNED_MIX), list(WARNED_MIX.values()))[0]
    risk = rng.choices(list(RISK_MIX), list(RISK_MIX.values()))[0]
    fate = forced or rng.choices(["not_reached", "lost", "late", "in_time"],
                                 [NOT_REACHED_SHARE, LOST_SHARE, LATE_SHARE, 1])[0]
    # Someone already defrauded may have reported it: the warning then names that case, and
    # its person at risk is the case's victim.
    case = _their_case(cases, unit, at.date(), taken) if fate == "lost" and rng.random() < LOST_LINKED_SHARE \
        else None
    person = (case.victims.order_by("id").first() if case else None) or invented_person(
        rng, scam_type=scam_type, today=at.date(), id_share=0.5, phone_share=1.0)
    warning = warning_register(
        actor=officer, unit=unit, issuer=issuer, risk_level=risk, scam_type=scam_type,
        person_name=person.name, person_phone=person.phone, person_id_number=person.id_number,
        person_address=f"{(unit.parent if unit.kind == UnitKind.GRID else unit).name}{rng.randint(1, 160)}号",
        description=_alert(rng, issuer, scam_type), received_at=at,
        order_number=f"{ORDER_PREFIXES[issuer]}{at:%Y%m%d}{rng.randint(0, 99999):05d}",
    )
    if forced == "waiting":
        return warning
    who = contacts.for_unit(unit)
    hours = warning.contact_due_at - at
    moment = at

    def attempt(after: dt.timedelta, *, reached: bool, note: str, method: str = ContactMethod.PHONE) -> bool:
        nonlocal moment
        moment = moment + after
        if moment > now:
            return False
        warning.refresh_from_db()
        warning_contact_record(warning=warning, actor=who, expected_version=warning.version, method=method,
                               reached=reached, note=note, contacted_at=moment,
                               at=min(moment + dt.timedelta(minutes=rng.randint(1, 20)), now))
        return True

    if fate in ("not_reached", "trying"):
        least = settings.PINGAN_FRAUD_WARNING_MIN_ATTEMPTS
        for n in range(rng.randint(least, least + 2)):
            method = ContactMethod.IN_PERSON if n == 2 else ContactMethod.PHONE
            if not attempt(dt.timedelta(hours=rng.uniform(0.3, 8)), reached=False, method=method,
                           note=rng.choice(MISSED_NOTES)) or fate == "trying":
                return warning
        return _conclude(warning, who, WarningStatus.NOT_REACHED, rng.choice(NOT_REACHED_NOTES),
                         moment + dt.timedelta(hours=rng.uniform(2, 30)), now)
    for _miss in range(rng.choices([0, 1, 2], [65, 25, 10])[0]):
        if not attempt(dt.timedelta(minutes=rng.uniform(3, 40)), reached=False,
                       note=rng.choice(MISSED_NOTES)):
            return warning
    if fate == "late":
        delay = hours * rng.uniform(1.05, 1.8) - (moment - at)
    elif fate == "reached":
        delay = (now - moment) / 2
    else:
        delay = dt.timedelta(minutes=min(REACH_MINUTES[0] * math.exp(rng.gauss(0, REACH_MINUTES[1])),
                                         hours.total_seconds() / 60 * 0.9))
    outcome = WarningStatus.ALREADY_LOST if fate == "lost" else WarningStatus.PREVENTED
    method = ContactMethod.IN_PERSON if rng.random() < 0.35 else ContactMethod.PHONE
    note = rng.choice(REACHED_NOTES[outcome]).format(scam=SCAM_WORDS[warning.category])
    if not attempt(max(delay, dt.timedelta(minutes=2)), reached=True, note=note, method=method) \
            or fate == "reached":
        return warning
    # The anti-fraud centre, which sees every case, names the one the person reported.
    return _conclude(warning, officer if case else who, outcome, "",
                     moment + dt.timedelta(hours=rng.uniform(0.2, 40)), now,
                     fraud_case_ref=case.ref if case else "")


def _conclude(warning: WarningOrder, who: Any, outcome: str, note: str, at: dt.datetime, now: dt.datetime,
              fraud_case_ref: str = "") -> WarningOrder:
    if at > now:
        return warning  # still being dissuaded, or tried, today
    warning.refresh_from_db()
    return warning_conclude(warning=warning, actor=who, expected_version=warning.version, outcome=outcome,
                            note=note, fraud_case_ref=fraud_case_ref, at=at)


def _their_case(cases: list[FraudCase], unit: Unit, received: dt.date, taken: set[str]) -> FraudCase | None:
    """A case reported in ``unit``'s town within a week of a warning received then, not yet
    named by another warning."""
    town = unit.prefix[:TOWN_CODE_LENGTH]
    for case in cases:
        if case.ref not in taken and case.unit_prefix.startswith(town) \
                and received <= case.reported_on <= received + dt.timedelta(days=7):
            taken.add(case.ref)
            return case
    return None


def demo_warnings(*, personas: Personas, count: int = 900, seed: int = 20260425, stderr: Any = None,
                  today: dt.date | None = None) -> WarningSummary:
    """About ``count`` warning orders over the twelve months before ``today``, each played as far as
    it would have got by now; a few in the grid worker persona's cell are still open today. Run
    after ``demo_fraud`` so that those already defrauded can be linked to their case. ``stderr``
    gets a progress bar."""
    if today is None or today >= timezone.localdate():
        now = timezone.now()
    else:
        now = dt.datetime.combine(today, dt.time(18), tzinfo=timezone.get_default_timezone())
    rng = random.Random(seed + 34)  # noqa: S311 (demo data)
    with transaction.atomic():
        officer = _police_officer()
    geo = Geography.load()
    contacts = _Contacts(officer)
    weights = [town.population or 20_000 for town in geo.towns]
    days = [now.date() - dt.timedelta(days=n) for n in range(365)]
    day_weights = [MONTHLY[day.month - 1] for day in days]
    tz = timezone.get_default_timezone()
    moments = sorted(dt.datetime.combine(day, dt.time(rng.randint(7, 22), rng.randint(0, 59)), tzinfo=tz)
                     for day in rng.choices(days, day_weights, k=count))
    cases = list(FraudCase.objects.order_by("reported_on", "case_ptr_id"))
    taken = set(FraudCase.objects.filter(warning_orders__isnull=False).values_list("ref", flat=True))
    persona_grid = personas.grid_worker.roles.get().unit
    with transaction.atomic():
        for at in tqdm(moments, desc="warning orders", file=stderr, disable=stderr is None, leave=False):
            if at < now:
                town = rng.choices(geo.towns, weights)[0]
                _one_warning(rng, at=at, now=now, unit=_warning_place(rng, geo, town), officer=officer,
                             contacts=contacts, cases=cases, taken=taken)
        # Today in the grid worker's cell: one just in, one reached and being talked round; and
        # one in the other town persona's town that nobody has reached in three days of trying.
        other_town = personas.outsider.roles.get().unit
        laggard = next(grid for village in geo.villages[other_town.pk] for grid in geo.grids[village.pk])
        for unit, minutes, fate in ((persona_grid, 25, "waiting"), (persona_grid, 90, "reached"),
                                    (laggard, 75 * 60, "trying")):
            _one_warning(rng, at=now - dt.timedelta(minutes=minutes), now=now, unit=unit,
                         officer=officer, contacts=contacts, cases=cases, taken=taken, forced=fate)
    warnings = WarningOrder.objects.all()
    reached = warnings.filter(first_contact_at__isnull=False)
    summary = WarningSummary(
        warnings=warnings.count(), by_status=dict(Counter(warnings.values_list("status", flat=True))),
        reached_in_time=(reached.filter(first_contact_at__lte=F("contact_due_at")).count()
                         / max(reached.count(), 1)),
        linked_cases=warnings.filter(fraud_case__isnull=False).count(),
    )
    if stderr is not None:
        stderr.write(str(summary))
    return summary
