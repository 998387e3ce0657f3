"""Assessment periods: a quarter (``2026Q1``) or a month (``2026-03``).

Kept as their key in the database (a short string that sorts in time order within its kind)
and parsed here, so every page, import and command reads and writes one spelling.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

QUARTER = "quarter"
MONTH = "month"
_QUARTER_KEY = re.compile(r"^\s*(\d{4})\s*[Qq]\s*([1-4])\s*$")
_MONTH_KEY = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")
_CHINESE_QUARTER = re.compile(r"^\s*(\d{4})\s*年?\s*(?:第\s*)?([1-4一二三四])\s*季度?\s*$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


class PeriodError(ValueError):
    """A period written in a way no one could read unambiguously."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    # 1–4 for a quarter, 1–12 for a month.
    number: int
    kind: str = QUARTER

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026Q1``, ``2026q1``, ``2026年第一季度``, ``2026-03``, ``2026/3``, ``2026年3月``."""
        text = str(text)
        period = cls._read(text)
        if period is None:
            raise PeriodError(_("%(text)s is not a period: write a quarter as 2026Q1 or a month as 2026-03.")
                              % {"text": text.strip()[:40]})
        first, last = settings.PINGAN_LEAGUE_YEARS
        if not first <= period.year <= last:
            raise PeriodError(_("%(text)s is not a period of the league: its year lies between %(first)s and "
                                "%(last)s.") % {"text": text.strip()[:40], "first": first, "last": last})
        return period

    @classmethod
    def _read(cls, text: str) -> Period | None:
        if match := _QUARTER_KEY.match(text):
            return cls(int(match[1]), int(match[2]), QUARTER)
        if match := _CHINESE_QUARTER.match(text):
            number = _CHINESE_DIGITS.get(match[2]) or int(match[2])
            return cls(int(match[1]), number, QUARTER)
        if match := _MONTH_KEY.match(text):
            month = int(match[2])
            if 1 <= month <= 12:
                return cls(int(match[1]), month, MONTH)
        return None

    @classmethod
    def containing(cls, day: dt.date, kind: str = QUARTER) -> Period:
        if kind == MONTH:
            return cls(day.year, day.month, MONTH)
        return cls(day.year, (day.month - 1) // 3 + 1, QUARTER)

    @property
    def key(self) -> str:
        # Four digits always: a key is read back by parse, which reads no other year.
        if self.kind == QUARTER:
            return f"{self.year:04d}Q{self.number}"
        return f"{self.year:04d}-{self.number:02d}"

    def __str__(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        if self.kind == QUARTER:
            return _("Q%(number)s %(year)s") % {"number": self.number, "year": self.year}
        return _("%(month)s/%(year)s") % {"month": self.number, "year": self.year}

    @property
    def first_month(self) -> int:
        return (self.number - 1) * 3 + 1 if self.kind == QUARTER else self.number

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """The first day after the period (half-open, as every range here is)."""
        months = 3 if self.kind == QUARTER else 1
        month = self.first_month + months
        return dt.date(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    def previous(self) -> Period:
        if self.number > 1:
            return Period(self.year, self.number - 1, self.kind)
        return Period(self.year - 1, 4 if self.kind == QUARTER else 12, self.kind)

    def next(self) -> Period:
        last = 4 if self.kind == QUARTER else 12
        if self.number < last:
            return Period(self.year, self.number + 1, self.kind)
        return Period(self.year + 1, 1, self.kind)
