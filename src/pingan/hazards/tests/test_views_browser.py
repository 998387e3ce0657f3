"""The pages in a real browser (Debian's Chromium): HTMX filters and "load more", the
collapsible step forms, the ECharts chart, and a phone-sized list that does not scroll
sideways."""

import shutil

import pytest
from django.db import connections
from django.urls import reverse

from pingan.demo.district import DEMO_PASSWORD
from pingan.hazards import views

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium"),
]


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API leaves its event loop set as running, so Django takes the test's
    # own (synchronous) ORM calls for async code and refuses them without this.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield browser
        browser.close()
        # Connections opened while Playwright's loop was current belong to its context; close
        # them here, or PostgreSQL refuses to drop the test database at the end.
        connections.close_all()


def login(page, live_server, username):
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + reverse("my-work"))


def test_filters_load_more_steps_and_chart(browser, live_server, personas, make_hazard, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
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

