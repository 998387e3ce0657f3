"""The calculator on a phone, in Debian's Chromium: the form, then the answer with its table
of days stacked as cards, and nothing wider than the screen."""

import pytest

from pingan.conftest import browser_login as login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_calculator_on_a_phone(browser, live_server, personas, tmp_path):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                            locale="zh-CN")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server, "grid")
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
