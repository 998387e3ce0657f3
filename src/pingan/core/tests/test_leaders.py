"""Leaders in charge (分管领导): defined once in core, picked through ``leaders_for``."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from pingan.core import errors
from pingan.core.models import Domain, Leadership, Unit
from pingan.core.people import MSG_NOT_A_LEADER, leaders_for, resolve_leader


@pytest.fixture
def leaders(personas, district, hangbu, shiliang):
    User = get_user_model()
    petitions = User.objects.create(username="petitions_chief", first_name="副区长 孙敏")
    Leadership.objects.create(user=petitions, unit=district, domain=Domain.PETITIONS, title="副区长")
    return {name: User.objects.get(username=name)
            for name in ("safety_chief", "hangbu_safety", "shiliang_safety", "petitions_chief")}


def test_a_units_leaders_are_its_own_and_those_above_nearest_first(leaders, worker_grid, hangbu):
    names = [x.user.username for x in leaders_for(worker_grid, Domain.HAZARDS)]
    assert names == ["hangbu_safety", "safety_chief"]  # the town's deputy head, then the district's
    assert [x.user.username for x in leaders_for(hangbu, Domain.HAZARDS)] == names


def test_leaders_belong_to_their_domain_and_their_branch(leaders, worker_grid, shiliang):
    hazards = {x.user.username for x in leaders_for(worker_grid, Domain.HAZARDS)}
    assert "petitions_chief" not in hazards  # another domain
    assert "shiliang_safety" not in hazards  # a sibling town
    assert [x.user.username for x in leaders_for(worker_grid, Domain.PETITIONS)] == ["petitions_chief"]


def test_an_inactive_leader_is_not_offered(leaders, worker_grid):
    get_user_model().objects.filter(username="hangbu_safety").update(is_active=False)
    assert [x.user.username for x in leaders_for(worker_grid, Domain.HAZARDS)] == ["safety_chief"]


def test_resolve_refuses_anyone_not_offered(leaders, worker_grid):
    assert resolve_leader(worker_grid, Domain.HAZARDS, leaders["hangbu_safety"]) == leaders["hangbu_safety"]
    for outsider in (leaders["shiliang_safety"], leaders["petitions_chief"]):
        with pytest.raises(errors.DomainError) as refused:
            resolve_leader(worker_grid, Domain.HAZARDS, outsider)
        assert refused.value.message == MSG_NOT_A_LEADER.format(
            user=outsider, unit=worker_grid.name, domain=Domain.HAZARDS.label)
    with pytest.raises(errors.DomainError):
        resolve_leader(worker_grid, Domain.HAZARDS, 10**9)


def test_the_district_admin_records_leaders_in_the_admin_site(client, personas, hangbu):
    client.force_login(personas.admin)
    leader = get_user_model().objects.create(username="new_deputy", first_name="副镇长 吴涛")
    response = client.post(reverse("admin:core_leadership_add"), {
        "user": leader.pk, "unit": hangbu.pk, "domain": Domain.FRAUD, "title": "副镇长（分管反诈）"})
    assert response.status_code == 302
    assert Leadership.objects.filter(user=leader, unit=hangbu, domain=Domain.FRAUD).exists()
    assert [x.user for x in leaders_for(Unit.objects.get(pk=hangbu.pk), Domain.FRAUD)] == [leader]
