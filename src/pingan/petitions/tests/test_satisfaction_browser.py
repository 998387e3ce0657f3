"""The petitioner's answer in a real browser, on phones: 航埠镇's clerk replies and gets the
reply notice with its code; the petition bureau's call-back form asks how and when the
petitioner was asked; the petitioner, not logged in, answers "not satisfied" on the public
page and is told where to ask for a review and by when, and nothing else.

Screenshots go to the test's temporary folder, or to PINGAN_SCREENSHOT_DIR when set.
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from pingan.conftest import PHONE_SCREEN, answered, no_sideways_scroll, phone_login
from pingan.demo.district import DEMO_PASSWORD
from pingan.petitions.services import petition_transition
from pingan.petitions.tests.conftest import ID_NUMBER, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reply_notice_then_the_petitioners_answer_on_the_public_page(browser, live_server, personas,
                                                                       make_petition, xinfang, tmp_path):
    shots = Path(os.environ.get("PINGAN_SCREENSHOT_DIR") or tmp_path)
    petition = make_petition()
    petition_transition(petition=petition, name="accept", actor=personas.town_handler,
                        expected_version=petition.version)

    clerk, clerk_errors = phone_login(browser, live_server, "hangbu")
    clerk.goto(live_server.url + reverse("petitions:detail", args=[petition.ref]))
    clerk.click("button[data-bs-target='#step-reply']")
    reply = clerk.locator("#step-reply form")
    reply.wait_for(state="visible")
    reply.locator("select[name=outcome]").select_option("explained")
    reply.locator("textarea[name=note]").fill("经核实，补偿款按2025年标准足额发放，已向信访人解释计算依据。")
    with answered(clerk):
        reply.locator("button[type=submit]").click()
    code = clerk.inner_text("[data-reply-notice] [data-code]").strip()
    assert len(code) == 9 and no_sideways_scroll(clerk)
    clerk.screenshot(path=str(shots / "reply-notice-phone.png"), full_page=True)

    # The petition bureau would call back; its form asks how and when.
    xinfang.set_password(DEMO_PASSWORD)
    xinfang.save(update_fields=["password"])
    bureau, bureau_errors = phone_login(browser, live_server, "xinfang")
    bureau.goto(live_server.url + reverse("petitions:detail", args=[petition.ref]))
    bureau.click("button[data-bs-target='#step-rate']")
    callback = bureau.locator("#step-rate form")
    bureau.wait_for_selector("#step-rate.collapse.show")  # opened, not still sliding open
    assert callback.locator("select[name=asked_by] option").count() == 4  # "—", phone, in person, text
    assert no_sideways_scroll(bureau)
    callback.screenshot(path=str(shots / "satisfaction-callback-form-phone.png"))

    public = browser.new_context(**PHONE_SCREEN).new_page()
    public_errors: list[str] = []
    public.on("pageerror", lambda e: public_errors.append(str(e)))
    public.goto(live_server.url + reverse("public-satisfaction"))
    public.fill("input[name=reference]", petition.ref)
    public.fill("input[name=code]", code.lower())
    public.check("input[name=satisfaction][value=not_satisfied]")
    assert no_sideways_scroll(public)
    public.screenshot(path=str(shots / "satisfaction-public-phone.png"), full_page=True)
    with answered(public):
        public.click("main button[type=submit]")
    assert public.locator("[data-recorded]").count() == 1
    petition.refresh_from_db()
    shown = public.inner_text("[data-review-path]")
    assert f"{petition.review_window_until:%Y-%m-%d}" in shown and "柯城区" in shown
    page = public.content()
    assert not any(item in page for item in ("张三", ID_NUMBER, PHONE, petition.title))
    assert no_sideways_scroll(public)
    public.screenshot(path=str(shots / "satisfaction-public-answered-phone.png"), full_page=True)
    assert (petition.status, petition.satisfaction, petition.satisfaction_channel) == (
        "rated", "not_satisfied", "public_page")
    # The petition page shows the answer, how it came, and the review path.
    clerk.goto(live_server.url + reverse("petitions:detail", args=[petition.ref]))
    assert clerk.get_attribute("[data-answer]", "data-answer") == "not_satisfied"
    card = clerk.inner_text("[data-satisfaction] [data-review-path]")
    assert f"{petition.review_window_until:%Y-%m-%d}" in card
    assert no_sideways_scroll(clerk)
    clerk.locator("[data-satisfaction]").screenshot(path=str(shots / "satisfaction-on-petition-phone.png"))
    assert clerk_errors == bureau_errors == public_errors == []
