"""The statutory terms of petitions, per profile, and the deadline calculator.

``settings.PINGAN_PETITION_PROFILES`` holds each profile's default numbers; they seed the
``PetitionRuleSet`` rows (after ``migrate``, and again for any row found missing), and from
then on the rows, which the district admin edits in the admin site, are the terms in force.

Which profile new petitions are registered under is stored too (``ProfileInForce``): set up
from ``settings.PINGAN_PETITION_PROFILE`` when it names one, else from the district's
division code; from then on switched by the district admin on the settings page. Each
petition keeps the profile it was registered under.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as global_apps
from django.conf import settings
from django.core import checks
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.calculator import CalculatorRule, Counted, Profiles
from pingan.core.configuration import record_configuration_change
from pingan.core.deadlines import DeadlineTerms, explain_due_date
from pingan.core.models import ROLE_RANK, ConfigurationAction, DayType, RoleName, Unit, UnitKind
from pingan.petitions.models import PetitionType, Profile, ProfileBasis, ProfileInForce, Rule
from pingan.petitions.workflow import rank_at

EXTENSION = "extension"
# The calculator's rules: the stored ones, and resolution with the longest extension.
CALCULATOR_RULES: list[tuple[str, str | Promise]] = [
    *Rule.choices, (EXTENSION, _("Resolve, with the longest extension")),
]
# What each term counts from: the start date a clerk enters in the calculator.
STARTS: dict[str, str | Promise] = {
    Rule.ROUTE: _("the day the matter was received"),
    Rule.ACCEPTANCE: _("the day the matter was received or assigned"),
    Rule.OBJECTION: _("the day the assignment was received"),
    Rule.RESOLUTION: _("the day of acceptance"),
    Rule.SUGGESTION_REPLY: _("the day of acceptance"),
    Rule.REVIEW_WINDOW: _("the day the reply was received"),
    Rule.REVIEW_DECISION: _("the day the review request was received"),
    Rule.REEXAM_WINDOW: _("the day the review decision was received"),
    Rule.REEXAM_DECISION: _("the day the re-examination request was received"),
    EXTENSION: _("the day of acceptance"),
}
NATIONAL = "《信访工作条例》"
ZHEJIANG = "《浙江省信访条例》"
NATIONAL_SOURCES = {
    Rule.ROUTE: f"{NATIONAL}第二十二条",
    Rule.ACCEPTANCE: f"{NATIONAL}第二十三条",
    Rule.OBJECTION: f"{NATIONAL}第二十三条",
    Rule.RESOLUTION: f"{NATIONAL}第三十四条",
    # No statute sets it: the empty source reads as local practice (``citation``).
    Rule.SUGGESTION_REPLY: "",
    Rule.REVIEW_WINDOW: f"{NATIONAL}第三十五条",
    Rule.REVIEW_DECISION: f"{NATIONAL}第三十五条",
    Rule.REEXAM_WINDOW: f"{NATIONAL}第三十六条",
    Rule.REEXAM_DECISION: f"{NATIONAL}第三十六条",
}
SOURCES: dict[str, dict[str, str]] = {
    Profile.NATIONAL: NATIONAL_SOURCES,
    Profile.ZHEJIANG: NATIONAL_SOURCES | {
        Rule.ACCEPTANCE: f"{ZHEJIANG}第二十条",
        Rule.RESOLUTION: f"{ZHEJIANG}第二十三条",
    },
}
# The statute each profile is named after, for where its full label is too long (a phone).
STATUTES = {Profile.NATIONAL: NATIONAL, Profile.ZHEJIANG: ZHEJIANG}
# A profile is chosen by the district's division code when the setting names none.
PROVINCE_PROFILES = {"33": Profile.ZHEJIANG}
LOCAL_PRACTICE = _("local practice (no statutory term)")

MSG_UNKNOWN_PROFILE = _("“{value}” is not a petition profile: choose one of {choices}.")
MSG_SWITCH_NOT_ALLOWED = _("Only the district admin may change the petition profile.")
MSG_SWITCH_REASON = _("Say why the profile changes (for example, the notice that orders it).")
MSG_SWITCH_SAME = _("{profile} is already in force.")
MSG_SWITCH_STALE = _(
    "The profile was changed meanwhile ({who}, {since}): {profile} is in force now. Nothing was "
    "changed: look again before switching."
)
MSG_EXTENSION_TOO_LONG = _(
    "An extension may be at most {maximum} days under the {profile} rules; {days} were asked for."
)
MSG_EXTENSION_PAST_CAP = _(
    "Resolution and extension together may not exceed {cap} days from acceptance under the "
    "{profile} rules: {resolution} + {days} = {total} days."
)


@dataclass(frozen=True)
class RuleBook:
    """One profile's terms as they stand now."""

    profile: str
    terms: Mapping[str, DeadlineTerms]
    extension_max_days: int
    extension_cap_days: int | None

    @property
    def label(self) -> str:
        return str(Profile(self.profile).label)

    @property
    def statute(self) -> str:
        return STATUTES[Profile(self.profile)]

    def term(self, rule: str) -> DeadlineTerms:
        return self.terms[rule]

    def citation(self, rule: str) -> str:
        return citation(self.terms[rule].source)

    def articles(self, petition_type: str) -> list[tuple[str, str]]:
        """The articles a petition of ``petition_type`` is timed by: acceptance, then
        resolution (or the reply to a suggestion), as (what, article)."""
        return [(str(Rule(rule).label), self.citation(rule))
                for rule in (Rule.ACCEPTANCE, self.resolution_rule(petition_type))]

    def resolution_rule(self, petition_type: str) -> Rule:
        return Rule.SUGGESTION_REPLY if petition_type == PetitionType.SUGGESTION else Rule.RESOLUTION

    def longest_extension(self, resolution_days: int) -> int:
        if self.extension_cap_days is None:
            return self.extension_max_days
        return max(0, min(self.extension_max_days, self.extension_cap_days - resolution_days))

    def extension_refusal(self, *, resolution_days: int, days: int) -> str | None:
        """Why an extension of ``days`` on a term of ``resolution_days`` is refused, or None."""
        if days > self.extension_max_days:
            return MSG_EXTENSION_TOO_LONG.format(maximum=self.extension_max_days,
                                                 profile=self.label, days=days)
        cap = self.extension_cap_days
        if cap is not None and resolution_days + days > cap:
            return MSG_EXTENSION_PAST_CAP.format(cap=cap, profile=self.label,
                                                 resolution=resolution_days, days=days,
                                                 total=resolution_days + days)
        return None


