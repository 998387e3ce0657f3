"""Roles belong to a domain (issue 10 §7): a town's deputy head for petitions reads the
town's petitions, not its hazards nor its fraud victims, and is nobody's hazard assignee."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model

from pingan.core import errors
from pingan.core.models import Case, Domain, Role, RoleName, Unit, UnitKind
from pingan.core.people import case_assignees as assignee_choices
from pingan.core.scoping import acting_scope, forget_scope, scope_for
from pingan.fraud.selectors import may_view_victims
from pingan.fraud.services import VictimIn, fraud_case_record
from pingan.hazards.models import Hazard
from pingan.hazards.services import hazard_transition
from pingan.petitions.models import Petition
from pingan.petitions.services import petition_register


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC), tick=False):
        yield


def _person(username: str, unit: Unit, role: str, domain: str):
    user = get_user_model().objects.create_user(username=username, password="x-long-password")
    Role.objects.create(user=user, unit=unit, role=role, domain=domain)
    return user


@pytest.fixture
def deputy_head(hangbu):
    return _person("hangbu_deputy", hangbu, RoleName.SUPERVISOR, Domain.PETITIONS)


@pytest.fixture
def cases(make_hazard, personas, hangbu_village):
    petition = petition_register(
        actor=personas.town_handler, unit=hangbu_village, channel="visit", petition_type="complaint",
        category="land", title="征地补偿款未足额发放", petitioner_name="张三")
    fraud = fraud_case_record(actor=personas.admin, unit=hangbu_village.parent, scam_type="rebate_task",
                              reported_on=dt.date(2026, 11, 1), loss=12_000,
                              victims=[VictimIn(name="李受害", phone="13912345678")], identifiers=())
    return {"hazard": make_hazard(), "petition": petition, "fraud": fraud}


def test_a_petitions_deputy_reaches_petitions_only(deputy_head, cases):
    scope = scope_for(deputy_head)
    assert set(Case.objects.visible_to(deputy_head).values_list("kind", flat=True)) == {"petition"}
    assert scope.rank_for(cases["petition"], town_or_above=True) == 3
    assert scope.rank_for(cases["hazard"]) == 0 and not scope.covers(cases["hazard"])
    # A fraud case is not theirs: not even masked, and its victims never in full.
    assert not scope.covers(cases["fraud"]) and not may_view_victims(deputy_head, cases["fraud"])
    assert not acting_scope(deputy_head).covers(cases["hazard"])


def test_a_petitions_deputy_is_no_hazard_assignee(deputy_head, personas, cases):
    hazard = cases["hazard"]
    assert deputy_head not in assignee_choices(hazard)
    assert personas.town_handler in assignee_choices(hazard)  # the 平安办: every domain
    with pytest.raises(errors.DomainError) as caught:
        hazard_transition(hazard=hazard, name="assign", actor=personas.town_handler,
                          expected_version=hazard.version, assignee=deputy_head)
    assert caught.value.field == "assignee"
    assert deputy_head in assignee_choices(cases["petition"])


def test_a_department_role_of_another_domain_reaches_nothing_of_its_lines(personas, cases):
    """A petitions clerk posted at the fire brigade does not read its fire hazards."""
    fire = Unit.objects.get(kind=UnitKind.DEPARTMENT, name="消防救援大队")
    clerk = _person("fire_petitions", fire, RoleName.HANDLER, Domain.PETITIONS)
    assert not Hazard.objects.visible_to(clerk).exists()
    assert Hazard.objects.visible_to(personas.fire_handler).filter(pk=cases["hazard"].pk).exists()


def test_a_second_role_in_another_domain_adds_its_reach(deputy_head, hangbu, cases):
    Role.objects.create(user=deputy_head, unit=hangbu, role=RoleName.VIEWER, domain=Domain.HAZARDS)
    forget_scope(deputy_head)
    assert set(Case.objects.visible_to(deputy_head).values_list("kind", flat=True)) == {"petition", "hazard"}
    assert scope_for(deputy_head).rank_for(cases["hazard"]) == 1


def test_the_migration_gives_department_roles_the_domain_of_their_lines(personas, xinfang_role):
    migration = importlib.import_module("pingan.core.migrations.0006_access")
    Role.objects.update(domain="")
    migration.domains_from_use(apps, None)
    domains = dict(Role.objects.values_list("user__username", "domain"))
    assert domains["fire"] == Domain.HAZARDS
    assert domains["xinfang"] == Domain.PETITIONS
    assert domains["admin"] == domains["hangbu"] == domains["grid"] == ""


@pytest.fixture
def xinfang_role(district):
    return _person("xinfang", Unit.objects.get(kind=UnitKind.DEPARTMENT, name="信访局"), RoleName.HANDLER, "")


def test_petitions_of_a_kind_in_no_domain_are_reached_by_every_role(deputy_head, cases, settings):
    settings.PINGAN_CASE_DOMAINS = {"hazard": "hazards"}
    forget_scope(deputy_head)
    assert Petition.objects.visible_to(deputy_head).count() == 1
    assert scope_for(deputy_head).rank_for(cases["fraud"]) == 3  # fraud: no domain here
