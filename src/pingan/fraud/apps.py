from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FraudConfig(AppConfig):
    name = "pingan.fraud"
    label = "fraud"
    verbose_name = _("Telecom fraud")

    def ready(self) -> None:
        from pingan.core.ledger_uploads import LedgerKind, register

        register(LedgerKind(key="fraud", label=_("fraud case ledger"),
                            run="pingan.fraud.ledger.import_fraud_cases", list_url_name="fraud:cases",
                            command="pingan fraud import 案件台账.xlsx --user USER"))