def citation(source: str) -> str:
    """A rule's source as shown: its article, or local practice when no statute sets it."""
    return source or str(LOCAL_PRACTICE)


def check_profile(value: str) -> str:
    if value not in Profile.values:
        raise errors.DomainError(
            MSG_UNKNOWN_PROFILE.format(value=value, choices=", ".join(Profile.values)), field="profile"
        )
    return value


@dataclass
class _Held:
    books: dict[str, RuleBook] = field(default_factory=dict)
    in_force: str | None = None


_held: ContextVar[_Held | None] = ContextVar("petition_rulebooks", default=None)


def district() -> Unit | None:
    """The district whose rules apply: the root of the territorial tree."""
    return (Unit.objects.filter(parent__isnull=True).exclude(kind=UnitKind.DEPARTMENT)
            .order_by("prefix").first())


def profile_at_setup(root: Unit) -> tuple[str, str]:
    """The profile a district starts with, and on what basis: the one
    ``PINGAN_PETITION_PROFILE`` names, else its province's by the division code (Zhejiang's
    for 33…), else the national one."""
    if settings.PINGAN_PETITION_PROFILE:
        return check_profile(settings.PINGAN_PETITION_PROFILE), ProfileBasis.SETTING
    return PROVINCE_PROFILES.get(root.code[:2], Profile.NATIONAL), ProfileBasis.DIVISION_CODE


def profile_in_force() -> ProfileInForce | None:
    """The record of the profile the district registers petitions under now, set up the first
    time it is needed; None while there is no district yet, whose code the set-up needs."""
    latest = ProfileInForce.objects.select_related("switched_by").first()
    if latest is not None:
        return latest
    root = district()
    return _set_up(root) if root is not None else None


def _set_up(root: Unit) -> ProfileInForce:
    profile, basis = profile_at_setup(root)
    record, _created = ProfileInForce.objects.get_or_create(
        seq=1, defaults={"profile": profile, "basis": basis, "since": timezone.now()},
    )
    return record


def current_profile() -> str:
    """The profile new petitions are registered under."""
    held = _held.get()
    if held is not None and held.in_force is not None:
        return held.in_force
    record = profile_in_force()
    profile = record.profile if record is not None else check_profile(
        settings.PINGAN_PETITION_PROFILE or Profile.NATIONAL)
    if held is not None:
        held.in_force = profile
    return profile


