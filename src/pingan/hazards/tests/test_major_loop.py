"""A major hazard (浙江省安全生产条例 arts. 15, 25): reported to its regulator, listed for
supervision with a named leader in charge, accepted by the regulator with its report, and
only then closed — through the workflow's declared steps, the same on the web and the API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from pingan.core import errors
from pingan.core.models import Notification, Role, RoleName, Unit
from pingan.core.people import MSG_NOT_A_LEADER
from pingan.hazards import workflow as wf
from pingan.hazards.models import Hazard, Status
from pingan.hazards.selectors import my_work
from pingan.hazards.services import MSG_LISTED_KEEPS_SEVERITY, hazard_transition, hazard_update
from pingan.hazards.workflow import MSG_DEADLINE_PAST, MSG_NOT_A_SUPERVISING_UNIT
from pingan.testing import api_client, tiny_png

AFTER = ("after.png", tiny_png(rgb=(40, 200, 40)))
REPORT = ("验收报告.pdf", b"%PDF-1.4\n% acceptance report\n%%EOF\n")
PLAN = {"plan_goals": "消除结构安全隐患", "plan_methods": "人员撤离，加固承重墙",
        "plan_funding": "镇财政专项 12 万元", "plan_responsible": "航埠镇建设办，责任人王敏",
        "plan_deadline": dt.date(2027, 1, 31), "plan_safety_measures": "设置警戒线，应急疏散预案"}
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def step(hazard, name, actor, **kwargs):
    return hazard_transition(hazard=hazard, name=name, actor=actor,
                             expected_version=hazard.version, **kwargs)


@pytest.fixture
def building_regulator(district):
    """A handler of 住建局, which regulates building hazards."""
    user = get_user_model().objects.create(username="zhujian", first_name="住建局 孔明")
    Role.objects.create(user=user, unit=Unit.objects.get(name="住建局"), role=RoleName.HANDLER)
    return user


@pytest.fixture
def leaders(personas):
    return {u.username: u for u in get_user_model().objects.filter(
        username__in=["safety_chief", "hangbu_safety", "shiliang_safety"])}


@pytest.fixture
def major(make_hazard, personas):
    hazard = make_hazard(severity="major", category="building", title="危房结构开裂")
    step(hazard, "assign", personas.town_handler, assignee=personas.grid_worker)
    hazard_update(hazard=hazard, actor=personas.town_handler, expected_version=hazard.version,
                  changes=PLAN)
    return hazard


def _listing(hangbu, leaders, **overrides):
    """The "list" step's inputs: who supervises, by when, and the leader in charge."""
    fields = {"supervising_unit": hangbu, "supervision_deadline": dt.date(2027, 1, 31),
              "responsible_leader": leaders["hangbu_safety"]}
    return fields | overrides


def test_the_whole_major_loop(major, personas, building_regulator, leaders, hangbu):
    town, worker = personas.town_handler, personas.grid_worker
    with pytest.raises(errors.DomainError) as not_listed:
        step(major, "start", worker)
    assert not_listed.value.message == str(wf.MSG_NOT_LISTED)
    step(major, "list", building_regulator, **_listing(hangbu, leaders), note="列入镇挂牌督办")
    assert major.status == Status.ASSIGNED  # listing does not interrupt the loop
    stored = Hazard.objects.get(pk=major.pk)
    assert (stored.supervising_unit, stored.supervision_deadline, stored.responsible_leader) == (
        hangbu, dt.date(2027, 1, 31), leaders["hangbu_safety"])
    assert stored.listed_at == NOW
    listed = stored.events.get(transition="list")
    assert listed.from_status == listed.to_status == Status.ASSIGNED
    assert Notification.objects.filter(user=leaders["hangbu_safety"], event=listed).exists()
    step(major, "start", worker)
    step(major, "submit", worker, photos=[AFTER])
    # Neither the town nor anyone closes it before the regulator accepts it.
    with pytest.raises(errors.PermissionDenied) as not_accepted:
        step(major, "verify", town, note="现场复核")
    assert not_accepted.value.message == str(wf.MSG_NEEDS_ACCEPTANCE)
    with pytest.raises(errors.PermissionDenied):
        step(major, "accept", town, note="验收合格", documents=[REPORT])  # the town is not the regulator
    with pytest.raises(errors.DomainError) as no_report:
        step(major, "accept", building_regulator, note="验收合格")
    assert no_report.value.message == str(wf.MSG_ACCEPTANCE_REPORT_REQUIRED)
    step(major, "accept", building_regulator, note="验收结论：整改到位", documents=[REPORT])
    assert major.status == Status.ACCEPTED and major.is_open
    step(major, "verify", town, note="验收合格，予以销号")
    stored = Hazard.objects.get(pk=major.pk)
    assert (stored.status, stored.accepted_by, stored.verifier) == (Status.CLOSED, building_regulator, town)
    accept = stored.events.get(transition="accept")
    assert [a.original_name for a in accept.attachments.all()] == ["验收报告.pdf"]
    assert list(stored.events.exclude(transition="").values_list("transition", flat=True)) == [
        "assign", "list", "start", "submit", "accept", "verify"]


