from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from pydantic import ValidationError

from pingan.hazards.ledger import export_xlsx
from pingan.hazards.management.common import acting_user, progress_bars
from pingan.hazards.selectors import HazardFilters, hazard_list


class Command(BaseCommand):
    help = "Export the hazards a user may see, filtered as in the web list, to an .xlsx ledger."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="Export what this user may see.")
        parser.add_argument("--unit", help="A division-code prefix: that unit's whole subtree.")
        parser.add_argument("--status", action="append", default=[],
                            help="Status key(s), comma-separated or repeated.")
        parser.add_argument("--category", action="append", default=[],
                            help="Category key(s), comma-separated or repeated.")
        parser.add_argument("--grade", choices=["ordinary", "major"])
        parser.add_argument("--open-only", action="store_true")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file, user, unit, status, category, grade, open_only, no_progress,
               **options):
        actor = acting_user(user)
        try:
            filters = HazardFilters.model_validate({
                "unit": unit, "status": ",".join(status), "category": ",".join(category),
                "grade": grade, "open_only": open_only,
            })
        except ValidationError as exc:
            raise CommandError(str(exc)) from exc
        hazards = hazard_list(user=actor, filters=filters)
        # Written aside and moved into place, so a failed export leaves no half a ledger.
        partial = file.with_name(file.name + ".part")
        try:
            with partial.open("wb") as out:
                count = export_xlsx(hazards, out, progress=progress_bars(self.stderr, disable=no_progress))
            partial.replace(file)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(_("{count} hazards written to {file}.").format(count=count, file=file))
