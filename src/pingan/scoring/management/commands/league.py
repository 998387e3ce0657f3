"""``pingan league``: import the league workbook, rank a period, print or export a table."""

import csv
import unicodedata
from argparse import ArgumentTypeError
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pingan.core.errors import DomainError
from pingan.core.management.exit_codes import PinganCommand
from pingan.core.management.ledger_commands import (
    IMPORT_REFUSED,
    acting_user,
    import_refused,
    report_import,
)
from pingan.scoring import selectors
from pingan.scoring.export import NOT_RANKED, rank_change, write_table
from pingan.scoring.indicators import compute_values
from pingan.scoring.ledger import import_league
from pingan.scoring.models import Table
from pingan.scoring.periods import Period, PeriodError
from pingan.scoring.services import rank_period, rank_table

MSG_RANKED = gettext_lazy("{period}: {table} ranked, {count} units listed.")
MSG_COMPUTED = gettext_lazy("{period}: {count} computed values written.")
MSG_WRITTEN = gettext_lazy("{count} units written to {file}.")
MSG_EMPTY = gettext_lazy("No standings for {period} on this table: rank the period first (pingan league "
                         "rank).")
CSV_HEADER = ("rank", "unit", "score", "red_flag", "last_place", "change")


def period_argument(text: str) -> Period:
    """An argparse type: a bad period is the command line's mistake (a usage error)."""
    try:
        return Period.parse(text)
    except PeriodError as error:
        raise ArgumentTypeError(str(error)) from None


def _width(text: str) -> int:
    """Columns a terminal gives ``text``: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    padding = " " * (width - _width(text))
    return padding + text if right else text + padding


class Command(PinganCommand):
    help = ("The league table (争先创优): import the city's figures and the indicators, rank a period, "
            "print a table (--csv for rank,unit,score,…) or export it to .xlsx.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        load = self.subcommand(actions, "import", refused=IMPORT_REFUSED,
                               help="Import a workbook with the sheets 指标 and 数值, then rank the periods "
                                    "it touched.")
        load.add_argument("file", type=Path, metavar="FILE.xlsx")
        load.add_argument("--user", required=True, help="Import as this user: the district's supervision "
                                                        "office (a handler or above at the district).")
        load.add_argument("--table", choices=Table.values, default=Table.TOWNS,
                          help="The table the 数值 sheet's units are on (default towns); on city an "
                               "unknown county becomes a new external unit.")
        load.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")
        load.add_argument("--errors", type=Path, metavar="REPORT.csv", help="Also write the bad rows here.")

        compute = self.subcommand(actions, "compute",
                                  help="Compute a period's indicators from the platform's data (as the "
                                       "worker does every PINGAN_LEAGUE_RECOMPUTE_SECONDS), then rank it.")
        compute.add_argument("--period", type=period_argument, required=True, help="2026Q1 or 2026-03.")

        rank = self.subcommand(actions, "rank", help="Rank a period (every table, or --table).")
        rank.add_argument("--period", type=period_argument, required=True, help="2026Q1 or 2026-03.")
        rank.add_argument("--table", choices=Table.values)

        table = self.subcommand(actions, "table", help="Print a table as last ranked.")
        table.add_argument("--period", type=period_argument, required=True, help="2026Q1 or 2026-03.")
        table.add_argument("--table", choices=Table.values, default=Table.TOWNS)
        table.add_argument("--csv", action="store_true",
                           help="rank,unit,score,red_flag,last_place,change: one line per unit, the score "
                                "with two decimals, the units not ranked (不参与排名) last with an empty "
                                "rank and score.")

        export = self.subcommand(actions, "export", help="Write a table to .xlsx.")
        export.add_argument("--period", type=period_argument, required=True, help="2026Q1 or 2026-03.")
        export.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx")
        export.add_argument("--table", choices=Table.values, default=Table.TOWNS)

    def handle(self, *args, action, **options):
        getattr(self, f"do_{action}")(**options)

    def do_import(self, *, file, user, table, dry_run, errors, **_options):
        try:
            with file.open("rb") as upload:
                result = import_league(upload, actor=acting_user(user), table=table, dry_run=dry_run,
                                       filename=file.name)
        except DomainError as exc:
            raise import_refused(exc) from exc
        report_import(self, result, errors)

    def do_compute(self, *, period, **_options):
        self.stdout.write(str(MSG_COMPUTED).format(period=period.key, count=compute_values(period)))
        self.do_rank(period=period, table=None)

    def do_rank(self, *, period, table, **_options):
        counts = {table: len(rank_table(table, period))} if table else rank_period(period)
        for name, count in counts.items():
            self.stdout.write(str(MSG_RANKED).format(period=period.key, table=name, count=count))

    def do_table(self, *, period, table, **options):
        standings = selectors.standings(table, period)
        if not standings:
            self.stderr.write(str(MSG_EMPTY).format(period=period.key))
            return
        lines = [self._fields(standing) for standing in standings]
        if options["csv"]:
            self._write_csv(lines)
        else:
            self._write_aligned(lines)

    @staticmethod
    def _fields(standing) -> tuple[str, ...]:
        change = rank_change(standing)
        return ("" if standing.rank is None else str(standing.rank), standing.member.name,
                "" if standing.composite is None else f"{standing.composite:.2f}",
                "1" if standing.red_flag else "", "1" if standing.last_place else "",
                "" if change is None else f"{change:+d}")

    def _write_csv(self, lines):
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        writer.writerows(lines)

    def _write_aligned(self, lines):
        header = (_("Rank"), _("Unit"), _("Score"), _("Flags"), _("Change"))
        rows = [(rank or NOT_RANKED, name, score, " ".join(
                    flag for flag, on in ((_("red flag"), red), (_("last place"), last)) if on), change)
                for rank, name, score, red, last, change in lines]
        widths = [max(_width(row[i]) for row in (header, *rows)) for i in range(len(header))]
        numeric = (False, False, True, False, True)
        for row in (header, *rows):
            cells = [_pad(cell, width, right=right)
                     for cell, width, right in zip(row, widths, numeric, strict=True)]
            self.stdout.write("  ".join(cells).rstrip())

    def do_export(self, *, period, out, table, **_options):
        count = write_table(out, table, period)
        self.stdout.write(str(MSG_WRITTEN).format(count=count, file=out))
