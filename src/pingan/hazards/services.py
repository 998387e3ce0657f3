"""Writes on hazards. The web form, the API, the importer and the demo all call these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.attachments import attachment_add, validate_upload
from pingan.core.cases import case_extend, case_update, department_for, open_case
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
from pingan.core.people import handlers_at, resolve_assignee, resolve_leader
from pingan.core.scoping import scope_for
from pingan.core.workflow import fire
from pingan.hazards.models import DOMAIN, EDITABLE_FIELDS, KIND, REF_PREFIX, Category, Hazard, Status
from pingan.hazards.selectors import supervising_units
from pingan.hazards.workflow import HAZARD_WORKFLOW

Photo = tuple[str, bytes]  # (file name, content)

MSG_UNIT_NOT_TERRITORIAL = _("A hazard belongs to a place: choose a town, village or grid cell.")
MSG_CANNOT_REPORT_HERE = _("You may not report hazards for {unit}.")
MSG_BAD_CATEGORY = _("Unknown hazard category “{value}”.")
MSG_DUPLICATE_NOT_FOUND = _("No report {ref} in your area to mark this one a duplicate of.")
MSG_DUPLICATE_SELF = _("A report cannot be a duplicate of itself.")
MSG_NOT_A_SUPERVISING_UNIT = _(
    "{unit} cannot supervise this hazard: choose its town, the district or its regulator."
)
MSG_LISTED_KEEPS_SEVERITY = _(
    "A hazard under listed supervision keeps its severity and category: its regulator listed it so."
)
MSG_DEADLINE_PAST = _("The supervision deadline cannot be before the day it is listed.")
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


def _check_photos(photos: Sequence[Photo], kind: str) -> None:
    # Every file is checked before anything is written, so one bad photo saves nothing.
    for name, content in photos:
        validate_upload(name=name, content=content, kind=kind)


def _attach(hazard: Hazard, actor: Any, photos: Sequence[Photo], kind: str, event: Any,
            at: dt.datetime | None = None) -> None:
    for name, content in photos:
        attachment_add(case=hazard, actor=actor, name=name, content=content, kind=kind,
                       event=event, at=at)


def hazard_report(*, actor: Any, unit: Unit, title: str, category: str, description: str = "",
                  severity: str = Severity.ORDINARY, immediate: bool = False, location: str = "",
                  latitude: float | None = None, longitude: float | None = None,
                  photos: Sequence[Photo] = (), source: str = "web",
                  external_ref: str | None = None, opened_at: dt.datetime | None = None,
                  event_type: str = EventType.CREATED) -> Hazard:
    hazard_report_check(actor=actor, unit=unit, category=category)
    _check_photos(photos, AttachmentKind.BEFORE)
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
        _attach(hazard, actor, photos, AttachmentKind.BEFORE, event=None, at=opened_at)
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


def hazard_extend(*, hazard: Hazard, actor: Any, expected_version: int, reason: str,
                  at: dt.datetime | None = None) -> Hazard:
    terms = hazard_terms(category=hazard.category, severity=hazard.severity,
                         immediate=hazard.immediate)
    return case_extend(case=hazard, actor=actor, expected_version=expected_version,
                       reason=reason, terms=terms, at=at)


def _resolve_duplicate(hazard: Hazard, actor: Any, ref: str | None) -> Hazard | None:
    if not ref:
        return None
    original = Hazard.objects.visible_to(actor).filter(ref=ref.strip().upper()).first()
    if original is None:
        raise errors.DomainError(MSG_DUPLICATE_NOT_FOUND.format(ref=ref), field="duplicate_of")
    if original.pk == hazard.pk:
        raise errors.DomainError(MSG_DUPLICATE_SELF, field="duplicate_of")
    return original


@dataclass(frozen=True)
class Listing:
    """What listed supervision (挂牌督办) names: who supervises, by when, and the leader in
    charge of work safety who answers for the hazard."""

    supervising_unit: Unit | None
    deadline: dt.date | None
    leader: Any


def _check_listing(hazard: Hazard, listing: Listing | None, now: dt.datetime) -> dict[str, Any]:
    """The listing's fields as changes, each checked; an incomplete listing is left to the
    workflow's requirement, which names what is missing."""
    if listing is None or not (listing.supervising_unit and listing.deadline and listing.leader):
        return {}
    unit = listing.supervising_unit
    if not supervising_units(hazard).filter(pk=unit.pk).exists():
        raise errors.DomainError(MSG_NOT_A_SUPERVISING_UNIT.format(unit=unit.name), field="supervising_unit")
    if listing.deadline < timezone.localdate(now):
        raise errors.DomainError(MSG_DEADLINE_PAST, field="supervision_deadline")
    leader = resolve_leader(hazard.unit, DOMAIN, listing.leader, field="responsible_leader")
    return {"supervising_unit": unit, "supervision_deadline": listing.deadline,
            "responsible_leader": leader, "listed_at": now}


