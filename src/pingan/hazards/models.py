"""The hazard ledger (隐患台账): found risks, fixed by a deadline, verified, closed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.models import Case, Domain, Unit

KIND = "hazard"
REF_PREFIX = "YH"
DOMAIN = Domain.HAZARDS


class Category(models.TextChoices):
    FIRE = "fire", _("Fire safety")
    FIRE_MIXED_USE = "fire_mixed_use", _("Mixed-use premises (三合一)")
    EBIKE_CHARGING = "ebike_charging", _("E-bike parked or charged indoors")
    FLOOD = "flood", _("Flood and typhoon")
    ROAD = "road", _("Road traffic")
    BUILDING = "building", _("Building safety")
    GAS = "gas", _("Gas")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ASSIGNED = "assigned", _("Assigned")
    RECTIFYING = "rectifying", _("Rectifying")
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting verification")
    # A major hazard's rectification accepted by its regulator (验收), awaiting closure (销号).
    ACCEPTED = "accepted", _("Accepted by the regulator")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


class RejectionReason(models.TextChoices):
    NOT_A_HAZARD = "not_a_hazard", _("Not a hazard")
    DUPLICATE = "duplicate", _("Duplicate of another report")


PLAN_FIELDS = (
    "plan_goals",
    "plan_methods",
    "plan_funding",
    "plan_responsible",
    "plan_deadline",
    "plan_safety_measures",
)
# The one list of what a reporter gives and what may be edited afterwards: the web forms, the
# API's schemas and ``hazard_update`` all take their fields from here, each field's type and
# limits from the model. A new field is one edit here, plus its migration.
REPORT_FIELDS = ("title", "category", "severity", "immediate", "description", "location",
                 "latitude", "longitude")
EDITABLE_FIELDS = (*REPORT_FIELDS, *PLAN_FIELDS)


class Hazard(Case):
    KIND = KIND

    immediate = models.BooleanField(
        _("fix at once"), default=False, help_text=_("Due within one day.")
    )
    # The six required parts of a major hazard's rectification plan
    # (浙江省安全生产条例 art. 15).
    plan_goals = models.TextField(_("goals and tasks"), blank=True)
    plan_methods = models.TextField(_("methods and measures"), blank=True)
    plan_funding = models.TextField(_("funding and materials"), blank=True)
    plan_responsible = models.TextField(_("responsible body and people"), blank=True)
    plan_deadline = models.DateField(_("time limit"), null=True, blank=True)
    plan_safety_measures = models.TextField(_("safety measures and contingency plan"), blank=True)
    # Listed supervision (挂牌督办) of a major hazard, set by its regulator's "list" step
    # (浙江省安全生产条例 art. 25): who supervises, by when, and the leader who answers for it.
    supervising_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("supervising unit"),
    )
    # A ledger's own deadline (整改期限) replaces the policy's as ``due_at``; the policy's date
    # is kept here, so that the hazard's page can show both where they differ.
    policy_due_at = models.DateTimeField(_("due by the deadline policy"), null=True, blank=True)
    # The responsible person a ledger names (整改责任人) when no single user of the hazard's unit
    # is that person: kept as written, shown and exported.
    responsible_person = models.CharField(_("named responsible person"), max_length=60, blank=True)
    supervision_deadline = models.DateField(_("supervision deadline"), null=True, blank=True)
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("supervising leader"),
    )
    listed_at = models.DateTimeField(_("listed for supervision"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("accepted by"),
    )
    accepted_at = models.DateTimeField(_("accepted on"), null=True, blank=True)
    rectifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("rectified by"),
    )
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("verified by"),
    )
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=20, blank=True, choices=RejectionReason.choices
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates",
        verbose_name=_("duplicate of"),
    )

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")

    @property
    def due_differs_from_policy(self) -> bool:
        return self.policy_due_at is not None and self.policy_due_at != self.due_at

    @property
    def is_listed(self) -> bool:
        return self.listed_at is not None

    def missing_plan_parts(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in PLAN_FIELDS
            if not getattr(self, name)
        ]
