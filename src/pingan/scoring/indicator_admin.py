"""Changing an indicator's definition (its weight, method, target…): the league's managers
only, each change checked against the model's rules before it is written."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from pingan.core import errors
from pingan.core.users import User
from pingan.scoring.models import Indicator
from pingan.scoring.services import league_manage_refusal, rank_ranked_periods

# What a manager may change; the code names the indicator everywhere and its source is
# decided by whether a selector computes it.
EDITABLE_FIELDS = ("name", "unit_of_measure", "direction", "weight", "method", "target", "base", "per_unit",
                   "min_sample", "is_rate", "active", "order", "note")
# The fields a ranking reads: changing one moves every standing already written.
SCORING_FIELDS = ("weight", "direction", "method", "target", "base", "per_unit", "min_sample", "active")


def _first_message(exc: ValidationError) -> tuple[str | None, str]:
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    name, messages = next(iter(by_field.items()))
    return (None if name in (None, "__all__") else name), messages[0]


@transaction.atomic
def indicator_update(*, actor: User, indicator: Indicator, changes: dict[str, Any],
                     rank: bool = True) -> Indicator:
    """Change ``indicator`` as ``changes`` say (its editable fields only), checked against the
    model's fields and constraints. When a field the ranking reads changed, every table-period
    already ranked is ranked afresh, unless ``rank`` is False: the import changes several
    indicators and ranks once after them all."""
    if (refusal := league_manage_refusal(actor)) is not None:
        raise refusal
    before = {name: getattr(indicator, name) for name in SCORING_FIELDS}
    for name, value in changes.items():
        if name in EDITABLE_FIELDS:
            setattr(indicator, name, value)
    try:
        indicator.full_clean()
    except ValidationError as exc:
        field, message = _first_message(exc)
        raise errors.DomainError(message, field=field) from exc
    indicator.save()
    moved = any(getattr(indicator, name) != value for name, value in before.items())
    if moved and rank:
        rank_ranked_periods()
    return indicator
