"""Hazard ledgers as town offices keep them: a merged title and a "填报单位" line above the
header, headers with full-width brackets and notes, dates written four ways, a totals row and
the signatures below the entries."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from pingan.core.deadlines import end_of_day
from pingan.hazards.ledger import export_xlsx, import_hazards
from pingan.hazards.models import Hazard


def local(*args):
    return timezone.make_aware(dt.datetime(*args), timezone.get_default_timezone())


def template(header, rows, *, footer=True):
    """An .xlsx as an emergency-management office sends it: two merged lines above the header."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["航埠镇安全生产隐患排查整治台账（2026年第二季度）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(["填报单位（盖章）：航埠镇应急管理中心", None, None, "填报日期：2026年5月6日"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if footer:
        sheet.append(["合计", None, f"共{len(rows)}条"])
        sheet.append(["填表人：王建华", None, None, "审核人：李秀英"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def read_export():
    def read(hazards):
        out = io.BytesIO()
        export_xlsx(hazards, out)
        rows = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
        return out.getvalue(), rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return read


def run(data, actor, **kwargs):
    return import_hazards(io.BytesIO(data), filename="隐患台账.xlsx", actor=actor, **kwargs)


EM_HEADER = ["序号", "所属乡镇（街道）", "所属村（社区）", "隐患名称【必填】", "隐患类别", "隐患等级",
             "排查发现时间：", "具体位置", "隐患描述"]


def test_an_emergency_management_template_with_dates_written_four_ways(personas, hangbu_village):
    dates = ["2026年4月25日", "2026/4/26", "2026-04-27", dt.datetime(2026, 4, 28)]
    rows = [[n + 1, "航埠镇", hangbu_village.name, f"隐患{n + 1}", "消防", "一般", date, "村部", "堆物"]
            for n, date in enumerate(dates)]
    summary = run(template(EM_HEADER, rows), personas.admin)
    assert (summary.rows, summary.created) == (4, 4)
    hazards = Hazard.objects.filter(external_ref__in=["1", "2", "3", "4"]).order_by("external_ref")
    assert [h.opened_at for h in hazards] == [local(2026, 4, day) for day in (25, 26, 27, 28)]
    assert {h.unit for h in hazards} == {hangbu_village}


@pytest.mark.parametrize("unit_header", ["乡镇（街道）", "镇街", "属地", "所属镇（街道）", "所属乡镇(街道)"])
def test_the_town_column_as_each_template_names_it(personas, hangbu, unit_header):
    header = ["序号", unit_header, "隐患名称", "隐患类别", "排查日期"]
    run(template(header, [["T-1", "航埠镇", "路灯杆倾斜", "道路", "2026-04-25"]]), personas.admin)
    assert Hazard.objects.get(external_ref="T-1").unit == hangbu


# -- a ledger with no title column --------------------------------------------


@pytest.mark.parametrize("description_header", ["隐患描述", "问题描述", "存在问题", "隐患内容（详细）"])
def test_without_a_title_column_the_title_is_the_descriptions_first_clause(personas, hangbu_village,
                                                                           description_header):
    header = ["序号", "所属村（社区）", "隐患类别", "发现日期", description_header]
    text = "楼道内堆放大量纸箱，堵塞安全出口；已责令清理。\n二楼同样存在"
    run(template(header, [["D-1", hangbu_village.name, "消防", "2026-04-25", text]]), personas.admin)
    hazard = Hazard.objects.get(external_ref="D-1")
    assert (hazard.title, hazard.description) == ("楼道内堆放大量纸箱", text)


@pytest.mark.parametrize(("text", "title"), [
    ("电线、插座老化,存在短路风险", "电线、插座老化"),  # 、 lists within a clause; a Western comma ends it
    ("灭火器压力不足. Replace it", "灭火器压力不足"),
    ("3.5米高处广告牌松动：随时可能坠落", "3.5米高处广告牌松动"),  # a decimal point is no clause end
    ("14:30巡查发现燃气泄漏!", "14:30巡查发现燃气泄漏"),
    ("  ，。开头就是标点；后面才是内容", "开头就是标点"),
])
def test_where_the_first_clause_ends(personas, hangbu_village, text, title):
    header = ["序号", "所属村（社区）", "隐患类别", "问题描述"]
    run(template(header, [["C-1", hangbu_village.name, "其他", text]], footer=False), personas.admin)
    assert Hazard.objects.get(external_ref="C-1").title == title


def test_a_title_made_from_a_long_description_is_cut_to_the_titles_length(personas, hangbu_village):
    limit = Hazard._meta.get_field("title").max_length
    text = "墙" * (limit + 50) + "，后半句"
    header = ["序号", "所属村（社区）", "隐患类别", "存在问题"]
    run(template(header, [["L-1", hangbu_village.name, "房屋", text]]), personas.admin)
    hazard = Hazard.objects.get(external_ref="L-1")
    assert (hazard.title, hazard.description) == ("墙" * limit, text)


def test_no_title_column_and_an_empty_description_is_a_row_error(personas, hangbu_village):
    header = ["序号", "所属村（社区）", "隐患类别", "隐患描述"]
    rows = [["E-1", hangbu_village.name, "消防", "堆物"], ["E-2", hangbu_village.name, "消防", " "]]
    rejected = run(template(header, rows, footer=False), personas.admin)
    assert [(e.row, e.column) for e in rejected.errors] == [(5, "隐患描述")]
    assert not Hazard.objects.filter(external_ref="E-1").exists()


def test_a_reimport_without_titles_keeps_the_hazards_own_title(personas, hangbu_village):
    header = ["序号", "所属村（社区）", "隐患类别", "隐患描述"]
    rows = [["R-1", hangbu_village.name, "消防", "楼道堆物，影响疏散"]]
    run(template(header, rows, footer=False), personas.admin)
    hazard = Hazard.objects.get(external_ref="R-1")
    hazard.title = "三楼楼道堆放纸箱"
    hazard.save(update_fields=["title"])
    summary = run(template(header, rows, footer=False), personas.admin)
    assert summary.unchanged == 1
    hazard.refresh_from_db()
    assert hazard.title == "三楼楼道堆放纸箱"


# -- the file's own deadline and people ---------------------------------------

FIRE_HEADER = ["序号", "所属网格", "隐患名称", "隐患类别", "检查日期", "整改时限", "整改责任人"]


def person(username, name, unit, role="handler", domain=""):
    from django.contrib.auth import get_user_model

    from pingan.core.models import Role

    user = get_user_model().objects.create_user(username=username, first_name=name)
    Role.objects.create(user=user, unit=unit, role=role, domain=domain)
    return user


@time_machine.travel(local(2026, 6, 10, 9), tick=False)
def test_the_ledgers_deadline_is_the_end_of_that_day_and_the_page_shows_the_policys_too(
        client, personas, worker_grid):
    # Fire hazards are due in 7 days by the policy: 1 June + 7 is 8 June; one ledger says 12 June.
    rows = [["F-1", worker_grid.name, "消防栓无水", "消防", "2026-06-01", "2026年6月12日 10:00", None],
            ["F-2", worker_grid.name, "灭火器过期", "消防", "2026-06-01", "2026/6/8", None]]
    run(template(FIRE_HEADER, rows), personas.admin)
    own, same = Hazard.objects.get(external_ref="F-1"), Hazard.objects.get(external_ref="F-2")
    assert own.due_at == end_of_day(dt.date(2026, 6, 12))
    assert own.policy_due_at == same.due_at == same.policy_due_at == end_of_day(dt.date(2026, 6, 8))
    assert dt.datetime.fromisoformat(own.events.get().after["due_at"]) == own.due_at
    client.force_login(personas.admin)
    page = client.get(reverse("hazards:detail", args=[own.ref])).content.decode()
    assert "2026-06-12" in page and "2026-06-08" in page and "data-policy-due" in page
    page = client.get(reverse("hazards:detail", args=[same.ref])).content.decode()
    assert "data-policy-due" not in page


@time_machine.travel(local(2026, 6, 10, 9), tick=False)
def test_a_new_category_moves_the_policys_date_not_the_ledgers(personas, worker_grid):
    from pingan.hazards.services import hazard_update

    rows = [["F-3", worker_grid.name, "外墙空鼓", "消防", "2026-06-01", "2026-07-31", None]]
    run(template(FIRE_HEADER, rows), personas.admin)
    hazard = Hazard.objects.get(external_ref="F-3")
    hazard = hazard_update(hazard=hazard, actor=personas.admin, expected_version=hazard.version,
                           changes={"category": "building"})
    assert hazard.due_at == end_of_day(dt.date(2026, 7, 31))
    assert hazard.policy_due_at == end_of_day(dt.date(2026, 7, 1))  # 30 days for buildings


@time_machine.travel(local(2026, 6, 10, 9), tick=False)
def test_a_deadline_before_the_reported_date_or_no_date_at_all_is_a_row_error(personas, worker_grid):
    rows = [["B-1", worker_grid.name, "消防栓无水", "消防", "2026-06-01", "2026-06-01", None],
            ["B-2", worker_grid.name, "消防栓无水", "消防", "2026-06-01", "2026.5.31", None],
            ["B-3", worker_grid.name, "消防栓无水", "消防", "2026-06-01", "尽快", None],
            ["B-4", worker_grid.name, "消防栓无水", "消防", None, "2026-06-09", None]]  # reported today
    rejected = run(template(FIRE_HEADER, rows), personas.admin)
    assert [(e.row, e.column, e.value) for e in rejected.errors] == [
        (5, "整改时限", "2026-05-31"), (6, "整改时限", "尽快"), (7, "整改时限", "2026-06-09")]
    assert "2026-06-01" in rejected.errors[0].message
    assert not Hazard.objects.filter(external_ref__startswith="B-").exists()


@time_machine.travel(local(2026, 6, 10, 9), tick=False)
def test_the_responsible_person_is_the_one_user_of_the_unit_of_that_name_else_kept_by_name(
        personas, worker_grid, hangbu_village, read_export):
    zhang = person("zhangwei", "张伟", worker_grid)
    person("wangfang1", "王芳", worker_grid)
    person("wangfang2", "王芳", worker_grid)
    person("zhaolei", "赵磊", worker_grid, role="viewer")  # a viewer is given nothing to fix
    person("liuyang", "刘洋", hangbu_village)  # of another unit
    rows = [[f"P-{n}", worker_grid.name, "楼道堆物", "消防", "2026-06-01", None, name]
            for n, name in enumerate(["张伟", " zhangwei ", "王芳", "赵磊", "刘洋", "陈静", None])]
    run(template(FIRE_HEADER, rows), personas.admin)
    found = {h.external_ref: (h.assignee, h.responsible_person, h.status)
             for h in Hazard.objects.filter(external_ref__startswith="P-")}
    assert found == {"P-0": (zhang, "", "reported"), "P-1": (zhang, "", "reported"),
                     "P-2": (None, "王芳", "reported"), "P-3": (None, "赵磊", "reported"),
                     "P-4": (None, "刘洋", "reported"), "P-5": (None, "陈静", "reported"),
                     "P-6": (None, "", "reported")}
    _data, _header, exported = read_export(Hazard.objects.filter(external_ref__startswith="P-"))
    assert {row["外部编号"]: row["责任人"] for row in exported} == {
        "P-0": "张伟", "P-1": "张伟", "P-2": "王芳", "P-3": "赵磊", "P-4": "刘洋", "P-5": "陈静", "P-6": None}


def test_the_named_responsible_person_is_on_the_hazards_page(client, personas, worker_grid):
    run(template(FIRE_HEADER, [["N-1", worker_grid.name, "楼道堆物", "消防", "2026-04-25", None, "陈静"]]),
        personas.admin)
    client.force_login(personas.admin)
    page = client.get(reverse("hazards:detail", args=[Hazard.objects.get(external_ref="N-1").ref]))
    assert "<span data-responsible-person>陈静</span>" in page.content.decode()


@time_machine.travel(local(2026, 6, 10, 9), tick=False)
def test_the_api_gives_the_ledgers_deadline_the_policys_and_the_named_person(personas, worker_grid):
    from pingan.testing import api_client

    rows = [["A-1", worker_grid.name, "消防栓无水", "消防", "2026-06-01", "2026-06-12", "陈静"]]
    run(template(FIRE_HEADER, rows), personas.admin)
    hazard = Hazard.objects.get(external_ref="A-1")
    body = api_client(personas.admin).get(f"/api/v1/hazards/{hazard.ref}").json()
    assert body["responsible_person"] == "陈静"
    assert dt.datetime.fromisoformat(body["due_at"]) == end_of_day(dt.date(2026, 6, 12))
    assert dt.datetime.fromisoformat(body["policy_due_at"]) == end_of_day(dt.date(2026, 6, 8))


@time_machine.travel(local(2026, 12, 28, 9), tick=False)
def test_the_ledgers_own_deadline_is_final_and_no_schedule_import_moves_it(personas, worker_grid):
    """The policy's 7 days from 28 December cross into 2027, a year with no confirmed
    schedule; the file's own 10 January does not depend on it."""
    from pingan.core.holiday_import import recount_provisional_deadlines

    rows = [["Y-1", worker_grid.name, "消防通道堵塞", "消防", "2026-12-28", "2027-01-10", None],
            ["Y-2", worker_grid.name, "消防通道堵塞", "消防", "2026-12-28", None, None]]
    run(template(FIRE_HEADER, rows), personas.admin)
    own, policy = Hazard.objects.get(external_ref="Y-1"), Hazard.objects.get(external_ref="Y-2")
    assert (own.due_provisional, own.due_basis) == (False, None)
    assert policy.due_provisional and policy.due_basis
    recount_provisional_deadlines(years=[2027], actor=personas.admin, at=timezone.now())
    own.refresh_from_db()
    assert own.due_at == end_of_day(dt.date(2027, 1, 10))


@time_machine.travel(local(2026, 6, 10, 9), tick=False)
def test_a_named_person_outside_the_hazards_domain_or_at_the_district_is_kept_by_name(
        personas, worker_grid, district):
    person("xinfangyuan", "孙丽", worker_grid, domain="petitions")  # petitions work: no hazard of hers
    person("fuhe", "周强", district)  # the district's own roles oversee, they do not fix
    rows = [["D-1", worker_grid.name, "楼道堆物", "消防", "2026-06-01", None, "孙丽"],
            ["D-2", district.code, "楼道堆物", "消防", "2026-06-01", None, "周强"]]
    run(template(FIRE_HEADER, rows), personas.admin)  # a code in the unit column is read as one
    found = {h.external_ref: (h.unit, h.assignee, h.responsible_person)
             for h in Hazard.objects.filter(external_ref__startswith="D-")}
    assert found == {"D-1": (worker_grid, None, "孙丽"), "D-2": (district, None, "周强")}
