"""A police ledger uploaded from a phone: the page waits for the worker, asking again on its own
(htmx), and shows the result without a reload — here every bad cell, then, once the file is
corrected and uploaded again, the cases created."""

import pytest
from django.urls import reverse

from pingan.conftest import answered, no_sideways_scroll
from pingan.conftest import phone_login as phone
from pingan.core.models import LedgerUpload, UploadState
from pingan.core.tasks import import_ledger_upload
from pingan.fraud.models import FraudCase
from pingan.fraud.tests.test_ledger import ledger_row, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload_and_run_the_worker(page, live_server, tmp_path, rows) -> LedgerUpload:
    path = tmp_path / "案件台账.xlsx"
    path.write_bytes(xlsx(rows))
    page.goto(live_server.url + reverse("ledger-upload-new", args=["fraud"]))
    page.set_input_files("input[type=file]", str(path))
    with answered(page):
        page.click("main button[type=submit]")
    assert page.locator("#upload-state[data-state=queued]").count() == 1
    upload = LedgerUpload.objects.latest("id")
    import_ledger_upload.call(upload.pk)  # what the worker does with the queued task
    upload.refresh_from_db()
    return upload


def test_a_ledger_uploaded_from_a_phone_is_followed_to_its_result(browser, live_server, personas,
                                                                  tmp_path):
    page, errors = phone(browser, live_server, "admin")
    rejected = upload_and_run_the_worker(page, live_server, tmp_path,
                                         [ledger_row("M-1"), ledger_row("M-2", 涉案号码="138000")])
    assert rejected.state == UploadState.REJECTED
    # No reload: the page's own polling brings the result in.
    page.locator("#upload-state[data-state=rejected]").wait_for()
    assert "138000" in page.locator("[data-row-errors]").inner_text()
    assert no_sideways_scroll(page)
    assert not FraudCase.objects.exists()

    done = upload_and_run_the_worker(page, live_server, tmp_path, [ledger_row("M-1"), ledger_row("M-2")])
    assert done.state == UploadState.DONE
    page.locator("#upload-state[data-state=done]").wait_for()
    assert done.summary in page.locator("#upload-state").inner_text()
    assert set(FraudCase.objects.values_list("external_ref", flat=True)) == {"M-1", "M-2"}
    assert errors == []
