"""The core ledger: units, roles, cases, their events, attachments, deadlines, inbox.

Every tracked thing (a hazard, a petition, a fraud case…) is a ``Case``; each kind adds
its own fields in a child table. Dashboards count across kinds on ``Case`` alone.
"""

from __future__ import annotations

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
    UnitKind.DEPARTMENT: 1,
}
TOWN_LEVEL = 2


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
    ``330802001`` for a town, ``330802001001`` for a village, three more digits per grid
    cell): every unit below starts with it, so a subtree is one range query.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    prefix = models.CharField(_("subtree prefix"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
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

    HAZARDS = "hazards", _("Hazards")
    PETITIONS = "petitions", _("Petitions")
    FRAUD = "fraud", _("Telecom fraud")


class RoleName(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    HANDLER = "handler", _("Handler")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


ROLE_RANK = {RoleName.VIEWER: 1, RoleName.HANDLER: 2, RoleName.SUPERVISOR: 3, RoleName.ADMIN: 4}


class Role(models.Model):
    """A user's role at a unit: it reaches the unit's subtree, or for a department the
    categories the department handles."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="roles")
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
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases")
    # Copied from unit.prefix (division codes never change) so a subtree filter on a
    # million cases is one index range with no join.
    unit_prefix = models.CharField(max_length=20, editable=False)
    department = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="handled_cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
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
    version = models.PositiveIntegerField(default=1)
    head_hash = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

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


class EventType(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    TRANSITION = "transition", _("Status changed")
    EXTENDED = "extended", _("Deadline extended")
    ESCALATED = "escalated", _("Escalated")
    ATTACHED = "attached", _("Attachment added")
    IMPORTED = "imported", _("Imported")
    # Someone read personal data (a petitioner's, a victim's) in full: the read is the record.
    VIEWED_PERSONAL_DATA = "viewed_personal_data", _("Personal data viewed in full")


class Event(models.Model):
    """One append-only entry of a case's history, chained to the previous one by hash.

    Written only by services (never by signals), so nothing is recorded by accident and
    nothing is missed outside a request. On PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    type = models.CharField(max_length=20, choices=EventType.choices)
    transition = models.CharField(max_length=40, blank=True)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

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
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(Event, null=True, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class DayType(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    WORKING = "working", _("Working days")


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

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class Notification(models.Model):
    """An entry in a user's in-app inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_inbox")]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="notification_once")
        ]

    def __str__(self) -> str:
        return self.message


class ApiToken(models.Model):
    """A machine's bearer token. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class UploadState(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
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
    file = models.FileField(upload_to=ledger_upload_path, blank=True)
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
    total = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(_("result"), blank=True)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # [{"row", "column", "value", "message"}, …] as core.ledger.RowError has them.
    row_errors = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("ledger upload")
        verbose_name_plural = _("ledger uploads")
        indexes = [models.Index(fields=["uploaded_by", "-uploaded_at"], name="ledger_upload_mine")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.filename}"

    @property
    def is_finished(self) -> bool:
        return self.state in (UploadState.DONE, UploadState.REJECTED, UploadState.FAILED)


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
