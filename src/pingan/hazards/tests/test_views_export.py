"""The export button writes the visible, filtered list as an .xlsx attachment."""

import io
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def sheet_rows(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@time_machine.travel("2026-04-25 10:00 +0800", tick=False)
def test_export_is_the_filtered_list_as_an_attachment(client, personas, make_hazard):
    gas = make_hazard(title="燃气管道老化", category="gas")
    make_hazard(title="楼道电动车充电", category="ebike_charging")
    client.force_login(personas.town_handler)
    response = client.get(reverse("hazards:export"), {"category": "gas"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = quote("隐患台账-20260425.xlsx")
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{filename}"
    header, *rows = sheet_rows(response)
    assert "编号" in header and "标题" in header
    assert [row[header.index("编号")] for row in rows] == [gas.ref]
    assert rows[0][header.index("标题")] == "燃气管道老化"


def test_the_list_links_export_with_the_same_filters(client, personas, make_hazard):
    make_hazard()
    client.force_login(personas.town_handler)
    body = client.get(reverse("hazards:list"), {"category": "gas", "open_only": "true"}).content.decode()
    assert f'href="{reverse("hazards:export")}?category=gas&amp;open_only=true"' in body


def test_export_with_a_bad_filter_exports_nothing(client, personas, make_hazard):
    hazard = make_hazard()
    client.force_login(personas.town_handler)
    response = client.get(reverse("hazards:export"), {"grade": "catastrophic"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "筛选条件“隐患等级”不接受“catastrophic”" in body and hazard.ref not in body
