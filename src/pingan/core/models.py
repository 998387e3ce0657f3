"""The core ledger: units, roles, cases, their events, attachments, deadlines, inbox.

Every tracked thing (a hazard, a petition, a fraud case…) is a ``Case``; each kind adds
its own fields in a child table. Dashboards count across kinds on ``Case`` alone.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q, Transform
from django.utils.translation import gettext_lazy as _

from pingan.core.scoping import CaseQuerySet


class UnitKind(models.TextChoices):
    DISTRICT = "district", _("District")
    TOWN = "town", _("Town")
    TOWNSHIP = "township", _("Township")
    SUBDISTRICT = "subdistrict", _("Sub-district")
    VILLAGE = "village", _("Village")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid cell")
    MICRO_GRID = "micro_grid", _("Micro-grid")
    DEPARTMENT = "department", _("Department")


# How deep each territorial kind sits; escalation climbs these levels.
UNIT_LEVEL = {
    UnitKind.DISTRICT: 1,
    UnitKind.TOWN: 2,
    UnitKind.TOWNSHIP: 2,
    UnitKind.SUBDISTRICT: 2,
    UnitKind.VILLAGE: 3,
    UnitKind.COMMUNITY: 3,
    UnitKind.GRID: 4,
    UnitKind.MICRO_GRID: 5,
    UnitKind.DEPARTMENT: 1,
}
TOWN_LEVEL = 2
# The cells below a village: a grid (网格) and the micro-grids (微网格) it is split into.
# Overviews stop above them; their cases are listed, not broken down further.
GRID_KINDS = (UnitKind.GRID, UnitKind.MICRO_GRID)


def subtree_bounds(prefix: str) -> tuple[str, str]:
    """The half-open string range holding every code that starts with ``prefix``.

    A range (not LIKE) so that both SQLite and PostgreSQL walk the plain index.
    """
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


# A town's subtree prefix is nine digits (a district's six): ranges this broad hold a
# large share of a district's cases.
BROAD_PREFIX_LENGTH = 9


class Unindexed(Transform):
    """``field__unindexed``: on SQLite, ``+column``, which keeps the planner from using an
    index on the column; elsewhere the plain column."""

    lookup_name = "unindexed"

    def as_sql(self, compiler, connection):
        return compiler.compile(self.lhs)

    def as_sqlite(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        return f"+{sql}", params


models.CharField.register_lookup(Unindexed)


def subtree_q(prefix: str, field: str = "prefix") -> Q:
    """Everything in the subtree of ``prefix``, as a range on ``field``.

    A district- or town-wide range matches a large share of the rows. SQLite's planner has
    no histogram to know that, takes the subtree index and sorts the whole subtree before
    the first page; measured at a million hazards, a district admin's list took 2.4 s a
    page that way and 6 ms walking the list's own sort index, which the ``+column`` hint
    makes it do. Villages and grid cells are small enough for the subtree index.
    """
    low, high = subtree_bounds(prefix)
    target = f"{field}__unindexed" if len(prefix) <= BROAD_PREFIX_LENGTH else field
    return Q(**{f"{target}__gte": low, f"{target}__lt": high})


class Unit(models.Model):
    """A node of the organisation tree: the district, its towns, villages, grid cells, and
    the district's departments.

    ``prefix`` is the significant part of the division code (``330802`` for the district,
    ``330802001`` for a town, ``330802001001`` for a village, three more digits for a grid
    cell and three more for a micro-grid): every unit below starts with it, so a subtree is
    one range query.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    prefix = models.CharField(_("subtree prefix"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("parent unit")
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    is_illustrative_code = models.BooleanField(
        _("illustrative code"),
        default=False,
        help_text=_("The code was made up for the demo and is not an official division code."),
    )

    class Meta:
        ordering = ["prefix"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> int:
        return UNIT_LEVEL[UnitKind(self.kind)]

    @property
    def is_department(self) -> bool:
        return self.kind == UnitKind.DEPARTMENT

    @property
    def is_grid(self) -> bool:
        return self.kind == UnitKind.GRID

    def subtree_q(self, field: str = "prefix") -> Q:
        return subtree_q(self.prefix, field)

    def ancestors(self) -> list[Unit]:
        """From the parent up to the root; a few rows, so walked in Python."""
        chain: list[Unit] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def contains(self, other: Unit) -> bool:
        return other.prefix.startswith(self.prefix)


class Responsibility(models.Model):
    """A department handles one category of one kind of case anywhere in the district
    (the "lines" of 条抓块统)."""

    department = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        related_name="responsibilities",
        limit_choices_to={"kind": UnitKind.DEPARTMENT},
        verbose_name=_("department"),
    )
    case_kind = models.CharField(_("case kind"), max_length=20)
    category = models.CharField(_("category"), max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["department", "case_kind", "category"], name="responsibility_unique"
            )
        ]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")

    def __str__(self) -> str:
        return f"{self.department} · {self.case_kind}/{self.category}"


# --- Domains: which part of the work a role is for (issue 10 §7) ---------------------------


class Domain(models.TextChoices):
    """The district's domains of work; each kind of case belongs to one
    (``settings.PINGAN_CASE_DOMAINS``)."""

    HAZARDS = "hazards", _("Hazards and work safety")
    PETITIONS = "petitions", _("Petitions")
    FRAUD = "fraud", _("Telecom fraud")
    # The league table and the tasks, meetings and circulars of supervision (督查考核).
    SUPERVISION = "supervision", _("Supervision and assessment")
    # Deputies' suggestions and members' proposals (建议提案), handled for the congress and
    # the conference.
    SUGGESTIONS = "suggestions", _("Deputies' suggestions and proposals")


class RoleName(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    HANDLER = "handler", _("Handler")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


ROLE_RANK = {RoleName.VIEWER: 1, RoleName.HANDLER: 2, RoleName.SUPERVISOR: 3, RoleName.ADMIN: 4}


class Role(models.Model):
    """A user's role at a unit: it reaches the unit's subtree, or for a department the
    categories the department handles."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles",
                             verbose_name=_("user"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="roles", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=20, choices=RoleName.choices)
    # Empty for the 平安办 (the district's and the towns' public-safety offices, their
    # villages and grid workers), which coordinate every domain; anyone else works in one.
    domain = models.CharField(
        _("domain"), max_length=20, choices=Domain.choices, blank=True,
        help_text=_("The work this role is for: it reaches only that domain's cases. Empty: "
                    "every domain, for the public-safety office (平安办) and its grid workers."),
    )
    title = models.CharField(_("job title"), max_length=60, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role", "domain"], name="role_unique")
        ]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        domain = f" ({self.get_domain_display()})" if self.domain else ""
        return f"{self.user} · {self.get_role_display()}{domain} @ {self.unit}"

    @property
    def rank(self) -> int:
        return ROLE_RANK[RoleName(self.role)]


# --- Leaders (分管领导) --------------------------------------------------------------------


class Leadership(models.Model):
    """A leader responsible for a domain at a unit (分管领导): the deputy town head for work
    safety, the deputy district head for petitions. Every domain that names a responsible
    leader (a major hazard's, later a supervised task's or a suggestion's) picks from these,
    through ``core.people.leaders_for``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="leaderships", verbose_name=_("leader"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="leaderships",
                             verbose_name=_("unit"))
    domain = models.CharField(_("domain"), max_length=20, choices=Domain.choices)
    title = models.CharField(_("post"), max_length=60, help_text=_("For example 副镇长, 副区长."))

    class Meta:
        ordering = ["unit__prefix", "domain", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "domain"], name="leadership_unique")
        ]
        verbose_name = _("leader in charge")
        verbose_name_plural = _("leaders in charge")

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.get_username()
        return f"{self.unit} {self.title} {name}"


class Severity(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    MAJOR = "major", _("Major")


class DueState(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    LONG_OVERDUE = "long_overdue", _("Long overdue")
    CLOSED = "closed", _("Closed")


class Case(models.Model):
    """Anything the district tracks to closure. Kinds extend it by multi-table inheritance."""

    # The value of ``kind`` on a kind's rows, named by its model so that the platform can
    # refuse to start when a kind is placed in no domain (core.checks).
    KIND: ClassVar[str] = ""

    ref = models.CharField(_("reference"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=40)
    severity = models.CharField(
        _("severity"), max_length=20, choices=Severity.choices, default=Severity.ORDINARY
    )
    status = models.CharField(_("status"), max_length=30)
    is_open = models.BooleanField(_("open"), default=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases", verbose_name=_("unit"))
    # Copied from unit.prefix (division codes never change) so a subtree filter on a
    # million cases is one index range with no join.
    unit_prefix = models.CharField(_("unit prefix"), max_length=20, editable=False)
    department = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="handled_cases",
        verbose_name=_("handling department")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
        verbose_name=_("reported by"),
    )
    opened_at = models.DateTimeField(_("opened"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    extended_at = models.DateTimeField(_("extended"), null=True, blank=True)
    extension_reason = models.TextField(_("extension reason"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation steps"), default=0)
    location = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, default="web")
    external_ref = models.CharField(_("external reference"), max_length=60, null=True, blank=True)
    # The due date counted over days of a year with no confirmed holiday schedule: it may
    # move when that year's schedule is imported (``core.holidays``).
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    # What a provisional due date was counted from ({"start", "days", "day_type"}), so the
    # import can count it again; None once the date is final.
    due_basis = models.JSONField(_("due date counted from"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    head_hash = models.CharField(_("latest event hash"), max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "external_ref"], name="case_external_ref_unique"
            )
        ]
        indexes = [
            models.Index(fields=["unit_prefix", "id"], name="case_subtree"),
            models.Index(fields=["kind", "category", "id"], name="case_lines"),
            models.Index(fields=["is_open", "due_at"], name="case_open_due"),
            models.Index(fields=["opened_at"], name="case_opened"),
            # Lists page by cursor on (due_at, id); without it a page of every case sorts them all.
            models.Index(fields=["due_at", "id"], name="case_due"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def is_extended(self) -> bool:
        return self.extended_at is not None

    @property
    def is_major(self) -> bool:
        return self.severity == Severity.MAJOR


class EventType(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    TRANSITION = "transition", _("Status changed")
    EXTENDED = "extended", _("Deadline extended")
    ESCALATED = "escalated", _("Escalated")
    ATTACHED = "attached", _("Attachment added")
    IMPORTED = "imported", _("Imported")
    # The year's holiday schedule was confirmed and the provisional due date counted again.
    RESCHEDULED = "rescheduled", _("Due date recounted on the confirmed holiday schedule")
    # Someone read personal data (a petitioner's, a victim's) in full: the read is the record.
    VIEWED_PERSONAL_DATA = "viewed_personal_data", _("Personal data viewed in full")


class Event(models.Model):
    """One append-only entry of a case's history, chained to the previous one by hash.

    Written only by services (never by signals), so nothing is recorded by accident and
    nothing is missed outside a request. On PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("case"))
    seq = models.PositiveIntegerField(_("number"))
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("by")
    )
    type = models.CharField(_("event type"), max_length=20, choices=EventType.choices)
    transition = models.CharField(_("step"), max_length=40, blank=True)
    from_status = models.CharField(_("status before"), max_length=30, blank=True)
    to_status = models.CharField(_("status after"), max_length=30, blank=True)
    before = models.JSONField(_("values before"), default=dict, blank=True)
    after = models.JSONField(_("values after"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        ordering = ["case_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="event_case_seq")]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.type}"


class AttachmentKind(models.TextChoices):
    BEFORE = "before", _("Before photo")
    AFTER = "after", _("After photo")
    DOCUMENT = "document", _("Document")


def attachment_path(instance: Attachment, filename: str) -> str:
    # Content-addressed: the name cannot collide and says nothing about the uploader.
    return f"cases/{instance.sha256[:2]}/{instance.sha256}.{instance.extension}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments",
                             verbose_name=_("case"))
    event = models.ForeignKey(Event, null=True, on_delete=models.PROTECT, related_name="attachments",
                              verbose_name=_("event"))
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=60)
    extension = models.CharField(_("file extension"), max_length=10)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class DayType(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    WORKING = "working", _("Working days")


class HolidayKind(models.TextChoices):
    DAY_OFF = "day_off", _("Day off")
    MAKE_UP = "make_up", _("Make-up working day")


class HolidaySource(models.TextChoices):
    PACKAGE = "package", _("Holiday package (chinesecalendar)")
    NOTICE = "notice", _("State Council notice, imported")
    ADMIN = "admin", _("Entered by the district admin")
    # Never stored on a day: the statutory days that stand in for an unconfirmed year.
    PROVISIONAL = "provisional", _("Statutory holidays, provisional")


class Festival(models.TextChoices):
    """The holidays of 全国年节及纪念日放假办法, and the one-off day the package knows of."""

    NEW_YEAR = "new_year", _("New Year's Day")
    SPRING_FESTIVAL = "spring_festival", _("Spring Festival")
    QINGMING = "qingming", _("Tomb-sweeping Day")
    LABOUR_DAY = "labour_day", _("Labour Day")
    DRAGON_BOAT = "dragon_boat", _("Dragon Boat Festival")
    MID_AUTUMN = "mid_autumn", _("Mid-autumn Festival")
    NATIONAL_DAY = "national_day", _("National Day")
    ANTI_FASCIST_70TH = "anti_fascist_70th", _("Anti-Fascist 70th Day")


class HolidayYear(models.Model):
    """One year of the State Council holiday schedule. A confirmed year's days are its
    ``HolidayDay`` rows; a year not confirmed (or absent) counts on the statutory holidays,
    provisionally, whatever rows it holds (an admin may prepare them before confirming)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    confirmed = models.BooleanField(
        _("confirmed"), default=False,
        help_text=_("The State Council has published this year's schedule and its days below are it."),
    )
    source = models.CharField(_("source"), max_length=20, choices=HolidaySource.choices,
                              default=HolidaySource.ADMIN)
    basis = models.CharField(_("confirmed by"), max_length=200, blank=True,
                             help_text=_("The notice or file the schedule comes from."))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # When the district admin was told the year is still unconfirmed (once per year).
    unconfirmed_notice_at = models.DateTimeField(_("admin told it is unconfirmed"), null=True, blank=True,
                                                 editable=False)
    # Every change of the year or its days saves this row: other processes see the change.
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday schedule year")
        verbose_name_plural = _("holiday schedule")

    def __str__(self) -> str:
        return str(self.year)


class HolidayDay(models.Model):
    """A day off or a make-up working day of a year's schedule; every other day is a
    working day from Monday to Friday and a rest day on the weekend."""

    year = models.ForeignKey(HolidayYear, on_delete=models.CASCADE, related_name="days",
                             verbose_name=_("year"))
    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=HolidayKind.choices)
    festival = models.CharField(_("holiday"), max_length=20, choices=Festival.choices)
    source = models.CharField(_("source"), max_length=20, choices=HolidaySource.choices,
                              default=HolidaySource.ADMIN)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.CheckConstraint(condition=~Q(source="provisional"), name="holiday_day_not_provisional"),
        ]
        verbose_name = _("holiday schedule day")
        verbose_name_plural = _("holiday schedule days")

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()} ({self.get_festival_display()})"


class DeadlinePolicy(models.Model):
    """How long a kind of case may stay open. The most specific matching row wins; an
    empty category or severity matches any."""

    case_kind = models.CharField(_("case kind"), max_length=20)
    category = models.CharField(_("category"), max_length=40, blank=True)
    severity = models.CharField(_("severity"), max_length=20, blank=True, choices=Severity.choices)
    duration = models.PositiveIntegerField(_("duration"))
    day_type = models.CharField(
        _("counted in"), max_length=10, choices=DayType.choices, default=DayType.CALENDAR
    )
    extension_allowed = models.BooleanField(_("one extension allowed"), default=True)
    extension_duration = models.PositiveIntegerField(_("extension"), default=0)
    note = models.CharField(_("source or note"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case_kind", "category", "severity"], name="deadline_policy_unique"
            ),
            models.CheckConstraint(condition=Q(duration__gt=0), name="deadline_policy_positive"),
        ]
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")

    def __str__(self) -> str:
        return f"{self.case_kind}/{self.category or '*'}/{self.severity or '*'}: {self.duration}"


class ReferenceCounter(models.Model):
    """The last reference number issued per prefix and year (YH-2026-000123)."""

    prefix = models.CharField(_("reference prefix"), max_length=8)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")
        ]
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class Notification(models.Model):
    """An entry in a user's in-app inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
        verbose_name=_("user")
    )
    # A notice about no one case (the next year's holiday schedule is not confirmed) has
    # neither, and says where to act in ``link``.
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="notifications", verbose_name=_("case"))
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="notifications", verbose_name=_("event"))
    message = models.CharField(_("message"), max_length=300)
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_inbox")]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="notification_once")
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.message


class ApiToken(models.Model):
    """A machine's bearer token. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(_("key hash (SHA-256)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class UploadState(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    # Its header row names columns the import does not know: the uploader says which is which.
    UNMAPPED = "unmapped", _("Columns to match")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected: nothing was imported")
    FAILED = "failed", _("Could not be read")


def ledger_upload_path(upload: LedgerUpload, filename: str) -> str:
    # Not the uploaded name: it may be anything, and the file is deleted once it is read.
    return f"ledgers/{upload.kind}-{upload.uploaded_at:%Y%m%d%H%M%S}-{upload.uploaded_by_id}.bin"


class LedgerUpload(models.Model):
    """A ledger file uploaded on the web, imported by the worker (``core.ledger_uploads``) as
    its uploader: every row or none, as the import command does. The file holds personal
    data in full, so it is deleted once the import has read it; the result stays, and its
    row errors never repeat personal data."""

    kind = models.CharField(_("ledger"), max_length=30)
    file = models.FileField(_("file"), upload_to=ledger_upload_path, blank=True)
    filename = models.CharField(_("file"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    dry_run = models.BooleanField(_("check only"), default=False)
    # The uploader's language: the worker writes the result and every message in it.
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"))
    state = models.CharField(_("state"), max_length=10, choices=UploadState.choices,
                             default=UploadState.QUEUED)
    # What the import is doing now (reading, checking, writing) and how many rows it has:
    # written between its phases, since its writes are one transaction nobody else sees.
    stage = models.CharField(_("stage"), max_length=60, blank=True)
    total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    summary = models.TextField(_("result"), blank=True)
    # As core.ledger.LedgerImport counts them.
    created = models.PositiveIntegerField(_("cases created"), default=0)
    updated = models.PositiveIntegerField(_("cases updated"), default=0)
    unchanged = models.PositiveIntegerField(_("rows unchanged"), default=0)
    # [{"row", "column", "value", "message"}, …] as core.ledger.RowError has them.
    row_errors = models.JSONField(_("row errors"), default=list, blank=True)
    # While its columns are to be matched: the file's header row ("found"), the ledger's fields
    # ("fields": [{"field", "header", "required"}]), those recognised ({field: header}) and the
    # header row's hash ("template").
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    # {header as the file writes it: field}: the columns its uploader matched, or remembered.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ledger upload")
        verbose_name_plural = _("ledger uploads")
        indexes = [models.Index(fields=["uploaded_by", "-uploaded_at"], name="ledger_upload_mine")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.filename}"

    @property
    def is_finished(self) -> bool:
        return self.state in (UploadState.DONE, UploadState.REJECTED, UploadState.FAILED)

    @property
    def is_waiting(self) -> bool:
        """With the worker: the page follows it."""
        return self.state in (UploadState.QUEUED, UploadState.RUNNING)


class LedgerColumnMapping(models.Model):
    """How a unit's own ledger template names its columns, as one of its people matched them
    once: a later upload by the unit's people of a file with the same header row (``template``,
    ``core.ledger.header_hash``) is read with it."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    kind = models.CharField(_("ledger"), max_length=30)
    template = models.CharField(_("header row digest"), max_length=64)
    headers = models.JSONField(_("header row"), default=list)
    mapping = models.JSONField(_("columns"), default=dict)  # {header: field}
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("matched by"))
    saved_at = models.DateTimeField(_("matched"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "template"], name="ledger_mapping_unique"),
        ]
        verbose_name = _("ledger column mapping")
        verbose_name_plural = _("ledger column mappings")

    def __str__(self) -> str:
        return f"{self.unit} · {self.kind}: {'、'.join(self.headers)}"


# --- The audit trail of the rules: admin-site changes (issue 10 §7) -------------------------


class ConfigurationAction(models.TextChoices):
    ADDED = "added", _("Added")
    CHANGED = "changed", _("Changed")
    DELETED = "deleted", _("Deleted")


class ConfigurationChange(models.Model):
    """One change to the district's configuration made in the admin site — a user, a role, a
    unit and its lines, a deadline policy, a token, a setting: who, when, which object, and
    its state before and after. Cases keep their own history as events; this is the record
    of who changed the rules. Written only by ``core.configuration`` and never changed: on
    PostgreSQL a trigger refuses UPDATE and DELETE, as for events."""

    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("who"))
    action = models.CharField(_("action"), max_length=10, choices=ConfigurationAction.choices)
    model = models.CharField(_("kind of object"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    message = models.TextField(_("change"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"], name="configuration_change_object")]
        verbose_name = _("configuration change")
        verbose_name_plural = _("configuration changes")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.model} {self.object_repr}"
