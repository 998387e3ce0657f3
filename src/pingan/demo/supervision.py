"""Supervision in the demo district (柯城区): the work meeting of the source document with its
five orders made into tasks, the catch-up tasks the district set itself on the weak indicators
of its first-quarter place on the city's table, some on time and some late, and the circular
on the last finished quarter's league table, published.

The meeting's report is the source document's own text (public news; its speaker's name left
out); the tasks' people and progress are invented.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from pingan.core.escalation import escalate_case
from pingan.core.models import Domain, RoleName, Unit, UnitKind
from pingan.demo.district import DISTRICT_CODE, demo_login, demo_role, leader_in_charge
from pingan.demo.generator import DemoContext, DomainDemo, Summary, local_moment
from pingan.scoring.analysis import weak_indicators
from pingan.scoring.models import Indicator, Member, Standing, Table
from pingan.scoring.periods import Period
from pingan.scoring.selectors import standings
from pingan.supervision.circulars import circular_draft, circular_publish
from pingan.supervision.meetings import decision_confirm, decision_drop, meeting_decisions, meeting_record
from pingan.supervision.models import Category, CircularKind, DecisionState, Origin, SupervisedTask
from pingan.supervision.services import task_create, task_transition

MEETING_DAY = (4, 25)
MEETING_TITLE = "全区建设平安柯城工作会议暨“除险保安”工作推进会"
MEETING_CHAIR = "区委副书记、区长"
MEETING_ATTENDEES = "区领导；各乡镇（街道）党（工）委书记、分管负责人；区级有关部门主要负责人"
MEETING_REPORT = (
    "要咬定目标，坚决打好打赢“除险保安”整体战，确保平安区创建“八连冠”。重点在五个方面下功夫："
    "一要在维护政治安全上下功夫。筑牢反邪教防线，反暴恐底线和意识形态阵地，全面开展大排查和专项整治行动，"
    "夯实平安柯城的政治根基。二要在狠抓安全生产上下功夫。紧盯消防、防汛防台、道路交通等重点领域，压实属地责任，"
    "加强日常巡查，完善相关应急预案，开展防汛实战演练，推进非标电动车淘汰清零，把防范工作做细致做扎实。"
    "三要在提升社会治安水平上下功夫。重点关注电信诈骗案件，坚持预防为主、源头治理，深入开展宣传防范、全面摸排，"
    "精准打击一批损失数大、受众面广的大案要案。四要在常态化疫情防控上下功夫。扎紧“外防输入”关口，"
    "从严从紧加强社会面管控，持续推进疫苗接种工作，筑牢疫情防控防线。五要在信访积案动态清零上下功夫。"
    "坚持存量清零、增量随清，严格落实每旬接访制度，持续推进初信初访化解工作，确保社会和谐稳定。"
)
# Who leads a decision the report names no unit for, by the domain it is about.
DOMAIN_LEADS = {Domain.HAZARDS: "应急管理局", Domain.FRAUD: "公安分局", Domain.PETITIONS: "信访局"}
# The departments that answer for the city's economic indicators, each with one person who
# handles its supervised tasks, and the deputy district heads in charge.
ECONOMIC_LEADS = {"industry_growth": "经济和信息化局", "services_growth": "商务局",
                  "investment_growth": "发展和改革局", "projects_signed": "发展和改革局",
                  "criminal_cases": "公安分局", "fires": "消防救援大队", "traffic_deaths": "交警大队"}
DEPARTMENT_STAFF = {
    "经济和信息化局": ("jingxin", "区经信局 周立新"), "商务局": ("shangwu", "区商务局 方晓丽"),
    "发展和改革局": ("fagai", "区发改局 陈志远"), "公安分局": ("gongan", "公安分局 刘建军"),
    "消防救援大队": ("xiaofang", "消防救援大队 吴海涛"), "交警大队": ("jiaojing", "交警大队 徐卫东"),
    "应急管理局": ("yingji", "区应急管理局 张宏"), "信访局": ("xinfangdb", "区信访局 叶青"),
}
LEADER = ("fuquzhang", "副区长 郑国平")


def _staff(departments: dict[str, Unit]) -> dict[str, Any]:
    """One handler of supervised tasks at each lead department."""
    people = {}
    for name, (username, full_name) in DEPARTMENT_STAFF.items():
        person = demo_login(username, full_name)
        demo_role(person, departments[name], RoleName.HANDLER, "督办联络员", Domain.SUPERVISION)
        people[name] = person
    return people


def _meeting(ctx: DemoContext, district: Unit, departments: dict[str, Unit], leader: Any,
             held_on: dt.date) -> list[SupervisedTask]:
    admin = ctx.personas.admin
    meeting = meeting_record(actor=admin, unit=district, held_on=held_on, title=MEETING_TITLE,
                             chair=MEETING_CHAIR, attendees=MEETING_ATTENDEES, report=MEETING_REPORT)
    tasks: list[SupervisedTask] = []
    for decision in meeting_decisions(meeting):
        if decision.state != DecisionState.PROPOSED:
            continue
        if "疫情" in decision.text:
            # The epidemic order no longer applies: the office drops it rather than assign it.
            decision_drop(actor=admin, decision=decision)
            continue
        owners = None if decision.owner_id else [departments[DOMAIN_LEADS.get(decision.domain, "公安分局")]]
        due = decision.due_date or dt.date(held_on.year, 12, 20)
        tasks += decision_confirm(actor=admin, decision=decision, owners=owners, due_date=due,
                                  responsible_leader=leader,
                                  at=local_moment(held_on + dt.timedelta(days=3), 9))
    return tasks


def _milestones(start: dt.date, deadline: dt.date) -> list[tuple[str, dt.date]]:
    third = (deadline - start) / 3
    return [("摸清短板成因，制定追赶方案", start + third), ("追赶措施落地，月度调度", start + 2 * third),
            ("指标回升至目标区间", deadline)]


def _catch_up(ctx: DemoContext, departments: dict[str, Unit], people: dict[str, Any], leader: Any,
              held_on: dt.date, count: int) -> list[SupervisedTask]:
    """A task per weak indicator of the district's worst quarter on the city's table."""
    admin = ctx.personas.admin
    home = Member.objects.get(table=Table.CITY, is_home=True)
    worst = (Standing.objects.filter(member=home, rank__isnull=False).order_by("-rank", "period").first())
    if worst is None:
        return []
    period = Period.parse(worst.period)
    names = dict(Indicator.objects.values_list("code", "name"))
    tasks = []
    start = held_on + dt.timedelta(days=1)
    deadline = period.next().next().end - dt.timedelta(days=1)
    at = local_moment(start, 9)
    for number, code in enumerate(weak_indicators(standings(Table.CITY, period.key), home)[:count]):
        lead = departments[ECONOMIC_LEADS.get(code, "公安分局")]
        task = task_create(
            actor=admin, title=f"提升{names[code]}：{period.label}全市排名靠后", unit=lead, lead=lead,
            deadline=deadline, milestones=_milestones(start, deadline), category=Category.CATCH_UP,
            goal=f"{names[code]}回到全市前三，确保“保三争二”", responsible_leader=leader,
            origin=Origin.INDICATOR, origin_label=f"{period.label} 全市争先创优 · {names[code]}",
            origin_key=f"league:city:{period.key}:{home.code}:{code}", at=at,
        )
        tasks.append(task)
        _play(ctx, task, people[lead.name], number, at)
    return tasks


def _play(ctx: DemoContext, task: SupervisedTask, person: Any, number: int, at: dt.datetime) -> None:
    """Every third task is done and verified on time, the next is one milestone behind, the
    next has let its second milestone lapse."""
    def step(name: str, when: dt.datetime, actor: Any = person, **inputs: Any) -> None:
        task.refresh_from_db()
        task_transition(task=task, name=name, actor=actor, expected_version=task.version,
                        at=min(when, ctx.now), **inputs)

    step("accept", at + dt.timedelta(hours=3))
    milestones = list(task.milestones.order_by("due_date"))
    behind = number % 3
    done = len(milestones) if behind == 0 else 1 if behind == 1 else 0
    for milestone in milestones[:done]:
        when = local_moment(milestone.due_date, 16) - dt.timedelta(days=2)
        if when >= ctx.now:
            return
        step("complete_milestone", when, note=f"{milestone.title}：已按期完成，佐证材料已上传。")
    if behind == 0 and task.deadline < ctx.today:
        finished = local_moment(task.deadline, 10)
        step("complete", finished, note="各节点任务已完成，指标已回升至目标区间。",
             evidence=[("追赶情况报告.pdf", b"%PDF-1.4\n% demo evidence\n")])
        step("verify", finished + dt.timedelta(days=2), actor=ctx.personas.admin)


def generate(ctx: DemoContext, count: int) -> Summary:
    district = Unit.objects.get(prefix=DISTRICT_CODE)
    departments = {u.name: u for u in Unit.objects.filter(kind=UnitKind.DEPARTMENT)}
    people = _staff(departments)
    leader = leader_in_charge(*LEADER, district, Domain.SUPERVISION, "副区长")
    this_year = dt.date(ctx.today.year, *MEETING_DAY)
    held_on = this_year if this_year <= ctx.today else this_year.replace(year=ctx.today.year - 1)
    tasks = _meeting(ctx, district, departments, leader, held_on)
    tasks += _catch_up(ctx, departments, people, leader, held_on, count)
    for task in tasks:
        # The worker's sweep, as it finds them today: a lapsed milestone climbs a level.
        while escalate_case(task, now=ctx.now):
            pass
    finished = Period.containing(ctx.today).previous()
    circular = circular_draft(actor=ctx.personas.admin, kind=CircularKind.RANKING, period=finished.key,
                              title=f"关于{finished.year}年第{finished.number}季度平安建设争先创优情况的通报")
    circular = circular_publish(actor=ctx.personas.admin, circular=circular,
                     number=f"柯平安办〔{finished.year}〕{10 + finished.number}号")
    statuses = Counter(SupervisedTask.objects.values_list("status", flat=True))
    return Summary(domain="supervised tasks", now=ctx.now, total=sum(statuses.values()),
                   breakdowns={"status": dict(statuses)}, counts={"circulars published": 1},
                   named={"circular": circular.number})


SUPERVISION = DomainDemo(
    name="supervision", default_count=6,
    count_help="At most how many weak indicators of the district's worst quarter become catch-up tasks.",
    generate=generate,
)
