"""Photos and documents on a case, checked by their content (not their name) and size."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.events import append_event
from pingan.core.models import Attachment, AttachmentKind, Case, Event, EventType
from pingan.core.users import User

# magic bytes -> (content type, extension)
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}

MSG_EMPTY = _("The file is empty.")
MSG_TOO_LARGE = _("The file is {size} MB; at most {limit} MB is accepted.")
MSG_BAD_TYPE = _("“{name}” is not a JPEG, PNG or WebP photo.")
MSG_BAD_DOCUMENT = _("“{name}” is not a photo or a PDF document.")


def sniff(content: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in _SIGNATURES:
        if content.startswith(magic):
            return content_type, extension
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def validate_upload(*, name: str, content: bytes, kind: str) -> tuple[str, str]:
    limit = settings.PINGAN_ATTACHMENT_MAX_BYTES
    if not content:
        raise errors.DomainError(MSG_EMPTY, field="file")
    if len(content) > limit:
        raise errors.DomainError(
            MSG_TOO_LARGE.format(size=round(len(content) / 2**20, 1), limit=limit // 2**20),
            field="file",
        )
    sniffed = sniff(content)
    if kind == AttachmentKind.DOCUMENT:
        if sniffed is None:
            raise errors.DomainError(MSG_BAD_DOCUMENT.format(name=name), field="file")
    elif sniffed is None or sniffed[0] not in PHOTO_TYPES:
        raise errors.DomainError(MSG_BAD_TYPE.format(name=name), field="file")
    return sniffed


def read_upload(upload: Any) -> bytes:
    """Read at most one byte past the limit, so a huge upload is refused without reading it all."""
    return upload.read(settings.PINGAN_ATTACHMENT_MAX_BYTES + 1)


def attachment_add(*, case: Case, actor: User, name: str, content: bytes, kind: str,
                   event: Event | None = None, at: dt.datetime | None = None) -> Attachment:
    """Store one file on a case. Without ``event`` it gets an event of its own."""
    content_type, extension = validate_upload(name=name, content=content, kind=kind)
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        now = at or timezone.now()
        if event is None:
            event = append_event(case=case, actor=actor, type=EventType.ATTACHED,
                                 after={"file": name[:200], "kind": kind, "sha256": digest},
                                 at=now)
        attachment = Attachment(
            case=case, event=event, kind=kind, original_name=name[:200],
            content_type=content_type, extension=extension, size=len(content), sha256=digest,
            uploaded_by=actor, uploaded_at=now,
        )
        attachment.file.save("upload", ContentFile(content), save=False)
        attachment.save()
    return attachment


def case_attachments(case: Case):
    """A case's files in the order they came, with who uploaded each: its API's attachment list."""
    return case.attachments.select_related("uploaded_by").order_by("uploaded_at", "id")


def step_attachments(step: Any, name: str, kind: str = AttachmentKind.DOCUMENT) -> Any:
    """For a workflow step's effect: check the files sent as input ``name`` now (one bad
    file saves nothing), and return what attaches them to the step's event once it is
    recorded (``Effect.then``)."""
    files = step.get(name, ())
    for file_name, content in files:
        validate_upload(name=file_name, content=content, kind=kind)

    def attach(event: Event) -> None:
        for file_name, content in files:
            attachment_add(case=step.case, actor=step.actor, name=file_name, content=content,
                           kind=kind, event=event, at=step.now)
    return attach
