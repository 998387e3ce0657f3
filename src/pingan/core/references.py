"""Reference numbers a person can read aloud over the phone: ``YH-2026-000123``.

One counter row per prefix and year. The increment is a single UPDATE, which takes the
row's write lock, so concurrent creations queue on it and never share a number; the number
is committed with the case, so a failed creation leaves no case holding it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from pingan.core.models import ReferenceCounter


def next_reference(prefix: str, year: int) -> str:
    return reserve_references(prefix, year, 1)[0]


def reserve_references(prefix: str, year: int, count: int) -> list[str]:
    """``count`` consecutive numbers taken in one counter update (a bulk import takes a
    hundred thousand at once, where one update each would serialise on the row lock)."""
    if count <= 0:
        return []
    with transaction.atomic():
        updated = ReferenceCounter.objects.filter(prefix=prefix, year=year).update(
            last=F("last") + count
        )
        if not updated:
            try:
                with transaction.atomic():
                    ReferenceCounter.objects.create(prefix=prefix, year=year, last=count)
            except IntegrityError:
                # Another transaction created the row first; take the numbers after it.
                ReferenceCounter.objects.filter(prefix=prefix, year=year).update(
                    last=F("last") + count
                )
        last = ReferenceCounter.objects.get(prefix=prefix, year=year).last
    return [format_reference(prefix, year, n) for n in range(last - count + 1, last + 1)]


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"
