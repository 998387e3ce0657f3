"""Invented people, made one way for every domain: names from the name book of ``texts``,
staff hired with unique names and logins, and ID numbers that pass the check character
(GB 11643)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from pingan.core.models import Role, RoleName, Unit
from pingan.core.personal.idcard import check_character
from pingan.demo.district import DEMO_PASSWORD
from pingan.demo.texts import GIVEN, SURNAMES


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


@dataclass(frozen=True)
class Hire:
    user: Any
    unit: Unit
    role: str
    title: str  # the job title
    domain: str  # "" for every domain
    name: str  # the personal name, without the label before it


class Hiring:
    """A domain's staff, hired one by one and written together by ``save``: each with a
    unique name and login, the demo password (hashed once: the same for every demo login)
    and one role."""

    def __init__(self, rng: random.Random):
        self.user_model = get_user_model()
        self.password = make_password(DEMO_PASSWORD)
        self.book = NameBook(rng, set(self.user_model.objects.values_list("username", flat=True)))
        self.hires: list[Hire] = []

    def hire(self, unit: Unit, label: str, title: str, *, domain: str, role: str = RoleName.HANDLER,
             login: str = "") -> Any:
        """Someone shown as "``label`` name"; ``login`` is a fixed demo login, unless it is taken."""
        name, username = self.book.new()
        if login and login not in self.book.usernames:
            self.book.usernames.add(login)
            username = login
        user = self.user_model(username=username, first_name=f"{label} {name}", password=self.password)
        self.hires.append(Hire(user=user, unit=unit, role=role, title=title, domain=domain, name=name))
        return user

    def save(self) -> None:
        self.user_model.objects.bulk_create([hire.user for hire in self.hires])
        Role.objects.bulk_create(
            Role(user=hire.user, unit=hire.unit, role=hire.role, title=hire.title, domain=hire.domain)
            for hire in self.hires
        )
