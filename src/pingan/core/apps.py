from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "pingan.core"
    label = "core"
    verbose_name = _("Pingan core")

    def ready(self) -> None:
        from pingan.core import checks  # noqa: F401  (registers the system checks)
