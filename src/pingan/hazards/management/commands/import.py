from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pingan.core.errors import DomainError
from pingan.hazards.ledger import LedgerRejected, import_ledger, write_error_report
from pingan.hazards.management.common import acting_user, progress_bars


class Command(BaseCommand):
    help = (
        "Import a hazard ledger (.xlsx, or .csv in UTF-8 or GB18030). Every bad row is reported "
        "and then nothing is written; importing the file again updates its hazards instead of "
        "adding them twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True,
                            help="Import as this user: rows outside their area are refused.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")
        parser.add_argument("--errors", type=Path, metavar="REPORT.csv",
                            help="Also write the bad rows to this CSV file.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file, user, dry_run, errors, no_progress, **options):
        actor = acting_user(user)
        try:
            summary = import_ledger(source=file, actor=actor, dry_run=dry_run,
                                    progress=progress_bars(self.stderr, disable=no_progress))
        except LedgerRejected as exc:
            for row_error in exc.row_errors:
                self.stderr.write(str(row_error))
            if errors:
                with Path(errors).open("w", encoding="utf-8", newline="") as report:
                    write_error_report(exc.row_errors, report)
            raise CommandError(exc.message) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(str(summary))
