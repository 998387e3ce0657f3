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
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from tqdm import tqdm

from pingan.core.deadlines import DeadlineTerms, due_state_expression, is_working_day
from pingan.core.escalation import escalate_overdue
from pingan.core.inbox import mark_read
from pingan.core.models import Notification, Responsibility, Role, RoleName, Unit, UnitKind
from pingan.demo.district import DEMO_PASSWORD, DISTRICT_CODE, Personas
from pingan.hazards.models import KIND, Category, Hazard, RejectionReason
from pingan.hazards.services import (
    hazard_extend,
    hazard_report,
    hazard_terms,
    hazard_transition,
    hazard_update,
)
from pingan.testing import tiny_png

# Steps are committed in chunks: one transaction per step would make SQLite sync the disk
# tens of thousands of times, one for the whole year would hold the write lock for minutes.
CHUNK_STEPS = 1000
ESCALATION_SWEEP_TIME = dt.time(0, 10)  # the worker's nightly pass, just after deadlines lapse

# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------

SURNAMES = (
    ("徐", "xu"), ("郑", "zheng"), ("毛", "mao"), ("汪", "wang"), ("祝", "zhu"), ("余", "yu"),
    ("方", "fang"), ("叶", "ye"), ("周", "zhou"), ("吴", "wu"), ("王", "wang"), ("李", "li"),
    ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
    ("赵", "zhao"), ("朱", "zhu"), ("胡", "hu"), ("姜", "jiang"), ("程", "cheng"),
    ("江", "jiang"), ("邵", "shao"), ("柴", "chai"), ("童", "tong"), ("傅", "fu"), ("严", "yan"),
    ("翁", "weng"), ("缪", "miao"), ("林", "lin"), ("占", "zhan"), ("饶", "rao"), ("鲍", "bao"),
    ("龚", "gong"), ("廖", "liao"), ("詹", "zhan"), ("郭", "guo"), ("何", "he"), ("蓝", "lan"),
)
# Given names as people in Quzhou are called, not characters thrown together.
GIVEN = (
    ("建华", "jianhua"), ("国平", "guoping"), ("丽华", "lihua"), ("志强", "zhiqiang"),
    ("晓燕", "xiaoyan"), ("海波", "haibo"), ("春梅", "chunmei"), ("建军", "jianjun"),
    ("卫东", "weidong"), ("秀英", "xiuying"), ("玉兰", "yulan"), ("红梅", "hongmei"),
    ("伟", "wei"), ("敏", "min"), ("静", "jing"), ("磊", "lei"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("超", "chao"), ("霞", "xia"), ("辉", "hui"),
    ("燕", "yan"), ("鹏", "peng"), ("婷", "ting"), ("斌", "bin"), ("军", "jun"), ("芳", "fang"),
    ("琳", "lin"), ("慧敏", "huimin"), ("晓东", "xiaodong"), ("建平", "jianping"),
    ("国庆", "guoqing"), ("志刚", "zhigang"), ("海燕", "haiyan"), ("文斌", "wenbin"),
    ("佳怡", "jiayi"), ("浩然", "haoran"), ("宇航", "yuhang"), ("雪梅", "xuemei"),
    ("新华", "xinhua"), ("金根", "jingen"), ("跃进", "yuejin"), ("福根", "fugen"),
    ("荣华", "ronghua"), ("益民", "yimin"), ("忠良", "zhongliang"), ("俊杰", "junjie"),
    ("莉莉", "lili"), ("倩", "qian"), ("峰", "feng"), ("云飞", "yunfei"), ("晓峰", "xiaofeng"),
    ("丽娟", "lijuan"), ("永强", "yongqiang"), ("爱华", "aihua"), ("美芳", "meifang"),
    ("素琴", "suqin"), ("少华", "shaohua"), ("晨", "chen"), ("一帆", "yifan"),
    ("梦婷", "mengting"), ("思远", "siyuan"), ("欣怡", "xinyi"), ("振华", "zhenhua"),
    ("德明", "deming"), ("水根", "shuigen"), ("樟松", "zhangsong"), ("炳坤", "bingkun"),
    ("丽萍", "liping"), ("建伟", "jianwei"), ("小青", "xiaoqing"), ("月英", "yueying"),
    ("旭东", "xudong"), ("海军", "haijun"), ("雅琴", "yaqin"), ("成龙", "chenglong"),
)


# Department name -> job titles of the staff it gets besides any persona already there.
DEPARTMENT_STAFF = {
    "应急管理局": ("安全生产执法员", "防汛防台专员"),
    "消防救援大队": ("防火监督员",),
    "交警大队": ("事故预防民警",),
    "住建局": ("房屋安全管理员", "燃气安全监管员"),
}
GRID_WORKER_SHARE = 0.7  # grid cells with a worker of their own; the rest fall to the village


@dataclass
class Staff:
    admin: Any
    town: dict[int, tuple[Any, Any]]  # town id -> (平安办 handler, 应急 handler)
    village: dict[int, Any]  # village or community id -> its 平安专干
    grid: dict[int, Any]  # grid cell id -> its grid worker, where it has one
    lines: dict[str, tuple[Any, ...]]  # hazard category -> handlers of the department for it
    department: dict[str, str]  # hazard category -> department name
    names: dict[int, str] = field(default_factory=dict)  # user id -> personal name
    hired: int = 0

    def name(self, user: Any) -> str:
        return self.names[user.pk]


class _NameBook:
    """Unique Chinese names with pinyin usernames (xujianhua, xujianhua2…)."""

    def __init__(self, rng: random.Random, taken: set[str]):
        self.rng = rng
        self.usernames = set(taken)
        self.full_names: set[str] = set()

    def new(self) -> tuple[str, str]:
        while True:
            surname = self.rng.choice(SURNAMES)
            given = self.rng.choice(GIVEN)
            name = surname[0] + given[0]
            if name not in self.full_names:
                break
        self.full_names.add(name)
        base = surname[1] + given[1]
        username, n = base, 2
        while username in self.usernames:
            username, n = f"{base}{n}", n + 1
        self.usernames.add(username)
        return name, username


@dataclass
class Geography:
    towns: list[Unit]
    villages: dict[int, list[Unit]]  # town id -> villages / communities
    grids: dict[int, list[Unit]]  # village id -> grid cells

    @classmethod
    def load(cls) -> Geography:
        district = Unit.objects.get(prefix=DISTRICT_CODE)
        units = list(Unit.objects.filter(district.subtree_q()).exclude(kind=UnitKind.DEPARTMENT)
                     .order_by("prefix"))
        towns = [u for u in units if u.parent_id == district.pk]
        children: dict[int, list[Unit]] = defaultdict(list)
        for unit in units:
            children[unit.parent_id].append(unit)
        villages = {t.pk: children[t.pk] for t in towns}
        grids = {v.pk: children[v.pk] for vs in villages.values() for v in vs}
        return cls(towns=towns, villages=villages, grids=grids)


def _person_name(user: Any) -> str:
    return user.first_name.rsplit(" ", 1)[-1]


def _hire_staff(*, geo: Geography, personas: Personas, rng: random.Random) -> Staff:
    """Town, village and department handlers for the whole district and grid workers for
    most grid cells, keeping the five personas in their places."""
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hashed once: the same for every demo login
    book = _NameBook(rng, set(User.objects.values_list("username", flat=True)))
    hires: list[tuple[Any, Unit, str]] = []  # (user, unit, job title)
    names: dict[str, str] = {}

    def hire(unit: Unit, label: str, title: str) -> Any:
        name, username = book.new()
        user = User(username=username, first_name=f"{label} {name}", password=password)
        hires.append((user, unit, title))
        names[username] = name
        return user

    persona_grid = personas.grid_worker.roles.get().unit
    town_staff: dict[int, tuple[Any, Any]] = {}
    village_staff: dict[int, Any] = {}
    grid_staff: dict[int, Any] = {}
    for town in geo.towns:
        office = "街道" if town.kind == UnitKind.SUBDISTRICT else "镇"
        main = {"航埠镇": personas.town_handler, "石梁镇": personas.outsider}.get(town.name) \
            or hire(town, f"{town.name}平安办", f"{office}平安办")
        town_staff[town.pk] = (main, hire(town, f"{town.name}应急管理站", "应急管理员"))
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
        handlers += [hire(department, department.name, title)
                     for title in DEPARTMENT_STAFF.get(department.name, ("监管员",))]
        for category in categories[department.pk]:
            lines[category] = tuple(handlers)
            department_names[category] = department.name
    User.objects.bulk_create([user for user, _unit, _title in hires])
    Role.objects.bulk_create(
        Role(user=user, unit=unit, role=RoleName.HANDLER, title=title) for user, unit, title in hires
    )
    staff = Staff(admin=personas.admin, town=town_staff, village=village_staff, grid=grid_staff,
                  lines=lines, department=department_names, hired=len(hires))
    for user, _unit, _title in hires:
        staff.names[user.pk] = names[user.username]
    for persona in (personas.admin, personas.town_handler, personas.grid_worker,
                    personas.fire_handler, personas.outsider):
        staff.names[persona.pk] = _person_name(persona)
    return staff


# ---------------------------------------------------------------------------
# What hazards look like
# ---------------------------------------------------------------------------


class Tpl(NamedTuple):
    """A kind of hazard: where it is (premise, building, village, road), its title and
    description, and what the rectifier writes when it is fixed."""

    where: str
    title: str
    description: str
    fix: str
    immediate_ok: bool = False
    premise: str = "shop"
    spot: str = "{group}组"  # where in the village, for "village" hazards


class MajorTpl(NamedTuple):
    where: str
    title: str
    description: str
    fix: str
    goals: str
    methods: str
    funding: str
    safety: str
    leader: str
    premise: str = "workshop"
    spot: str = "{group}组"


TEMPLATES: dict[str, tuple[Tpl, ...]] = {
    Category.FIRE: (
        Tpl("premise", "{premise}消防通道被杂物堵塞",
            "{premise}后门消防通道堆放纸箱、旧家具等杂物，通道净宽不足1米，发生火情时人员无法疏散。",
            "已清理通道内全部杂物，张贴“消防通道严禁堵塞”警示标识，通道恢复畅通。", True),
        Tpl("premise", "{premise}灭火器过期失效",
            "{premise}配备的2具干粉灭火器压力表指针处于红区，已超过维修期限，无法正常使用。",
            "已更换4kg干粉灭火器2具，并现场教会店主使用方法。"),
        Tpl("building", "{building}室内消火栓无水",
            "{building}楼道室内消火栓箱内水带缺失，打开阀门无水，消防给水失效。",
            "物业已维修消防供水管网，补齐水带、水枪，试水压力正常。"),
        Tpl("premise", "{premise}电气线路私拉乱接",
            "{premise}店内电线未穿管保护，多处用插线板串接大功率电器，线路绝缘层老化开裂。",
            "已请持证电工重新敷设线路并穿管保护，拆除串接插线板，加装漏电保护开关。", premise="eatery"),
        Tpl("village", "{village}民房旁柴草堆放过近",
            "{village}{group}组村民在房屋外墙边堆放大量柴草、秸秆，距厨房灶台不足3米，天气干燥时极易引发火灾。",
            "已督促户主将柴草移至距房屋10米以外的空地集中堆放，并开展用火安全提醒。"),
        Tpl("building", "{building}安全出口被锁闭",
            "{building}一层安全出口被铁链锁闭，疏散指示标志损坏不亮。",
            "已拆除铁链，安全出口保持可从内部推开，更换疏散指示标志3处。", True),
        Tpl("premise", "{premise}厨房烟道油污积聚",
            "{premise}厨房排油烟管道长期未清洗，油垢明显，存在烟道起火风险。",
            "已请专业公司清洗烟道，建立每季度清洗台账。", premise="eatery"),
        Tpl("building", "{building}楼道堆放可燃杂物",
            "{building}楼道及楼梯间堆放旧床垫、纸板、木料等可燃物，占用疏散通道。",
            "已会同物业清理楼道杂物，住户签订楼道不堆物承诺书。", True),
        Tpl("village", "{village}山林边焚烧垃圾",
            "{village}{group}组村民在山林边焚烧生活垃圾和枯枝，距林地不足20米，无人看守。",
            "已当场扑灭余火并清理现场，对村民开展野外用火安全教育。", True),
    ),
    Category.FIRE_MIXED_USE: (
        Tpl("premise", "{premise}“三合一”场所住人",
            "{premise}一层经营、二层仓储、三层住人，住宿与经营、储存区域未作防火分隔，仅有一部楼梯疏散。",
            "住宿人员已全部搬离，三层改作办公，经营与仓储区域之间设置防火分隔。", premise="workshop"),
        Tpl("premise", "{premise}仓库内设员工宿舍",
            "{premise}在原料仓库内用木板隔出员工宿舍，住4人，仓库内堆放大量布料等可燃物。",
            "已拆除仓库内宿舍，员工搬至厂区外租住，仓库可燃物规范堆放。", premise="workshop"),
        Tpl("premise", "{premise}夹层住人无独立疏散通道",
            "{premise}店内搭建夹层用于住人，夹层只能经店内楼梯上下，无独立疏散出口。",
            "已拆除夹层床铺，店内不再住人，安装独立式感烟火灾探测报警器。"),
        Tpl("premise", "{premise}前店后宅未作防火分隔",
            "{premise}前面经营、后面生活，厨房使用瓶装液化气，与经营区之间无防火分隔。",
            "已砌筑实体墙作防火分隔并加装防火门，经营区配备灭火器2具。", premise="eatery"),
        Tpl("premise", "{premise}住人楼层防盗窗封死",
            "{premise}为“三合一”场所，住人楼层外窗全部安装固定式防盗窗，无逃生口。",
            "已在防盗窗上开设可从内部开启的逃生窗，配备逃生绳和应急照明灯。", premise="lodging"),
    ),
    Category.EBIKE_CHARGING: (
        Tpl("building", "{building}楼道内电动车充电",
            "{building}楼道内停放电动自行车3辆，从家中拉线充电，占用疏散通道。",
            "已将电动车移至小区集中充电棚，拆除飞线，楼道张贴禁停禁充标识。", True),
        Tpl("building", "{building}电动车入户充电",
            "巡查发现{building}住户将电动自行车推入室内客厅充电，电池紧挨沙发。",
            "已劝导住户到集中充电点充电，住户签订电动车不入户承诺书。", True),
        Tpl("village", "{village}电动车飞线充电",
            "{village}{group}组有住户从二楼窗户拉电线至路边为电动车充电，电线横跨人行道。",
            "已拆除飞线，引导住户到村集中充电桩充电。", True),
        Tpl("building", "{building}电梯内电动车上楼",
            "{building}住户多次推电动自行车乘电梯上楼回家充电，电梯未安装阻车装置。",
            "物业已加装电梯电动车智能阻止系统，并在电梯口张贴告示。"),
        Tpl("premise", "{premise}店内夜间集中充电",
            "{premise}夜间在店内为多台电动车及电池充电，充电区域无人值守、无消防设施。",
            "已停止店内充电，电池充电移至室外专用充电柜。"),
        Tpl("building", "{building}充电棚缺少消防设施",
            "{building}架空层设置电动车充电点，未配置灭火器，充电线路杂乱。",
            "已为充电棚配置灭火器4具、安装简易喷淋，规范整理充电线路。"),
    ),
    Category.FLOOD: (
        Tpl("village", "{village}山塘坝脚渗水",
            "{village}后山山塘坝脚出现渗水点，渗水浑浊，山塘蓄水较满，下游有农户。",
            "已将山塘水位降至汛限水位以下，坝脚渗漏点开挖导渗，落实每日巡查。", spot="后山山塘"),
        Tpl("village", "{village}地质灾害隐患点边坡开裂",
            "{village}{group}组屋后边坡出现长约5米的裂缝，坡下有民房2户，连续降雨后有滑坡风险。",
            "已用彩条布覆盖裂缝防止雨水渗入，设置警示牌，雨天坡下2户人员提前转移。"),
        Tpl("village", "{village}排水沟堵塞",
            "{village}主干道旁排水沟被淤泥、垃圾堵塞，强降雨时路面积水严重。",
            "已清淤疏通排水沟约200米，清运淤泥垃圾。", spot="主干道排水沟"),
        Tpl("building", "{building}地下车库挡水设施缺失",
            "{building}地下车库入口无挡水板和沙袋，入口低于路面，暴雨时易倒灌。",
            "物业已配备挡水板和沙袋100袋，安装水位报警装置。"),
        Tpl("road", "{road}户外广告牌松动",
            "{road}沿街商铺户外广告牌固定螺栓锈蚀松动，台风期间有坠落伤人风险。",
            "已拆除松动广告牌，加固其余招牌。", True),
        Tpl("village", "{village}河道行洪断面被侵占",
            "{village}段河道内堆放建筑垃圾，行洪断面缩窄约三分之一。",
            "已清除河道内建筑垃圾，恢复行洪断面。", spot="段河道"),
        Tpl("village", "{village}危旧房台风期间有人居住",
            "{village}{group}组一处土木结构老房屋顶瓦片松动、墙体开裂，仍有老人居住，台风来临时有倒塌风险。",
            "已将老人转移至亲属家中安置，房屋落实封控并设置警示标志。", True),
        Tpl("village", "{village}建筑工地塔吊未落实防台措施",
            "{village}建筑工地塔吊未按防台要求降臂、锁定，工棚未加固，台风预警已发布。",
            "施工单位已完成塔吊降臂锁定和工棚加固，工人转移至安全场所。", True, spot="建筑工地"),
        Tpl("village", "{village}低洼易涝点无警示",
            "{village}村口下穿道路低洼处暴雨后积水深约60厘米，未设置警示标志和水位标尺。",
            "已设置积水警示牌和水位标尺，配备临时抽水泵。", spot="村口下穿道路"),
    ),
    Category.ROAD: (
        Tpl("village", "{village}村口路口视线遮挡",
            "{village}村口与通村公路交叉口绿化过高遮挡视线，进出车辆与过往车辆互相看不见。",
            "已修剪遮挡视线的绿化，设置凸面镜和减速让行标志。", spot="村口路口"),
        Tpl("road", "{road}路面坑槽",
            "{road}路段路面出现多处坑槽，最大一处直径约1米，夜间照明不足，易导致电动车摔倒。",
            "已对坑槽进行冷补修复，恢复路面平整。"),
        Tpl("village", "{village}临水路段缺少护栏",
            "{village}通村公路临溪一侧约300米路段无护栏，路面窄、弯道多。",
            "已安装波形护栏300米，增设急弯警示标志2块。", spot="通村公路临溪段"),
        Tpl("road", "{road}路口信号灯故障",
            "{road}路口信号灯黄灯常闪，早晚高峰车辆通行混乱。",
            "交警设施班组已维修信号机，信号灯恢复正常。", True),
        Tpl("village", "{village}小学门口缺少减速设施",
            "{village}小学门口道路无减速带、无人行横道，上下学时段车速较快。",
            "已施划人行横道，安装减速带2处，设置“注意儿童”标志。", spot="小学门口"),
        Tpl("road", "{road}占道堆放建材",
            "{road}一侧机动车道上堆放砂石、砖块等建材，夜间无警示，已有车辆避让不及。",
            "已清运占道建材，施工方在场地内堆放并设置围挡。", True),
        Tpl("village", "{village}平交道口无警示标志",
            "{village}机耕路与县道平交道口无停车让行标志，农用车辆频繁直接驶入主路。",
            "已设置停车让行标志和减速标线，路口增设爆闪灯。", spot="机耕路平交道口"),
    ),
    Category.BUILDING: (
        Tpl("building", "{building}外墙瓷砖空鼓脱落",
            "{building}外墙瓷砖多处空鼓，已有瓷砖脱落砸在楼下人行道上。",
            "已设置安全隔离区，专业单位铲除空鼓瓷砖并改为涂料外墙。"),
        Tpl("village", "{village}自建房擅自加层",
            "{village}{group}组村民在原三层自建房上加建一层彩钢板房，未经审批，结构承载不明。",
            "已责令拆除加建部分，拆除后经房屋安全鉴定为B级，可正常使用。"),
        Tpl("village", "{village}C级危房仍有人居住",
            "{village}{group}组一处经鉴定为C级的危房仍有人居住，承重墙多处裂缝。",
            "住户已搬离，房屋加固处理后复鉴为B级。", True),
        Tpl("premise", "{premise}擅自拆改承重墙",
            "{premise}装修时拆除一层部分承重墙扩大营业面积，楼上墙面出现裂缝。",
            "已停止装修，按设计方案恢复并加固承重结构，经鉴定满足安全使用要求。"),
        Tpl("building", "{building}阳台栏杆锈蚀松动",
            "{building}多户阳台金属栏杆根部锈蚀严重，用手推动明显晃动。",
            "已更换锈蚀栏杆并做防腐处理。"),
        Tpl("village", "{village}老旧厂房屋面破损",
            "{village}一处闲置老旧厂房屋面石棉瓦大面积破损，檩条腐朽，周边有儿童进入玩耍。",
            "已设置围挡封闭厂房，拆除破损屋面。", spot="闲置厂房"),
    ),
    Category.GAS: (
        Tpl("premise", "{premise}未安装燃气泄漏报警器",
            "{premise}厨房使用3瓶液化石油气，未安装可燃气体泄漏报警装置和紧急切断阀。",
            "已安装可燃气体报警器和紧急切断阀，联动测试正常。", premise="eatery"),
        Tpl("premise", "{premise}燃气软管老化",
            "{premise}灶具连接软管老化龟裂，长度超过2米且穿墙敷设。",
            "已更换为金属波纹管，长度不超过2米，不再穿墙。", True, "eatery"),
        Tpl("premise", "{premise}超量存放液化气钢瓶",
            "{premise}厨房内存放液化气钢瓶5瓶，超过规定数量，且靠近灶具明火。",
            "已将多余钢瓶退回供气站，单独设置气瓶间。", premise="eatery"),
        Tpl("premise", "{premise}使用超期未检钢瓶",
            "{premise}使用的液化气钢瓶超过检验期限，无充装标签，来源不明。",
            "已更换为检验合格的钢瓶，承诺只在正规供气站充装。", True, "eatery"),
        Tpl("building", "{building}燃气管道被违建圈占",
            "{building}楼下燃气中压管道上方搭建违章棚屋，管道被圈占。",
            "已拆除违章棚屋，管道上方恢复通行并设置警示桩。"),
        Tpl("building", "{building}住户室内燃气异味",
            "{building}住户反映室内有燃气异味，检测仪读数异常。",
            "燃气公司抢修人员到场，更换漏气接头，复检无泄漏。", True),
    ),
    Category.OTHER: (
        Tpl("village", "{village}池塘无防护无警示",
            "{village}路边池塘水深约2米，无护栏和警示标志，附近常有儿童玩耍。",
            "已安装防护栏和“水深危险”警示牌。", spot="路边池塘"),
        Tpl("premise", "{premise}违规存放危险化学品",
            "{premise}店内存放油漆、稀释剂等易燃液体约200升，无专用仓库。",
            "已清理超量危险化学品，剩余部分存入专用防爆柜。"),
        Tpl("building", "{building}空调外机支架锈蚀",
            "{building}多台空调外机支架锈蚀严重，下方为人行通道，有高空坠物风险。",
            "已更换锈蚀支架，加固外机。"),
        Tpl("road", "{road}施工现场围挡缺失",
            "{road}管线施工开挖深度约2米，现场围挡缺失，夜间无警示灯。",
            "施工单位已设置连续硬质围挡和夜间警示灯。", True),
        Tpl("village", "{village}废弃矿坑无围挡",
            "{village}后山废弃采石宕口边坡陡峭，坑内积水，周边无围挡和警示标志。",
            "已设置围网和警示牌，宕口积水处设救生圈。", spot="后山废弃宕口"),
    ),
}

MAJOR_TEMPLATES: dict[str, tuple[MajorTpl, ...]] = {
    Category.FLOOD: (
        MajorTpl("village", "{village}病险山塘坝体渗漏",
                 "{village}山塘（库容约3万立方米）坝体下游坡多处集中渗漏，溢洪道淤堵，下游有农户12户40余人，"
                 "经安全鉴定为病险山塘。",
                 "坝体防渗加固和溢洪道清淤已完工，试蓄水观察无渗漏。",
                 "主汛期前完成坝体防渗加固和溢洪道清淤，消除溃坝风险，山塘恢复安全运行。",
                 "坝体迎水坡铺设土工膜防渗，坝脚设置反滤排水体，溢洪道清淤拓宽，增设水位观测尺。",
                 "区水利专项资金28万元，镇配套5万元；土工膜、块石等材料由施工单位备料。",
                 "整改期间山塘空库运行，下游设警戒区，专人24小时巡查；遇强降雨立即启动转移预案，"
                 "组织下游群众转移至村文化礼堂。",
                 "区应急管理局局长 周建华", spot="山塘"),
        MajorTpl("village", "{village}后山地质灾害隐患点滑坡风险",
                 "{village}{group}组后山边坡出现多条贯通裂缝，坡脚民房墙体开裂，威胁5户17人。",
                 "削坡减载和挡土墙、截排水沟已完工，监测数据稳定。",
                 "消除滑坡对坡下5户17人的威胁，边坡达到稳定状态。",
                 "削坡减载，坡脚修筑浆砌石挡土墙，坡顶设置截水沟，安装裂缝自动监测仪。",
                 "区地质灾害防治资金40万元；施工单位垫资备料。",
                 "施工期间坡下5户全部搬离，设置警戒线；监测数据异常或降雨超警戒值时立即停工撤人。",
                 "副区长 方志强"),
    ),
    Category.FIRE_MIXED_USE: (
        MajorTpl("premise", "{premise}厂房“三合一”且无自动消防设施",
                 "{premise}生产车间、仓库与员工宿舍设在同一建筑内，住宿员工18人，建筑未设自动喷水灭火系统，"
                 "疏散楼梯仅1部。",
                 "员工宿舍已全部迁出，车间与仓库间防火分隔和喷淋系统完工并调试合格。",
                 "住宿与生产、储存彻底分离，建筑消防设施达到规范要求。",
                 "员工宿舍迁至厂区外独立宿舍楼；车间与仓库之间砌筑防火墙；增设室外疏散楼梯1部和自动喷水灭火系统。",
                 "企业自筹资金65万元；消防设施由有资质的施工单位承建。",
                 "整改期间停止夜间生产，每班安排专人防火巡查；仓库限量存放；配齐灭火器和应急照明，组织一次疏散演练。",
                 "区消防救援大队大队长 吴国栋"),
    ),
    Category.FIRE: (
        MajorTpl("building", "{building}老旧小区消防管网瘫痪",
                 "{building}所在小区建于上世纪九十年代，室内消火栓管网锈蚀漏水，消防水泵无法启动，"
                 "小区内无消防车通道。",
                 "消防管网更换、水泵维修及消防车通道划线已完成，联动测试合格。",
                 "恢复小区消防给水系统，打通消防车通道。",
                 "更换室内消火栓立管及阀门，维修消防水泵并接入物业值班室，拆除占用通道的违建，施划消防车通道标线。",
                 "老旧小区改造资金52万元，街道配套8万元。",
                 "施工期间每幢楼增配灭火器4具，微型消防站24小时值守；燃气、电气施工持证作业。",
                 "区消防救援大队大队长 吴国栋"),
    ),
    Category.EBIKE_CHARGING: (
        MajorTpl("building", "{building}地下室违规集中充电",
                 "{building}地下车库私设电动车充电点约60个，无防火分隔、无自动灭火设施，夜间集中充电。",
                 "地下室充电点已全部拆除，地面集中充电棚建成投用。",
                 "地下空间不再停放、充电电动车，建成符合规范的地面集中充电设施。",
                 "拆除地下室全部充电线路，地面新建集中充电棚（120个充电口），配套喷淋、监控和智能断电。",
                 "社区与物业共同出资36万元。",
                 "施工期间地下车库入口设置阻车装置，物业夜间巡查；充电棚未建成前启用临时室外充电点。",
                 "区消防救援大队大队长 吴国栋"),
    ),
    Category.BUILDING: (
        MajorTpl("village", "{village}D级危房仍在使用",
                 "{village}{group}组一幢砖木结构房屋经鉴定为D级危险房屋（整幢危房），仍作仓库和住宅使用，3户8人居住。",
                 "住户已全部搬离安置，危房已拆除。",
                 "危房停止使用，人员全部搬离，消除倒塌伤人风险。",
                 "动员3户8人搬离并落实过渡安置；产权人委托有资质单位拆除，拆除后原址重建需另行报批。",
                 "镇政府危房解危专项资金12万元，产权人自筹部分拆除费用。",
                 "搬离前每日两次巡查；房屋四周设置警戒线和警示牌，禁止人员进入；拆除时专人监护、设隔离区。",
                 "区住建局局长 毛海燕"),
    ),
    Category.GAS: (
        MajorTpl("premise", "{premise}燃气管道腐蚀泄漏风险",
                 "{premise}餐饮区燃气管道锈蚀严重，多处被摊位圈占，检测发现2处微量泄漏。",
                 "燃气管道已整体更换，报警和切断装置联动测试合格。",
                 "更换腐蚀管道，消除泄漏和圈占，市场燃气设施达到规范要求。",
                 "整体更换餐饮区燃气管道，拆除圈占摊位，各商户安装可燃气体报警器和紧急切断阀。",
                 "市场经营方出资42万元，燃气公司提供施工和检测。",
                 "施工期间市场餐饮区停用燃气，改用电器具；施工现场设置警戒和灭火器材，燃气公司抢修队驻场。",
                 "区住建局局长 毛海燕", "market"),
    ),
    Category.ROAD: (
        MajorTpl("road", "{road}连续下坡急弯路段事故多发",
                 "{road}连续下坡接急弯，近一年发生交通事故6起，无避险车道，外侧护栏缺失。",
                 "护栏、减速设施和警示标志已安装到位，路段通过交通安全评估。",
                 "消除连续下坡急弯路段的事故隐患，年内该路段不再发生伤亡事故。",
                 "外侧增设混凝土护栏800米，铺设减速振动标线，设置连续下坡和急弯警示标志、区间测速。",
                 "区交通专项资金55万元。",
                 "施工期间半幅通行，设置临时限速和警示，安排交警早晚高峰值守。",
                 "区交警大队大队长 祝卫东"),
    ),
    Category.OTHER: (
        MajorTpl("village", "{village}废弃矿山高陡边坡",
                 "{village}后山废弃矿山宕口边坡高约40米，岩体破碎，坡脚有村道和民房，雨季多次发生落石。",
                 "削坡、挂网和坡脚拦石墙已完工，落石隐患消除。",
                 "消除落石和崩塌对村道及民房的威胁，完成矿山生态修复。",
                 "清除危岩、分级削坡，挂设主动防护网，坡脚修筑拦石墙并复绿。",
                 "区矿山生态修复资金120万元。",
                 "施工期间封闭坡脚村道并设绕行提示，专人监测边坡变形，雨天停止施工。",
                 "区委常委、副区长 郑立新", spot="后山废弃矿山"),
    ),
}

PREMISE_NAMES = ("鑫源", "兴旺", "顺达", "恒丰", "永盛", "金桥", "福满", "万家", "瑞丰", "隆兴",
                 "佳美", "老徐", "阿英", "衢香", "兴华", "宏达", "红星", "百顺", "利民", "祥和",
                 "聚福", "好运来", "三衢", "柯山", "烂柯", "明珠", "南孔", "橘乡")
PREMISE_KINDS = {
    "shop": ("五金店", "超市", "便利店", "理发店", "服装店", "农资店", "建材店", "快递驿站",
             "电动车维修店", "棋牌室"),
    "eatery": ("小吃店", "面馆", "早餐店", "饭店", "农家乐", "烧烤店", "火锅店"),
    "workshop": ("服装加工作坊", "木业加工厂", "家具厂", "汽修厂", "茶叶加工厂", "竹制品加工厂",
                 "五金加工厂"),
    "lodging": ("民宿", "小旅馆", "家庭旅馆"),
    "market": ("农贸市场",),
}
ESTATES = ("锦绣花苑", "荷花新村", "府山小区", "新桥公寓", "衢化生活区", "双港新城", "白云山庄",
           "南湖花园", "花园新村", "信安嘉苑", "阳光城", "玉兰苑", "世纪花园", "通荷公寓",
           "书院新村", "西区小区", "锦西公寓")
STREETS = ("衢化路", "新桥街", "荷花中路", "花园东大道", "上街", "县学街", "坊门街", "府山路",
           "劳动路", "三衢路", "通荷路", "白云中大道", "西安路", "新新路", "兴华路", "南湖路",
           "下街", "水亭街", "北门街", "百汇路")
RURAL_ROADS = ("{village}通村公路", "{village}机耕路", "县道{village}段")

# Who found it, as the description opens.
FOUND_BY = {
    "grid": "网格员日常巡查发现：",
    "village": "村（社区）隐患排查发现：",
    "town": "镇（街道）平安办督查发现：",
    "line": "区{department}检查发现：",
}

START_NOTES = ("已到现场核实，开始整改。", "已约谈业主，督促落实整改。", "", "已联系施工队伍进场。",
               "已通知户主，正在整改。")
VERIFY_NOTES = ("现场复核，整改到位，同意销号。", "经复核，隐患已消除，同意销号。",
                "复核通过，整改照片与现场一致。", "已现场查看，整改符合要求，销号。")
MAJOR_VERIFY_NOTE = ("验收结论：经组织区{department}及专家现场验收，整改达到方案目标，隐患已消除，"
                     "同意销号。")
REWORK_NOTES = ("复核发现整改不彻底：现场仍有部分问题未处理，请重新整改。",
                "整改照片与现场不符，请按要求整改到位后重新上传照片。",
                "只做了临时处置，未从根本上消除隐患，请落实长效措施。",
                "警示标志和防护设施未设置到位，请补齐后再提交。")
NOT_A_HAZARD_NOTES = ("经现场核实，该处已于上报前自行整改完毕，不构成隐患。",
                      "经核实为正常施工临时堆放，已设置围挡和警示，不属于隐患。",
                      "现场核查，所报设施符合规范要求，不构成隐患。",
                      "经核实为误报，现场无所述情况。")
DUPLICATE_NOTE = "与{ref}为同一处隐患，重复上报，并入原单办理。"
EXTENSION_REASONS = ("整改需采购专用材料，供货周期较长，申请延期。",
                     "涉及多户产权人，协调需要时间，申请延期。",
                     "连续降雨无法室外施工，申请延期。",
                     "需委托有资质单位鉴定、设计后方可施工，申请延期。",
                     "整改资金需走财政审批程序，申请延期。")
MAJOR_EXTENSION_REASON = "工程量大、施工周期长，经区安委办同意延期。"

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


@dataclass
class Step:
    at: dt.datetime
    action: str  # report, assign, plan, start, extend, submit, rework, verify, reject
    actor: Any
    kwargs: dict[str, Any] = field(default_factory=dict)


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
    severity: str = "ordinary"
    fate: str = ""  # "", "not_a_hazard", "duplicate", "stuck"
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
        self.tz = timezone.get_default_timezone()
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
        opened_at = dt.datetime.combine(day, dt.time(minute // 60, minute % 60, rng.randint(0, 59)),
                                        tzinfo=self.tz)
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
            return not p.fate and p.severity == "ordinary"

        def quota(share: float, least: int) -> int:
            return max(least, round(count * share))

        settled = [p for p in plans if p.opened_at < self.now - dt.timedelta(days=3)]
        for plan in self._pick(settled, quota(0.04, 2)):
            self._make_major(plan)
        for plan in self._pick([p for p in plans if free(p)], quota(0.03, 2)):
            plan.fate = "not_a_hazard"
        # Stuck: never finished. Some lapsed in the last fortnight (overdue), some earlier
        # in the half-year (long overdue).
        recent = [p for p in plans if free(p) and self.now - dt.timedelta(days=14)
                  < self._due(p) < self.now - dt.timedelta(hours=12)]
        older = [p for p in plans if free(p) and self.now - dt.timedelta(days=180)
                 < self._due(p) < self.now - dt.timedelta(days=17)]
        for plan in self._pick(recent, quota(0.008, 3)) + self._pick(older, quota(0.008, 3)):
            plan.fate = "stuck"
        for plan in self._pick([p for p in plans if free(p)], quota(0.08, 3)):
            plan.late = True
        for plan in self._pick([p for p in plans if p.fate in ("", "stuck")], quota(0.05, 3)):
            plan.extended = True
        for plan in self._pick([p for p in plans if not p.fate], quota(0.07, 3)):
            plan.rework = True
        originals = [p for p in plans if not p.fate and p.severity == "ordinary"
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
        plan.severity = "major"
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
                    fate="duplicate", duplicate_of=original)

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

    def _photo(self, plan: Plan, at: dt.datetime, kind: str) -> list[tuple[str, bytes]]:
        rng = self.rng
        if kind == "before":
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
            "photos": self._photo(plan, t, "before") if rng.random() < 0.88 else [],
        }
        steps = [Step(t, "report", plan.reporter, report)]
        if plan.fate == "duplicate":
            steps.append(Step(self._at(t, 1, 40), "reject", main,
                              {"reason": RejectionReason.DUPLICATE, "note": DUPLICATE_NOTE}))
            return steps
        if plan.severity == "major":
            assignee = second
        else:
            assignee = staff.grid.get(plan.unit.pk) or (
                staff.village[plan.village.pk] if plan.village else second)
        assigner = main if assignee is second or rng.random() < 0.85 else second
        due = self._due(plan)
        t = self._at(t, 0.2, 3) if plan.immediate else self._at(t, 0.5, 30)
        due_day = timezone.localtime(due)
        assign = Step(t, "assign", assigner, {
            "assignee": assignee,
            "note": f"请于{due_day.month}月{due_day.day}日前整改到位并上传整改照片。",
        })
        if plan.fate == "not_a_hazard":
            if rng.random() < 0.35:
                steps.append(assign)
                t = self._at(t, 4, 48)
            steps.append(Step(self._at(t, 1, 30), "reject", main, {
                "reason": RejectionReason.NOT_A_HAZARD, "note": rng.choice(NOT_A_HAZARD_NOTES)}))
            return steps
        stuck_at = rng.choices(("reported", "assigned", "rectifying"), weights=(15, 35, 50))[0] \
            if plan.fate == "stuck" else ""
        if stuck_at == "reported":
            return steps
        steps.append(assign)
        if plan.severity == "major":
            t = self._at(t, 24, 120)
            steps.append(Step(t, "plan", main, self._major_plan(plan, due, main, assignee)))
            t = self._at(t, 12, 72)
        else:
            t = self._at(t, 0.2, 3 if plan.immediate else 36)
        if stuck_at == "assigned":
            return steps
        steps.append(Step(t, "start", assignee, {"note": rng.choice(START_NOTES)}))
        if plan.extended and t < due - dt.timedelta(hours=12):
            extend_at = self._office_hours(due - dt.timedelta(hours=rng.uniform(12, 72)),
                                           not_before=t + dt.timedelta(hours=1))
            terms = self._terms(plan)
            extended_due = terms.extended_due_at(due, terms.extension_duration)
            if plan.fate != "stuck" or extended_due < self.now:
                by_district = plan.severity == "major"
                steps.append(Step(extend_at, "extend", staff.admin if by_district else main, {
                    "reason": MAJOR_EXTENSION_REASON if by_district else rng.choice(EXTENSION_REASONS)}))
                t, due = extend_at, extended_due
        if stuck_at:
            return steps
        if plan.late:
            finish = due + dt.timedelta(hours=rng.uniform(8, 14 * 24))
        else:
            finish = t + (due - t) * rng.uniform(0.1, 0.8)
        t = self._office_hours(finish, not_before=t + dt.timedelta(minutes=30))
        steps.append(Step(t, "submit", assignee,
                          {"note": plan.text["fix"], "photos": self._photo(plan, t, "after")}))
        verifier = self._verifier(plan, main, second, assignee, line)
        if plan.rework:
            t = self._at(t, 2, 72)
            steps.append(Step(t, "rework", verifier, {"note": rng.choice(REWORK_NOTES)}))
            t = self._at(t, 12, 96)
            steps.append(Step(t, "submit", assignee,
                              {"note": "已按复核意见重新整改。" + plan.text["fix"],
                               "photos": self._photo(plan, t, "after")}))
        verify_at = self._at(t, 1, 48)
        if not plan.late and verify_at > due > t + dt.timedelta(minutes=30):
            verify_at = self._office_hours(t + (due - t) * rng.uniform(0.2, 0.9),
                                           not_before=t + dt.timedelta(minutes=5))
        if plan.severity == "major":
            note = MAJOR_VERIFY_NOTE.format(department=staff.department.get(plan.category, "行业主管部门"))
        else:
            note = rng.choice(VERIFY_NOTES)
        steps.append(Step(verify_at, "verify", verifier, {"note": note}))
        return steps

    def _verifier(self, plan: Plan, main: Any, second: Any, assignee: Any, line: Sequence[Any]) -> Any:
        if plan.severity == "major" and line:
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
            "supervising_leader": tpl.leader,
        }
        return {"changes": changes,
                "note": f"制定整改方案，报区安委办挂牌督办，督办领导：{tpl.leader}。"}


