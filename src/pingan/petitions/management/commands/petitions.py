from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from pydantic import ValidationError

from pingan.core.errors import DomainError
from pingan.core.ledger import write_error_report
from pingan.hazards.management.common import acting_user, progress_bars
from pingan.petitions.ledger import import_petitions, write_petitions
from pingan.petitions.models import Category, Channel, PetitionType, Status
from pingan.petitions.selectors import PetitionFilters


class Command(BaseCommand):
    help = ("The petition ledger (信访台账): `pingan petitions import FILE --user NAME` and "
            "`pingan petitions export FILE --user NAME`.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser(
            "import",
            help="Import a petition ledger (.xlsx, or .csv in UTF-8 or GB18030).",
            description=(
                "Each row is registered and its outcome columns (受理日期, 答复日期, 满意度, 办结日期) "
                "taken as back-dated steps, through the same checks as the web. Every bad row is "
                "reported and then nothing is written; rows already imported are skipped."
            ),
        )
        load.add_argument("file", type=Path)
        load.add_argument("--user", required=True,
                          help="Import as this user: rows they may not register or decide are refused.")
        load.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")
        load.add_argument("--errors", type=Path, metavar="REPORT.csv",
                          help="Also write the bad rows to this CSV file.")
        load.add_argument("--no-progress", action="store_true")
        save = actions.add_parser(
            "export",
            help="Export the petitions a user may see, filtered as in the web list, to .xlsx.",
            description=("Petitioners are masked unless --full, which only a user who may see every "
                         "exported petitioner in full may ask for; each one is then logged as read."),
        )
        save.add_argument("file", type=Path)
        save.add_argument("--user", required=True, help="Export what this user may see.")
        save.add_argument("--full", action="store_true", help="The petitioners' details in full.")
        save.add_argument("--unit", help="A division-code prefix: that unit's whole subtree.")
        save.add_argument("--status", action="append", default=[], help=_choices(Status))
        save.add_argument("--type", dest="petition_type", action="append", default=[],
                          help=_choices(PetitionType))
        save.add_argument("--channel", action="append", default=[], help=_choices(Channel))
        save.add_argument("--category", action="append", default=[], help=_choices(Category))
        save.add_argument("--received-from", metavar="YYYY-MM-DD")
        save.add_argument("--received-to", metavar="YYYY-MM-DD")
        save.add_argument("--open-only", action="store_true")
        save.add_argument("--no-progress", action="store_true")

    def handle(self, *args, action, **options):
        try:
            if action == "import":
                self.load(**options)
            else:
                self.save(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def load(self, *, file, user, dry_run, errors, no_progress, **_options):
        result = import_petitions(file, actor=acting_user(user), dry_run=dry_run,
                                  progress=progress_bars(self.stderr, disable=no_progress))
        if result.errors:
            for row_error in result.errors:
                self.stderr.write(str(row_error))
            if errors:
                with Path(errors).open("w", encoding="utf-8", newline="") as report:
                    write_error_report(result.errors, report)
            raise CommandError(str(result))
        self.stdout.write(str(result))

    def save(self, *, file, user, full, no_progress, **options):
        actor = acting_user(user)
        try:
            filters = PetitionFilters.model_validate({
                name: ",".join(value) if isinstance(value, list) else value
                for name, value in options.items()
                if name in PetitionFilters.model_fields
            })
        except ValidationError as exc:
            raise CommandError(str(exc)) from exc
        # Written aside and moved into place, so a failed export leaves no half a ledger.
        partial = file.with_name(file.name + ".part")
        try:
            with partial.open("wb") as out:
                count = write_petitions(filters, out, user=actor, full=full,
                                        progress=progress_bars(self.stderr, disable=no_progress))
            partial.replace(file)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(_("{count} petitions written to {file}.").format(count=count, file=file))


def _choices(choices) -> str:
    return "Key(s), comma-separated or repeated: " + ", ".join(choices.values)
