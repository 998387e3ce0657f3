"""The demo district: 柯城区 (330802) with its real towns, plausible villages, grid cells and a
few micro-grids, the district departments and the personas used by the demo and the tests.

The towns' names are real (shared/domain-rules.md); every code below the district's own is
illustrative, made up in list order, and flagged ``is_illustrative_code``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from pingan.core.models import Domain, Leadership, Responsibility, Role, RoleName, Unit, UnitKind
from pingan.petitions.models import KIND as PETITION_KIND
from pingan.petitions.models import Category as PetitionCategory

DISTRICT_CODE = "330802"
DISTRICT_NAME = "柯城区"
DEMO_PASSWORD = "pingan-demo"  # noqa: S105 (printed on start; demo data only)

# (name, kind, approximate centre) — the 15 directly governed units, then the three
# sub-districts administered by function zones.
TOWNS: tuple[tuple[str, str, tuple[float, float]], ...] = (
    ("府山街道", UnitKind.SUBDISTRICT, (28.960, 118.870)),
    ("荷花街道", UnitKind.SUBDISTRICT, (28.955, 118.885)),
    ("花园街道", UnitKind.SUBDISTRICT, (28.940, 118.890)),
    ("信安街道", UnitKind.SUBDISTRICT, (28.970, 118.860)),
    ("双港街道", UnitKind.SUBDISTRICT, (28.975, 118.845)),
    ("衢化街道", UnitKind.SUBDISTRICT, (28.990, 118.890)),
    ("航埠镇", UnitKind.TOWN, (28.960, 118.770)),
    ("石梁镇", UnitKind.TOWN, (29.050, 118.880)),
    ("万田乡", UnitKind.TOWNSHIP, (28.900, 118.820)),
    ("石室乡", UnitKind.TOWNSHIP, (28.880, 118.900)),
    ("姜家山乡", UnitKind.TOWNSHIP, (28.860, 118.790)),
    ("九华乡", UnitKind.TOWNSHIP, (29.030, 118.940)),
    ("七里乡", UnitKind.TOWNSHIP, (29.110, 118.900)),
    ("华墅乡", UnitKind.TOWNSHIP, (29.000, 118.790)),
    ("沟溪乡", UnitKind.TOWNSHIP, (28.920, 118.760)),
    ("白云街道", UnitKind.SUBDISTRICT, (28.950, 118.860)),
    ("黄家街道", UnitKind.SUBDISTRICT, (28.930, 118.850)),
    ("新新街道", UnitKind.SUBDISTRICT, (28.945, 118.900)),
)

# Villages named in the source document are used where it names them.
KNOWN_VILLAGES = {
    "航埠镇": ["缪村村", "汪周村", "翁家村", "严村村", "北二村", "航埠村", "石塘背村"],
    "石梁镇": ["麻蓬村", "石梁村", "静岩村", "双溪村", "坎底村"],
    "九华乡": ["妙源村", "上铺村", "茶铺村", "大头村", "外陈村"],
    "白云街道": ["白云社区", "西区社区", "锦西社区", "新湖社区", "南湖社区"],
}
# Villages whose first grid cell is split into micro-grids (微网格), a few households each:
# enough for the tree to reach its fifth level, as it does where a district runs them.
MICRO_GRID_VILLAGES = (("航埠镇", "缪村村"), ("航埠镇", "汪周村"), ("白云街道", "白云社区"))
MICRO_GRIDS_PER_GRID = 3

_VILLAGE_STEMS = ("东", "西", "南", "北", "上", "下", "新", "桥", "塘", "溪", "山", "石", "柳",
                  "杨", "高", "湖", "岭", "园", "田", "丰")

# Departments and the hazard categories each handles (条抓块统: the "lines").
DEPARTMENTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("D01", "应急管理局", ("flood", "other")),
    ("D02", "消防救援大队", ("fire", "fire_mixed_use", "ebike_charging")),
    ("D03", "公安分局", ()),
    ("D04", "交警大队", ("road",)),
    ("D05", "信访局", ()),
    ("D06", "住建局", ("building", "gas")),
    ("D07", "综合行政执法局", ()),
    ("D08", "区纪委监委", ()),
    # The departments that answer for the city's economic indicators on the league table.
    ("D09", "发展和改革局", ()),
    ("D10", "经济和信息化局", ()),
    ("D11", "商务局", ()),
    # The departments deputies' suggestions and members' proposals are assigned to as well.
    ("D12", "交通运输局", ()),
    ("D13", "农业农村局", ()),
    ("D14", "教育局", ()),
    ("D15", "文化和广电旅游体育局", ()),
    ("D16", "卫生健康局", ()),
    ("D17", "自然资源和规划局", ()),
    ("D18", "人力资源和社会保障局", ()),
    ("D19", "民政局", ()),
)
# Petition lines: 信访局 handles petitions of every category but one; the discipline
# commission (settings.PINGAN_PETITION_DISCIPLINE_UNIT_CODE) the accusations, filed as
# discipline, a line sealed to it (settings.PINGAN_SEALED_LINES).
PETITION_LINES: dict[str, tuple[str, ...]] = {
    "D05": tuple(c for c in PetitionCategory.values if c != PetitionCategory.DISCIPLINE),
    "D08": (PetitionCategory.DISCIPLINE,),
}


# The 平安办 (district, towns) and its grid workers coordinate every domain; the rest of the
# district's people work in one (Role.domain).
ALL_DOMAINS = ""


@dataclass(frozen=True)
class Personas:
    admin: object
    town_handler: object
    grid_worker: object
    fire_handler: object
    outsider: object


def _village_names(town: str, kind: str, rng: random.Random) -> list[str]:
    if town in KNOWN_VILLAGES:
        return KNOWN_VILLAGES[town]
    suffix = "社区" if kind == UnitKind.SUBDISTRICT else "村"
    count = rng.randint(5, 10)
    stems = rng.sample(_VILLAGE_STEMS, count)
    second = rng.sample(_VILLAGE_STEMS, count)
    return [f"{a}{b}{suffix}" if a != b else f"{a}安{suffix}" for a, b in zip(stems, second, strict=True)]


@transaction.atomic
def build_district(*, seed: int = 330802, grids_per_village: int = 2) -> Unit:
    """Create the unit tree and departments (idempotent: an existing tree is returned)."""
    existing = Unit.objects.filter(prefix=DISTRICT_CODE).first()
    if existing:
        return existing
    rng = random.Random(seed)
    district = Unit.objects.create(
        code=DISTRICT_CODE + "000000", prefix=DISTRICT_CODE, name=DISTRICT_NAME,
        kind=UnitKind.DISTRICT, population=480_000, latitude=28.97, longitude=118.87,
    )
    units: list[Unit] = []
    for t, (town_name, kind, (lat, lon)) in enumerate(TOWNS, start=1):
        town_prefix = f"{DISTRICT_CODE}{t:03d}"
        town = Unit.objects.create(
            code=town_prefix + "000", prefix=town_prefix, name=town_name, kind=kind,
            parent=district, population=rng.randint(12_000, 60_000), latitude=lat,
            longitude=lon, is_illustrative_code=True,
        )
        village_kind = UnitKind.COMMUNITY if kind == UnitKind.SUBDISTRICT else UnitKind.VILLAGE
        for v, village_name in enumerate(_village_names(town_name, kind, rng), start=1):
            village_prefix = f"{town_prefix}{v:03d}"
            village = Unit(
                code=village_prefix, prefix=village_prefix, name=village_name, kind=village_kind,
                parent=town, population=rng.randint(800, 6000),
                latitude=lat + rng.uniform(-0.02, 0.02), longitude=lon + rng.uniform(-0.02, 0.02),
                is_illustrative_code=True,
            )
            village.save()
            for g in range(1, grids_per_village + 1):
                grid_prefix = f"{village_prefix}{g:03d}"
                units.append(Unit(
                    code=grid_prefix, prefix=grid_prefix, name=f"{village_name}第{g}网格",
                    kind=UnitKind.GRID, parent=village, latitude=village.latitude,
                    longitude=village.longitude, is_illustrative_code=True,
                ))
    Unit.objects.bulk_create(units)
    _split_into_micro_grids(district)
    for code, name, categories in DEPARTMENTS:
        department = Unit.objects.create(
            code=f"{DISTRICT_CODE}{code}", prefix=f"{DISTRICT_CODE}{code}", name=name,
            kind=UnitKind.DEPARTMENT, parent=district, is_illustrative_code=True,
        )
        Responsibility.objects.bulk_create(
            [Responsibility(department=department, case_kind="hazard", category=c)
             for c in categories]
            + [Responsibility(department=department, case_kind=PETITION_KIND, category=c)
               for c in PETITION_LINES.get(code, ())]
        )
    return district


def _split_into_micro_grids(district: Unit) -> None:
    micro_grids = []
    for town_name, village_name in MICRO_GRID_VILLAGES:
        grid = (Unit.objects.filter(parent__parent__parent=district, parent__parent__name=town_name,
                                    parent__name=village_name, kind=UnitKind.GRID)
                .order_by("prefix").first())
        micro_grids += [
            Unit(code=f"{grid.prefix}{m:03d}", prefix=f"{grid.prefix}{m:03d}",
                 name=f"{grid.name}{m}号微网格", kind=UnitKind.MICRO_GRID, parent=grid,
                 latitude=grid.latitude, longitude=grid.longitude, is_illustrative_code=True)
            for m in range(1, MICRO_GRIDS_PER_GRID + 1)
        ]
    Unit.objects.bulk_create(micro_grids)


def demo_login(username: str, full_name: str, *, superuser: bool = False) -> object:
    """A fixed demo login with the demo password, made once."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": full_name, "is_staff": superuser, "is_superuser": superuser},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def demo_role(user: object, unit: Unit, role: str, title: str, domain: str = ALL_DOMAINS) -> None:
    Role.objects.get_or_create(user=user, unit=unit, role=role, domain=domain, defaults={"title": title})


