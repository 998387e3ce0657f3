"""A fraud case ledger uploaded on the web (``core.ledger_uploads``): stored and queued, imported
by the worker as its uploader — all or nothing, the bad cells listed and downloadable — its
file deleted once read; refused before anything is stored when it is no ledger; followed only
by whoever uploaded it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from pingan.core.ledger_uploads import MSG_NOT_A_LEDGER, MSG_TOO_LARGE
from pingan.core.models import LedgerUpload, UploadState
from pingan.core.tasks import import_ledger_upload
from pingan.fraud.models import FraudCase
from pingan.fraud.tests.test_ledger import NOW, ledger_row, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def upload(client, data: bytes, *, name="案件台账.xlsx", **fields):
    return client.post(reverse("ledger-upload-new", args=["fraud"]),
                       {"file": SimpleUploadedFile(name, data), **fields})


def run_worker(upload_row: LedgerUpload) -> LedgerUpload:
    import_ledger_upload.call(upload_row.pk)
    upload_row.refresh_from_db()
    return upload_row


def test_a_good_ledger_is_queued_then_imported_by_the_worker(client, personas,
                                                             django_capture_on_commit_callbacks):
    client.force_login(personas.admin)
    assert client.get(reverse("ledger-upload-new", args=["fraud"])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, xlsx([ledger_row("U-1"), ledger_row("U-2", 涉案号码="13800000001")]))
    queued = LedgerUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ledger-upload", args=[queued.pk])
    assert (queued.state, queued.kind, queued.filename, queued.uploaded_by) == (
        UploadState.QUEUED, "fraud", "案件台账.xlsx", personas.admin)
    assert DBTaskResult.objects.get().task_path == "pingan.core.tasks.import_ledger_upload"
    stored = queued.file.path
    # While it waits, the page asks again every few seconds.
    waiting = client.get(reverse("ledger-upload", args=[queued.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in waiting.content.decode()
    assert not FraudCase.objects.exists()

    done = run_worker(queued)
    assert done.state == UploadState.DONE and (done.created, done.unchanged, done.total) == (2, 0, 2)
    assert set(FraudCase.objects.values_list("external_ref", flat=True)) == {"U-1", "U-2"}
    assert FraudCase.objects.get(external_ref="U-1").reporter == personas.admin
    assert FraudCase.objects.get(external_ref="U-1").ring == FraudCase.objects.get(external_ref="U-2").ring
    # The file held the victims in full: it is gone once read.
    assert not done.file and not Path(stored).exists()
    page = client.get(reverse("ledger-upload", args=[done.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert done.summary in page and "every 2s" not in page and reverse("fraud:cases") in page


def test_a_bad_ledger_lists_every_bad_cell_and_writes_nothing(client, personas):
    client.force_login(personas.admin)
    upload(client, xlsx([ledger_row("B-1"), ledger_row("B-2", 涉案号码="138000"),
                         ledger_row("B-3", 案件类型="虚假征信")]))
    rejected = run_worker(LedgerUpload.objects.get())
    assert rejected.state == UploadState.REJECTED and rejected.created == 0
    assert not FraudCase.objects.exists() and not rejected.file
    assert sorted(error["row"] for error in rejected.row_errors) == [4, 5]
    page = client.get(reverse("ledger-upload", args=[rejected.pk]))
    assert [error.row for error in page.context["row_errors"]] == [4, 5]
    assert "138000" in page.content.decode()
    report = client.get(reverse("ledger-upload-errors", args=[rejected.pk]))
    assert report["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["4", "5"]


def test_only_checking_writes_nothing(client, personas):
    client.force_login(personas.admin)
    upload(client, xlsx([ledger_row("C-1")]), dry_run="on")
    checked = run_worker(LedgerUpload.objects.get())
    assert checked.state == UploadState.DONE and checked.dry_run and checked.created == 1
    assert not FraudCase.objects.exists()


def test_rows_outside_the_uploaders_area_are_refused(client, personas):
    client.force_login(personas.town_handler)  # 航埠镇
    upload(client, xlsx([ledger_row("O-1"), ledger_row("O-2", 所属乡镇="石梁镇")]))
    refused = run_worker(LedgerUpload.objects.get())
    assert refused.state == UploadState.REJECTED and [e["row"] for e in refused.row_errors] == [4]
    assert not FraudCase.objects.exists()


def test_what_is_no_ledger_is_refused_before_anything_is_stored(client, personas, settings):
    client.force_login(personas.admin)
    png = upload(client, b"\x89PNG\r\n\x1a\n....", name="照片.xlsx")
    assert png.status_code == 400
    assert str(MSG_NOT_A_LEDGER.format(name="照片.xlsx")) in png.content.decode()
    zipped_csv = upload(client, xlsx([ledger_row("Z-1")]), name="台账.csv")
    assert zipped_csv.status_code == 400
    assert upload(client, b"", name="台账.csv").status_code == 400
    assert client.post(reverse("ledger-upload-new", args=["fraud"]), {}).status_code == 400
    settings.PINGAN_LEDGER_UPLOAD_MAX_BYTES = 2**20
    large = upload(client, b"a" * (2**20 + 1), name="台账.csv")
    assert large.status_code == 400 and str(MSG_TOO_LARGE.format(size=1.0, limit=1)) in large.content.decode()
    assert not LedgerUpload.objects.exists() and not DBTaskResult.objects.exists()


def test_an_upload_is_followed_by_its_uploader_only(client, personas):
    client.force_login(personas.admin)
    upload(client, xlsx([ledger_row("P-1")]))
    mine = LedgerUpload.objects.get()

    def listed() -> list[int]:
        return [u.pk for u in client.get(reverse("ledger-upload-new", args=["fraud"])).context["uploads"]]

    assert listed() == [mine.pk]
    client.force_login(personas.town_handler)
    assert client.get(reverse("ledger-upload", args=[mine.pk])).status_code == 404
    assert client.get(reverse("ledger-upload-errors", args=[mine.pk])).status_code == 404
    assert listed() == []
    assert client.get(reverse("ledger-upload-new", args=["weather"])).status_code == 404


def test_the_admin_site_lists_uploads_to_read_only(client, personas, django_user_model):
    client.force_login(personas.admin)
    upload(client, xlsx([ledger_row("A-1")]))
    stored = LedgerUpload.objects.get()
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))  # noqa: S106
    listing = client.get(reverse("admin:core_ledgerupload_changelist"))
    assert listing.status_code == 200 and "案件台账.xlsx" in listing.content.decode()
    assert client.get(reverse("admin:core_ledgerupload_add")).status_code == 403
    page = client.get(reverse("admin:core_ledgerupload_change", args=[stored.pk]))
    assert page.status_code == 200 and 'name="state"' not in page.content.decode()


def test_a_file_is_not_left_behind_when_its_record_cannot_be_written(client, personas, monkeypatch, settings):
    from django.db import DatabaseError

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(LedgerUpload, "save", fail)
    client.force_login(personas.admin)
    with pytest.raises(DatabaseError):
        upload(client, xlsx([ledger_row("F-1")]))
    assert not [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def test_an_upload_whose_worker_stopped_is_closed_and_its_file_deleted(client, personas, settings):
    from pingan.core.ledger_uploads import MSG_STALE, close_stale_uploads

    settings.PINGAN_LEDGER_UPLOAD_STALE_HOURS = 6
    client.force_login(personas.admin)
    for key in ("S-1", "S-2", "S-3"):
        upload(client, xlsx([ledger_row(key)]))
    queued_long_ago, running_long_ago, recent = LedgerUpload.objects.order_by("id")
    LedgerUpload.objects.filter(pk=queued_long_ago.pk).update(uploaded_at=NOW - dt.timedelta(hours=7))
    LedgerUpload.objects.filter(pk=running_long_ago.pk).update(
        uploaded_at=NOW - dt.timedelta(hours=8), started_at=NOW - dt.timedelta(hours=7),
        state=UploadState.RUNNING)
    files = [Path(u.file.path) for u in (queued_long_ago, running_long_ago, recent)]
    assert close_stale_uploads() == 2
    for stale in (queued_long_ago, running_long_ago):
        stale.refresh_from_db()
        assert (stale.state, stale.summary, bool(stale.file)) == (UploadState.FAILED, str(MSG_STALE), False)
    recent.refresh_from_db()
    assert recent.state == UploadState.QUEUED and recent.file
    assert [path.exists() for path in files] == [False, False, True]
    assert close_stale_uploads() == 0  # a finished upload is left alone


@pytest.mark.django_db(transaction=True)
def test_the_worker_imports_queued_uploads_and_runs_the_stale_upload_sweep(client, personas):
    from django.core.management import call_command

    client.force_login(personas.admin)
    upload(client, xlsx([ledger_row("Q-1")]))
    call_command("worker", "--once")
    done = LedgerUpload.objects.get()
    assert done.state == UploadState.DONE and FraudCase.objects.filter(external_ref="Q-1").exists()
    # The worker runs a task outside any transaction, so the page could follow its stages: the
    # last one it entered, with its rows, is still recorded.
    assert (done.stage, done.total) == ("写入", 1)
    assert done.uploaded_at <= done.started_at <= done.finished_at
    swept = DBTaskResult.objects.get(task_path="pingan.core.tasks.sweep_stale_uploads")
    assert swept.status == "SUCCESSFUL"


@pytest.fixture
def language_restored(settings):
    """A request in English leaves English active in this thread (LocaleMiddleware): restore
    the default for the tests that follow."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_result_is_written_in_the_uploaders_language(client, personas, settings, language_restored):
    from pingan.core.ledger import MSG_REJECTED

    client.force_login(personas.admin)
    bad = xlsx([ledger_row("L-1", 涉案号码="138000")])
    upload(client, bad)  # zh-Hans, the default
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    upload(client, bad)
    chinese, english = (run_worker(u) for u in LedgerUpload.objects.order_by("id"))
    assert (chinese.language, english.language) == ("zh-hans", "en")
    with translation.override("en"):
        assert english.summary == MSG_REJECTED.format(count=1)
    assert "138000" in english.row_errors[0]["message"]
    assert chinese.summary == "1 行有错误，未导入任何数据。"
    assert english.row_errors[0]["message"] != chinese.row_errors[0]["message"]
