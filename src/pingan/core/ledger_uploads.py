"""Ledger files uploaded on the web and imported by the worker.

A kind whose ledger import follows ``core.ledger`` (``import_x(file, actor=, filename=,
dry_run=, progress=, mapping=)`` returning a ``LedgerImport``, its bad rows listed in it,
unknown headers raised as ``LedgerColumnsUnknown``) is named in
``settings.PINGAN_LEDGER_IMPORTS``, so that the core offers
its upload page without importing the kind. The upload is stored, the
worker imports it as its uploader — every row through the kind's services, all or nothing,
exactly as ``pingan <kind> import`` does — and the page shows how far it got and then the
result: what was created, or every bad cell. A file whose header row names columns the import
does not know waits, its file kept, for its uploader to say which column holds each field
(``ledger_upload_map``); that matching is remembered for the uploader's unit, so the next file
of the same template (the same header row) from anyone of that unit is read with it. A SQLite
database holds its write lock for the whole import, so a large file on SQLite makes other
writers wait: PostgreSQL has no such wait.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.ledger import (
    MSG_MAP_COLUMN_TWICE,
    MSG_MAP_UNKNOWN_COLUMN,
    MSG_MAP_UNKNOWN_FIELD,
    LedgerColumnsUnknown,
    RowError,
)
from pingan.core.models import LedgerColumnMapping, LedgerUpload, Unit, UploadState
from pingan.core.scoping import scope_for
from pingan.core.users import User

MSG_MAY_NOT_UPLOAD = _("You may not import a {ledger}.")
MSG_NO_FILE = _("Choose the ledger file (.xlsx or .csv).")
MSG_NOT_A_LEDGER = _("“{name}” is not an .xlsx workbook or a .csv file.")
MSG_EMPTY = _("The file is empty.")
MSG_TOO_LARGE = _("The file is {size} MB; at most {limit} MB is accepted. Split it, or use the command.")
MSG_FAILED = _("The import stopped with an unexpected error; nothing was imported.")
MSG_NOT_UNMAPPED = _("This upload is not waiting for its columns to be matched.")
MSG_COLUMNS_NEEDED = _("Choose the column that holds: {columns}.")
MSG_STALE = _("The import did not finish (the worker stopped); nothing was imported. Upload the file again.")
XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx workbook is a zip archive


@dataclass(frozen=True)
class LedgerKind:
    """A kind's ledger import, as the upload page offers it (``settings.PINGAN_LEDGER_IMPORTS``)."""

    key: str
    label: Any  # the ledger's name, as the page heads it
    run: str  # dotted path of the import function (imported when a file is imported)
    list_url_name: str  # the list where the imported rows are seen
    command: str  # the command line that does the same, for files too large to upload
    # Further arguments of the import function: one function may serve several ledgers (the
    # league's workbook, for the towns' table or the city's).
    options: dict[str, Any] = field(default_factory=dict)
    # Dotted path of a test of who may upload the ledger at all (user -> bool), where the
    # import itself would refuse everyone else: the page says so before a file is sent.
    may: str = ""

    def allows(self, user: User) -> bool:
        return not self.may or bool(import_string(self.may)(user))


def ledger_kind(key: str) -> LedgerKind | None:
    entry = settings.PINGAN_LEDGER_IMPORTS.get(key)
    if entry is None:
        return None
    options = cast("dict[str, Any]", entry.get("options") or {})
    return LedgerKind(key=key, label=entry["label"], run=str(entry["run"]), list_url_name=str(entry["list"]),
                      command=str(entry["command"]), options=dict(options), may=str(entry.get("may", "")))