CONFIGURATION_MODELS = ("unit", "role", "leadership", "responsibility", "deadlinepolicy", "apitoken",
                        "holidayyear", "holidayday")


def district_admin_group() -> Group:
    """Who may change the district's configuration in the admin site (not cases or events:
    those change only through the services)."""
    group, _ = Group.objects.get_or_create(name="区平安办管理员")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="core",
                                  content_type__model__in=CONFIGURATION_MODELS)
        | Permission.objects.filter(content_type__app_label="core",
                                    codename__in=["view_event", "view_configurationchange",
                                                  # a wrong column matching is forgotten there
                                                  "view_ledgercolumnmapping",
                                                  "delete_ledgercolumnmapping"])
        | Permission.objects.filter(content_type__app_label="petitions",
                                    content_type__model__in=["petitionruleset", "petitionrule"],
                                    codename__regex=r"^(view|change)_")
        | Permission.objects.filter(content_type__app_label="petitions", codename="view_profileinforce")
        | Permission.objects.filter(content_type__app_label="receptions", content_type__model="leader",
                                    codename__regex=r"^(view|add|change)_")
        | Permission.objects.filter(content_type__app_label="auth",
                                    codename__in=["add_user", "change_user", "view_user"])
    )
    return group


# Leaders in charge of work safety (分管安全生产) at the district and in the personas' towns;
# the year's generator adds one in every other town.
SAFETY_LEADERS = (
    ("safety_chief", "副区长 周建华", DISTRICT_NAME, "副区长（分管安全生产）"),
    ("hangbu_safety", "航埠镇副镇长 张华", "航埠镇", "副镇长（分管安全生产）"),
    ("shiliang_safety", "石梁镇副镇长 钱军", "石梁镇", "副镇长（分管安全生产）"),
)


