"""Decisions proposed from a meeting report's numbered orders: plain rules, offline.

A report such as the source document's lead story sets out its orders as a numbered run
(一要…二要…, 一是…二是…, （一）（二）, 1. 2., 第一…第二…), often announced by a count
(重点在五个方面下功夫); failing any, as sentences that each begin with 要. Each order found is
read for the domain its words belong to, the units it names (full names, and the short forms
people write: 公安 for 公安分局, 应急局 for 应急管理局) and a deadline it states (月底前,
6月30日前, 年底前), counted from the meeting's date. A person confirms, edits or drops each:
nothing here writes.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pingan.core.models import Domain

T = TypeVar("T")

CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUMERAL = "[一二两三四五六七八九十]{1,3}"
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Where a numbered order may start: the text's start, or after a line break, a space or
# punctuation (so that 统一要求 is not read as the order 一要).
OPENING = r"(?:(?<=^)|(?<=[\n\s。；;：:，,、！!？?”\"）)]))"
# The numbered runs a report uses, the most explicit first: on a tie the first wins.
MARKERS: tuple[tuple[str, str], ...] = (
    ("paren_chinese", rf"[（(](?P<n>{NUMERAL})[）)]"),
    ("paren_arabic", r"[（(](?P<n>\d{1,2})[）)]"),
    ("chinese_yao", rf"{OPENING}(?P<n>{NUMERAL})要"),
    ("chinese_shi", rf"{OPENING}(?P<n>{NUMERAL})是"),
    ("ordinal", rf"{OPENING}第(?P<n>{NUMERAL})(?:[，,、：:．.]|是)"),
    ("arabic", rf"{OPENING}(?P<n>\d{{1,2}})(?:[.．、](?!\d)|\s)"),
    ("chinese_comma", rf"{OPENING}(?P<n>{NUMERAL})、"),
)
# "在五个方面下功夫", "抓好三项工作", "做到以下四点": the count of the orders that follow.
ANNOUNCED_COUNT = re.compile(rf"(?P<n>{NUMERAL}|\d{{1,2}})(?:个方面|项|条|点|个重点)")
# Orders without numbers: sentences that begin with 要 after a colon or a full stop.
BARE_ORDER = re.compile(r"(?:(?<=^)|(?<=[\n。；;：:])|(?<=强调[，,])|(?<=指出[，,]))要(?![求点])")
SENTENCE_END = "。；;！!？?"
# A page break in a newspaper: "(下转2版)", "（上接1版）".
PAGE_NOTE = re.compile(r"[（(][上下]?[转接]\s*[\d一二三四五六七八九十]+\s*版[）)]")
CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"

# The domain an order belongs to, by the words it uses; most hits wins, none is "other".
DOMAIN_WORDS: dict[str, tuple[str, ...]] = {
    Domain.HAZARDS: ("安全生产", "隐患", "消防", "防汛", "防台", "电动车", "道路交通", "危化", "燃气",
                     "应急", "火灾", "地质灾害", "巡查", "安全事故"),
    Domain.PETITIONS: ("信访", "矛盾纠纷", "积案", "接访", "初信初访", "上访", "调解"),
    Domain.FRAUD: ("诈骗", "反诈", "电诈", "电信网络", "涉诈", "劝阻"),
    Domain.SUPERVISION: ("争先创优", "督查", "督办", "考核", "短板指标", "流动红旗", "排名"),
}
# Short forms people write for a department, and the unit's full name.
UNIT_SHORT_FORMS: dict[str, str] = {
    "应急局": "应急管理局",
    "公安": "公安分局",
    "交警": "交警大队",
    "消防大队": "消防救援大队",
    "消防救援": "消防救援大队",
    "住建": "住建局",
    "执法局": "综合行政执法局",
    "纪委": "区纪委监委",
}
MAX_TITLE = 200


@dataclass(frozen=True)
class Proposal(Generic[T]):
    number: int
    text: str
    domain: str = ""
    owners: tuple[T, ...] = ()
    due_date: dt.date | None = None

    @property
    def title(self) -> str:
        """The order's first sentence: what a task made from it is called."""
        return first_sentence(self.text)


@dataclass
class _Marker:
    start: int
    end: int
    number: int


@dataclass
class _Run:
    family: str
    markers: list[_Marker] = field(default_factory=list)


def first_sentence(text: str) -> str:
    match = re.search(f"[{SENTENCE_END}]", text)
    sentence = text[: match.start()] if match else text
    return sentence.strip()[:MAX_TITLE]


