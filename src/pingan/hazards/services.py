"""Writes on hazards. The web form, the API, the importer and the demo all call these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.attachments import attachment_add
from pingan.core.cases import case_extend, case_extend_refusal, case_update, department_for, open_case
from pingan.core.deadlines import DeadlineTerms, resolve_terms
from pingan.core.inbox import notify
from pingan.core.models import (
    ROLE_RANK,
    Attachment,
    AttachmentKind,
    EventType,
    RoleName,
    Severity,
    Unit,
    UnitKind,
)
from pingan.core.people import handlers_at
from pingan.core.scoping import scope_for
from pingan.core.workflow import take_step
from pingan.hazards.models import (
    EDITABLE_FIELDS,
    KIND,
    REF_PREFIX,
    Category,
    Hazard,
    Status,
)
from pingan.hazards.workflow import HAZARD_WORKFLOW, Photo, attach_files, check_files

MSG_UNIT_NOT_TERRITORIAL = _("A hazard belongs to a place: choose a town, village or grid cell.")
MSG_CANNOT_REPORT_HERE = _("You may not report hazards for {unit}.")
MSG_BAD_CATEGORY = _("Unknown hazard category “{value}”.")
MSG_LISTED_KEEPS_SEVERITY = _(
    "A hazard under listed supervision keeps its severity and category: its regulator listed it so."
)
MSG_REPORTED_TO_REGULATOR = _("{ref} major hazard reported to you as its regulator: list it for supervision.")
MSG_NOT_EDITABLE = _(
    "A hazard's details and plan can be edited only while it is reported or assigned; "
    "this one is “{status}”."
)
MSG_CLOSED_TAKES_NO_ATTACHMENTS = _("The hazard is closed: it takes no more photos or documents.")
EDIT_LABEL = _("Edit details and plan")
ATTACH_LABEL = _("Add attachment")
# Once rectification starts, the details and plan it started on stand: a change then would
# move the goalposts of the work under way (and of its deadline).
EDITABLE_STATUSES = frozenset({Status.REPORTED, Status.ASSIGNED})


def hazard_terms(*, category: str, severity: str, immediate: bool) -> DeadlineTerms:
    """The deadline rule for a hazard: the district's policy, else the settings default."""
    if immediate:
        days = settings.PINGAN_HAZARD_IMMEDIATE_DAYS
    elif severity == Severity.MAJOR:
        days = settings.PINGAN_HAZARD_MAJOR_DEADLINE_DAYS
    else:
        days = settings.PINGAN_HAZARD_DEADLINE_DAYS.get(category, 15)
    fallback = DeadlineTerms(duration=days, extension_duration=settings.PINGAN_HAZARD_EXTENSION_DAYS)
    if immediate:
        return fallback
    return resolve_terms(kind=KIND, category=category, severity=severity, fallback=fallback)


def hazard_report(*, actor: Any, unit: Unit, title: str, category: str, description: str = "",
                  severity: str = Severity.ORDINARY, immediate: bool = False, location: str = "",
                  latitude: float | None = None, longitude: float | None = None,
                  photos: Sequence[Photo] = (), source: str = "web",
                  external_ref: str | None = None, opened_at: dt.datetime | None = None,
                  event_type: str = EventType.CREATED) -> Hazard:
    hazard_report_check(actor=actor, unit=unit, category=category)
    check_files(photos, AttachmentKind.BEFORE)
    with transaction.atomic():
        hazard = open_case(
            model=Hazard, ref_prefix=REF_PREFIX, actor=actor, unit=unit, opened_at=opened_at,
            terms=hazard_terms(category=category, severity=severity, immediate=immediate),
            event_type=event_type,
            fields=hazard_fields(
                title=title, category=category, description=description, severity=severity,
                immediate=immediate, location=location, latitude=latitude, longitude=longitude,
                source=source, external_ref=external_ref,
            ),
        )
        attach_files(hazard, actor, photos, AttachmentKind.BEFORE, event=None, at=opened_at)
        _tell_regulator(hazard)
    return hazard


