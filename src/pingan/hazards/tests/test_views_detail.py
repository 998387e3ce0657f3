"""A hazard's page: its fields, timeline and photos, and one button per step the user may
take; every write goes through the services, shows their messages and changes nothing when
it fails."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pingan.core.escalation import escalate_case
from pingan.core.models import Severity
from pingan.hazards.models import Hazard
from pingan.hazards.services import hazard_transition, hazard_update
from pingan.testing import tiny_png

pytestmark = pytest.mark.django_db


def step_url(hazard, name):
    return reverse("hazards:step", args=[hazard.ref, name])


def steps_shown(client, hazard):
    actions = client.get(reverse("hazards:detail", args=[hazard.ref])).context["actions"]
    return [action.key for action in actions if action.is_step]


def form_of(context, key):
    """The form of the action ``key`` the page offers, or None when it offers none."""
    return next((action.form for action in context["actions"] if action.key == key), None)


def test_detail_shows_fields_photos_and_timeline(client, personas, make_hazard):
    hazard = make_hazard(title="村口道路塌陷", category="road", location="缪村村口")
    client.force_login(personas.town_handler)
    response = client.get(reverse("hazards:detail", args=[hazard.ref]))
    body = response.content.decode()
    assert "村口道路塌陷" in body and "缪村村口" in body and "道路交通" in body
    assert "交警大队" in body  # the handling department
    photo = hazard.attachments.get()
    assert reverse("hazards:attachment", args=[hazard.ref, photo.pk]) in body
    created, attached = response.context["timeline"]
    assert created.label == "登记" and created.event.actor == personas.grid_worker
    assert attached.label == "添加附件"
    assert "网格员 李强" in body


@pytest.mark.parametrize(("persona", "expected"), [
    ("admin", ["assign", "reject"]),
    ("town_handler", ["assign", "reject"]),
    ("fire_handler", ["assign", "reject"]),  # e-bike charging is the fire brigade's line
    ("grid_worker", []),  # a grid worker reports; routing is the town's
])
def test_buttons_match_who_may_act_on_a_new_report(client, personas, make_hazard, persona, expected):
    hazard = make_hazard()
    client.force_login(getattr(personas, persona))
    assert steps_shown(client, hazard) == expected
    body = client.get(reverse("hazards:detail", args=[hazard.ref])).content.decode()
    for name in ("assign", "reject", "start", "submit", "verify", "rework"):
        assert (step_url(hazard, name) in body) == (name in expected)


def test_the_assignee_gets_start_and_the_rectifier_never_gets_verify(client, personas, make_hazard, photo):
    hazard = make_hazard()
    hazard_transition(hazard=hazard, name="assign", actor=personas.town_handler,
                      expected_version=hazard.version, assignee=personas.grid_worker)
    client.force_login(personas.grid_worker)
    assert steps_shown(client, hazard) == ["start"]  # as the assignee, though only at grid level
    client.force_login(personas.town_handler)
    assert steps_shown(client, hazard) == ["start", "reject"]
    hazard_transition(hazard=hazard, name="start", actor=personas.town_handler,
                      expected_version=hazard.version)
    hazard_transition(hazard=hazard, name="submit", actor=personas.town_handler,
                      expected_version=hazard.version, photos=[photo])
    # The town handler rectified it, so someone else must verify: no buttons for them, and
    # a forged post is refused with the reason.
    assert steps_shown(client, hazard) == []
    response = client.post(step_url(hazard, "verify"), {"version": hazard.version})
    assert "整改人不能复核本人整改的隐患，须由他人核查。" in response.content.decode()
    client.force_login(personas.admin)
    assert steps_shown(client, hazard) == ["verify", "rework"]


def test_assign_form_offers_only_people_who_reach_the_hazard(client, personas, make_hazard):
    hazard = make_hazard()
    client.force_login(personas.town_handler)
    response = client.get(reverse("hazards:detail", args=[hazard.ref]))
    assign_form = form_of(response.context, "assign")
    people = set(assign_form.fields["assignee"].queryset)
    assert {personas.grid_worker, personas.town_handler, personas.fire_handler} <= people
    # A sibling town, and the district unit itself (it acts through its departments).
    assert personas.outsider not in people and personas.admin not in people
    assert "石梁镇平安办 赵丽" not in response.content.decode()


def test_the_whole_loop_through_the_web(client, personas, make_hazard):
    hazard = make_hazard()
    client.force_login(personas.town_handler)
    response = client.post(step_url(hazard, "assign"), {"version": 1, "assignee": personas.grid_worker.pk,
                                                        "note": "请三日内整改"})
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == "assigned" and hazard.assignee == personas.grid_worker

    client.force_login(personas.grid_worker)
    assert client.post(step_url(hazard, "start"), {"version": hazard.version}).status_code == 302
    hazard.refresh_from_db()
    after = SimpleUploadedFile("after.png", tiny_png(rgb=(40, 200, 40)), content_type="image/png")
    response = client.post(step_url(hazard, "submit"), {"version": hazard.version, "photos": [after],
                                                        "note": "已清理"})
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == "awaiting_verification"
    assert hazard.attachments.filter(kind="after").count() == 1

    client.force_login(personas.town_handler)
    page = client.get(reverse("hazards:detail", args=[hazard.ref]))
    assert [p.kind for p in page.context["after_photos"]] == ["after"]
    response = client.post(step_url(hazard, "verify"), {"version": hazard.version, "note": "复核合格"},
                           follow=True)
    hazard.refresh_from_db()
    assert hazard.status == "closed" and not hazard.is_open
    assert "已完成“复核销号”。" in response.content.decode()
    labels = [e.label for e in response.context["timeline"]]
    assert labels == ["登记", "添加附件", "交办", "开始整改", "提请复核", "复核销号"]
    assert [a for a in response.context["actions"] if a.is_step] == []


def test_a_step_missing_its_input_shows_the_workflow_message(client, personas, make_hazard):
    hazard = make_hazard()
    client.force_login(personas.town_handler)
    response = client.post(step_url(hazard, "assign"), {"version": hazard.version})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请选择负责整改的人员。" in body
    assert response.context["open_form"] == "assign"  # the form stays open with its message
    hazard.refresh_from_db()
    assert hazard.status == "reported" and hazard.version == 1


def test_submit_without_a_photo_is_refused(client, personas, make_hazard):
    hazard = make_hazard()
    hazard_transition(hazard=hazard, name="assign", actor=personas.town_handler,
                      expected_version=hazard.version, assignee=personas.grid_worker)
    hazard_transition(hazard=hazard, name="start", actor=personas.grid_worker,
                      expected_version=hazard.version)
    client.force_login(personas.grid_worker)
    response = client.post(step_url(hazard, "submit"), {"version": hazard.version})
    assert "请至少上传一张整改后照片。" in response.content.decode()
    hazard.refresh_from_db()
    assert hazard.status == "rectifying"


def test_reject_as_duplicate(client, personas, make_hazard):
    original = make_hazard(title="原报告")
    copy = make_hazard(title="重复报告")
    client.force_login(personas.town_handler)
    response = client.post(step_url(copy, "reject"), {
        "version": copy.version, "reason": "duplicate", "duplicate_of": original.ref.lower(),
        "note": "同一地点已上报",
    })
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.status == "rejected" and copy.duplicate_of == original
    body = client.get(reverse("hazards:detail", args=[copy.ref])).content.decode()
    assert "与其他报告重复" in body and reverse("hazards:detail", args=[original.ref]) in body


def test_a_step_the_user_may_not_take_is_refused_and_changes_nothing(client, personas, make_hazard):
    hazard = make_hazard()
    client.force_login(personas.grid_worker)
    response = client.post(step_url(hazard, "assign"), {"version": hazard.version,
                                                        "assignee": personas.grid_worker.pk})
    assert response.status_code == 403
    assert "您的角色无权在此执行“交办”。" in response.content.decode()
    hazard.refresh_from_db()
    assert hazard.status == "reported"


def test_an_unknown_step_is_a_404(client, personas, make_hazard):
    hazard = make_hazard()
    client.force_login(personas.town_handler)
    assert client.post(step_url(hazard, "explode"), {"version": 1}).status_code == 404


def test_writes_need_post(client, personas, make_hazard):
    hazard = make_hazard()
    client.force_login(personas.town_handler)
    assert client.get(step_url(hazard, "assign")).status_code == 405
    assert client.get(reverse("hazards:edit", args=[hazard.ref])).status_code == 405


def test_edit_saves_the_plan_of_a_major_hazard(client, personas, make_hazard):
    hazard = make_hazard(title="危房", category="building", severity=Severity.MAJOR)
    client.force_login(personas.town_handler)
    page = client.get(reverse("hazards:detail", args=[hazard.ref]))
    data = {k: ("" if v is None else v) for k, v in form_of(page.context, "edit").initial.items()}
    data.update(plan_goals="消除危房坍塌风险", plan_funding="镇财政 8 万元", immediate="")
    data.pop("immediate")
    response = client.post(reverse("hazards:edit", args=[hazard.ref]), data, follow=True)
    hazard.refresh_from_db()
    assert hazard.plan_goals == "消除危房坍塌风险" and hazard.plan_funding == "镇财政 8 万元"
    assert hazard.title == "危房" and hazard.version == 2
    body = response.content.decode()
    assert "修改已保存。" in body and "消除危房坍塌风险" in body
    [change_event] = [e for e in response.context["timeline"] if e.event.type == "updated"]
    assert {c.label for c in change_event.changes} == {"整改目标和任务", "经费和物资"}


def test_a_stale_edit_shows_the_message_and_changes_nothing(client, personas, make_hazard):
    hazard = make_hazard(title="原标题")
    client.force_login(personas.town_handler)
    page = client.get(reverse("hazards:detail", args=[hazard.ref]))
    data = {k: ("" if v is None else v) for k, v in form_of(page.context, "edit").initial.items()}
    data.pop("immediate")
    assert data["version"] == 1
    # Someone else saves in between.
    hazard_update(hazard=Hazard.objects.get(pk=hazard.pk), actor=personas.admin, expected_version=1,
                  changes={"description": "他人补充的描述"})
    data["title"] = "我的新标题"
    response = client.post(reverse("hazards:edit", args=[hazard.ref]), data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "您打开此事项后，已有他人对其作了修改（您看到的是第 1 版，当前为第 2 版）" in body
    hazard.refresh_from_db()
    assert hazard.title == "原标题" and hazard.description == "他人补充的描述" and hazard.version == 2


def test_a_stale_step_changes_nothing(client, personas, make_hazard):
    hazard = make_hazard()
    hazard_update(hazard=hazard, actor=personas.admin, expected_version=1, changes={"title": "改过"})
    client.force_login(personas.town_handler)
    response = client.post(step_url(hazard, "assign"), {"version": 1, "assignee": personas.grid_worker.pk})
    assert response.status_code == 409
    hazard.refresh_from_db()
    assert hazard.status == "reported" and hazard.assignee is None


def test_edit_form_only_while_reported_or_assigned(client, personas, make_hazard):
    hazard = make_hazard()
    client.force_login(personas.town_handler)
    assert form_of(client.get(reverse("hazards:detail", args=[hazard.ref])).context, "edit") is not None
    hazard_transition(hazard=hazard, name="assign", actor=personas.town_handler,
                      expected_version=hazard.version, assignee=personas.grid_worker)
    hazard_transition(hazard=hazard, name="start", actor=personas.grid_worker,
                      expected_version=hazard.version)
    assert form_of(client.get(reverse("hazards:detail", args=[hazard.ref])).context, "edit") is None


def test_extend_once_with_a_reason(client, personas, make_hazard):
    hazard = make_hazard()
    client.force_login(personas.grid_worker)
    assert form_of(client.get(reverse("hazards:detail", args=[hazard.ref])).context, "extend") is None
    client.force_login(personas.town_handler)
    assert form_of(client.get(reverse("hazards:detail", args=[hazard.ref])).context, "extend") is not None
    url = reverse("hazards:extend", args=[hazard.ref])
    response = client.post(url, {"version": hazard.version, "reason": ""})
    assert "请填写理由。" in response.content.decode()
    due_before = Hazard.objects.get(pk=hazard.pk).due_at
    response = client.post(url, {"version": hazard.version, "reason": "需采购配件"}, follow=True)
    hazard.refresh_from_db()
    assert hazard.is_extended and hazard.due_at > due_before
    body = response.content.decode()
    assert "需采购配件" in body and "办理期限已延长至" in body
    assert form_of(response.context, "extend") is None  # only once


def test_escalation_events_are_highlighted(client, personas, make_hazard):
    import datetime as dt

    from django.utils import timezone

    hazard = make_hazard()
    escalate_case(Hazard.objects.select_related("unit").get(pk=hazard.pk),
                  now=timezone.now() + dt.timedelta(days=30))
    client.force_login(personas.town_handler)
    response = client.get(reverse("hazards:detail", args=[hazard.ref]))
    [escalation] = [e for e in response.context["timeline"] if e.is_escalation]
    assert escalation.label == "超期升级"
    assert 'class="escalation"' in response.content.decode()


def test_attachment_is_served_with_its_type(client, personas, make_hazard, photo):
    hazard = make_hazard()
    attachment = hazard.attachments.get()
    client.force_login(personas.town_handler)
    response = client.get(reverse("hazards:attachment", args=[hazard.ref, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == photo[1]


def test_attachment_of_another_hazard_is_a_404(client, personas, make_hazard):
    one, other = make_hazard(), make_hazard()
    client.force_login(personas.town_handler)
    url = reverse("hazards:attachment", args=[one.ref, other.attachments.get().pk])
    assert client.get(url).status_code == 404
