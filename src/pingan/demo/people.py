"""Invented people, made one way for every domain: names from the name book of ``texts``,
unique names and logins for staff, and ID numbers that pass the check character (GB 11643)."""

from __future__ import annotations

import datetime as dt
import random

from pingan.demo.texts import GIVEN, SURNAMES
from pingan.petitions.idcard import check_character


def invented_name(rng: random.Random) -> tuple[str, str]:
    """A surname and a given name (their characters, without the pinyin)."""
    return rng.choice(SURNAMES)[0], rng.choice(GIVEN)[0]


def id_number(area: str, born: dt.date, sequence: int) -> str:
    """The 18-character ID number of someone born on ``born`` and registered in ``area``."""
    first_17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first_17 + check_character(first_17)


class NameBook:
    """Unique Chinese names with pinyin usernames (xujianhua, xujianhua2…)."""

    def __init__(self, rng: random.Random, taken: set[str]):
        self.rng = rng
        self.usernames = set(taken)
        self.full_names: set[str] = set()

    def new(self) -> tuple[str, str]:
        while True:
            surname = self.rng.choice(SURNAMES)
            given = self.rng.choice(GIVEN)
            name = surname[0] + given[0]
            if name not in self.full_names:
                break
        self.full_names.add(name)
        base = surname[1] + given[1]
        username, n = base, 2
        while username in self.usernames:
            username, n = f"{base}{n}", n + 1
        self.usernames.add(username)
        return name, username
