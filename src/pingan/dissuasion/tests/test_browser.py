"""Dissuasion on foot, in a real browser on a phone-sized screen: the grid worker finds the new
warning on the board, reads the person's number in full (recorded), records the visit that
reached them and closes the warning as prevented; the board then counts it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from pingan.conftest import answered, no_sideways_scroll
from pingan.conftest import phone_login as phone
from pingan.core.models import EventType
from pingan.dissuasion.models import WarningStatus
from pingan.dissuasion.tests.test_rules import register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_action(page, dom_id: str):
    page.click(f"button[data-bs-target='#{dom_id}']")
    form = page.locator(f"#{dom_id} form")
    form.wait_for(state="visible")
    return form


def test_a_grid_worker_records_a_contact_and_the_outcome(browser, live_server, personas, worker_grid):
    warning = register(personas.admin, worker_grid, received_at=timezone.now() - dt.timedelta(minutes=40))
    page, errors = phone(browser, live_server, "grid")

    page.goto(live_server.url + reverse("dissuasion:board"))
    assert no_sideways_scroll(page)
    row = page.locator("[data-warnings] tbody tr")
    assert row.count() == 1 and "周**" in row.inner_text() and "13905701234" not in page.content()
    row.locator(f"a:text('{warning.ref}')").click()
    page.wait_for_url(live_server.url + reverse("dissuasion:warning", args=[warning.ref]))
    assert no_sideways_scroll(page)

    with answered(page):
        page.click(f"form[action='{reverse('dissuasion:warning-person', args=[warning.ref])}'] button")
    assert page.locator("[data-person] a[href='tel:13905701234']").count() == 1

    form = open_action(page, "form-contact")
    form.locator("select[name=method]").select_option("in_person")
    form.locator("select[name=reached]").select_option("yes")
    form.locator("textarea[name=note]").fill("上门见面，讲解冒充公检法骗局，当事人已知悉")
    with answered(page):
        form.locator("button[type=submit]").click()
    assert page.locator("[data-contacts] li").count() == 1
    warning.refresh_from_db()
    assert (warning.status, warning.contacts.get().by) == (WarningStatus.CONTACTED, personas.grid_worker)

    form = open_action(page, "step-prevented")
    form.locator("textarea[name=note]").fill("当事人未转账，已加装国家反诈中心APP")
    with answered(page):
        form.locator("button[type=submit]").click()
    warning.refresh_from_db()
    assert (warning.status, warning.is_open) == (WarningStatus.PREVENTED, False) and warning.contacted_in_time
    assert warning.events.filter(type=EventType.VIEWED_PERSONAL_DATA, actor=personas.grid_worker).count() == 1
    assert page.locator("button[data-bs-target='#form-contact']").count() == 0  # closed: nothing more to do
    assert no_sideways_scroll(page)

    page.goto(live_server.url + reverse("dissuasion:board"))
    table = page.locator("[data-dissuasion-table] tbody tr")
    assert table.count() == 1 and worker_grid.name in table.inner_text()
    assert "100.0%" in table.inner_text()
    assert errors == []
