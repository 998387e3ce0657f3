"""The calculator on a phone, in Debian's Chromium: the form, then the answer with its table
of days stacked as cards, and nothing wider than the screen; a petition rule under a profile,
and a suggestion's term in months."""

import os
from pathlib import Path

import pytest

from pingan.conftest import phone_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_calculator_on_a_phone(browser, live_server, personas, tmp_path):
    page, errors = phone_login(browser, live_server, "grid")
    page.goto(live_server.url + "/deadline/")
    page.select_option("select[name=profile]", "zhejiang")
    page.select_option("select[name=rule]", "resolution")
    page.fill("input[name=start]", "2026-09-25")
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-due]")
    assert page.get_attribute("[data-due]", "data-due") == "2026-10-26"
    row = page.locator("tr", has_text="2026-10-10")
    assert "调休上班日" in row.inner_text() and "第 15 日，计入" in row.inner_text()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "deadline-phone.png"), full_page=True)
    assert errors == []


def test_a_suggestions_reply_in_months_on_a_phone(browser, live_server, personas, tmp_path):
    page, errors = phone_login(browser, live_server, "hangbu")
    page.goto(live_server.url + "/deadline/")
    assert page.locator("select[name=rule] optgroup[label=建议提案] option").count() == 5
    page.select_option("select[name=rule]", "deputy_reply")
    page.fill("input[name=start]", "2026-07-01")
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-due]")
    assert page.get_attribute("[data-due]", "data-due") == "2026-10-08"
    assert page.locator("[data-term]").inner_text() == "3 个月"
    assert "计数止于此日" in page.locator("tr", has_text="2026-10-01").inner_text()
    assert page.locator("tr", has_text="顺延跳过").count() == 6
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    screenshots = Path(os.environ.get("PINGAN_SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(screenshots / "deadline-suggestion-phone.png"), full_page=True)
    assert errors == []
