"""Resident ID numbers (公民身份号码, GB 11643-1999): 6-digit region, 8-digit birth date,
3-digit sequence, and a check character computed over the first 17 (ISO 7064 MOD 11-2).

15-digit numbers from first-generation cards are refused: those cards stopped being valid
on 1 January 2013, so a person today holds an 18-digit number, and a 15-digit one is
far more often a number typed short than a genuine old card.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
EARLIEST_BIRTH = dt.date(1900, 1, 1)

MSG_ID_LENGTH = _("An ID number has 18 characters: 17 digits and a check digit (0–9 or X).")
MSG_ID_LEGACY = _(
    "15-digit ID numbers from first-generation cards are no longer valid: ask for the "
    "18-digit number on the current card."
)
MSG_ID_CHARACTERS = _("An ID number is 17 digits followed by a digit or X.")
MSG_ID_BIRTH_DATE = _("The birth date in the ID number (characters 7 to 14) is not a possible date.")
MSG_ID_CHECK_DIGIT = _(
    "The ID number's last character does not match the other 17: one of them was probably mistyped."
)
_SHAPE = re.compile(r"\d{17}[\dX]")


def check_character(first_17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first_17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def normalise_id_number(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def validate_id_number(value: str, *, today: dt.date | None = None) -> str:
    """The number normalised (no spaces, upper-case X), or a DomainError on ``id_number``
    saying what is wrong. The messages never repeat the number: errors are logged and
    shown where the number itself would be masked."""
    number = normalise_id_number(value)
    if len(number) == 15 and number.isdigit():
        raise errors.DomainError(MSG_ID_LEGACY, field="id_number")
    if len(number) != 18:
        raise errors.DomainError(MSG_ID_LENGTH, field="id_number")
    if not _SHAPE.fullmatch(number):
        raise errors.DomainError(MSG_ID_CHARACTERS, field="id_number")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    today = today or timezone.localdate()
    if born is None or not EARLIEST_BIRTH <= born <= today:
        raise errors.DomainError(MSG_ID_BIRTH_DATE, field="id_number")
    if check_character(number[:17]) != number[17]:
        raise errors.DomainError(MSG_ID_CHECK_DIGIT, field="id_number")
    return number
