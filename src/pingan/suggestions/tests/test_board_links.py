"""Every figure of the boards equals the count of the list its link opens: per handling unit
and per session, their totals, a unit's own board, for the office and for a unit that sees
only its own and its co-handled items. The set covers every state an item can be in,
including the three a board can miscount: returned, re-assigned, and withdrawn while returned
(led by no unit)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from django.urls import reverse

from pingan.suggestions import selectors, services
from pingan.suggestions.models import Status
from pingan.suggestions.tests.boards import TODAY, step
from pingan.suggestions.tests.conftest import noon
from pingan.suggestions.views import LIST_PAGE
from pingan.testing import api_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("board_clock")]

# Figures no filter of the list picks: a rate, or a count of returns and re-handlings.
UNLINKED = {"on_time_rate", "satisfaction_rate", "returned", "rehandled"}


@pytest.fixture
def every_state(board_set, assigned, make_suggestion, office, lead_handler, housing):
    """``board_set`` (registered, assigned, returned, replied on time and late, overdue, rated
    each way, re-handled, promises, withdrawn after assignment) and what it lacks: an item
    returned and re-assigned to 住建局, one withdrawn while returned, one withdrawn before any
    assignment, and an item of another session."""
    reassigned = assigned(dt.date(2026, 6, 1))
    step(reassigned, "return", lead_handler, dt.date(2026, 6, 5), note="应由住建局主办")
    reassigned.refresh_from_db()
    services.suggestion_assign(suggestion=reassigned, actor=office, lead=housing,
                               expected_version=reassigned.version, at=noon(dt.date(2026, 6, 10)))

    withdrawn_returned = assigned(dt.date(2026, 6, 1))
    step(withdrawn_returned, "return", lead_handler, dt.date(2026, 6, 3), note="不属于本单位职责")
    step(withdrawn_returned, "withdraw", office, dt.date(2026, 6, 20), note="代表撤回")

    withdrawn_unassigned = make_suggestion(at=noon(dt.date(2026, 4, 1)))
    step(withdrawn_unassigned, "withdraw", office, dt.date(2026, 5, 1), note="代表撤回")

    conference = services.session_get_or_create(actor=office, name="市政协八届一次会议", channel="conference",
                                                opened_on=dt.date(2022, 4, 25))
    other = services.suggestion_register(actor=office, session=conference, number="1",
                                         title="关于围棋文化推广的提案", proposers="徐丽英")
    services.suggestion_assign(suggestion=other, actor=office, lead=housing, expected_version=other.version,
                               at=noon(dt.date(2026, 7, 1)))
    return {"reassigned": reassigned, "withdrawn_returned": withdrawn_returned,
            "withdrawn_unassigned": withdrawn_unassigned, "conference": conference}


def _listed(user, query: str) -> int:
    """How many items the list shows for ``query``, parsed as the list page parses it."""
    filters, problems = LIST_PAGE.parse(QueryDict(query))
    assert filters is not None, problems
    return selectors.suggestion_list(user=user, filters=filters).count()


def _walk(client, user, params) -> list[tuple[str, int]]:
    """Each linked figure of the board page for ``params`` as (its query, its value), after
    checking that every figure with no link is one no list filter can pick."""
    response = client.get(reverse("suggestions:board"), params)
    assert response.status_code == 200
    context = response.context
    rows = [*context["rows"], *(context.get("session_rows") or [])]
    tables = [*(row_cells for _row, row_cells in rows), context.get("total_cells") or [],
              context.get("session_total") or []]
    linked = []
    for cell in (cell for row_cells in tables for cell in row_cells):
        if cell.query is None:
            assert cell.figure.name in UNLINKED
        else:
            linked.append((cell.query, cell.value))
    if context.get("unit_query") is not None:
        # A unit's board: its items and its key suggestions, each opened in the list.
        summary = context["summary"]
        linked.append((context["unit_query"], summary.counts["assigned"] if summary else 0))
        if context["key_items"]:
            key_query = f"{context['unit_query']}&key=true"
            assert f"?{key_query.replace('&', '&amp;')}\"" in response.content.decode()
            linked.append((key_query, len(context["key_items"])))
    return linked


def _assert_links_agree(client, user, params) -> int:
    client.force_login(user)
    linked = _walk(client, user, params)
    wrong = [(query, value, _listed(user, query)) for query, value in linked if _listed(user, query) != value]
    assert wrong == []
    return len(linked)


def test_every_figure_counts_what_its_link_lists(client, every_state, office, co_handler, lead_handler,
                                                 session, traffic, housing):
    conference = every_state["conference"]
    walked = 0
    for user in (office, co_handler, lead_handler):
        for params in ({}, {"session": session.pk}, {"session": conference.pk}, {"unit": traffic.pk},
                       {"unit": housing.pk}, {"session": session.pk, "unit": housing.pk}):
            walked += _assert_links_agree(client, user, params)
    assert walked > 300  # every count of every row and total, for three readers


def test_a_unit_leads_what_it_holds_not_what_it_returned(every_state, board_set, office, traffic, housing):
    board = selectors.board_by_unit(selectors.board_items(office), today=TODAY)
    lead, own = board.row(traffic.pk), board.row(housing.pk)
    # 交警大队 returned three: the one awaiting re-assignment, the one re-assigned to 住建局 and the
    # one withdrawn while returned; it leads none of them, nor counts that one as withdrawn.
    assert (lead.counts["assigned"], lead.counts["returned"], lead.counts["withdrawn"]) == (6, 3, 1)
    # 住建局 leads its own, the re-assigned one and the conference's.
    assert (own.counts["assigned"], own.counts["returned"]) == (3, 0)
    assert board.total.counts["assigned"] == 10 and board.total.counts["withdrawn"] == 1
    led = selectors.led_by(selectors.board_items(office), traffic)
    assert not led.filter(pk__in=[board_set.returned.pk, every_state["reassigned"].pk,
                                  every_state["withdrawn_returned"].pk]).exists()

    by_session = selectors.board_by_session(selectors.board_items(office), today=TODAY)
    total = by_session.total.counts
    # 14 registered: 10 led by a unit, 2 awaiting (registered, returned), 2 withdrawn unled.
    assert (total["registered"], total["assigned"], total["awaiting"], total["withdrawn"]) == (14, 10, 2, 3)


def test_the_assigned_filter_picks_the_items_a_unit_leads_and_the_rest(every_state, board_set, office):
    def listed(**chosen):
        return set(selectors.suggestion_list(user=office, filters=selectors.SuggestionFilters(**chosen)))

    unled = {board_set.registered, board_set.returned, every_state["withdrawn_returned"],
             every_state["withdrawn_unassigned"]}
    assert listed(assigned=False) == unled
    assert listed(assigned=True) == listed() - unled
    assert listed(assigned=True, status=[Status.WITHDRAWN]) == {board_set.withdrawn}


def test_the_api_takes_the_assigned_filter(every_state, board_set, office):
    response = api_client(office).get("/api/v1/suggestions", {"assigned": "false"})
    assert response.status_code == 200, response.content
    refs = {item["ref"] for item in response.json()["items"]}
    assert board_set.returned.ref in refs and board_set.on_time.ref not in refs
