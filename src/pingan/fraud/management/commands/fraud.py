import sys
import time
from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from pingan.core.errors import DomainError
from pingan.fraud.casefile import (
    OUTPUT_ENCODING,
    read_cases,
    read_stoplist,
    write_left_out,
    write_members,
    write_rings,
)
from pingan.fraud.linking import RingIndex, default_stoplist

LEFT_OUT_SHOWN = 20


class Command(BaseCommand):
    help = "Telecom fraud (电诈): link a case file into ranked rings (串并案), without a database."
    # It reads and writes files only: the database and the project's checks do not concern it.
    requires_system_checks = []

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        link = actions.add_parser(
            "link",
            help="Link CASES.csv into rings; write them ranked to RINGS.csv.",
            description=(
                "Reads case_ref,identifier_kind,identifier_value[,loss,victims,unit_code,reported_on] "
                "(a header row; UTF-8, with or without a byte-order mark). A case's loss, victims, unit "
                "and date may repeat on each of its rows: the first non-empty value of each is taken, and "
                "a case without a victim count counts one. A row whose identifier, amount or date cannot "
                "be read is skipped and reported with its line number; with --strict any such row fails "
                "the run and nothing is written. Rings are ranked by total loss, then victims, then towns "
                "spanned; a ring's id is its smallest case reference."
            ),
        )
        link.add_argument("cases", type=Path, metavar="CASES.csv")
        link.add_argument("--out", type=Path, required=True, metavar="RINGS.csv",
                          help="One row per ring: rank, ring_id, cases, victims, total_loss, towns, "
                               "first_date, last_date, major, identifiers.")
        link.add_argument("--members", type=Path, metavar="MEMBERS.csv",
                          help="Also write one row per case: case_ref, ring_id.")
        link.add_argument("--left-out", type=Path, metavar="LEFT_OUT.csv",
                          help="Also write every identifier left out of linking, with its case count.")
        link.add_argument("--max-degree", type=int, metavar="N",
                          help="Leave out identifiers shared by more than N cases "
                               "(default: the PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE setting).")
        link.add_argument("--stoplist", type=Path, metavar="FILE",
                          help="Identifiers to leave out, one per line as kind:value, in addition to "
                               "the PINGAN_FRAUD_IDENTIFIER_STOPLIST setting.")
        link.add_argument("--strict", action="store_true",
                          help="Fail, writing nothing, if any row is bad.")
        link.add_argument("--no-progress", action="store_true")

    def handle(self, *args, action, **options):
        try:
            if action == "link":
                self.link(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"{exc.filename}: {exc.strerror}") from exc

    def link(self, *, cases, out, members, left_out, max_degree, stoplist, strict, no_progress, **_options):
        if max_degree is not None and max_degree < 1:
            raise CommandError(_("--max-degree must be at least 1."))
        stopped = set(default_stoplist())
        if stoplist:
            with stoplist.open(encoding="utf-8-sig") as lines:
                stopped |= read_stoplist(lines)
        # Progress goes to the process's stderr, not self.stderr: tqdm redraws its line with
        # carriage returns, which Django's output wrapper would end with newlines.
        progress = partial(tqdm, file=sys.stderr, disable=no_progress, dynamic_ncols=True, leave=False)
        started = time.perf_counter()
        index = RingIndex(stoplist=stopped, max_degree=max_degree)
        report = read_cases(cases, index, progress=partial(progress, desc=_("Reading")))
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors and strict:
            raise CommandError(_("{count} bad row(s); nothing was written (--strict).").format(
                count=len(report.errors)))

        rings = index.rings()
        with out.open("w", encoding=OUTPUT_ENCODING, newline="") as file:
            write_rings(rings, file, progress=partial(progress, desc=_("Writing")))
        if members:
            with members.open("w", encoding=OUTPUT_ENCODING, newline="") as file:
                write_members(index, file)
        left = index.left_out()
        if left_out:
            with left_out.open("w", encoding=OUTPUT_ENCODING, newline="") as file:
                write_left_out(left, file)
        self.show_left_out(left, listed=bool(left_out))
        self.stdout.write(_(
            "{rows} rows, {cases} cases, {identifiers} identifiers → {rings} rings ({linked} of two or "
            "more cases, {major} major); {left_out} identifiers left out; {bad} bad rows skipped. "
            "{seconds:.1f} s."
        ).format(rows=report.rows, cases=index.case_count, identifiers=index.identifier_count,
                 rings=len(rings), linked=rings.linked_count, major=rings.major_count, left_out=len(left),
                 bad=len(report.errors), seconds=time.perf_counter() - started))

    def show_left_out(self, left, *, listed):
        if not left:
            return
        self.stderr.write(_("Left out of linking, the most shared first:"))
        for item in left[:LEFT_OUT_SHOWN]:
            reason = _("on the stoplist") if item.reason == "stoplist" else _("too common")
            self.stderr.write(_("  {identifier}: {cases} cases, {reason}").format(
                identifier=item.identifier, cases=item.cases, reason=reason))
        if len(left) > LEFT_OUT_SHOWN and not listed:
            self.stderr.write(_("  … and {more} more: --left-out FILE lists them all.").format(
                more=len(left) - LEFT_OUT_SHOWN))
