"""The Safe District title's streaks across years and the award ladder."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation

from pingan.scoring.awards import chinese_numeral, ladder, next_rung, streak, streak_sentence
from pingan.scoring.models import Award, Member, Table

pytestmark = pytest.mark.django_db


@pytest.fixture
def kecheng(db) -> Member:
    return Member.objects.create(table=Table.CITY, code="330802", name="柯城区", is_home=True)


def _titles(member: Member, *years: int) -> None:
    for year in years:
        Award.objects.create(member=member, year=year)


def test_a_run_of_titles_ending_at_the_year(kecheng):
    _titles(kecheng, *range(2018, 2026))
    assert streak(kecheng, 2025) == 8


def test_the_year_in_progress_without_its_title_does_not_break_the_run(kecheng):
    _titles(kecheng, *range(2018, 2026))
    assert streak(kecheng, 2026) == 8


def test_a_year_missed_before_that_breaks_it(kecheng):
    _titles(kecheng, *range(2018, 2025))  # no title for 2025
    assert streak(kecheng, 2026) == 0
    assert streak(kecheng, 2024) == 7


def test_a_gap_breaks_the_run_and_it_restarts_after(kecheng):
    _titles(kecheng, 2015, 2016, 2017, 2019, 2020)
    assert streak(kecheng, 2020) == 2
    assert streak(kecheng, 2017) == 3


def test_other_titles_do_not_count(kecheng):
    _titles(kecheng, 2024)
    Award.objects.create(member=kecheng, year=2025, title="平安示范乡镇")
    assert streak(kecheng, 2025) == 1  # 2025's Safe District title not yet given; 2024's counts


def test_no_title_no_streak(kecheng):
    assert streak(kecheng, 2026) == 0


@pytest.mark.parametrize(("count", "award"), [
    (0, (None, 0)), (2, (None, 0)), (3, ("平安鼎", 0)), (5, ("平安鼎", 0)), (6, ("平安铜鼎", 0)),
    (8, ("平安铜鼎", 0)), (9, ("平安银鼎", 0)), (12, ("平安金鼎", 0)), (14, ("平安金鼎", 0)),
    (15, ("平安金鼎", 1)), (17, ("平安金鼎", 1)), (18, ("平安金鼎", 2)),
])
def test_the_ladder(count, award):
    assert ladder(count) == award


def test_the_ladder_is_a_setting():
    with override_settings(PINGAN_SAFETY_AWARD_LADDER=((2, "小鼎"), (4, "大鼎")),
                           PINGAN_SAFETY_AWARD_STAR_EVERY=1):
        assert ladder(1) == (None, 0)
        assert ladder(3) == ("小鼎", 0)
        assert ladder(6) == ("大鼎", 2)


def test_the_next_rung():
    assert next_rung(0) == ("平安鼎", 3)
    assert next_rung(8) == ("平安银鼎", 1)
    assert next_rung(12) is None


@pytest.mark.parametrize(("number", "written"), [(1, "一"), (8, "八"), (10, "十"), (12, "十二"), (20, "二十"),
                                                 (38, "三十八"), (100, "100")])
def test_chinese_numerals(number, written):
    assert chinese_numeral(number) == written


def test_the_sentence_says_eight_in_a_row_and_the_award(kecheng):
    _titles(kecheng, *range(2018, 2026))
    with translation.override("zh-hans"):
        sentence = streak_sentence(kecheng, 2026)
    assert "连续8年获评平安县(市、区)" in sentence
    assert "八连冠" in sentence
    assert "平安铜鼎" in sentence and "平安银鼎" in sentence  # holds the one, one more to the next


def test_a_year_not_yet_awarded_is_the_next_crown_aimed_for(kecheng):
    """As in the source: seven titles in a row, and this year's would be the eighth."""
    _titles(kecheng, *range(2019, 2026))
    with translation.override("zh-hans"):
        assert streak_sentence(kecheng, 2026).endswith("2026年力争八连冠。")
        assert "力争" not in streak_sentence(kecheng, 2025)  # 2025's title is won


def test_the_sentence_in_english(kecheng):
    _titles(kecheng, *range(2018, 2026))
    with translation.override("en"):
        sentence = streak_sentence(kecheng, 2026)
    assert sentence.startswith("Awarded the 平安县(市、区) title 8 years in a row (title no. 8 in a row).")


def test_the_sentence_of_a_first_title_and_of_none(kecheng):
    assert streak_sentence(kecheng, 2026) == ""
    _titles(kecheng, 2025)
    with translation.override("zh-hans"):
        assert "2025" in streak_sentence(kecheng, 2026)


def _standing(member: Member, period: str, *, flag: bool = False, last: bool = False) -> None:
    from django.utils import timezone

    from pingan.scoring.models import Standing

    Standing.objects.create(table=member.table, period=period, member=member, rank=1 if flag else 9,
                            composite=50, red_flag=flag, last_place=last, computed_at=timezone.now())


def test_runs_of_red_flags_and_last_places_across_a_year_end(kecheng):
    from pingan.scoring.awards import runs
    from pingan.scoring.periods import Period

    other = Member.objects.create(table=Table.CITY, code="330803", name="衢江区")
    for period in ("2025Q2", "2025Q4", "2026Q1", "2026Q2"):  # not 2025Q3: that breaks the first run
        _standing(kecheng, period, flag=True)
    _standing(kecheng, "2026-06", flag=True)  # a month's flag is not a quarter's
    _standing(other, "2026Q1", last=True)
    _standing(other, "2026Q2", last=True)
    _standing(other, "2026Q3", last=True)

    found = runs(Table.CITY, Period.parse("2026Q2"))
    assert (found[kecheng.pk].flags, found[kecheng.pk].last_places) == (3, 0)  # 2025Q4, 2026Q1, 2026Q2
    assert (found[other.pk].flags, found[other.pk].last_places) == (0, 2)  # 2026Q3 is after
    assert runs(Table.CITY, Period.parse("2026Q3"))[kecheng.pk].flags == 0
    assert runs(Table.CITY, Period.parse("2026-06"))[kecheng.pk].flags == 1
