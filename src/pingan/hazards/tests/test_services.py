"""The hazard loop's rules, enforced by the services whoever calls them."""

import pytest
from django.utils import translation

from pingan.core import errors
from pingan.core.models import Attachment, Case, Event, Notification
from pingan.hazards import workflow as wf
from pingan.hazards.models import Hazard
from pingan.hazards.services import hazard_report, hazard_transition, hazard_update
from pingan.testing import tiny_png

AFTER = ("after.png", tiny_png(rgb=(40, 200, 40)))


def step(hazard, name, actor, **kwargs):
    return hazard_transition(hazard=hazard, name=name, actor=actor,
                             expected_version=hazard.version, **kwargs)


def test_full_loop_closes_with_a_different_verifier(make_hazard, personas):
    worker, town = personas.grid_worker, personas.town_handler
    hazard = make_hazard()
    assert hazard.ref.startswith("YH-") and hazard.status == "reported"
    assert hazard.department.name == "消防救援大队"
    step(hazard, "assign", town, assignee=worker)
    step(hazard, "start", worker)
    step(hazard, "submit", worker, photos=[AFTER], note="已清理楼道，设置集中充电点")
    with pytest.raises(errors.DomainError) as same_person:
        step(hazard, "verify", worker)
    assert hazard.status == "awaiting_verification"
    step(hazard, "verify", town, note="现场复核合格")
    stored = Hazard.objects.get(pk=hazard.pk)
    assert (stored.status, stored.is_open, stored.rectifier, stored.verifier) == (
        "closed", False, worker, town)
    assert stored.closed_at is not None
    assert list(stored.events.values_list("transition", flat=True)) == [
        "", "", "assign", "start", "submit", "verify"]
    assert {a.kind for a in Attachment.objects.filter(case=hazard)} == {"before", "after"}
    # The grid worker is not a town-level role, so the refusal is about rank first.
    assert isinstance(same_person.value, errors.PermissionDenied)


def test_verifier_must_not_be_the_rectifier(make_hazard, personas):
    town = personas.town_handler
    hazard = make_hazard()
    step(hazard, "assign", town, assignee=town)
    step(hazard, "start", town)
    step(hazard, "submit", town, photos=[AFTER])
    with pytest.raises(errors.DomainError) as refused:
        step(hazard, "verify", town)
    assert refused.value.message == str(wf.MSG_VERIFIER_IS_RECTIFIER)
    with pytest.raises(errors.DomainError):
        step(hazard, "rework", town, note="再看看")
    step(hazard, "verify", personas.fire_handler, note="消防复核合格")
    assert hazard.status == "closed"


def test_submit_needs_an_after_photo_and_bad_files_change_nothing(make_hazard, personas):
    worker, town = personas.grid_worker, personas.town_handler
    hazard = make_hazard()
    step(hazard, "assign", town, assignee=worker)
    step(hazard, "start", worker)
    events_before = Event.objects.filter(case=hazard).count()
    with pytest.raises(errors.DomainError) as no_photo:
        step(hazard, "submit", worker)
    assert no_photo.value.message == str(wf.MSG_AFTER_PHOTO_REQUIRED)
    with pytest.raises(errors.DomainError) as not_an_image:
        step(hazard, "submit", worker, photos=[AFTER, ("virus.exe", b"MZ\x90\x00" * 10)])
    assert "virus.exe" in not_an_image.value.message
    stored = Hazard.objects.get(pk=hazard.pk)
    assert (stored.status, stored.version) == ("rectifying", hazard.version)
    assert Event.objects.filter(case=hazard).count() == events_before
    assert not Attachment.objects.filter(case=hazard, kind="after").exists()


def test_report_with_a_bad_photo_writes_nothing(personas, worker_grid):
    cases_before = Case.objects.count()
    with pytest.raises(errors.DomainError):
        hazard_report(actor=personas.grid_worker, unit=worker_grid, title="测试", category="fire",
                      photos=[("big.jpg", b"\xff\xd8\xff" + b"0" * (10 * 2**20 + 1))])
    with pytest.raises(errors.DomainError):
        hazard_report(actor=personas.grid_worker, unit=worker_grid, title="测试", category="fire",
                      photos=[("empty.png", b"")])
    assert Case.objects.count() == cases_before