def number_value(numeral: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 7 → 7."""
    if numeral.isdigit():
        return int(numeral)
    if "十" not in numeral:
        return CHINESE_DIGITS.get(numeral, 0) if len(numeral) == 1 else 0
    tens, _, units = numeral.partition("十")
    return (CHINESE_DIGITS.get(tens, 0) if tens else 1) * 10 + (CHINESE_DIGITS.get(units, 0) if units else 0)


def normalise(text: str) -> str:
    """Full-width digits to ASCII, page notes gone, lines broken inside a sentence joined."""
    text = PAGE_NOTE.sub("", text.translate(FULL_WIDTH_DIGITS)).replace("\r\n", "\n").replace("\r", "\n")
    # A line that stops mid-sentence (a newspaper column, a PDF copy) continues on the next.
    text = re.sub(rf"(?<=[^{SENTENCE_END}：:\s])\s*\n\s*(?=[{CJK}])", "", text)
    text = re.sub(r"[ \t\u3000]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n", text).strip()


def _longest_run(markers: list[_Marker]) -> list[_Marker]:
    """The longest run 1, 2, 3… in text order among the markers (each starts at a 1)."""
    best: list[_Marker] = []
    for i, first in enumerate(markers):
        if first.number != 1:
            continue
        run = [first]
        for marker in markers[i + 1:]:
            if marker.number == run[-1].number + 1:
                run.append(marker)
        if len(run) > len(best):
            best = run
    return best


def _numbered_run(text: str) -> _Run:
    best = _Run("")
    for family, pattern in MARKERS:
        markers = [_Marker(m.start(), m.end(), number_value(m.group("n")))
                   for m in re.finditer(pattern, text)]
        run = _longest_run(markers)
        if len(run) > len(best.markers):
            best = _Run(family, run)
    return best


def _announced_count(text: str, first_marker: int) -> int | None:
    """The count announced just before the run ("重点在五个方面下功夫:"), if any."""
    lead_in = text[max(0, first_marker - 40):first_marker]
    counts = [number_value(m.group("n")) for m in ANNOUNCED_COUNT.finditer(lead_in)]
    return counts[-1] if counts and counts[-1] >= 2 else None


def _end_of_last(text: str, start: int) -> int:
    """The last order ends with its paragraph."""
    newline = text.find("\n", start)
    return newline if newline != -1 else len(text)


def split_orders(text: str) -> list[str]:
    """The report's orders, in order; empty when it has fewer than two."""
    text = normalise(text)
    run = _numbered_run(text)
    markers = run.markers
    if len(markers) >= 2:
        announced = _announced_count(text, markers[0].start)
        if announced and len(markers) > announced:
            markers = markers[:announced]
        ends = [m.start for m in markers[1:]] + [_end_of_last(text, markers[-1].end)]
        items = [text[m.end:end] for m, end in zip(markers, ends, strict=True)]
    else:
        starts = [m.start() for m in BARE_ORDER.finditer(text)]
        if len(starts) < 2:
            return []
        ends = starts[1:] + [_end_of_last(text, starts[-1])]
        items = [text[start:end] for start, end in zip(starts, ends, strict=True)]
    return [cleaned for item in items if (cleaned := _clean(item))]


def _clean(item: str) -> str:
    return re.sub(r"\s*\n\s*", " ", item).strip(" ，,；;、：:")


def domain_of(text: str) -> str:
    hits = {domain: sum(text.count(word) for word in words) for domain, words in DOMAIN_WORDS.items()}
    best = max(hits.items(), key=lambda item: item[1])
    return str(best[0]) if best[1] else ""


def owners_in(text: str, units: Mapping[str, T]) -> tuple[T, ...]:
    """The units ``text`` names, in the order it names them: ``units`` maps a full name to
    its unit. A name inside a longer one named (公安 in 公安分局) counts once."""
    names = dict(units)
    for short, full in UNIT_SHORT_FORMS.items():
        if full in units and short not in names:
            names[short] = units[full]
    found: list[tuple[int, T]] = []
    taken: list[tuple[int, int]] = []
    for name in sorted(names, key=len, reverse=True):
        for match in re.finditer(re.escape(name), text):
            span = match.span()
            if any(s <= span[0] < e or s < span[1] <= e for s, e in taken):
                continue
            taken.append(span)
            found.append((span[0], names[name]))
    ordered: list[T] = []
    for _, unit in sorted(found, key=lambda item: item[0]):
        if unit not in ordered:
            ordered.append(unit)
    return tuple(ordered)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


MONTH = r"(?P<month>\d{1,2}|十[一二]?|[一二三四五六七八九])"
DEADLINES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"{MONTH}月(?P<day>\d{{1,2}})[日号](?:前|之前|以前|完成|为止)"), "day"),
    (re.compile(rf"{MONTH}月(?:底|末)"), "month_end"),
    (re.compile(r"(?:本月|当月)?月底前|本月(?:底|末)"), "this_month_end"),
    (re.compile(r"(?:本季度|季度)末|季末"), "quarter_end"),
    (re.compile(r"上半年"), "half_year"),
    (re.compile(r"(?:今年|年)底前|年底|年末|年内"), "year_end"),
)


def deadline_in(text: str, held_on: dt.date) -> dt.date | None:
    """The first deadline ``text`` states, as a date on or after the meeting's: a month and
    day before the meeting's date fall in the next year."""
    found: list[tuple[int, dt.date]] = []
    for pattern, kind in DEADLINES:
        for match in pattern.finditer(text):
            date = _deadline_date(kind, match, held_on)
            if date is not None:
                found.append((match.start(), date))
                break
    return min(found, key=lambda item: item[0])[1] if found else None


def _deadline_date(kind: str, match: re.Match[str], held_on: dt.date) -> dt.date | None:
    year = held_on.year
    if kind in ("day", "month_end"):
        month = number_value(match.group("month"))
        if not 1 <= month <= 12:
            return None
        for candidate_year in (year, year + 1):
            try:
                date = (dt.date(candidate_year, month, int(match.group("day"))) if kind == "day"
                        else _month_end(candidate_year, month))
            except ValueError:  # 2月30日, or 2月29日 in a common year
                continue
            if date >= held_on:
                return date
        return None
    if kind == "this_month_end":
        return _month_end(year, held_on.month)
    if kind == "quarter_end":
        return _month_end(year, (held_on.month - 1) // 3 * 3 + 3)
    if kind == "half_year":
        return dt.date(year, 6, 30) if held_on <= dt.date(year, 6, 30) else dt.date(year, 12, 31)
    return dt.date(year, 12, 31)


def propose(text: str, *, held_on: dt.date, units: Mapping[str, T]) -> list[Proposal[T]]:
    """The decisions proposed from a report: one per numbered order, numbered from 1."""
    return [Proposal(number=i, text=order, domain=domain_of(order), owners=owners_in(order, units),
                     due_date=deadline_in(order, held_on))
            for i, order in enumerate(split_orders(text), start=1)]
