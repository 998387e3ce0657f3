"""Supervision (督查督办): meetings and their decisions, supervised tasks with dated
milestones, and circulars (通报) that name the good and the late.

A supervised task is a Case (kind ``task``): the lead department is the case's
``department``, the unit it is for its ``unit``; its ``due_at`` is the due date of its next
open milestone (its own deadline once none is left open), so an overdue milestone escalates
through the same sweep, rules and audit trail as an overdue hazard.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.models import Case, Domain, Unit

KIND = "task"
REF_PREFIX = "DB"
DOMAIN = Domain.SUPERVISION


class Status(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting verification")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Origin(models.TextChoices):
    INDICATOR = "indicator", _("A weak indicator of the league table")
    DECISION = "decision", _("A meeting's decision")
    CIRCULAR = "circular", _("A circular")
    DRILL = "drill", _("A drill")
    OTHER = "other", _("Other")


class Category(models.TextChoices):
    CATCH_UP = "catch_up", _("Catch-up (争先创优)")
    WORK_SAFETY = "work_safety", _("Work safety")
    PUBLIC_ORDER = "public_order", _("Public order")
    PETITIONS = "petitions", _("Petitions")
    FRAUD = "fraud", _("Telecom fraud")
    OTHER = "other", _("Other")


class SupervisedTask(Case):
    KIND = KIND

    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("responsible leader"))
    co_handlers = models.ManyToManyField(Unit, blank=True, related_name="+",
                                         verbose_name=_("co-handling units"))
    goal = models.TextField(_("goal"), blank=True,
                            help_text=_("What done looks like: a target value, a rank, a count to reach."))
    origin = models.CharField(_("comes from"), max_length=20, choices=Origin.choices, default=Origin.OTHER)
    # Where it came from, as a person reads it ("2026Q1 城市表 · 刑事案件发案率") and as a link.
    origin_label = models.CharField(_("source"), max_length=200, blank=True)
    origin_link = models.CharField(_("source link"), max_length=200, blank=True)
    # One task per origin (an indicator of a member in a period, a decision…): a second click
    # opens the first task instead of making another.
    origin_key = models.CharField(_("source key"), max_length=120, null=True, blank=True, unique=True)
    decision = models.ForeignKey("Decision", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="tasks", verbose_name=_("decision"))
    circular = models.ForeignKey("Circular", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="tasks", verbose_name=_("circular"))
    # The task's own deadline (时间节点), the last milestone's at the latest.
    deadline = models.DateField(_("deadline"))
    completion_note = models.TextField(_("completion evidence"), blank=True)
    # When the completion was reported: a task is done late when this falls after its deadline.
    completed_at = models.DateTimeField(_("completion reported"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("completed by"))
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("verified by"))
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervised task")
        verbose_name_plural = _("supervised tasks")

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


class Milestone(models.Model):
    """A dated step of a task (时间节点)."""

    task = models.ForeignKey(SupervisedTask, on_delete=models.PROTECT, related_name="milestones",
                             verbose_name=_("task"))
    title = models.CharField(_("milestone"), max_length=200)
    due_date = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("done by"))
    note = models.TextField(_("what was done"), blank=True)

    class Meta:
        ordering = ["task", "due_date", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return f"{self.due_date} {self.title}"


class Meeting(models.Model):
    """A meeting's record: who held it, who came, what it decided."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("convening unit"))
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    chair = models.CharField(_("chair"), max_length=100)
    attendees = models.TextField(_("attendees"), blank=True)
    # The report as pasted or uploaded: the decisions were proposed from its numbered orders.
    report = models.TextField(_("meeting report"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class DecisionState(models.TextChoices):
    # Read from the report by the rules; a person confirms, edits or drops it.
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DROPPED = "dropped", _("Dropped")


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions",
                                verbose_name=_("meeting"))
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("decision"))
    domain = models.CharField(_("domain"), max_length=20, choices=Domain.choices, blank=True)
    owner = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("lead unit"))
    # Every unit the decision names, the lead unit first: confirming it gives each one a task.
    owners = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("units responsible"))
    due_date = models.DateField(_("deadline"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=DecisionState.choices,
                             default=DecisionState.PROPOSED)

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="decision_number_unique")]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.meeting} #{self.number}"


class CircularKind(models.TextChoices):
    RANKING = "ranking", _("League table and late work")
    FAILURE_OF_DUTY = "failure_of_duty", _("Failure of duty")


def circular_path(circular: Circular, filename: str) -> str:
    return f"circulars/{circular.pk or 'new'}/{filename}"


class Circular(models.Model):
    """A circular (通报): drafted, then published, once; visible to the district's office and
    to the units it names."""

    kind = models.CharField(_("kind"), max_length=20, choices=CircularKind.choices)
    issuer = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by"))
    number = models.CharField(_("document number"), max_length=60, blank=True,
                              help_text=_("For example 柯平安办〔2026〕12号."))
    title = models.CharField(_("title"), max_length=200)
    period = models.CharField(_("period"), max_length=7, blank=True)
    body = models.TextField(_("text"), blank=True)
    # What it says, frozen when published: the ranked units, flags, late tasks and overdue
    # items by unit, so a later recomputation does not change a published circular.
    content = models.JSONField(_("content"), default=dict, blank=True)
    named_units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name=_("units named"))
    docx = models.FileField(_("Word document"), upload_to=circular_path, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=circular_path, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("drafted by"))
    created_at = models.DateTimeField(_("drafted"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("published by"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("circular")
        verbose_name_plural = _("circulars")

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
