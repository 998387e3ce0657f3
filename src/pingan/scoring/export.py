"""A league table as .xlsx, and as the rows the command prints: rank, unit, score, flags, the
change since the last period, and each indicator's value and score."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pingan.core.ledger import Column, write_aside, write_workbook
from pingan.scoring import selectors
from pingan.scoring.models import Indicator, Standing, Table, Value
from pingan.scoring.periods import Period
from pingan.scoring.services import parse_period, parse_table

NOT_RANKED = "不参与排名"
# The sheet's name: the workbook goes to the district's offices, in Chinese whatever the language.
SHEET_TITLES = {Table.TOWNS: "乡镇街道", Table.DEPARTMENTS: "部门", Table.CITY: "县市区"}


def rank_change(standing: Standing) -> int | None:
    """Places gained since the previous period (negative: lost); None when either is unranked."""
    if standing.rank is None or standing.previous_rank is None:
        return None
    return standing.previous_rank - standing.rank


@dataclass(frozen=True)
class Row:
    standing: Standing
    values: dict[str, Value]

    @property
    def score(self) -> float | None:
        return None if self.standing.composite is None else float(self.standing.composite)


def _indicator_columns(indicator: Indicator) -> list[Column]:
    code = indicator.code
    unit = f"（{indicator.unit_of_measure}）" if indicator.unit_of_measure else ""

    def value(row: Row, _labels: Any) -> Any:
        found = row.values.get(code)
        return None if found is None else float(found.value)

    def score(row: Row, _labels: Any) -> Any:
        return row.standing.scores.get(code)

    return [Column(f"{code}_value", f"{indicator.name}{unit}", width=14, imported=False, value=value),
            Column(f"{code}_score", f"{indicator.name}得分", width=10, imported=False, value=score)]


BASE_COLUMNS = (
    Column("rank", "排名", width=8, imported=False,
           value=lambda row, _labels: row.standing.rank if row.standing.rank is not None else NOT_RANKED),
    Column("unit", "单位", width=18, imported=False, value=lambda row, _labels: row.standing.member.name),
    Column("score", "得分", width=10, imported=False, value=lambda row, _labels: row.score),
    Column("red_flag", "流动红旗", width=10, imported=False,
           value=lambda row, _labels: "红旗" if row.standing.red_flag else ""),
    Column("last_place", "末位", width=8, imported=False,
           value=lambda row, _labels: "末位" if row.standing.last_place else ""),
    Column("change", "名次变化", width=10, imported=False,
           value=lambda row, _labels: rank_change(row.standing)),
)


def table_rows(table: str, period: Period | str) -> tuple[list[Row], list[Indicator]]:
    """The table's standings with each member's values, and the indicators it was scored on."""
    standings = selectors.standings(table, period)
    values = selectors.period_values(table, period)
    by_member: dict[int, dict[str, Value]] = {}
    for (member_id, code), value in values.items():
        by_member.setdefault(member_id, {})[code] = value
    codes = {code for standing in standings for code in standing.scores}
    indicators = [indicator for indicator in Indicator.objects.all() if indicator.code in codes]
    return [Row(standing, by_member.get(standing.member_id, {})) for standing in standings], indicators


def write_table(path_or_stream: str | Path | IO[bytes], table: str, period: Period | str) -> int:
    """The table for ``period`` as an .xlsx sheet; returns the number of members written. A
    path is written beside and moved into place, so a failure leaves no half a file."""
    table = parse_table(table)
    period = parse_period(period)
    rows, indicators = table_rows(table, period)
    columns: Sequence[Column] = [*BASE_COLUMNS, *(c for i in indicators for c in _indicator_columns(i))]
    title = f"{SHEET_TITLES[Table(table)]}{period.key}"

    def write(out: IO[bytes]) -> int:
        return write_workbook(rows, out, columns=columns, title=title, labels={}, total=len(rows))

    if isinstance(path_or_stream, str | Path):
        return write_aside(Path(path_or_stream), write)
    return write(path_or_stream)
