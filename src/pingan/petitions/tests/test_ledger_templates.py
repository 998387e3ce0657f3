"""Petition ledgers as petition offices keep them: template headers (所属乡镇（街道）, 信访件号…)
and a ledger that records only the matter, which then gives each petition its title."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pingan.petitions.ledger import import_petitions
from pingan.petitions.models import Petition
from pingan.petitions.tests.conftest import ID_NUMBER, PHONE
from pingan.testing import ledger_workbook

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
HEADER = ["信访件号", "来信来访日期", "信访形式", "信访类型", "问题分类", "所属乡镇（街道）", "信访人",
          "身份证号码", "联系电话", "信访内容："]


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_a_ledger_with_only_the_matter_takes_its_first_clause_as_the_title(personas, hangbu):
    matter = "村民反映2025年征地补偿款少发，要求补足；已多次反映"
    row = {"信访件号": "XF-1", "来信来访日期": "2026年9月20日", "信访形式": "来访", "信访类型": "申诉求决",
           "问题分类": "征地拆迁", "所属乡镇（街道）": "航埠镇", "信访人": "张三", "身份证号码": ID_NUMBER,
           "联系电话": PHONE, "信访内容：": matter}
    data = ledger_workbook([row], header=HEADER, title="柯城区信访事项登记台账")
    result = import_petitions(io.BytesIO(data), actor=personas.admin, filename="信访台账.xlsx")
    assert result.ok, result.errors
    petition = Petition.objects.get(external_ref="XF-1")
    assert (petition.title, petition.description, petition.unit) == (
        "村民反映2025年征地补偿款少发", matter, hangbu)
