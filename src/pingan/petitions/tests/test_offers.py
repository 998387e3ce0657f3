"""The petition page offers the extension, the repeat link and the backlog leader exactly
when the service would accept them: the page asks ``may_extend``, ``may_link`` and
``may_designate``; the services raise ``extend_refusal``, ``link_refusal`` and
``designate_refusal``."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pingan.core import errors
from pingan.core.models import Role, RoleName
from pingan.petitions.models import Petition, PetitionRuleSet
from pingan.petitions.services import (
    MSG_BACKLOG_NOT_ALLOWED,
    MSG_BACKLOG_NOT_OVERDUE,
    MSG_EXTENSION_NEEDS_HEAD,
    MSG_EXTENSION_STATE,
    MSG_REPEAT_NOT_ALLOWED,
    may_designate,
    may_extend,
    may_link,
    petition_backlog_assign,
    petition_extend,
    petition_repeat_confirm,
    petition_transition,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
ACCEPTED_ON = dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
LONG_OVERDUE = dt.datetime(2026, 7, 1, 10, tzinfo=SHANGHAI)  # past the 60-day term from 2 Mar


def _text(message) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)


def _page(user, petition: Petition):
    client = Client()
    client.force_login(user)
    return client.get(reverse("petitions:detail", args=[petition.ref])).context


def _offered(user, petition: Petition) -> set[str]:
    return {action.key for action in _page(user, petition)["actions"]}


@pytest.fixture
def village_supervisor(hangbu_village):
    """A supervisor one unit below the handling town: sees the petition, heads nothing over it."""
    user = get_user_model().objects.create_user(username="village_head", password="x")
    Role.objects.create(user=user, unit=hangbu_village, role=RoleName.SUPERVISOR)
    return user


@pytest.fixture
def accepted(make_petition, personas):
    with time_machine.travel(ACCEPTED_ON, tick=False):
        petition = make_petition()
        petition_transition(petition=petition, name="accept", actor=personas.town_handler,
                            expected_version=petition.version)
    petition.refresh_from_db()
    return petition


def _refused(call, **kwargs) -> errors.DomainError:
    with pytest.raises(errors.DomainError) as refused:
        call(**kwargs)
    return refused.value


def _extend(petition: Petition, actor, days: int = 10) -> errors.DomainError:
    petition.refresh_from_db()
    return _refused(petition_extend, petition=petition, actor=actor, expected_version=petition.version,
                    days=days, reason="需调查取证")


# ---------------------------------------------------------------------------
# The extension
# ---------------------------------------------------------------------------


def test_the_unit_head_is_offered_the_extension_once(accepted, hangbu_head):
    assert may_extend(accepted, hangbu_head) and "extend" in _offered(hangbu_head, accepted)
    petition_extend(petition=accepted, actor=hangbu_head, expected_version=accepted.version, days=10,
                    reason="需调查取证")
    assert not may_extend(accepted, hangbu_head) and "extend" not in _offered(hangbu_head, accepted)
    assert _extend(accepted, hangbu_head).message == _text(errors.MSG_EXTENSION_USED)


def test_a_supervisor_one_unit_below_the_handling_unit_is_not_its_head(accepted, village_supervisor):
    assert not may_extend(accepted, village_supervisor)
    assert "extend" not in _offered(village_supervisor, accepted)
    refusal = _extend(accepted, village_supervisor)
    assert isinstance(refusal, errors.PermissionDenied) and refusal.message == _text(MSG_EXTENSION_NEEDS_HEAD)


def test_an_outsider_is_told_nothing(accepted, personas):
    assert not may_extend(accepted, personas.outsider)
    assert isinstance(_extend(accepted, personas.outsider), errors.NotFound)


def test_a_petition_not_yet_accepted_offers_no_extension(make_petition, hangbu_head):
    petition = make_petition()
    assert not may_extend(petition, hangbu_head) and "extend" not in _offered(hangbu_head, petition)
    assert _extend(petition, hangbu_head).message == _text(MSG_EXTENSION_STATE)


def test_a_term_already_at_the_profiles_cap_offers_no_extension(accepted, hangbu_head):
    PetitionRuleSet.objects.filter(profile=accepted.profile).update(extension_cap_days=accepted.resolution_days)
    assert not may_extend(accepted, hangbu_head) and "extend" not in _offered(hangbu_head, accepted)
    assert _extend(accepted, hangbu_head, days=1).field == "days"


# ---------------------------------------------------------------------------
# The repeat link
# ---------------------------------------------------------------------------


def test_a_handler_may_link_a_viewer_may_not(make_petition, personas, hangbu_viewer):
    first = make_petition()
    later = make_petition(title="征地补偿款一直未足额发放")
    assert may_link(later, personas.town_handler) and _page(personas.town_handler, later)["can_link"]
    assert not may_link(later, hangbu_viewer) and not _page(hangbu_viewer, later)["can_link"]
    refusal = _refused(petition_repeat_confirm, petition=later, original_ref=first.ref, actor=hangbu_viewer,
                       expected_version=later.version)
    assert isinstance(refusal, errors.PermissionDenied) and refusal.message == _text(MSG_REPEAT_NOT_ALLOWED)
    assert isinstance(_refused(petition_repeat_confirm, petition=later, original_ref=first.ref,
                               actor=personas.outsider, expected_version=later.version), errors.NotFound)


# ---------------------------------------------------------------------------
# The backlog case's responsible leader
# ---------------------------------------------------------------------------


def _designate(petition: Petition, actor) -> errors.DomainError:
    return _refused(petition_backlog_assign, petition=petition, actor=actor,
                    expected_version=petition.version, leader="王镇长", target_date=dt.date(2026, 12, 31))


def test_a_town_handler_is_offered_the_leader_of_an_overdue_petition_only(accepted, personas):
    town = personas.town_handler
    with time_machine.travel(ACCEPTED_ON + dt.timedelta(days=1), tick=False):
        assert not may_designate(accepted, town, dt.datetime.now(dt.UTC))
        assert "backlog" not in _offered(town, accepted)
        assert _designate(accepted, town).message == _text(MSG_BACKLOG_NOT_OVERDUE)
    with time_machine.travel(LONG_OVERDUE, tick=False):
        assert may_designate(accepted, town, dt.datetime.now(dt.UTC))
        assert "backlog" in _offered(town, accepted)


def test_a_village_is_a_level_too_low_to_name_the_leader(accepted, village_supervisor):
    with time_machine.travel(LONG_OVERDUE, tick=False):
        assert not may_designate(accepted, village_supervisor, dt.datetime.now(dt.UTC))
        assert "backlog" not in _offered(village_supervisor, accepted)
        refusal = _designate(accepted, village_supervisor)
    assert isinstance(refusal, errors.PermissionDenied) and refusal.message == _text(MSG_BACKLOG_NOT_ALLOWED)
