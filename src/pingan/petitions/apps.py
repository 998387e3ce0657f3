from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "pingan.petitions"
    label = "petitions"
    verbose_name = _("Petitions")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from pingan.core.ledger_uploads import LedgerKind, register
        from pingan.petitions.profiles import seed_on_migrate

        register(LedgerKind(key="petitions", label=_("petition ledger"),
                            run="pingan.petitions.ledger.import_petitions", list_url_name="petitions:list",
                            command="pingan petitions import 台账.xlsx --user USER"))

        # The admin finds both profiles' rule sets from the first start; nothing is
        # overwritten once the district admin has edited them.
        post_migrate.connect(seed_on_migrate, sender=self)
