"""The forms of the warning pages: registering an order, a contact, an outcome, the board's days."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors, web
from pingan.core.models import Unit
from pingan.core.step_forms import StepForm
from pingan.dissuasion.models import ContactMethod, RiskLevel, WarningIssuer, WarningOrder
from pingan.dissuasion.selectors import board_period
from pingan.dissuasion.workflow import WARNING_WORKFLOW
from pingan.fraud.forms import offer_places_and_scam_types


def _moment_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WarningForm(web.StyledForm):
    """A warning order as it came in: who is at risk, where, how urgent."""

    received_at = forms.DateTimeField(
        label=_("Order received"), widget=_moment_input(),
        help_text=_("When the order reached you; the contact deadline runs from here."))
    issuer = forms.ChoiceField(label=_("Issued by"), choices=[("", "—"), *WarningIssuer.choices])
    order_number = forms.CharField(
        label=_("Order number"), max_length=60, required=False,
        help_text=_("The number the order carries, if any: it is registered once."))
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=[("", "—"), *RiskLevel.choices])
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), empty_label="—",
        help_text=_("Where the person lives: the grid, village or town that must reach them."))
    scam_type = forms.ChoiceField(label=_("Scam type"))
    person_name = forms.CharField(label=_("Name"), max_length=60, required=False)
    person_phone = forms.CharField(label=_("Phone"), max_length=30, required=False,
                                   widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    person_id_number = forms.CharField(label=_("ID number"), max_length=30, required=False,
                                       widget=forms.TextInput(attrs={"autocomplete": "off"}))
    person_address = forms.CharField(label=_("Address"), max_length=200, required=False)
    description = forms.CharField(label=_("What the order says"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_places_and_scam_types(self, user)
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))


class ContactForm(web.StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    method = forms.ChoiceField(label=_("How"), choices=ContactMethod.choices)
    reached = forms.TypedChoiceField(label=_("Result"), coerce=lambda value: value == "yes", choices=[
        ("", "—"), ("yes", _("Reached the person")), ("no", _("Did not reach them"))])
    contacted_at = forms.DateTimeField(label=_("When"), required=False, widget=_moment_input(),
                                       help_text=_("Leave empty for just now."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("What was said; who else was there."))


class OutcomeForm(StepForm):
    """One way the dissuasion ended: a step, whose fields are the inputs it declares."""

    def __init__(self, *args: Any, warning: WarningOrder, name: str, **kwargs: Any) -> None:
        super().__init__(*args, workflow=WARNING_WORKFLOW, case=warning, name=name, **kwargs)


class PeriodForm(forms.Form):
    """The days a board counts: by default the last twelve months up to today."""

    first = forms.DateField(label=_("Orders received from"), required=False, widget=web.date_input())
    last = forms.DateField(label=_("until"), required=False, widget=web.date_input())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            data["first"], data["last"] = board_period(data.get("first"), data.get("last"))
        except errors.DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        return data
