"""Fixtures of the suggestions tests: the office, a lead and a co-handler, a leader, and an
item registered and assigned through the services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone, translation

from pingan.core import errors
from pingan.core.deadlines import end_of_day
from pingan.core.models import Domain, RoleName, Unit, UnitKind
from pingan.demo.district import demo_login, demo_role, leader_in_charge
from pingan.suggestions import services
from pingan.suggestions.models import Channel, Session

PDF = ("答复函.pdf", b"%PDF-1.4 reply")


def noon(day: dt.date) -> dt.datetime:
    """Midday of a local day: steps back-dated to a day, clear of midnight either side."""
    return end_of_day(day) - dt.timedelta(hours=12)


def step(suggestion, name: str, actor, day: dt.date, **inputs):
    """Take step ``name`` of the loop at noon on ``day``, on the item as it stands now."""
    suggestion.refresh_from_db()
    return services.suggestion_transition(suggestion=suggestion, name=name, actor=actor,
                                          expected_version=suggestion.version, at=noon(day), **inputs)


def refusal(call, *args, **kwargs) -> errors.DomainError:
    """The refusal ``call(*args, **kwargs)`` raises (it must raise one)."""
    with pytest.raises(errors.DomainError) as refused:
        call(*args, **kwargs)
    return refused.value


def message(text, **kwargs) -> str:
    """A message constant as the services raise it: in the platform's language, filled in."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text).format(**kwargs)


@pytest.fixture
def traffic(district) -> Unit:
    """交警大队: the lead of the congested-road suggestion."""
    return Unit.objects.get(kind=UnitKind.DEPARTMENT, name="交警大队")


@pytest.fixture
def housing(district) -> Unit:
    """住建局: a co-handler."""
    return Unit.objects.get(kind=UnitKind.DEPARTMENT, name="住建局")


@pytest.fixture
def office(personas):
    """The office that registers, assigns and rates: the district admin, of every domain."""
    return personas.admin


@pytest.fixture
def lead_handler(traffic):
    """A 交警大队 handler of the hazards domain: the lead's people act whatever their domain."""
    user = demo_login("traffic", "交警大队 周涛")
    demo_role(user, traffic, RoleName.HANDLER, "秩序科", Domain.HAZARDS)
    return user


@pytest.fixture
def co_handler(housing):
    user = demo_login("housing", "住建局 何静")
    demo_role(user, housing, RoleName.HANDLER, "科员", Domain.HAZARDS)
    return user


@pytest.fixture
def leader(district):
    """The deputy district head who supervises key suggestions."""
    return leader_in_charge("suggestions_chief", "副区长 钱敏", district, Domain.SUGGESTIONS,
                            "副区长（领衔督办）")


@pytest.fixture
def board_clock():
    """The boards' tests run at 10:00 on ``boards.TODAY``."""
    from pingan.suggestions.tests.boards import NOW

    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def board_set(board_clock, assigned, make_suggestion, office, lead_handler, co_handler, housing, hangbu,
              leader):
    """The boards' hand-built items (``boards.BoardSet``)."""
    from pingan.suggestions.tests.boards import build_board_set

    return build_board_set(assigned=assigned, make_suggestion=make_suggestion, office=office,
                           lead_handler=lead_handler, co_handler=co_handler, housing=housing, hangbu=hangbu,
                           leader=leader)


@pytest.fixture
def session(office) -> Session:
    return services.session_get_or_create(actor=office, name="市八届人大一次会议", channel=Channel.CONGRESS,
                                          opened_on=dt.date(2022, 4, 26))


@pytest.fixture
def make_suggestion(office, session):
    """Register an item, numbered 1, 2, … by default."""
    numbers = iter(range(1, 10_000))

    def make(**overrides):
        fields = {"actor": office, "session": session, "number": str(next(numbers)),
                  "title": "关于解决双岭南路早晚高峰拥堵问题的建议", "proposers": "蒋薇",
                  "delegation": "市政协柯城委员小组", "category": "transport"}
        fields.update(overrides)
        return services.suggestion_register(**fields)

    return make


@pytest.fixture
def assigned(make_suggestion, office, traffic, housing):
    """An item assigned at noon on ``day`` (default today) to 交警大队, with 住建局 co-handling."""

    def make(day: dt.date | None = None, **overrides):
        at = noon(day) if day else timezone.now()
        suggestion = make_suggestion(at=at, **overrides)
        return services.suggestion_assign(suggestion=suggestion, actor=office, lead=traffic,
                                          co_handlers=[housing], expected_version=suggestion.version, at=at)

    return make
