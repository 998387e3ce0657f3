"""Fraud data in the admin site, to look at only: cases, identifiers, rings and warning orders
change through the services (recording, adding an identifier, the ring linking, contacts and
outcomes), never by hand."""

from django.contrib import admin

from pingan.core.admin import ReadOnlyAdmin
from pingan.fraud.models import ContactAttempt, Identifier, Ring, WarningOrder


@admin.register(Identifier)
class IdentifierAdmin(ReadOnlyAdmin):
    list_display = ("kind", "value", "registrable_domain", "case_count", "left_out")
    list_filter = ("kind", "left_out")
    search_fields = ("value", "registrable_domain")


@admin.register(Ring)
class RingAdmin(ReadOnlyAdmin):
    list_display = ("rank", "ring_id", "case_count", "victim_count", "total_loss", "town_count",
                    "first_date", "last_date", "is_major")
    list_filter = ("is_major",)
    search_fields = ("ring_id",)


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
