"""The league table (争先创优 / 流动红旗): indicators, the units ranked on each table, their values
per period, and the standings the ranking writes.

Three tables share one set of indicators and one set of methods: the district's towns and
sub-districts, its departments, and the city's counties and districts (the district among its
peers, which are not units of the district's tree). A member is comparable on an indicator in
a period when it has a value there with at least the indicator's minimum sample.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pingan.core.models import Unit


class Table(models.TextChoices):
    TOWNS = "towns", _("Towns and sub-districts")
    DEPARTMENTS = "departments", _("Departments")
    CITY = "city", _("The city's counties and districts")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Method(models.TextChoices):
    MIN_MAX = "min_max", _("Min–max (极差法)")
    RANK = "rank", _("Rank (排名法)")
    TARGET_RATIO = "target_ratio", _("Ratio to target (目标比)")
    DEDUCTION = "deduction", _("Deductions (扣分法)")


class Source(models.TextChoices):
    # From the platform's own data, by the selector ``scoring.indicators.COMPUTED[code]`` names.
    COMPUTED = "computed", _("Computed from the platform's data")
    # Entered by hand or imported from a workbook (the city's figures).
    ENTERED = "entered", _("Entered or imported")


# The rules an indicator's scoring keeps, each said in words when broken (by a form, the API or
# the import) rather than by the constraint's name.
MSG_WEIGHT_POSITIVE = _("The weight must be greater than 0.")
MSG_TARGET_NEEDED = _("Ratio to target (目标比) needs a target above 0.")
MSG_PER_UNIT_NEEDED = _("Deductions (扣分法) need the points deducted per unit, above 0.")
MSG_BASE_RANGE = _("The base score lies between 0 and 100.")


class Indicator(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=30, blank=True,
                                       help_text=_("For example %, 起, 元/万人."))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2)
    method = models.CharField(_("scoring method"), max_length=20, choices=Method.choices)
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=4, null=True, blank=True)
    # 扣分法: the score is max(0, base − per_unit × value).
    base = models.DecimalField(_("base score"), max_digits=7, decimal_places=2, default=100)
    per_unit = models.DecimalField(_("deduction per unit"), max_digits=9, decimal_places=4, null=True,
                                   blank=True)
    min_sample = models.PositiveIntegerField(
        _("minimum sample"), default=0,
        help_text=_("Below this many cases a member's value is not compared on this indicator."))
    # A rate (a percentage of a sample) carries its sample and a Wilson 95% interval.
    is_rate = models.BooleanField(_("rate"), default=False)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ENTERED)
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["order", "id"]
        # NULL-safe: a comparison with NULL is unknown, which a CHECK lets through, so each
        # condition that needs a value says so (isnull=False) beside its comparison.
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="indicator_weight_positive",
                                   violation_error_message=MSG_WEIGHT_POSITIVE),
            models.CheckConstraint(condition=(~Q(method="target_ratio")
                                              | Q(target__isnull=False, target__gt=0)),
                                   name="indicator_target_ratio_needs_target",
                                   violation_error_message=MSG_TARGET_NEEDED),
            # A per_unit of 0 or below would flip what a deduction means (a fire adding points).
            models.CheckConstraint(condition=(~Q(method="deduction")
                                              | Q(per_unit__isnull=False, per_unit__gt=0)),
                                   name="indicator_deduction_needs_per_unit",
                                   violation_error_message=MSG_PER_UNIT_NEEDED),
            models.CheckConstraint(condition=Q(base__gte=0, base__lte=100), name="indicator_base_in_range",
                                   violation_error_message=MSG_BASE_RANGE),
        ]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A unit ranked on a table: a town or department of the district's tree, or on the
    city's table a county or district of the city (the district itself is ``is_home``)."""

    table = models.CharField(_("table"), max_length=20, choices=Table.choices)
    # Empty for the city's other counties and districts, which are not in the district's tree.
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    is_home = models.BooleanField(_("our district"), default=False)
    # The rank the district aims for (保三争二: 3); empty for the setting's default.
    target_rank = models.PositiveSmallIntegerField(_("target rank"), null=True, blank=True)
    active = models.BooleanField(_("ranked"), default=True)

    class Meta:
        ordering = ["table", "code"]
        constraints = [
            models.UniqueConstraint(fields=["table", "code"], name="member_code_unique"),
            models.UniqueConstraint(fields=["table", "name"], name="member_name_unique"),
            models.UniqueConstraint(fields=["table", "unit"], name="member_unit_unique"),
        ]
        verbose_name = _("ranked unit")
        verbose_name_plural = _("ranked units")

    def __str__(self) -> str:
        return self.name


class ValueSource(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    ENTERED = "entered", _("Entered")
    IMPORTED = "imported", _("Imported")


class Value(models.Model):
    """One member's figure on one indicator in one period."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values",
                                  verbose_name=_("indicator"))
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="values",
                               verbose_name=_("ranked unit"))
    period = models.CharField(_("period"), max_length=7, help_text=_("2026Q1 or 2026-03."))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    sample = models.PositiveIntegerField(_("sample"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=ValueSource.choices)
    # When a computed value was computed, or an entered one last entered.
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "member", "period"], name="value_unique"),
        ]
        indexes = [models.Index(fields=["period", "indicator"], name="value_period")]
        verbose_name = _("value")
        verbose_name_plural = _("values")

    def __str__(self) -> str:
        return f"{self.period} {self.member} {self.indicator}: {self.value}"


class Standing(models.Model):
    """A member's place on its table in a period, as the ranking last computed it."""

    table = models.CharField(_("table"), max_length=20, choices=Table.choices)
    period = models.CharField(_("period"), max_length=7)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="standings",
                               verbose_name=_("ranked unit"))
    # Empty when the member is comparable on no indicator (不参与排名).
    composite = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    previous_rank = models.PositiveIntegerField(_("rank in the previous period"), null=True)
    red_flag = models.BooleanField(_("red flag"), default=False)
    last_place = models.BooleanField(_("last place"), default=False)
    # {indicator code: score 0–100, or null when not comparable}
    scores = models.JSONField(_("scores"), default=dict)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["table", "period", "rank", "member__code"]
        constraints = [
            models.UniqueConstraint(fields=["member", "period"], name="standing_unique"),
        ]
        indexes = [models.Index(fields=["table", "period", "rank"], name="standing_table")]
        verbose_name = _("standing")
        verbose_name_plural = _("standings")

    def __str__(self) -> str:
        return f"{self.period} {self.member}: {self.rank}"


class Award(models.Model):
    """A yearly title a member won (平安县(市、区), the Safe District title): streaks and the
    award ladder (平安鼎, 铜鼎 …, ``PINGAN_SAFETY_AWARD_LADDER``) are counted from these."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="awards",
                               verbose_name=_("ranked unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=60, default="平安县(市、区)")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["member", "year"]
        constraints = [models.UniqueConstraint(fields=["member", "year", "title"], name="award_unique")]
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return f"{self.year} {self.member} {self.title}"
