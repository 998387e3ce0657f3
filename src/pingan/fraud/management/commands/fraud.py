import sys
import time
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from pingan.core.management.exit_codes import ExitCode, positive_int, refusal
from pingan.core.management.ledger_commands import (
    EXPORT_REFUSED,
    IMPORT_REFUSED,
    LedgerCommand,
    add_export_arguments,
    add_import_arguments,
    keys_help,
)
from pingan.fraud.casefile import (
    OUTPUT_ENCODING,
    read_cases,
    read_stoplist,
    write_left_out,
    write_members,
    write_rings,
)
from pingan.fraud.ledger import import_fraud_cases, write_fraud_cases
from pingan.fraud.linking import RingIndex, default_stoplist
from pingan.fraud.models import AmountBand, Status, scam_type_choices
from pingan.fraud.selectors import FraudCaseFilters
from pingan.fraud.spark import DEFAULT_MASTER

LEFT_OUT_SHOWN = 20
MSG_STRICT = gettext_lazy("{count} bad row(s); nothing was written (--strict).")
MSG_ALL_BAD = gettext_lazy("Every row is bad ({count}); nothing was written.")
MSG_NO_ROWS = gettext_lazy("The file has no rows under its header; nothing was written.")
MSG_SKIPPED = gettext_lazy("{count} bad row(s) skipped; the rings of the other rows were written.")


