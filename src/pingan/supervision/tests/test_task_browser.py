"""A supervised task on a phone: the lead's officer reads its milestones (one done, one
overdue and escalated, one ahead) and reports progress from the page.

The screenshot goes to the test's temporary folder, or to PINGAN_SCREENSHOT_DIR when set
(``PINGAN_SCREENSHOT_DIR=docs/screenshots`` renews docs/screenshots/supervision-task.png).
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from pingan.conftest import answered, no_sideways_scroll, phone_login
from pingan.core.escalation import escalate_overdue
from pingan.supervision import services
from pingan.supervision.models import Origin
from pingan.testing import tiny_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_task_with_its_milestones_on_a_phone(browser, live_server, personas, hangbu, police, leader,
                                               fraud_officer, tmp_path):
    today = timezone.localdate()
    start = timezone.now() - dt.timedelta(days=20)
    task = services.task_create(
        actor=personas.admin, title="电信网络诈骗每万人损失追赶", unit=hangbu, lead=police,
        deadline=today + dt.timedelta(days=40), goal="每万人损失降至 20 万元以下，城市表排名进入前三",
        milestones=[("摸排重点人群并建立台账", today - dt.timedelta(days=15)),
                    ("开展反诈集中宣传进村入户", today - dt.timedelta(days=3)),
                    ("止付冻结和返还成效评估", today + dt.timedelta(days=20))],
        responsible_leader=leader, origin=Origin.INDICATOR, origin_label="2026Q1 城市表 · 电诈每万人损失",
        at=start)

    def step(name, note="", at=None, **inputs):
        task.refresh_from_db()
        services.task_transition(task=task, name=name, actor=fraud_officer, expected_version=task.version,
                                 note=note, at=at, **inputs)

    step("accept", at=start + dt.timedelta(days=1))
    step("complete_milestone", "已摸排重点人群 1,286 人，建立一人一档。", at=start + dt.timedelta(days=4),
         attachments=[("重点人群台账.png", tiny_png(rgb=(200, 40, 40)))])
    escalate_overdue()

    page, errors = phone_login(browser, live_server, fraud_officer.username)
    page.goto(live_server.url + reverse("supervision:task", args=[task.ref]))
    milestones = page.locator("#milestones")
    states = ("done", "overdue", "ahead")
    assert [milestones.locator(f"[data-milestone={state}]").count() for state in states] == [1, 1, 1]
    assert no_sideways_scroll(page)
    screenshots = Path(os.environ.get("PINGAN_SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(screenshots / "supervision-task.png"), full_page=True)

    page.click("button[data-bs-target='#step-report_progress']")
    form = page.locator("#step-report_progress form")
    form.wait_for(state="visible")
    form.locator("textarea[name=note]").fill("已进村入户宣传 42 场。")
    with answered(page):
        form.locator("button[type=submit]").click()
    assert "已进村入户宣传 42 场。" in page.locator("#reports").inner_text()
    page.goto(live_server.url + reverse("supervision:board"))
    assert "副区长 吴强" in page.locator("#board").inner_text() and no_sideways_scroll(page)
    page.goto(live_server.url + reverse("supervision:tasks") + "?progress=late")
    assert task.ref in page.content() and no_sideways_scroll(page)
    assert errors == []

    office, office_errors = phone_login(browser, live_server, personas.admin.username)
    office.goto(live_server.url + reverse("supervision:task-new") + f"?unit={hangbu.code}&title=追赶")
    assert office.locator("input[name=title]").input_value() == "追赶" and no_sideways_scroll(office)
    assert office_errors == []
