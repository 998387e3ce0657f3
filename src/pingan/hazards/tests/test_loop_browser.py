"""The whole hazard loop in a real browser on a phone-sized screen: a grid worker reports
with a photo, the town handler assigns it, the worker rectifies, someone else verifies and
closes, and the outsider from another town cannot find it."""

import pytest
from django.urls import reverse

from pingan.conftest import answered, no_sideways_scroll
from pingan.conftest import phone_login as phone
from pingan.hazards.models import Hazard
from pingan.testing import tiny_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "幸福小区3幢楼道电动车飞线充电"


def take_step(page, live_server, ref, name, *, note="", assignee=None, photo=None):
    page.goto(live_server.url + reverse("hazards:detail", args=[ref]))
    page.click(f"button[data-bs-target='#step-{name}']")
    form = page.locator(f"#step-{name} form")
    form.wait_for(state="visible")
    if assignee:
        form.locator("select[name=assignee]").select_option(label=assignee)
    if photo:
        form.locator("input[name=photos]").set_input_files(photo)
    if note:
        form.locator("textarea[name=note]").fill(note)
    # Wait for the answer to the POST itself, not just any quiet moment on the old page.
    with answered(page):
        form.locator("button[type=submit]").click()


def test_report_assign_rectify_verify_close_on_a_phone(browser, live_server, personas, tmp_path):
    before = tmp_path / "before.png"
    before.write_bytes(tiny_png(32, 24, (210, 60, 40)))
    after = tmp_path / "after.png"
    after.write_bytes(tiny_png(32, 24, (40, 180, 60)))

    worker, worker_errors = phone(browser, live_server, "grid")
    worker.goto(live_server.url + reverse("hazards:new"))
    assert no_sideways_scroll(worker)
    worker.fill("input[name=title]", TITLE)
    worker.select_option("select[name=category]", "ebike_charging")
    worker.fill("textarea[name=description]", "楼道内私拉电线为电动车充电，堵塞疏散通道。")
    worker.fill("input[name=location]", "幸福小区3幢1单元")
    worker.set_input_files("input[name=photos]", str(before))
    worker.click("main form button[type=submit]")
    worker.wait_for_url("**/hazards/YH-*/")
    hazard = Hazard.objects.get(title=TITLE)
    assert hazard.ref in worker.content()
    assert hazard.status == "reported" and hazard.reporter == personas.grid_worker
    assert hazard.attachments.filter(kind="before").count() == 1
    # A grid worker does not assign: the report waits for the town.
    assert worker.locator("button[data-bs-target='#step-assign']").count() == 0

    town, town_errors = phone(browser, live_server, "hangbu")
    assert hazard.ref in town.content()  # on the town's "my work" list
    take_step(town, live_server, hazard.ref, "assign", assignee="网格员 李强",
              note="请三日内整改到位")
    hazard.refresh_from_db()
    assert (hazard.status, hazard.assignee) == ("assigned", personas.grid_worker)

    worker.goto(live_server.url + reverse("my-work"))
    assert hazard.ref in worker.content()
    take_step(worker, live_server, hazard.ref, "start", note="已通知物业")
    take_step(worker, live_server, hazard.ref, "submit", photo=str(after),
              note="已拆除飞线，设置集中充电棚")
    hazard.refresh_from_db()
    assert (hazard.status, hazard.rectifier) == ("awaiting_verification", personas.grid_worker)
    assert hazard.attachments.filter(kind="after").count() == 1
    assert worker.locator("button[data-bs-target='#step-verify']").count() == 0

    take_step(town, live_server, hazard.ref, "verify", note="现场复核，整改到位")
    hazard.refresh_from_db()
    assert (hazard.status, hazard.verifier, hazard.is_open) == ("closed", personas.town_handler, False)
    assert "已销号" in town.content()
    assert no_sideways_scroll(town)
    town.screenshot(path=str(tmp_path / "closed-on-phone.png"), full_page=True)

    outsider, outsider_errors = phone(browser, live_server, "shiliang")
    outsider.goto(live_server.url + reverse("hazards:list") + f"?q={hazard.ref}")
    # The search box echoes what the outsider typed; the results must hold nothing.
    results = outsider.locator("#hazard-results").inner_text()
    assert hazard.ref not in results and TITLE not in outsider.content()
    assert outsider.locator("#hazard-results tbody tr").count() == 0
    response = outsider.goto(live_server.url + reverse("hazards:detail", args=[hazard.ref]))
    assert response.status == 404
    assert TITLE not in outsider.content()
    assert worker_errors == town_errors == outsider_errors == []
