"""The league pages: who sees and who manages, sorting, the marks of a standing, a member's
breakdown with its weak indicators and their task links, and the all-or-nothing values grid."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from pingan.scoring.models import Indicator, Member, Standing, Table, Value
from pingan.scoring.periods import Period
from pingan.testing import api_client

pytestmark = pytest.mark.django_db

TABLE = reverse("scoring:table")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["admin", "town_handler", "outsider"])
def test_every_official_sees_the_tables(personas, league, who):
    client = _client(getattr(personas, who))
    for table in Table.values:
        response = client.get(TABLE, {"table": table, "period": "2026Q4"})
        assert response.status_code == 200
    body = client.get(TABLE, {"table": "towns"}).content.decode()
    assert "航埠镇" in body
    manager = who == "admin"
    assert ('action="/league/recompute/"' in body) is manager
    assert (reverse("scoring:values") in body) is manager


def test_the_table_opens_on_the_latest_period(personas, league):
    body = _client(personas.town_handler).get(TABLE).content.decode()
    assert re.search(r'<option value="2026Q4" selected>', body)


def test_anonymous_is_sent_to_sign_in(league):
    assert Client().get(TABLE).status_code == 302


def test_managing_is_refused_to_others(personas, league):
    client = _client(personas.town_handler)
    q4 = {"table": "towns", "period": "2026Q4"}
    assert client.post(reverse("scoring:recompute"), q4).status_code == 403
    assert client.get(reverse("scoring:values")).status_code == 403
    assert client.post(reverse("scoring:values"), {"table": "towns", "period": "2026Q4"}).status_code == 403


def test_a_manager_recomputes(personas, league):
    Standing.objects.filter(table="towns", period="2026Q4").delete()
    q4 = {"table": "towns", "period": "2026Q4"}
    response = _client(personas.admin).post(reverse("scoring:recompute"), q4)
    assert response.status_code == 302
    assert Standing.objects.filter(table="towns", period="2026Q4").count() == len(league["towns"])


def test_a_table_or_period_no_one_can_read_is_said_not_failed(personas, league):
    client = _client(personas.admin)
    for query in ({"table": "villages"}, {"period": "2026Q9"}):
        response = client.get(TABLE, query, follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == TABLE
        assert list(response.context["messages"])


# --- The table's rows -------------------------------------------------------------------------


@pytest.fixture
def hand_table(personas):
    """Five members of the towns' table with hand-made standings for 2026Q2."""
    members = [Member.objects.create(table="towns", code=f"9{i}", name=name)
               for i, name in enumerate(["甲镇", "乙镇", "丙镇", "丁镇", "戊镇"])]
    rows = [  # rank, previous, composite, flag, last
        (1, 2, "91.50", True, False), (2, 2, "88.00", True, False), (3, 1, "70.25", True, False),
        (4, None, "40.00", False, True), (None, 3, None, False, False)]
    for member, (rank, previous, composite, flag, last) in zip(members, rows, strict=True):
        Standing.objects.create(table="towns", period="2026Q2", member=member, rank=rank,
                                previous_rank=previous,
                                composite=composite, red_flag=flag, last_place=last,
                                scores={"fires": None if rank is None else 100 - 10 * rank},
                                computed_at=timezone.now())
    return members


def _names(body: str) -> list[str]:
    return re.findall(r'<td><a href="/league/towns/[^"]+">([^<]+)</a></td>', body)


def test_flags_last_place_and_arrows(personas, hand_table):
    body = _client(personas.town_handler).get(TABLE, {"table": "towns", "period": "2026Q2"}).content.decode()
    tbody = body[body.index("<tbody>"):body.index("</tbody>")]
    assert tbody.count("league-flag-icon") == 3
    assert tbody.count("末位") == 1
    assert "▲1" in tbody and "▼2" in tbody and "新上榜" in tbody and "不参与排名" in tbody
    assert _names(body) == ["甲镇", "乙镇", "丙镇", "丁镇", "戊镇"]