@contextmanager
def rulebooks_held() -> Iterator[None]:
    """Within the block, each profile's rule book, and which one is in force, is read once:
    for bulk work (an import, the demo year) that takes thousands of steps while nobody edits
    the rules. Outside it, every step reads the rules as the district admin left them."""
    token = _held.set(_Held())
    try:
        yield
    finally:
        _held.reset(token)


def may_switch_profile(actor: Any) -> bool:
    """Only the district admin (or a superuser) chooses the district's rules."""
    root = district()
    return root is not None and rank_at(actor, [root]) >= ROLE_RANK[RoleName.ADMIN]


def petition_profile_switch(*, actor: Any, profile: str, expected: str, reason: str) -> ProfileInForce:
    """Put ``profile`` in force for the petitions registered from now on; those registered
    before keep theirs. ``expected`` is the profile the admin saw in force: if another switch
    came first, nothing changes and the admin is told. The new row is the audit record."""
    if not may_switch_profile(actor):
        raise errors.PermissionDenied(MSG_SWITCH_NOT_ALLOWED)
    check_profile(profile)
    reason = reason.strip()
    if not reason:
        raise errors.DomainError(MSG_SWITCH_REASON, field="reason")
    with transaction.atomic():
        current = profile_in_force()
        assert current is not None  # the district admin's district exists: set up if need be
        refusal = _switch_refusal(current, profile=profile, expected=expected)
        if refusal is not None:
            raise refusal
        try:
            with transaction.atomic():
                switched = ProfileInForce.objects.create(
                    seq=current.seq + 1, profile=profile, previous=current.profile,
                    since=timezone.now(), basis=ProfileBasis.SWITCH, switched_by=actor,
                    reason=reason,
                )
        except IntegrityError:  # another switch from the same record landed in between
            raise errors.StaleEdit(_stale(ProfileInForce.objects.select_related("switched_by").first())) \
                from None
        # In the district's one trail of who changed the rules, beside the admin site's changes.
        record_configuration_change(actor=actor, action=ConfigurationAction.CHANGED, obj=switched,
                                    before={"profile": current.profile}, after={"profile": profile},
                                    message=reason)
        return switched


def profile_switch_refusal(*, profile: str, expected: str) -> errors.DomainError | None:
    """Why switching from ``expected`` to ``profile`` would be refused now, or None: asked
    before the admin is asked to confirm."""
    current = profile_in_force()
    return None if current is None else _switch_refusal(current, profile=profile, expected=expected)


def _switch_refusal(current: ProfileInForce, *, profile: str, expected: str) -> errors.DomainError | None:
    if current.profile != expected:
        return errors.StaleEdit(_stale(current))
    if current.profile == profile:
        return errors.DomainError(MSG_SWITCH_SAME.format(profile=Profile(profile).label), field="profile")
    return None


def _stale(current: ProfileInForce) -> str:
    by = current.switched_by
    who = (by.get_full_name() or by.get_username()) if by else current.get_basis_display()
    return MSG_SWITCH_STALE.format(profile=Profile(current.profile).label, who=who,
                                   since=f"{timezone.localtime(current.since):%Y-%m-%d %H:%M}")


def rulebook(profile: str | None = None) -> RuleBook:
    """The terms of ``profile`` (default: the one in force), from the admin's rule set."""
    profile = check_profile(profile or current_profile())
    held = _held.get()
    if held is not None:
        if profile not in held.books:
            held.books[profile] = _read_rulebook(profile)
        return held.books[profile]
    return _read_rulebook(profile)


def _read_rulebook(profile: str) -> RuleBook:
    ruleset = _load(profile)
    if ruleset is None or len(ruleset.rules.all()) < len(Rule):
        seed_rulesets()
        ruleset = _load(profile)
    terms = {
        r.rule: DeadlineTerms(duration=r.days, day_type=r.day_type, extension_allowed=False,
                              source=r.source)
        for r in ruleset.rules.all()
    }
    return RuleBook(profile=profile, terms=terms, extension_max_days=ruleset.extension_max_days,
                    extension_cap_days=ruleset.extension_cap_days)


def _load(profile: str) -> Any:
    PetitionRuleSet = global_apps.get_model("petitions", "PetitionRuleSet")
    return PetitionRuleSet.objects.filter(profile=profile).prefetch_related("rules").first()


def _defaults(profile: str) -> dict[str, Any]:
    return settings.PINGAN_PETITION_PROFILES[profile]


