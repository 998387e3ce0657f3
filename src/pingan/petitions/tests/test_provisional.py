"""Due dates counted on a year with no confirmed holiday schedule: marked as provisional on
the petition and the hazard, in lists, the API and exports; counted again, exactly for the
cases they decided, when the year's State Council notice is imported."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from pingan.core.events import ChainBreak, verify_chains
from pingan.core.holiday_import import holidays_import
from pingan.core.models import Event, EventType, Notification
from pingan.core.tests.test_holidays import NOTICE_2027, notice_csv
from pingan.petitions.ledger import export_petitions
from pingan.petitions.models import Petition
from pingan.petitions.services import petition_transition

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=SHANGHAI)


def step(petition: Petition, name: str, actor, **data) -> Petition:
    petition.refresh_from_db()
    return petition_transition(petition=petition, name=name, actor=actor,
                               expected_version=petition.version, **data)


def local_due(case) -> dt.date:
    case.refresh_from_db()
    return case.due_at.astimezone(SHANGHAI).date()


@pytest.fixture
def cases(xinfang, hangbu_head, make_petition, make_hazard):
    """Four open cases as of late December 2026 (national profile: resolution in 60 days,
    acceptance in 15), and what the statutory holidays of 2027 made of their due dates."""
    with time_machine.travel(at("2026-12-10"), tick=False):
        # Accepted 10 Dec: 60 days end on Monday 8 February 2027, the third day of the lunar
        # year (statutory, provisional): rolled to Tuesday 9 February.
        resolving = make_petition(title="征地补偿款未足额发放")
        step(resolving, "accept", hangbu_head)
        # Awaiting acceptance: 15 days end on Friday 25 December 2026, a confirmed year.
        confirmed = make_petition(title="村道破损")
    with time_machine.travel(at("2026-12-28"), tick=False):
        # 15 days end on Tuesday 12 January 2027: an ordinary day, but of an unconfirmed year.
        acceptance = make_petition(title="噪音扰民")
        # A fire hazard, 7 days: Monday 4 January 2027.
        hazard = make_hazard(title="楼道堆放杂物", category="ebike_charging")
    return resolving, confirmed, acceptance, hazard


def test_the_statutory_holidays_give_provisional_dates(cases):
    resolving, confirmed, acceptance, hazard = cases
    assert (local_due(resolving), resolving.due_provisional) == (D("2027-02-09"), True)
    assert resolving.resolution_due_at == resolving.due_at
    assert resolving.due_basis == {"start": "2026-12-10", "days": 60, "day_type": "calendar"}
    assert (local_due(confirmed), confirmed.due_provisional) == (D("2026-12-25"), False)
    assert confirmed.due_basis is None
    assert (local_due(acceptance), acceptance.due_provisional) == (D("2027-01-12"), True)
    assert (local_due(hazard), hazard.due_provisional) == (D("2027-01-04"), True)


def test_the_import_recounts_exactly_the_cases_it_decides(cases, personas, hangbu_head):
    resolving, confirmed, acceptance, hazard = cases
    events_before = {c.pk: c.events.count() for c in cases}
    with time_machine.travel(at("2026-12-29"), tick=False):
        result = holidays_import(source=notice_csv(NOTICE_2027), filename="2027.csv", actor=personas.admin)
    # The three provisional cases; the confirmed one is not touched.
    assert sorted(result.recounted) == sorted([resolving.ref, acceptance.ref, hazard.ref])
    assert confirmed.events.count() == events_before[confirmed.pk]
    # The notice gives 5–13 February off and Sunday 14 February worked: the resolution
    # term now ends on that make-up Sunday, and its own field moves with it.
    assert (local_due(resolving), resolving.due_provisional) == (D("2027-02-14"), False)
    assert resolving.due_basis is None
    resolving.refresh_from_db()
    assert resolving.resolution_due_at == resolving.due_at
    event = resolving.events.order_by("-seq").first()
    assert (event.type, event.actor) == (EventType.RESCHEDULED, personas.admin)
    assert event.before["due_provisional"] is True and event.after["due_provisional"] is False
    assert "2027-02-09" in event.note and "2027-02-14" in event.note
    # Dates the notice leaves where they were are confirmed, and the change of mark recorded.
    assert (local_due(acceptance), acceptance.due_provisional) == (D("2027-01-12"), False)
    assert acceptance.events.order_by("-seq").first().type == EventType.RESCHEDULED
    assert (local_due(hazard), hazard.due_provisional) == (D("2027-01-04"), False)
    # Each handler is told: the petition's assignee is not set yet, so who registered it.
    told = Notification.objects.filter(event__type=EventType.RESCHEDULED)
    assert sorted(n.case_id for n in told) == sorted([resolving.pk, acceptance.pk, hazard.pk])
    assert told.get(case=hazard).user == personas.grid_worker
    assert not any(isinstance(x, ChainBreak) for x in verify_chains())
    # A re-import changes nothing: no event, no notice.
    counts = Event.objects.count(), Notification.objects.count()
    again = holidays_import(source=notice_csv(NOTICE_2027), filename="2027.csv", actor=personas.admin)
    assert (again.unchanged, again.recounted) == ([2027], [])
    assert (Event.objects.count(), Notification.objects.count()) == counts


def test_pages_api_and_export_mark_a_provisional_date(cases, xinfang, personas):
    resolving, confirmed, _acceptance, hazard = cases
    with time_machine.travel(at("2026-12-29"), tick=False):
        client = Client()
        client.force_login(xinfang)
        page = client.get(reverse("petitions:detail", args=[resolving.ref])).content.decode()
        assert "data-due-provisional-note" in page and "data-due-provisional" in page
        plain = client.get(reverse("petitions:detail", args=[confirmed.ref])).content.decode()
        assert "data-due-provisional" not in plain
        listing = client.get(reverse("petitions:list")).content.decode()
        assert listing.count("data-due-provisional") == 2  # the two provisional petitions
        api = client.get(f"/api/v1/petitions/{resolving.ref}").json()
        assert api["due_provisional"] is True
        rows = list(load_workbook(io.BytesIO(export_petitions(Petition.objects.all(), user=xinfang)))
                    .active.iter_rows(values_only=True))
        column = rows[0].index("期限暂定")
        marks = {row[0]: row[column] for row in rows[1:]}
        assert marks[resolving.ref] == "暂定" and not marks[confirmed.ref]
        hazards = Client()
        hazards.force_login(personas.grid_worker)
        assert "data-due-provisional-note" in hazards.get(
            reverse("hazards:detail", args=[hazard.ref])).content.decode()
        assert hazards.get(f"/api/v1/hazards/{hazard.ref}").json()["due_provisional"] is True
        assert "data-due-provisional" in hazards.get(reverse("hazards:list")).content.decode()


def test_the_calculator_page_and_command_say_provisional(xinfang):
    client = Client()
    client.force_login(xinfang)
    across = {"profile": "zhejiang", "rule": "resolution", "start": "2026-12-20"}
    page = client.get(reverse("deadline"), across).content.decode()
    assert "data-provisional" in page and "2027 年放假安排尚未确认" in page
    within = client.get(reverse("deadline"), {**across, "start": "2026-06-01"}).content.decode()
    assert "data-provisional" not in within
    out = io.StringIO()
    call_command("deadline", "--profile", "zhejiang", "--rule", "acceptance", "--start", "2026-12-29",
                 stdout=out)
    text = out.getvalue()
    assert "截止日期：2027-01-06" in text and "暂定：2027 年放假安排尚未确认" in text
    assert "2027-01-01 星期五  法定节假日 (元旦) （暂定）" in text
