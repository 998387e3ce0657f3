"""Telecom fraud (电信网络诈骗) in the database: cases with their victims and identifiers, and the
rings (串并案) the linking engine finds among them.

A fraud case is a ``Case`` of kind "fraud" whose ``category`` is its scam type. Identifiers are
stored once each in normal form (``fraud.identifiers``) and linked to the cases that show
them; ``Identifier.case_count`` and ``left_out`` are the engine's degree and left-out verdict,
kept by the services. A ``Ring`` is a group of two or more cases joined by shared
identifiers, named after its smallest case reference; a case in no ring has ``ring`` empty.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.models import Case
from pingan.fraud.identifiers import KIND_LABELS
from pingan.fraud.linking import LEFT_OUT_DEGREE, LEFT_OUT_STOPLIST

KIND = "fraud"
REF_PREFIX = "ZP"  # 诈骗


class ScamType(models.TextChoices):
    """The built-in scam types; ``settings.PINGAN_FRAUD_SCAM_TYPES`` picks and orders those
    offered, and may add local ones (``scam_type_choices``)."""

    REBATE_TASK = "rebate_task", _("Paid order-brushing tasks (刷单返利)")
    FAKE_INVESTMENT = "fake_investment", _("Fake investment and wealth management (虚假投资理财)")
    FAKE_CUSTOMER_SERVICE = "fake_customer_service", _("Impersonating customer service (冒充客服)")
    FAKE_OFFICIALS = "fake_officials", _("Impersonating police, prosecutors or courts (冒充公检法)")
    FAKE_LOAN = "fake_loan", _("Fake loans (虚假贷款)")
    GAME_TRADING = "game_trading", _("Online game trading (网络游戏交易)")
    ROMANCE = "romance", _("Dating and romance (婚恋交友)")
    OTHER = "other", _("Other")


def scam_type_choices() -> list[tuple[str, str]]:
    """The scam types offered, as the setting lists them: a built-in code gets its translated
    label, a local ``(code, label)`` pair its own label."""
    choices = []
    for entry in settings.PINGAN_FRAUD_SCAM_TYPES:
        code, label = (entry, None) if isinstance(entry, str) else entry
        choices.append((code, label or (ScamType(code).label if code in ScamType.values else code)))
    return choices


def scam_type_label(code: str) -> str:
    """A stored scam type for people, also one the setting no longer offers."""
    offered = dict(scam_type_choices())
    if code in offered:
        return str(offered[code])
    return str(ScamType(code).label) if code in ScamType.values else code


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    INVESTIGATING = "investigating", _("Under investigation")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed without solving")


class AmountBand(models.TextChoices):
    """The criminal law's amount bands of a fraud (settings.PINGAN_FRAUD_AMOUNT_BANDS_YUAN)."""

    LARGE = "large", _("Large (数额较大)")
    HUGE = "huge", _("Huge (数额巨大)")
    ESPECIALLY_HUGE = "especially_huge", _("Especially huge (数额特别巨大)")


def band_floors() -> list[tuple[str, Decimal]]:
    """Each band with the least amount in it, highest band first."""
    floors = settings.PINGAN_FRAUD_AMOUNT_BANDS_YUAN
    return sorted(((band, Decimal(floors[band])) for band in AmountBand.values),
                  key=lambda item: item[1], reverse=True)


def amount_band(amount: Decimal | None) -> str | None:
    """The band an amount of yuan falls in, None below the lowest."""
    if amount is None:
        return None
    return next((band for band, floor in band_floors() if amount >= floor), None)


def band_label(band: str | None) -> str:
    return str(AmountBand(band).label) if band else ""


class LeftOutReason(models.TextChoices):
    STOPLIST = LEFT_OUT_STOPLIST, _("On the stoplist")
    DEGREE = LEFT_OUT_DEGREE, _("Too common")