# ---------------------------------------------------------------------------
# Playing the year
# ---------------------------------------------------------------------------


def _perform(step: Step, plan: Plan, hazards: dict[int, Hazard]) -> None:
    if step.action == "report":
        hazards[plan.index] = hazard_report(actor=step.actor, opened_at=step.at, **step.kwargs)
        return
    hazard = hazards[plan.index]
    common = {"hazard": hazard, "actor": step.actor, "expected_version": hazard.version, "at": step.at}
    if step.action == "plan":
        hazard_update(**common, **step.kwargs)
    elif step.action == "extend":
        # The nightly sweep may have raised the escalation level since this copy was read;
        # the extension resets it, and its event must show the real "before".
        hazard.refresh_from_db(fields=["escalation_level"])
        hazard_extend(**common, **step.kwargs)
    elif step.action == "reject" and plan.duplicate_of is not None:
        ref = hazards[plan.duplicate_of.index].ref
        hazard_transition(**common, name="reject", reason=step.kwargs["reason"], duplicate_of=ref,
                          note=step.kwargs["note"].format(ref=ref))
    else:
        hazard_transition(**common, name=step.action, **step.kwargs)


def _nightly_sweeps(start: dt.datetime, now: dt.datetime) -> list[dt.datetime]:
    tz = timezone.get_default_timezone()
    day = timezone.localtime(start).date() + dt.timedelta(days=1)
    sweeps = []
    while (at := dt.datetime.combine(day, ESCALATION_SWEEP_TIME, tzinfo=tz)) <= now:
        sweeps.append(at)
        day += dt.timedelta(days=1)
    return sweeps


