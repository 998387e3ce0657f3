"""Accusations (检举控告类) are the discipline office's alone (issue 10 §7).

The finding: a town's deputy head for petitions opened an accuser's full name, ID number,
phone and address, and exported the town's petitions in full. Here the town's staff, its
deputy head for petitions, the district admin and the petition bureau's clerk (once the
matter is routed) see none of it — not in a list, a page, the API, a count, the backlog
board, an export or a notice — and the discipline office sees it all.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from pingan.core import errors
from pingan.core.escalation import escalate_overdue
from pingan.core.models import Case, Domain, EventType, Notification, Role, RoleName, Unit, UnitKind
from pingan.core.personal.access import may_view_personal_data
from pingan.core.scoping import scope_for
from pingan.petitions.ledger import export_petitions
from pingan.petitions.models import Petition
from pingan.petitions.selectors import (
    PetitionFilters,
    backlog_metrics,
    petition_list,
)
from pingan.petitions.services import petition_personal_data, petition_transition
from pingan.petitions.tests.test_ledger import ledger_row, run, xlsx
from pingan.petitions.workflow import MSG_SEALED_NOT_RETURNED, PETITION_WORKFLOW
from pingan.testing import api_client

# Not the complaint's petitioner (conftest's ID_NUMBER and PHONE): a leak would be told apart.
ACCUSER_ID, ACCUSER_PHONE = "11010519491231002X", "13900001111"
ACCUSER = {"petitioner_name": "王检举", "id_number": ACCUSER_ID, "phone": ACCUSER_PHONE,
           "address": "浙江省衢州市柯城区航埠镇缪村村8号"}
SECRETS = ("王检举", ACCUSER_ID, ACCUSER_PHONE, "缪村村8号")
NOW = dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC)


def _person(username: str, unit: Unit, role: str, domain: str = ""):
    user = get_user_model().objects.create_user(username=username, password="x-long-password")
    Role.objects.create(user=user, unit=unit, role=role, domain=domain)
    return user


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def deputy_head(hangbu):
    """航埠镇's deputy head for petitions (分管信访副镇长): the finding's reader."""
    return _person("hangbu_deputy", hangbu, RoleName.SUPERVISOR, Domain.PETITIONS)


@pytest.fixture
def discipline_head(district):
    return _person("jiwei_head", Unit.objects.get(kind=UnitKind.DEPARTMENT, name="区纪委监委"),
                   RoleName.SUPERVISOR, Domain.PETITIONS)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="x-long-password")


@pytest.fixture
def accusation(make_petition):
    """An accusation against 航埠镇's officials, registered by the petition bureau's clerk."""
    return make_petition(petition_type="accusation", category=None, title="举报某村书记侵占集体资金",
                         matter="反映缪村村书记侵占集体土地补偿款。", **ACCUSER)


@pytest.fixture
def complaint(make_petition):
    return make_petition()


def _refs(user) -> set[str]:
    return set(petition_list(user=user, filters=PetitionFilters()).values_list("ref", flat=True))


def _cells(workbook: bytes) -> list[str]:
    rows = openpyxl.load_workbook(io.BytesIO(workbook)).active.iter_rows(values_only=True)
    return [str(cell) for row in rows for cell in row if cell is not None]


def _leaks(text: str) -> bool:
    return any(secret in text for secret in SECRETS)


@pytest.mark.parametrize("who", ["town_handler", "deputy_head", "admin", "xinfang", "grid_worker"])
def test_no_one_outside_the_discipline_office_sees_an_accusation(request, personas, who, accusation,
                                                                 complaint):
    user = getattr(personas, who, None) or request.getfixturevalue(who)
    assert accusation.ref not in _refs(user)
    assert not Case.objects.visible_to(user).filter(pk=accusation.pk).exists()
    assert not scope_for(user).covers(accusation)
    assert scope_for(user).rank_for(accusation) == 0
    assert not may_view_personal_data(user, accusation)
    with pytest.raises(errors.NotFound):
        petition_personal_data(petition=accusation, actor=user)


def test_the_town_and_its_deputy_head_get_404_on_every_page_and_call(client, personas, deputy_head,
                                                                    accusation, complaint):
    for user in (personas.town_handler, deputy_head, personas.admin):
        client.force_login(user)
        assert client.get(reverse("petitions:detail", args=[accusation.ref])).status_code == 404
        listing = client.get(reverse("petitions:list")).content.decode()
        assert complaint.ref in listing and accusation.ref not in listing
        assert client.post(reverse("petitions:petitioner", args=[accusation.ref])).status_code == 404
        api = api_client(user)
        for path in ("", "/petitioner", "/events", "/receipt", "/repeat-candidates"):
            response = api.get(f"/api/v1/petitions/{accusation.ref}{path}")
            assert response.status_code == 404, (user, path)
            assert not _leaks(response.content.decode())
        assert accusation.ref not in api.get("/api/v1/petitions?limit=500").content.decode()


def test_the_deputy_heads_full_export_leaves_the_accusation_out(deputy_head, accusation, complaint):
    """The finding's export: 181 petitions in full, accusers included. Now the accusation is
    not in the file at all, and the rest is there in full (each reading logged)."""
    data = export_petitions(PetitionFilters(), user=deputy_head, full=True)
    cells = _cells(data)
    assert complaint.ref in cells and "张三" in cells
    assert accusation.ref not in cells and not _leaks(" ".join(cells))
    assert complaint.events.filter(type=EventType.VIEWED_PERSONAL_DATA, actor=deputy_head).count() == 1
    assert not accusation.events.filter(type=EventType.VIEWED_PERSONAL_DATA).exists()


def test_counts_and_the_backlog_board_do_not_count_it(client, personas, deputy_head, accusation,
                                                      complaint, discipline):
    baseline = dt.date(2026, 1, 1)
    for user in (personas.admin, personas.town_handler, deputy_head):
        assert backlog_metrics(user=user, baseline=baseline)["totals"]["increment"] == 1
        assert Petition.objects.visible_to(user).count() == 1
    assert backlog_metrics(user=discipline, baseline=baseline)["totals"]["increment"] == 1
    assert Petition.objects.visible_to(discipline).get() == accusation
    with time_machine.travel(NOW + dt.timedelta(days=40), tick=False):
        client.force_login(personas.admin)
        board = client.get(reverse("petitions:backlog")).content.decode()
        assert complaint.ref in board and accusation.ref not in board


def test_the_discipline_office_sees_it_and_its_head_reads_the_accuser(client, discipline,
                                                                      discipline_head, accusation,
                                                                      complaint):
    assert _refs(discipline) == {accusation.ref}
    assert _refs(discipline_head) == {accusation.ref}
    assert not may_view_personal_data(discipline, accusation)  # a handler: masked
    assert may_view_personal_data(discipline_head, accusation)
    full = petition_personal_data(petition=accusation, actor=discipline_head)
    assert (full.name, full.id_number, full.phone) == ("王检举", ACCUSER_ID, ACCUSER_PHONE)
    assert accusation.events.filter(type=EventType.VIEWED_PERSONAL_DATA, actor=discipline_head).exists()
    client.force_login(discipline)
    page = client.get(reverse("petitions:detail", args=[accusation.ref])).content.decode()
    assert "王*" in page and ACCUSER_ID not in page


def test_the_clerk_sees_the_receipt_only_once_it_is_routed(client, xinfang, hangbu_village):
    """The clerk types the accusation in; registering it routes it to the discipline office,
    and from then on the clerk sees its reference and status, nothing else."""
    client.force_login(xinfang)
    response = client.post(reverse("petitions:new"), {
        "unit": hangbu_village.pk, "channel": "letter", "petition_type": "accusation",
        "title": "举报某村书记侵占集体资金", "matter": "反映缪村村书记侵占集体土地补偿款。",
        "received_at": "2026-11-16T09:00", **ACCUSER,
    })
    petition = Petition.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert petition.handling_unit.name == "区纪委监委" and petition.reporter == xinfang
    assert petition.routing_unit.name == "信访局"
    receipt = client.get(response["Location"])
    body = receipt.content.decode()
    assert receipt.status_code == 200 and petition.ref in body
    assert "侵占" not in body and not _leaks(body) and "缪村村" not in body
    api = api_client(xinfang).get(f"/api/v1/petitions/{petition.ref}/receipt")
    assert api.status_code == 200
    assert set(api.json()) == {"ref", "status", "received_at"}
    assert api_client(xinfang).get(f"/api/v1/petitions/{petition.ref}").status_code == 404
    assert petition.ref not in _refs(xinfang)


def test_registered_over_the_api_the_clerk_gets_the_receipt_not_a_404(xinfang, hangbu_village):
    """A 404 after the accusation was written would leave the clerk without its reference,
    and a retry would register it twice."""
    response = api_client(xinfang).post("/api/v1/petitions", {
        "unit": hangbu_village.code, "channel": "letter", "petition_type": "accusation",
        "title": "举报某村书记侵占集体资金", "matter": "反映缪村村书记侵占集体土地补偿款。", **ACCUSER,
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"ref", "status", "received_at"}
    assert response.json()["ref"] == Petition.objects.get().ref and not _leaks(response.content.decode())


def test_the_clerk_hears_nothing_of_its_steps(accusation, discipline, xinfang):
    """Not accepting a petition tells the clerk who registered it, except an accusation's."""
    petition_transition(petition=accusation, name="not_accept", actor=discipline,
                        expected_version=accusation.version, reason="outside_authority",
                        note="不属于纪检监察机关受理范围。")
    assert not Notification.objects.filter(user=xinfang).exists()


