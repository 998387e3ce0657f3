"""The district admin's petition settings: each profile's terms, with the settings' defaults
one action away, and the record of the profile in force (switched on the petition rules page,
never here). Petitions themselves change only through the services."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pingan.core.admin import AuditedAdmin, ReadOnlyAdmin
from pingan.core.configuration import snapshot
from pingan.core.models import ConfigurationAction
from pingan.petitions.models import PetitionRule, PetitionRuleSet, ProfileInForce
from pingan.petitions.profiles import reset_ruleset


class PetitionRuleInline(admin.TabularInline):
    model = PetitionRule
    fields = ("rule", "days", "day_type", "source")
    readonly_fields = ("rule",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Every rule exists from the start; a rule set without one would be incomplete.
        return False


@admin.register(PetitionRuleSet)
class PetitionRuleSetAdmin(AuditedAdmin):
    list_display = ("profile", "extension_max_days", "extension_cap_days", "updated_at")
    fields = ("profile", "extension_max_days", "extension_cap_days")
    readonly_fields = ("profile",)
    inlines = [PetitionRuleInline]
    audited_related = ("rules",)
    actions = ["reset_to_defaults"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Reset to the defaults in the settings"), permissions=["change"])
    def reset_to_defaults(self, request, queryset):
        with transaction.atomic():
            for ruleset in queryset:
                before = snapshot(ruleset, self.audited_related)
                reset_ruleset(ruleset)
                self.record(request, ruleset, ConfigurationAction.CHANGED, before=before,
                            message=str(_("Reset to the defaults in the settings")))
        self.message_user(request, _("%(count)d rule sets reset to the settings' defaults.")
                          % {"count": len(queryset)}, messages.SUCCESS)


@admin.register(ProfileInForce)
class ProfileInForceAdmin(ReadOnlyAdmin):
    list_display = ("since", "profile", "previous", "basis", "switched_by", "reason")
    list_select_related = ("switched_by",)