def _play(plans: Sequence[Plan], now: dt.datetime, stderr: Any) -> None:
    entries: list[tuple[dt.datetime, int, int, Step | None]] = [
        (step.at, plan.index, n, step)
        for plan in plans for n, step in enumerate(plan.steps) if step.at <= now
    ]
    if plans:
        entries += [(at, -1, 0, None) for at in _nightly_sweeps(plans[0].opened_at, now)]
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    hazards: dict[int, Hazard] = {}
    # tqdm redraws with carriage returns, so it writes to the real stream rather than to a
    # management command's OutputWrapper, which would end every redraw with a newline.
    with tqdm(total=len(entries), unit="step", desc="A year of hazards", disable=stderr is None,
              file=sys.stderr) as bar:
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


def _mark_handled_notices_read(*, now: dt.datetime) -> None:
    """People read what reached them about items since closed; what concerns open items,
    and the last two days, stays unread."""
    stale = Notification.objects.filter(
        read_at__isnull=True, case__is_open=False, created_at__lt=now - dt.timedelta(days=2),
    ).values_list("user_id", "id")
    by_user: dict[int, list[int]] = defaultdict(list)
    for user_id, notification_id in stale:
        by_user[user_id].append(notification_id)
    users = get_user_model().objects.in_bulk(list(by_user))
    for user_id, ids in by_user.items():
        mark_read(user=users[user_id], notification_ids=ids)


