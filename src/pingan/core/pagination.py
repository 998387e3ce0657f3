"""Keyset ("cursor") paging for every list, in the API and on the web.

Each page starts strictly after the previous page's last (sort key, id), so a page costs
the same at row 10 as at row 1,000,000: no OFFSET, no COUNT.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.db.models.expressions import Col, OrderBy
from django.utils.translation import gettext_lazy as _

from pingan.core import errors

MSG_BAD_CURSOR = _("The cursor is not one this list gave out; start again without it.")
MSG_CURSOR_OTHER_SORT = _("The cursor belongs to another sort order; start again without it.")


class InvalidParameter(errors.DomainError):
    """Input the schema could not catch (a cursor, a page size, an unknown code)."""

    code = "validation_error"
    status = 422


@dataclass(frozen=True)
class _Keyset:
    """Paging on (field, id) without OFFSET: each page starts strictly after the previous
    page's last key, so a page costs the same on row 10 as on row 1,000,000.

    A NULL in the field sorts as if above every value (PostgreSQL's own order in both
    directions; SQLite's is the reverse). NULLs are served by a query of their own, so
    both databases page alike and each query stays a plain index range.
    """

    ordering: tuple[str, str]
    field: Any
    descending: bool

    @classmethod
    def of(cls, queryset: QuerySet, ordering: Sequence[str]) -> _Keyset:
        key, tiebreak = ordering
        descending = key.startswith("-")
        if tiebreak != ("-id" if descending else "id"):
            raise ValueError(f"keyset ordering must end with id in the same direction: {ordering}")
        field = queryset.model._meta.get_field(key.lstrip("-"))
        return cls(ordering=(key, tiebreak), field=field, descending=descending)

    def encode(self, row: Any) -> str:
        value = None if getattr(row, self.field.attname) is None else self.field.value_to_string(row)
        raw = json.dumps({"k": self.ordering[0], "v": value, "id": row.id}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()

    def decode(self, cursor: str) -> tuple[Any, int]:
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            key, value, last_id = data["k"], data["v"], int(data["id"])
            if value is not None:
                value = self.field.to_python(value)
        except (binascii.Error, ValueError, TypeError, KeyError, DjangoValidationError):
            raise InvalidParameter(MSG_BAD_CURSOR, field="cursor") from None
        if key != self.ordering[0]:
            raise InvalidParameter(MSG_CURSOR_OTHER_SORT, field="cursor")
        if value is None and not self.field.null:
            raise InvalidParameter(MSG_BAD_CURSOR, field="cursor")
        return value, last_id

    def segments(self, queryset: QuerySet, after: tuple[Any, int] | None) -> Iterator[QuerySet]:
        name = self.field.name
        op = "lt" if self.descending else "gt"
        id_order = _root_id_order(queryset.model, descending=self.descending)
        values = queryset.order_by(self.ordering[0], id_order)
        parts = [("values", values)]
        if self.field.null:
            values = values.filter(**{f"{name}__isnull": False})
            nulls = queryset.filter(**{f"{name}__isnull": True}).order_by(id_order)
            parts = [("nulls", nulls), ("values", values)] if self.descending else \
                [("values", values), ("nulls", nulls)]
        if after is None:
            yield from (qs for _, qs in parts)
            return
        value, last_id = after
        start = "nulls" if value is None else "values"
        names = [part for part, _ in parts]
        for part, qs in parts[names.index(start):]:
            if part == start == "values":
                # The plain bound lets the index start at the cursor; the OR breaks ties on id.
                qs = qs.filter(**{f"{name}__{op}e": value}).filter(
                    Q(**{f"{name}__{op}": value}) | Q(**{name: value, f"id__{op}": last_id})
                )
            elif part == start:
                qs = qs.filter(**{f"id__{op}": last_id})
            yield qs


def _root_id_order(model: Any, *, descending: bool) -> OrderBy:
    """The id tiebreak as the root table's own column.

    On a multi-table child (a Hazard is a Case) Django orders ``id`` by the child's
    ``case_ptr_id``. PostgreSQL knows that equals ``core_case.id``; SQLite does not, so no
    index on ``core_case`` can give it the order and every page sorted the whole result
    (948 ms for a first page at a million hazards; 6 ms with the root's column).
    """
    root = model._meta.get_parent_list()[-1] if model._meta.parents else model
    column = Col(root._meta.db_table, root._meta.pk)
    return column.desc() if descending else column.asc()


def keyset_page(queryset: QuerySet, *, ordering: Sequence[str], cursor: str | None,
                limit: int) -> tuple[list[Any], str | None]:
    """One page of ``queryset`` in ``ordering`` (a field, then id) and the cursor for the
    next page (None on the last). A cursor this function did not give out raises
    InvalidParameter. Nothing here is HTTP: a web list can page the same way."""
    keyset = _Keyset.of(queryset, ordering)
    after = keyset.decode(cursor) if cursor else None
    rows: list[Any] = []
    for segment in keyset.segments(queryset, after):
        # One row more than the page tells whether another page follows.
        rows += list(segment[: limit + 1 - len(rows)])
        if len(rows) > limit:
            break
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (keyset.encode(rows[-1]) if more else None)
