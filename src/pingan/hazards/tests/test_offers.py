"""The hazard page offers the deadline extension exactly when ``hazard_extend`` would accept
it: the page and the API's detail ask ``may_extend``, the service raises ``extend_refusal``."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from pingan.core import errors
from pingan.core.models import DeadlinePolicy
from pingan.hazards.models import Hazard, RejectionReason
from pingan.hazards.services import hazard_extend, hazard_transition, may_extend
from pingan.testing import api_client

pytestmark = pytest.mark.django_db


def _offered(client, user, hazard: Hazard) -> bool:
    client.force_login(user)
    actions = client.get(reverse("hazards:detail", args=[hazard.ref])).context["actions"]
    return "extend" in {action.key for action in actions}


def _service_and_page(client, user, hazard: Hazard) -> tuple[bool, bool]:
    """Whether the service would extend, and whether the page offers it: always the same."""
    return may_extend(hazard, user), _offered(client, user, hazard)


def _extend(hazard: Hazard, user) -> Hazard:
    return hazard_extend(hazard=hazard, actor=user, expected_version=hazard.version, reason="等材料")


def _refusal(hazard: Hazard, user, *, reason: str = "等材料") -> errors.DomainError:
    with pytest.raises(errors.DomainError) as refused:
        hazard_extend(hazard=hazard, actor=user, expected_version=hazard.version, reason=reason)
    return refused.value


def _text(message) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)


def test_a_handler_at_town_level_is_offered_the_extension_the_service_grants(client, personas, make_hazard):
    hazard = make_hazard()
    assert _service_and_page(client, personas.town_handler, hazard) == (True, True)
    assert api_client(personas.town_handler).get(f"/api/v1/hazards/{hazard.ref}").json()["may_extend"] is True
    _extend(hazard, personas.town_handler)
    assert hazard.is_extended


def test_a_grid_handler_is_a_level_too_low(client, personas, make_hazard):
    hazard = make_hazard()
    assert _service_and_page(client, personas.grid_worker, hazard) == (False, False)
    assert api_client(personas.grid_worker).get(f"/api/v1/hazards/{hazard.ref}").json()["may_extend"] is False
    assert isinstance(_refusal(hazard, personas.grid_worker), errors.PermissionDenied)


def test_an_outsider_is_told_nothing(personas, make_hazard):
    hazard = make_hazard()
    assert not may_extend(hazard, personas.outsider)
    assert isinstance(_refusal(hazard, personas.outsider), errors.NotFound)


def test_an_extended_hazard_offers_no_second_extension(client, personas, make_hazard):
    hazard = make_hazard()
    _extend(hazard, personas.town_handler)
    assert _service_and_page(client, personas.town_handler, hazard) == (False, False)
    assert _refusal(hazard, personas.town_handler).message == _text(errors.MSG_EXTENSION_USED)


def test_a_closed_hazard_offers_no_extension(client, personas, make_hazard):
    hazard = make_hazard()
    hazard_transition(hazard=hazard, name="reject", actor=personas.town_handler,
                      expected_version=hazard.version, note="不是隐患", reason=RejectionReason.NOT_A_HAZARD)
    assert not hazard.is_open
    assert _service_and_page(client, personas.town_handler, hazard) == (False, False)
    assert _refusal(hazard, personas.town_handler).message == _text(errors.MSG_CLOSED)


def test_a_policy_without_extension_offers_none(client, personas, make_hazard):
    hazard = make_hazard()
    DeadlinePolicy.objects.create(case_kind="hazard", category=hazard.category, duration=7,
                                  extension_allowed=False)
    assert _service_and_page(client, personas.town_handler, hazard) == (False, False)
    assert _refusal(hazard, personas.town_handler).message == _text(errors.MSG_EXTENSION_NOT_ALLOWED)


def test_the_reason_is_asked_only_of_an_extension_the_service_would_grant(personas, make_hazard):
    hazard = make_hazard()
    refusal = _refusal(hazard, personas.town_handler, reason=" ")
    assert refusal.field == "reason" and refusal.message == _text(errors.MSG_REASON_REQUIRED)

