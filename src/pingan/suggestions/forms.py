"""Web forms for suggestions and proposals. They only shape input: every rule is checked by
the services, whose messages the views attach back to these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pingan.core.models import Leadership, Unit
from pingan.core.schemas import model_form_fields
from pingan.core.step_forms import StepForm
from pingan.core.web import StyledForm, date_input, indented_name, leader_label
from pingan.suggestions.models import Category, Channel, Satisfaction, Session, Suggestion
from pingan.suggestions.services import HANDLING_UNIT_KINDS, leader_options
from pingan.suggestions.workflow import RESULT_CLASS, SUGGESTION_WORKFLOW, promising_classes, result_classes

MSG_SESSION_REQUIRED = _("Choose the session, or name a new one.")
MSG_SESSION_BOTH = _("Choose a session or name a new one, not both.")
MSG_OPENED_ON_REQUIRED = _("Give the day the new session opened.")

# What registering takes of the item, by the name the form gives it: the model's labels and limits.
REGISTER_FIELDS = {"number": "number", "title": "title", "proposers": "proposers", "delegation": "delegation",
                   "text": "description", "category": "category", "is_key": "is_key"}


def result_class_choices() -> list[tuple[str, Any]]:
    return [(code, label) for code, (label, _promises) in result_classes().items()]


class SuggestionForm(StyledForm):
    """Register (登记) a suggestion or proposal, in a session chosen or named afresh."""

    session = forms.ModelChoiceField(label=_("Session"), queryset=Session.objects.none(), required=False,
                                     empty_label=_("A new session …"))
    new_session = forms.CharField(label=_("New session"), max_length=100, required=False,
                                  help_text=_("Only for a session not in the list, e.g. 市八届人大一次会议."))
    channel = forms.ChoiceField(label=_("Body"), choices=Channel.choices, required=False,
                                help_text=_("Of the new session."))
    opened_on = forms.DateField(label=_("Opened on"), required=False, widget=date_input(),
                                help_text=_("Of the new session."))
    supervising_leader = forms.ModelChoiceField(
        label=_("Supervising leader (领衔督办)"), queryset=Leadership.objects.none(), required=False,
        empty_label="—", help_text=_("A key suggestion's leader."))

    def add_fields(self) -> None:
        self.fields.update(model_form_fields(Suggestion, REGISTER_FIELDS, widgets={
            "description": forms.Textarea(attrs={"rows": 4})}))
        self.fields["text"].label = _("Text")
        self.fields["category"] = forms.ChoiceField(label=_("Category"), choices=Category.choices,
                                                    initial=Category.OTHER)
        self.fields["session"].queryset = Session.objects.all()
        leader = self.fields["supervising_leader"]
        leader.queryset = leader_options()
        leader.label_from_instance = leader_label
        self.order_fields(["session", "new_session", "channel", "opened_on", "number", "title", "proposers",
                           "delegation", "category", "is_key", "supervising_leader", "text"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("session") and data.get("new_session"):
            self.add_error("new_session", MSG_SESSION_BOTH)
        elif not data.get("session"):
            if not data.get("new_session"):
                self.add_error("session", MSG_SESSION_REQUIRED)
            elif not data.get("opened_on"):
                self.add_error("opened_on", MSG_OPENED_ON_REQUIRED)
        return data


class AssignForm(StyledForm):
    """Assign (交办), or re-assign after a return, to a lead unit and co-handlers."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    lead = forms.ModelChoiceField(label=_("Lead unit"), queryset=Unit.objects.none(), empty_label="—")
    co_handlers = forms.ModelMultipleChoiceField(
        label=_("Co-handling units"), queryset=Unit.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def add_fields(self) -> None:
        units = Unit.objects.filter(kind__in=HANDLING_UNIT_KINDS).order_by("kind", "prefix")
        for name in ("lead", "co_handlers"):
            self.fields[name].queryset = units
            self.fields[name].label_from_instance = indented_name


class RatingForm(StyledForm):
    """The proposer's satisfaction (测评), as the office records it."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    satisfaction = forms.ChoiceField(label=_("Proposer's satisfaction"), choices=Satisfaction.choices,
                                     widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OpinionForm(StyledForm):
    """A co-handler's opinion (协办意见) to the lead."""

    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class SuggestionStepForm(StepForm):
    """A step of the loop: its fields are the inputs the step declares. The result class is
    declared as text (the API's); here it is a choice of the configured classes, and the
    promised date shows only for a class that promises one (without script: always, with its
    help text)."""

    def __init__(self, *args: Any, suggestion: Suggestion, name: str, **kwargs: Any) -> None:
        super().__init__(*args, workflow=SUGGESTION_WORKFLOW, case=suggestion, name=name, **kwargs)

    def add_fields(self) -> None:
        super().add_fields()
        if RESULT_CLASS.name in self.fields:
            self.fields[RESULT_CLASS.name] = forms.ChoiceField(
                label=RESULT_CLASS.label, choices=[("", "—"), *result_class_choices()], required=False,
                widget=forms.Select(attrs={"data-reveals": "promise_due",
                                           "data-reveal-when": " ".join(promising_classes())}))
