"""The base of every list's filter definition: one shape for the HTMX page, the API and the
export, each parsing form-style input the same way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from pingan.core.divisions import division_prefix


class ListFilters(BaseModel):
    """Form input as it arrives: a blank field means "not given", a list field may come as
    repeated parameters or as one comma-separated value, and ``sort`` names a key of SORTS
    (each a field and the id tiebreak, as keyset paging needs)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    SORTS: ClassVar[Mapping[str, tuple[str, str]]] = {}

    @field_validator("*", mode="before")
    @classmethod
    def _form_values(cls, value: Any, info: ValidationInfo) -> Any:
        # No text a case holds has one on PostgreSQL, which refuses it in a query outright.
        given = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in given):
            raise ValueError("must not contain a NUL character")
        if get_origin(cls.model_fields[info.field_name].annotation) is list:
            if value in (None, ""):
                return []
            if isinstance(value, str):
                return [v for v in value.split(",") if v]
            return [v for v in value if v]
        return None if value == "" else value

    @field_validator("unit", check_fields=False)
    @classmethod
    def _unit_prefix(cls, value: str | None) -> str | None:
        # A unit's subtree by any form of its code: 330802101000 is the town 330802101.
        return division_prefix(value) if value else value

    @field_validator("sort", check_fields=False)
    @classmethod
    def _known_sort(cls, value: str) -> str:
        if value not in cls.SORTS:
            raise ValueError(f"sort must be one of {', '.join(cls.SORTS)}")
        return value