def test_nobody_reports_outside_their_area(personas, grid_in):
    with pytest.raises(errors.PermissionDenied):
        hazard_report(actor=personas.outsider, unit=grid_in("航埠镇"), title="越界上报",
                      category="road")
    with pytest.raises(errors.DomainError):
        hazard_report(actor=personas.admin, unit=grid_in("航埠镇"), title="未知类别",
                      category="meteor")


def test_reject_as_duplicate_links_the_original(make_hazard, personas):
    town = personas.town_handler
    original = make_hazard(title="桥下积水")
    copy = make_hazard(title="桥下积水（重复）")
    with pytest.raises(errors.DomainError) as no_ref:
        step(copy, "reject", town, reason="duplicate", note="重复上报")
    assert no_ref.value.message == str(wf.MSG_DUPLICATE_OF_REQUIRED)
    with pytest.raises(errors.DomainError):
        step(copy, "reject", town, reason="duplicate", duplicate_of=copy.ref, note="重复上报")
    with pytest.raises(errors.DomainError):
        step(copy, "reject", town, reason="duplicate", duplicate_of="YH-1999-000001", note="重复")
    step(copy, "reject", town, reason="duplicate", duplicate_of=original.ref.lower(), note="重复上报")
    stored = Hazard.objects.get(pk=copy.pk)
    assert (stored.status, stored.is_open, stored.duplicate_of_id) == ("rejected", False, original.pk)
    assert list(original.duplicates.all()) == [stored]


def test_rework_needs_a_note_and_goes_back_to_rectifying(make_hazard, personas):
    worker, town = personas.grid_worker, personas.town_handler
    hazard = make_hazard()
    step(hazard, "assign", town, assignee=worker)
    step(hazard, "start", worker)
    step(hazard, "submit", worker, photos=[AFTER])
    with pytest.raises(errors.DomainError) as no_note:
        step(hazard, "rework", town)
    assert no_note.value.message == str(errors.MSG_REASON_REQUIRED)
    step(hazard, "rework", town, note="充电点未加装漏电保护")
    assert hazard.status == "rectifying"
    assert Notification.objects.filter(user=worker, case=hazard).exists()


def test_wrong_state_and_unknown_transition_are_refused(make_hazard, personas):
    hazard = make_hazard()
    with pytest.raises(errors.TransitionNotAllowed):
        step(hazard, "verify", personas.town_handler)
    with pytest.raises(errors.TransitionNotAllowed):
        step(hazard, "teleport", personas.town_handler)
    with pytest.raises(errors.DomainError) as no_assignee:
        step(hazard, "assign", personas.town_handler)
    assert no_assignee.value.message == str(wf.MSG_ASSIGNEE_REQUIRED)
    with pytest.raises(errors.DomainError):
        # The outsider holds no role reaching this hazard, so cannot be its assignee.
        step(hazard, "assign", personas.town_handler, assignee=personas.outsider)


def test_out_of_scope_user_gets_not_found_not_forbidden(make_hazard, personas):
    hazard = make_hazard()
    with pytest.raises(errors.NotFound):
        step(hazard, "assign", personas.outsider, assignee=personas.outsider)
    with pytest.raises(errors.PermissionDenied):
        step(hazard, "assign", personas.grid_worker, assignee=personas.grid_worker)


def test_stale_edit_is_refused_and_nothing_is_overwritten(make_hazard, personas):
    hazard = make_hazard()
    first = Hazard.objects.get(pk=hazard.pk)
    second = Hazard.objects.get(pk=hazard.pk)
    hazard_update(hazard=first, actor=personas.town_handler, expected_version=first.version,
                  changes={"title": "楼道电动车充电（已核实）"})
    with pytest.raises(errors.StaleEdit) as stale, translation.override("en"):
        hazard_update(hazard=second, actor=personas.grid_worker, expected_version=second.version,
                      changes={"title": "被覆盖的标题"})
    assert "version 1" in stale.value.message and "version 2" in stale.value.message
    stored = Hazard.objects.get(pk=hazard.pk)
    assert (stored.title, stored.version) == ("楼道电动车充电（已核实）", 2)
    assert stored.events.filter(type="updated").count() == 1


def test_changing_category_moves_the_deadline(make_hazard, personas):
    hazard = make_hazard(category="fire")
    seven_days = hazard.due_at
    hazard_update(hazard=hazard, actor=personas.town_handler, expected_version=hazard.version,
                  changes={"category": "building"})
    assert Hazard.objects.get(pk=hazard.pk).due_at > seven_days
