"""Who may change the rules, and the record of every change (issue 10 §7).

The admin site is where the district admin configures units, their lines, roles, people,
deadline policies and settings. Two rules hold there whatever the admin site's permissions
say, so that no one widens their own reach:

- nobody grants a role to themselves, and the roles of a department holding a sealed line
  (the discipline commission, which alone reads accusations) and the sealed lines
  themselves are the operators' (superusers') to change;
- superuser status, and groups or permissions beyond one's own, are given by no one but a
  superuser (``core.admin``).

Every change made there is a ``ConfigurationChange`` (who, when, which object, before and
after), written by ``record_configuration_change`` in the same transaction as the change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.models import ConfigurationChange, Responsibility, Unit
from pingan.core.scoping import sealed_lines
from pingan.core.users import User

MSG_NO_SELF_GRANT = _("Nobody grants or changes their own roles: another administrator must do it.")
MSG_SEALED_OFFICE = _(
    "{unit} alone reads reports and accusations: its roles are granted by the platform's "
    "operators (a superuser), not in the district's configuration."
)
MSG_SEALED_LINE = _(
    "Reports and accusations are sealed to the unit that handles them: that line is changed by "
    "the platform's operators (a superuser), not in the district's configuration."
)

# Never copied into the record: a password's hash or a token's is no one's business.
SECRET_FIELDS = frozenset({"password", "key_hash"})


def holds_sealed_line(unit: Unit) -> bool:
    q = models.Q(pk__in=[])
    for kind, category in sealed_lines():
        q |= models.Q(case_kind=kind, category=category)
    return Responsibility.objects.filter(q, department=unit).exists()


def role_grant_refusal(*, actor: User, user: User, unit: Unit | None) -> str | None:
    """Why ``actor`` may not grant, change or take away a role of ``user`` at ``unit``."""
    if actor.is_superuser:
        return None
    if user is not None and user.pk == actor.pk:
        return str(MSG_NO_SELF_GRANT)
    if unit is not None and holds_sealed_line(unit):
        return MSG_SEALED_OFFICE.format(unit=unit.name)
    return None


def line_change_refusal(*, actor: User, case_kind: str, category: str) -> str | None:
    """Why ``actor`` may not give a department this line, or take it away."""
    if actor.is_superuser or (case_kind, category) not in sealed_lines():
        return None
    return str(MSG_SEALED_LINE)


def snapshot(obj: models.Model, related: Iterable[str] = ()) -> dict[str, Any]:
    """An object's stored state as plain JSON: its fields, its many-to-many links (as ids),
    and the rows of the ``related`` managers (a unit's lines, a rule set's rules)."""
    state: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name not in SECRET_FIELDS:
            state[field.name] = field.value_from_object(obj)
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            state[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
        for name in related:
            rows = getattr(obj, name).order_by("pk")
            state[name] = [{f.name: f.value_from_object(row) for f in row._meta.concrete_fields
                            if f.name not in SECRET_FIELDS} for row in rows]
    return json.loads(json.dumps(state, cls=DjangoJSONEncoder, ensure_ascii=False))


def record_configuration_change(*, actor: User, action: str, obj: models.Model, before: dict[str, Any],
                                after: dict[str, Any], message: Any = "") -> ConfigurationChange:
    """Append one change to the configuration's audit trail."""
    if not isinstance(message, str):
        message = json.dumps(message, cls=DjangoJSONEncoder, ensure_ascii=False)
    return ConfigurationChange.objects.create(
        at=timezone.now(), actor=actor if getattr(actor, "pk", None) else None, action=action,
        model=obj._meta.label_lower, object_id=str(obj.pk), object_repr=str(obj)[:200],
        before=before, after=after, message=message,
    )