def test_a_run_of_red_flags_is_shown(personas, hand_table):
    """甲镇 held the flag in 2026Q1 too: two in a row, on the table and on its page."""
    Standing.objects.create(table="towns", period="2026Q1", member=hand_table[0], rank=2, composite="80.00",
                            red_flag=True, computed_at=timezone.now())
    client = _client(personas.town_handler)
    body = client.get(TABLE, {"table": "towns", "period": "2026Q2"}).content.decode()
    tbody = body[body.index("<tbody>"):body.index("</tbody>")]
    assert tbody.count("×2") == 1 and "连续 2 期获流动红旗" in tbody
    page = client.get(reverse("scoring:member", args=["towns", hand_table[0].code]), {"period": "2026Q2"})
    assert "连续 2 期获流动红旗" in page.content.decode()


@pytest.mark.parametrize(("sort", "order"), [
    ("rank", ["甲镇", "乙镇", "丙镇", "丁镇", "戊镇"]),
    ("-rank", ["丁镇", "丙镇", "乙镇", "甲镇", "戊镇"]),
    ("composite", ["丁镇", "丙镇", "乙镇", "甲镇", "戊镇"]),
    ("-composite", ["甲镇", "乙镇", "丙镇", "丁镇", "戊镇"]),
    ("-unit", ["丁镇", "丙镇", "乙镇", "甲镇", "戊镇"]),  # by code, the unranked still last
    ("-change", ["甲镇", "乙镇", "丙镇", "丁镇", "戊镇"]),  # +1, 0, −2; no change known after
    ("change", ["丙镇", "乙镇", "甲镇", "丁镇", "戊镇"]),
    ("fires", ["丁镇", "丙镇", "乙镇", "甲镇", "戊镇"]),
    ("nonsense", ["甲镇", "乙镇", "丙镇", "丁镇", "戊镇"]),  # an unknown order falls back to rank
])
def test_sorting(personas, hand_table, sort, order):
    Indicator.objects.create(code="fires", name="火灾起数", direction="lower", weight=1, method="min_max")
    body = _client(personas.town_handler).get(
        TABLE, {"table": "towns", "period": "2026Q2", "sort": sort}).content.decode()
    assert _names(body) == order


def test_the_export_is_a_workbook(personas, league):
    q4 = {"table": "towns", "period": "2026Q4"}
    response = _client(personas.outsider).get(reverse("scoring:export"), q4)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


# --- A member's breakdown ---------------------------------------------------------------------


def _weakest(table: str, period: str) -> Member:
    from pingan.scoring.analysis import weak_indicators

    standings = list(Standing.objects.filter(table=table, period=period))
    return max((s.member for s in standings), key=lambda m: len(weak_indicators(standings, m)))


@time_machine.travel(dt.datetime(2027, 1, 20, 10, tzinfo=dt.UTC))
def test_the_breakdown_marks_weak_indicators_and_links_a_task(personas, league, task_page):
    member = _weakest("towns", "2026Q4")
    url = reverse("scoring:member", args=["towns", member.code])
    body = _client(personas.town_handler).get(url, {"period": "2026Q4"}).content.decode()
    assert "短板指标" in body
    links = re.findall(r'href="/supervision/tasks/new/\?([^"]+)"', body)
    assert links, "a weak indicator offers 立督办"
    assert body.count("立督办") == len(links) == body.count('badge text-bg-warning">短板')
    prefill = {name: values[0] for name, values in parse_qs(links[0].replace("&amp;", "&")).items()}
    indicator = Indicator.objects.get(code=prefill["origin_key"].rsplit(":", 1)[1])
    assert prefill["origin"] == "indicator"
    assert prefill["origin_key"] == f"league:towns:2026Q4:{member.code}:{indicator.code}"
    with translation.override("zh-hans"):
        label = Period.parse("2026Q4").label
    assert prefill["title"] == f"提升{indicator.name}：{label} {member.name}"
    assert prefill["unit"] == member.unit.code
    assert prefill["deadline"] == "2027-06-30"  # the end of the next quarter
    assert urlsplit(prefill["origin_link"]).path == url
    assert "第3名" in prefill["goal"]


def test_a_member_without_weak_indicators_offers_no_task(personas, league, task_page):
    standings = list(Standing.objects.filter(table="towns", period="2026Q4"))
    from pingan.scoring.analysis import weak_indicators

    strong = next(s.member for s in standings if not weak_indicators(standings, s.member))
    body = _client(personas.admin).get(reverse("scoring:member", args=["towns", strong.code]),
                                       {"period": "2026Q4"}).content.decode()
    assert "立督办" not in body and "短板指标" not in body


