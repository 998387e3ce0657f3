"""Labels of the hazard ledger's stored codes, for templates."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from pingan.hazards.models import Category, Status
from pingan.hazards.workflow import HAZARD_WORKFLOW

register = template.Library()

_STATUS_COLOURS = {
    Status.REPORTED: "text-bg-secondary",
    Status.ASSIGNED: "text-bg-primary",
    Status.RECTIFYING: "text-bg-info",
    Status.AWAITING_VERIFICATION: "text-bg-warning",
    Status.ACCEPTED: "text-bg-primary",
    Status.CLOSED: "text-bg-success",
    Status.REJECTED: "text-bg-dark",
}


@register.filter
def status_label(value: str) -> str:
    return HAZARD_WORKFLOW.label(value) if value else ""


@register.simple_tag
def status_badge(value: str) -> str:
    return format_html('<span class="badge {}">{}</span>', _STATUS_COLOURS.get(value, "text-bg-light"),
                       HAZARD_WORKFLOW.label(value))


@register.filter
def category_label(value: str) -> str:
    return str(Category(value).label) if value in Category.values else value
