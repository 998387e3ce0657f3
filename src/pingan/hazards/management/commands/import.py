from pingan.core.management.ledger_commands import IMPORT_REFUSED, LedgerCommand, add_import_arguments
from pingan.hazards.ledger import import_hazards


class Command(LedgerCommand):
    help = (
        "Import the hazard ledger (隐患台账): .xlsx, or .csv in UTF-8 or GB18030. Every bad row is "
        "reported and then nothing is written; importing the file again updates the hazards it "
        "changed and adds none twice."
    )
    refused_help = IMPORT_REFUSED
    ledger_import = staticmethod(import_hazards)

    def add_arguments(self, parser):
        add_import_arguments(parser, refused="rows outside their area are refused.")

    def handle(self, *args, **options):
        self.load(**options)
