"""Circulars (通报): drafted by the district's office for a period and a kind, published once.

A ranking circular names the towns' table for the period (units ranked, red flags, last
place), the late supervised tasks and the overdue hazards by unit; a failure-of-duty
circular names one unit, the facts and the lesson. A draft shows what it would say now;
publication freezes that as ``content``, names the units, renders the .docx and the PDF and
stores them. A published circular is never edited: the row is its record.

Who may: the district's office manages circulars (a superuser, or a handler or higher of
supervision or of every domain at the district). Once published, a circular is seen by the
people of the district (any role at the issuing unit) and of the units it names (any role at
such a unit or within it). A draft is seen by its managers only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.models import Unit, UnitKind
from pingan.core.scoping import scope_for
from pingan.hazards import selectors as hazard_selectors
from pingan.scoring.models import Table
from pingan.scoring.periods import Period, PeriodError
from pingan.scoring.selectors import standings
from pingan.supervision import documents
from pingan.supervision import selectors as task_selectors
from pingan.supervision.models import Circular, CircularKind
from pingan.supervision.services import refuse_nul
from pingan.supervision.workflow import is_assigning_office

MSG_NOT_MANAGER = _("Only the district's public-safety office may draft and publish circulars.")
MSG_PERIOD = _("Give the period as 2026Q1 or 2026-03.")
MSG_NO_STANDINGS = _("The towns' table has no standings for {period}: rank the period first.")
MSG_NAMED_UNIT_REQUIRED = _("Name the unit that failed in its duty.")
MSG_FACTS_REQUIRED = _("Set out the facts.")
MSG_TITLE_REQUIRED = _("Give the circular a title.")
MSG_NUMBER_REQUIRED = _("Give the circular its document number (文号) before publishing it.")
MSG_ALREADY_PUBLISHED = _("This circular was published on {date}: a published circular is not changed.")
MSG_NOT_PUBLISHED = _("The circular is a draft: its documents are made when it is published.")

FILE_KINDS = ("docx", "pdf")
# The list's order, newest first: the page and the API page on it.
CIRCULAR_ORDER = ["-created_at", "-id"]
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


# --- who may -------------------------------------------------------------------------------

def district() -> Unit | None:
    """The district the office works for: the root of the unit tree."""
    return Unit.objects.filter(kind=UnitKind.DISTRICT, parent__isnull=True).order_by("prefix").first()


def may_manage(user: Any) -> bool:
    """The district's office manages circulars, as it assigns tasks: a superuser, or a handler
    (or higher) of supervision or of every domain at the district."""
    return is_assigning_office(user)


def circular_reach(user: Any) -> Q:
    """The circulars ``user`` sees: all, for a manager; else the published ones that name a
    unit at or above one where they hold a role, or that their own district issued."""
    if may_manage(user):
        return Q()
    scope = scope_for(user)
    if not scope.roles:
        return Q(pk__in=[])
    role_units = {role.unit for role in scope.roles}
    at_or_above = {unit.pk for role_unit in role_units for unit in (role_unit, *role_unit.ancestors())}
    named = Circular.objects.filter(named_units__in=at_or_above).values("pk")
    return Q(published_at__isnull=False) & (Q(pk__in=named) | Q(issuer__in=[u.pk for u in role_units]))


# --- reads ---------------------------------------------------------------------------------

def circular_list(*, user: Any) -> QuerySet[Circular]:
    return Circular.objects.filter(circular_reach(user)).select_related("issuer").order_by(*CIRCULAR_ORDER)


def circular_get(*, user: Any, pk: int) -> Circular | None:
    return circular_list(user=user).filter(pk=pk).first()


def circular_content(circular: Circular, *, actor: Any) -> dict[str, Any]:
    """What the circular says: frozen once published; for a draft of the ranking kind, as it
    would be frozen now."""
    if circular.is_published or circular.kind == CircularKind.FAILURE_OF_DUTY:
        return circular.content
    return ranking_content(Period.parse(circular.period), issuer=circular.issuer, actor=actor)


def ranking_content(period: Period, *, issuer: Unit, actor: Any) -> dict[str, Any]:
    """The towns' table for ``period``, the late tasks by lead unit and the overdue hazards by
    town: the ranked units and the late ones are the units the circular names."""
    rows = [{"rank": s.rank, "unit": s.member.name, "unit_id": s.member.unit_id,
             "score": None if s.composite is None else f"{s.composite:.2f}",
             "previous_rank": s.previous_rank, "red_flag": s.red_flag, "last_place": s.last_place}
            for s in standings(Table.TOWNS, period)]
    late: dict[tuple[int, str], list[dict[str, str]]] = defaultdict(list)
    for task in task_selectors.late_tasks(start=_moment(period.start), end=_moment(period.end)):
        owner = task.department or task.unit
        late[(owner.pk, owner.name)].append({"ref": task.ref, "title": task.title,
                                             "deadline": task.deadline.isoformat()})
    overview = hazard_selectors.unit_overview(user=actor, unit=issuer)
    overdue = [{"unit": row["unit"].name, "unit_id": row["unit"].pk, "count": row["overdue"]}
               for row in overview["rows"] if row["overdue"]]
    return {
        "kind": CircularKind.RANKING.value,
        "issuer": issuer.name,
        "period": period.key,
        "period_label": chinese_period(period),
        "intro": (f"现将{chinese_period(period)}各乡镇（街道）平安建设争先创优排名、"
                  "督办任务落实和隐患整改情况通报如下。"),
        "ranking": rows,
        "late_tasks": [{"unit": name, "unit_id": pk, "tasks": tasks} for (pk, name), tasks in late.items()],
        "overdue": overdue,
    }


def _moment(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the district's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def chinese_period(period: Period) -> str:
    """The period as the document writes it, in Chinese whatever the reader's language."""
    if period.kind == "quarter":
        return f"{period.year}年第{'一二三四'[period.number - 1]}季度"
    return f"{period.year}年{period.number}月"


