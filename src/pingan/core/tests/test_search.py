"""Finding a case by its words: the trigram index finds exactly what the LIKE scan finds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pingan.core import search
from pingan.core.models import Case, Unit, UnitKind
from pingan.core.search import INDEXED_FIELDS, like_q, text_q
from pingan.testing import api_client

# Texts as ledgers hold them: Chinese with ASCII and full-width letters and digits, LIKE's
# own wildcards and escape, quotes, FTS5's query syntax, accents, an emoji.
TEXTS = (
    ("航埠镇北二村3组12号 燃气灶软管老化", "网格员日常巡查发现：厨房燃气软管龟裂，存在漏气风险。",
     "北二村3组"),
    ("鑫源五金店 楼道堆放杂物", "楼道内堆放纸箱、泡沫板，堵塞安全出口。店主\"老徐\"称明日清理。",
     "衢化路88号"),
    ("电梯困人 100%已处置", "小区3号楼电梯故障，50%住户受影响；维保单位_已到场。", "锦绣花苑3幢"),
    ("ＡＢＣ商场消防通道堵塞", "消防通道被占用 (NEAR/2) AND \"quoted\" OR 'single' {title}: *", "兴华路"),
    ("Äpfel-Lager im Café", "Kühlraum ohne Notausgang; C:\\temp\\log 已备份 🔥", "Bahnhofstraße 5"),
    ("农贸市场电线私拉乱接", "电线私拉乱接，存在火灾隐患。", ""),
)
TERMS = (
    # three characters or more: served by the index
    "燃气灶", "软管老化", "网格员日常", "北二村3组", "3组1", "鑫源五金店", "老徐", "\"老徐\"", "堵塞安全出口",
    "100%", "0%已", "50%住", "_已到", "位_已", "%", "%%", "_", "__", "\\", "C:\\temp", "ＡＢＣ", "ａｂｃ",
    "abc", "ABC", "消防通道", "NEAR/2", "near/2", "AND", "and \"quoted\"", "'single'", "{title}:",
    "* ", ": *",
    "Äpfel", "äpfel", "ÄPFEL", "APFEL", "café", "CAFÉ", "Café", "kühl", "KÜHL", "straße", "STRASSE", "🔥",
    "已备份 🔥", "lager im", "LAGER IM", "bahnhof", "YH-", "不存在的词", "无此隐患", "x\"y", "\"\"\"",
    # fewer: the plain scan
    "燃气", "电梯", "楼道", "火", "3", "号", "%", "_", "'", "\"", "Ä", "ä", "ab", "AB", "ａ", "消防",
)


@pytest.fixture
def cases(district):
    unit = Unit.objects.filter(kind=UnitKind.GRID).order_by("prefix").first()
    now = timezone.now()
    made = [
        Case.objects.create(ref=f"YH-2026-{900000 + i}", kind="hazard", title=title, description=description,
                            location=location, category="fire", status="reported", unit=unit,
                            unit_prefix=unit.prefix, opened_at=now,
                            external_ref=f"TZ-{i:03d}" if i % 2 else None)
        for i, (title, description, location) in enumerate(TEXTS)
    ]
    return made


def _ids(condition) -> set[int]:
    return set(Case.objects.filter(condition).values_list("pk", flat=True))


@pytest.mark.parametrize("fields", [INDEXED_FIELDS, ("ref", "title"), ("ref", "external_ref"),
                                    ("ref", "title", "description", "location"), ("description",)])
def test_the_index_finds_exactly_what_the_scan_finds(cases, fields):
    for term in TERMS:
        assert _ids(text_q(term, fields)) == _ids(like_q(term, fields)), term


def test_every_run_of_the_texts_is_found_as_the_scan_finds_it(cases):
    """Every substring of every text, as typed and in the other case: no hit lost, none added."""
    terms = {text[start:start + length] for case in cases for text in (case.title, case.description)
             for length in (1, 2, 3, 4, 6) for start in range(len(text) - length + 1)}
    terms |= {t.swapcase() for t in terms}
    fields = ("ref", "title", "description", "location")
    for term in sorted(terms):
        found = _ids(text_q(term, fields))
        assert found == _ids(like_q(term, fields)), term
        assert found or term.swapcase() != term, term  # a term as typed is always found


def test_three_characters_go_through_the_index_and_two_do_not(cases):
    fields = ("title", "description")
    probe = "core_case_text MATCH" if connection.vendor == "sqlite" else "LIMIT 5000"
    with CaptureQueriesContext(connection) as captured:
        assert _ids(text_q("燃气灶", fields)) == {cases[0].pk}
    assert probe in captured.captured_queries[0]["sql"]
    assert f"IN ({cases[0].pk})" in captured.captured_queries[1]["sql"]
    with CaptureQueriesContext(connection) as captured:
        assert _ids(text_q("燃气", fields)) == {cases[0].pk}
    assert len(captured.captured_queries) == 1 and "IN (" not in captured.captured_queries[0]["sql"]


def test_a_phrase_with_many_candidates_walks_the_list_instead(cases, monkeypatch):
    fields = ("title", "description")
    monkeypatch.setattr(search, "CANDIDATE_LIMIT", 2)
    with CaptureQueriesContext(connection) as captured:
        assert _ids(text_q("，存在", fields)) == _ids(like_q("，存在", fields)) == {cases[0].pk, cases[5].pk}
    assert "IN (" not in captured.captured_queries[1]["sql"]  # in two cases: the walk
    # in one case: its id
    assert _ids(text_q("燃气软管", fields)) == _ids(like_q("燃气软管", fields)) == {cases[0].pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pg_trgm indexes")
@pytest.mark.parametrize("field", ["ref", "title", "description", "location", "external_ref"])
def test_on_postgres_the_search_can_use_each_trigram_index(cases, field):
    """The indexes are on the expression icontains compiles to, which asks the index for
    the candidates: with sequential scans off, the planner takes them (on a handful of rows
    it would otherwise scan)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = Case.objects.filter(like_q("燃气灶", (field,))).query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"case_{field}_trgm" in plan


