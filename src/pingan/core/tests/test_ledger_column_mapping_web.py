"""The web's column-matching step: an upload whose headers are not understood waits for its
uploader to say which column holds each field, then imports (all or nothing, as its uploader);
the matching is remembered for the uploader's unit and that template only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pingan.core.ledger_uploads import MSG_COLUMNS_NEEDED, close_stale_uploads
from pingan.core.models import LedgerColumnMapping, LedgerUpload, Role, RoleName, UploadState
from pingan.core.tasks import import_ledger_upload
from pingan.hazards.models import Hazard
from pingan.testing import ledger_workbook

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ODD_HEADER = ["编码", "村网格", "排查事项", "分类", "检查日期"]
MAPPED = {"external_ref": "编码", "unit_name": "村网格", "title": "排查事项", "category": "分类",
          "opened_at": "检查日期"}


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def odd_ledger(grid, keys, *, header=ODD_HEADER):
    rows = [{"编码": key, "村网格": grid.name, "排查事项": f"{key} 楼道堆物", "分类": "消防",
             "检查日期": "2026年11月2日", "备注": ""} for key in keys]
    return ledger_workbook(rows, header=header, title="缪村村隐患排查表")


def upload(client, data: bytes) -> LedgerUpload:
    client.post(reverse("ledger-upload-new", args=["hazards"]),
                {"file": SimpleUploadedFile("排查表.xlsx", data)})
    queued = LedgerUpload.objects.latest("pk")
    import_ledger_upload.call(queued.pk)
    queued.refresh_from_db()
    return queued


def match(client, upload_row: LedgerUpload, choices: dict[str, str]):
    response = client.post(reverse("ledger-upload-columns", args=[upload_row.pk]), choices)
    upload_row.refresh_from_db()
    return response


def colleague(username, unit):
    user = get_user_model().objects.create_user(username=username, first_name=username)
    Role.objects.create(user=user, unit=unit, role=RoleName.HANDLER)
    return user


def test_unknown_headers_wait_for_the_uploader_then_import(client, personas, worker_grid):
    client.force_login(personas.town_handler)
    waiting = upload(client, odd_ledger(worker_grid, ["W-1", "W-2"]))
    assert waiting.state == UploadState.UNMAPPED and waiting.file and Path(waiting.file.path).exists()
    assert waiting.columns["found"] == ODD_HEADER
    assert not Hazard.objects.filter(external_ref__startswith="W-").exists()
    page = client.get(reverse("ledger-upload", args=[waiting.pk])).content.decode()
    assert "data-column-mapping" in page and "every 2s" not in page  # nothing to wait for
    assert '<option value="分类" selected>' in page  # what was recognised is chosen already

    assert match(client, waiting, MAPPED).status_code == 302
    assert (waiting.state, waiting.mapping) == (UploadState.QUEUED, {v: k for k, v in MAPPED.items()})
    import_ledger_upload.call(waiting.pk)
    waiting.refresh_from_db()
    assert (waiting.state, waiting.created) == (UploadState.DONE, 2) and not waiting.file
    assert Hazard.objects.filter(external_ref__startswith="W-", reporter=personas.town_handler).count() == 2
    remembered = LedgerColumnMapping.objects.get()
    assert (remembered.unit.name, remembered.kind, remembered.headers) == ("航埠镇", "hazards", ODD_HEADER)


def test_the_second_upload_of_the_template_in_the_unit_just_works(client, personas, worker_grid, hangbu):
    client.force_login(personas.town_handler)
    match(client, upload(client, odd_ledger(worker_grid, ["A-1"])), MAPPED)
    client.force_login(colleague("hangbu2", hangbu))
    again = upload(client, odd_ledger(worker_grid, ["A-2", "A-3"]))
    assert (again.state, again.created) == (UploadState.DONE, 2)
    assert again.mapping == {v: k for k, v in MAPPED.items()}


def test_a_matching_remembered_for_one_unit_is_not_used_for_another(client, personas, worker_grid, grid_in):
    client.force_login(personas.town_handler)
    match(client, upload(client, odd_ledger(worker_grid, ["H-1"])), MAPPED)
    client.force_login(personas.outsider)  # 石梁镇
    other = upload(client, odd_ledger(grid_in("石梁镇"), ["S-1"]))
    assert other.state == UploadState.UNMAPPED and not other.mapping
    assert not Hazard.objects.filter(external_ref="S-1").exists()


def test_another_header_row_is_another_template(client, personas, worker_grid):
    client.force_login(personas.town_handler)
    match(client, upload(client, odd_ledger(worker_grid, ["T-1"])), MAPPED)
    other = upload(client, odd_ledger(worker_grid, ["T-2"], header=[*ODD_HEADER, "备注"]))
    assert other.state == UploadState.UNMAPPED


def test_a_field_needed_without_a_column_or_a_column_used_twice_changes_nothing(client, personas,
                                                                                worker_grid):
    client.force_login(personas.town_handler)
    waiting = upload(client, odd_ledger(worker_grid, ["N-1"]))
    response = match(client, waiting, {**MAPPED, "title": "", "unit_name": ""})
    assert response.status_code == 400
    assert MSG_COLUMNS_NEEDED.format(columns="标题/描述、属地单位/单位代码") in response.content.decode()
    response = match(client, waiting, {**MAPPED, "location": "编码"})
    assert response.status_code == 400 and "编码" in response.content.decode()
    response = match(client, waiting, {**MAPPED, "title": "没有这一列"})
    assert response.status_code == 400
    assert (waiting.state, waiting.mapping) == (UploadState.UNMAPPED, {})
    assert not LedgerColumnMapping.objects.exists()


def test_a_mapped_file_with_a_bad_row_imports_nothing(client, personas, worker_grid):
    client.force_login(personas.town_handler)
    rows = [{"编码": "R-1", "村网格": worker_grid.name, "排查事项": "楼道堆物", "分类": "消防"},
            {"编码": "R-2", "村网格": worker_grid.name, "排查事项": "楼道堆物", "分类": "天灾"}]
    waiting = upload(client, ledger_workbook(rows, header=ODD_HEADER))
    match(client, waiting, MAPPED)
    import_ledger_upload.call(waiting.pk)
    waiting.refresh_from_db()
    assert waiting.state == UploadState.REJECTED and [e["column"] for e in waiting.row_errors] == ["分类"]
    assert not Hazard.objects.filter(external_ref__startswith="R-").exists()


def test_only_the_uploader_matches_the_columns(client, personas, worker_grid):
    client.force_login(personas.town_handler)
    waiting = upload(client, odd_ledger(worker_grid, ["O-1"]))
    client.force_login(personas.admin)
    assert match(client, waiting, MAPPED).status_code == 404
    assert client.get(reverse("ledger-upload", args=[waiting.pk])).status_code == 404
    assert waiting.state == UploadState.UNMAPPED


def test_an_upload_left_unmatched_is_closed_and_its_file_deleted(client, personas, worker_grid):
    client.force_login(personas.town_handler)
    waiting = upload(client, odd_ledger(worker_grid, ["L-1"]))
    stored = Path(waiting.file.path)
    assert close_stale_uploads(now=NOW + dt.timedelta(hours=1)) == 0
    assert close_stale_uploads(now=NOW + dt.timedelta(hours=7)) == 1
    waiting.refresh_from_db()
    assert waiting.state == UploadState.FAILED and not stored.exists()


def test_a_wrong_matching_is_forgotten_by_its_units_uploader_and_asked_again(client, personas, worker_grid):
    client.force_login(personas.town_handler)
    wrong = {**MAPPED, "opened_at": "", "location": "检查日期"}  # the date read as the place
    assert match(client, upload(client, odd_ledger(worker_grid, ["F-1"])), wrong).status_code == 302
    again = upload(client, odd_ledger(worker_grid, ["F-2"]))
    page = client.get(reverse("ledger-upload", args=[again.pk])).content.decode()
    assert again.state == UploadState.DONE
    assert "data-mapping-used" in page and "检查日期 → 地点" in page
    client.force_login(personas.admin)  # not theirs to forget
    assert client.post(reverse("ledger-upload-columns-forget", args=[again.pk])).status_code == 404
    assert LedgerColumnMapping.objects.exists()
    client.force_login(personas.town_handler)
    assert client.post(reverse("ledger-upload-columns-forget", args=[again.pk])).status_code == 302
    assert not LedgerColumnMapping.objects.exists()
    assert upload(client, odd_ledger(worker_grid, ["F-3"])).state == UploadState.UNMAPPED