class Ring(models.Model):
    """Cases joined by shared identifiers (串并案), with their statistics as the last link
    left them. ``ring_id`` is the smallest reference among the cases: unchanged while the
    membership is, and whenever the ring grows by cases recorded after it."""

    ring_id = models.CharField(_("ring"), max_length=20, unique=True)
    rank = models.PositiveIntegerField(_("rank"))
    case_count = models.PositiveIntegerField(_("cases"))
    victim_count = models.PositiveIntegerField(_("victims"))
    total_loss = models.DecimalField(_("total loss (yuan)"), max_digits=16, decimal_places=2)
    town_count = models.PositiveIntegerField(_("towns"))
    identifier_count = models.PositiveIntegerField(_("identifiers"))
    first_date = models.DateField(_("first reported"), null=True, blank=True)
    last_date = models.DateField(_("last reported"), null=True, blank=True)
    is_major = models.BooleanField(_("major case"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["rank", "id"]
        indexes = [models.Index(fields=["rank", "id"], name="fraud_ring_rank")]
        verbose_name = _("ring")
        verbose_name_plural = _("rings")

    def __str__(self) -> str:
        return self.ring_id

    @property
    def band(self) -> str | None:
        return amount_band(self.total_loss)

    @property
    def band_label(self) -> str:
        return band_label(self.band)


# The one list of what a case is recorded with, and of a victim and an identifier in it: the
# web forms and the API's bodies take their fields from here, with the model's labels and
# limits. A new field is one edit here, plus its migration. The unit and the scam type (the
# ``category`` column, from the deployment's list) are not plain columns: the form and the
# API add them, as they add an identifier's kind (which also takes analysts' names for it).
CASE_FIELDS = ("reported_on", "occurred_on", "loss", "recovered", "title", "description")
VICTIM_FIELDS = ("name", "id_number", "phone", "age")
# Typed by a clerk, normalised by the service: longer than their columns (core.schemas).
VICTIM_AS_TYPED = ("id_number", "phone")
IDENTIFIER_FIELDS = {"value": "raw"}  # the value as entered; the service normalises it


class FraudCase(Case):
    """A reported fraud. ``category`` holds the scam type; ``opened_at`` is when the case was
    recorded here, ``reported_on`` when the victim reported it (the ring's dates)."""

    KIND = KIND

    reported_on = models.DateField(_("reported on"))
    occurred_on = models.DateField(_("occurred on"), null=True, blank=True)
    loss = models.DecimalField(_("loss (yuan)"), max_digits=14, decimal_places=2)
    recovered = models.DecimalField(_("recovered (yuan)"), max_digits=14, decimal_places=2,
                                    default=Decimal(0))
    # The number of Victim rows, kept by the services: the ring linking streams it per case.
    victim_count = models.PositiveSmallIntegerField(_("victims"), default=1, editable=False)
    ring = models.ForeignKey(Ring, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="cases", verbose_name=_("ring"))

    class Meta:
        verbose_name = _("fraud case")
        verbose_name_plural = _("fraud cases")
        indexes = [
            models.Index(fields=["reported_on"], name="fraud_case_reported"),
            models.Index(fields=["loss"], name="fraud_case_loss"),
        ]

    @property
    def scam_type(self) -> str:
        return self.category

    @property
    def scam_type_label(self) -> str:
        return scam_type_label(self.category)

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label) if self.status in Status.values else self.status

    @property
    def band(self) -> str | None:
        return amount_band(self.loss)

    @property
    def band_label(self) -> str:
        return band_label(self.band)


class Victim(models.Model):
    """A person who lost money in a case. Personal data: shown masked (like a petitioner)
    except to the roles ``selectors.may_view_victims`` names."""

    case = models.ForeignKey(FraudCase, on_delete=models.PROTECT, related_name="victims",
                             verbose_name=_("fraud case"))
    name = models.CharField(_("name"), max_length=60)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)

    class Meta:
        ordering = ["case_id", "id"]
        verbose_name = _("victim")
        verbose_name_plural = _("victims")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.pk}"


class Identifier(models.Model):
    """A phone number, account, URL… in normal form, once however many cases show it."""

    kind = models.CharField(_("kind"), max_length=20, choices=list(KIND_LABELS.items()))
    value = models.CharField(_("value"), max_length=200)
    registrable_domain = models.CharField(_("registrable domain"), max_length=253, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    # The engine's view of it, kept by the services: how many cases show it, and whether it
    # is left out of linking (on the stoplist, or shown by too many cases).
    case_count = models.PositiveIntegerField(_("cases"), default=0)
    left_out = models.CharField(_("left out"), max_length=10, blank=True, choices=LeftOutReason.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="fraud_identifier_unique")]
        indexes = [models.Index(fields=["registrable_domain"], name="fraud_identifier_domain")]
        verbose_name = _("identifier")
        verbose_name_plural = _("identifiers")

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


class CaseIdentifier(models.Model):
    case = models.ForeignKey(FraudCase, on_delete=models.PROTECT, related_name="identifier_links",
                             verbose_name=_("fraud case"))
    identifier = models.ForeignKey(Identifier, on_delete=models.PROTECT, related_name="case_links",
                                   verbose_name=_("identifier"))
    raw = models.CharField(_("as entered"), max_length=200)
    added_at = models.DateTimeField(_("added"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", verbose_name=_("added by"))

    class Meta:
        ordering = ["case_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "identifier"], name="fraud_case_identifier_unique"),
        ]
        verbose_name = _("case identifier")
        verbose_name_plural = _("case identifiers")

    def __str__(self) -> str:
        return f"{self.case_id} · {self.identifier_id}"


class LinkingState(models.Model):
    """One row: the lock every ring write takes, and what the last full recompute did.
    ``version`` grows with every ring write, so a recompute that read the cases before a
    write landed knows to read them again."""

    version = models.PositiveBigIntegerField(_("version"), default=0)
    recomputed_at = models.DateTimeField(_("last full recompute"), null=True, blank=True)
    recompute_seconds = models.FloatField(_("last recompute (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("linking state")
        verbose_name_plural = _("linking state")

    def __str__(self) -> str:
        return f"v{self.version}"