def seed_rulesets(*, models_from: Any = global_apps, using: str = "default") -> None:
    """Create whatever rule set or rule is missing from the settings' defaults; never
    change one that exists (the district admin may have edited it)."""
    PetitionRuleSet = models_from.get_model("petitions", "PetitionRuleSet")
    PetitionRule = models_from.get_model("petitions", "PetitionRule")
    with transaction.atomic(using=using):
        for profile in Profile.values:
            defaults = _defaults(profile)
            ruleset, _created = PetitionRuleSet.objects.using(using).get_or_create(
                profile=profile,
                defaults={"extension_max_days": defaults["extension_max_days"],
                          "extension_cap_days": defaults["extension_cap_days"]},
            )
            PetitionRule.objects.using(using).bulk_create(
                [PetitionRule(ruleset=ruleset, rule=rule, days=defaults[rule][0],
                              day_type=defaults[rule][1], source=SOURCES[profile][rule])
                 for rule in Rule.values],
                ignore_conflicts=True,
            )


def seed_on_migrate(sender: Any, *, apps: Any = global_apps, using: str = "default",
                    **kwargs: Any) -> None:
    try:
        apps.get_model("petitions", "PetitionRule")
    except LookupError:  # migrated only part of the way: the tables are not there yet
        return
    seed_rulesets(models_from=apps, using=using)


def reset_ruleset(ruleset: Any) -> None:
    """Put a rule set back to the settings' defaults (the admin's "reset" action)."""
    defaults = _defaults(ruleset.profile)
    with transaction.atomic():
        ruleset.extension_max_days = defaults["extension_max_days"]
        ruleset.extension_cap_days = defaults["extension_cap_days"]
        ruleset.save()
        ruleset.rules.all().delete()
    seed_rulesets()


@checks.register()
def petition_settings_are_complete(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """A missing or mistyped number should stop the deployment, not a clerk's registration."""
    problems = []
    if settings.PINGAN_PETITION_PROFILE not in ("", *Profile.values):
        problems.append(f"PINGAN_PETITION_PROFILE is {settings.PINGAN_PETITION_PROFILE!r}, "
                        f"not empty nor one of {Profile.values}")
    for profile in Profile.values:
        defaults = settings.PINGAN_PETITION_PROFILES.get(profile, {})
        for rule in Rule.values:
            term = defaults.get(rule)
            days, day_type = term if isinstance(term, tuple | list) and len(term) == 2 else (0, "")
            if not (isinstance(days, int) and days > 0 and day_type in DayType.values):
                problems.append(f"PINGAN_PETITION_PROFILES[{profile!r}][{rule!r}] must be "
                                f"(days > 0, 'calendar' | 'working')")
        if not isinstance(defaults.get("extension_max_days"), int):
            problems.append(f"PINGAN_PETITION_PROFILES[{profile!r}]['extension_max_days'] must be a number")
        if not isinstance(defaults.get("extension_cap_days", 0), int | None):
            problems.append(f"PINGAN_PETITION_PROFILES[{profile!r}]['extension_cap_days'] "
                            f"must be a number or None")
    return [checks.Error(p, id="pingan.E101") for p in problems]


# ---------------------------------------------------------------------------
# The deadline calculator's petition rules (``core.calculator``)
# ---------------------------------------------------------------------------


def _counter(rule: str) -> Callable[[dt.date, str | None], Counted]:
    """How the calculator counts ``rule`` from a start under a profile (default: in force)."""
    def count(start: dt.date, profile: str | None) -> Counted:
        book = rulebook(profile)
        if rule == EXTENSION:
            term = book.term(Rule.RESOLUTION)
            parts: tuple[int, ...] = (term.duration, book.longest_extension(term.duration))
        else:
            term = book.term(rule)
            parts = (term.duration,)
        return Counted(parts=parts, sources=(citation(term.source),),
                       explanation=explain_due_date(start, sum(parts), term.day_type),
                       profile=book.profile, profile_label=book.label)
    return count


def calculator_rules() -> list[CalculatorRule]:
    """Every petition term, and resolution with the longest extension, counted under a profile."""
    return [CalculatorRule(name=name, label=label, group=_("Petitions"), start=STARTS[name],
                           count=_counter(name), profiled=True, preselected=name == Rule.RESOLUTION)
            for name, label in CALCULATOR_RULES]


def calculator_profiles() -> Profiles:
    return Profiles(label=_("Petition profile"), choices=lambda: Profile.choices, current=current_profile,
                    notice_template="petitions/includes/profile_in_force.html",
                    notice_context=_profile_notice)


def _profile_notice(user: Any) -> dict[str, Any]:
    return {"in_force": profile_in_force(), "may_switch": may_switch_profile(user)}
