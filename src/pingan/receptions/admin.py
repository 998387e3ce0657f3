"""The reception roster is configuration: the district admin keeps it here. Receptions are
read here only: they are planned, held and cancelled through the services (the calendar
page and the API), which check the period, the roster and who may."""

from django.contrib import admin

from pingan.core.admin import AuditedAdmin, ReadOnlyAdmin
from pingan.receptions.models import Leader, Reception, ReceptionVisit


@admin.register(Leader)
class LeaderAdmin(AuditedAdmin):
    list_display = ("name", "title", "unit", "is_active")
    list_filter = ("is_active", "unit__kind")
    list_editable = ("is_active",)
    search_fields = ("name", "title", "unit__name")
    raw_id_fields = ("unit",)


class VisitInline(admin.TabularInline):
    model = ReceptionVisit
    fields = ("petition",)
    readonly_fields = ("petition",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Reception)
class ReceptionAdmin(ReadOnlyAdmin):
    list_display = ("date", "unit", "leader", "status", "place", "created_by", "status_changed_by")
    list_filter = ("status", "unit__kind")
    date_hierarchy = "date"
    search_fields = ("unit__name", "leader__name", "place")
    list_select_related = ("unit", "leader", "created_by", "status_changed_by")
    inlines = [VisitInline]
