"""The yearly Safe District title (平安县(市、区)) and what a run of them earns: 3 in a row the
平安鼎, 6 the 铜鼎, 9 the 银鼎, 12 the 金鼎, then a star every 3 more
(``PINGAN_SAFETY_AWARD_LADDER``, ``PINGAN_SAFETY_AWARD_STAR_EVERY``). "八连冠" is the streak
read from the Award rows, so the platform knows it rather than a page saying it.

And the runs of a table: how many periods in a row a unit has held the rotating red flag, or
the last place, read from its standings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language, gettext_lazy

from pingan.scoring.models import Award, Member, Standing
from pingan.scoring.periods import Period

MSG_STREAK = gettext_lazy("Awarded the {title} title {count} years in a row ({crown}).")
MSG_CROWN = gettext_lazy("title no. {count} in a row")
MSG_FIRST_TITLE = gettext_lazy("Awarded the {title} title in {year}.")
MSG_HOLDS_AWARD = gettext_lazy("Holds the {award}{stars}.")
MSG_NEXT_AWARD = gettext_lazy("{remaining} more in a row earn the {award}.")
MSG_GOAL = gettext_lazy("In {year} it aims for the {crown}.")
STAR = "★"

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(number: int) -> str:
    """1–99 as written in 八连冠 or 十二连冠; larger numbers in digits."""
    if not 0 < number < 100:
        return str(number)
    tens, ones = divmod(number, 10)
    if not tens:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def title_years(member: Member) -> set[int]:
    return set(Award.objects.filter(member=member, title=settings.PINGAN_SAFETY_TITLE)
               .values_list("year", flat=True))


def streak(member: Member, year: int) -> int:
    """Titles in a row ending at ``year``; when ``year`` has none yet, the run ending at the
    year before. A year's title is given after the year is assessed, so the year in progress
    does not break the run; any earlier year without the title does."""
    years = title_years(member)
    last = year if year in years else year - 1
    count = 0
    while last - count in years:
        count += 1
    return count


def ladder(streak: int) -> tuple[str | None, int]:
    """The award a run of ``streak`` titles holds and its stars past the last rung:
    (None, 0) below the first rung; 15 in a row is (平安金鼎, 1)."""
    award, reached = None, 0
    for needed, name in sorted(settings.PINGAN_SAFETY_AWARD_LADDER):
        if streak >= needed:
            award, reached = name, needed
    top = max(needed for needed, _name in settings.PINGAN_SAFETY_AWARD_LADDER)
    stars = (streak - top) // settings.PINGAN_SAFETY_AWARD_STAR_EVERY if award and reached == top else 0
    return award, stars


def next_rung(streak: int) -> tuple[str, int] | None:
    """The next award of the ladder and how many more titles in a row it takes (None past
    the last rung, where each star is the next step)."""
    for needed, name in sorted(settings.PINGAN_SAFETY_AWARD_LADDER):
        if streak < needed:
            return name, needed - streak
    return None


def crown(count: int) -> str:
    """八连冠 in Chinese; "title no. 8 in a row" otherwise."""
    if (get_language() or "").startswith("zh"):
        return f"{chinese_numeral(count)}连冠"
    return MSG_CROWN.format(count=count)


def streak_sentence(member: Member, year: int) -> str:
    """What the member's page says of its titles: the run, its 连冠, the award it holds and
    the next rung. Empty when the run is broken or never began."""
    count = streak(member, year)
    if not count:
        return ""
    title = settings.PINGAN_SAFETY_TITLE
    if count == 1:
        last = year if year in title_years(member) else year - 1
        parts = [MSG_FIRST_TITLE.format(title=title, year=last)]
    else:
        parts = [MSG_STREAK.format(title=title, count=count, crown=crown(count))]
    award, stars = ladder(count)
    if award:
        parts.append(MSG_HOLDS_AWARD.format(award=award, stars=STAR * stars))
    if (rung := next_rung(count)) is not None:
        parts.append(MSG_NEXT_AWARD.format(award=rung[0], remaining=rung[1]))
    if year not in title_years(member):
        # The year's title is awarded after it ends: until then the run is what it aims for.
        parts.append(MSG_GOAL.format(year=year, crown=crown(count + 1)))
    # Chinese sentences follow each other without a space; English ones with one.
    separator = "" if (get_language() or "").startswith("zh") else " "
    return separator.join(str(part) for part in parts)


@dataclass(frozen=True)
class Runs:
    """Periods in a row, ending at the one shown, that a unit held the red flag or the last place."""

    flags: int = 0
    last_places: int = 0


def runs(table: str, period: Period) -> dict[int, Runs]:
    """Each member's runs on ``table`` up to ``period``, counted over periods of its kind (a
    month's run over months). One query: the table's flags and last places of that kind."""
    held: dict[int, dict[str, tuple[bool, bool]]] = {}
    rows = Standing.objects.filter(Q(red_flag=True) | Q(last_place=True), table=table,
                                   period__lte=period.key)
    for member_id, key, flag, last in rows.values_list("member_id", "period", "red_flag", "last_place"):
        held.setdefault(member_id, {})[key] = (flag, last)

    def count(periods: dict[str, tuple[bool, bool]], which: int) -> int:
        length, current = 0, period
        while periods.get(current.key, (False, False))[which]:
            length, current = length + 1, current.previous()
        return length

    return {member_id: Runs(flags=count(periods, 0), last_places=count(periods, 1))
            for member_id, periods in held.items()}
