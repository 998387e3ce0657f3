"""Fraud data in the admin site, to look at only: cases, identifiers and rings change through
the services (recording, adding an identifier, the ring linking), never by hand."""

from django.contrib import admin

from pingan.core.admin import ReadOnlyAdmin
from pingan.fraud.models import Identifier, Ring


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

