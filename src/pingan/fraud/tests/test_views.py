"""The fraud pages: the list with its filters, recording a case with rows of victims and
identifiers (a bad row is shown on its row and nothing is written), a case with its steps
and identifiers, the victims in full, the ranked rings and a ring's network and chain."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from pingan.core.models import EventType
from pingan.fraud.models import FraudCase, Identifier, Ring, Victim

pytestmark = pytest.mark.django_db


def record_post(unit, **overrides) -> dict:
    data = {
        "unit": unit.pk, "scam_type": "fake_investment", "reported_on": timezone.localdate().isoformat(),
        "occurred_on": "", "loss": "86000", "recovered": "", "title": "", "description": "投资群荐股",
        "victims-TOTAL_FORMS": "2", "victims-INITIAL_FORMS": "0", "victims-MIN_NUM_FORMS": "0",
        "victims-MAX_NUM_FORMS": "50",
        "victims-0-name": "王建华", "victims-0-id_number": "", "victims-0-phone": "13900001111",
        "victims-0-age": "67",
        "victims-1-name": "", "victims-1-id_number": "", "victims-1-phone": "", "victims-1-age": "",
        "identifiers-TOTAL_FORMS": "3", "identifiers-INITIAL_FORMS": "0", "identifiers-MIN_NUM_FORMS": "0",
        "identifiers-MAX_NUM_FORMS": "100",
        "identifiers-0-kind": "url", "identifiers-0-value": "https://www.gupiao-vip.com/app",
        "identifiers-1-kind": "bank_account", "identifiers-1-value": "6222 0212 3456 7890",
        "identifiers-2-kind": "", "identifiers-2-value": "",
    }
    data.update(overrides)
    return data


def test_recording_a_case_from_the_form(client, personas, hangbu, record):
    earlier = record(("url", "gupiao-vip.com"))
    client.force_login(personas.town_handler)
    page = client.get(reverse("fraud:record"))
    assert page.status_code == 200 and "data-row-template" in page.content.decode()
    response = client.post(reverse("fraud:record"), record_post(hangbu))
    case = FraudCase.objects.exclude(pk=earlier.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("fraud:case", args=[case.ref])
    assert "虚假投资理财" in case.title and case.victim_count == 1
    assert case.victims.get().phone == "13900001111"
    assert case.ring is not None and case.ring.ring_id == earlier.ref
    detail = client.get(response["Location"]).content.decode()
    assert "王*" in detail and "13900001111" not in detail  # masked for a town handler
    assert earlier.ref in detail and "gupiao-vip.com" in detail


def test_a_bad_row_is_shown_on_its_row_and_nothing_is_written(client, personas, hangbu):
    client.force_login(personas.town_handler)
    response = client.post(reverse("fraud:record"), record_post(
        hangbu, **{"identifiers-1-value": "12345"}))
    assert response.status_code == 400
    forms = response.context["forms"]
    row = [form for form in forms.identifiers if form.has_changed()][1]
    assert "12345" in row.errors["value"][0]
    assert not FraudCase.objects.exists() and not Identifier.objects.exists() and not Victim.objects.exists()
    response = client.post(reverse("fraud:record"), record_post(hangbu, **{"victims-0-phone": "123"}))
    assert response.status_code == 400 and response.context["forms"].victims[0].errors["phone"]
    assert not FraudCase.objects.exists()


def test_a_town_handler_cannot_record_in_another_town(client, personas, shiliang):
    client.force_login(personas.town_handler)
    response = client.post(reverse("fraud:record"), record_post(shiliang))
    assert response.status_code == 400  # not a choice the form offers
    assert not FraudCase.objects.exists()


def test_case_list_filters(client, personas, record, shiliang):
    a = record(("phone", "13800000001"), loss=2_000)
    b = record(("phone", "138-0000-0001"), loss=600_000)
    c = record(("app", "速赚"), unit=shiliang, scam_type="fake_loan", loss=40_000)
    client.force_login(personas.admin)

    def refs(**query):
        response = client.get(reverse("fraud:cases"), query)
        assert response.status_code == 200
        return {case.ref for case in response.context["rows"]}

    assert refs() == {a.ref, b.ref, c.ref}
    assert refs(identifier="+86 13800000001") == {a.ref, b.ref}
    assert refs(band=["huge"]) == {c.ref}
    assert refs(band=["huge", "especially_huge"]) == {b.ref, c.ref}
    assert refs(scam_type="fake_loan") == {c.ref}
    assert refs(linked_only="true") == {a.ref, b.ref}
    assert refs(ring=a.ref) == {a.ref, b.ref}
    assert refs(unit=shiliang.prefix) == {c.ref}
    bad = client.get(reverse("fraud:cases"), {"band": "vast"})
    assert bad.status_code == 400
    partial = client.get(reverse("fraud:cases"), {"sort": "-loss"}, headers={"HX-Request": "true"})
    assert [case.ref for case in partial.context["rows"]] == [b.ref, c.ref, a.ref]
    assert "<html" not in partial.content.decode()


def test_steps_and_a_new_identifier(client, personas, record):
    a = record(("phone", "13800000002"))
    b = record()
    client.force_login(personas.town_handler)
    url = reverse("fraud:identifier", args=[b.ref])
    refused = client.post(url, {"version": b.version, "kind": "phone", "value": "12"})
    assert refused.status_code == 400 and refused.context["open_form"] == "identifier"
    done = client.post(url, {"version": b.version, "kind": "phone", "value": "13800000002"})
    assert done.status_code == 302
    b.refresh_from_db()
    assert b.ring.ring_id == a.ref
    stale = client.post(url, {"version": b.version - 1, "kind": "app", "value": "x"})
    assert stale.status_code == 409
    client.post(reverse("fraud:step", args=[b.ref, "investigate"]), {"version": b.version})
    b.refresh_from_db()
    assert b.status == "investigating"
    no_note = client.post(reverse("fraud:step", args=[b.ref, "close"]), {"version": b.version, "note": ""})
    assert no_note.status_code == 400
    client.post(reverse("fraud:step", args=[b.ref, "solve"]), {"version": b.version, "note": "已抓获"})
    b.refresh_from_db()
    assert (b.status, b.is_open) == ("solved", False)
    page = client.get(reverse("fraud:case", args=[b.ref])).content.decode()
    assert "已抓获" in page


def test_victims_in_full_are_recorded(client, personas, record):
    case = record()
    client.force_login(personas.town_handler)
    assert client.post(reverse("fraud:victims", args=[case.ref])).status_code == 302  # a handler: refused
    assert not case.events.filter(type=EventType.VIEWED_PERSONAL_DATA).exists()
    client.force_login(personas.admin)
    response = client.post(reverse("fraud:victims", args=[case.ref]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    name = case.victims.get().name
    assert name in response.content.decode()
    assert case.events.filter(type=EventType.VIEWED_PERSONAL_DATA, actor=personas.admin).count() == 1


def test_ring_list_and_detail_with_the_chain(client, personas, record, settings):
    settings.PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE = 2
    a = record(("phone", "13800000003"), ("app", "hub"))
    b = record(("phone", "13800000003"), ("url", "x-pay.cn"), ("app", "hub"))
    c = record(("url", "x-pay.cn"), ("app", "hub"), loss=700_000)
    client.force_login(personas.admin)
    page = client.get(reverse("fraud:rings"))
    assert page.status_code == 200
    [ring] = page.context["rows"]
    assert (ring.ring_id, ring.position, ring.case_count, ring.is_major) == (a.ref, 1, 3, True)
    assert [i.value for i in page.context["left_out"]] == ["hub"]
    assert "hub" in page.content.decode()

    detail = client.get(reverse("fraud:ring", args=[a.ref]))
    graph = detail.context["graph"]
    assert {node["id"] for node in graph["nodes"] if node["category"] == 0} == {
        f"case:{ref}" for ref in (a.ref, b.ref, c.ref)}
    assert len([node for node in graph["nodes"] if node["category"] == 1]) == 2  # not the left-out hub
    assert 'id="ring-graph-data"' in detail.content.decode() and "echarts.min.js" in detail.content.decode()

    chain = client.get(reverse("fraud:ring", args=[a.ref]), {"a": a.ref, "b": c.ref},
                       headers={"HX-Request": "true"})
    steps = chain.context["steps"]
    assert [(s.case.ref, s.identifier.value, s.next_case.ref) for s in steps] == [
        (a.ref, "13800000003", b.ref), (b.ref, "x-pay.cn", c.ref)]
    assert chain.context["path"][0] == f"case:{a.ref}" and chain.context["path"][-1] == f"case:{c.ref}"
    outsider = client.get(reverse("fraud:ring", args=[a.ref]), {"a": a.ref, "b": "ZP-1999-000001"})
    assert outsider.status_code == 400 and "ZP-1999-000001" in outsider.context["explain_error"]


def test_recompute_is_queued_for_the_district_admin_only(client, personas, record):
    record(("phone", "13800000004"))
    client.force_login(personas.town_handler)
    client.post(reverse("fraud:recompute"))
    from django_tasks_db.models import DBTaskResult

    assert not DBTaskResult.objects.exists()
    client.force_login(personas.admin)
    response = client.post(reverse("fraud:recompute"), follow=True)
    assert DBTaskResult.objects.filter(task_path="pingan.fraud.tasks.recompute_rings").count() == 1
    assert response.status_code == 200


def test_pages_answer_404_for_what_does_not_exist(client, personas):
    client.force_login(personas.admin)
    assert client.get(reverse("fraud:case", args=["ZP-2026-999999"])).status_code == 404
    assert client.get(reverse("fraud:ring", args=["ZP-2026-999999"])).status_code == 404
    assert client.post(reverse("fraud:step", args=["ZP-2026-999999", "nope"])).status_code == 404


def test_a_late_report_date_is_refused_on_the_form(client, personas, hangbu):
    client.force_login(personas.admin)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(reverse("fraud:record"), record_post(hangbu, reported_on=tomorrow))
    assert response.status_code == 400
    assert response.context["forms"].case.errors["reported_on"]
    assert not Ring.objects.exists() and not FraudCase.objects.exists()
