"""Warning orders (预警指令) and the dissuasion (劝阻) of the people they name, in the database.

A warning order is a ``Case`` of kind "fraud_warning" whose ``category`` is the scam type it names
(the fraud app's scam types); its ``ContactAttempt`` rows are the tries at reaching the person. A
warning that ends with the person already defrauded may name their ``fraud.FraudCase``.
The tables were the fraud app's until the two domains were split (migration 0001 keeps their rows).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.models import Case
from pingan.fraud.models import FraudCase, scam_type_label

# The kind stays "fraud_warning", as stored in every existing warning's Case row, in the events
# and in settings (PINGAN_CASE_DOMAINS puts it in the fraud domain, so a fraud role still
# handles warnings: the anti-fraud centre sends them and the same officers act on them).
KIND = "fraud_warning"
REF_PREFIX = "YJ"  # 预警


class RiskLevel(models.TextChoices):
    """How likely the person is to be defrauded now, as the order grades it; the grade sets the
    contact deadline (``settings.PINGAN_FRAUD_WARNING_CONTACT_HOURS``)."""

    HIGH = "high", _("High risk")
    MEDIUM = "medium", _("Medium risk")
    LOW = "low", _("Low risk")


class WarningIssuer(models.TextChoices):
    """Who sent the order."""

    NATIONAL = "national", _("National anti-fraud centre (国家反诈中心)")
    PROVINCE_CITY = "province_city", _("Provincial or city anti-fraud centre")
    POLICE = "police", _("District police anti-fraud centre")
    BANK = "bank", _("Bank")
    CARRIER = "carrier", _("Telecom operator")
    OTHER = "other", _("Other")


class WarningStatus(models.TextChoices):
    AWAITING_CONTACT = "awaiting_contact", _("Awaiting contact")
    CONTACTED = "contacted", _("Reached, dissuading")
    PREVENTED = "prevented", _("Prevented (成功劝阻)")
    NOT_REACHED = "not_reached", _("Not reached (未联系上)")
    ALREADY_LOST = "already_lost", _("Already defrauded (已被骗)")


# How a dissuasion ends: each closes the warning.
OUTCOMES = (WarningStatus.PREVENTED, WarningStatus.NOT_REACHED, WarningStatus.ALREADY_LOST)


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("By phone")
    IN_PERSON = "in_person", _("In person")
    OTHER = "other", _("Other (message, through family…)")


# The one list of what a warning order is registered with: the web form and the API's body
# take their fields from here, by the names they give them (the order's number is the
# ``external_ref`` column), with the model's labels and limits. A new field is one edit here,
# plus its migration. The unit, the scam type (the ``category`` column, from the deployment's
# list) and the time received are not plain columns: the form and the API add them.
REGISTER_FIELDS = {
    "issuer": "issuer",
    "order_number": "external_ref",
    "risk_level": "risk_level",
    "person_name": "person_name",
    "person_phone": "person_phone",
    "person_id_number": "person_id_number",
    "person_address": "person_address",
    "description": "description",
}
# Typed by a clerk, normalised by the service: longer than their columns (core.schemas).
AS_TYPED = ("person_phone", "person_id_number")


class WarningOrder(Case):
    """A warning order (预警指令): someone is likely being defrauded now and must be reached and
    talked out of paying. ``opened_at`` is when the order was received, ``category`` the scam
    type it names, ``external_ref`` the order's own number, ``severity`` major for a high-risk
    order. ``contact_due_at`` is the contact deadline; ``due_at`` is the deadline now running
    (the contact deadline, then the one for an outcome once the person is reached).

    The person at risk is personal data, shown masked except to ``selectors.may_view_person``."""

    KIND = KIND

    issuer = models.CharField(_("issued by"), max_length=20, choices=WarningIssuer.choices)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    person_name = models.CharField(_("name"), max_length=60, blank=True)
    person_phone = models.CharField(_("phone"), max_length=20, blank=True)
    person_id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    person_address = models.CharField(_("address"), max_length=200, blank=True)
    contact_due_at = models.DateTimeField(_("contact deadline"))
    # The first contact that reached the person, and how long after receipt: kept by the
    # services so the board's median is one indexed column, not date arithmetic per row.
    first_contact_at = models.DateTimeField(_("first reached"), null=True, blank=True)
    contact_seconds = models.PositiveIntegerField(_("time to contact (seconds)"), null=True, blank=True)
    fraud_case = models.ForeignKey(FraudCase, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="warning_orders", verbose_name=_("fraud case"))

    class Meta:
        verbose_name = _("warning order")
        verbose_name_plural = _("warning orders")

    @property
    def received_at(self):
        return self.opened_at

    @property
    def status_label(self) -> str:
        return str(WarningStatus(self.status).label) if self.status in WarningStatus.values else self.status

    @property
    def scam_type_label(self) -> str:
        return scam_type_label(self.category)

    @property
    def contacted_in_time(self) -> bool | None:
        """None while nobody has reached the person."""
        if self.first_contact_at is None:
            return None
        return self.first_contact_at <= self.contact_due_at


class ContactAttempt(models.Model):
    """One try at reaching the person at risk: by phone, in person or otherwise, and whether it
    reached them. Written only by ``services.warning_contact_record``, with an event."""

    warning = models.ForeignKey(WarningOrder, on_delete=models.PROTECT, related_name="contacts",
                                verbose_name=_("warning order"))
    at = models.DateTimeField(_("when"))
    method = models.CharField(_("how"), max_length=20, choices=ContactMethod.choices)
    reached = models.BooleanField(_("reached the person"))
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("by"))
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["warning_id", "at", "id"]
        indexes = [models.Index(fields=["warning", "at"], name="dissuasion_contact_warning_at")]
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")

    def __str__(self) -> str:
        return f"{self.warning_id} {self.at:%Y-%m-%d %H:%M} {self.method}"
