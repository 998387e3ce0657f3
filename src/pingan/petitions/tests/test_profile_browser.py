"""The petition rules page on a phone, in Debian's Chromium: the terms side by side as cards,
the switch asked and then confirmed, and nothing wider than the screen."""

import pytest

from pingan.conftest import no_sideways_scroll, phone_login
from pingan.petitions.models import ProfileInForce

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_district_admin_switches_the_profile_on_a_phone(browser, live_server, personas, tmp_path):
    page, errors = phone_login(browser, live_server, "admin")
    page.goto(live_server.url + "/petitions/settings/")
    assert page.get_attribute("[data-in-force]", "data-in-force") == "national"
    assert no_sideways_scroll(page)
    page.check("input[name=profile][value=zhejiang]")
    page.fill("input[name=reason]", "省信访局通知")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("[data-confirm]")
    assert "此后登记的信访事项将按浙江" in page.inner_text("[data-confirm]")
    assert no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "petition-rules-confirm.png"), full_page=True)
    page.click("[data-confirm] button[type=submit]")
    page.wait_for_selector('[data-in-force="zhejiang"]')
    assert "省信访局通知" in page.inner_text("[data-history]")
    assert [r.profile for r in ProfileInForce.objects.all()] == ["zhejiang", "national"]
    assert errors == []
