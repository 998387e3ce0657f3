"""Ledger records are kept for good (浙江省安全生产条例 art. 15 asks at least 3 years): no
path deletes a case, its events or its attachments, however old and closed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.db.models import ProtectedError
from django.test import RequestFactory

from pingan.core.models import Attachment, Case, Event
from pingan.hazards.models import Hazard

LEDGER_RECORDS = (Case, Event, Attachment)


@pytest.fixture
def old_closed_hazard(make_hazard, personas):
    hazard = make_hazard()
    ten_years_ago = dt.datetime(2016, 1, 4, tzinfo=dt.UTC)
    Case.objects.filter(pk=hazard.pk).update(is_open=False, status="closed", opened_at=ten_years_ago,
                                             closed_at=ten_years_ago)
    return Hazard.objects.get(pk=hazard.pk)


def test_a_case_ten_years_closed_cannot_be_deleted(old_closed_hazard):
    with pytest.raises(ProtectedError):  # its events protect it
        old_closed_hazard.delete()
    with pytest.raises(ProtectedError):
        Case.objects.filter(pk=old_closed_hazard.pk).delete()
    with pytest.raises(ProtectedError):  # and its photos protect their event
        Event.objects.filter(case=old_closed_hazard).delete()
    assert Case.objects.filter(pk=old_closed_hazard.pk).exists()
    assert old_closed_hazard.attachments.count() == 1


def test_no_admin_screen_deletes_a_ledger_record(personas):
    request = RequestFactory().get("/admin/")
    request.user = personas.admin
    request.user.is_superuser = True  # even the superuser
    for model, model_admin in admin.site._registry.items():
        if issubclass(model, LEDGER_RECORDS):
            assert not model_admin.has_delete_permission(request), model
    for model in apps.get_models():
        if issubclass(model, Case) and model in admin.site._registry:
            assert not admin.site._registry[model].has_delete_permission(request), model


def test_no_api_route_deletes_anything(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert paths and not [p for p, operations in paths.items() if "delete" in operations]
