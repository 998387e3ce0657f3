"""Leaders' reception days (领导接访日): a roster of leaders per unit, the receptions they
plan and hold, and the petitions of the visitors they receive.

The district and its towns each hold one reception per period (``periods.py``). A visitor
received at one becomes a petition of channel "reception_day"; ``ReceptionVisit`` links the
two, and the petition reaches it as ``petition.reception_visit`` without the petitions app
knowing this one exists.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pingan.core.models import TOWN_LEVEL, UNIT_LEVEL, Unit, UnitKind, subtree_q
from pingan.core.scoping import scope_for
from pingan.petitions.models import KIND as PETITION_KIND
from pingan.petitions.models import Petition

# The units that hold reception days: the district and the towns, townships and
# sub-districts (not villages, grid cells or departments).
RECEIVING_KINDS = tuple(
    kind.value for kind, level in UNIT_LEVEL.items() if level <= TOWN_LEVEL and kind != UnitKind.DEPARTMENT
)
MSG_LEADER_UNIT = _("A reception roster belongs to the district or a town, not to {unit}.")


def holds_receptions(unit: Unit) -> bool:
    return unit.kind in RECEIVING_KINDS


class Leader(models.Model):
    """A leader on a unit's reception roster. Recorded by name and post, as the platform
    records every responsible leader: leaders seldom sign in themselves, and the clerk who
    records a reception is its actor."""

    name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("post"), max_length=60, help_text=_("For example 镇党委书记, 区长."))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="reception_leaders", verbose_name=_("unit"),
        limit_choices_to={"kind__in": RECEIVING_KINDS},
        help_text=_("The district or town whose reception days the leader holds."),
    )
    is_active = models.BooleanField(
        _("on the roster"), default=True,
        help_text=_("Untick when the leader leaves the post; past receptions stay."),
    )

    class Meta:
        ordering = ["unit", "id"]
        verbose_name = _("roster leader")
        verbose_name_plural = _("reception roster")

    def __str__(self) -> str:
        return f"{self.title} {self.name}"

    def clean(self) -> None:
        if self.unit_id is not None and not holds_receptions(self.unit):
            raise ValidationError({"unit": MSG_LEADER_UNIT.format(unit=self.unit.name)})


class ReceptionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


def reception_reach(user: Any, field: str = "prefix") -> Q:
    """The units whose reception days ``user`` sees, as a condition on a unit's prefix
    (``field``): those in the subtree of a unit where the user holds a role (blocks), and
    every one for the departments that handle petitions district-wide (the 信访局's line)."""
    scope = scope_for(user)
    if scope.everything or scope.lines.get(PETITION_KIND):
        return Q()
    within = Q(**{f"{field}__in": []})
    for prefix in scope.prefixes_for(PETITION_KIND):
        within |= subtree_q(prefix, field)
    return within


class ReceptionQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ReceptionQuerySet:
        return self.filter(reception_reach(user, "unit__prefix"))


# The one list of what a reception day is planned with: the web form and the API's body take
# their fields from here, with the model's labels and limits. A new field is one edit here,
# plus its migration. The unit and the leader are chosen from lists: the form and the API add
# them. (A visitor is registered as a petition: ``petitions.models.MATTER_FIELDS``.)
PLAN_FIELDS = ("date", "place", "note")


class Reception(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="receptions",
                             verbose_name=_("unit"), limit_choices_to={"kind__in": RECEIVING_KINDS})
    leader = models.ForeignKey(Leader, on_delete=models.PROTECT, related_name="receptions",
                               verbose_name=_("leader"))
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=ReceptionStatus.choices,
                              default=ReceptionStatus.PLANNED)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("planned by"))
    created_at = models.DateTimeField(_("planned on"))
    # Who recorded it held or cancelled, and when: a missing period is a unit's mark in the
    # league table, so the record that fills one must say whose it is.
    status_changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+",
                                          verbose_name=_("status recorded by"))
    status_changed_at = models.DateTimeField(_("status recorded on"), null=True, blank=True)

    objects = ReceptionQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["unit", "date"], name="reception_unit_date")]
        verbose_name = _("reception day")
        verbose_name_plural = _("reception days")

    def __str__(self) -> str:
        return f"{self.unit} {self.date:%Y-%m-%d} {self.leader}"


class ReceptionVisit(models.Model):
    """A visitor received at a reception: the petition registered for them. When and by
    whom are the petition's own (``opened_at``, ``reporter``)."""

    reception = models.ForeignKey(Reception, on_delete=models.PROTECT, related_name="visits",
                                  verbose_name=_("reception day"))
    petition = models.OneToOneField(Petition, on_delete=models.PROTECT, related_name="reception_visit",
                                    verbose_name=_("petition"))

    class Meta:
        ordering = ["reception", "id"]
        verbose_name = _("visitor at a reception")
        verbose_name_plural = _("visitors at receptions")

    def __str__(self) -> str:
        return f"{self.reception} · {self.petition.ref}"
