"""How a person's details read for someone who may not see them in full:
张*, 330802********1234, 138****5678, 浙江省衢州市****.

Masking keeps what a clerk needs to tell two people apart on a list (surname, region,
last digits) and nothing that lets a reader call or find the person. A compound surname
(欧阳) keeps only its first character: less to go on, never more.

Some people are withheld altogether rather than masked (an accuser outside the discipline
office, ``petitions.selectors``): in a town, a surname and four digits can be enough to
name them.
"""

from __future__ import annotations

STAR = "*"
ADDRESS_KEPT = 6  # about province and city: 浙江省衢州市


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + STAR * max(len(name) - 1, 1)


def mask_id_number(number: str) -> str:
    if len(number) <= 10:
        return STAR * len(number)
    return number[:6] + STAR * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    if len(phone) < 8:
        return STAR * max(len(phone) - 2, 0) + phone[-2:]
    return phone[:3] + STAR * (len(phone) - 7) + phone[-4:]


def mask_address(address: str) -> str:
    if not address:
        return ""
    return address[:ADDRESS_KEPT] + STAR * 4 if len(address) > ADDRESS_KEPT else STAR * 4
