"""Who is shown which rings: only a user who may see every case of a ring is shown it. A town
handler sees their town's own rings and learns nothing of cases elsewhere — not through a ring's
page, statistics, rank, network or chain, not through a case's page or the list's filters,
not through the API; a grid worker one village short of a ring is not shown it either."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from pingan.core.models import Responsibility, Role, RoleName, Unit, UnitKind
from pingan.fraud.models import KIND, ScamType
from pingan.fraud.selectors import (
    RingFilters,
    case_identifiers,
    fraud_case_get,
    left_out_identifiers,
    ring_get,
    ring_list,
    rings_shown,
)
from pingan.testing import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(record, personas, shiliang, hangbu, worker_grid, settings):
    """Ring X spans 石梁镇 and 航埠镇 (named after its 石梁镇 case, recorded first); ring Y lies
    in 航埠镇, one case in the grid worker's cell and one in another village. ``app:hub`` is
    on three cases, one more than linking allows."""
    settings.PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE = 2
    other_village = Unit.objects.filter(parent=hangbu, kind=UnitKind.VILLAGE).exclude(
        pk=worker_grid.parent_id).first()
    x1 = record(("phone", "13800001111"), ("app", "hub"), unit=shiliang, loss=600_000, scam_type="fake_loan")
    x2 = record(("phone", "138 0000 1111"), ("app", "hub"))
    y1 = record(("url", "y-ring.com"), ("app", "hub"), unit=other_village, loss=5_000)
    y2 = record(("url", "www.y-ring.com"), unit=worker_grid, loss=7_000)
    for case in (x1, x2, y1, y2):
        case.refresh_from_db()
    return {"x1": x1, "x2": x2, "y1": y1, "y2": y2, "X": x1.ring, "Y": y1.ring}


def shown(user) -> dict[str, int]:
    return {ring.ring_id: ring.position for ring in ring_list(user=user, filters=RingFilters())}


def test_the_district_is_shown_every_ring_and_a_town_only_its_own(world, personas):
    X, Y = world["X"], world["Y"]
    assert X.ring_id == world["x1"].ref and world["x2"].ring == X
    assert (X.rank, Y.rank) == (1, 2)
    assert shown(personas.admin) == {X.ring_id: 1, Y.ring_id: 2}
    # Y is the town's first ring: it is not told that a ring elsewhere outranks it.
    assert shown(personas.town_handler) == {Y.ring_id: 1}
    assert shown(personas.outsider) == {}  # X reaches into 航埠镇
    assert shown(personas.grid_worker) == {}  # y1 is in another village of the town
    assert shown(personas.fire_handler) == {}
    assert ring_get(user=personas.town_handler, ring_id=X.ring_id) is None
    assert ring_get(user=personas.town_handler, ring_id=Y.ring_id).position == 1


def test_a_case_in_a_ring_beyond_the_area_shows_no_ring(world, personas):
    town = personas.town_handler
    x2 = fraud_case_get(user=town, ref=world["x2"].ref)
    assert x2.shown_ring is None
    assert fraud_case_get(user=personas.admin, ref=world["x2"].ref).shown_ring == world["X"].ring_id
    assert fraud_case_get(user=town, ref=world["y1"].ref).shown_ring == world["Y"].ring_id
    # Its phone is shown by no other case the handler can see (the 石梁镇 one is not counted).
    counts = {link.identifier.value: link.other_cases for link in case_identifiers(user=town, case=x2)}
    assert counts == {"13800001111": 0, "hub": 1}
    assert {link.identifier.value: link.other_cases
            for link in case_identifiers(user=personas.admin, case=x2)} == {"13800001111": 1, "hub": 2}


def test_left_out_identifiers_are_counted_over_visible_cases(world, personas):
    def counted(user):
        return [(i.value, i.visible_cases) for i in left_out_identifiers(user=user)]

    assert counted(personas.admin) == [("hub", 3)]
    assert counted(personas.town_handler) == [("hub", 2)]
    assert list(left_out_identifiers(user=personas.fire_handler)) == []


def test_pages_tell_a_town_nothing_of_the_other_town(world, personas, client):
    X, Y, x1 = world["X"], world["Y"], world["x1"]
    client.force_login(personas.town_handler)
    assert client.get(reverse("fraud:ring", args=[X.ring_id])).status_code == 404
    chain = client.get(reverse("fraud:ring", args=[X.ring_id]), {"a": x1.ref, "b": world["x2"].ref})
    assert chain.status_code == 404
    assert client.get(reverse("fraud:case", args=[x1.ref])).status_code == 404
    rings_page = client.get(reverse("fraud:rings")).content.decode()
    case_page = client.get(reverse("fraud:case", args=[world["x2"].ref])).content.decode()
    cases_page = client.get(reverse("fraud:cases"), {"identifier": "13800001111"})
    for page in (rings_page, case_page, cases_page.content.decode()):
        assert x1.ref not in page and "石梁镇" not in page
        assert "612,000" not in page and "612000" not in page
    assert [c.ref for c in cases_page.context["rows"]] == [world["x2"].ref]
    linked = client.get(reverse("fraud:cases"), {"linked_only": "true"}).context["rows"]
    assert {c.ref for c in linked} == {world["y1"].ref, world["y2"].ref}
    assert list(client.get(reverse("fraud:cases"), {"ring": X.ring_id}).context["rows"]) == []
    detail = client.get(reverse("fraud:ring", args=[Y.ring_id]))
    assert detail.status_code == 200 and detail.context["detail"].ring.case_count == 2


def test_the_api_tells_a_town_nothing_of_the_other_town(world, personas):
    api = api_client(personas.town_handler)
    X, Y = world["X"], world["Y"]
    rings = api.get("/api/v1/fraud/rings").json()["items"]
    assert [(r["ring_id"], r["rank"]) for r in rings] == [(Y.ring_id, 1)]
    assert api.get(f"/api/v1/fraud/rings/{X.ring_id}").status_code == 404
    assert api.get(f"/api/v1/fraud/rings/{X.ring_id}/explain", {"a": world["x1"].ref, "b": world["x2"].ref}
                   ).status_code == 404
    case = api.get(f"/api/v1/fraud/cases/{world['x2'].ref}").json()
    assert case["ring"] is None
    assert [(i["value"], i["other_cases"]) for i in case["identifiers"]] == [("hub", 1), ("13800001111", 0)]
    assert [(i["value"], i["cases"]) for i in api.get("/api/v1/fraud/left-out").json()] == [("hub", 2)]
    assert api.get(f"/api/v1/fraud/cases/{world['x1'].ref}").status_code == 404


def test_a_department_with_every_fraud_line_is_shown_every_ring(world, district):
    police = district.children.get(name="公安分局")
    officer = get_user_model().objects.create(username="police")
    Role.objects.create(user=officer, unit=police, role=RoleName.HANDLER)
    Responsibility.objects.bulk_create([Responsibility(department=police, case_kind=KIND, category=c)
                                        for c in ScamType.values])
    assert set(rings_shown(officer)) == {world["X"], world["Y"]}
    partial = get_user_model().objects.create(username="partial")
    Role.objects.create(user=partial, unit=police, role=RoleName.HANDLER)
    Responsibility.objects.filter(department=police).exclude(category=ScamType.REBATE_TASK).delete()
    # Lines for order-brushing only: X has a fake-loan case, so only Y is whole in its sight.
    assert set(rings_shown(partial)) == {world["Y"]}


def test_the_ring_export_is_the_readers_ranking(world, personas, client):
    from pingan.testing import read_workbook

    X, Y = world["X"], world["Y"]
    client.force_login(personas.admin)
    response = client.get(reverse("fraud:ring-export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, rows = read_workbook(response.content)
    assert header[:3] == ("名次", "串并案号", "案件数")
    assert [(r["名次"], r["串并案号"], r["大案要案"]) for r in rows] == [
        (1, X.ring_id, "是"), (2, Y.ring_id, "否")]
    assert rows[0]["案件编号"] == "、".join(sorted([world["x1"].ref, world["x2"].ref]))
    assert rows[0]["数额档次"] == "数额特别巨大" and rows[0]["损失总额(元)"] == 612000
    major = client.get(reverse("fraud:ring-export"), {"major_only": "true"})
    assert [r["串并案号"] for r in read_workbook(major.content)[1]] == [X.ring_id]
    assert client.get(reverse("fraud:ring-export"), {"sort": "loudest"}).status_code == 400
    # A town is given its own ring, first in its ranking, and nothing of the other town's.
    client.force_login(personas.town_handler)
    _header, theirs = read_workbook(client.get(reverse("fraud:ring-export")).content)
    assert [(r["名次"], r["串并案号"]) for r in theirs] == [(1, Y.ring_id)]
