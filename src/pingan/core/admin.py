"""The district admin's configuration screens: units, roles, responsibilities, deadline
policies, people. Events, ledger uploads and the configuration's own audit trail are
read-only here: they change only through the services and the worker.

Every change made here is recorded (``AuditedAdmin``: who, when, what, before and after),
and the screens offer only what the district admin may change (``core.configuration``): no
superuser status, no groups or permissions beyond the admin's own, no roles for themselves
or at the discipline commission, no token moved to another user or revived.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pingan.core.api import token_revoke
from pingan.core.configuration import (
    holds_sealed_line,
    line_change_refusal,
    record_configuration_change,
    role_grant_refusal,
    snapshot,
)
from pingan.core.models import (
    ApiToken,
    ConfigurationAction,
    ConfigurationChange,
    DeadlinePolicy,
    Event,
    Leadership,
    LedgerColumnMapping,
    LedgerUpload,
    Responsibility,
    Role,
    Unit,
)
from pingan.core.users import User


class AuditedAdmin(admin.ModelAdmin):
    """Records every addition, change and deletion made on this screen. ``audited_related``
    names the related rows edited inline, recorded with their object."""

    audited_related: tuple[str, ...] = ()

    def save_model(self, request, obj, form, change):
        if change:
            stored = type(obj)._default_manager.get(pk=obj.pk)
            obj._audit_before = snapshot(stored, self.audited_related)
        super().save_model(request, obj, form, change)

    def record(self, request, obj, action: str, *, before: dict, message: Any = "") -> None:
        after = {} if action == ConfigurationAction.DELETED else snapshot(obj, self.audited_related)
        record_configuration_change(actor=request.user, action=action, obj=obj, before=before,
                                    after=after, message=message)

    # Django calls these after every write it makes here (related rows saved by then).
    def log_addition(self, request, obj, message):
        self.record(request, obj, ConfigurationAction.ADDED, before={}, message=message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self.record(request, obj, ConfigurationAction.CHANGED,
                    before=getattr(obj, "_audit_before", {}), message=message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self.record(request, obj, ConfigurationAction.DELETED,
                        before=snapshot(obj, self.audited_related))
        return super().log_deletions(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the services and the worker: to read, never to edit here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ResponsibilityFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            touched = form.has_changed() or self._should_delete_form(form)
            if not touched or not hasattr(form, "cleaned_data"):
                continue
            lines = {(form.initial.get("case_kind"), form.initial.get("category")),
                     (form.cleaned_data.get("case_kind"), form.cleaned_data.get("category"))}
            for kind, category in lines:
                refusal = line_change_refusal(actor=self.actor, case_kind=kind, category=category)
                if refusal:
                    raise ValidationError(refusal)


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    formset = ResponsibilityFormSet
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = request.user
        return formset


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("prefix", "name", "kind", "parent", "population", "is_illustrative_code")
    list_filter = ("kind", "is_illustrative_code")
    search_fields = ("name", "code", "prefix")
    raw_id_fields = ("parent",)
    inlines = [ResponsibilityInline]
    audited_related = ("responsibilities",)


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ("user", "role", "domain", "unit", "title")
    list_filter = ("role", "domain", "unit__kind")
    search_fields = ("user__username", "user__first_name", "unit__name")
    raw_id_fields = ("user", "unit")

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class RoleForm(base):
            def clean(self):
                data = super().clean()
                refusal = role_grant_refusal(actor=actor, user=data.get("user"), unit=data.get("unit"))
                if refusal:
                    raise ValidationError(refusal)
                return data

        return RoleForm

    def _may_touch(self, request, obj) -> bool:
        return obj is None or role_grant_refusal(actor=request.user, user=obj.user, unit=obj.unit) is None

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_touch(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_touch(request, obj)


@admin.register(Leadership)
class LeadershipAdmin(AuditedAdmin):
    list_display = ("unit", "domain", "title", "user")
    list_filter = ("domain", "unit__kind")
    search_fields = ("user__username", "user__first_name", "unit__name", "title")
    raw_id_fields = ("user", "unit")


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(AuditedAdmin):
    list_display = ("case_kind", "category", "severity", "duration", "day_type",
                    "extension_allowed", "extension_duration", "note")
    list_filter = ("case_kind", "day_type")
    list_editable = ("duration", "day_type", "extension_allowed", "extension_duration")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("case", "seq", "at", "actor", "type", "transition", "from_status", "to_status")
    list_filter = ("type",)
    search_fields = ("case__ref",)
    list_select_related = ("case", "actor")


@admin.register(LedgerUpload)
class LedgerUploadAdmin(ReadOnlyAdmin):
    """Who imported which ledger file from the web, when, and with what result."""

    list_display = ("filename", "kind", "uploaded_by", "uploaded_at", "dry_run", "state", "created",
                    "updated", "unchanged")
    list_filter = ("kind", "state", "dry_run")
    search_fields = ("filename", "uploaded_by__username")
    list_select_related = ("uploaded_by",)


@admin.register(LedgerColumnMapping)
class LedgerColumnMappingAdmin(ReadOnlyAdmin):
    """How each unit's templates were matched. A wrong one is deleted here: the next upload of
    that template asks again."""

    list_display = ("unit", "kind", "saved_by", "saved_at")
    list_filter = ("kind",)
    search_fields = ("unit__name",)
    list_select_related = ("unit", "saved_by")

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("core.delete_ledgercolumnmapping")


@admin.register(ConfigurationChange)
class ConfigurationChangeAdmin(ReadOnlyAdmin):
    """Who changed the rules: every change made in this admin site."""

    list_display = ("at", "actor", "action", "model", "object_repr")
    list_filter = ("action", "model")
    search_fields = ("object_repr", "actor__username")
    list_select_related = ("actor",)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """A token acts as its owner and is created where its key can be shown once (the API or
    ``pingan token create``): here it is named, read and revoked. Its owner and its
    revocation are not editable: a token moved to another user would act as them, and a
    revoked one stays revoked."""

    list_display = ("name", "user", "created_at", "last_used_at", "revoked_at")
    fields = ("name", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the row stays: a record of who had access

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        live = list(queryset.filter(revoked_at__isnull=True))
        with transaction.atomic():
            for token in live:
                before = snapshot(token)
                token_revoke(token=token)
                self.record(request, token, ConfigurationAction.CHANGED, before=before,
                            message=str(_("Revoked.")))
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": len(live)},
                          messages.SUCCESS)


# --- People -----------------------------------------------------------------------------

def own_permissions(user: User) -> Q:
    """The permissions ``user`` holds, directly or through a group, as a condition."""
    held = Q(pk__in=[])
    for name in user.get_all_permissions():
        app_label, codename = name.split(".", 1)
        held |= Q(content_type__app_label=app_label, codename=codename)
    return held


class PeopleAdmin(AuditedAdmin, UserAdmin):
    """People, for the district admin: who may sign in, their names, their groups. A
    superuser's account, superuser status, and groups or permissions beyond the admin's own
    are not offered: no one widens their own reach, or anyone else's past it."""

    def _reach(self, request) -> tuple[Any, Any]:
        """The groups and permissions ``request.user`` may give (their own)."""
        actor = request.user
        if actor.is_superuser:
            return Group.objects.all(), Permission.objects.all()
        return actor.groups.all(), Permission.objects.filter(own_permissions(actor))

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ("is_superuser", "last_login", "date_joined")
        return fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        groups, permissions = self._reach(request)
        if db_field.name == "groups":
            kwargs["queryset"] = groups
        elif db_field.name == "user_permissions":
            kwargs["queryset"] = permissions.select_related("content_type")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        """The groups and permissions outside the admin's reach are kept as they were: the
        form neither shows nor may change them."""
        obj = form.instance
        groups, permissions = self._reach(request)
        kept_groups = list(obj.groups.exclude(pk__in=groups.values("pk"))) if change else []
        kept_permissions = (list(obj.user_permissions.exclude(pk__in=permissions.values("pk")))
                            if change else [])
        super().save_related(request, form, formsets, change)
        obj.groups.add(*kept_groups)
        obj.user_permissions.add(*kept_permissions)

    def _above(self, request, obj) -> bool:
        """A superuser's account, and the account of anyone at an office that holds a sealed
        line (the discipline office), are the operators' to change: a new password would let
        the admin sign in as them and read the accusations."""
        if obj is None or request.user.is_superuser:
            return False
        return obj.is_superuser or any(holds_sealed_line(role.unit)
                                       for role in obj.roles.select_related("unit"))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._above(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._above(request, obj)


admin.site.unregister(User)
admin.site.register(User, PeopleAdmin)


from pingan.core import admin_holidays  # noqa: E402, F401  (the holiday schedule's pages)
