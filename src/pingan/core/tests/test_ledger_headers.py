"""Headers as the district's offices write them: one normal form (``header_key``) and one set of
shared synonyms, so that the hazard, petition and fraud ledgers read the same templates alike."""

import io

import pytest
from openpyxl import Workbook

from pingan.core import ledger
from pingan.core.ledger import Column, Layout, header_key, is_footer, read_sheet
from pingan.fraud.ledger import LAYOUT as FRAUD_LAYOUT
from pingan.hazards.ledger import LAYOUT as HAZARD_LAYOUT
from pingan.petitions.ledger import LAYOUT as PETITION_LAYOUT


def workbook_bytes(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("written", "key"), [
    ("所属乡镇（街道）", "所属乡镇"),
    ("所属乡镇(街道)", "所属乡镇"),
    ("乡镇（街道）", "乡镇"),
    ("所属镇（街道）", "所属镇"),
    ("　镇 街　", "镇街"),
    ("* 隐患名称：", "隐患名称"),
    ("隐患名称【必填】", "隐患名称"),
    ("※整改期限〔年月日〕:", "整改期限"),
    ("损失金额［万元］", "损失金额"),
    ("ＴＩＴＬＥ", "title"),
    (None, ""),
])
def test_a_header_is_compared_without_brackets_spaces_width_marks_or_colon(written, key):
    assert header_key(written) == key


@pytest.mark.parametrize("layout", [HAZARD_LAYOUT, PETITION_LAYOUT, FRAUD_LAYOUT])
@pytest.mark.parametrize("written", ["所属乡镇（街道）", "乡镇（街道）", "镇街", "属地", "所属镇（街道）",
                                     "所属村（社区）", "单位名称"])
def test_every_ledger_reads_the_unit_as_the_templates_name_it(layout, written):
    assert layout.fields[header_key(written)][0] == "unit_name"


@pytest.mark.parametrize("layout", [HAZARD_LAYOUT, PETITION_LAYOUT, FRAUD_LAYOUT])
def test_the_shared_synonyms_are_in_every_ledger(layout):
    for field, names in (("ref", ledger.REF_HEADERS), ("external_ref", ledger.EXTERNAL_REF_HEADERS),
                         ("unit_name", ledger.UNIT_NAME_HEADERS), ("unit_code", ledger.UNIT_CODE_HEADERS)):
        assert {layout.fields[header_key(name)][0] for name in names} == {field}


def test_a_village_column_beside_a_town_column_names_the_unit():
    data = workbook_bytes([["航埠镇隐患排查台账"],
                           ["序号", "所属乡镇（街道）", "所属村（社区）", "隐患名称", "隐患类别"],
                           [1, "航埠镇", "缪村村", "楼道堆物", "消防"]])
    sheet = read_sheet(io.BytesIO(data), "台账.xlsx", HAZARD_LAYOUT)
    assert sheet.headers["unit_name"] == "所属村（社区）"


def test_two_fields_may_not_share_a_header():
    with pytest.raises(ValueError, match="属地"):
        Layout([Column("unit_name", "属地单位", ("属地",), value=str),
                Column("handling_unit", "办理单位", ("属地",), value=str)],
               anchors=("unit_name",), required=(), example=())


@pytest.mark.parametrize(("cells", "footer"), [
    (["合计", None, "3条"], True),
    ([None, "  总计：", 12], True),
    (["填表人：王建华", None, "审核人：李秀英"], True),
    ([1, "合计不清的燃气表"], False),
    ([None, None], False),
])
def test_totals_and_signature_rows_are_not_entries(cells, footer):
    assert is_footer(cells) is footer
