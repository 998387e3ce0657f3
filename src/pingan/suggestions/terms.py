"""The statutory clock of deputies' suggestions and members' proposals.

Each term is a setting (``PINGAN_SUGGESTION_TERMS``): a length in months or calendar days,
counted from the day it starts (that day itself not counted) on the State Council's holiday
schedule; a term ending on a day off ends on the next working day (``core.deadlines``). The
deadline calculator (``core.calculator``) offers every term as a rule of its own name; the
petition profile has nothing to do with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core import checks
from django.db import models
from django.utils.translation import gettext_lazy as _

from pingan.core.calculator import CalculatorRule, Counted
from pingan.core.deadlines import MONTHS, Deadline, DueDateExplanation, count_deadline, explain_due_date
from pingan.core.models import DayType


class Term(models.TextChoices):
    REPLY = "deputy_reply", _("Reply to a suggestion or proposal")
    REPLY_EXTENDED = "deputy_reply_extended", _("Reply, with the approved extension")
    CO_OPINION = "deputy_co_opinion", _("Co-handler's opinion to the lead")
    RETURN = "deputy_return", _("Return a wrong assignment")
    REHANDLE = "deputy_rehandle", _("Re-handle after a dissatisfied rating")


# What each term counts from: the start date a clerk enters in the calculator.
STARTS: Mapping[str, Any] = {
    Term.REPLY: _("the day of assignment"),
    Term.REPLY_EXTENDED: _("the day of assignment"),
    Term.CO_OPINION: _("the day of assignment"),
    Term.RETURN: _("the day the assignment was received"),
    Term.REHANDLE: _("the day of the dissatisfied rating"),
}
DEPUTIES_LAW = "《中华人民共和国全国人民代表大会和地方各级人民代表大会代表法》第五十一条"
ZHEJIANG_RULES = "《浙江省各级人民代表大会代表建议、批评和意见办理办法》"
SOURCES: Mapping[str, tuple[str, ...]] = {
    Term.REPLY: (DEPUTIES_LAW, ZHEJIANG_RULES),
    Term.REPLY_EXTENDED: (DEPUTIES_LAW, ZHEJIANG_RULES),
    Term.CO_OPINION: (ZHEJIANG_RULES,),
    Term.RETURN: (ZHEJIANG_RULES,),
    Term.REHANDLE: (ZHEJIANG_RULES,),
}
UNITS = (MONTHS, DayType.CALENDAR)


def term(name: str) -> tuple[int, str]:
    """A term's length and unit as the settings give them."""
    length, unit = settings.PINGAN_SUGGESTION_TERMS[name]
    return int(length), str(unit)


def count(name: str, start: dt.date) -> Deadline:
    """The deadline of term ``name`` counted from ``start``."""
    length, unit = term(name)
    return count_deadline(start, length, unit)


def due(name: str, start: dt.date) -> dt.date:
    return count(name, start).due


def explain(name: str, start: dt.date) -> DueDateExplanation:
    length, unit = term(name)
    return explain_due_date(start, length, unit)


def _counter(name: str) -> Callable[[dt.date, str | None], Counted]:
    def count(start: dt.date, profile: str | None) -> Counted:
        # The profile is the petitions': these terms are the settings' whatever it is.
        return Counted(parts=(term(name)[0],), sources=SOURCES[name], explanation=explain(name, start))
    return count


def calculator_rules() -> list[CalculatorRule]:
    """Every term, as a rule of the deadline calculator."""
    return [CalculatorRule(name=name, label=label, group=_("Deputies' suggestions and proposals"),
                           start=STARTS[name], count=_counter(name))
            for name, label in Term.choices]


@checks.register()
def suggestion_terms_are_complete(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """A missing or mistyped term should stop the deployment, not an assignment."""
    problems = []
    for name in Term.values:
        value = settings.PINGAN_SUGGESTION_TERMS.get(name)
        length, unit = value if isinstance(value, tuple | list) and len(value) == 2 else (0, "")
        if not (isinstance(length, int) and length > 0 and unit in UNITS):
            problems.append(f"PINGAN_SUGGESTION_TERMS[{name!r}] must be (length > 0, 'months' | 'calendar')")
    classes = settings.PINGAN_SUGGESTION_RESULT_CLASSES
    if not classes or any(not (isinstance(code, str) and 1 <= len(code) <= 2) for code in classes):
        problems.append("PINGAN_SUGGESTION_RESULT_CLASSES must name at least one class, each by a code "
                        "of one or two characters")
    return [checks.Error(p, id="pingan.E131") for p in problems]
