"""The pages in a real browser (Debian's Chromium): HTMX filters and "load more", the
collapsible step forms, the ECharts chart, and a phone-sized list that does not scroll
sideways."""

import pytest
from django.urls import reverse

from pingan.conftest import browser_login as login
from pingan.core import web

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filters_load_more_steps_and_chart(browser, live_server, personas, make_hazard, monkeypatch):
    monkeypatch.setattr(web, "PAGE_SIZE", 2)
    gas = make_hazard(title="燃气管道老化", category="gas")
    for i in range(2):
        make_hazard(title=f"楼道电动车充电{i}")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server, "hangbu")

    page.goto(live_server.url + reverse("hazards:list"))
    assert page.locator("#hazard-results tbody tr:not(.load-more-row)").count() == 2
    page.click("text=加载更多")
    page.wait_for_function("document.querySelectorAll('#hazard-results tbody tr').length === 3"
                           " && !document.querySelector('.load-more-row')")
    assert page.locator("text=加载更多").count() == 0

    page.locator("[data-count-for=category]").locator("xpath=..").click()
    page.check("#filter-category-gas")
    page.wait_for_function("document.querySelectorAll('#hazard-results tbody tr').length === 1")
    assert "category=gas" in page.url  # hx-push-url keeps the filter in the address
    assert page.locator("#hazard-results").inner_text().count(gas.ref) == 1
    assert page.locator("[data-count-for=category]").inner_text() == "1"

    page.goto(live_server.url + reverse("hazards:detail", args=[gas.ref]))
    assert not page.locator("#step-assign").is_visible()
    page.click("button[data-bs-target='#step-assign']")
    page.wait_for_selector("#step-assign select[name=assignee]", state="visible")

    page.goto(live_server.url + reverse("overview"))
    page.wait_for_selector("[data-chart] canvas")
    assert errors == []


def test_phone_list_fits_the_screen(browser, live_server, personas, make_hazard):
    make_hazard(title="楼道内电动车充电，三楼东侧楼梯间堆放多辆电动自行车")
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                            locale="zh-CN")
    login(page, live_server, "grid")
    for url in (reverse("hazards:list"), reverse("my-work"), reverse("hazards:new"), reverse("overview")):
        page.goto(live_server.url + url)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 390, url
    page.goto(live_server.url + reverse("hazards:list"))
    assert not page.locator("#more-filters").is_visible()  # folded away on a phone
    page.click("button[data-bs-target='#more-filters']")
    page.wait_for_selector("#filter-sort", state="visible")

