"""Petitions (信访): letters, visits, calls and online complaints to government, each on a
statutory clock — acceptance, resolution, one extension, review and re-examination.

The terms come from a profile (national or Zhejiang) whose numbers the district admin edits
as ``PetitionRuleSet`` rows; ``settings.PINGAN_PETITION_PROFILES`` holds their defaults.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pingan.core.models import Case, DayType, Unit

KIND = "petition"
REF_PREFIX = "XF"


class Profile(models.TextChoices):
    NATIONAL = "national", _("National (Regulations on Petition Work, 2022)")
    ZHEJIANG = "zhejiang", _("Zhejiang (Zhejiang Provincial Petition Regulations)")


class Rule(models.TextChoices):
    ROUTE = "route", _("Route the matter")
    ACCEPTANCE = "acceptance", _("Decide on acceptance and notify")
    OBJECTION = "objection", _("Object to a wrong assignment")
    RESOLUTION = "resolution", _("Resolve (complaints and demands)")
    SUGGESTION_REPLY = "suggestion_reply", _("Reply to a suggestion")
    REVIEW_WINDOW = "review_window", _("Request a review (复查)")
    REVIEW_DECISION = "review_decision", _("Decide a review")
    REEXAM_WINDOW = "reexam_window", _("Request a re-examination (复核)")
    REEXAM_DECISION = "reexam_decision", _("Decide a re-examination")


class Channel(models.TextChoices):
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone call")
    RECEPTION_DAY = "reception_day", _("Leader's reception day")


class PetitionType(models.TextChoices):
    """The 2022 regulations' three types (art. 31)."""

    SUGGESTION = "suggestion", _("Suggestion or opinion")
    ACCUSATION = "accusation", _("Report or accusation")
    COMPLAINT = "complaint", _("Complaint or demand")


class Category(models.TextChoices):
    """What the matter is about (after the national petition content classes)."""

    URBAN_RURAL_CONSTRUCTION = "urban_rural", _("Urban and rural construction")
    LAND_RESOURCES = "land", _("Land and natural resources")
    LABOUR = "labour", _("Labour and social security")
    RURAL = "rural", _("Rural affairs and agriculture")
    ENVIRONMENT = "environment", _("Environment")
    LAW = "law", _("Law enforcement and litigation")
    HEALTH = "health", _("Health")
    EDUCATION = "education", _("Education")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    DISCIPLINE = "discipline", _("Discipline inspection")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received, awaiting acceptance")
    RETURNED = "returned", _("Returned to the routing unit")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    ACCEPTED = "accepted", _("Accepted")
    HANDLING = "handling", _("Being handled")
    REPLIED = "replied", _("Replied")
    RATED = "rated", _("Satisfaction recorded")
    # 已办结: "closed" is 销号 for a hazard, never for a petition.
    CLOSED = "closed", pgettext_lazy("petition", "Closed")
    UNDER_REVIEW = "under_review", _("Under review (复查)")
    REVIEWED = "reviewed", _("Review decided")
    UNDER_REEXAM = "under_reexam", _("Under re-examination (复核)")
    CONCLUDED = "concluded", _("Concluded by re-examination")


class Outcome(models.TextChoices):
    """Art. 32: what the reply decides."""

    SUPPORTED = "supported", _("Supported")
    EXPLAINED = "explained", _("Explained")
    NOT_SUPPORTED = "not_supported", _("Not supported")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    PARTLY = "partly", _("Partly satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")


class SatisfactionChannel(models.TextChoices):
    """How the petitioner's answer (回访) reached the platform. Never the replying handler's
    word: the petition bureau asks the petitioner, or the petitioner answers on the public
    page with the code printed on the reply notice."""

    PHONE = "phone", _("Call-back by phone")
    VISIT = "visit", _("Call-back in person")
    TEXT = "text", _("Text message")
    PUBLIC_PAGE = "public_page", _("The petitioner, on the public page with the reply notice's code")
    LEDGER = "ledger", _("As recorded in an imported ledger")


# The channels the petition bureau records a call-back by; the others are set by their path.
CALLBACK_CHANNELS = (SatisfactionChannel.PHONE, SatisfactionChannel.VISIT, SatisfactionChannel.TEXT)


class NotAcceptedReason(models.TextChoices):
    LEGAL_PROCEDURE = "legal_procedure", _(
        "To be settled by litigation, arbitration or another legal procedure"
    )
    OUTSIDE_AUTHORITY = "outside_authority", _("Outside this body's authority")
    IN_PROGRESS = "in_progress", _("Already accepted and being handled")
    CONCLUDED = "concluded", _("Concluded by re-examination on the same facts and reasons")
    OTHER = "other", _("Other (explained in the note)")


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    CHANGED = "changed", _("Revoked or changed")


