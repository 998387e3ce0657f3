import argparse
from functools import partial

from django.utils.translation import gettext as _

from pingan.core.ledger import write_aside
from pingan.core.management.exit_codes import PinganCommand
from pingan.core.management.ledger_commands import (
    EXPORT_REFUSED,
    acting_user,
    add_export_arguments,
    filters_from_options,
    keys_help,
    progress_bars,
)
from pingan.core.models import Severity
from pingan.hazards.ledger import export_xlsx
from pingan.hazards.models import Category, Status
from pingan.hazards.selectors import HazardFilters, hazard_list


class Command(PinganCommand):
    help = "Export the hazards a user may see, filtered as in the web list, to an .xlsx ledger."
    refused_help = EXPORT_REFUSED

    def add_arguments(self, parser):
        add_export_arguments(parser)
        parser.add_argument("--status", action="append", default=[], help=keys_help(Status.values))
        parser.add_argument("--category", action="append", default=[], help=keys_help(Category.values))
        parser.add_argument("--severity", choices=Severity.values)
        # The old name, for scripts written before the rename; hidden from the help.
        parser.add_argument("--grade", dest="severity", choices=Severity.values, help=argparse.SUPPRESS)

    def handle(self, *args, file, user, no_progress, **options):
        actor = acting_user(user)
        hazards = hazard_list(user=actor, filters=filters_from_options(HazardFilters, options))
        count = write_aside(file, partial(export_xlsx, hazards,
                                          progress=progress_bars(self.stderr, disable=no_progress)))
        self.stdout.write(_("{count} hazards written to {file}.").format(count=count, file=file))
