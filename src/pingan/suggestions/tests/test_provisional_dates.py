"""A due date counted over a year whose holiday schedule is not confirmed (2027 in the
tests) is marked provisional wherever the suggestions pages show it: the list's rows, the
item's header and its clock (each computed term on its own), the board's key suggestions;
one counted over a confirmed year is not."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from pingan.core.models import Event
from pingan.suggestions.clock import suggestion_clock
from pingan.suggestions.models import Satisfaction
from pingan.suggestions.tests.boards import rate, reply

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
BADGE = "data-due-provisional"


def _at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=TZ), tick=True)


def _clock(suggestion):
    suggestion.refresh_from_db()
    return {entry.key: entry for entry in suggestion_clock(suggestion, list(Event.objects.filter(
        case_id=suggestion.pk).order_by("seq")))}


def _row(page: str, ref: str) -> str:
    """The table row (``<tr>`` to ``</tr>``) of the page that holds ``ref``."""
    return next(row for row in page.split("<tr") if f">{ref}</a>" in row).split("</tr>")[0]


def _term(page: str, key: str) -> str:
    """The clock's entry ``key`` as the page draws it."""
    return page.split(f'data-term="{key}"')[1].split("</li>")[0]


@pytest.fixture
def items(assigned, leader):
    """Two key suggestions, assigned on 15 October (reply due 15 January 2027: provisional)
    and on 1 September 2026 (due 1 December: final), seen on 16 October."""
    with _at(dt.date(2026, 10, 16)):
        provisional = assigned(dt.date(2026, 10, 15), is_key=True, supervising_leader=leader)
        final = assigned(dt.date(2026, 9, 1), is_key=True, supervising_leader=leader)
        yield provisional, final


def test_the_reply_due_in_an_unconfirmed_year_is_provisional_its_other_terms_not(items):
    provisional, final = items
    provisional.refresh_from_db()
    final.refresh_from_db()
    assert (provisional.reply_due, provisional.due_provisional) == (dt.date(2027, 1, 15), True)
    assert (final.reply_due, final.due_provisional) == (dt.date(2026, 12, 1), False)
    clock = _clock(provisional)
    assert clock["reply"].provisional is True
    # The return window (26 October) and the co-handler's opinion (15 December) end in 2026.
    co_opinion = next(key for key in clock if key.startswith("opinion-"))
    assert clock["return"].provisional is False and clock[co_opinion].provisional is False
    assert not any(entry.provisional for entry in _clock(final).values())


def test_the_detail_page_marks_the_provisional_term_only(client, items, office):
    provisional, final = items
    client.force_login(office)
    page = client.get(reverse("suggestions:detail", args=[provisional.ref])).content.decode()
    assert BADGE in _term(page, "reply") and BADGE not in _term(page, "return")
    assert BADGE in page.split('id="clock"')[0]  # the header's due badge
    assert BADGE not in client.get(reverse("suggestions:detail", args=[final.ref])).content.decode()


def test_the_list_and_the_board_mark_the_provisional_date(client, items, office):
    provisional, final = items
    client.force_login(office)
    listed = client.get(reverse("suggestions:list")).content.decode()
    assert BADGE in _row(listed, provisional.ref) and BADGE not in _row(listed, final.ref)
    board = client.get(reverse("suggestions:board")).content.decode()
    key_table = board.split('id="board-key"')[1].split("</table>")[0]
    assert "2027-01-15" in _row(key_table, provisional.ref) and BADGE in _row(key_table, provisional.ref)
    assert BADGE not in _row(key_table, final.ref)


def test_a_re_handling_due_in_an_unconfirmed_year_is_provisional_a_promise_never(
        assigned, lead_handler, office):
    with _at(dt.date(2026, 12, 15)):
        item = assigned(dt.date(2026, 10, 1))
        reply(item, lead_handler, dt.date(2026, 11, 20), "B", promise=dt.date(2027, 3, 1))
        rate(item, office, dt.date(2026, 12, 10), Satisfaction.DISSATISFIED)
        clock = _clock(item)
    assert clock["rehandle"].due.year == 2027 and clock["rehandle"].provisional is True
    # The reply was given: its date stays what it was; the promise is the lead's date, not counted.
    assert clock["reply"].provisional is False and clock["promise"].provisional is False
