"""The petition pages: list with filters, registration, detail with the clock and its steps,
extension, backlog designation, repeats, the full view of a petitioner, the backlog board."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pingan.core.models import Event, EventType, Unit
from pingan.petitions.models import Petition, Status
from pingan.petitions.services import petition_transition
from pingan.petitions.tests.conftest import ID_NUMBER, PHONE

pytestmark = pytest.mark.django_db

MASKED_ID = "330802********1238"
MASKED_PHONE = "138****5678"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def step(petition: Petition, name: str, actor, **data) -> Petition:
    petition.refresh_from_db()
    return petition_transition(petition=petition, name=name, actor=actor,
                               expected_version=petition.version, **data)


def test_list_masks_petitioners_and_filters_by_type_and_first_or_repeat(xinfang, make_petition):
    first = make_petition()
    repeat = make_petition(title="征地补偿款仍未发放", repeat_of=first.ref)
    suggestion = make_petition(petition_type="suggestion", category="rural", title="建议修缮村道",
                               id_number="", phone="13900001111")
    client = client_for(xinfang)
    body = client.get(reverse("petitions:list")).content.decode()
    assert first.ref in body and repeat.ref in body and suggestion.ref in body
    assert "张*" in body and "张三" not in body and ID_NUMBER not in body

    only_repeats = client.get(reverse("petitions:list"), {"repeat_only": "true"}).content.decode()
    assert repeat.ref in only_repeats and first.ref not in only_repeats
    only_first = client.get(reverse("petitions:list"), {"first_only": "true"}).content.decode()
    assert first.ref in only_first and repeat.ref not in only_first
    suggestions = client.get(reverse("petitions:list"), {"petition_type": "suggestion"}).content.decode()
    assert suggestion.ref in suggestions and first.ref not in suggestions


def test_list_rejects_a_bad_filter_with_a_clear_message(xinfang, make_petition):
    petition = make_petition()
    response = client_for(xinfang).get(reverse("petitions:list"),
                                       {"channel": "pigeon", "first_only": "true", "repeat_only": "true"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "筛选条件“信访渠道”不接受“pigeon”" in body
    assert petition.ref not in body


def test_list_is_scoped_to_the_users_area(make_petition, personas):
    petition = make_petition()
    body = client_for(personas.outsider).get(reverse("petitions:list")).content.decode()
    assert petition.ref not in body
    detail = reverse("petitions:detail", args=[petition.ref])
    assert client_for(personas.outsider).get(detail).status_code == 404


def test_backlog_filter_lists_overdue_open_petitions_only(xinfang, make_petition):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)):
        overdue = make_petition()
    fresh = make_petition(title="新近登记的事项")
    body = client_for(xinfang).get(reverse("petitions:list"), {"backlog_only": "true"}).content.decode()
    assert overdue.ref in body and fresh.ref not in body


def test_register_form_creates_a_petition_with_its_acceptance_clock(xinfang, hangbu_village, hangbu):
    client = client_for(xinfang)
    assert client.get(reverse("petitions:new")).status_code == 200
    response = client.post(reverse("petitions:new"), {
        "channel": "letter", "received_at": "2026-09-30T10:00", "petition_type": "complaint",
        "category": "labour", "unit": hangbu_village.pk, "handling_unit": "",
        "petitioner_name": "李四", "id_number": ID_NUMBER, "phone": "138 1234 5678",
        "address": "航埠镇", "title": "工地拖欠工资", "matter": "2026年8月起拖欠工资。",
    })
    petition = Petition.objects.get(title="工地拖欠工资")
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:detail", args=[petition.ref])
    assert petition.handling_unit == hangbu  # the town where it arose
    # Received before National Day: the national 15-day acceptance term runs through the holiday.
    assert timezone.localtime(petition.acceptance_due_at).date() == dt.date(2026, 10, 15)


def test_register_form_shows_the_services_error_and_writes_nothing(xinfang, hangbu_village):
    response = client_for(xinfang).post(reverse("petitions:new"), {
        "channel": "visit", "received_at": "2026-09-30T10:00", "petition_type": "complaint",
        "category": "labour", "unit": hangbu_village.pk, "petitioner_name": "李四",
        "id_number": "330802198001011239", "title": "工地拖欠工资",
    })
    assert response.status_code == 400
    assert "身份证号" in response.content.decode()
    assert not Petition.objects.exists()


def test_detail_draws_the_clock_and_masks_for_a_viewer(make_petition, hangbu_viewer):
    petition = make_petition()
    response = client_for(hangbu_viewer).get(reverse("petitions:detail", args=[petition.ref]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-milestone="acceptance" data-state="running"' in body
    assert 'data-milestone="reply" data-state="waiting"' in body
    assert MASKED_ID in body and MASKED_PHONE in body and ID_NUMBER not in body and PHONE not in body
    assert reverse("petitions:petitioner", args=[petition.ref]) not in body  # no full view for a viewer
    refused = client_for(hangbu_viewer).post(reverse("petitions:petitioner", args=[petition.ref]))
    assert refused.status_code == 302
    assert not Event.objects.filter(type=EventType.VIEWED_PERSONAL_DATA).exists()


def test_full_view_shows_the_petitioner_and_records_it(make_petition, hangbu_head):
    petition = make_petition()
    client = client_for(hangbu_head)
    assert ID_NUMBER not in client.get(reverse("petitions:detail", args=[petition.ref])).content.decode()
    response = client.post(reverse("petitions:petitioner", args=[petition.ref]))
    assert ID_NUMBER in response.content.decode() and response["Cache-Control"] == "no-store"
    views = Event.objects.filter(case=petition, type=EventType.VIEWED_PERSONAL_DATA, actor=hangbu_head)
    assert views.count() == 1


def test_accept_extend_reply_rate_and_close_through_the_page(make_petition, hangbu_head, personas, xinfang):
    petition = make_petition()
    head = client_for(hangbu_head)
    url = reverse("petitions:step", args=[petition.ref, "accept"])
    assert head.post(url, {"version": petition.version}).status_code == 302
    petition.refresh_from_db()
    assert petition.status == Status.ACCEPTED
    due_before = petition.resolution_due_at

    refused = head.post(reverse("petitions:extend", args=[petition.ref]),
                        {"version": petition.version, "days": 30, "reason": ""})
    assert refused.status_code == 400 and "理由" in refused.content.decode()
    assert head.post(reverse("petitions:extend", args=[petition.ref]),
                     {"version": petition.version, "days": 30, "reason": "需现场测绘"}).status_code == 302
    petition.refresh_from_db()
    assert petition.extension_days == 30 and petition.resolution_due_at > due_before

    # The town replies and closes; the petition bureau calls the petitioner back.
    for client, name, data, status in (
            (head, "reply", {"outcome": "supported", "note": "补偿款已补发"}, 200),
            (client_for(xinfang), "rate", {"satisfaction": "satisfied", "asked_by": "phone"}, 302),
            (head, "close", {}, 302)):
        petition.refresh_from_db()
        response = client.post(reverse("petitions:step", args=[petition.ref, name]),
                               {"version": petition.version, **data})
        assert response.status_code == status, response.content.decode()
    petition.refresh_from_db()
    assert petition.status == Status.CLOSED
    page = head.get(reverse("petitions:detail", args=[petition.ref])).content.decode()
    assert 'data-milestone="closed" data-state="done"' in page and "需现场测绘" in page


def test_a_step_missing_its_input_is_refused_on_its_form(make_petition, hangbu_head):
    petition = make_petition()
    step(petition, "accept", hangbu_head)
    petition.refresh_from_db()
    response = client_for(hangbu_head).post(reverse("petitions:step", args=[petition.ref, "reply"]),
                                            {"version": petition.version, "note": "答复"})
    assert response.status_code == 400
    assert "请选择处理意见" in response.content.decode()
    petition.refresh_from_db()
    assert petition.status == Status.ACCEPTED


def test_extension_is_not_offered_to_a_handler_who_is_not_the_unit_head(make_petition, personas):
    petition = make_petition()
    step(petition, "accept", personas.town_handler)
    client = client_for(personas.town_handler)
    page = client.get(reverse("petitions:detail", args=[petition.ref])).content.decode()
    assert reverse("petitions:extend", args=[petition.ref]) not in page


def test_repeat_candidate_confirmed_from_the_page(make_petition, personas):
    first = make_petition()
    later = make_petition(title="征地补偿款一直未足额发放", matter="村民再次反映2025年征地补偿款少发。")
    client = client_for(personas.town_handler)
    page = client.get(reverse("petitions:detail", args=[later.ref])).content.decode()
    assert f'data-candidate="{first.ref}"' in page
    response = client.post(reverse("petitions:repeat", args=[later.ref]),
                           {"version": later.version, "original": first.ref, "decision": "confirm"})
    assert response.status_code == 302
    later.refresh_from_db()
    assert later.repeat_of == first
    assert later.ref in client.get(reverse("petitions:detail", args=[first.ref])).content.decode()


def test_backlog_board_counts_and_names_the_leader(make_petition, xinfang, personas, hangbu):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)):
        overdue = make_petition()
    client = client_for(personas.town_handler)
    page = client.get(reverse("petitions:backlog"), {"baseline": "2026-01-01"})
    body = page.content.decode()
    assert page.status_code == 200
    assert overdue.ref in body and "未指定" in body
    assert page.context["metrics"]["totals"]["increment"] == 1
    response = client.post(reverse("petitions:backlog-assign", args=[overdue.ref]), {
        "version": overdue.version, "leader": "王镇长",
        "target_date": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
    })
    assert response.status_code == 302
    assert "王镇长" in client.get(reverse("petitions:backlog")).content.decode()


def test_backlog_board_refuses_a_unit_outside_the_scope_and_a_future_baseline(personas, shiliang):
    client = client_for(personas.town_handler)
    assert client.get(reverse("petitions:backlog"), {"unit": shiliang.prefix}).status_code == 404
    response = client.get(reverse("petitions:backlog"), {"baseline": "2999-01-01"})
    assert response.status_code == 400 and "基准日" in response.content.decode()


def test_backlog_board_of_a_town_user_shows_their_villages(personas, hangbu):
    page = client_for(personas.town_handler).get(reverse("petitions:backlog"))
    units = [row["unit"] for row in page.context["metrics"]["rows"]]
    assert units and all(u.parent_id == hangbu.pk for u in units)
    assert not any(u.pk == Unit.objects.get(parent__isnull=True).pk for u in units)


def test_export_from_the_list_is_masked_and_filtered(make_petition, hangbu_head):
    from io import BytesIO

    from openpyxl import load_workbook

    complaint = make_petition()
    suggestion = make_petition(petition_type="suggestion", category="rural", title="建议修缮村道")
    client = client_for(hangbu_head)
    assert reverse("petitions:export") in client.get(reverse("petitions:list")).content.decode()
    response = client.get(reverse("petitions:export"), {"petition_type": "complaint"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    cells = [str(c) for row in load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
             for c in row if c is not None]
    assert complaint.ref in cells and suggestion.ref not in cells
    assert "张*" in cells and "张三" not in cells and ID_NUMBER not in cells
    assert not Event.objects.filter(type=EventType.VIEWED_PERSONAL_DATA).exists()
    bad = client.get(reverse("petitions:export"), {"channel": "pigeon"})
    assert bad.status_code == 400


def test_my_work_lists_the_petitions_waiting_at_my_unit(make_petition, personas, xinfang):
    waiting = make_petition()  # handled by 航埠镇, awaiting acceptance
    closed = make_petition(title="已办结的事项")
    for name, data in (("accept", {}), ("reply", {"outcome": "explained", "note": "已解释"}),
                       ("close", {"note": "信访人未接电话"})):
        step(closed, name, personas.town_handler, **data)
    town = client_for(personas.town_handler).get(reverse("my-work"))
    assert [p.ref for p in town.context["petitions"]] == [waiting.ref]
    assert "张*" in town.content.decode() and "张三" not in town.content.decode()
    assert list(client_for(personas.outsider).get(reverse("my-work")).context["petitions"]) == []
    # 信访局 routed it but does not handle it: nothing waits for them until it is sent back.
    assert list(client_for(xinfang).get(reverse("my-work")).context["petitions"]) == []
    step(waiting, "object", personas.town_handler, note="属区住建局职责")
    assert [p.ref for p in client_for(xinfang).get(reverse("my-work")).context["petitions"]] == [waiting.ref]
