"""A year of warning orders (预警指令) and dissuasion (劝阻) in the demo district (柯城区),
played through the real services after the fraud cases (``pingan.demo.fraud``).

The anti-fraud officer registers the orders, the grid worker, village or town where the person
lives reaches them, and most are talked out of paying; the few already defrauded are linked to
their case. A few in the grid worker persona's cell are still open today.

Every person, number and alert here is invented.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from pingan.core.models import Role, RoleName, Unit, UnitKind
from pingan.demo.fraud import APP_HEADS, MONTHLY, invented_person, police_officer
from pingan.demo.generator import DemoContext, DomainDemo, Geography, Summary, local_moment
from pingan.dissuasion.models import KIND as WARNING_KIND
from pingan.dissuasion.models import ContactMethod, RiskLevel, WarningIssuer, WarningOrder, WarningStatus
from pingan.dissuasion.services import warning_conclude, warning_contact_record, warning_register
from pingan.fraud.linking import TOWN_CODE_LENGTH
from pingan.fraud.models import FraudCase, ScamType

# Its own draws, apart from the fraud cases' (the same seed would repeat their first moves).
SEED_OFFSET = 34

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


class Fate(StrEnum):
    """How one warning order goes: one of the year's four ends, or where one of today's stands."""

    NOT_REACHED = "not_reached"
    LOST = "lost"  # reached after the person had paid
    LATE = "late"  # reached, but after the contact deadline
    IN_TIME = "in_time"
    WAITING = "waiting"  # today: nobody has tried yet
    TRYING = "trying"  # today: not reached yet
    REACHED = "reached"  # today: no outcome yet


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
                 forced: Fate | None = None) -> WarningOrder:
    """Register one order received ``at`` and play it as far as it would have got by ``now``;
    ``forced`` names its fate (one of today's)."""
    issuer = rng.choices(list(ISSUER_MIX), list(ISSUER_MIX.values()))[0]
    scam_type = rng.choices(list(WARNED_MIX), list(WARNED_MIX.values()))[0]
    risk = rng.choices(list(RISK_MIX), list(RISK_MIX.values()))[0]
    fate = forced or rng.choices([Fate.NOT_REACHED, Fate.LOST, Fate.LATE, Fate.IN_TIME],
                                 [NOT_REACHED_SHARE, LOST_SHARE, LATE_SHARE, 1])[0]
    # Someone already defrauded may have reported it: the warning then names that case, and
    # its person at risk is the case's victim.
    linked = fate == Fate.LOST and rng.random() < LOST_LINKED_SHARE
    case = _their_case(cases, unit, at.date(), taken) if linked else None
    person = (case.victims.order_by("id").first() if case else None) or invented_person(
        rng, scam_type=scam_type, today=at.date(), id_share=0.5, phone_share=1.0)
    warning = warning_register(
        actor=officer, unit=unit, issuer=issuer, risk_level=risk, scam_type=scam_type,
        person_name=person.name, person_phone=person.phone, person_id_number=person.id_number,
        person_address=f"{(unit.parent if unit.kind == UnitKind.GRID else unit).name}{rng.randint(1, 160)}号",
        description=_alert(rng, issuer, scam_type), received_at=at,
        order_number=f"{ORDER_PREFIXES[issuer]}{at:%Y%m%d}{rng.randint(0, 99999):05d}",
    )
    if forced == Fate.WAITING:
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

    if fate in (Fate.NOT_REACHED, Fate.TRYING):
        least = settings.PINGAN_FRAUD_WARNING_MIN_ATTEMPTS
        for n in range(rng.randint(least, least + 2)):
            method = ContactMethod.IN_PERSON if n == 2 else ContactMethod.PHONE
            if not attempt(dt.timedelta(hours=rng.uniform(0.3, 8)), reached=False, method=method,
                           note=rng.choice(MISSED_NOTES)) or fate == Fate.TRYING:
                return warning
        return _conclude(warning, who, WarningStatus.NOT_REACHED, rng.choice(NOT_REACHED_NOTES),
                         moment + dt.timedelta(hours=rng.uniform(2, 30)), now)
    for _miss in range(rng.choices([0, 1, 2], [65, 25, 10])[0]):
        if not attempt(dt.timedelta(minutes=rng.uniform(3, 40)), reached=False,
                       note=rng.choice(MISSED_NOTES)):
            return warning
    if fate == Fate.LATE:
        delay = hours * rng.uniform(1.05, 1.8) - (moment - at)
    elif fate == Fate.REACHED:
        delay = (now - moment) / 2
    else:
        delay = dt.timedelta(minutes=min(REACH_MINUTES[0] * math.exp(rng.gauss(0, REACH_MINUTES[1])),
                                         hours.total_seconds() / 60 * 0.9))
    outcome = WarningStatus.ALREADY_LOST if fate == Fate.LOST else WarningStatus.PREVENTED
    method = ContactMethod.IN_PERSON if rng.random() < 0.35 else ContactMethod.PHONE
    note = rng.choice(REACHED_NOTES[outcome]).format(scam=SCAM_WORDS[warning.category])
    if not attempt(max(delay, dt.timedelta(minutes=2)), reached=True, note=note, method=method) \
            or fate == Fate.REACHED:
        return warning
    # The anti-fraud centre, which sees every case, names the one the person reported.
    return _conclude(warning, officer if case else who, outcome, "",
                     moment + dt.timedelta(hours=rng.uniform(0.2, 40)), now,
                     fraud_case=case.ref if case else "")


def _conclude(warning: WarningOrder, who: Any, outcome: str, note: str, at: dt.datetime, now: dt.datetime,
              fraud_case: str = "") -> WarningOrder:
    if at > now:
        return warning  # still being dissuaded, or tried, today
    warning.refresh_from_db()
    return warning_conclude(warning=warning, actor=who, expected_version=warning.version, outcome=outcome,
                            note=note, fraud_case=fraud_case, at=at)


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


def generate(ctx: DemoContext, count: int) -> Summary:
    """About ``count`` warning orders over the twelve months before ``ctx.now``, each played as
    far as it would have got by then; a few in the grid worker persona's cell are still open
    today. Run after the fraud cases, so that those already defrauded can be linked to their case."""
    now, personas = ctx.now, ctx.personas
    rng = ctx.rng(SEED_OFFSET)
    with transaction.atomic():
        officer = police_officer(WARNING_KIND)
    geo = ctx.geography
    contacts = _Contacts(officer)
    weights = [town.population or 20_000 for town in geo.towns]
    days = [now.date() - dt.timedelta(days=n) for n in range(365)]
    day_weights = [MONTHLY[day.month - 1] for day in days]
    moments = sorted(local_moment(day, rng.randint(7, 22), rng.randint(0, 59))
                     for day in rng.choices(days, day_weights, k=count))
    cases = list(FraudCase.objects.order_by("reported_on", "case_ptr_id"))
    taken = set(FraudCase.objects.filter(warning_orders__isnull=False).values_list("ref", flat=True))
    persona_grid = personas.grid_worker.roles.get().unit
    with transaction.atomic():
        for at in ctx.progress(moments, desc="A year of warning orders"):
            if at < now:
                town = rng.choices(geo.towns, weights)[0]
                _one_warning(rng, at=at, now=now, unit=_warning_place(rng, geo, town), officer=officer,
                             contacts=contacts, cases=cases, taken=taken)
        # Today in the grid worker's cell: one just in, one reached and being talked round; and
        # one in the other town persona's town that nobody has reached in three days of trying.
        other_town = personas.outsider.roles.get().unit
        laggard = next(grid for village in geo.villages[other_town.pk] for grid in geo.grids[village.pk])
        for unit, minutes, fate in ((persona_grid, 25, Fate.WAITING), (persona_grid, 90, Fate.REACHED),
                                    (laggard, 75 * 60, Fate.TRYING)):
            _one_warning(rng, at=now - dt.timedelta(minutes=minutes), now=now, unit=unit,
                         officer=officer, contacts=contacts, cases=cases, taken=taken, forced=fate)
    warnings = WarningOrder.objects.all()
    reached = warnings.filter(first_contact_at__isnull=False)
    return Summary(
        domain="warning orders", now=now, total=warnings.count(),
        breakdowns={"status": dict(Counter(warnings.values_list("status", flat=True)))},
        counts={"reached": reached.count(),
                "reached in time": reached.filter(first_contact_at__lte=F("contact_due_at")).count(),
                "linked to their fraud case": warnings.filter(fraud_case__isnull=False).count()},
    )


WARNINGS = DomainDemo(name="warnings", default_count=900, count_help="About how many warning orders to make.",
                      generate=generate)
