from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionsConfig(AppConfig):
    name = "pingan.receptions"
    label = "receptions"
    verbose_name = _("Reception days")

    def ready(self) -> None:
        from pingan.receptions import checks  # noqa: F401  (registers the system checks)
