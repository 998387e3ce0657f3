"""A reception day in a real browser: the district's calendar for a year of the demo, then
航埠镇's clerk on a phone opens today's reception from the calendar, records it held,
registers a visitor and follows the new petition through its clock: the town accepts it,
the district head extends the term, the town replies and prints the reply notice.

Screenshots go to the test's temporary folder, or to PINGAN_SCREENSHOT_DIR when set
(``PINGAN_SCREENSHOT_DIR=docs/screenshots`` renews docs/screenshots/reception-calendar.png).
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from pingan.conftest import PHONE_SCREEN, answered, browser_login, no_sideways_scroll
from pingan.demo import receptions as reception_days
from pingan.demo.generator import DemoContext
from pingan.petitions.models import Petition
from pingan.receptions.models import Reception, ReceptionStatus
from pingan.receptions.periods import period_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN"}
MATTER = "村道路灯损坏三个月未修"


def _page(browser, live_server, username, options):
    page = browser.new_context(**options).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, live_server, username)
    return page, errors


def _open_form(page, target: str):
    page.click(f"button[data-bs-target='#{target}']")
    form = page.locator(f"#{target} form")
    form.wait_for(state="visible")
    return form


def _submit(page, form) -> None:
    # Wait for the answer to the POST itself, not just any quiet moment on the old page.
    with answered(page):
        form.locator("button[type=submit]").click()


def _milestone(page, key: str) -> str:
    return page.get_attribute(f"[data-milestone='{key}']", "data-state")


def test_register_a_visitor_at_todays_reception_on_a_phone(browser, live_server, personas, hangbu, tmp_path):
    today = timezone.localdate()
    reception_days.generate(DemoContext.ending(personas=personas, today=today), 45)  # 航埠镇 receives today
    reception = Reception.objects.get(unit=hangbu, date=today)
    assert reception.status == ReceptionStatus.PLANNED

    admin, admin_errors = _page(browser, live_server, "admin", DESKTOP)
    admin.goto(live_server.url + reverse("receptions:calendar") + f"?year={today.year}&quarter=year")
    assert admin.locator("table.rc-grid tbody tr").count() == 19
    assert admin.locator("td.rc-missing").count() > 0 and admin.locator("td.rc-held").count() > 300
    screenshots = Path(os.environ.get("PINGAN_SCREENSHOT_DIR") or tmp_path)
    admin.screenshot(path=str(screenshots / "reception-calendar.png"), full_page=True)

    clerk, clerk_errors = _page(browser, live_server, "hangbu", PHONE_SCREEN)
    clerk.goto(live_server.url + reverse("receptions:calendar"))
    # The grid scrolls inside its box; the page itself never scrolls sideways.
    assert no_sideways_scroll(clerk)
    clerk.screenshot(path=str(tmp_path / "calendar-phone.png"), full_page=True)
    cell = clerk.locator(f"td[data-period='{period_of(today).key}'] a")
    assert "rc-planned" in clerk.locator(f"td[data-period='{period_of(today).key}']").get_attribute("class")
    with answered(clerk):
        cell.click()
    assert clerk.url.endswith(reverse("receptions:detail", args=[reception.pk]))

    held = _open_form(clerk, "form-held")
    held.locator("textarea[name=note]").fill("书记现场接待来访群众")
    _submit(clerk, held)
    assert clerk.locator("[data-status=held]").count() == 1

    form = clerk.locator("#register-visitor form")
    form.locator("input[name=petitioner_name]").fill("叶建军")
    form.locator("input[name=id_number]").fill("330802198001011238")
    form.locator("input[name=phone]").fill("13912345678")
    form.locator("input[name=address]").fill("浙江省衢州市柯城区航埠镇缪村村8号")
    form.locator("select[name=petition_type]").select_option("complaint")
    form.locator("select[name=category]").select_option("urban_rural")
    form.locator("input[name=title]").fill(MATTER)
    form.locator("textarea[name=matter]").fill("村口至祠堂段路灯损坏三个月，夜间出行不便，多次向村里反映未修。")
    _submit(clerk, form)

    petition = Petition.objects.get(title=MATTER)
    assert petition.channel == "reception_day" and petition.reception_visit.reception == reception
    assert petition.ref in clerk.locator(".alert-success").inner_text()
    assert clerk.locator("#visitors", has_text=petition.ref).count() == 1
    assert "叶*" in clerk.locator("#visitors").inner_text() and "叶建军" not in clerk.content()
    assert no_sideways_scroll(clerk)
    clerk.screenshot(path=str(tmp_path / "reception-phone.png"), full_page=True)

    # The reference leads to the petition's own page, where its clock runs.
    with answered(clerk):
        clerk.locator("#visitors a.ref").filter(has_text=petition.ref).click()
    assert clerk.url.endswith(reverse("petitions:detail", args=[petition.ref]))
    assert "叶*" in clerk.inner_text("[data-petitioner]")
    assert _milestone(clerk, "acceptance") == "running"
    _submit(clerk, _open_form(clerk, "step-accept"))
    assert _milestone(clerk, "acceptance") == "done" and _milestone(clerk, "reply") == "running"

    admin.goto(live_server.url + reverse("petitions:detail", args=[petition.ref]))
    extend = _open_form(admin, "form-extend")
    extend.locator("input[name=days]").fill("30")
    extend.locator("textarea[name=reason]").fill("需区交通局核定路灯维修资金")
    _submit(admin, extend)
    assert "核定路灯维修资金" in admin.inner_text("[data-milestone='reply']")

    clerk.reload()
    reply = _open_form(clerk, "step-reply")
    reply.locator("select[name=outcome]").select_option("supported")
    reply.locator("textarea[name=note]").fill("路灯已于本周修复，村里安排专人定期巡查。")
    _submit(clerk, reply)
    # The reply's answer is its notice to print, with the code the visitor answers with;
    # the town does not record the visitor's satisfaction.
    assert clerk.locator("[data-reply-notice] [data-code]").count() == 1
    assert no_sideways_scroll(clerk)
    clerk.goto(live_server.url + reverse("petitions:detail", args=[petition.ref]))
    assert _milestone(clerk, "reply") == "done" and _milestone(clerk, "rating") == "running"
    assert clerk.locator("button[data-bs-target='#step-rate']").count() == 0
    assert no_sideways_scroll(clerk)
    petition.refresh_from_db()
    assert petition.status == "replied" and petition.extension_days == 30
    assert admin_errors == clerk_errors == []
