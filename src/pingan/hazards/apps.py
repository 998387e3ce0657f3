from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "pingan.hazards"
    label = "hazards"
    verbose_name = _("Hazards")

    def ready(self) -> None:
        from pingan.core.ledger_uploads import LedgerKind, register

        register(LedgerKind(key="hazards", label=_("hazard ledger"),
                            run="pingan.hazards.ledger.import_ledger",
                            list_url_name="hazards:list",
                            command="pingan import 台账.xlsx --user USER"))
