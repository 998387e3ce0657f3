from pingan.core.errors import DomainError
from pingan.core.management.exit_codes import PinganCommand, refusal
from pingan.core.management.ledger_commands import (
    IMPORT_REFUSED,
    acting_user,
    add_import_arguments,
    column_mapping,
    import_refused,
    progress_bars,
    report_rejected,
)
from pingan.hazards.ledger import LedgerRejected, import_ledger


class Command(PinganCommand):
    help = (
        "Import a hazard ledger (.xlsx, or .csv in UTF-8 or GB18030). Every bad row is reported "
        "and then nothing is written; importing the file again updates its hazards instead of "
        "adding them twice."
    )
    refused_help = IMPORT_REFUSED

    def add_arguments(self, parser):
        add_import_arguments(parser, refused="rows outside their area are refused.")

    def handle(self, *args, file, user, dry_run, errors, no_progress, mapping, **options):
        actor = acting_user(user)
        try:
            summary = import_ledger(source=file, actor=actor, dry_run=dry_run,
                                    progress=progress_bars(self.stderr, disable=no_progress),
                                    mapping=column_mapping(mapping))
        except LedgerRejected as exc:
            report_rejected(self, exc.row_errors, errors)
            raise refusal(exc.message) from exc
        except DomainError as exc:
            raise import_refused(exc) from exc
        self.stdout.write(str(summary))