def _acceptance_reports(hazard: Hazard, documents: Sequence[Photo]) -> bool:
    """Whether the acceptance has its report: sent with the step, or uploaded as a document
    (over the API) since the work was last submitted."""
    if documents:
        return True
    submitted = (hazard.events.filter(transition="submit").order_by("-seq")
                 .values_list("at", flat=True).first())
    uploaded = hazard.attachments.filter(kind=AttachmentKind.DOCUMENT)
    return (uploaded.filter(uploaded_at__gte=submitted) if submitted else uploaded).exists()


def hazard_transition(*, hazard: Hazard, name: str, actor: Any, expected_version: int,
                      note: str = "", assignee: Any = None, photos: Sequence[Photo] = (),
                      documents: Sequence[Photo] = (), reason: str = "",
                      duplicate_of: str | None = None, listing: Listing | None = None,
                      at: dt.datetime | None = None) -> Hazard:
    """Take one step of the hazard loop. What each step needs is declared in the workflow.

    ``at`` back-dates the step (importers and the demo generator only)."""
    transition = HAZARD_WORKFLOW.get(name)
    if not scope_for(actor).covers(hazard):
        # Checked before anything else, so no message can tell an outsider it exists.
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    now = at or timezone.now()
    assignee = resolve_assignee(hazard, assignee) if name == "assign" else None
    original = _resolve_duplicate(hazard, actor, duplicate_of) if name == "reject" else None
    listed = _check_listing(hazard, listing, now) if name == "list" else {}
    if name == "submit":
        _check_photos(photos, AttachmentKind.AFTER)
    if name == "accept":
        _check_photos(documents, AttachmentKind.DOCUMENT)
    changes: dict[str, Any] = dict(listed)
    notify_users: list[Any] = []
    if name == "assign":
        changes["assignee"] = assignee
        notify_users.append(assignee)
    elif name == "submit":
        changes["rectifier"] = actor
    elif name == "list":
        notify_users += [listed.get("responsible_leader"), hazard.assignee]
    elif name == "accept":
        changes.update(accepted_by=actor, accepted_at=now)
        notify_users += [hazard.assignee, hazard.responsible_leader]
    elif name == "verify":
        changes["verifier"] = actor
        notify_users += [hazard.reporter, hazard.assignee]
    elif name == "rework":
        notify_users.append(hazard.assignee)
    elif name == "reject":
        changes["rejection_reason"] = reason
        changes["duplicate_of"] = original
        notify_users.append(hazard.reporter)
    with transaction.atomic():
        event = fire(
            workflow=HAZARD_WORKFLOW, case=hazard, name=transition.name, actor=actor,
            expected_version=expected_version, note=note.strip(), changes=changes,
            data={"assignee": assignee, "photos": photos, "note": note, "reason": reason,
                  "duplicate_of": original, **listed,
                  "documents": name == "accept" and _acceptance_reports(hazard, documents)},
            notify_users=notify_users, at=now,
        )
        if name == "submit":
            _attach(hazard, actor, photos, AttachmentKind.AFTER, event=event, at=now)
        if name == "accept":
            _attach(hazard, actor, documents, AttachmentKind.DOCUMENT, event=event, at=now)
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