def named_unit_ids(content: dict[str, Any]) -> set[int]:
    ids = {row["unit_id"] for key in ("ranking", "late_tasks", "overdue") for row in content.get(key, [])}
    if content.get("unit_id"):
        ids.add(content["unit_id"])
    return {pk for pk in ids if pk}


# --- writes --------------------------------------------------------------------------------

def _require_manager(actor: Any) -> None:
    if not may_manage(actor):
        raise errors.PermissionDenied(MSG_NOT_MANAGER)


@transaction.atomic
def circular_draft(*, actor: Any, kind: str, title: str, period: str = "", number: str = "",
                   unit: Unit | None = None, facts: str = "", lesson: str = "") -> Circular:
    """Draft a circular: for a ranking one, the period (its standings must exist); for a
    failure of duty, the unit, the facts and the lesson."""
    _require_manager(actor)
    issuer = district()
    if issuer is None:
        raise errors.DomainError(MSG_NOT_MANAGER)
    if kind not in CircularKind.values:
        raise errors.DomainError(_("Choose the kind of circular."), field="kind")
    refuse_nul(title=title, number=number, period=period, facts=facts, lesson=lesson)
    title = title.strip()
    if not title:
        raise errors.DomainError(MSG_TITLE_REQUIRED, field="title")
    content: dict[str, Any] = {}
    if kind == CircularKind.RANKING:
        try:
            parsed = Period.parse(period.strip())
        except PeriodError as exc:
            raise errors.DomainError(MSG_PERIOD, field="period") from exc
        if not standings(Table.TOWNS, parsed):
            raise errors.DomainError(MSG_NO_STANDINGS.format(period=parsed.key), field="period")
        period = parsed.key
    else:
        if unit is None:
            raise errors.DomainError(MSG_NAMED_UNIT_REQUIRED, field="unit")
        if not facts.strip():
            raise errors.DomainError(MSG_FACTS_REQUIRED, field="facts")
        period = ""
        content = {"kind": kind, "issuer": issuer.name, "unit": unit.name, "unit_id": unit.pk,
                   "facts": facts.strip(), "lesson": lesson.strip(),
                   "intro": f"现将{unit.name}履职不力问题通报如下。"}
    return Circular.objects.create(kind=kind, issuer=issuer, number=number.strip(), title=title,
                                   period=period, body=facts.strip(), content=content, created_by=actor,
                                   created_at=timezone.now())


def publish_refusal(circular: Circular, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not publish ``circular``, or None: a manager, while it is a draft."""
    if not may_manage(actor):
        if not Circular.objects.filter(circular_reach(actor), pk=circular.pk).exists():
            return errors.NotFound(errors.MSG_NOT_FOUND)
        return errors.PermissionDenied(MSG_NOT_MANAGER)
    if circular.published_at is not None:
        return errors.TransitionNotAllowed(MSG_ALREADY_PUBLISHED.format(
            date=timezone.localdate(circular.published_at).isoformat()))
    return None


def may_publish(circular: Circular, actor: Any) -> bool:
    return publish_refusal(circular, actor) is None


@transaction.atomic
def circular_publish(*, actor: Any, circular: Circular, number: str = "") -> Circular:
    """Publish a draft once: its content frozen, the units it names recorded, its .docx and
    PDF rendered and stored."""
    circular = Circular.objects.select_for_update().select_related("issuer").get(pk=circular.pk)
    refusal = publish_refusal(circular, actor)
    if refusal is not None:
        raise refusal
    refuse_nul(number=number)
    number = number.strip() or circular.number
    if not number:
        raise errors.DomainError(MSG_NUMBER_REQUIRED, field="number")
    content = circular_content(circular, actor=actor)
    circular.number = number
    circular.content = content
    circular.published_at = timezone.now()
    circular.published_by = actor
    context = documents.document_context(circular, content)
    for kind, render in (("docx", documents.render_docx), ("pdf", documents.render_pdf)):
        stored = ContentFile(render(context))
        getattr(circular, kind).save(f"circular-{circular.pk}.{kind}", stored, save=False)
    circular.save()
    circular.named_units.set(named_unit_ids(content))
    return circular


def circular_file(circular: Circular, kind: str) -> tuple[bytes, str, str]:
    """A published circular's stored document: (content, file name, content type)."""
    if kind not in FILE_KINDS:
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    if not circular.is_published:
        raise errors.DomainError(MSG_NOT_PUBLISHED)
    field = circular.docx if kind == "docx" else circular.pdf
    with field.open("rb") as stored:
        data = stored.read()
    return data, f"{circular.number or circular.pk}.{kind}", CONTENT_TYPES[kind]
