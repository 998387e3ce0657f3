"""A petition whose resolution falls in a year with no confirmed holiday schedule, on its page
in Debian's Chromium: the due date carries the provisional mark and says why
(``PINGAN_SCREENSHOT_DIR=docs/screenshots`` renews docs/screenshots/petition-provisional-deadline.png)."""

import datetime as dt
import os
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from pingan.conftest import browser_login as login
from pingan.petitions.services import petition_register, petition_transition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_a_petition_due_in_a_provisional_year(browser, live_server, personas, hangbu_village, tmp_path):
    received = dt.datetime(2026, 12, 20, 10, tzinfo=SHANGHAI)
    # The clock runs on from 21 December 2026: the page is read the day after registration.
    with time_machine.travel(dt.datetime(2026, 12, 21, 9, tzinfo=SHANGHAI), tick=True):
        petition = petition_register(
            actor=personas.town_handler, unit=hangbu_village, channel="visit", petition_type="complaint",
            category="land", title="征地补偿款未足额发放", matter="村民反映2025年征地补偿款少发。",
            petitioner_name="张三", received_at=received)
        petition_transition(petition=petition, name="accept", actor=personas.town_handler,
                            expected_version=petition.version, at=received + dt.timedelta(hours=5))
        petition.refresh_from_db()
        # 60 days from 20 December 2026 end on Thursday 18 February 2027, counted past the
        # statutory Spring Festival of an unconfirmed year.
        assert petition.due_provisional
        assert petition.due_at.astimezone(SHANGHAI).date() == dt.date(2027, 2, 18)
        page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN")
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, live_server, "hangbu")
        page.goto(live_server.url + reverse("petitions:detail", args=[petition.ref]))
        mark = page.locator("[data-due-provisional]").first
        assert mark.inner_text() == "期限暂定"
        note = page.locator("[data-due-provisional-note]").inner_text()
        assert "2027-02-18" in note and "暂定" in note
        screenshots = Path(os.environ.get("PINGAN_SCREENSHOT_DIR") or tmp_path)
        page.screenshot(path=str(screenshots / "petition-provisional-deadline.png"), full_page=True)
        # The calculator, for the same start: the answer carries the mark and names the year.
        page.goto(live_server.url + reverse("deadline")
                  + "?profile=national&rule=resolution&start=2026-12-20")
        assert page.get_attribute("[data-due]", "data-due") == "2027-02-18"
        assert "2027 年放假安排尚未确认" in page.locator("[data-provisional]").inner_text()
        page.screenshot(path=str(tmp_path / "calculator-provisional.png"), full_page=True)
        assert errors == []
