"""A major hazard on a phone: its regulator lists it for supervision from the hazard page,
and once its acceptance is on file the town closes it from the same page.

Screenshots go to the test's temporary folder, or to PINGAN_SCREENSHOT_DIR when set
(``PINGAN_SCREENSHOT_DIR=docs/screenshots`` renews docs/screenshots/hazard-major-phone.png).
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from pingan.conftest import answered, no_sideways_scroll, phone_login
from pingan.core.models import Role, RoleName, Unit
from pingan.hazards.models import Hazard, Status
from pingan.hazards.services import hazard_transition, hazard_update
from pingan.testing import tiny_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = {"plan_goals": "消除老旧民房承重墙开裂坍塌风险",
        "plan_methods": "人员全部撤离，专业队伍加固承重墙和屋面",
        "plan_funding": "镇财政专项资金 12 万元",
        "plan_responsible": "航埠镇建设办负总责，缪村村两委具体实施",
        "plan_deadline": dt.date(2027, 1, 31),
        "plan_safety_measures": "设置警戒线，专人值守，落实应急疏散预案"}


def test_list_and_close_a_major_hazard_on_a_phone(browser, live_server, personas, make_hazard, hangbu,
                                                  tmp_path):
    User = get_user_model()
    regulator = User.objects.create_user("zhujian", password="pingan-demo", first_name="住建局 孔明")
    Role.objects.create(user=regulator, unit=Unit.objects.get(name="住建局"), role=RoleName.HANDLER)
    town, worker = personas.town_handler, personas.grid_worker
    hazard = make_hazard(severity="major", category="building", title="缪村村老旧民房承重墙开裂",
                         location="缪村村3组 17号")

    def step(name, actor, **kwargs):
        hazard.refresh_from_db()
        hazard_transition(hazard=hazard, name=name, actor=actor, expected_version=hazard.version, **kwargs)

    step("assign", town, assignee=worker)
    hazard_update(hazard=hazard, actor=town, expected_version=hazard.version, changes=PLAN)

    page, errors = phone_login(browser, live_server, "zhujian")
    page.goto(live_server.url + reverse("hazards:detail", args=[hazard.ref]))
    page.click("button[data-bs-target='#step-list']")
    form = page.locator("#step-list form")
    form.wait_for(state="visible")
    form.locator("select[name=supervising_unit]").select_option(label="航埠镇")
    form.locator("input[name=supervision_deadline]").fill(
        f"{timezone.localdate() + dt.timedelta(days=40):%Y-%m-%d}")
    form.locator("select[name=responsible_leader]").select_option(index=1)
    with answered(page):
        form.locator("button[type=submit]").click()
    hazard.refresh_from_db()
    assert hazard.is_listed and hazard.supervising_unit == hangbu
    assert hazard.responsible_leader.username == "hangbu_safety"  # the nearest leader comes first

    step("start", worker)
    step("submit", worker, photos=[("after.png", tiny_png(rgb=(40, 200, 40)))])
    step("accept", regulator, note="验收结论：经区住建局组织专家现场验收，加固工程符合方案要求。",
         documents=[("缪村村民房加固验收报告.pdf", b"%PDF-1.4\n% report\n%%EOF\n")])

    clerk, clerk_errors = phone_login(browser, live_server, "hangbu")
    clerk.goto(live_server.url + reverse("hazards:detail", args=[hazard.ref]))
    assert no_sideways_scroll(clerk)
    supervision = clerk.locator("#supervision")
    assert "航埠镇副镇长 张华" in supervision.inner_text()
    assert "缪村村民房加固验收报告.pdf" in supervision.inner_text()
    clerk.click("button[data-bs-target='#step-verify']")
    clerk.locator("#step-verify form").wait_for(state="visible")
    screenshots = Path(os.environ.get("PINGAN_SCREENSHOT_DIR") or tmp_path)
    clerk.screenshot(path=str(screenshots / "hazard-major-phone.png"), full_page=True)
    clerk.locator("#step-verify textarea[name=note]").fill("经行业主管部门验收合格，予以销号。")
    with answered(clerk):
        clerk.locator("#step-verify button[type=submit]").click()
    assert Hazard.objects.get(pk=hazard.pk).status == Status.CLOSED
    assert errors == [] and clerk_errors == []
