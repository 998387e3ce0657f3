"""Who a hazard may be assigned to: the people of its territorial chain below the district
and of the department handling its category — the same set in the form, the API and the
service."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from pingan.core import errors
from pingan.core.models import Role, RoleName, Unit, UnitKind
from pingan.core.people import MSG_NOT_RESPONSIBLE, case_assignees
from pingan.hazards.forms import TransitionForm
from pingan.hazards.services import hazard_transition
from pingan.testing import api_client


def _person(username: str, unit: Unit, role: str = RoleName.HANDLER):
    user = get_user_model().objects.create(username=username, first_name=username)
    Role.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def people(personas, district, hangbu, hangbu_village, worker_grid):
    """One person at each level around the grid worker's grid, and the ones who must not
    be offered."""
    other_village = Unit.objects.filter(parent=hangbu, kind=UnitKind.VILLAGE).exclude(
        pk=hangbu_village.pk).order_by("prefix").first()
    return {
        "village": _person("village_clerk", hangbu_village),
        "other_village": _person("other_village_clerk", other_village),
        "review_office": _person("review_officer", district),
        "viewer": _person("town_viewer", hangbu, RoleName.VIEWER),
        "traffic": _person("traffic_police", Unit.objects.get(name="交警大队")),
    }


def _offered(hazard) -> set[str]:
    return set(case_assignees(hazard).values_list("username", flat=True))


def test_the_chain_up_to_the_town_and_the_category_department_are_offered(make_hazard, personas,
                                                                          people):
    hazard = make_hazard()  # e-bike charging in the grid worker's grid: 消防 handles it
    assert _offered(hazard) == {
        personas.grid_worker.username,  # the grid itself
        "village_clerk",  # one level up
        personas.town_handler.username,  # two levels up
        personas.fire_handler.username,  # the department of its category
    }


def test_nobody_outside_the_chain_or_the_line_is_offered(make_hazard, personas, people):
    offered = _offered(make_hazard())
    assert personas.outsider.username not in offered  # a sibling town
    assert "other_village_clerk" not in offered  # a sibling village of the same town
    assert "review_officer" not in offered  # a role at the district unit itself
    assert personas.admin.username not in offered  # the district admin: oversight
    assert "traffic_police" not in offered  # the department of another category
    assert "town_viewer" not in offered  # a viewer does not rectify


def test_the_department_follows_the_category(make_hazard, personas, people):
    road = make_hazard(category="road", title="村口路段缺少减速带")
    offered = _offered(road)
    assert "traffic_police" in offered and personas.fire_handler.username not in offered


def test_a_hazard_at_the_town_offers_no_one_below_it(make_hazard, personas, people, hangbu):
    offered = _offered(make_hazard(actor=personas.town_handler, unit=hangbu))
    assert personas.town_handler.username in offered
    assert {"village_clerk", personas.grid_worker.username} & offered == set()


def test_the_service_refuses_anyone_the_list_does_not_offer(make_hazard, personas, people):
    hazard = make_hazard()
    for outsider in (people["review_office"], personas.outsider, people["traffic"]):
        with pytest.raises(errors.DomainError) as refused:
            hazard_transition(hazard=hazard, name="assign", actor=personas.town_handler,
                              expected_version=hazard.version, assignee=outsider)
        assert refused.value.message == MSG_NOT_RESPONSIBLE.format(user=outsider, ref=hazard.ref)
        assert refused.value.field == "assignee"
    assert hazard.status == "reported" and hazard.assignee is None
    hazard_transition(hazard=hazard, name="assign", actor=personas.town_handler,
                      expected_version=hazard.version, assignee=people["village"])
    assert hazard.assignee == people["village"]


def test_the_form_and_the_api_offer_the_same_people(make_hazard, personas, people):
    hazard = make_hazard()
    form = TransitionForm(hazard=hazard, name="assign")
    in_form = {u.username for u in form.fields["assignee"].queryset}
    response = api_client(personas.town_handler).get(f"/api/v1/hazards/{hazard.ref}/assignees")
    assert response.status_code == 200
    assert {p["username"] for p in response.json()} == in_form == _offered(hazard)
    refused = api_client(personas.town_handler).post(
        f"/api/v1/hazards/{hazard.ref}/transitions/assign",
        {"version": hazard.version, "assignee": "review_officer"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "assignee"


def test_an_outsider_cannot_list_the_assignees_of_a_hazard_out_of_scope(make_hazard, personas):
    hazard = make_hazard()
    response = api_client(personas.outsider).get(f"/api/v1/hazards/{hazard.ref}/assignees")
    assert response.status_code == 404
