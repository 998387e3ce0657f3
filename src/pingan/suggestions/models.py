"""Deputies' suggestions (人大代表建议) and members' proposals (政协委员提案): registered per
session, assigned to a lead handling unit and co-handlers, answered on a statutory clock,
and rated by the proposer.

A suggestion is a Case (kind ``suggestion``): once assigned, it is filed at its lead handling
unit, the case's ``unit`` (a department that leads is its ``department`` too; a town that
leads a matter of its own place has none); its
``due_at`` is the term running now — the reply (3 months after assignment, 6 with the
assigning office's approval), the re-handling after a dissatisfied rating (1 month), or the
promise a class B or C reply made — so an overdue one escalates through the same sweep,
rules and audit trail as an overdue hazard. The terms are ``PINGAN_SUGGESTION_TERMS``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pingan.core.models import Case, Domain, Unit

KIND = "suggestion"
REF_PREFIX = "JY"
DOMAIN = Domain.SUGGESTIONS
# The longest text (内容) an item holds: a suggestion or proposal runs to a page or two (1,000–
# 3,000 characters); 20,000 is ten such pages. A megabyte pasted or imported is a mistake.
TEXT_MAX_CHARS = 20_000
MSG_TEXT_TOO_LONG = _("The text is longer than {limit} characters: a suggestion or proposal is far shorter.")


class Channel(models.TextChoices):
    """Which body the item comes from."""

    CONGRESS = "congress", _("Deputy's suggestion (人大代表建议)")
    CONFERENCE = "conference", _("Member's proposal (政协委员提案)")


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ASSIGNED = "assigned", _("Assigned")
    # The lead sent the assignment back within the return window; the office re-assigns.
    RETURNED = "returned", _("Returned for re-assignment")
    REPLIED = "replied", _("Replied, awaiting rating")
    # Rated 不满意 after the first reply: handled again, within the re-handling term.
    REHANDLING = "rehandling", _("Being re-handled")
    # Rated, with a class B or C promise still to keep by its promised date.
    PROMISE = "promise", _("Keeping a promise")
    # 办结: answered and rated, any promise kept (销号, "closed", is the hazards' word).
    CLOSED = "closed", pgettext_lazy("suggestion status", "Concluded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Category(models.TextChoices):
    """What the item is about (the session's own groupings, after the source document's)."""

    ECONOMY = "economy", _("Economic development")
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs")
    TRANSPORT = "transport", _("Transport and roads")
    URBAN = "urban", _("Urban construction and management")
    EDUCATION_CULTURE = "education_culture", _("Education, culture and sport")
    HEALTH = "health", _("Health and social welfare")
    ENVIRONMENT = "environment", _("Environment")
    PUBLIC_SAFETY = "public_safety", _("Public safety")
    GOVERNANCE = "governance", _("Government and governance")
    OTHER = "other", _("Other")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASICALLY = "basically", _("Basically satisfied (基本满意)")
    DISSATISFIED = "dissatisfied", _("Dissatisfied (不满意)")


class ContactWay(models.TextChoices):
    # Not a petitioner's visit to the office (来访): the handler goes to the proposer (走访).
    VISIT = "visit", pgettext_lazy("contact with a proposer", "Visit")
    PHONE = "phone", _("Phone")
    MEETING = "meeting", _("Meeting (座谈)")
    OTHER = "other", _("Other")


class Session(models.Model):
    """A session of a people's congress or a political consultative conference (市八届人大
    一次会议): the items brought to it are numbered within it."""

    name = models.CharField(_("session"), max_length=100, unique=True,
                            help_text=_("For example 市八届人大一次会议."))
    channel = models.CharField(_("body"), max_length=20, choices=Channel.choices)
    opened_on = models.DateField(_("opened on"))

    class Meta:
        ordering = ["-opened_on", "name"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return self.name


class Suggestion(Case):
    KIND = KIND

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="suggestions",
                                verbose_name=_("session"))
    number = models.CharField(_("number"), max_length=20, help_text=_("Its number in the session, e.g. 12."))
    proposers = models.CharField(_("proposers"), max_length=200,
                                 help_text=_("The deputy or member who brought it, and any co-signers."))
    delegation = models.CharField(_("delegation"), max_length=100, blank=True,
                                  help_text=_("For example 柯城代表团 or 市政协柯城委员小组."))
    is_key = models.BooleanField(_("key suggestion (重点建议)"), default=False)
    supervising_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("supervising leader"))
    co_handlers = models.ManyToManyField(Unit, through="CoHandling", blank=True, related_name="+",
                                         verbose_name=_("co-handling units"))

    # The assignment in force: every term counts from it, again after a re-assignment.
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    assignments = models.PositiveSmallIntegerField(_("assignments"), default=0)
    return_due = models.DateField(_("may be returned until"), null=True, blank=True)
    reply_due = models.DateField(_("reply due"), null=True, blank=True)
    extension_requested_at = models.DateTimeField(_("extension requested"), null=True, blank=True)

    # The (latest) reply.
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    # Whether the first reply came by its due date: what the on-time rate counts.
    first_reply_on_time = models.BooleanField(_("first reply on time"), null=True, blank=True)
    result_class = models.CharField(_("result class"), max_length=2, blank=True)
    promise_due = models.DateField(_("promised by"), null=True, blank=True)
    promise_kept_at = models.DateTimeField(_("promise kept"), null=True, blank=True)

    satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Satisfaction.choices,
                                    blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    rehandle_due = models.DateField(_("re-handling due"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion or proposal")
        verbose_name_plural = _("suggestions and proposals")
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="suggestion_number_unique"),
        ]

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


# The one list of what an item is registered with, by the names the API's body, the register
# form and the session import give them (the text in full as ``text``), with the model's labels
# and limits. The session and the supervising leader are not plain columns: each adds them.
REGISTER_FIELDS = {
    "number": "number",
    "title": "title",
    "proposers": "proposers",
    "delegation": "delegation",
    "text": "description",
    "category": "category",
    "is_key": "is_key",
}


class CoHandling(models.Model):
    """A co-handling unit (协办单位) of a suggestion, and the opinion it owes the lead."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.PROTECT, related_name="co_handlings",
                                   verbose_name=_("suggestion"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    opinion_due = models.DateField(_("opinion due"))
    opinion = models.TextField(_("opinion"), blank=True)
    opinion_at = models.DateTimeField(_("opinion sent"), null=True, blank=True)
    opinion_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("sent by"))

    class Meta:
        ordering = ["suggestion", "id"]
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "unit"], name="co_handling_unique"),
        ]
        verbose_name = _("co-handling unit")
        verbose_name_plural = _("co-handling units")

    def __str__(self) -> str:
        return f"{self.suggestion_id} · {self.unit_id}"


class Contact(models.Model):
    """The lead's contact with the proposer (沟通联系), required before a reply."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.PROTECT, related_name="contacts",
                                   verbose_name=_("suggestion"))
    contacted_on = models.DateField(_("date"))
    way = models.CharField(_("way"), max_length=10, choices=ContactWay.choices)
    note = models.TextField(_("what was said"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["suggestion", "contacted_on", "id"]
        verbose_name = _("contact with the proposer")
        verbose_name_plural = _("contacts with the proposer")

    def __str__(self) -> str:
        return f"{self.contacted_on} {self.way}"


class Return(models.Model):
    """A unit's return of a wrong assignment (退回), with its reason: each unit returns a
    suggestion at most once."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.PROTECT, related_name="returns",
                                   verbose_name=_("suggestion"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    reason = models.TextField(_("reason"))
    returned_at = models.DateTimeField(_("returned"))
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("returned by"))

    class Meta:
        ordering = ["suggestion", "returned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "unit"], name="suggestion_return_once"),
        ]
        verbose_name = _("returned assignment")
        verbose_name_plural = _("returned assignments")

    def __str__(self) -> str:
        return f"{self.suggestion_id} · {self.unit_id}"
