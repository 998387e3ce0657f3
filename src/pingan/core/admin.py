"""The district admin's configuration screens: units, roles, leaders in charge,
responsibilities, deadline policies. Events and ledger uploads are read-only here: they
change only through the services and the worker."""

from django.contrib import admin

from pingan.core.models import (
    ApiToken,
    DeadlinePolicy,
    Event,
    Leadership,
    LedgerColumnMapping,
    LedgerUpload,
    Responsibility,
    Role,
    Unit,
)


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    extra = 0


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "kind", "parent", "population", "is_illustrative_code")
    list_filter = ("kind", "is_illustrative_code")
    search_fields = ("name", "code", "prefix")
    raw_id_fields = ("parent",)
    inlines = [ResponsibilityInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "unit", "title")
    list_filter = ("role", "unit__kind")
    search_fields = ("user__username", "user__first_name", "unit__name")
    raw_id_fields = ("user", "unit")


@admin.register(Leadership)
class LeadershipAdmin(admin.ModelAdmin):
    list_display = ("unit", "domain", "title", "user")
    list_filter = ("domain", "unit__kind")
    search_fields = ("user__username", "user__first_name", "unit__name", "title")
    raw_id_fields = ("user", "unit")


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ("case_kind", "category", "severity", "duration", "day_type",
                    "extension_allowed", "extension_duration", "note")
    list_filter = ("case_kind", "day_type")
    list_editable = ("duration", "day_type", "extension_allowed", "extension_duration")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the services and the worker: to read, never to edit here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
                    "skipped")
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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "created_at", "last_used_at")

from pingan.core import admin_holidays  # noqa: E402, F401  (the holiday schedule's pages)
