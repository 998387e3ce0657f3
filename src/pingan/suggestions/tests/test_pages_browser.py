"""A suggestion on a phone: the lead's officer reads its clock (returned once, re-assigned,
answered, rated dissatisfied, re-handled, a promise running) and answers another item from
the page, the promised date asked only for a class that promises one.

The screenshots go to the test's temporary folder, or to PINGAN_SCREENSHOT_DIR when set
(``PINGAN_SCREENSHOT_DIR=docs/screenshots`` renews docs/screenshots/suggestion-clock.png).
"""

import contextlib
import datetime as dt
import os
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from pingan.conftest import answered, no_sideways_scroll, phone_login
from pingan.suggestions import services
from pingan.suggestions.models import Satisfaction
from pingan.suggestions.tests.conftest import noon

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = ("答复函.pdf", b"%PDF-1.4 reply")


@contextlib.contextmanager
def on(day: dt.date):
    """Take the steps on ``day``: the return window and the rating read today's date."""
    with time_machine.travel(noon(day), tick=False):
        yield


@pytest.fixture
def full_clock(office, make_suggestion, leader, traffic, housing, co_handler, lead_handler):
    """Returned by 住建局, re-assigned to 交警大队, answered (class D), rated dissatisfied,
    re-handled (class B, a promise ahead), rated basically satisfied."""
    today = timezone.localdate()
    day = today - dt.timedelta(days=130)

    def step(name, actor, **inputs):
        suggestion.refresh_from_db()
        services.suggestion_transition(suggestion=suggestion, name=name, actor=actor,
                                       expected_version=suggestion.version, **inputs)

    with on(day):
        suggestion = make_suggestion(
            title="关于缓解双岭南路早晚高峰拥堵的建议", proposers="蒋薇、徐斌", delegation="柯城代表团",
            is_key=True, supervising_leader=leader,
            text="双岭南路与荷花中路交叉口早晚高峰拥堵严重，建议优化信号灯配时并增设潮汐车道。")
        services.suggestion_assign(suggestion=suggestion, actor=office, lead=housing,
                                   expected_version=suggestion.version)
    with on(day + dt.timedelta(days=4)):
        step("return", co_handler, note="道路交通组织属交警大队职责，请重新交办。")
    with on(day + dt.timedelta(days=7)):
        suggestion.refresh_from_db()
        services.suggestion_assign(suggestion=suggestion, actor=office, lead=traffic, co_handlers=[housing],
                                   expected_version=suggestion.version)
    with on(day + dt.timedelta(days=30)):
        services.suggestion_co_opinion(suggestion=suggestion, actor=co_handler,
                                       opinion="同意增设潮汐车道，道路标线由住建局配合施划。")
    with on(day + dt.timedelta(days=40)):
        step("record_contact", lead_handler, note="上门走访蒋薇代表，听取意见。", way="visit")
    with on(day + dt.timedelta(days=50)):
        step("reply", lead_handler, note="已优化信号灯配时。", result_class="D", reply_document=[PDF])
    with on(day + dt.timedelta(days=60)):
        suggestion.refresh_from_db()
        services.suggestion_rate(suggestion=suggestion, actor=office, satisfaction=Satisfaction.DISSATISFIED,
                                 expected_version=suggestion.version)
    with on(day + dt.timedelta(days=70)):
        step("record_contact", lead_handler, note="座谈会听取代表意见。", way="meeting")
    with on(day + dt.timedelta(days=80)):
        step("reply", lead_handler, note="潮汐车道纳入年度计划。", result_class="B",
             promise_due=today + dt.timedelta(days=60), reply_document=[PDF])
    with on(day + dt.timedelta(days=85)):
        suggestion.refresh_from_db()
        services.suggestion_rate(suggestion=suggestion, actor=office, satisfaction=Satisfaction.BASICALLY,
                                 expected_version=suggestion.version)
    return suggestion


def test_a_suggestion_with_its_clock_on_a_phone(browser, live_server, full_clock, assigned, lead_handler,
                                                tmp_path):
    today, suggestion = timezone.localdate(), full_clock
    page, errors = phone_login(browser, live_server, lead_handler.username)
    page.goto(live_server.url + reverse("suggestions:detail", args=[suggestion.ref]))
    clock = page.locator("#clock")
    assert clock.locator("[data-term=return][data-state=skipped]").count() == 1  # round 2's window
    assert "道路交通组织属交警大队职责" in page.locator("#returns").inner_text()
    assert clock.locator("[data-term=reply][data-state=done]").count() == 1
    assert clock.locator("[data-term=rehandle][data-state=done]").count() == 1
    assert clock.locator("[data-term=promise][data-state=running]").count() == 1
    assert "同意增设潮汐车道" in clock.inner_text() and "不满意" in clock.inner_text()
    assert no_sideways_scroll(page)
    screenshots = Path(os.environ.get("PINGAN_SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(screenshots / "suggestion-clock.png"), full_page=True)
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    desktop.context.add_cookies(page.context.cookies())
    desktop.goto(live_server.url + reverse("suggestions:detail", args=[suggestion.ref]))
    desktop.screenshot(path=str(screenshots / "suggestion-clock-desktop.png"), full_page=True)

    fresh = assigned(today - dt.timedelta(days=5))
    page.goto(live_server.url + reverse("suggestions:detail", args=[fresh.ref]))
    page.click("button[data-bs-target='#step-record_contact']")
    form = page.locator("#step-record_contact form")
    form.wait_for(state="visible")
    form.locator("select[name=way]").select_option("phone")
    form.locator("textarea[name=note]").fill("电话联系蒋薇代表。")
    with answered(page):
        form.locator("button[type=submit]").click()
    assert clock.locator("[data-term=contacts][data-state=done]").count() == 1

    page.click("button[data-bs-target='#step-reply']")
    form = page.locator("#step-reply form")
    form.wait_for(state="visible")
    promise = form.locator("input[name=promise_due]")
    form.locator("select[name=result_class]").select_option("A")
    assert promise.is_hidden()
    form.locator("select[name=result_class]").select_option("C")
    assert promise.is_visible()
    promise.fill((today + dt.timedelta(days=200)).isoformat())
    form.locator("input[name=reply_document]").set_input_files(
        files=[{"name": PDF[0], "mimeType": "application/pdf", "buffer": PDF[1]}])
    form.locator("textarea[name=note]").fill("列入明年道路改造计划。")
    with answered(page):
        form.locator("button[type=submit]").click()
    assert clock.locator("[data-term=reply][data-state=done]").count() == 1
    assert "答复函.pdf" in clock.inner_text() and no_sideways_scroll(page)
    assert errors == []