@dataclass(frozen=True)
class YearSummary:
    now: dt.datetime
    hazards: int
    users_created: int
    by_status: dict[str, int]
    by_due_state: dict[str, int]
    escalated: int
    majors: int

    def __str__(self) -> str:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items()))
        due = ", ".join(f"{k} {v}" for k, v in sorted(self.by_due_state.items()))
        return (f"{self.hazards} hazards ({statuses}); due state: {due}; "
                f"{self.escalated} escalated, {self.majors} major; {self.users_created} staff created.")


def summarise(*, now: dt.datetime, users_created: int = 0) -> YearSummary:
    hazards = Hazard.objects.all()
    return YearSummary(
        now=now,
        hazards=hazards.count(),
        users_created=users_created,
        by_status=dict(hazards.values_list("status").annotate(n=Count("pk")).order_by()),
        by_due_state=dict(Counter(
            hazards.annotate(due=due_state_expression(now)).values_list("due", flat=True)
        )),
        escalated=hazards.filter(escalation_level__gt=0).count(),
        majors=hazards.filter(severity="major").count(),
    )


def generate_year(*, personas: Personas, hazards: int = 3000, seed: int = 20260425,
                  stderr: Any = None, today: dt.date | None = None) -> YearSummary:
    """Create ``hazards`` hazards over the twelve months before ``today`` and take each as
    far round the loop as it would have got by now. ``stderr`` gets a progress bar."""
    if today is None or today >= timezone.localdate():
        now = timezone.now()
    else:
        now = dt.datetime.combine(today, dt.time(18), tzinfo=timezone.get_default_timezone())
    rng = random.Random(seed)
    geo = Geography.load()
    with transaction.atomic():
        staff = _hire_staff(geo=geo, personas=personas, rng=rng)
    plans = Planner(rng=rng, geo=geo, staff=staff, personas=personas, now=now).plan_year(hazards)
    _play(plans, now, stderr)
    with transaction.atomic():
        _mark_handled_notices_read(now=now)
    summary = summarise(now=now, users_created=staff.hired)
    if stderr is not None:
        stderr.write(str(summary))
    return summary
