from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "pingan.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from pingan.core.escalation import register_escalation_watchers
        from pingan.supervision.models import KIND
        from pingan.supervision.selectors import responsible_leader_of

        # The responsible leader hears of every escalation of an overdue task.
        register_escalation_watchers(KIND, responsible_leader_of)
