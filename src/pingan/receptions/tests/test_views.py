"""The pages: the calendar grid with its legend and planning form, a reception with its
masked visitors, and the forms that record it and register a visitor — refusals shown on
the form with nothing written, outsiders answered 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pingan.core.models import Case
from pingan.petitions.models import Category, Petition
from pingan.receptions.models import Reception, ReceptionStatus, ReceptionVisit
from pingan.receptions.periods import period_of
from pingan.receptions.services import MSG_PERIOD_TAKEN
from pingan.receptions.tests.conftest import ID_NUMBER, PHONE, TODAY

pytestmark = pytest.mark.usefixtures("clock")


def _client(client, user):
    client.force_login(user)
    return client


def _visitor_form(visitor) -> dict:
    return {**visitor, "unit": visitor["unit"].pk, "category": "land",
            "received_at": f"{TODAY}T09:55"}


def test_the_calendar_grid(client, personas, plan, rosters):
    plan(dt.date(2026, 4, 3), held=True)
    planned = plan(dt.date(2026, 5, 27))
    response = _client(client, personas.admin).get(reverse("receptions:calendar"))
    assert response.status_code == 200
    page = response.content.decode()
    # The current quarter by default: 柯城区 and its 18 towns × 9 dekads.
    assert page.count('class="rc rc-') == 19 * 9
    assert page.count("rc rc-held") == 1 and page.count("rc rc-planned") == 1
    assert reverse("receptions:detail", args=[planned.pk]) in page
    assert 'data-total="missing">' in page and 'id="plan-form"' in page
    # The whole year, and another quarter, by link.
    page = client.get(reverse("receptions:calendar"), {"year": 2026, "quarter": "year"}).content.decode()
    assert page.count('class="rc rc-') == 19 * 36
    page = client.get(reverse("receptions:calendar"), {"year": 2026, "quarter": 4}).content.decode()
    assert page.count("rc rc-upcoming") == 19 * 9


def test_calendar_input_is_checked(client, personas):
    _client(client, personas.town_handler)
    assert client.get(reverse("receptions:calendar"), {"year": "twenty"}).status_code == 400
    assert client.get(reverse("receptions:calendar"), {"unit": "330802008"}).status_code == 400  # 石梁镇
    page = client.get(reverse("receptions:calendar")).content.decode()
    assert page.count('class="rc rc-') == 9  # 航埠镇 alone


def test_a_grid_worker_gets_no_calendar(client, personas):
    response = _client(client, personas.grid_worker).get(reverse("receptions:calendar"))
    assert response.status_code == 200 and "rc-grid" not in response.content.decode()


def test_plan_from_the_calendar(client, personas, hangbu, rosters):
    _client(client, personas.town_handler)
    form = {"unit": hangbu.pk, "leader": rosters.hangbu.pk, "date": "2026-05-18", "place": "镇信访接待室"}
    response = client.post(reverse("receptions:plan"), form)
    reception = Reception.objects.get()
    assert response.status_code == 302 and response.url == reverse("receptions:detail", args=[reception.pk])
    response = client.post(reverse("receptions:plan"), {**form, "leader": rosters.hangbu_deputy.pk})
    assert response.status_code == 400
    assert MSG_PERIOD_TAKEN.format(unit="航埠镇", period=period_of(reception.date).label,
                                   date="2026-05-18", leader=rosters.hangbu) in response.content.decode()
    assert Reception.objects.count() == 1


def test_register_a_visitor_on_the_reception_page(client, personas, plan, visitor):
    reception = plan()
    _client(client, personas.town_handler)
    page = client.get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    assert 'id="register-visitor"' in page and 'name="channel"' not in page
    response = client.post(reverse("receptions:visitor", args=[reception.pk]), _visitor_form(visitor),
                           follow=True)
    petition = Petition.objects.get()
    page = response.content.decode()
    assert petition.ref in page and petition.channel == "reception_day"
    assert str(Category.LAND_RESOURCES.label) in page
    assert "张*" in page and "张三" not in page and ID_NUMBER not in page and PHONE not in page
    assert ReceptionVisit.objects.get().reception == reception
    assert Reception.objects.get(pk=reception.pk).status == ReceptionStatus.HELD


def test_the_petition_names_its_reception_day_in_words(client, personas, plan, visitor):
    reception = plan()
    _client(client, personas.town_handler)
    client.post(reverse("receptions:visitor", args=[reception.pk]), _visitor_form(visitor))
    petition = Petition.objects.get()
    page = client.get(reverse("petitions:detail", args=[petition.ref])).content.decode()
    assert "接访领导: — → 镇党委书记 郑国平" in page
    assert "reception_leader" not in page and "reception_date" not in page


def test_a_refused_visitor_is_shown_on_the_form_and_nothing_is_written(client, personas, plan, visitor):
    reception = plan()
    _client(client, personas.town_handler)
    response = client.post(reverse("receptions:visitor", args=[reception.pk]),
                           {**_visitor_form(visitor), "id_number": "330802198001011234"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "is-invalid" in page and 'id="register-visitor"' in page
    assert not Case.objects.exists()
    assert Reception.objects.get(pk=reception.pk).status == ReceptionStatus.PLANNED


def test_record_held_and_cancel_on_the_page(client, personas, plan):
    today, later = plan(), plan(TODAY + dt.timedelta(days=12))
    _client(client, personas.town_handler)
    page = client.get(reverse("receptions:detail", args=[later.pk])).content.decode()
    assert 'id="form-held"' not in page and 'id="form-cancel"' in page  # not held before its day
    assert "register-visitor" not in page
    response = client.post(reverse("receptions:held", args=[today.pk]), {"note": "接待3批"})
    assert response.status_code == 302
    response = client.post(reverse("receptions:cancel", args=[later.pk]), {"reason": ""})
    assert response.status_code == 400
    assert Reception.objects.get(pk=later.pk).status == ReceptionStatus.PLANNED
    client.post(reverse("receptions:cancel", args=[later.pk]), {"reason": "领导外出"})
    assert Reception.objects.get(pk=later.pk).status == ReceptionStatus.CANCELLED
    assert Reception.objects.get(pk=today.pk).status == ReceptionStatus.HELD


def test_outsiders_get_404_and_viewers_no_forms(client, personas, plan, visitor, hangbu_viewer):
    reception = plan()
    _client(client, personas.outsider)
    assert client.get(reverse("receptions:detail", args=[reception.pk])).status_code == 404
    assert client.post(reverse("receptions:visitor", args=[reception.pk]),
                       _visitor_form(visitor)).status_code == 404
    _client(client, hangbu_viewer)
    page = client.get(reverse("receptions:detail", args=[reception.pk])).content.decode()
    assert "register-visitor" not in page and "form-held" not in page
    assert client.post(reverse("receptions:held", args=[reception.pk]), {}).status_code == 403
    assert not Petition.objects.exists()


def test_the_admin_site_keeps_the_roster_and_shows_receptions_read_only(client, plan, rosters,
                                                                      django_user_model):
    reception = plan()
    superuser = django_user_model.objects.create_superuser("root", password="x")
    _client(client, superuser)
    assert client.get(reverse("admin:receptions_leader_changelist")).status_code == 200
    assert client.get(reverse("admin:receptions_leader_change", args=[rosters.hangbu.pk])).status_code == 200
    page = client.get(reverse("admin:receptions_reception_change", args=[reception.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:receptions_reception_add")).status_code == 403
