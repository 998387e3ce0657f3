"""The league table in a real browser (Debian's Chromium): on a phone, reached through the
grouped menu, sorted by a tap, its rank chart drawn, nothing scrolling sideways; and the
desktop screenshots of the table and of a member's breakdown.

Screenshots go to the test's temporary folder, or to PINGAN_SCREENSHOT_DIR when set
(``PINGAN_SCREENSHOT_DIR=docs/screenshots`` renews docs/screenshots/league-table.png and
league-member.png)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from pingan.conftest import answered, browser_login, no_sideways_scroll, phone_login
from pingan.scoring.analysis import weak_indicators
from pingan.scoring.models import Standing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN"}


def test_the_table_on_a_phone(browser, live_server, personas, league):
    page, errors = phone_login(browser, live_server, "hangbu")
    page.click("button.navbar-toggler")
    page.click("text=督查考核")
    with answered(page):
        page.click("#main-nav >> text=争先创优")
    page.wait_for_selector("[data-rank-chart] canvas")
    assert page.locator(".league-table tbody tr").count() == len(league["towns"])
    assert no_sideways_scroll(page)
    with answered(page):
        page.click(".league-table th >> text=得分")
    assert "sort=composite" in page.url
    assert errors == []


@time_machine.travel(dt.datetime(2027, 1, 20, 10, tzinfo=dt.UTC), tick=True)
def test_screenshots(browser, live_server, personas, league, task_page, tmp_path):
    screenshots = Path(os.environ.get("PINGAN_SCREENSHOT_DIR") or tmp_path)
    page = browser.new_context(**DESKTOP).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, live_server, "admin")
    page.goto(live_server.url + reverse("scoring:table") + "?table=towns&period=2026Q4")
    page.wait_for_selector("[data-rank-chart] canvas")
    page.wait_for_timeout(800)  # ECharts' entry animation
    page.screenshot(path=str(screenshots / "league-table.png"), full_page=True)

    standings = list(Standing.objects.filter(table="towns", period="2026Q4"))
    # A town just below the target rank: its weak indicators show how far each must move.
    near = [s for s in standings if s.rank and 4 <= s.rank <= 8] or standings
    weakest = max(near, key=lambda s: len(weak_indicators(standings, s.member)))
    member_url = reverse("scoring:member", args=["towns", weakest.member.code])
    page.goto(f"{live_server.url}{member_url}?period=2026Q4")
    page.wait_for_selector("[data-rank-chart] canvas")
    assert page.locator("text=立督办").count() >= 1
    page.wait_for_timeout(800)
    page.screenshot(path=str(screenshots / "league-member.png"), full_page=True)
    assert errors == []
