"""The admin site offers the district admin only what it may change, and records every change
(issue 10 §7). Each refusal is driven through the admin with the test client, as the district
admin (staff, not a superuser), and checked to have changed nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from pingan.core.api import token_create
from pingan.core.configuration import (
    MSG_NO_SELF_GRANT,
    MSG_SEALED_LINE,
    MSG_SEALED_OFFICE,
    record_configuration_change,
)
from pingan.core.models import (
    ApiToken,
    ConfigurationAction,
    ConfigurationChange,
    DeadlinePolicy,
    Responsibility,
    Role,
    RoleName,
    Unit,
    UnitKind,
)


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas.admin)
    return client


@pytest.fixture
def clerk(district):
    user = get_user_model().objects.create_user("clerk", password="x-long-password", first_name="信访员")
    Role.objects.create(user=user, unit=Unit.objects.get(name="信访局"), role=RoleName.HANDLER)
    return user


def _value(field: Any) -> Any:
    value = field.value()
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, list | tuple):
        return [getattr(v, "pk", v) for v in value]
    return "" if value is None else getattr(value, "pk", value)


def as_posted(response) -> dict[str, Any]:
    """What a browser posts back from an admin change page left as it is: the form's fields
    and every inline formset's, with their management forms."""
    data: dict[str, Any] = {}
    form = response.context["adminform"].form
    for name in form.fields:
        data[form.add_prefix(name)] = _value(form[name])
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = _value(formset.management_form[name])
        for each in formset.forms:
            for name in each.fields:
                data[each.add_prefix(name)] = _value(each[name])
    return {k: v for k, v in data.items() if v != ""}


def _change(client, model: str, obj) -> dict[str, Any]:
    response = client.get(reverse(f"admin:{model}_change", args=[obj.pk]))
    assert response.status_code == 200
    return as_posted(response)


def _post_change(client, model: str, obj, data: dict[str, Any]):
    return client.post(reverse(f"admin:{model}_change", args=[obj.pk]), data)


# --- Superuser status, staff, groups and permissions -------------------------------------


def test_the_district_admin_cannot_make_itself_a_superuser(admin_client, personas):
    admin = personas.admin
    data = _change(admin_client, "auth_user", admin)
    assert "is_superuser" not in data  # not offered
    response = _post_change(admin_client, "auth_user", admin, {**data, "is_superuser": "on"})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert not admin.is_superuser and admin.is_staff


def test_nor_anyone_else(admin_client, clerk):
    data = _change(admin_client, "auth_user", clerk)
    _post_change(admin_client, "auth_user", clerk, {**data, "is_superuser": "on"})
    clerk.refresh_from_db()
    assert not clerk.is_superuser


def test_groups_and_permissions_beyond_its_own_are_refused(admin_client, personas, clerk):
    mighty = Group.objects.create(name="运维")
    mighty.permissions.set(Permission.objects.all())
    every = list(Permission.objects.filter(codename="delete_event").values_list("pk", flat=True))
    for target in (personas.admin, clerk):
        data = _change(admin_client, "auth_user", target)
        for extra in ({"groups": [mighty.pk]}, {"user_permissions": every}):
            response = _post_change(admin_client, "auth_user", target, {**data, **extra})
            assert response.status_code == 200  # the form comes back with its error
            assert response.context["adminform"].form.errors
            target.refresh_from_db()
            assert not target.groups.filter(pk=mighty.pk).exists()
            assert not target.user_permissions.exists()
            assert not target.has_perm("core.delete_event")


def test_its_own_group_may_be_given_and_groups_beyond_are_kept(admin_client, personas, clerk):
    """What the admin may give it gives; a group it may not give stays as it was."""
    own = personas.admin.groups.get()
    other = Group.objects.create(name="运维")
    clerk.groups.add(other)
    data = _change(admin_client, "auth_user", clerk)
    response = _post_change(admin_client, "auth_user", clerk, {**data, "groups": [own.pk]})
    assert response.status_code == 302
    assert set(clerk.groups.all()) == {own, other}