def test_the_home_member_shows_its_titles(personas, league):
    body = _client(personas.outsider).get(reverse("scoring:member", args=["city", "330802"])).content.decode()
    assert "八连冠" in body and "平安铜鼎" in body
    assert "保三争二拼第一" in body


def test_an_unknown_member_is_404(personas, league):
    client = _client(personas.admin)
    assert client.get(reverse("scoring:member", args=["towns", "nobody"])).status_code == 404
    assert client.get(reverse("scoring:member", args=["villages", "330802001"])).status_code == 404


def test_rates_show_their_sample_and_interval(personas, league):
    member = league["towns"][0]
    body = _client(personas.admin).get(reverse("scoring:member", args=["towns", member.code]),
                                       {"period": "2026Q4"}).content.decode()
    assert "样本 " in body and "95%:" in body


# --- Entering values ----------------------------------------------------------------------------


def _cell(member: Member, code: str) -> str:
    return f"v-{member.pk}-{code}"


def test_the_grid_saves_all(personas, league):
    towns = league["towns"]
    response = _client(personas.admin).post(reverse("scoring:values"), {
        "table": "towns", "period": "2027Q1", _cell(towns[0], "fires"): "4", _cell(towns[1], "fires"): "0",
        f"n-{towns[0].pk}-hazard_on_time": "120", _cell(towns[0], "hazard_on_time"): "91.5"})
    assert response.status_code == 302
    saved = dict(Value.objects.filter(period="2027Q1").values_list("member_id", "value"))
    assert len(Value.objects.filter(period="2027Q1")) == 3
    assert saved[towns[1].pk] == 0
    assert Value.objects.get(period="2027Q1", member=towns[0], indicator__code="hazard_on_time").sample == 120


def test_the_grid_saves_nothing_when_a_cell_is_wrong_and_marks_it(personas, league):
    towns = league["towns"]
    before = list(Value.objects.order_by("pk").values_list("pk", "value"))
    response = _client(personas.admin).post(reverse("scoring:values"), {
        "table": "towns", "period": "2026Q4", _cell(towns[0], "fires"): "7", _cell(towns[1], "fires"): "七",
        f"n-{towns[2].pk}-hazard_on_time": "50"})
    assert response.status_code == 400
    assert list(Value.objects.order_by("pk").values_list("pk", "value")) == before
    body = response.content.decode()
    assert body.count("is-invalid") == 2 and "未保存任何数值" in body  # 七, and a sample alone
    assert "填写样本数时须同时填写数值" in body
    assert 'value="七"' in body  # what was typed stays to be corrected


@pytest.mark.parametrize("period", ["0000Q1", "9999Q4", "1999-12", "2100Q1"])
def test_a_period_outside_the_leagues_years_is_refused_and_the_table_still_opens(personas, league, period):
    client = _client(personas.admin)
    before = Standing.objects.count()
    response = client.post(reverse("scoring:recompute"), {"table": "towns", "period": period}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == TABLE
    assert "2000" in str(list(response.context["messages"])[0])
    assert Standing.objects.count() == before
    assert client.get(TABLE, {"table": "towns"}).status_code == 200


def test_a_stored_period_key_no_one_can_read_is_left_out(personas, league):
    # A key written before the years were bounded ("0Q1" was 0000Q1's key) must not break the
    # pages that list the table's periods.
    town = league["towns"][0]
    Standing.objects.create(table="towns", period="0Q1", member=town, computed_at=timezone.now())
    client = _client(personas.town_handler)
    response = client.get(TABLE, {"table": "towns"})
    assert response.status_code == 200 and "0Q1" not in response.content.decode()
    assert client.get(reverse("scoring:member", args=["towns", town.code])).status_code == 200
    values = api_client(personas.town_handler).get("/api/v1/league/values", {"table": "towns"})
    assert values.status_code == 200


def test_the_grid_refuses_a_figure_that_rounds_past_the_limit(personas, league):
    towns = league["towns"]
    before = list(Value.objects.order_by("pk").values_list("pk", "value"))
    response = _client(personas.admin).post(reverse("scoring:values"), {
        "table": "towns", "period": "2026Q4", _cell(towns[0], "fires"): "99999999999999.99999",
        _cell(towns[1], "hazard_on_time"): "90", f"n-{towns[1].pk}-hazard_on_time": "2147483648"})
    assert response.status_code == 400
    assert response.content.decode().count("is-invalid") == 2
    assert list(Value.objects.order_by("pk").values_list("pk", "value")) == before
