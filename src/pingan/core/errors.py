"""Errors the services raise. Each has a stable code for the API and a message for people;
the web, the API, the importer and the CLI all show the same words."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: str | Promise, *, code: str | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        if code:
            self.code = code


class NotFound(DomainError):
    """Also raised for items outside the user's scope: a 404 says nothing about existence."""

    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class StaleEdit(DomainError):
    code = "stale_edit"
    status = 409


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    status = 409


MSG_NOT_FOUND = _("No such item, or it is outside your area.")
MSG_STALE = _(
    "Someone else changed this item after you opened it (your copy was version {expected}, "
    "it is now version {current}). Nothing was saved: reload it and make your change again."
)
MSG_NO_SUCH_TRANSITION = _("“{transition}” is not a step this item can take.")
MSG_WRONG_STATE = _("“{transition}” cannot be done while the item is “{status}”.")
MSG_NOT_ALLOWED = _("You do not hold a role that may do “{transition}” here.")
MSG_EXTENSION_USED = _("The deadline has already been extended once.")
MSG_EXTENSION_NOT_ALLOWED = _("The deadline policy for this item allows no extension.")
MSG_REASON_REQUIRED = _("Give a reason.")
MSG_CLOSED = _("The item is closed.")
MSG_NUL = _("The text holds a NUL character, which cannot be stored: paste it again as plain text.")


def refuse_nul(**texts: str | None) -> None:
    """Refuse text holding a NUL character, which PostgreSQL cannot store: a web form refuses
    it by itself, the API and an uploaded file do not. Each text is named by its field."""
    for field, text in texts.items():
        if text and "\x00" in text:
            raise DomainError(MSG_NUL, field=field)
