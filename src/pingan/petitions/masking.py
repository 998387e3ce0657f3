"""How a petitioner's details read for someone who may not see them in full:
张*, 330802********1234, 138****5678, 浙江省衢州市****.

Masking keeps what a clerk needs to tell two petitioners apart on a list (surname, region,
last digits) and nothing that lets a reader call or find the person.

An accuser's details are withheld altogether outside the discipline office (a sealed line,
``core.scoping``): in a town, a surname and four digits can be enough to name them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Petitioner:
    name: str
    id_number: str
    phone: str
    address: str
    masked: bool
    withheld: bool = False


WITHHELD = Petitioner("", "", "", "", masked=True, withheld=True)


def petitioner_of(petition: Any, *, full: bool, withheld: bool = False) -> Petitioner:
    """The petitioner as this reader sees them: in full, masked, or (``withheld``) not at all."""
    if withheld:
        return WITHHELD
    name, number = petition.petitioner_name, petition.petitioner_id_number
    phone, address = petition.petitioner_phone, petition.petitioner_address
    if full:
        return Petitioner(name, number, phone, address, masked=False)
    return Petitioner(mask_name(name), mask_id_number(number), mask_phone(phone),
                      mask_address(address), masked=True)
