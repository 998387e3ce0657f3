"""The case page offers a new identifier exactly when ``fraud_identifier_add`` would accept
it: the page asks ``may_add_identifier``, the service raises ``identifier_add_refusal``."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pingan.core import errors
from pingan.core.models import Role, RoleName
from pingan.fraud.models import FraudCase
from pingan.fraud.services import fraud_case_transition, fraud_identifier_add, may_add_identifier

pytestmark = pytest.mark.django_db


def _offered(user, case: FraudCase) -> bool:
    client = Client()
    client.force_login(user)
    actions = client.get(reverse("fraud:case", args=[case.ref])).context["actions"]
    return "identifier" in {action.key for action in actions}


def _refusal(case: FraudCase, user) -> errors.DomainError:
    with pytest.raises(errors.DomainError) as refused:
        fraud_identifier_add(case=case, actor=user, expected_version=case.version, kind="phone",
                             value="13800000009")
    return refused.value


@pytest.fixture
def hangbu_viewer(hangbu):
    user = get_user_model().objects.create_user(username="hangbu_fraud_viewer", password="x")
    Role.objects.create(user=user, unit=hangbu, role=RoleName.VIEWER)
    return user


def test_a_handler_of_its_area_is_offered_it_while_it_is_open(record, personas):
    case = record()
    assert may_add_identifier(case, personas.town_handler) and _offered(personas.town_handler, case)
    fraud_case_transition(case=case, name="close", actor=personas.town_handler,
                          expected_version=case.version, note="无法查实")
    assert not case.is_open
    assert not may_add_identifier(case, personas.town_handler) and not _offered(personas.town_handler, case)
    with translation.override(settings.LANGUAGE_CODE):
        assert _refusal(case, personas.town_handler).message == str(errors.MSG_CLOSED)


def test_a_viewer_is_not_offered_it(record, hangbu_viewer):
    case = record()
    assert not may_add_identifier(case, hangbu_viewer) and not _offered(hangbu_viewer, case)
    assert isinstance(_refusal(case, hangbu_viewer), errors.PermissionDenied)


def test_an_outsider_is_told_nothing(record, personas):
    case = record()
    assert not may_add_identifier(case, personas.outsider)
    assert isinstance(_refusal(case, personas.outsider), errors.NotFound)
