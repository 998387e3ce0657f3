"""Indicators and values for the league tests, written straight to the tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pingan.scoring.models import Indicator, Member, Value, ValueSource

RECORDED = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


def indicator(code: str, **fields) -> Indicator:
    defaults = {"name": code, "direction": "higher", "weight": Decimal(1), "method": "min_max"}
    return Indicator.objects.create(code=code, **{**defaults, **fields})


def member(table: str, name: str) -> Member:
    return Member.objects.get(table=table, name=name)


def record(indicator: Indicator, member: Member, period: str, value, sample: int | None = None) -> Value:
    return Value.objects.create(indicator=indicator, member=member, period=period, value=Decimal(str(value)),
                                sample=sample, source=ValueSource.ENTERED, recorded_at=RECORDED)
