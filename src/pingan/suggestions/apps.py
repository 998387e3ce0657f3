from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    name = "pingan.suggestions"
    label = "suggestions"
    verbose_name = _("Deputies' suggestions and proposals")

    def ready(self) -> None:
        from pingan.core.calculator import register_rules
        from pingan.core.escalation import register_escalation_watchers
        from pingan.suggestions.models import KIND
        from pingan.suggestions.selectors import supervising_leader_of
        from pingan.suggestions.terms import calculator_rules

        # A key suggestion's supervising leader hears of every escalation of it overdue.
        register_escalation_watchers(KIND, supervising_leader_of)
        # The deadline calculator counts every term of PINGAN_SUGGESTION_TERMS.
        register_rules(*calculator_rules())