class PetitionRuleSet(models.Model):
    """One profile's terms, as the district admin keeps them."""

    profile = models.CharField(_("profile"), max_length=20, choices=Profile.choices, unique=True)
    extension_max_days = models.PositiveSmallIntegerField(
        _("longest extension (days)"),
        help_text=_("One extension, approved by the unit head, counted like the resolution term."),
    )
    extension_cap_days = models.PositiveSmallIntegerField(
        _("resolution and extension together at most (days)"), null=True, blank=True,
        help_text=_("Counted from acceptance. Empty: no cap beyond the two terms."),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["profile"]
        verbose_name = _("petition rule set")
        verbose_name_plural = _("petition rule sets")

    def __str__(self) -> str:
        return str(self.get_profile_display())


class ProfileBasis(models.TextChoices):
    """Why a profile came into force."""

    SETTING = "setting", _("Set up from PINGAN_PETITION_PROFILE")
    DIVISION_CODE = "division_code", _("Set up from the district's division code")
    SWITCH = "switch", _("Switched by the district admin")


class ProfileInForce(models.Model):
    """From ``since`` on, the district registers petitions under ``profile``.

    The latest row is the profile in force; the earlier ones are the record of every switch
    (who, when, from what, to what, why). Rows are only added, never changed: the first at
    set-up, the others by a switch (both in ``petitions.profiles``).
    ``seq`` is unique, so of two switches made at once from the same profile only one lands.
    """

    seq = models.PositiveIntegerField(_("number"), unique=True)
    profile = models.CharField(_("profile"), max_length=20, choices=Profile.choices)
    previous = models.CharField(_("previous profile"), max_length=20, blank=True, choices=Profile.choices)
    since = models.DateTimeField(_("in force since"))
    basis = models.CharField(_("basis"), max_length=20, choices=ProfileBasis.choices)
    switched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("switched by"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("petition profile in force")
        verbose_name_plural = _("petition profiles in force")

    def __str__(self) -> str:
        return f"{self.get_profile_display()} · {self.since:%Y-%m-%d}"


class PetitionRule(models.Model):
    ruleset = models.ForeignKey(PetitionRuleSet, on_delete=models.CASCADE, related_name="rules",
                                verbose_name=_("rule set"))
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    days = models.PositiveSmallIntegerField(_("days"))
    day_type = models.CharField(_("counted in"), max_length=10, choices=DayType.choices)
    source = models.CharField(
        _("source"), max_length=120, blank=True,
        help_text=_("The article that sets the term, as 《信访工作条例》第三十四条; "
                    "empty for local practice."),
    )

    class Meta:
        ordering = ["ruleset", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ruleset", "rule"], name="petition_rule_unique"),
            models.CheckConstraint(condition=Q(days__gt=0), name="petition_rule_positive"),
        ]
        verbose_name = _("petition rule")
        verbose_name_plural = _("petition rules")

    def __str__(self) -> str:
        return f"{self.ruleset} · {self.get_rule_display()}: {self.days}"


# The one list of what a petition is registered with: the registration form, the API's body
# and a reception's visitor (registered as a petition) take their fields from here, by the
# names they give them (the petitioner's details without the prefix, the matter in full as
# ``matter``), with the model's labels and limits. A new field is one edit here, plus its
# migration. The unit, the category (optional, by the type's rule) and the time received are
# not plain columns: the form and the API add them.
MATTER_FIELDS = {
    "petition_type": "petition_type",
    "title": "title",
    "matter": "description",
    "petitioner_name": "petitioner_name",
    "id_number": "petitioner_id_number",
    "phone": "petitioner_phone",
    "address": "petitioner_address",
}
REGISTER_FIELDS = {"channel": "channel", **MATTER_FIELDS}
# Typed by a clerk, normalised by the service: longer than their columns (core.schemas).
AS_TYPED = ("id_number", "phone")


class Petition(Case):
    """A petition is a case of kind "petition": ``title`` is the matter in a line,
    ``description`` the matter in full, ``opened_at`` the moment it was received."""

    KIND = KIND

    profile = models.CharField(_("profile"), max_length=20, choices=Profile.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    petition_type = models.CharField(_("type"), max_length=20, choices=PetitionType.choices)
    # Personal data: shown masked unless the reader may see it in full (selectors.masking).
    petitioner_name = models.CharField(_("petitioner"), max_length=60, blank=True)
    petitioner_id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    petitioner_phone = models.CharField(_("phone"), max_length=20, blank=True)
    petitioner_address = models.CharField(_("address"), max_length=200, blank=True)
    routing_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("routing unit"),
        help_text=_("The unit that registered and routed the matter; a wrong assignment goes back to it."),
    )
    handling_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("handling unit"),
    )
    assigned_at = models.DateTimeField(_("assigned"))
    acceptance_due_at = models.DateTimeField(_("acceptance due"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    not_accepted_reason = models.CharField(
        _("reason not accepted"), max_length=20, blank=True, choices=NotAcceptedReason.choices
    )
    new_facts = models.TextField(
        _("new facts or reasons"), blank=True,
        help_text=_("Why a matter already concluded by re-examination was accepted again."),
    )
    objection_until = models.DateField(_("assignment may be objected to until"))
    objected_at = models.DateTimeField(_("assignment objected to"), null=True, blank=True)
    # The terms granted at acceptance and at extension, so a later change of the rules
    # moves no running clock.
    resolution_days = models.PositiveSmallIntegerField(_("resolution term (days)"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("extension (days)"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True, choices=Outcome.choices)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, blank=True, choices=Satisfaction.choices
    )
    rated_at = models.DateTimeField(_("satisfaction recorded"), null=True, blank=True)
    satisfaction_channel = models.CharField(
        _("satisfaction asked by"), max_length=20, blank=True, choices=SatisfactionChannel.choices
    )
    satisfaction_asked_on = models.DateField(_("satisfaction asked on"), null=True, blank=True)
    review_window_until = models.DateField(_("review may be requested until"), null=True, blank=True)
    review_requested_on = models.DateField(_("review requested on"), null=True, blank=True)
    review_due_at = models.DateTimeField(_("review decision due"), null=True, blank=True)
    review_outcome = models.CharField(
        _("review decision"), max_length=20, blank=True, choices=ReviewOutcome.choices
    )
    review_decided_at = models.DateTimeField(_("review decided"), null=True, blank=True)
    reexam_window_until = models.DateField(
        _("re-examination may be requested until"), null=True, blank=True
    )
    reexam_requested_on = models.DateField(_("re-examination requested on"), null=True, blank=True)
    reexam_due_at = models.DateTimeField(_("re-examination decision due"), null=True, blank=True)
    reexam_outcome = models.CharField(
        _("re-examination decision"), max_length=20, blank=True, choices=ReviewOutcome.choices
    )
    reexam_decided_at = models.DateTimeField(_("re-examination decided"), null=True, blank=True)
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="repeats",
        verbose_name=_("same matter as"),
    )
    # Earlier petitions (their ids) a handler said are *not* the same matter: the repeat
    # candidates are computed on read, so what is stored is what must not be proposed again.
    repeat_dismissed = models.JSONField(_("not the same matter as"), default=list, blank=True)
    # 积案: a petition past its deadline, with the leader who answers for clearing it.
    backlog_leader = models.CharField(_("responsible leader"), max_length=60, blank=True)
    backlog_target_date = models.DateField(_("to be cleared by"), null=True, blank=True)

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        # Repeat candidates are looked up by the petitioner's identity first.
        indexes = [
            models.Index(fields=["petitioner_id_number"], name="petition_id_number_idx"),
            models.Index(fields=["petitioner_phone"], name="petition_phone_idx"),
        ]

    @property
    def received_at(self):
        return self.opened_at


class SatisfactionCode(models.Model):
    """The one-time code printed on a reply notice, with which the petitioner answers on the
    public page. Only a keyed digest of (reference, code) is stored: the code itself exists
    on the paper the petitioner holds. A new notice replaces the codes not yet used."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="satisfaction_codes",
                                 verbose_name=_("petition"))
    digest = models.CharField(_("code digest"), max_length=64, unique=True)
    issued_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        ordering = ["petition", "-issued_at"]
        verbose_name = _("satisfaction code")
        verbose_name_plural = _("satisfaction codes")

    def __str__(self) -> str:
        return f"{self.petition_id} · {self.issued_at:%Y-%m-%d}"


class SatisfactionAttempt(models.Model):
    """A wrong reference or code entered on the public satisfaction page. Counted per
    reference and per client to lock out guessing; the client is kept as a keyed digest of
    its address, not the address."""

    reference = models.CharField(_("reference"), max_length=40)
    client = models.CharField(_("client digest"), max_length=64)
    at = models.DateTimeField(_("when"))

    class Meta:
        indexes = [
            models.Index(fields=["reference", "at"], name="satisf_attempt_ref_idx"),
            models.Index(fields=["client", "at"], name="satisf_attempt_client_idx"),
        ]
        verbose_name = _("failed satisfaction attempt")
        verbose_name_plural = _("failed satisfaction attempts")

    def __str__(self) -> str:
        return f"{self.reference} · {self.at:%Y-%m-%d %H:%M}"
