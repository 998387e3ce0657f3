"""Small pieces of the interface shared by every kind of case."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from pingan.core.models import DueState
from pingan.core.users import User

register = template.Library()

# How a case reached the ledger (Case.source); an unknown source shows as stored.
SOURCES = {"web": _("Web form"), "import": _("Ledger import"), "api": _("API")}

# The navigation bar's sections and the views each covers, by view name ("hazards:new") or
# by namespace ("hazards"). A page belongs to the section naming its view, else to the one
# naming its namespace, so only one section is highlighted: reporting a hazard is not also
# the hazard ledger, and a petition's list is not the hazards' ("list" in both namespaces).
NAV_SECTIONS: dict[str, tuple[str, ...]] = {
    "my-work": ("my-work",),
    "hazards": ("hazards",),
    "report-hazard": ("hazards:new",),
    "petitions": ("petitions",),
    "receptions": ("receptions",),
    # The calculator serves suggestions too, but petition clerks ask it most: it stays in their menu.
    "deadline": ("deadline",),
    "fraud": ("fraud",),
    "dissuasion": ("dissuasion",),
    "overview": ("overview",),
    "league": ("scoring",),
    "meetings": ("supervision:meetings", "supervision:meeting"),
    "circulars": ("supervision:circulars", "supervision:circular"),
    "supervision": ("supervision",),
    "suggestions-board": ("suggestions:board",),
    "register-suggestion": ("suggestions:new",),
    "suggestions": ("suggestions",),
}

# The bar's dropdown menus and the sections in each: the menu holding the page's section is
# highlighted with it.
NAV_GROUPS: dict[str, tuple[str, ...]] = {
    "hazards": ("hazards", "report-hazard", "overview"),
    "petitions": ("petitions", "receptions", "deadline"),
    "fraud": ("fraud", "dissuasion"),
    "supervision": ("league", "supervision", "meetings", "circulars"),
    "suggestions": ("suggestions", "suggestions-board", "register-suggestion"),
}


@register.simple_tag(takes_context=True)
def nav_section(context: template.Context) -> str:
    """The navigation bar's section of the page being shown ("" for none)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    for wanted in (match.view_name, match.namespace):
        for section, covers in NAV_SECTIONS.items():
            if wanted and wanted in covers:
                return section
    return ""


@register.simple_tag
def nav_group(section: str) -> str:
    """The dropdown menu holding ``section`` ("" for a section on the bar itself)."""
    return next((group for group, sections in NAV_GROUPS.items() if section in sections), "")


@register.simple_tag
def due_badge(state: str | None) -> str:
    """The due state as a coloured badge: on time, due soon, overdue, long overdue. A closed
    item gets none: its status badge already says so."""
    if state not in DueState.values or state == DueState.CLOSED:
        return ""
    return format_html('<span class="badge due-badge due-{}">{}</span>', state,
                       DueState(state).label)


@register.filter
def person(user: User | None) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


@register.filter
def source_label(value: str) -> str:
    return str(SOURCES.get(value, value))


@register.filter
def get_value(query: Any, name: str) -> str:
    """One value of a query string by a name held in a variable (templates cannot index)."""
    return query.get(name, "")


@register.filter
def case_url(case: Any) -> str:
    """A case's page: ``PINGAN_CASE_PAGES`` names each kind's view, which takes the reference."""
    return reverse(settings.PINGAN_CASE_PAGES[case.kind], args=[case.ref])