class Command(LedgerCommand):
    help = ("Telecom fraud (电诈): link a case file into ranked rings (串并案), without a database; "
            "import and export the case ledger (案件台账).")
    ledger_import = staticmethod(import_fraud_cases)
    ledger_write = staticmethod(write_fraud_cases)
    ledger_filters = FraudCaseFilters
    written = gettext_lazy("{count} cases written to {file}.")
    # `link` reads and writes files only, so the project's checks need not run first; the ledger
    # subcommands go through the services, which check what they write.
    requires_system_checks = []

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        link = self.subcommand(
            actions, "link",
            done="done: every row linked and the rings written",
            refused="refused: the file cannot be read, has no rows, or every row is bad (or any, with "
                    "--strict): each bad row on stderr by its line; nothing written",
            partly="done in part: the bad rows skipped, each on stderr by its line; the rings of the "
                   "other rows written",
            help="Link CASES.csv into rings; write them ranked to RINGS.csv.",
            description=(
                "Reads case_ref,identifier_kind,identifier_value[,loss,victims,unit_code,reported_on] "
                "(a header row; UTF-8, with or without a byte-order mark). A case's loss, victims, unit "
                "and date may repeat on each of its rows: the first non-empty value of each is taken, and "
                "a case without a victim count counts one. A unit code is a division code at any level, in "
                "any of its forms: 330802 or 330802000000 (a district-level case), 330802001 or 330802001000 "
                "(a town), 330802001001 (a village), or a grid cell's longer code. A row whose identifier, "
                "amount, unit code or date cannot "
                "be read is skipped and reported with its line number; with --strict any such row fails "
                "the run and nothing is written. Rings are ranked by total loss, then victims, then towns "
                "spanned; a ring's id is its smallest case reference."
            ),
        )
        link.add_argument("cases", type=Path, metavar="CASES.csv")
        link.add_argument("--out", type=Path, required=True, metavar="RINGS.csv",
                          help="One row per ring: rank, ring_id, cases, victims, total_loss, towns (the "
                               "distinct towns of its cases; a district-level case counts its district), "
                               "first_date, last_date, major, identifiers.")
        link.add_argument("--members", type=Path, metavar="MEMBERS.csv",
                          help="Also write one row per case: case_ref, ring_id.")
        link.add_argument("--left-out", type=Path, metavar="LEFT_OUT.csv",
                          help="Also write every identifier left out of linking, with its case count.")
        link.add_argument("--max-degree", type=positive_int, metavar="N",
                          help="Leave out identifiers shared by more than N cases "
                               "(default: the PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE setting).")
        link.add_argument("--stoplist", type=Path, metavar="FILE",
                          help="Identifiers to leave out, one per line as kind:value, in addition to "
                               "the PINGAN_FRAUD_IDENTIFIER_STOPLIST setting.")
        link.add_argument("--strict", action="store_true",
                          help="Fail, writing nothing, if any row is bad.")
        link.add_argument("--engine", choices=("inprocess", "spark"), default="inprocess",
                          help="Link in this process (the default), or on Apache Spark: the same rings, "
                               "for files beyond one machine (needs the spark extra and Java 17+).")
        link.add_argument("--spark-master", default=DEFAULT_MASTER, metavar="URL",
                          help=f"With --engine spark: where Spark runs (default {DEFAULT_MASTER}, every core "
                               "of this machine; a cluster URL such as spark://host:7077 in production, "
                               "where every executor must be able to read CASES.csv).")
        link.add_argument("--no-progress", action="store_true")
        self.add_ledger_arguments(actions)

    def handle(self, *args, action, **options):
        if action == "link":
            self.link(**options)
        elif action == "import":
            self.load(**options)
        elif action == "export":
            self.save(**options)

    def link(self, *, cases, out, members, left_out, max_degree, stoplist, strict, no_progress, engine,
             spark_master, **_options):
        stopped = set(default_stoplist())
        if stoplist:
            with stoplist.open(encoding="utf-8-sig") as lines:
                stopped |= read_stoplist(lines)
        # Progress goes to the process's stderr, not self.stderr: tqdm redraws its line with
        # carriage returns, which Django's output wrapper would end with newlines.
        progress = partial(tqdm, file=sys.stderr, disable=no_progress, dynamic_ncols=True, leave=False)
        started = time.perf_counter()
        if engine == "spark":
            index = self.link_on_spark(cases, stopped, max_degree, spark_master)
            report = index.report
        else:
            index = RingIndex(stoplist=stopped, max_degree=max_degree)
            report = read_cases(cases, index, progress=partial(progress, desc=_("Reading")))
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.rows:
            raise refusal(MSG_NO_ROWS)
        if len(report.errors) == report.rows:
            raise refusal(MSG_ALL_BAD.format(count=len(report.errors)))
        if report.errors and strict:
            raise refusal(MSG_STRICT.format(count=len(report.errors)))

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
        if report.errors:
            raise CommandError(MSG_SKIPPED.format(count=len(report.errors)), returncode=ExitCode.PARTLY)

    def link_on_spark(self, cases, stopped, max_degree, master):
        from pingan.fraud.spark import link_file, spark_for

        if max_degree is None:
            max_degree = settings.PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE
        with spark_for(master) as session:
            return link_file(session, cases, stoplist=stopped, max_degree=max_degree,
                             major_loss_yuan=settings.PINGAN_FRAUD_MAJOR_LOSS_YUAN,
                             major_victims=settings.PINGAN_FRAUD_MAJOR_VICTIMS)

    def add_ledger_arguments(self, actions):
        load = self.subcommand(
            actions, "import", refused=IMPORT_REFUSED,
            help="Import a fraud case ledger (.xlsx, or .csv in UTF-8 or GB18030).",
            description=(
                "One row a case, with Chinese headers or their synonyms. Several victims go side by side "
                "in 受害人, 受害人身份证号, 受害人电话 and 受害人年龄, separated by 、 in the same order; "
                "an identifier cell (涉案电话, 银行账号, 支付账号, 网址, 涉案APP, 社交账号, 设备号, "
                "IP地址) may hold several values, one a line or separated by 、 , ;. Each row is recorded "
                "through the same checks as the web and joins its ring. Every bad cell is reported "
                "and then nothing is written; rows already imported are left unchanged."
            ),
        )
        add_import_arguments(load, refused="rows they may not record are refused.",
                             dry_run="Check every row through the services, rings included; write nothing.",
                             errors="Also write the bad cells to this CSV file.")
        save = self.subcommand(
            actions, "export", refused=EXPORT_REFUSED,
            help="Export the fraud cases a user may see, filtered as in the web list, to .xlsx.",
            description=("Victims are masked unless --full, which only a user who may see every exported "
                         "case's victims in full may ask for; each case's victims are then logged as read."),
        )
        add_export_arguments(save, full="The victims' details in full.")
        save.add_argument("--status", action="append", default=[], help=keys_help(Status.values))
        save.add_argument("--scam-type", action="append", default=[],
                          help=keys_help(code for code, _label in scam_type_choices()))
        save.add_argument("--band", action="append", default=[], help=keys_help(AmountBand.values))
        save.add_argument("--identifier", help="The cases showing this identifier, written any way.")
        save.add_argument("--ring", help="The cases of this ring (its id).")
        save.add_argument("--reported-from", metavar="YYYY-MM-DD")
        save.add_argument("--reported-to", metavar="YYYY-MM-DD")
        save.add_argument("--linked-only", action="store_true",
                          help="Only cases in a ring the user is shown.")

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