def hazard_report_check(*, actor: Any, unit: Unit, category: str) -> None:
    """May ``actor`` report a hazard of ``category`` in ``unit``? ``hazard_report`` asks
    first; the ledger importer asks the same for every row before it writes any."""
    if unit.kind == UnitKind.DEPARTMENT:
        raise errors.DomainError(MSG_UNIT_NOT_TERRITORIAL, field="unit")
    if category not in Category.values:
        raise errors.DomainError(MSG_BAD_CATEGORY.format(value=category), field="category")
    probe = Hazard(kind=KIND, category=category, unit=unit, unit_prefix=unit.prefix)
    if scope_for(actor).rank_for(probe) < ROLE_RANK[RoleName.HANDLER]:
        raise errors.PermissionDenied(MSG_CANNOT_REPORT_HERE.format(unit=unit.name), field="unit")


def hazard_fields(*, title: str, category: str, description: str = "", severity: str = Severity.ORDINARY,
                  immediate: bool = False, location: str = "", latitude: float | None = None,
                  longitude: float | None = None, source: str = "web",
                  external_ref: str | None = None) -> dict[str, Any]:
    """A new hazard's own fields as ``open_case`` / ``new_case`` take them (shared with the
    ledger importer's bulk path, so both create identical rows)."""
    return {
        "kind": KIND, "title": title.strip(), "description": description.strip(),
        "category": category, "severity": severity, "immediate": immediate,
        "status": HAZARD_WORKFLOW.initial, "location": location.strip(),
        "latitude": latitude, "longitude": longitude, "source": source,
        "external_ref": external_ref or None,
    }


def _handler_refusal(hazard: Hazard, actor: Any, action: Any) -> errors.DomainError | None:
    scope = scope_for(actor)
    if not scope.covers(hazard):
        # Checked first, so no message can tell an outsider it exists.
        return errors.NotFound(errors.MSG_NOT_FOUND)
    if scope.rank_for(hazard) < ROLE_RANK[RoleName.HANDLER]:
        return errors.PermissionDenied(errors.MSG_NOT_ALLOWED.format(transition=action))
    return None