def ledger_upload_create(*, actor: User, kind: LedgerKind, file: UploadedFile | None, dry_run: bool,
                         language: str | None = None) -> LedgerUpload:
    """Store the uploaded ledger and queue its import, whose result is written in ``language``
    (the uploader's; the active one by default). A file that is missing, empty, too large or
    neither a workbook nor a CSV is refused before anything is stored."""
    from pingan.core.tasks import import_ledger_upload

    if not kind.allows(actor):
        raise errors.PermissionDenied(MSG_MAY_NOT_UPLOAD.format(ledger=kind.label))
    if file is None:
        raise errors.DomainError(MSG_NO_FILE, field="file")
    limit = settings.PINGAN_LEDGER_UPLOAD_MAX_BYTES
    size = file.size or 0
    if size == 0:
        raise errors.DomainError(MSG_EMPTY, field="file")
    if size > limit:
        raise errors.DomainError(MSG_TOO_LARGE.format(size=round(size / 2**20, 1), limit=limit // 2**20),
                                 field="file")
    name = Path(file.name or "").name
    head = file.read(len(XLSX_MAGIC))
    file.seek(0)
    suffix = Path(name).suffix.lower()
    if not ((suffix == ".xlsx" and head == XLSX_MAGIC) or (suffix == ".csv" and head != XLSX_MAGIC)):
        raise errors.DomainError(MSG_NOT_A_LEDGER.format(name=name), field="file")
    upload = LedgerUpload(kind=kind.key, filename=name[:200], size=size, dry_run=dry_run,
                          language=language or translation.get_language() or settings.LANGUAGE_CODE,
                          uploaded_by=actor, uploaded_at=timezone.now())
    upload.file.save("ledger", file, save=False)
    try:
        with transaction.atomic():
            upload.save()
            transaction.on_commit(lambda: import_ledger_upload.enqueue(upload.pk))
    except Exception:
        upload.file.delete(save=False)  # personal data in full: not left behind unrecorded
        raise
    return upload


class _Stages:
    """The import's ``progress``: records each phase it enters (reading, checking, writing)
    and its row count on the upload. Inside the import's transaction nothing is recorded:
    the page could not see it before the end anyway."""

    def __init__(self, upload: LedgerUpload):
        self.upload = upload

    @contextmanager
    def __call__(self, *, total: int | None = None, desc: str = "", **_kwargs: Any) -> Iterator[Any]:
        if not connection.in_atomic_block:
            LedgerUpload.objects.filter(pk=self.upload.pk).update(stage=str(desc)[:60], total=total)
        yield self

    def update(self, n: int = 1) -> None:
        """Rows go by uncounted: the stage and its total are what the page shows."""


def ledger_upload_run(upload: LedgerUpload) -> LedgerUpload:
    """Import the stored file as its uploader, record the result in their language and delete
    the file. The kind's import writes every row or none; a file it cannot read is recorded
    as failed."""
    with translation.override(upload.language):
        return _run(upload)


def _run(upload: LedgerUpload) -> LedgerUpload:
    kind = ledger_kind(upload.kind)
    if kind is None:  # a kind no longer installed
        return _finish(upload, {"state": UploadState.FAILED, "summary": str(MSG_FAILED)})
    LedgerUpload.objects.filter(pk=upload.pk).update(state=UploadState.RUNNING, started_at=timezone.now())
    try:
        try:
            result = _import(upload, kind)
        except LedgerColumnsUnknown as exc:
            remembered = None if upload.mapping else _remembered(upload, exc)
            if remembered is None:
                raise
            upload.mapping = remembered.mapping
            upload.columns = _columns(exc)  # shown with the result, and its uploader may have it forgotten
            LedgerUpload.objects.filter(pk=upload.pk).update(mapping=upload.mapping, columns=upload.columns)
            result = _import(upload, kind)
    except LedgerColumnsUnknown as exc:
        return _await_mapping(upload, exc)
    except errors.DomainError as exc:
        outcome: dict[str, Any] = {"state": UploadState.FAILED, "summary": str(exc.message)}
    except Exception:
        _finish(upload, {"state": UploadState.FAILED, "summary": str(MSG_FAILED)})
        raise
    else:
        outcome = {
            "state": UploadState.DONE if result.ok else UploadState.REJECTED, "summary": str(result),
            "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            "total": result.rows,
            "row_errors": [asdict(error) for error in result.errors],
        }
    return _finish(upload, outcome)


def _import(upload: LedgerUpload, kind: LedgerKind) -> Any:
    with upload.file.open("rb") as file:
        return import_string(kind.run)(file, actor=upload.uploaded_by, filename=upload.filename,
                                       dry_run=upload.dry_run, progress=_Stages(upload),
                                       mapping=upload.mapping or None, **kind.options)


def uploader_unit(user: User) -> Unit | None:
    """The unit whose column matchings a user's uploads use: the widest where they hold a role."""
    units = [role.unit for role in scope_for(user).roles]
    return min(units, key=lambda unit: (len(unit.prefix), unit.prefix), default=None)


def _remembered(upload: LedgerUpload, exc: LedgerColumnsUnknown) -> LedgerColumnMapping | None:
    unit = uploader_unit(upload.uploaded_by)
    if unit is None:
        return None
    return LedgerColumnMapping.objects.filter(unit=unit, kind=upload.kind, template=exc.header_hash).first()


def _await_mapping(upload: LedgerUpload, exc: LedgerColumnsUnknown) -> LedgerUpload:
    """Its uploader is to match the file's columns; the file is kept until then."""
    upload.state = UploadState.UNMAPPED
    upload.summary = exc.message
    upload.columns = _columns(exc)
    upload.save(update_fields=["state", "summary", "columns"])
    return upload


def _columns(exc: LedgerColumnsUnknown) -> dict[str, Any]:
    layout = exc.layout
    return {
        "found": exc.found, "recognised": exc.recognised, "template": exc.header_hash,
        "fields": [{"field": c.field, "header": c.header, "required": layout.is_required(c.field)}
                   for c in layout.importable],
        "required": [list(group) for group in layout.required],
    }


def mapping_used(upload: LedgerUpload) -> list[tuple[str, str]]:
    """The columns an upload was read with: (the file's header, the field's header)."""
    labels = {spec["field"]: spec["header"] for spec in upload.columns.get("fields", [])}
    return [(header, labels.get(field, field)) for header, field in upload.mapping.items()]


def ledger_upload_map(*, upload: LedgerUpload, actor: User, choices: dict[str, str]) -> LedgerUpload:
    """Match an upload's columns (``choices``: {field: the file's header, or "" for none}) as its
    uploader, remember the matching for their unit and this template, and queue the import
    again. Every field needed must have a column, and no column may serve two fields."""
    from pingan.core.tasks import import_ledger_upload

    if upload.uploaded_by_id != actor.pk:
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    if upload.state != UploadState.UNMAPPED:
        raise errors.DomainError(MSG_NOT_UNMAPPED)
    found = upload.columns["found"]
    headers = {f["field"]: f["header"] for f in upload.columns["fields"]}
    mapping: dict[str, str] = {}
    for name, header in choices.items():
        if not header:
            continue
        if name not in headers:
            fields = "、".join(headers.values())
            raise errors.DomainError(MSG_MAP_UNKNOWN_FIELD.format(field=name, fields=fields))
        if header not in found:
            raise errors.DomainError(MSG_MAP_UNKNOWN_COLUMN.format(column=header, found="、".join(found)),
                                     field=name)
        if header in mapping:
            raise errors.DomainError(MSG_MAP_COLUMN_TWICE.format(column=header), field=name)
        mapping[header] = name
    chosen = set(mapping.values())
    unmatched = ["/".join(headers[f] for f in group) for group in upload.columns["required"]
                 if not chosen.intersection(group)]
    if unmatched:
        raise errors.DomainError(MSG_COLUMNS_NEEDED.format(columns="、".join(unmatched)))
    unit = uploader_unit(actor)
    with transaction.atomic():
        if unit is not None:
            LedgerColumnMapping.objects.update_or_create(
                unit=unit, kind=upload.kind, template=upload.columns["template"],
                defaults={"headers": found, "mapping": mapping, "saved_by": actor,
                          "saved_at": timezone.now()})
        upload.mapping = mapping
        upload.state = UploadState.QUEUED
        upload.summary = ""
        upload.stage = ""
        # The sweep for lost imports counts from now: the file waited for its uploader, not the worker.
        upload.started_at = timezone.now()
        upload.save(update_fields=["mapping", "state", "summary", "stage", "started_at"])
        transaction.on_commit(lambda: import_ledger_upload.enqueue(upload.pk))
    return upload


def ledger_mapping_forget(*, upload: LedgerUpload, actor: User) -> int:
    """Forget the matching of the upload's template remembered for its uploader's unit (a wrong
    one): the template's next upload asks again. Returns how many were forgotten (0 or 1)."""
    if upload.uploaded_by_id != actor.pk:
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    unit = uploader_unit(actor)
    template = upload.columns.get("template")
    if unit is None or not template:
        return 0
    remembered = LedgerColumnMapping.objects.filter(unit=unit, kind=upload.kind, template=template)
    return remembered.delete()[0]


def _finish(upload: LedgerUpload, outcome: dict[str, Any]) -> LedgerUpload:
    """Record the outcome and delete the file; only those fields are written, so what the run
    recorded as it went (its start, its last stage) stays."""
    for name, value in outcome.items():
        setattr(upload, name, value)
    upload.finished_at = timezone.now()
    upload.file.delete(save=False)  # personal data in full: not kept once read
    upload.save(update_fields=[*outcome, "finished_at", "file"])
    upload.refresh_from_db()
    return upload


def close_stale_uploads(*, now: dt.datetime | None = None) -> int:
    """Uploads queued or running for longer than PINGAN_LEDGER_UPLOAD_STALE_HOURS: their worker
    was stopped in the middle (its transaction, and so the import, rolled back) or their task
    was lost. Each is recorded as failed and its file deleted; returns how many."""
    now = now or timezone.now()
    since = now - dt.timedelta(hours=settings.PINGAN_LEDGER_UPLOAD_STALE_HOURS)
    waiting = [UploadState.QUEUED, UploadState.RUNNING, UploadState.UNMAPPED]
    stale = LedgerUpload.objects.filter(state__in=waiting).filter(
        Q(started_at__lt=since) | Q(started_at__isnull=True, uploaded_at__lt=since))
    closed = 0
    for upload in stale:
        with translation.override(upload.language):
            _finish(upload, {"state": UploadState.FAILED, "summary": str(MSG_STALE)})
        closed += 1
    return closed


def upload_errors(upload: LedgerUpload) -> list[RowError]:
    return [RowError(**error) for error in upload.row_errors]


def ledger_upload_get(*, user: User, pk: int) -> LedgerUpload | None:
    """An upload its uploader may follow; anyone else's is as if it did not exist."""
    return LedgerUpload.objects.filter(pk=pk, uploaded_by=user).first()


def recent_uploads(*, user: User, kind: str, limit: int = 10) -> list[LedgerUpload]:
    uploads = LedgerUpload.objects.filter(uploaded_by=user, kind=kind).order_by("-uploaded_at", "-id")
    return list(uploads[:limit])
