"""The district admin's configuration screens: units, roles, responsibilities, deadline
policies. Cases and events are read-only here: they change only through the services."""

from django.contrib import admin

from pingan.core.models import (
    ApiToken,
    DeadlinePolicy,
    Event,
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


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ("case_kind", "category", "severity", "duration", "day_type",
                    "extension_allowed", "extension_duration", "note")
    list_filter = ("case_kind", "day_type")
    list_editable = ("duration", "day_type", "extension_allowed", "extension_duration")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("case", "seq", "at", "actor", "type", "transition", "from_status", "to_status")
    list_filter = ("type",)
    search_fields = ("case__ref",)
    list_select_related = ("case", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "created_at", "last_used_at")
