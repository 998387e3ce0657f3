"""The forms of the warning pages: registering an order, a contact, an outcome, the board's days."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors, web
from pingan.core.models import Unit
from pingan.core.schemas import model_form_fields
from pingan.core.step_forms import StepForm
from pingan.dissuasion.models import (
    AS_TYPED,
    REGISTER_FIELDS,
    ContactMethod,
    RiskLevel,
    WarningIssuer,
    WarningOrder,
)
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
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), empty_label="—",
        help_text=_("Where the person lives: the grid, village or town that must reach them."))
    scam_type = forms.ChoiceField(label=_("Scam type"))

    def add_fields(self) -> None:
        self.fields.update(model_form_fields(
            WarningOrder, REGISTER_FIELDS, as_typed=AS_TYPED,
            labels={"external_ref": _("Order number"), "person_name": _("Name"),
                    "description": _("What the order says")},
            help_texts={"external_ref": _("The number the order carries, if any: it is registered once.")},
            widgets={"person_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
                     "person_id_number": forms.TextInput(attrs={"autocomplete": "off"}),
                     "description": forms.Textarea(attrs={"rows": 3})}))
        for name, choices in (("issuer", WarningIssuer.choices), ("risk_level", RiskLevel.choices)):
            self.fields[name].choices = [("", "—"), *choices]
        self.order_fields(["received_at", "issuer", "order_number", "risk_level", "unit", "scam_type",
                           "person_name", "person_phone", "person_id_number", "person_address",
                           "description"])

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
