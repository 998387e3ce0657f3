"""The navigation bar highlights the section of the page shown, and only that one."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

# A section on the bar, or an item of one of its dropdown menus.
ACTIVE = re.compile(r'<a class="(?:nav-link|dropdown-item) active" href="([^"]+)">')
# The dropdown menu holding the section is highlighted too.
ACTIVE_MENU = re.compile(r'<a class="nav-link dropdown-toggle active"[^>]*>([^<]+)</a>')


@pytest.mark.parametrize(("page", "section"), [
    ("petitions:list", "petitions:list"),          # "list" is also the hazard ledger's name
    ("petitions:new", "petitions:list"),           # and "new" the hazard report's
    ("deadline", "deadline"),                      # in the petitions menu, its own section
    ("hazards:list", "hazards:list"),
    ("hazards:new", "hazards:new"),                # reporting a hazard is not the ledger too
    ("fraud:cases", "fraud:cases"),
    ("dissuasion:warnings", "dissuasion:board"),  # a warning list is not the fraud cases
    ("receptions:calendar", "receptions:calendar"),
    ("overview", "overview"),
    ("my-work", "my-work"),
    ("scoring:table", "scoring:table"),
    ("scoring:values", "scoring:table"),         # entering values is part of the league
])
def test_only_the_current_section_is_highlighted(personas, page, section):
    client = Client()
    client.force_login(personas.admin)
    body = client.get(reverse(page)).content.decode()
    assert ACTIVE.findall(body) == [reverse(section)]


def test_a_page_outside_every_section_highlights_none(personas):
    client = Client()
    client.force_login(personas.admin)
    body = client.get(reverse("ledger-upload-new", args=["hazards"])).content.decode()
    assert 'id="main-nav"' in body and ACTIVE.findall(body) == []


@pytest.mark.parametrize(("page", "menu"), [
    ("hazards:new", "隐患"), ("overview", "隐患"), ("receptions:calendar", "信访"),
    ("dissuasion:board", "反诈"), ("scoring:table", "督查考核"), ("my-work", None),
])
def test_the_menu_holding_the_section_is_highlighted(personas, page, menu):
    client = Client()
    client.force_login(personas.admin)
    body = client.get(reverse(page)).content.decode()
    assert ACTIVE_MENU.findall(body) == ([menu] if menu else [])
