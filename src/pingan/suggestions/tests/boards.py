"""A hand-built set of items for the board and export tests, made through the services with
back-dated steps, on a clock frozen at ``TODAY`` (10:00 in the district): the ``board_set``
and ``board_clock`` fixtures (``conftest``)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from pingan.suggestions import services
from pingan.suggestions.models import Satisfaction, Suggestion
from pingan.suggestions.tests.conftest import noon

TODAY = dt.date(2026, 7, 15)
NOW = dt.datetime.combine(TODAY, dt.time(10), tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
PDF = ("答复函.pdf", b"%PDF-1.4 reply")


def step(suggestion: Suggestion, name: str, actor: Any, day: dt.date, **inputs: Any) -> Suggestion:
    suggestion.refresh_from_db()
    return services.suggestion_transition(suggestion=suggestion, name=name, actor=actor,
                                          expected_version=suggestion.version, at=noon(day), **inputs)


def reply(suggestion: Suggestion, actor: Any, day: dt.date, code: str,
          promise: dt.date | None = None) -> None:
    """Contact the proposer on the day of the reply, then reply with class ``code``."""
    step(suggestion, "record_contact", actor, day, note="电话沟通", way="phone", contacted_on=day)
    step(suggestion, "reply", actor, day, note="已答复", result_class=code, promise_due=promise,
         reply_document=[PDF])


def rate(suggestion: Suggestion, office: Any, day: dt.date, satisfaction: str) -> None:
    suggestion.refresh_from_db()
    services.suggestion_rate(suggestion=suggestion, actor=office, satisfaction=satisfaction,
                             expected_version=suggestion.version, at=noon(day))


@dataclass
class BoardSet:
    """The items by what they show: 交警大队 leads most (住建局 co-handles them), 住建局 leads
    one of its own, 航埠镇 one of its place."""

    on_time: Suggestion  # key; replied on its due date (30 June), class A, 满意
    late: Suggestion  # replied the day after, class B promising 10 Aug, 基本满意
    overdue: Suggestion  # key; due 30 June, no reply
    pending: Suggestion  # assigned 1 July, not yet due
    registered: Suggestion  # never assigned
    early: Suggestion  # replied well before its due date, class D, not rated
    returned: Suggestion  # returned by 交警大队, awaiting re-assignment
    withdrawn: Suggestion  # assigned to 交警大队, then withdrawn
    housing_own: Suggestion  # 住建局 leads, no co-handler: class C, 不满意, re-handled
    town_own: Suggestion  # 航埠镇 leads, no reply yet, not due


def build_board_set(*, assigned: Any, make_suggestion: Any, office: Any, lead_handler: Any,
                    co_handler: Any, housing: Any, hangbu: Any, leader: Any) -> BoardSet:
    march_end, mid_april = dt.date(2026, 3, 31), dt.date(2026, 4, 15)
    on_time = assigned(march_end, is_key=True, supervising_leader=leader)
    reply(on_time, lead_handler, dt.date(2026, 6, 30), "A")
    rate(on_time, office, dt.date(2026, 7, 1), Satisfaction.SATISFIED)

    late = assigned(march_end)
    reply(late, lead_handler, dt.date(2026, 7, 1), "B", promise=dt.date(2026, 8, 10))
    rate(late, office, dt.date(2026, 7, 2), Satisfaction.BASICALLY)

    overdue = assigned(march_end, is_key=True, supervising_leader=leader)
    pending = assigned(dt.date(2026, 7, 1))
    registered = make_suggestion(at=noon(march_end))

    early = assigned(mid_april)
    reply(early, lead_handler, dt.date(2026, 6, 1), "D")

    returned = assigned(dt.date(2026, 7, 10))
    step(returned, "return", lead_handler, dt.date(2026, 7, 12), note="不属于本单位职责")

    withdrawn = assigned(mid_april)
    step(withdrawn, "withdraw", office, dt.date(2026, 5, 1), note="代表撤回")

    housing_own = make_suggestion(at=noon(mid_april), title="关于老旧小区加装电梯的建议")
    services.suggestion_assign(suggestion=housing_own, actor=office, lead=housing,
                               expected_version=housing_own.version, at=noon(mid_april))
    reply(housing_own, co_handler, dt.date(2026, 5, 20), "C", promise=dt.date(2026, 9, 30))
    rate(housing_own, office, dt.date(2026, 5, 25), Satisfaction.DISSATISFIED)

    town_own = make_suggestion(at=noon(dt.date(2026, 7, 1)), title="关于航埠镇农贸市场改造的建议")
    services.suggestion_assign(suggestion=town_own, actor=office, lead=hangbu,
                               expected_version=town_own.version, at=noon(dt.date(2026, 7, 1)))
    return BoardSet(on_time=on_time, late=late, overdue=overdue, pending=pending, registered=registered,
                    early=early, returned=returned, withdrawn=withdrawn, housing_own=housing_own,
                    town_own=town_own)

