"""The column-matching step in a browser: a town's own hazard sheet uploaded from a phone waits
for its columns to be matched (the page's polling brings the form in), is imported once they
are, and the next file of the same template is imported without asking."""

import pytest
from django.urls import reverse

from pingan.conftest import BROWSER_TIMEOUT_MS, answered, browser_login, no_sideways_scroll
from pingan.conftest import phone_login as phone
from pingan.core.models import LedgerUpload, UploadState
from pingan.core.tasks import import_ledger_upload
from pingan.core.tests.test_ledger_column_mapping_web import MAPPED, odd_ledger
from pingan.hazards.models import Hazard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload_and_run_the_worker(page, live_server, path) -> LedgerUpload:
    page.goto(live_server.url + reverse("ledger-upload-new", args=["hazards"]))
    page.set_input_files("input[type=file]", str(path))
    with answered(page):
        page.click("main button[type=submit]")
    upload = LedgerUpload.objects.latest("id")
    import_ledger_upload.call(upload.pk)  # what the worker does with the queued task
    upload.refresh_from_db()
    return upload


def test_a_town_sheet_is_matched_on_a_phone_then_remembered(browser, live_server, personas, worker_grid,
                                                             tmp_path):
    page, errors = phone(browser, live_server, "hangbu")
    path = tmp_path / "缪村村隐患排查表.xlsx"
    path.write_bytes(odd_ledger(worker_grid, ["B-1", "B-2"]))
    waiting = upload_and_run_the_worker(page, live_server, path)
    assert waiting.state == UploadState.UNMAPPED
    # No reload: the page's own polling brings the form in.
    page.locator("#upload-state[data-state=unmapped] [data-column-mapping]").wait_for()
    assert "按此对应读取文件" in page.content()
    assert no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "mapping-phone.png"), full_page=True)

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    browser_login(desk, live_server, "hangbu")
    desk.goto(live_server.url + reverse("ledger-upload", args=[waiting.pk]))
    desk.set_default_timeout(BROWSER_TIMEOUT_MS)
    desk.screenshot(path=str(tmp_path / "mapping-desktop.png"), full_page=True)

    for field, header in MAPPED.items():
        page.select_option(f"select[name={field}]", header)
    with answered(page):
        page.click("[data-column-mapping] button[type=submit]")
    import_ledger_upload.call(waiting.pk)
    page.locator("#upload-state[data-state=done]").wait_for()
    assert Hazard.objects.filter(external_ref__in=["B-1", "B-2"]).count() == 2

    path.write_bytes(odd_ledger(worker_grid, ["B-3"]))
    again = upload_and_run_the_worker(page, live_server, path)
    assert again.state == UploadState.DONE
    page.locator("#upload-state[data-state=done]").wait_for()
    assert Hazard.objects.filter(external_ref="B-3").exists()
    assert errors == []