def edit_refusal(hazard: Hazard, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not edit ``hazard``'s details and plan now, or None when they may: a
    handler of its area, while it is reported or assigned. ``hazard_update`` raises it; the
    page asks ``may_edit`` before it offers the form."""
    refusal = _handler_refusal(hazard, actor, EDIT_LABEL)
    if refusal is None and hazard.status not in EDITABLE_STATUSES:
        refusal = errors.TransitionNotAllowed(
            MSG_NOT_EDITABLE.format(status=HAZARD_WORKFLOW.label(hazard.status)), code="not_editable")
    return refusal


def may_edit(hazard: Hazard, user: Any) -> bool:
    return edit_refusal(hazard, user) is None


def attach_refusal(hazard: Hazard, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not add a photo or document to ``hazard`` now, or None when they
    may: a handler of its area, while it is open (a closed case's record is complete)."""
    refusal = _handler_refusal(hazard, actor, ATTACH_LABEL)
    if refusal is None and not hazard.is_open:
        refusal = errors.TransitionNotAllowed(MSG_CLOSED_TAKES_NO_ATTACHMENTS, code="closed")
    return refusal


def may_attach(hazard: Hazard, user: Any) -> bool:
    return attach_refusal(hazard, user) is None


def hazard_attachment_add(*, hazard: Hazard, actor: Any, name: str, content: bytes, kind: str) -> Attachment:
    """Add one photo or document to a hazard, with an event of its own."""
    refusal = attach_refusal(hazard, actor)
    if refusal is not None:
        raise refusal
    return attachment_add(case=hazard, actor=actor, name=name, content=content, kind=kind)


def hazard_update(*, hazard: Hazard, actor: Any, expected_version: int,
                  changes: Mapping[str, Any], note: str = "", at: dt.datetime | None = None) -> Hazard:
    """Edit a hazard's details; a new category or severity moves its deadline with it, and a
    new category its regulator (the department handling it)."""
    refusal = edit_refusal(hazard, actor)
    if refusal is not None:
        raise refusal
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise errors.DomainError(f"Not editable: {', '.join(sorted(unknown))}")
    if "category" in changes and changes["category"] not in Category.values:
        raise errors.DomainError(MSG_BAD_CATEGORY.format(value=changes["category"]), field="category")
    changes = dict(changes)
    reclassified = [k for k in ("category", "severity") if k in changes and changes[k] != getattr(hazard, k)]
    if reclassified and hazard.is_listed:
        raise errors.DomainError(MSG_LISTED_KEEPS_SEVERITY, field=reclassified[0])
    if "category" in reclassified:
        changes["department"] = department_for(kind=KIND, category=changes["category"])
    rule_fields = ("category", "severity", "immediate")
    if any(k in changes and changes[k] != getattr(hazard, k) for k in rule_fields) and \
            hazard.extended_at is None:
        terms = hazard_terms(**{k: changes.get(k, getattr(hazard, k)) for k in rule_fields})
        if hazard.policy_due_at:  # a ledger's own deadline stays; the policy's date beside it moves
            changes["policy_due_at"] = terms.due_at(hazard.opened_at)
        else:
            changes.update(terms.due_fields(hazard.opened_at))
    was_major = hazard.is_major
    with transaction.atomic():
        case_update(case=hazard, actor=actor, expected_version=expected_version,
                    changes=changes, note=note, at=at)
        if not was_major or "category" in reclassified:  # a new major hazard, or a new regulator
            _tell_regulator(hazard)
    return hazard


def _own_terms(hazard: Hazard) -> DeadlineTerms:
    return hazard_terms(category=hazard.category, severity=hazard.severity, immediate=hazard.immediate)


def extend_refusal(hazard: Hazard, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not extend ``hazard``'s deadline now, or None when they may: a
    handler at town level or above, while it is open, once, if its deadline policy allows.
    ``hazard_extend`` raises it; the page asks ``may_extend`` before it offers the form."""
    return case_extend_refusal(hazard, actor, _own_terms(hazard))


def may_extend(hazard: Hazard, user: Any) -> bool:
    return extend_refusal(hazard, user) is None


def hazard_extend(*, hazard: Hazard, actor: Any, expected_version: int, reason: str,
                  at: dt.datetime | None = None) -> Hazard:
    return case_extend(case=hazard, actor=actor, expected_version=expected_version,
                       reason=reason, terms=_own_terms(hazard), at=at)


def hazard_transition(*, hazard: Hazard, name: str, actor: Any, expected_version: int,
                      note: str = "", at: dt.datetime | None = None, **inputs: Any) -> Hazard:
    """Take one step of the hazard loop with the inputs that step declares (``assignee``,
    ``photos``…): what each step needs, changes, notifies and attaches is declared in
    ``hazards.workflow``.

    ``at`` back-dates the step (importers and the demo generator only)."""
    take_step(workflow=HAZARD_WORKFLOW, case=hazard, name=name, actor=actor,
              expected_version=expected_version, note=note, inputs=inputs, at=at)
    return hazard


def _tell_regulator(hazard: Hazard) -> None:
    """A major hazard is reported to its regulator at once (浙江省安全生产条例 art. 25): the
    department's people get a notice, and the hazard waits in their "my work" until listed."""
    if not hazard.is_major or hazard.department_id is None or hazard.is_listed:
        return
    event = hazard.events.order_by("-seq").first()
    with translation.override(settings.LANGUAGE_CODE):
        notify(users=handlers_at(hazard.department_id), case=hazard, event=event,
               message=str(MSG_REPORTED_TO_REGULATOR.format(ref=hazard.ref)))
