from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    name = "pingan.suggestions"
    label = "suggestions"
    verbose_name = _("Deputies' suggestions and proposals")

    def ready(self) -> None:
        from pingan.core.escalation import register_escalation_watchers
        from pingan.suggestions.models import KIND
        from pingan.suggestions.selectors import supervising_leader_of

        # A key suggestion's supervising leader hears of every escalation of it overdue.
        register_escalation_watchers(KIND, supervising_leader_of)