def test_an_ordinary_hazard_is_neither_listed_nor_accepted(make_hazard, personas, building_regulator,
                                                           leaders, hangbu):
    hazard = make_hazard(category="building", title="围墙开裂")
    with pytest.raises(errors.PermissionDenied) as refused:
        step(hazard, "list", building_regulator, **_listing(hangbu, leaders))
    assert refused.value.message == str(wf.MSG_ONLY_MAJOR)
    assert Hazard.objects.get(pk=hazard.pk).listed_at is None


def test_only_the_regulator_of_the_category_lists_it(major, personas, leaders, hangbu):
    with pytest.raises(errors.PermissionDenied) as refused:  # its town
        step(major, "list", personas.town_handler, **_listing(hangbu, leaders))
    assert refused.value.message == wf.MSG_NOT_REGULATOR.format(department="住建局")
    with pytest.raises(errors.NotFound):  # another category's department does not even see it
        step(major, "list", personas.fire_handler, **_listing(hangbu, leaders))
    assert not Hazard.objects.get(pk=major.pk).is_listed


def test_the_leader_is_one_of_the_units_leaders_in_charge(major, building_regulator, leaders, hangbu,
                                                           personas):
    for not_a_leader in (leaders["shiliang_safety"], personas.town_handler):
        with pytest.raises(errors.DomainError) as refused:
            step(major, "list", building_regulator,
                 **_listing(hangbu, leaders, responsible_leader=not_a_leader))
        assert refused.value.field == "responsible_leader"
        assert refused.value.message == MSG_NOT_A_LEADER.format(
            user=not_a_leader, unit=major.unit.name, domain="安全生产与隐患排查")
    # A leader one level up (the district's) answers for it as well.
    step(major, "list", building_regulator, **_listing(
        hangbu, leaders, responsible_leader=leaders["safety_chief"], supervising_unit=hangbu.parent))
    assert Hazard.objects.get(pk=major.pk).responsible_leader == leaders["safety_chief"]


def test_the_supervising_unit_and_deadline_are_checked(major, building_regulator, leaders, hangbu, shiliang):
    with pytest.raises(errors.DomainError) as sibling:
        step(major, "list", building_regulator, **_listing(hangbu, leaders, supervising_unit=shiliang))
    assert sibling.value.message == MSG_NOT_A_SUPERVISING_UNIT.format(unit="石梁镇")
    village = major.unit.parent  # below the town: not a supervising level
    with pytest.raises(errors.DomainError):
        step(major, "list", building_regulator, **_listing(hangbu, leaders, supervising_unit=village))
    with pytest.raises(errors.DomainError) as yesterday:
        step(major, "list", building_regulator,
             **_listing(hangbu, leaders, supervision_deadline=dt.date(2026, 12, 6)))
    assert yesterday.value.message == str(MSG_DEADLINE_PAST)
    with pytest.raises(errors.DomainError) as incomplete:
        step(major, "list", building_regulator, **_listing(hangbu, leaders, supervision_deadline=None))
    assert incomplete.value.message == str(wf.MSG_LISTING_INCOMPLETE)
    assert not Hazard.objects.get(pk=major.pk).is_listed
    # Today is the earliest deadline; the regulator itself may supervise.
    regulator = Unit.objects.get(name="住建局")
    step(major, "list", building_regulator, **_listing(
        hangbu, leaders, supervision_deadline=dt.date(2026, 12, 7), supervising_unit=regulator))
    with pytest.raises(errors.PermissionDenied) as again:
        step(major, "list", building_regulator, **_listing(hangbu, leaders))
    assert again.value.message == str(wf.MSG_ALREADY_LISTED)


def test_the_regulator_receives_it_in_its_inbox_and_its_work(make_hazard, personas, building_regulator,
                                                             leaders, hangbu):
    hazard = make_hazard(severity="major", category="building", title="危房结构开裂")
    assert Notification.objects.filter(user=building_regulator, case=hazard).exists()
    step(hazard, "assign", personas.town_handler, assignee=personas.grid_worker)
    assert hazard in my_work(user=building_regulator)  # assigned to the town, still its task
    assert hazard not in my_work(user=personas.fire_handler)  # another category's department
    ordinary = make_hazard(category="building", title="围墙开裂")
    step(ordinary, "assign", personas.town_handler, assignee=personas.grid_worker)
    assert ordinary not in my_work(user=building_regulator)
    assert not Notification.objects.filter(user=building_regulator, case=ordinary).exists()
    hazard_update(hazard=ordinary, actor=personas.town_handler, expected_version=ordinary.version,
                  changes={"severity": "major"})  # graded major later: reported then
    assert Notification.objects.filter(user=building_regulator, case=ordinary).exists()
    assert ordinary in my_work(user=building_regulator)
    step(hazard, "list", building_regulator, **_listing(hangbu, leaders))
    assert hazard not in my_work(user=building_regulator)  # listed: nothing to do until acceptance


