"""The project's user, named once for type hints.

The project keeps Django's own ``auth.User`` (no ``AUTH_USER_MODEL``); services and
selectors name it through this module so that a swap, if it ever comes, is one edit here.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

# A request's user: a public page or an unauthenticated API call may be served to nobody.
RequestUser: TypeAlias = User | AnonymousUser


class SignedInRequest(HttpRequest):
    """For type hints only: the request of a view behind ``login_required`` or the admin's
    ``admin_view``, whose user has signed in (Django hands the view a plain request)."""

    user: User


__all__ = ["AnonymousUser", "RequestUser", "SignedInRequest", "User"]
