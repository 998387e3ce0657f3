"""Phone numbers in one normal form, so that the same number written differently is one
number: ``+86 138-1234-5678``, ``138 1234 5678`` and ``13812345678`` are ``13812345678``.

Petitions compare petitioners by phone; fraud cases link on phones; both read numbers as
people write them (spaces, dashes, brackets, +86 or 0086, full-width digits).
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

REASON_PHONE = _(
    "expected an 11-digit mobile number, a landline with its area code, a service number "
    "(95xxx, 400…) or an international number with its country code."
)
REASON_LANDLINE_AREA = _("a landline number needs its area code (e.g. 0570-1234567).")

PHONE_CHARS = re.compile(r"[+\d\s\-().]+", re.ASCII)
_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
# 95xxx/96xxx bank and utility lines, 400/800 company lines, 1xxxx carrier and government
# hotlines (10086, 12345): fraudsters impersonate them, so they must be recordable — and
# stoplisted, where they would otherwise join unrelated cases.
_SERVICE = re.compile(r"9[56]\d{3,6}|[48]00\d{7}|1\d{4}", re.ASCII)
_LANDLINE = re.compile(r"0[1-9]\d{8,10}", re.ASCII)


class PhoneError(ValueError):
    """Not a phone number; ``reason`` says why, for the caller's own message."""

    def __init__(self, reason: object) -> None:
        super().__init__(str(reason))
        self.reason = reason


def normal_phone(text: str) -> str:
    """``text`` (already NFKC-normalised and stripped) as digits: a mobile, a landline with
    its trunk 0, a service number, or ``+`` and an international number."""
    if _MOBILE.fullmatch(text):  # the common case, already clean
        return text
    if not PHONE_CHARS.fullmatch(text):
        raise PhoneError(REASON_PHONE)
    plus = text.startswith("+")
    digits = re.sub(r"\D", "", text, flags=re.ASCII)
    if plus or digits.startswith("00"):
        digits = digits.removeprefix("00")
        if not digits.startswith("86"):
            # Abroad (calls from overseas are common in telecom fraud): E.164, 8-15 digits.
            if 8 <= len(digits) <= 15 and digits[0] != "0":
                return "+" + digits
            raise PhoneError(REASON_PHONE)
        digits = _national(digits[2:])
    elif len(digits) == 13 and digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]
    if _MOBILE.fullmatch(digits) or _SERVICE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    if 7 <= len(digits) <= 8 and digits[0] not in "01":
        raise PhoneError(REASON_LANDLINE_AREA)
    raise PhoneError(REASON_PHONE)


def _national(digits: str) -> str:
    """After +86: mobiles and service numbers as they are; landlines get back the trunk 0
    that international dialling drops (+86 570 1234567 → 05701234567)."""
    if digits.startswith("0") or _MOBILE.fullmatch(digits) or _SERVICE.fullmatch(digits):
        return digits
    return "0" + digits


def clean_phone(value: str) -> str:
    """A phone number as a person typed it, in normal form; "" for nothing typed."""
    text = unicodedata.normalize("NFKC", value).strip()
    return normal_phone(text) if text else ""