def test_an_accusation_is_not_returned_to_the_routing_unit(accusation, discipline):
    assert "object" not in [t.name for t in PETITION_WORKFLOW.available(accusation, discipline)]
    with pytest.raises(errors.PermissionDenied) as caught:
        petition_transition(petition=accusation, name="object", actor=discipline,
                            expected_version=accusation.version, note="不属于本单位")
    assert caught.value.message == str(MSG_SEALED_NOT_RETURNED)


def test_a_discipline_matter_of_another_type_is_sealed_too(make_petition):
    """Whatever its type, a matter filed as discipline inspection goes to the discipline office."""
    petition = make_petition(petition_type="complaint", category="discipline")
    assert petition.handling_unit.name == "区纪委监委"


def test_the_people_it_assigns_see_it(accusation, discipline, discipline_head, personas):
    petition_transition(petition=accusation, name="accept", actor=discipline_head,
                        expected_version=accusation.version)
    accusation.refresh_from_db()
    with pytest.raises(errors.DomainError):  # not the accused town's handler
        petition_transition(petition=accusation, name="start", actor=discipline_head,
                            expected_version=accusation.version, assignee=personas.town_handler)
    petition_transition(petition=accusation, name="start", actor=discipline_head,
                        expected_version=accusation.version, assignee=discipline)
    accusation.refresh_from_db()
    assert accusation.assignee == discipline
    # The assignee reads the accuser in full: they must meet them.
    assert may_view_personal_data(discipline, accusation)


