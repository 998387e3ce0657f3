from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DissuasionConfig(AppConfig):
    name = "pingan.dissuasion"
    label = "dissuasion"
    verbose_name = _("Warning and dissuasion")
