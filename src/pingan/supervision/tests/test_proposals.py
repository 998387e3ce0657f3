"""The proposer on the source document's lead story and on messy input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pingan.supervision.proposals import (
    deadline_in,
    domain_of,
    normalise,
    number_value,
    owners_in,
    propose,
    split_orders,
)

LEAD_STORY = (Path(__file__).parent / "fixtures" / "lead_story.txt").read_text(encoding="utf-8")
HELD_ON = dt.date(2022, 4, 25)
UNITS = {name: name for name in ("应急管理局", "公安分局", "信访局", "消防救援大队", "航埠镇", "石梁镇")}


def test_the_lead_story_gives_its_five_orders_in_order():
    found = propose(LEAD_STORY, held_on=HELD_ON, units=UNITS)

    assert [p.number for p in found] == [1, 2, 3, 4, 5]
    assert [p.title for p in found] == [
        "在维护政治安全上下功夫", "在狠抓安全生产上下功夫", "在提升社会治安水平上下功夫",
        "在常态化疫情防控上下功夫", "在信访积案动态清零上下功夫"]
    # The newspaper broke the first order across its columns ("夯实平安 / 柯城"): joined again.
    assert found[0].text.endswith("夯实平安柯城的政治根基。")
    # The last order ends with its paragraph, before "蒋国强强调,要狠抓落实…".
    assert found[4].text.endswith("确保社会和谐稳定。")
    assert all("狠抓落实" not in p.text for p in found)


def test_the_lead_story_orders_carry_their_domains():
    domains = [p.domain for p in propose(LEAD_STORY, held_on=HELD_ON, units=UNITS)]

    # 政治安全 and 疫情防控 belong to no domain of the platform.
    assert domains == ["", "hazards", "fraud", "", "petitions"]


def test_the_lead_story_orders_name_no_owner_and_no_deadline():
    # The units it names (区信访局、区应急管理局 spoke at the meeting) are outside the orders.
    found = propose(LEAD_STORY, held_on=HELD_ON, units=UNITS)

    assert [p.owners for p in found] == [()] * 5
    assert [p.due_date for p in found] == [None] * 5


def test_the_announced_count_caps_the_run():
    text = "重点抓好两项工作：一要压实责任。二要加强巡查。三要……这是另一段的话"

    assert len(split_orders(text)) == 2


@pytest.mark.parametrize("text", [
    "会议要求：一是公安分局牵头打击电信诈骗。二是应急管理局负责消防隐患排查。",
    "会议要求：（一）公安分局牵头打击电信诈骗。（二）应急管理局负责消防隐患排查。",
    "会议要求：\n1. 公安分局牵头打击电信诈骗。\n2. 应急管理局负责消防隐患排查。",
    "会议要求：\n１．公安分局牵头打击电信诈骗；\n２．应急管理局负责消防隐患排查；",  # full-width
    "会议要求：第一，公安分局牵头打击电信诈骗。第二，应急管理局负责消防隐患排查。",
    "会议要求:(1)公安分局牵头打击电信诈骗;(2)应急管理局负责消防隐患排查;",  # half-width punctuation
    "会议强调，要公安分局牵头打击电信诈骗。要应急管理局负责消防隐患排查。",
])
def test_each_way_of_numbering_orders(text):
    found = propose(text, held_on=HELD_ON, units=UNITS)

    assert [(p.number, p.domain, p.owners) for p in found] == [
        (1, "fraud", ("公安分局",)), (2, "hazards", ("应急管理局",))]


def test_a_word_that_contains_a_numeral_is_not_an_order():
    # 统一要求 holds "一要", 进一步 "一步": neither starts a run.
    assert split_orders("会议提出统一要求，进一步压实责任。二要加强巡查。") == []


def test_short_forms_name_the_full_unit_and_a_name_counts_once():
    assert owners_in("公安、应急局会同航埠镇落实", UNITS) == ("公安分局", "应急管理局", "航埠镇")
    assert owners_in("公安分局牵头，公安分局负责", UNITS) == ("公安分局",)
    assert owners_in("由消防救援大队负责", UNITS) == ("消防救援大队",)


@pytest.mark.parametrize(("text", "expected"), [
    ("6月30日前完成", dt.date(2022, 6, 30)),
    ("六月底前完成", dt.date(2022, 6, 30)),
    ("月底前完成", dt.date(2022, 4, 30)),
    ("年底前全部清零", dt.date(2022, 12, 31)),
    ("3月31日前完成", dt.date(2023, 3, 31)),  # before the meeting: next year's
    ("2月29日前完成", None),  # no 29 February within a year of the meeting
    ("2月30日前完成", None),
    ("持续推进", None),
])
def test_deadlines_count_from_the_meeting(text, expected):
    assert deadline_in(text, HELD_ON) == expected


def test_domains_by_most_words():
    assert domain_of("开展反诈宣传，劝阻电信网络诈骗") == "fraud"
    assert domain_of("做好疫苗接种") == ""


def test_numerals():
    assert [number_value(n) for n in ("一", "十", "十二", "二十", "7")] == [1, 10, 12, 20, 7]


def test_no_numbered_orders_proposes_nothing():
    assert propose("今天召开会议，听取汇报。会议还研究了其他事项。", held_on=HELD_ON, units=UNITS) == []


def test_ten_thousand_characters():
    orders = "".join(f"{n}、在第{n}方面要持续用力，做好防汛工作。" for n in "一二三四五六七八九十")
    text = "会议指出，" + "平安建设事关全局。" * 1100 + "会议要求：" + orders
    assert len(text) > 10_000

    found = propose(text, held_on=HELD_ON, units=UNITS)

    assert len(found) == 10
    assert {p.domain for p in found} == {"hazards"}


def test_page_notes_and_stray_spaces_are_removed():
    assert normalise("要压实责任,细(下转2版)  \n\n落实") == "要压实责任,细落实"