def test_a_superuser_sees_it_but_not_the_accuser(client, superuser, accusation, complaint):
    """The operators hold the database; the platform still hands the accuser to no one
    outside the discipline office, not even in a full export."""
    assert _refs(superuser) == {accusation.ref, complaint.ref}
    assert not may_view_personal_data(superuser, accusation)
    with pytest.raises(errors.PermissionDenied):
        petition_personal_data(petition=accusation, actor=superuser)
    data = export_petitions(PetitionFilters(), user=superuser, full=True)
    text = " ".join(_cells(data))
    assert accusation.ref in text and "张三" in text and not _leaks(text)
    client.force_login(superuser)
    body = client.get(reverse("petitions:detail", args=[accusation.ref])).content.decode()
    assert not _leaks(body) and "王*" not in body
    item = next(i for i in api_client(superuser).get("/api/v1/petitions").json()["items"]
                if i["ref"] == accusation.ref)
    assert item["petitioner"] == {"name": "", "id_number": "", "phone": "", "address": "",
                                  "masked": True, "withheld": True}


def test_an_overdue_accusation_does_not_climb_to_the_town(accusation, complaint):
    later = timezone.now() + dt.timedelta(days=60)
    escalate_overdue(now=later)
    accusation.refresh_from_db()
    complaint.refresh_from_db()
    assert accusation.escalation_level == 0 and complaint.escalation_level > 0


def test_the_clerks_ledger_imported_again_skips_the_accusation(xinfang, hangbu_village):
    """A file is imported again as nothing new: the accusation it holds, now sealed from the
    clerk, is skipped like the rest, and nothing of it is told."""
    rows = [ledger_row("J-1", hangbu_village, 信访类型="检举控告", 问题类别="", 信访人="王检举",
                       身份证号码=ACCUSER_ID, 联系电话=ACCUSER_PHONE, 内容摘要="举报某村书记侵占集体资金"),
            ledger_row("J-2", hangbu_village)]
    data = xlsx(rows)
    assert run(data, xinfang).created == 2
    again = run(data, xinfang)
    assert (again.ok, again.created, again.unchanged) == (True, 0, 2)
    assert Petition.objects.count() == 2
