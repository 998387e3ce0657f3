"""A petition's clock in a real browser on a phone-sized screen: a visitor at a leader's
reception day is registered, the town accepts the matter, the district head extends the
term, the town replies and records the petitioner's satisfaction; the clock shows each step."""

import pytest
from django.urls import reverse

from pingan.conftest import no_sideways_scroll
from pingan.conftest import phone_login as phone
from pingan.petitions.models import Petition, Status
from pingan.petitions.tests.conftest import ID_NUMBER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "村集体土地流转租金三年未分配"


def open_form(page, live_server, ref: str, target: str):
    page.goto(live_server.url + reverse("petitions:detail", args=[ref]))
    page.click(f"button[data-bs-target='#{target}']")
    form = page.locator(f"#{target} form")
    form.wait_for(state="visible")
    return form


def submit(page, form) -> None:
    # Wait for the answer to the POST itself, not just any quiet moment on the old page.
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def milestone(page, key: str) -> str:
    return page.get_attribute(f"[data-milestone='{key}']", "data-state")


def test_visit_at_reception_accept_extend_reply_rate_on_a_phone(browser, live_server, personas,
                                                                 hangbu_village):
    town, town_errors = phone(browser, live_server, "hangbu")
    town.goto(live_server.url + reverse("petitions:new"))
    assert no_sideways_scroll(town)
    town.select_option("select[name=channel]", "reception_day")
    town.select_option("select[name=petition_type]", "complaint")
    town.select_option("select[name=category]", "rural")
    town.select_option("select[name=unit]", str(hangbu_village.pk))
    town.fill("input[name=petitioner_name]", "王五")
    town.fill("input[name=id_number]", ID_NUMBER)
    town.fill("input[name=phone]", "138-1234-5678")
    town.fill("input[name=title]", TITLE)
    town.fill("textarea[name=matter]", "村集体土地流转租金自2023年起未向村民分配。")
    with town.expect_navigation():
        town.click("main form button[type=submit]")
    petition = Petition.objects.get(title=TITLE)
    assert town.url.endswith(reverse("petitions:detail", args=[petition.ref]))
    assert "王*" in town.inner_text("[data-petitioner]")
    assert milestone(town, "acceptance") == "running"

    submit(town, open_form(town, live_server, petition.ref, "step-accept"))
    assert milestone(town, "acceptance") == "done"
    assert milestone(town, "reply") == "running"

    head, head_errors = phone(browser, live_server, "admin")
    form = open_form(head, live_server, petition.ref, "form-extend")
    form.locator("input[name=days]").fill("30")
    form.locator("textarea[name=reason]").fill("涉及三年租金账目，需镇农经站审计")
    submit(head, form)
    assert "需镇农经站审计" in head.inner_text("[data-milestone='reply']")

    form = open_form(town, live_server, petition.ref, "step-reply")
    form.locator("select[name=outcome]").select_option("supported")
    form.locator("textarea[name=note]").fill("已督促村股份经济合作社按章程分配租金。")
    submit(town, form)
    form = open_form(town, live_server, petition.ref, "step-rate")
    form.locator("select[name=satisfaction]").select_option("satisfied")
    submit(town, form)

    assert milestone(town, "reply") == "done"
    assert milestone(town, "rating") == "done"
    assert no_sideways_scroll(town)
    petition.refresh_from_db()
    assert petition.status == Status.RATED and petition.extension_days == 30
    assert petition.petitioner_phone == "13812345678"
    assert town_errors == [] and head_errors == []
