"""Old names (of fields, or of paths that moved) the API still accepts for one release after a
rename: marked deprecated in the OpenAPI schema, and a response to a request that used one says
so in its headers (RFC 9745), so a client learns it before the name goes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from pydantic import BaseModel, Field

# Where the successor of every renamed field is described.
DEPRECATION_LINK = "/api/docs"
# A field's mark in the JSON schema (``json_schema_extra``), which OpenAPI reads.
DEPRECATED: dict[str, Any] = {"deprecated": True}


def renamed_field(successor: str, **options: Any) -> Any:
    """The old name of ``successor``: optional, and marked deprecated in the OpenAPI schema
    (ninja lifts the mark onto a query parameter too). Marked through the JSON schema rather
    than pydantic's ``deprecated``, which warns on every read of the field, our own included."""
    return Field(None, description=f"Deprecated: the old name of `{successor}`, accepted for one "
                                   f"release. Send `{successor}` instead.",
                 json_schema_extra=DEPRECATED, **options)


def adopt_renamed(model: BaseModel, *, old: str, new: str) -> None:
    """For a model validator: a value sent under the ``old`` name counts as ``new``, unless
    ``new`` was sent too. ``old`` keeps its value, so the handler can announce the deprecation."""
    if getattr(model, old) is not None and new not in model.model_fields_set:
        setattr(model, new, getattr(model, old))


def announce_deprecation(response: HttpResponse, *, since: dt.datetime, successor: str = "") -> None:
    """Tell the client it used a name deprecated ``since``: ``Deprecation`` (RFC 9745, the
    moment as a structured-field date) and a ``Link`` to where its successor is described,
    and, for a path that moved, to the ``successor`` path itself (RFC 5829)."""
    response["Deprecation"] = f"@{int(since.timestamp())}"
    links = [f'<{DEPRECATION_LINK}>; rel="deprecation"']
    if successor:
        links.append(f'<{successor}>; rel="successor-version"')
    response["Link"] = ", ".join(links)
