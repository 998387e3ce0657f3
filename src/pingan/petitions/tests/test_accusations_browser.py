"""An accusation on a phone, in Debian's Chromium: the clerk who registered it sees its
receipt (reference and status, nothing of the matter or the accuser), nothing wider than
the screen; the discipline office opens it with the accuser masked. Screenshots go to the
test's temporary folder, or to PINGAN_SCREENSHOT_DIR when set."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from pingan.conftest import no_sideways_scroll, phone_login
from pingan.core.models import Role, RoleName, Unit, UnitKind
from pingan.demo.district import DEMO_PASSWORD
from pingan.petitions.services import petition_register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _person(username: str, unit: Unit, role: str):
    user = get_user_model().objects.create_user(username=username, password=DEMO_PASSWORD)
    Role.objects.create(user=user, unit=unit, role=role)
    return user


def test_the_clerk_keeps_a_receipt_and_the_office_reads_it(browser, live_server, personas, tmp_path):
    shots = Path(os.environ.get("PINGAN_SCREENSHOT_DIR") or tmp_path)
    clerk = _person("xinfang", Unit.objects.get(kind=UnitKind.DEPARTMENT, name="信访局"), RoleName.HANDLER)
    _person("jiwei", Unit.objects.get(kind=UnitKind.DEPARTMENT, name="区纪委监委"), RoleName.HANDLER)
    village = personas.grid_worker.roles.get().unit.parent
    petition = petition_register(actor=clerk, unit=village, channel="letter", petition_type="accusation",
                                 title="举报某村书记侵占集体资金", matter="反映村书记侵占集体土地补偿款。",
                                 petitioner_name="王检举", phone="13900001111")
    page, errors = phone_login(browser, live_server, "xinfang")
    page.goto(f"{live_server.url}/petitions/{petition.ref}/")
    receipt = page.inner_text("main")
    assert petition.ref in receipt and "纪检监察机关" in receipt
    assert "侵占" not in receipt and "王" not in receipt and "1111" not in receipt
    assert no_sideways_scroll(page)
    page.screenshot(path=str(shots / "accusation-receipt-phone.png"), full_page=True)
    page, errors_office = phone_login(browser, live_server, "jiwei")
    page.goto(f"{live_server.url}/petitions/{petition.ref}/")
    body = page.inner_text("main")
    assert "举报某村书记侵占集体资金" in body and "王*" in body and "13900001111" not in body
    assert no_sideways_scroll(page)
    page.screenshot(path=str(shots / "accusation-office-phone.png"), full_page=True)
    assert errors == errors_office == []
