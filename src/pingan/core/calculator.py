"""The deadline calculator: a statutory term of any domain counted from a start date on the
State Council's holiday schedule, with its working shown day by day (``core.deadlines.
explain_due_date``), for a clerk to check by hand. The page ``/deadline/``, the command
``pingan deadline`` and ``GET /api/v1/deadline`` all ask ``calculate``.

The core knows no domain's terms: each domain registers its rules from its
``AppConfig.ready()`` (``register_rules``), in the order its page lists them. A domain whose
terms depend on a profile (the petitions' national or Zhejiang rules) registers the profiles
too (``register_profiles``); every other rule ignores the profile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.deadlines import MONTHS, DayNote, DueDateExplanation
from pingan.core.models import DayType

MSG_UNKNOWN_RULE = _("“{value}” is not a deadline rule: choose one of {choices}.")
MSG_START_OUT_OF_RANGE = _("No term can be counted from {start}: it would end past the calendar's last year.")
MSG_UNKNOWN_PROFILE = _("“{value}” is not a profile: choose one of {choices}.")

UNIT_LABELS: Mapping[str, str | Promise] = {
    DayType.CALENDAR: _("calendar days"),
    DayType.WORKING: _("working days"),
    MONTHS: pgettext_lazy("deadline term", "months"),
}


@dataclass(frozen=True)
class Counted:
    """A rule's term counted from a start: the terms added up (``(30,)``, or ``(30, 60)`` for
    a resolution with its longest extension), their articles, the working, and — for a rule
    that depends on a profile — the profile they were read under."""

    parts: tuple[int, ...]
    sources: tuple[str, ...]
    explanation: DueDateExplanation
    profile: str = ""
    profile_label: str = ""


@dataclass(frozen=True)
class CalculatorRule:
    name: str
    label: str | Promise
    # The domain it belongs to (信访, 建议提案): the page groups the rules by it.
    group: str | Promise
    # What the start date is, as the clerk enters it ("the day of assignment").
    start: str | Promise
    # The term counted from a start under a profile (None: the one in force). Only a rule
    # with ``profiled`` reads the profile.
    count: Callable[[dt.date, str | None], Counted]
    profiled: bool = False
    # The rule the empty page offers (the one asked most: a petition's resolution).
    preselected: bool = False


@dataclass(frozen=True)
class Profiles:
    """The profiles the profiled rules are counted under: their choices, the one in force,
    and what the page says about it (a template and its context for the user)."""

    label: str | Promise
    choices: Callable[[], Sequence[tuple[str, Any]]]
    current: Callable[[], str]
    notice_template: str = ""
    notice_context: Callable[[Any], Mapping[str, Any]] | None = None


_RULES: dict[str, CalculatorRule] = {}
_PROFILES: list[Profiles] = []


def register_rules(*rules: CalculatorRule) -> None:
    for rule in rules:
        if rule.name in _RULES:
            raise ImproperlyConfigured(f"deadline rule {rule.name!r} is registered twice")
        _RULES[rule.name] = rule


def register_profiles(profiles: Profiles) -> None:
    if _PROFILES:
        raise ImproperlyConfigured("the calculator's profiles are registered twice")
    _PROFILES.append(profiles)


def calculator_rules() -> list[CalculatorRule]:
    return list(_RULES.values())


def rule_names() -> list[str]:
    return list(_RULES)


def grouped_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The rules as a select's choices, in an ``<optgroup>`` per domain."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for rule in _RULES.values():
        groups.setdefault(str(rule.group), []).append((rule.name, str(rule.label)))
    return list(groups.items())


def preselected_rule() -> str | None:
    return next((rule.name for rule in _RULES.values() if rule.preselected), None)


def calculator_profiles() -> Profiles | None:
    return _PROFILES[0] if _PROFILES else None


def profile_names() -> list[str]:
    profiles = calculator_profiles()
    return [name for name, _label in profiles.choices()] if profiles else []


def rule_named(name: str) -> CalculatorRule:
    rule = _RULES.get(name)
    if rule is None:
        raise errors.DomainError(MSG_UNKNOWN_RULE.format(value=name, choices=", ".join(_RULES)), field="rule")
    return rule


def check_profile(value: str | None) -> str | None:
    """``value`` when it names a profile (or is empty: the one in force), else refused."""
    if value and value not in profile_names():
        raise errors.DomainError(MSG_UNKNOWN_PROFILE.format(value=value, choices=", ".join(profile_names())),
                                 field="profile")
    return value or None


@dataclass(frozen=True)
class Calculation:
    rule: str
    rule_label: str
    group_label: str
    start: dt.date
    start_label: str
    parts: tuple[int, ...]
    sources: tuple[str, ...]
    explanation: DueDateExplanation
    # Only for a rule that depends on a profile: the one it was counted under.
    profile: str = ""
    profile_label: str = ""

    @property
    def due(self) -> dt.date:
        return self.explanation.due

    @property
    def days(self) -> int:
        """The length of the term, in its unit."""
        return self.explanation.duration

    @property
    def unit(self) -> str:
        """calendar (days), working (days) or months."""
        return self.explanation.day_type

    @property
    def unit_label(self) -> str:
        return str(UNIT_LABELS[self.unit])

    @property
    def term(self) -> str:
        """The terms added up: "30", or "30 + 60 = 90" for a resolution with its extension."""
        return " + ".join(map(str, self.parts)) + (f" = {self.days}" if len(self.parts) > 1 else "")

    def count_label(self, note: DayNote) -> str:
        """What the day of ``note`` is in the count, as the page and the command say it."""
        if note.counted:
            if self.unit == DayType.WORKING:
                return gettext("working day %(n)s") % {"n": note.counted}
            return gettext("day %(n)s, counted") % {"n": note.counted}
        if self.unit == MONTHS and note.rolled and note.day == self.explanation.count_ends:
            # A month term counts no single day: only where it ends, when that is a day off.
            return gettext("the count ends here, on a day off")
        if note.rolled:
            return gettext("passed over by the roll-forward")
        return gettext("the deadline") if note.day == self.due else gettext("skipped")

    @property
    def days_explained(self) -> list[tuple[DayNote, str]]:
        """Each day of the explanation with what it is in the count."""
        return [(note, self.count_label(note)) for note in self.explanation.days]


def calculate(*, rule: str, start: dt.date, profile: str | None = None) -> Calculation:
    """The due date of ``rule`` counted from ``start``, with its working. ``profile`` (default:
    the one in force) applies to the profiled rules only; a name that is no profile is
    refused whatever the rule."""
    chosen = rule_named(rule)
    profile = check_profile(profile)
    try:
        counted = chosen.count(start, profile)
    except (OverflowError, ValueError):  # the count ran past 9999-12-31
        raise errors.DomainError(MSG_START_OUT_OF_RANGE.format(start=start.isoformat()), field="start") \
            from None
    return Calculation(
        rule=chosen.name, rule_label=str(chosen.label), group_label=str(chosen.group), start=start,
        start_label=str(chosen.start), parts=counted.parts, sources=counted.sources,
        explanation=counted.explanation,
        profile=counted.profile if chosen.profiled else "",
        profile_label=counted.profile_label if chosen.profiled else "",
    )
