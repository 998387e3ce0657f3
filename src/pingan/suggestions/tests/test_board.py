"""The boards: figures per handling unit and per session on a hand-built set of items (the
reply's due day itself on time, the day after late), scoping, the key suggestions, the
promises falling due at the edge of their window, the page and its links, and no query per
unit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pingan.core.models import Unit, UnitKind
from pingan.suggestions import selectors, services
from pingan.suggestions.models import Satisfaction, Status
from pingan.suggestions.tests.boards import TODAY, rate, reply, step

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("board_clock")]


def _rows(board):
    return {row.label: row for row in board.rows}


def test_the_reply_on_its_due_day_is_on_time_the_day_after_late(board_set):
    for item in (board_set.on_time, board_set.late):
        item.refresh_from_db()
        assert item.reply_due == dt.date(2026, 6, 30)
    assert board_set.on_time.first_reply_on_time is True  # replied on 30 June
    assert board_set.late.first_reply_on_time is False  # replied on 1 July
    states = {s.pk: s.reply_state for s in selectors.board_items(board_set.on_time.reporter)
              .annotate(reply_state=selectors.reply_state_expression(TODAY))}
    assert states[board_set.on_time.pk] == selectors.ReplyState.ON_TIME
    assert states[board_set.late.pk] == selectors.ReplyState.LATE
    assert states[board_set.overdue.pk] == selectors.ReplyState.OVERDUE
    assert states[board_set.pending.pk] == selectors.ReplyState.PENDING
    assert states[board_set.registered.pk] == states[board_set.returned.pk] == selectors.ReplyState.AWAITING
    assert states[board_set.withdrawn.pk] == selectors.ReplyState.WITHDRAWN


def test_figures_per_handling_unit(board_set, office, traffic, housing, hangbu):
    board = selectors.board_by_unit(selectors.board_items(office), today=TODAY)
    assert [row.label for row in board.rows] == ["航埠镇", "交警大队", "住建局"]  # by prefix: towns first
    rows = _rows(board)
    lead = rows["交警大队"]
    assert (lead.key, lead.code) == (traffic.pk, traffic.code)
    assert {name: lead.counts[name] for name in ("assigned", "replied", "on_time", "late", "overdue", "rated",
                                                 "returned", "rehandled", "withdrawn")} == {
        "assigned": 6, "replied": 3, "on_time": 2, "late": 1, "overdue": 1, "rated": 2, "returned": 1,
        "rehandled": 0, "withdrawn": 1}
    assert lead.judged == 4 and lead.on_time_rate == 50.0
    assert lead.classes == [("A", 1), ("B", 1), ("C", 0), ("D", 1)]
    assert lead.satisfaction == [(Satisfaction.SATISFIED, 1), (Satisfaction.BASICALLY, 1),
                                 (Satisfaction.DISSATISFIED, 0)]
    assert lead.satisfaction_rate == 100.0

    own = rows["住建局"]
    assert (own.counts["assigned"], own.counts["on_time"], own.counts["rehandled"]) == (1, 1, 1)
    assert own.classes == [("A", 0), ("B", 0), ("C", 1), ("D", 0)]
    assert own.counts[Satisfaction.DISSATISFIED] == 1 and own.satisfaction_rate == 0.0

    town = rows["航埠镇"]
    assert (town.key, town.counts["assigned"], town.counts["replied"]) == (hangbu.pk, 1, 0)
    assert town.on_time_rate is None and town.satisfaction_rate is None  # nothing to judge: "—", not 0%

    total = board.total
    assert (total.counts["assigned"], total.counts["replied"], total.counts["on_time"]) == (8, 4, 3)
    assert total.on_time_rate == 60.0  # 3 on time of 4 replied + 1 overdue
    assert total.satisfaction_rate == 66.7  # 满意 + 基本满意 of 3 rated
    assert (total.counts["returned"], total.counts["rehandled"], total.counts["withdrawn"]) == (1, 1, 1)


def test_figures_per_session_count_the_registered_and_awaiting(board_set, office, session):
    other = services.session_get_or_create(actor=office, name="市政协八届一次会议", channel="conference",
                                           opened_on=dt.date(2022, 4, 25))
    services.suggestion_register(actor=office, session=other, number="1", title="关于围棋文化推广的提案",
                                 proposers="徐丽英")
    board = selectors.board_by_session(selectors.board_items(office), today=TODAY)
    assert [row.label for row in board.rows] == ["市八届人大一次会议", "市政协八届一次会议"]  # newest first
    congress, conference = board.rows
    assert (congress.key, congress.counts["registered"], congress.counts["awaiting"]) == (session.pk, 10, 2)
    assert (congress.counts["assigned"], congress.on_time_rate, congress.counts["returned"]) == (8, 60.0, 1)
    assert (conference.counts["registered"], conference.counts["assigned"]) == (1, 0)
    assert conference.on_time_rate is None
    assert board.total.counts["registered"] == 11
    only = selectors.board_by_unit(selectors.board_items(office, session=other), today=TODAY)
    assert only.rows == [] and only.total.counts["assigned"] == 0


def test_a_department_sees_its_own_and_co_handled_rows_an_outsider_nothing(
        board_set, lead_handler, co_handler, personas):
    lead_board = selectors.board_by_unit(selectors.board_items(lead_handler), today=TODAY)
    assert [row.label for row in lead_board.rows] == ["交警大队"]
    assert lead_board.total.counts["assigned"] == 6 and lead_board.total.counts["returned"] == 1

    # 住建局 leads its own and co-handles 交警大队's: not 航埠镇's.
    co_board = selectors.board_by_unit(selectors.board_items(co_handler), today=TODAY)
    assert [row.label for row in co_board.rows] == ["交警大队", "住建局"]

    nothing = selectors.board_by_unit(selectors.board_items(personas.outsider), today=TODAY)
    assert nothing.rows == [] and nothing.total.counts["assigned"] == 0
    assert nothing.total.on_time_rate is None
    assert selectors.board_by_session(selectors.board_items(personas.outsider), today=TODAY).rows == []
    assert list(selectors.board_sessions(personas.outsider)) == []
    assert selectors.key_suggestions(selectors.board_items(personas.outsider), today=TODAY) == []


def test_key_suggestions_with_their_leader(board_set, office, leader):
    key = selectors.key_suggestions(selectors.board_items(office), today=TODAY)
    assert [item.suggestion.pk for item in key] == [board_set.on_time.pk, board_set.overdue.pk]  # by number
    assert {item.suggestion.supervising_leader for item in key} == {leader}
    assert [item.reply_state for item in key] == [selectors.ReplyState.ON_TIME, selectors.ReplyState.OVERDUE]
    assert key[0].lead.name == "交警大队" and key[0].suggestion.status == Status.CLOSED


def test_promises_falling_due_nearest_first_within_the_window(settings, assigned, lead_handler, office):
    settings.PINGAN_SUGGESTION_PROMISE_SOON_DAYS = 30
    june = dt.date(2026, 6, 1)

    def promised(by, *, kept=False, withdrawn=False):
        item = assigned(dt.date(2026, 4, 1))
        reply(item, lead_handler, june, "B", promise=by)
        if kept:
            rate(item, office, june + dt.timedelta(days=1), Satisfaction.SATISFIED)
            step(item, "keep_promise", lead_handler, dt.date(2026, 7, 5), note="已完成")
        if withdrawn:
            step(item, "withdraw", office, dt.date(2026, 7, 5), note="代表撤回")
        return item

    edge = promised(TODAY + dt.timedelta(days=30))
    promised(TODAY + dt.timedelta(days=31))
    past = promised(dt.date(2026, 7, 10))
    promised(dt.date(2026, 7, 20), kept=True)
    promised(dt.date(2026, 7, 20), withdrawn=True)
    today_due = promised(TODAY)
    falling = selectors.promises_falling_due(selectors.board_items(office), today=TODAY)
    assert [(item.suggestion.pk, item.days_left) for item in falling] == [
        (past.pk, -5), (today_due.pk, 0), (edge.pk, 30)]
    assert falling[0].days_overdue == 5 and falling[2].days_overdue == 0
    assert falling[0].lead.name == "交警大队"


def test_a_unit_s_items_are_the_ones_it_leads(board_set, office, traffic):
    led = selectors.item_list(selectors.led_by(selectors.board_items(office), traffic), today=TODAY)
    assert {item.suggestion for item in led} == {
        board_set.on_time, board_set.late, board_set.overdue, board_set.pending, board_set.early,
        board_set.withdrawn}
    assert len(selectors.item_list(selectors.led_by(selectors.board_items(office), traffic), limit=2)) == 2


def test_no_query_per_unit(board_set, office, assigned, make_suggestion, django_assert_max_num_queries):
    items = selectors.board_items(office)
    with django_assert_max_num_queries(3):  # the figures, the returns, the units' names
        board = selectors.board_by_unit(items, today=TODAY)
    assert len(board.rows) == 3
    with django_assert_max_num_queries(3):
        selectors.board_by_session(items, today=TODAY)


def _page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_s_queries_do_not_grow_with_units(board_set, client, office, make_suggestion):
    client.force_login(office)
    url = reverse("suggestions:board")
    before = _page_queries(client, url)
    for name in ("应急管理局", "消防救援大队", "公安分局"):
        item = make_suggestion()
        services.suggestion_assign(suggestion=item, actor=office, lead=Unit.objects.get(name=name),
                                   expected_version=item.version)
    assert _page_queries(client, url) == before


# --- The page ------------------------------------------------------------------------------


def test_the_board_page_links_each_figure_to_the_list(board_set, client, office, session, traffic):
    client.force_login(office)
    response = client.get(reverse("suggestions:board"), {"session": session.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "建议提案办理情况" in page and "交警大队" in page and "航埠镇" in page
    lead = f"session={session.pk}&amp;lead={traffic.code.replace('&', '&amp;')}"
    assert f"?{lead}&amp;reply=late\"" in page
    assert f"?{lead}&amp;reply=overdue\"" in page
    assert f"?{lead}&amp;assigned=true\"" in page
    assert f"?{lead}&amp;status=withdrawn&amp;assigned=true\"" in page
    assert f"?{lead}&amp;result_class=B\"" in page
    assert f"?{lead}&amp;satisfaction=satisfied\"" in page
    assert f"?session={session.pk}&amp;unit={traffic.pk}\"" in page  # the unit's own board
    assert "50%" in page and "60%" in page and "66.7%" in page and "—" in page
    assert 'id="board-chart-data"' in page and "vendor/echarts/echarts.min.js" in page
    assert board_set.overdue.ref in page and "副区长 钱敏" in page  # a key suggestion and its leader
    assert board_set.late.ref in page and "2026-08-10" in page  # its promise falls due in 26 days
    assert "board-sessions" not in page  # one session chosen: no per-session table
    everything = client.get(reverse("suggestions:board")).content.decode()
    assert 'id="board-sessions"' in everything and f'href="?session={session.pk}"' in everything


def test_a_unit_s_board_shows_its_row_and_its_items(board_set, client, office, traffic):
    client.force_login(office)
    response = client.get(reverse("suggestions:board"), {"unit": traffic.pk})
    assert response.status_code == 200
    assert [row.label for row, _cells in response.context["rows"]] == ["交警大队"]
    assert response.context["summary"].counts["assigned"] == 6
    page = response.content.decode()
    assert board_set.pending.ref in page and board_set.housing_own.ref not in page
    assert f"?lead={traffic.code}\"" in page  # open them in the list
    assert f"?lead={traffic.code}&amp;key=true\"" in page  # and its key suggestions, not others'


def test_the_page_in_scope_and_its_bad_input(board_set, client, personas, lead_handler):
    client.force_login(personas.outsider)
    page = client.get(reverse("suggestions:board")).content.decode()
    assert "交警大队" not in page and board_set.overdue.ref not in page
    client.force_login(lead_handler)
    page = client.get(reverse("suggestions:board")).content.decode()
    assert board_set.housing_own.ref not in page and "住建局" not in page
    for bad in ({"session": "abc"}, {"unit": "0"}, {"session": "1\x00"}):
        response = client.get(reverse("suggestions:board"), bad)
        assert response.status_code == 400 and "alert-warning" in response.content.decode()
    assert client.get(reverse("suggestions:board"), {"session": 999_999}).status_code == 404
    assert client.get(reverse("suggestions:board"), {"unit": 999_999}).status_code == 404


def test_the_page_needs_a_login(client):
    response = client.get(reverse("suggestions:board"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_town_leading_counts_as_its_own_unit(board_set, office, hangbu):
    assert hangbu.kind in (UnitKind.TOWN, UnitKind.TOWNSHIP, UnitKind.SUBDISTRICT)
    led = selectors.item_list(selectors.led_by(selectors.board_items(office), hangbu), today=TODAY)
    assert [item.suggestion.pk for item in led] == [board_set.town_own.pk]
    assert led[0].lead == hangbu and led[0].reply_state == selectors.ReplyState.PENDING
