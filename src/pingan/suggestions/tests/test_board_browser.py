"""The suggestions board in a real browser (Debian's Chromium): on a phone its tables turn into
cards, its chart draws, nothing scrolls sideways, and a unit opens its own board; the desktop
screenshot of a session's board.

Screenshots go to the test's temporary folder, or to PINGAN_SCREENSHOT_DIR when set
(``PINGAN_SCREENSHOT_DIR=docs/screenshots`` renews docs/screenshots/suggestions-board.png)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from pingan.conftest import answered, browser_login, no_sideways_scroll, phone_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("board_clock")]

DESKTOP = {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN"}


def test_the_board_on_a_phone(browser, live_server, board_set, office, traffic):
    page, errors = phone_login(browser, live_server, office.username)
    page.goto(live_server.url + reverse("suggestions:board"))
    page.wait_for_selector("#board-chart canvas")
    assert page.locator("#board-units tbody tr").count() == 4  # three units and the total
    assert page.locator("#board-units thead").is_hidden()  # each row a card
    assert no_sideways_scroll(page)
    with answered(page):
        page.click("#board-units >> text=交警大队")
    assert f"unit={traffic.pk}" in page.url
    assert page.locator("#board-unit-items tbody tr").count() == 6
    assert no_sideways_scroll(page)
    assert errors == []


def test_screenshot_of_a_session_s_board(browser, live_server, board_set, office, session, tmp_path):
    screenshots = Path(os.environ.get("PINGAN_SCREENSHOT_DIR") or tmp_path)
    page = browser.new_context(**DESKTOP).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, live_server, office.username)
    page.goto(f"{live_server.url}{reverse('suggestions:board')}?session={session.pk}")
    page.wait_for_selector("#board-chart canvas")
    page.wait_for_timeout(800)  # ECharts' entry animation
    page.screenshot(path=str(screenshots / "suggestions-board.png"), full_page=True)
    assert page.locator("#board-key tbody tr").count() == 2
    assert page.locator("#board-promises tbody tr").count() == 1
    assert errors == []
