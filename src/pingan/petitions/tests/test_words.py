"""The words a petition clerk reads: a closed petition is 已办结 (销号 is the hazards' word),
the running term counts the day it started as day 1, a step's button names the step in
Chinese."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from pingan.petitions.selectors import running_term
from pingan.petitions.tests.test_views import client_for, step

pytestmark = pytest.mark.django_db


def test_a_closed_petition_reads_closed_as_a_petition_is(make_petition, personas):
    petition = make_petition()
    for name, data in (("accept", {}), ("reply", {"outcome": "explained", "note": "已解释"}),
                       ("close", {"note": "信访人未接电话"})):
        step(petition, name, personas.town_handler, **data)
    client = client_for(personas.town_handler)
    page = client.get(reverse("petitions:detail", args=[petition.ref])).content.decode()
    listing = client.get(reverse("petitions:list"), {"status": "closed"}).content.decode()
    for body in (page, listing):
        assert "已办结" in body and "销号" not in body
    assert petition.ref in listing


@pytest.mark.parametrize(("now", "day"), [
    ("2026-03-02 09:00 +08:00", 1),   # the moment of receipt
    ("2026-03-02 23:59 +08:00", 1),   # the last minute of that day
    ("2026-03-03 00:00 +08:00", 2),   # the next day, by the district's clock, not UTC's
    ("2026-03-17 12:00 +08:00", 16),  # the due date: 15 calendar days after receipt
    ("2026-03-18 08:00 +08:00", 17),  # a day overdue
])
def test_the_running_term_counts_the_day_of_receipt_as_day_1(make_petition, now, day):
    with time_machine.travel("2026-03-02 09:00 +08:00", tick=False):
        petition = make_petition()
    with time_machine.travel(now, tick=False):
        term = running_term(petition)
    assert (term.days_used, term.days_total) == (day, 16)
    assert term.percent == min(100, round(100 * day / 16))


def test_the_clock_shows_day_1_on_the_day_of_receipt(make_petition, xinfang):
    with time_machine.travel("2026-03-02 09:00 +08:00", tick=False):
        petition = make_petition()
        page = client_for(xinfang).get(reverse("petitions:detail", args=[petition.ref])).content.decode()
    assert "第 1 天 / 共 16 天" in page


def test_a_steps_button_names_the_step_in_chinese(make_petition, personas):
    petition = make_petition()
    page = client_for(personas.town_handler).get(reverse("petitions:detail", args=[petition.ref]))
    body = page.content.decode()
    assert "确认：受理" in body and "Confirm" not in body