def leader_in_charge(username: str, full_name: str, unit: Unit, domain: str, title: str) -> object:
    """A leader in charge of ``domain`` at ``unit``, who sees the unit's cases (a viewer:
    leaders answer for the work, they are not assigned it)."""
    user = demo_login(username, full_name)
    Leadership.objects.get_or_create(user=user, unit=unit, domain=domain, defaults={"title": title})
    demo_role(user, unit, RoleName.VIEWER, title, domain)  # a leader sees the domain they answer for
    return user


@transaction.atomic
def build_personas() -> Personas:
    """The five personas of the demo and the tests."""
    district = Unit.objects.get(prefix=DISTRICT_CODE)
    hangbu = Unit.objects.get(parent=district, name="航埠镇")
    shiliang = Unit.objects.get(parent=district, name="石梁镇")
    grid = Unit.objects.filter(parent__parent=hangbu, kind=UnitKind.GRID).order_by("prefix").first()
    fire = Unit.objects.get(kind=UnitKind.DEPARTMENT, name="消防救援大队")
    admin = demo_login("admin", "区平安办管理员")
    demo_role(admin, district, RoleName.ADMIN, "区平安办", ALL_DOMAINS)
    # The district admin configures units, roles and deadline policies in the admin site.
    type(admin).objects.filter(pk=admin.pk).update(is_staff=True)
    admin.groups.add(district_admin_group())
    town_handler = demo_login("hangbu", "航埠镇平安办 王敏")
    demo_role(town_handler, hangbu, RoleName.HANDLER, "镇平安办", ALL_DOMAINS)
    grid_worker = demo_login("grid", "网格员 李强")
    demo_role(grid_worker, grid, RoleName.HANDLER, "专职网格员", ALL_DOMAINS)
    fire_handler = demo_login("fire", "消防救援大队 陈刚")
    demo_role(fire_handler, fire, RoleName.HANDLER, "防火监督员", Domain.HAZARDS)
    outsider = demo_login("shiliang", "石梁镇平安办 赵丽")
    demo_role(outsider, shiliang, RoleName.HANDLER, "镇平安办", ALL_DOMAINS)
    units = {unit.name: unit for unit in (district, hangbu, shiliang)}
    for username, full_name, unit_name, title in SAFETY_LEADERS:
        leader_in_charge(username, full_name, units[unit_name], Domain.HAZARDS, title)
    return Personas(admin=admin, town_handler=town_handler, grid_worker=grid_worker,
                    fire_handler=fire_handler, outsider=outsider)
