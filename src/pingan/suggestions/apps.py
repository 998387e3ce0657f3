from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuggestionsConfig(AppConfig):
    name = "pingan.suggestions"
    label = "suggestions"
    verbose_name = _("Deputies' suggestions and proposals")

    def ready(self) -> None:
        from pingan.core.calculator import register_rules
        from pingan.core.deadlines import register_deadline_kind
        from pingan.core.escalation import register_escalation_watchers
        from pingan.suggestions.models import KIND, Status, Suggestion
        from pingan.suggestions.selectors import supervising_leader_of
        from pingan.suggestions.terms import calculator_rules

        # A key suggestion's supervising leader hears of every escalation of it overdue.
        register_escalation_watchers(KIND, supervising_leader_of)
        # A due date counted over a year whose holiday schedule was not yet confirmed is counted
        # again when it is: the item's own field for the term now running moves with it.
        register_deadline_kind(KIND, model=Suggestion, mirrors=lambda case: {
            Status.ASSIGNED: ("reply_due",), Status.REHANDLING: ("rehandle_due",)}.get(case.status, ()))
        # The deadline calculator counts every term of PINGAN_SUGGESTION_TERMS.
        register_rules(*calculator_rules())
