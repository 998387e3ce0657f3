"""The dissuasion pages: the board (per unit, its period, the open warnings, a town's drill-down
and what an outsider cannot open), registering an order, a warning's page with the person
masked and shown in full on request, recording a contact and the outcome — a refusal shown on
its form with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from pingan.core import web
from pingan.core.escalation import escalate_overdue
from pingan.core.models import EventType, Role, RoleName
from pingan.core.personal.masking import mask_name
from pingan.dissuasion import services, workflow
from pingan.dissuasion.models import ContactAttempt, WarningOrder, WarningStatus
from pingan.dissuasion.selectors import MSG_PERIOD_REVERSED
from pingan.dissuasion.tests.test_rules import conclude, contact, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def warning(personas, worker_grid):
    return register(personas.admin, worker_grid, received_at=timezone.now() - dt.timedelta(hours=2))


def register_post(unit, **overrides) -> dict:
    data = {"received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "issuer": "national",
            "order_number": "GJ-2026-118", "risk_level": "high", "unit": unit.pk,
            "scam_type": "fake_officials",
            "person_name": "周秀兰", "person_phone": "139 0570 1234", "person_id_number": "",
            "person_address": "", "description": "近1小时内多次接听境外来电"}
    data.update(overrides)
    return data


def test_the_board(client, personas, warning, grid_in):
    other = register(personas.admin, grid_in("石梁镇"), received_at=timezone.now() - dt.timedelta(hours=30))
    client.force_login(personas.admin)
    page = client.get(reverse("dissuasion:board"))
    assert page.status_code == 200
    rows = {row["unit"].name: row for row in page.context["metrics"]["rows"]}
    assert len(rows) == 18 and rows["航埠镇"]["received"] == rows["石梁镇"]["received"] == 1
    assert rows["石梁镇"]["overdue"] == 1 and rows["航埠镇"]["overdue"] == 0
    assert [w.ref for w in page.context["warnings"]] == [other.ref, warning.ref]  # overdue first
    html = page.content.decode()
    assert "周**" in html and "139****1234" in html and "13905701234" not in html
    # A town drills down to its villages; a town handler starts there.
    town = client.get(reverse("dissuasion:board"), {"unit": personas.town_handler.roles.get().unit.prefix})
    assert {w.ref for w in town.context["warnings"]} == {warning.ref}
    client.force_login(personas.town_handler)
    mine = client.get(reverse("dissuasion:board"))
    assert mine.context["parent"].name == "航埠镇"
    assert [w.ref for w in mine.context["warnings"]] == [warning.ref]
    elsewhere = {"unit": other.unit.parent.parent.prefix}
    assert client.get(reverse("dissuasion:board"), elsewhere).status_code == 404


def test_a_bad_period_is_named(client, personas):
    client.force_login(personas.admin)
    page = client.get(reverse("dissuasion:board"), {"first": "2026-05-01", "last": "2026-04-01"})
    assert page.status_code == 400 and str(MSG_PERIOD_REVERSED) in page.content.decode()
    assert 'value="2026-05-01"' in page.content.decode()  # the days as given, to correct
    assert client.get(reverse("dissuasion:board"), {"first": "May"}).status_code == 400


def test_registering_an_order(client, personas, worker_grid, shiliang):
    client.force_login(personas.town_handler)
    assert client.get(reverse("dissuasion:warning-new")).status_code == 200
    response = client.post(reverse("dissuasion:warning-new"), register_post(worker_grid))
    warning = WarningOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dissuasion:warning", args=[warning.ref])
    assert (warning.person_phone, warning.external_ref, warning.reporter) == ("13905701234", "GJ-2026-118",
                                                                              personas.town_handler)
    again = client.post(reverse("dissuasion:warning-new"), register_post(worker_grid))
    assert again.status_code == 400
    assert again.context["form"].errors["order_number"] == [
        services.MSG_ORDER_NUMBER_TAKEN.format(number="GJ-2026-118")]
    bad_phone = client.post(reverse("dissuasion:warning-new"), register_post(worker_grid, order_number="",
                                                                        person_phone="0570"))
    assert bad_phone.status_code == 400 and bad_phone.context["form"].errors["person_phone"]
    elsewhere = client.post(reverse("dissuasion:warning-new"), register_post(shiliang, order_number=""))
    assert elsewhere.status_code == 400  # not a unit the form offers this town
    assert WarningOrder.objects.count() == 1


def test_the_warning_page_masks_and_shows_in_full_on_request(client, personas, warning, hangbu):
    client.force_login(personas.grid_worker)
    page = client.get(reverse("dissuasion:warning", args=[warning.ref])).content.decode()
    assert "周**" in page and "139****1234" in page and "13905701234" not in page
    assert reverse("dissuasion:warning-person", args=[warning.ref]) in page
    full = client.post(reverse("dissuasion:warning-person", args=[warning.ref]))
    assert full.status_code == 200 and full["Cache-Control"] == "no-store"
    assert 'href="tel:13905701234"' in full.content.decode()
    assert warning.events.filter(type=EventType.VIEWED_PERSONAL_DATA, actor=personas.grid_worker).count() == 1
    Role.objects.create(user=personas.outsider, unit=hangbu, role=RoleName.VIEWER)
    client.force_login(personas.outsider)
    viewer = client.get(reverse("dissuasion:warning", args=[warning.ref]))
    assert viewer.status_code == 200 and not viewer.context["may_view_full"] and not viewer.context["actions"]
    refused = client.post(reverse("dissuasion:warning-person", args=[warning.ref]), follow=True)
    assert services.MSG_PERSON_FULL_VIEW_NOT_ALLOWED in [str(m) for m in refused.context["messages"]]
    client.force_login(personas.fire_handler)
    assert client.get(reverse("dissuasion:warning", args=[warning.ref])).status_code == 404
    assert client.post(reverse("dissuasion:warning-contact", args=[warning.ref]),
                       {"version": warning.version, "method": "phone", "reached": "yes"}).status_code == 404
    assert warning.events.filter(type=EventType.VIEWED_PERSONAL_DATA).count() == 1


def test_recording_a_contact_and_the_outcome(client, personas, warning):
    client.force_login(personas.grid_worker)
    url = reverse("dissuasion:warning-contact", args=[warning.ref])
    ahead = (timezone.localtime() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(url, {"version": warning.version, "method": "phone", "reached": "yes",
                                "contacted_at": ahead})
    assert refused.status_code == 400 and refused.context["open_form"] == "contact"
    assert refused.context["actions"][0].form.errors["contacted_at"] == [services.MSG_CONTACT_IN_FUTURE]
    assert not ContactAttempt.objects.exists()
    stale = client.post(url, {"version": warning.version + 1, "method": "phone", "reached": "yes"})
    assert stale.status_code == 409 and not ContactAttempt.objects.exists()
    outcome_url = reverse("dissuasion:warning-outcome", args=[warning.ref, "prevented"])
    too_soon = client.post(outcome_url, {"version": warning.version})
    assert too_soon.status_code == 400
    assert str(workflow.MSG_PREVENTED_NEEDS_CONTACT) in too_soon.content.decode()
    done = client.post(url, {"version": warning.version, "method": "in_person", "reached": "yes",
                             "note": "上门讲解"})
    assert done.status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CONTACTED and warning.contacts.get().by == personas.grid_worker
    page = client.get(reverse("dissuasion:warning", args=[warning.ref]))
    labels = [entry.label for entry in page.context["timeline"]]
    assert any(label.startswith(str(services.RECORD_CONTACT_LABEL)) for label in labels)
    closed = client.post(outcome_url, {"version": warning.version, "note": "未转账"})
    assert closed.status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.PREVENTED
    assert client.get(reverse("dissuasion:warning", args=[warning.ref])).context["actions"] == []


def test_a_lost_warning_shows_its_case_only_to_who_may_see_it(client, personas, warning, record, hangbu):
    case = record(unit=hangbu)  # the town's case: above the grid worker's cell
    contact(warning, personas.grid_worker)
    client.force_login(personas.town_handler)
    warning.refresh_from_db()
    client.post(reverse("dissuasion:warning-outcome", args=[warning.ref, "already_lost"]),
                {"version": warning.version, "fraud_case": case.ref})
    warning.refresh_from_db()
    assert warning.fraud_case == case
    assert client.get(reverse("dissuasion:warning", args=[warning.ref])).context["fraud_case"] == case
    # The case's page lists the warning, its person masked.
    case_page = client.get(reverse("fraud:case", args=[case.ref]))
    assert [w.ref for w in case_page.context["warnings"]] == [warning.ref]
    body = case_page.content.decode()
    assert mask_name(warning.person_name) in body and warning.person_name not in body
    assert "139****1234" in body and warning.person_phone not in body
    client.force_login(personas.grid_worker)
    page = client.get(reverse("dissuasion:warning", args=[warning.ref]))
    assert page.context["fraud_case"] is None and case.ref not in page.content.decode()
    client.force_login(personas.outsider)
    assert client.get(reverse("fraud:case", args=[case.ref])).status_code == 404


def test_a_case_page_lists_only_the_warnings_its_reader_may_see(client, personas, record, hangbu, grid_in):
    case = record(unit=hangbu)
    seen, unseen = (register(personas.admin, grid) for grid in (grid_in("航埠镇"), grid_in("石梁镇")))
    for warning in (seen, unseen):
        contact(warning, personas.admin)
        conclude(warning, personas.admin, WarningStatus.ALREADY_LOST, fraud_case=case.ref)

    def listed() -> list[str]:
        return [w.ref for w in client.get(reverse("fraud:case", args=[case.ref])).context["warnings"]]

    client.force_login(personas.admin)
    assert listed() == [seen.ref, unseen.ref]
    client.force_login(personas.town_handler)  # 航埠镇: its case, not 石梁镇's warning
    assert listed() == [seen.ref]


def test_the_warning_list(client, personas, warning, grid_in):
    far = register(personas.admin, grid_in("石梁镇"), risk_level="low", order_number="SJ-77",
                   received_at=timezone.now() - dt.timedelta(days=5))
    done = register(personas.admin, grid_in("航埠镇"), received_at=timezone.now() - dt.timedelta(hours=1))
    contact(done, personas.admin)
    conclude(done, personas.admin, WarningStatus.PREVENTED)
    url = reverse("dissuasion:warnings")
    client.force_login(personas.admin)
    page = client.get(url)
    assert page.status_code == 200
    assert [w.ref for w in page.context["rows"]] == [done.ref, warning.ref, far.ref]  # newest first
    body = page.content.decode()
    assert "周**" in body and "139****1234" in body and "13905701234" not in body

    def refs(**query) -> list[str]:
        return [w.ref for w in client.get(url, query).context["rows"]]

    assert refs(open_only="true", sort="due") == [far.ref, warning.ref]  # the most overdue first
    assert refs(risk_level="low") == [far.ref]
    assert refs(status=["prevented", "awaiting_contact"], sort="received") == [far.ref, warning.ref, done.ref]
    assert refs(due_state="overdue") == [far.ref]
    assert refs(q="sj-77") == [far.ref]
    assert refs(unit=personas.town_handler.roles.get().unit.prefix) == [done.ref, warning.ref]
    since = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert refs(received_from=since) == [done.ref, warning.ref]
    bad = client.get(url, {"risk_level": "extreme", "received_from": "soon"})
    assert bad.status_code == 400 and bad.context["rows"] == []
    client.force_login(personas.town_handler)  # 航埠镇's warnings only
    assert refs() == [done.ref, warning.ref]


def test_the_warning_list_loads_more_rows_masked(client, personas, warning, grid_in, monkeypatch):
    monkeypatch.setattr(web, "PAGE_SIZE", 1)
    later = register(personas.admin, grid_in("石梁镇"), person_name="欧阳娜娜", person_phone="13800001111",
                     received_at=timezone.now() - dt.timedelta(hours=5))  # after the fixture's, newest first
    client.force_login(personas.admin)
    first = client.get(reverse("dissuasion:warnings"))
    assert [w.ref for w in first.context["rows"]] == [warning.ref]
    more = client.get(reverse("dissuasion:warnings"), {"after": first.context["next_cursor"]},
                      HTTP_HX_REQUEST="true")
    assert [w.ref for w in more.context["rows"]] == [later.ref] and more.context["next_cursor"] is None
    body = more.content.decode()
    assert "欧***" in body and "138****1111" in body and "13800001111" not in body


def test_an_escalation_notice_links_to_the_warning(client, personas, worker_grid, settings):
    settings.PINGAN_FRAUD_WARNING_CONTACT_HOURS = {"high": 1, "medium": 24, "low": 72}
    warning = register(personas.admin, worker_grid, received_at=timezone.now() - dt.timedelta(hours=3))
    assert escalate_overdue() == 1  # to the village, where the test district has nobody
    later = timezone.now() + dt.timedelta(days=settings.PINGAN_ESCALATION_INTERVAL_DAYS)
    escalate_overdue(now=later)  # to the town
    client.force_login(personas.town_handler)
    page = client.get(reverse("my-work"))
    assert page.status_code == 200
    assert reverse("dissuasion:warning", args=[warning.ref]) in page.content.decode()


def test_the_admin_site_lists_warnings_without_the_person(client, warning, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))  # noqa: S106
    listing = client.get(reverse("admin:dissuasion_warningorder_changelist"))
    assert listing.status_code == 200 and warning.ref in listing.content.decode()
    page = client.get(reverse("admin:dissuasion_warningorder_change", args=[warning.pk])).content.decode()
    assert "13905701234" not in page and "周秀兰" not in page


def test_my_work_lists_open_warnings_where_i_may_act(client, personas, warning):
    for user, expected in ((personas.grid_worker, [warning.ref]), (personas.town_handler, [warning.ref]),
                           (personas.outsider, [])):
        client.force_login(user)
        assert [w.ref for w in client.get(reverse("my-work")).context["warnings"]] == expected
    client.force_login(personas.grid_worker)
    body = client.get(reverse("my-work")).content.decode()
    assert warning.person_name not in body and mask_name(warning.person_name) in body


def test_the_warning_export_is_the_list_with_people_masked(client, personas, warning, grid_in):
    from pingan.testing import read_workbook

    far = register(personas.admin, grid_in("石梁镇"), risk_level="low", order_number="SJ-77")
    contact(warning, personas.admin, contacted_at=warning.opened_at + dt.timedelta(minutes=30))
    client.force_login(personas.admin)
    response = client.get(reverse("dissuasion:warning-export"), {"sort": "received"})
    header, rows = read_workbook(response.content)
    assert [r["编号"] for r in rows] == [warning.ref, far.ref]
    reached, waiting = rows
    assert (reached["预警对象"], reached["联系电话"], reached["状态"], reached["联系用时(分钟)"]) == (
        "周**", "139****1234", "已联系，劝阻中", 30)
    assert (waiting["风险等级"], waiting["指令编号"], waiting["诈骗类型"], waiting["首次联系上"]) == (
        "低风险", "SJ-77", "冒充公检法", None)
    cells = {str(value) for row in rows for value in row.values()}
    assert not cells & {"周秀兰", "13905701234"}
    assert client.get(reverse("dissuasion:warning-export"), {"risk_level": "extreme"}).status_code == 400
    client.force_login(personas.town_handler)  # 航埠镇's only
    export = client.get(reverse("dissuasion:warning-export")).content
    assert [r["编号"] for r in read_workbook(export)[1]] == [
        warning.ref]
    client.logout()
    assert client.get(reverse("dissuasion:warning-export"))["Location"].startswith(reverse("login"))