def test_the_api_lists_and_accepts_with_a_document_uploaded_first(major, personas, building_regulator,
                                                                  leaders):
    regulator = api_client(building_regulator)
    url = f"/api/v1/hazards/{major.ref}"

    def post_step(name, **body):
        version = regulator.get(url).json()["version"]
        return regulator.post(f"{url}/transitions/{name}", {"version": version, **body},
                              content_type="application/json")

    wrong = post_step("list", supervising_unit=major.unit.parent.parent.code,
                      supervision_deadline="2027-01-31", responsible_leader="shiliang_safety")
    assert wrong.status_code == 400 and wrong.json()["field"] == "responsible_leader"
    listed = post_step("list", supervising_unit=major.unit.parent.parent.code,
                       supervision_deadline="2027-01-31", responsible_leader="hangbu_safety")
    assert listed.status_code == 200, listed.json()
    body = listed.json()
    assert (body["supervising_unit"]["name"], body["supervision_deadline"], body["responsible_leader"],
            body["regulator"]) == ("航埠镇", "2027-01-31", "hangbu_safety", "住建局")
    major.refresh_from_db()
    step(major, "start", personas.grid_worker)
    step(major, "submit", personas.grid_worker, photos=[AFTER])
    assert post_step("accept", note="验收合格").status_code == 400  # no report yet
    upload = regulator.post(f"{url}/attachments", {
        "kind": "document", "file": SimpleUploadedFile(*REPORT, content_type="application/pdf")})
    assert upload.status_code == 201
    accepted = post_step("accept", note="验收结论：整改到位")
    assert accepted.status_code == 200 and accepted.json()["status"] == Status.ACCEPTED
    assert accepted.json()["accepted_by"] == "zhujian"


def test_the_hazard_page_shows_the_supervision(client, major, building_regulator, leaders, hangbu):
    step(major, "list", building_regulator, **_listing(hangbu, leaders))
    client.force_login(building_regulator)
    with translation.override("zh-hans"):
        response = client.get(reverse("hazards:detail", args=[major.ref]))
    body = response.content.decode()
    assert "挂牌督办" in body and "2027-01-31" in body and "航埠镇副镇长 张华" in body
    [listed] = [e for e in response.context["timeline"] if e.event.transition == "list"]
    assert (listed.from_label, listed.to_label) == ("", "已交办")  # the status it kept, no "x → x"
    client.force_login(major.assignee)
    page = client.get(reverse("hazards:detail", args=[major.ref]))
    assert [a.key for a in page.context["actions"] if a.is_step] == ["start"]


def test_the_web_form_offers_the_units_leaders_and_supervising_units(client, major, building_regulator,
                                                                     leaders, hangbu):
    client.force_login(building_regulator)
    page = client.get(reverse("hazards:detail", args=[major.ref]))
    [action] = [a for a in page.context["actions"] if a.key == "list"]
    offered = [x.user.username for x in action.form.fields["responsible_leader"].queryset]
    assert offered == ["hangbu_safety", "safety_chief"]  # nearest first
    units = [u.name for u in action.form.fields["supervising_unit"].queryset]
    assert units == ["柯城区", "航埠镇", "住建局"]  # the district, its town, its regulator
    response = client.post(reverse("hazards:step", args=[major.ref, "list"]), {
        "version": major.version, "supervising_unit": hangbu.pk,
        "supervision_deadline": "2027-01-31",
        "responsible_leader": leaders["hangbu_safety"].leaderships.get().pk})
    assert response.status_code == 302
    assert Hazard.objects.get(pk=major.pk).responsible_leader == leaders["hangbu_safety"]


def test_a_new_category_brings_its_regulator_and_a_listed_hazard_keeps_its_grade(
        make_hazard, personas, building_regulator, leaders, hangbu):
    hazard = make_hazard(severity="major", category="other", title="村民房屋墙体开裂")
    assert hazard.department.name == "应急管理局"
    hazard_update(hazard=hazard, actor=personas.town_handler, expected_version=hazard.version,
                  changes={"category": "building"})
    stored = Hazard.objects.get(pk=hazard.pk)
    assert stored.department.name == "住建局"  # the regulator follows the category
    assert Notification.objects.filter(user=building_regulator, case=hazard).exists()
    step(stored, "list", building_regulator, **_listing(hangbu, leaders))
    for change in ({"severity": "ordinary"}, {"category": "gas"}):
        with pytest.raises(errors.DomainError) as refused:
            hazard_update(hazard=stored, actor=personas.town_handler, expected_version=stored.version,
                          changes=change)
        assert refused.value.message == str(MSG_LISTED_KEEPS_SEVERITY)
    assert Hazard.objects.get(pk=hazard.pk).severity == "major"
    hazard_update(hazard=stored, actor=personas.town_handler, expected_version=stored.version,
                  changes={"location": "缪村村3组"})  # other details stay editable
