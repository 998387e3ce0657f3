from django.utils.translation import gettext_lazy as _

from pingan.core.management.ledger_commands import (
    EXPORT_REFUSED,
    IMPORT_REFUSED,
    LedgerCommand,
    add_export_arguments,
    add_import_arguments,
    keys_help,
)
from pingan.petitions.ledger import import_petitions, write_petitions
from pingan.petitions.models import Category, Channel, PetitionType, Status
from pingan.petitions.selectors import PetitionFilters


class Command(LedgerCommand):
    help = ("The petition ledger (信访台账): `pingan petitions import FILE --user NAME` and "
            "`pingan petitions export FILE --user NAME`.")
    ledger_import = staticmethod(import_petitions)
    ledger_write = staticmethod(write_petitions)
    ledger_filters = PetitionFilters
    written = _("{count} petitions written to {file}.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        load = self.subcommand(
            actions, "import", refused=IMPORT_REFUSED,
            help="Import a petition ledger (.xlsx, or .csv in UTF-8 or GB18030).",
            description=(
                "Each row is registered and its outcome columns (受理日期, 答复日期, 满意度, 办结日期) "
                "taken as back-dated steps, through the same checks as the web. Every bad row is "
                "reported and then nothing is written; rows already imported are left unchanged."
            ),
        )
        add_import_arguments(load, refused="rows they may not register or decide are refused.")
        save = self.subcommand(
            actions, "export", refused=EXPORT_REFUSED,
            help="Export the petitions a user may see, filtered as in the web list, to .xlsx.",
            description=("Petitioners are masked unless --full, which only a user who may see every "
                         "exported petitioner in full may ask for; each one is then logged as read."),
        )
        add_export_arguments(save, full="The petitioners' details in full.")
        save.add_argument("--status", action="append", default=[], help=keys_help(Status.values))
        save.add_argument("--type", dest="petition_type", action="append", default=[],
                          help=keys_help(PetitionType.values))
        save.add_argument("--channel", action="append", default=[], help=keys_help(Channel.values))
        save.add_argument("--category", action="append", default=[], help=keys_help(Category.values))
        save.add_argument("--received-from", metavar="YYYY-MM-DD")
        save.add_argument("--received-to", metavar="YYYY-MM-DD")

    def handle(self, *args, action, **options):
        if action == "import":
            self.load(**options)
        else:
            self.save(**options)
