from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "pingan.core"
    label = "core"
    verbose_name = _("Pingan core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from pingan.core import checks  # noqa: F401  (registers the system checks)
        from pingan.core.holidays import seed_on_migrate

        # The years the holiday package covers are in the schedule from the first start (and
        # again after a test flushes the tables); a year already there is never changed.
        post_migrate.connect(seed_on_migrate, sender=self)
