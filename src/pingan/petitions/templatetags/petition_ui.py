"""Labels and badges of the petition ledger's stored codes, for templates."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from pingan.petitions.models import Category, Status
from pingan.petitions.selectors import petitioner_shown
from pingan.petitions.workflow import PETITION_WORKFLOW

register = template.Library()

RATE_LABELS = {
    "acceptance_on_time_rate": _("Accepted on time"),
    "resolution_on_time_rate": _("Resolved on time"),
    "satisfaction_rate": _("Satisfied"),
}

_STATUS_COLOURS = {
    Status.RECEIVED: "text-bg-secondary",
    Status.RETURNED: "text-bg-warning",
    Status.NOT_ACCEPTED: "text-bg-dark",
    Status.ACCEPTED: "text-bg-primary",
    Status.HANDLING: "text-bg-info",
    Status.REPLIED: "text-bg-success",
    Status.RATED: "text-bg-success",
    Status.CLOSED: "text-bg-success",
    Status.UNDER_REVIEW: "text-bg-warning",
    Status.REVIEWED: "text-bg-success",
    Status.UNDER_REEXAM: "text-bg-warning",
    Status.CONCLUDED: "text-bg-dark",
}


@register.simple_tag
def petition_status_badge(value: str) -> str:
    return format_html('<span class="badge {}">{}</span>', _STATUS_COLOURS.get(value, "text-bg-light"),
                       PETITION_WORKFLOW.label(value))


@register.filter
def petition_status_label(value: str) -> str:
    return PETITION_WORKFLOW.label(value) if value else ""


MSG_WITHHELD = _("withheld")


@register.filter
def masked_name(petition: Any, user: Any) -> str:
    """The petitioner on a list: always masked (张*), "anonymous" for an unsigned report,
    "withheld" for an accuser read outside the discipline office."""
    shown = petitioner_shown(user, petition)
    if shown.withheld:
        return str(MSG_WITHHELD)
    return shown.name or str(_("anonymous"))


@register.filter
def rate(value: float | None) -> str:
    """A rate (0–1) as a percentage with one decimal; "—" when nothing was counted."""
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def rates(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The three rates of a backlog row, in the board's column order, with their labels."""
    return [{"label": label, "rate": row[name], "percent": round((row[name] or 0) * 100)}
            for name, label in RATE_LABELS.items()]


@register.filter
def petition_category(value: str) -> str:
    return str(Category(value).label) if value in Category.values else value
