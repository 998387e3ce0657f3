"""Headers the import does not know: it refuses the file with the columns it found and the
fields it needs, and reads it once told which column holds what (``--map 表头=field`` on every
ledger import command)."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from pingan.core import errors
from pingan.core.ledger import (
    MSG_MAP_COLUMN_TWICE,
    MSG_MAP_UNKNOWN_COLUMN,
    MSG_MAP_UNKNOWN_FIELD,
    LedgerColumnsUnknown,
    header_hash,
    read_sheet,
)
from pingan.core.management.ledger_commands import MSG_MAP_SYNTAX
from pingan.fraud.models import FraudCase
from pingan.hazards.ledger import LAYOUT as HAZARD_LAYOUT
from pingan.hazards.models import Hazard
from pingan.petitions.models import Petition
from pingan.petitions.tests.conftest import ID_NUMBER, PHONE
from pingan.testing import ledger_workbook

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# A village's own hazard sheet: nothing here names the title or the reference as Pingan knows them.
ODD_HEADER = ["编码", "村网格", "排查事项", "分类", "检查日期"]


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def odd_ledger(worker_grid, keys=("V-1", "V-2")):
    rows = [{"编码": key, "村网格": worker_grid.name, "排查事项": f"{key} 楼道堆物", "分类": "消防",
             "检查日期": "2026年11月2日"} for key in keys]
    return ledger_workbook(rows, header=ODD_HEADER, title="缪村村隐患排查表")


def write(tmp_path, data, name="台账.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_unknown_headers_are_refused_with_the_columns_found_and_the_fields_needed(worker_grid):
    with pytest.raises(LedgerColumnsUnknown) as refused:
        read_sheet(io.BytesIO(odd_ledger(worker_grid)), "台账.xlsx", HAZARD_LAYOUT)
    exc = refused.value
    assert exc.found == ODD_HEADER
    assert exc.recognised == {"category": "分类", "opened_at": "检查日期"}
    assert exc.missing == ["标题/描述", "属地单位/单位代码", "外部编号/编号"]
    assert "编码、村网格、排查事项、分类、检查日期" in exc.message and "标题/描述" in exc.message
    assert exc.header_hash == header_hash(["编码", "村网格", " 排查事项 ", "分类", "检查日期："])


def test_a_mapping_reads_the_file(worker_grid):
    sheet = read_sheet(io.BytesIO(odd_ledger(worker_grid)), "台账.xlsx", HAZARD_LAYOUT,
                       {"编码": "external_ref", "村网格": "属地单位", "排查事项": "title"})
    assert sheet.headers == {"external_ref": "编码", "unit_name": "村网格", "title": "排查事项",
                             "category": "分类", "opened_at": "检查日期"}


FOUND = "、".join(ODD_HEADER)
UNKNOWN_FIELD = str(MSG_MAP_UNKNOWN_FIELD).partition("{fields}")[0]


@pytest.mark.parametrize(("mapping", "message"), [
    ({"编码": "titel"}, UNKNOWN_FIELD.format(field="titel") + "ref（编号）、external_ref（外部编号）"),
    ({"不存在的列": "title"}, MSG_MAP_UNKNOWN_COLUMN.format(column="不存在的列", found=FOUND)),
    ({"编码": "external_ref", "编码 ": "title"}, MSG_MAP_COLUMN_TWICE.format(column="编码 ")),
])
def test_a_bad_mapping_is_a_clear_error(worker_grid, mapping, message):
    with pytest.raises(errors.DomainError) as refused:
        read_sheet(io.BytesIO(odd_ledger(worker_grid)), "台账.xlsx", HAZARD_LAYOUT, mapping)
    assert message in refused.value.message
    assert not isinstance(refused.value, LedgerColumnsUnknown)


# -- the commands ----------------------------------------------------------------


def test_the_hazard_command_refuses_unknown_headers_and_says_how_to_map_them(personas, worker_grid, tmp_path):
    path = write(tmp_path, odd_ledger(worker_grid))
    with pytest.raises(CommandError) as refused:
        call_command("import", path, user="admin", no_progress=True)
    text = str(refused.value)
    assert "编码、村网格、排查事项" in text and "--map 编码=title" in text and "title（标题）*" in text
    assert "location（地点）、" in text  # an optional field has no star
    assert not Hazard.objects.filter(external_ref__startswith="V-").exists()
    out = io.StringIO()
    call_command("import", path, user="admin", no_progress=True, stdout=out,
                 mapping=["编码=external_ref", "村网格=unit_name", "排查事项=标题"])
    assert "2" in out.getvalue()
    assert sorted(Hazard.objects.filter(external_ref__startswith="V-").values_list("title", flat=True)) == [
        "V-1 楼道堆物", "V-2 楼道堆物"]


@pytest.mark.parametrize(("pairs", "message"), [
    (["排查事项=titel"], UNKNOWN_FIELD.format(field="titel")),
    (["不存在=title"], MSG_MAP_UNKNOWN_COLUMN.format(column="不存在", found=FOUND)),
    (["排查事项"], MSG_MAP_SYNTAX.format(pair="排查事项")),
    (["=title"], MSG_MAP_SYNTAX.format(pair="=title")),
])
def test_a_bad_map_option_is_a_clear_error_and_writes_nothing(personas, worker_grid, tmp_path, pairs,
                                                               message):
    path = write(tmp_path, odd_ledger(worker_grid))
    with pytest.raises(CommandError) as refused:
        call_command("import", path, user="admin", no_progress=True, mapping=pairs)
    assert message in str(refused.value)
    assert not Hazard.objects.filter(external_ref__startswith="V-").exists()


def test_the_bad_map_exits_non_zero_from_the_command_line(personas, worker_grid, tmp_path, capsys):
    from django.core.management import ManagementUtility

    path = write(tmp_path, odd_ledger(worker_grid))
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "import", path, "--user", "admin", "--no-progress",
                           "--map", "排查事项=titel"]).execute()
    assert exited.value.code != 0
    assert "titel" in capsys.readouterr().err


def test_the_petition_command_takes_map(personas, hangbu, tmp_path):
    header = ["来文编号", "收文日期", "信访形式", "信访类型", "问题分类", "镇街", "信访人", "身份证号码",
              "联系电话", "反映事项"]
    row = {"来文编号": "M-1", "收文日期": "2026年11月2日", "信访形式": "来信", "信访类型": "申诉求决",
           "问题分类": "劳动社保", "镇街": "航埠镇", "信访人": "张三", "身份证号码": ID_NUMBER,
           "联系电话": PHONE, "反映事项": "工地欠薪三个月，要求支付"}
    path = write(tmp_path, ledger_workbook([row], header=header))
    with pytest.raises(CommandError, match="来文编号、收文日期"):
        call_command("petitions", "import", path, user="admin", no_progress=True)
    call_command("petitions", "import", path, user="admin", no_progress=True, stdout=io.StringIO(),
                 mapping=["来文编号=external_ref", "收文日期=received_at", "反映事项=matter"])
    assert Petition.objects.get(external_ref="M-1").title == "工地欠薪三个月"


def test_the_fraud_command_takes_map(personas, tmp_path):
    header = ["警情号", "报案日期", "属地", "案件类别", "被骗金额", "受害人姓名", "身份证号", "联系电话"]
    row = {"警情号": "J-1", "报案日期": "2026-11-15", "属地": "航埠镇", "案件类别": "刷单返利",
           "被骗金额": 5000, "受害人姓名": "王建华", "身份证号": ID_NUMBER, "联系电话": PHONE}
    path = write(tmp_path, ledger_workbook([row], header=header))
    with pytest.raises(CommandError, match="警情号"):
        call_command("fraud", "import", path, user="admin", no_progress=True)
    call_command("fraud", "import", path, user="admin", no_progress=True, stdout=io.StringIO(),
                 mapping=["警情号=外部编号", "案件类别=scam_type"])
    assert FraudCase.objects.filter(external_ref="J-1").exists()


def test_a_csv_from_excel_on_chinese_windows_is_mapped_alike(worker_grid):
    text = f"缪村村隐患排查表\r\n编码,村网格,排查事项,分类\r\nC-1,{worker_grid.name},楼道堆物,消防\r\n"
    data = text.encode("gb18030")
    with pytest.raises(LedgerColumnsUnknown) as refused:
        read_sheet(io.BytesIO(data), "台账.csv", HAZARD_LAYOUT)
    assert refused.value.found == ["编码", "村网格", "排查事项", "分类"]
    sheet = read_sheet(io.BytesIO(data), "台账.csv", HAZARD_LAYOUT,
                       {"编码": "external_ref", "村网格": "unit_name", "排查事项": "title"})
    assert [cells[:2] for _n, cells in sheet.rows] == [["C-1", worker_grid.name]]


def test_a_workbook_whose_first_sheet_is_the_instructions_reads_the_ledger_sheet():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["填表说明：日期请按 2026-04-25 填写"])
    workbook.create_sheet("台账").append(["序号", "隐患名称", "隐患类别", "所属乡镇（街道）"])
    out = io.BytesIO()
    workbook.save(out)
    sheet = read_sheet(io.BytesIO(out.getvalue()), "台账.xlsx", HAZARD_LAYOUT)
    assert sheet.headers == {"external_ref": "序号", "title": "隐患名称", "category": "隐患类别",
                             "unit_name": "所属乡镇（街道）"}
