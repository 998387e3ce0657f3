"""The permission matrix: personas × pages. No one sees an item outside their scope — not in
a list, a detail page, a photo, an export, an overview, their work list or a count — and an
out-of-scope item is a 404 exactly like one that does not exist."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pingan.hazards.services import hazard_transition

pytestmark = pytest.mark.django_db

SECRET_TITLE = "航埠镇机密隐患标题"


@pytest.fixture
def hangbu_hazard(personas, make_hazard):
    """A 航埠镇 hazard, assigned, with a before photo and a notice in the town's inbox."""
    hazard = make_hazard(title=SECRET_TITLE, category="gas")
    hazard_transition(hazard=hazard, name="assign", actor=personas.admin,
                      expected_version=hazard.version, assignee=personas.town_handler)
    return hazard


def pages(hazard, hangbu):
    return {
        "my work": reverse("my-work"),
        "list": reverse("hazards:list"),
        "list filtered to the town": reverse("hazards:list") + f"?unit={hangbu.prefix}",
        "overview": reverse("overview"),
        "report form": reverse("hazards:new"),
    }


def same_page(one, other):
    """Equal but for the CSRF tokens, which are masked afresh on every response."""
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    return token.sub("", one) == token.sub("", other)


def xlsx_refs(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return {str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None}


@pytest.mark.parametrize("persona", ["admin", "town_handler", "grid_worker"])
def test_in_scope_personas_see_the_hazard_everywhere(client, personas, hangbu_hazard, hangbu, persona):
    client.force_login(getattr(personas, persona))
    assert SECRET_TITLE in client.get(reverse("hazards:list")).content.decode()
    detail = client.get(reverse("hazards:detail", args=[hangbu_hazard.ref]))
    assert detail.status_code == 200
    photo = hangbu_hazard.attachments.get()
    assert client.get(reverse("hazards:attachment", args=[hangbu_hazard.ref, photo.pk])).status_code == 200
    export = client.get(reverse("hazards:export"))
    assert hangbu_hazard.ref in xlsx_refs(export)


def test_the_fire_brigade_sees_its_lines_only(client, personas, make_hazard):
    fire = make_hazard(title="违规充电", category="ebike_charging")
    gas = make_hazard(title="燃气泄漏", category="gas")
    client.force_login(personas.fire_handler)
    body = client.get(reverse("hazards:list")).content.decode()
    assert fire.ref in body and gas.ref not in body
    assert client.get(reverse("hazards:detail", args=[gas.ref])).status_code == 404
    assert client.get(reverse("overview")).context["totals"]["open"] == 1


def test_the_outsider_never_sees_a_hangbu_hazard(client, personas, hangbu_hazard, hangbu):
    client.force_login(personas.outsider)
    for name, url in pages(hangbu_hazard, hangbu).items():
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code in (200, 400), name
        assert hangbu_hazard.ref not in body, name
        assert SECRET_TITLE not in body, name
    # Searching for its reference finds nothing (the search box echoes what was typed, no more).
    search = client.get(reverse("hazards:list"), {"q": hangbu_hazard.ref})
    assert search.context["rows"] == [] and SECRET_TITLE not in search.content.decode()
    # Counts: the overview and the inbox badge count nothing of 航埠镇.
    overview = client.get(reverse("overview"))
    assert overview.context["unit"].name == "石梁镇"
    assert overview.context["totals"] == {"total": 0, "open": 0, "overdue": 0, "closed_month": 0,
                                          "clearance_rate": None}
    assert overview.context["inbox_unread"]() == 0
    assert list(client.get(reverse("my-work")).context["items"]) == []


def test_the_outsider_gets_404_exactly_like_a_missing_item(client, personas, hangbu_hazard, hangbu):
    client.force_login(personas.outsider)
    photo = hangbu_hazard.attachments.get()
    missing = client.get(reverse("hazards:detail", args=["YH-2099-999999"]))
    hidden = client.get(reverse("hazards:detail", args=[hangbu_hazard.ref]))
    assert missing.status_code == hidden.status_code == 404
    assert same_page(missing.content.decode().replace("YH-2099-999999", ""),
                     hidden.content.decode().replace(hangbu_hazard.ref, ""))
    assert hangbu_hazard.ref not in hidden.content.decode()  # not even echoed back
    assert SECRET_TITLE not in hidden.content.decode()
    assert "该事项不存在，或不在您的管辖范围内。" in hidden.content.decode()
    for url in (
        reverse("hazards:attachment", args=[hangbu_hazard.ref, photo.pk]),
        reverse("overview", args=[hangbu.prefix]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_outsider_cannot_act_on_it(client, personas, hangbu_hazard):
    client.force_login(personas.outsider)
    for url, data in (
        (reverse("hazards:step", args=[hangbu_hazard.ref, "start"]), {"version": hangbu_hazard.version}),
        (reverse("hazards:edit", args=[hangbu_hazard.ref]), {"version": hangbu_hazard.version, "title": "x",
                                                             "category": "gas", "severity": "ordinary"}),
        (reverse("hazards:extend", args=[hangbu_hazard.ref]), {"version": hangbu_hazard.version,
                                                               "reason": "x"}),
    ):
        response = client.post(url, data)
        assert response.status_code == 404, url
        assert SECRET_TITLE not in response.content.decode()
    hangbu_hazard.refresh_from_db()
    assert hangbu_hazard.status == "assigned" and hangbu_hazard.title == SECRET_TITLE


def test_the_outsiders_export_leaves_the_hazard_out(client, personas, hangbu_hazard, make_hazard, grid_in):
    own = make_hazard(actor=personas.outsider, unit=grid_in("石梁镇"), title="石梁镇自己的隐患")
    client.force_login(personas.outsider)
    values = xlsx_refs(client.get(reverse("hazards:export")))
    assert own.ref in values
    assert hangbu_hazard.ref not in values and SECRET_TITLE not in values


def test_the_outsiders_overview_does_not_offer_other_towns(client, personas, hangbu):
    client.force_login(personas.outsider)
    options = dict(client.get(reverse("overview")).context["unit_options"])
    assert hangbu.prefix not in options
    assert all(prefix.startswith(personas.outsider.roles.get().unit.prefix) for prefix in options)