def test_a_superusers_account_is_not_the_district_admins(admin_client, django_user_model):
    """The district admin may read it (it views people) but not change it."""
    root = django_user_model.objects.create_superuser("root", password="x-long-password")
    page = admin_client.get(reverse("admin:auth_user_change", args=[root.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    response = admin_client.post(reverse("admin:auth_user_change", args=[root.pk]),
                                 {"username": "root", "is_active": "", "is_superuser": ""})
    assert response.status_code == 403
    password = reverse("admin:auth_user_password_change", args=[root.pk])
    new = "a-new-long-pass-1"
    assert admin_client.post(password, {"password1": new, "password2": new}).status_code == 403
    root.refresh_from_db()
    assert root.check_password("x-long-password") and root.is_active and root.is_superuser


def test_nor_is_a_discipline_officers_account(admin_client, django_user_model):
    """A new password would let the district admin sign in as the officer and read the
    accusations: the discipline office's people are the operators' to change."""
    officer = django_user_model.objects.create_user("jiwei2", password="x-long-password")
    Role.objects.create(user=officer, unit=Unit.objects.get(name="区纪委监委"), role=RoleName.HANDLER)
    password = reverse("admin:auth_user_password_change", args=[officer.pk])
    new = "a-new-long-pass-1"
    assert admin_client.post(password, {"password1": new, "password2": new}).status_code == 403
    assert admin_client.post(reverse("admin:auth_user_change", args=[officer.pk]),
                             {"username": "jiwei2", "is_active": ""}).status_code == 403
    officer.refresh_from_db()
    assert officer.check_password("x-long-password") and officer.is_active


# --- API tokens ---------------------------------------------------------------------------


def test_a_token_cannot_be_moved_to_another_user_nor_revived(admin_client, personas, clerk):
    token, _key = token_create(user=personas.town_handler, name="巡查终端")
    token.revoked_at = token.created_at
    token.save(update_fields=["revoked_at"])
    data = _change(admin_client, "core_apitoken", token)
    assert set(data) == {"name"}  # owner and revocation are shown, not editable
    response = _post_change(admin_client, "core_apitoken", token, {
        "name": "巡查终端", "user": clerk.pk, "revoked_at_0": "", "revoked_at_1": ""})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.user == personas.town_handler and token.revoked_at is not None


def test_tokens_are_not_added_or_deleted_here_but_revoked(admin_client, personas):
    token, _key = token_create(user=personas.town_handler, name="巡查终端")
    assert admin_client.get(reverse("admin:core_apitoken_add")).status_code == 403
    response = admin_client.post(reverse("admin:core_apitoken_changelist"),
                                 {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    record = ConfigurationChange.objects.get(model="core.apitoken")
    assert record.before["revoked_at"] is None and record.after["revoked_at"]
    assert "key_hash" not in record.after
    assert ApiToken.objects.filter(pk=token.pk).exists()


# --- Roles and lines ----------------------------------------------------------------------


def _discipline() -> Unit:
    return Unit.objects.get(kind=UnitKind.DEPARTMENT, name="区纪委监委")


@pytest.mark.parametrize(("who", "where", "message"), [
    ("admin", "信访局", MSG_NO_SELF_GRANT),
    ("clerk", "区纪委监委", MSG_SEALED_OFFICE),
])
def test_no_role_for_oneself_nor_at_the_discipline_office(admin_client, personas, clerk, who, where,
                                                          message):
    user = personas.admin if who == "admin" else clerk
    before = Role.objects.count()
    response = admin_client.post(reverse("admin:core_role_add"), {
        "user": user.pk, "unit": Unit.objects.get(name=where).pk, "role": RoleName.SUPERVISOR,
        "domain": "petitions", "title": ""})
    assert response.status_code == 200
    assert str(message).split("{")[0][:8] in response.content.decode()
    assert Role.objects.count() == before


def test_the_admins_own_role_is_not_editable_here(admin_client, personas):
    role = personas.admin.roles.get()
    response = _post_change(admin_client, "core_role", role, {
        "user": personas.admin.pk, "unit": role.unit_id, "role": RoleName.ADMIN, "domain": "",
        "title": "自封"})
    assert response.status_code == 403
    role.refresh_from_db()
    assert role.title == "区平安办"


def test_the_sealed_line_cannot_be_given_to_another_department(admin_client):
    bureau = Unit.objects.get(name="信访局")
    data = _change(admin_client, "core_unit", bureau)
    total = int(data["responsibilities-TOTAL_FORMS"])
    data.update({"responsibilities-TOTAL_FORMS": total + 1,
                 f"responsibilities-{total}-case_kind": "petition",
                 f"responsibilities-{total}-category": "discipline"})
    response = _post_change(admin_client, "core_unit", bureau, data)
    assert response.status_code == 200
    assert str(MSG_SEALED_LINE)[:10] in response.content.decode()
    assert not Responsibility.objects.filter(department=bureau, category="discipline").exists()


def test_nor_taken_from_the_discipline_office(admin_client):
    office = _discipline()
    data = _change(admin_client, "core_unit", office)
    sealed = next(k[:-len("-category")] for k, v in data.items()
                  if k.endswith("-category") and v == "discipline")
    response = _post_change(admin_client, "core_unit", office, {**data, f"{sealed}-DELETE": "on"})
    assert response.status_code == 200
    assert Responsibility.objects.filter(department=office, category="discipline").exists()


# --- The audit trail ----------------------------------------------------------------------


def test_every_change_is_recorded_with_before_and_after(admin_client, personas, clerk):
    policy = DeadlinePolicy.objects.create(case_kind="hazard", category="fire", duration=7)
    data = _change(admin_client, "core_deadlinepolicy", policy)
    response = _post_change(admin_client, "core_deadlinepolicy", policy, {**data, "duration": 5})
    assert response.status_code == 302
    data = _change(admin_client, "auth_user", clerk)
    _post_change(admin_client, "auth_user", clerk, {**data, "first_name": "信访局 王"})
    role = clerk.roles.get()
    admin_client.post(reverse("admin:core_role_delete", args=[role.pk]), {"post": "yes"})
    records = list(ConfigurationChange.objects.order_by("id"))
    assert [(r.model, r.action) for r in records] == [
        ("core.deadlinepolicy", ConfigurationAction.CHANGED),
        ("auth.user", ConfigurationAction.CHANGED),
        ("core.role", ConfigurationAction.DELETED),
    ]
    assert all(r.actor == personas.admin for r in records)
    assert (records[0].before["duration"], records[0].after["duration"]) == (7, 5)
    assert (records[1].before["first_name"], records[1].after["first_name"]) == ("信访员", "信访局 王")
    assert "password" not in records[1].after
    assert records[2].before["role"] == RoleName.HANDLER and records[2].after == {}
    assert not Role.objects.filter(pk=role.pk).exists()


def test_the_trail_is_read_only_to_the_district_admin(admin_client, personas):
    admin_client.post(reverse("admin:core_deadlinepolicy_add"), {
        "case_kind": "hazard", "category": "road", "duration": 15, "day_type": "calendar",
        "extension_allowed": "on", "extension_duration": 15})
    record = ConfigurationChange.objects.get()
    assert record.action == ConfigurationAction.ADDED and record.after["duration"] == 15
    assert admin_client.get(reverse("admin:core_configurationchange_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:core_configurationchange_change", args=[record.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    response = admin_client.post(reverse("admin:core_configurationchange_delete", args=[record.pk]),
                                 {"post": "yes"})
    assert response.status_code == 403
    assert ConfigurationChange.objects.filter(pk=record.pk).exists()


def test_the_trail_refuses_update_and_delete_on_postgresql(personas):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    policy = DeadlinePolicy.objects.create(case_kind="hazard", category="gas", duration=7)
    record = record_configuration_change(actor=personas.admin, action=ConfigurationAction.ADDED,
                                         obj=policy, before={}, after={"duration": 7})
    for attempt in (
        lambda: ConfigurationChange.objects.filter(pk=record.pk).update(message="x"),
        lambda: ConfigurationChange.objects.filter(pk=record.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert ConfigurationChange.objects.get(pk=record.pk).after == {"duration": 7}


def test_a_person_added_is_recorded_without_the_password(admin_client, personas):
    response = admin_client.post(reverse("admin:auth_user_add"), {
        "username": "newclerk", "password1": "a-new-long-pass-1", "password2": "a-new-long-pass-1",
        "usable_password": "true"})
    assert response.status_code == 302
    person = get_user_model().objects.get(username="newclerk")
    assert not person.is_superuser and not person.is_staff
    record = ConfigurationChange.objects.get(model="auth.user")
    assert (record.action, record.object_id, record.actor) == (ConfigurationAction.ADDED, str(person.pk),
                                                               personas.admin)
    assert record.after["username"] == "newclerk" and "password" not in record.after