def _index_in_step() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # raises when the index differs from the table
            cursor.execute("INSERT INTO core_case_text(core_case_text, rank) VALUES ('integrity-check', 1)")


def test_the_index_follows_every_write(cases):
    fields = ("title", "description", "location", "external_ref")
    first, second = cases[0], cases[1]
    Case.objects.filter(pk=first.pk).update(title="液化气钢瓶倒置存放")
    first.refresh_from_db()
    first.status = "assigned"
    first.save()  # every column rewritten, the words unchanged
    second.delete()
    added = Case.objects.create(ref="YH-2026-999999", kind="hazard", title="新增液化气钢瓶隐患",
                                category="fire", status="reported", unit=first.unit,
                                unit_prefix=first.unit_prefix, opened_at=timezone.now(),
                                external_ref="TZ-液化气-1")
    _index_in_step()
    assert _ids(text_q("液化气钢瓶", fields)) == {first.pk, added.pk}
    assert _ids(text_q("燃气灶软管", fields)) == set()
    assert _ids(text_q("鑫源五金", fields)) == set()
    assert _ids(text_q("TZ-液化", fields)) == {added.pk}


def test_a_field_outside_the_index_is_refused():
    with pytest.raises(ValueError, match="category"):
        text_q("燃气灶", ("title", "category"))


@pytest.mark.parametrize("term", ["燃气灶软管", "燃气"])
def test_the_search_stays_within_the_users_scope(personas, make_hazard, grid_in, term):
    mine = make_hazard(title="燃气灶软管老化", description="厨房燃气软管龟裂")
    theirs = make_hazard(actor=personas.admin, unit=grid_in("石梁镇"), title="燃气灶软管老化")
    listed = {i["ref"] for i in api_client(personas.town_handler).get("/api/v1/hazards", {"q": term})
              .json()["items"]}
    assert mine.ref in listed and theirs.ref not in listed
    everywhere = {i["ref"] for i in
                  api_client(personas.admin).get("/api/v1/hazards", {"q": term}).json()["items"]}
    assert {mine.ref, theirs.ref} <= everywhere


def test_a_hazard_is_found_by_the_words_of_its_description(personas, make_hazard):
    hazard = make_hazard(title="厨房隐患", description="燃气软管龟裂，存在漏气风险")
    listed = api_client(personas.town_handler).get("/api/v1/hazards", {"q": "软管龟裂"}).json()["items"]
    assert [i["ref"] for i in listed] == [hazard.ref]


def test_a_nul_character_is_refused_with_a_clear_error(personas):
    """PostgreSQL refuses NUL in any text parameter: the search must say so, not fail."""
    client = api_client(personas.admin)
    for params in ({"q": "燃气\x00灶"}, {"q": "\x00"}, {"status": ["reported", "x\x00"]}):
        response = client.get("/api/v1/hazards", params)
        assert response.status_code in (400, 422), params
        assert "NUL" in response.content.decode(), params


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_a_hazard_is_found_by_a_phrase_of_its_description(browser, live_server, personas,
                                                                      make_hazard):
    from django.urls import reverse

    from pingan.conftest import PHONE_SCREEN, browser_login

    wanted = make_hazard(title="厨房隐患", description="燃气软管龟裂，存在漏气风险")
    other = make_hazard(title="楼道内电动车充电")
    page = browser.new_page(**PHONE_SCREEN)
    browser_login(page, live_server, "hangbu")
    page.goto(live_server.url + reverse("hazards:list"))
    assert page.get_attribute("#filter-q", "placeholder") == "编号、标题、描述或地点"
    page.fill("#filter-q", "软管龟裂")
    page.press("#filter-q", "Enter")
    page.wait_for_function(f"!document.querySelector('#hazard-results').innerText.includes('{other.ref}')")
    assert wanted.ref in page.locator("#hazard-results").inner_text()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_SCREEN["viewport"]["width"]
