"""Warning orders in the admin site, to look at only: they change through the services
(registering, contacts, outcomes), never by hand."""

from django.contrib import admin

from pingan.core.admin import ReadOnlyAdmin
from pingan.dissuasion.models import ContactAttempt, WarningOrder


@admin.register(WarningOrder)
class WarningOrderAdmin(ReadOnlyAdmin):
    """Warning orders change through the services (contacts, outcomes); the person at risk is
    left out here, where a full view would not be recorded."""

    list_display = ("ref", "status", "risk_level", "issuer", "unit", "opened_at", "contact_due_at",
                    "first_contact_at")
    list_filter = ("status", "risk_level", "issuer")
    search_fields = ("ref", "external_ref")
    exclude = ("person_name", "person_phone", "person_id_number", "person_address")


@admin.register(ContactAttempt)
class ContactAttemptAdmin(ReadOnlyAdmin):
    list_display = ("warning", "at", "method", "reached", "by")
    list_filter = ("method", "reached")
