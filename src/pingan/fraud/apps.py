from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FraudConfig(AppConfig):
    name = "pingan.fraud"
    label = "fraud"
    verbose_name = _("Telecom fraud")
