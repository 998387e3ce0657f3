"""What the ledger commands share: the acting user and progress bars on stderr."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, OutputWrapper
from django.utils.translation import gettext as _
from tqdm import tqdm

from pingan.hazards.ledger import Progress


def acting_user(username: str) -> Any:
    """The user a command acts as: it sees, reports and exports what that user may."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user “{username}”.").format(username=username))
    return user


class _Raw:
    """tqdm redraws its line with carriage returns; Django's OutputWrapper would end every
    redraw with a newline (and colour it as an error)."""

    def __init__(self, out: OutputWrapper):
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, style_func=lambda s: s, ending="")

    def flush(self) -> None:
        self.out.flush()


def progress_bars(stderr: OutputWrapper, *, disable: bool) -> Progress:
    return partial(tqdm, file=_Raw(stderr), unit=" rows", disable=disable, dynamic_ncols=True)
