"""Web forms for fraud cases. They only shape input: every rule is the services', whose messages
the views attach back to these forms (a victim's or an identifier's to its own row)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors, web
from pingan.core import step_forms as core_step_forms
from pingan.core.models import Unit
from pingan.core.scoping import scope_for
from pingan.fraud.identifiers import KIND_LABELS
from pingan.fraud.models import FraudCase, scam_type_choices
from pingan.fraud.services import VictimIn
from pingan.fraud.workflow import FRAUD_WORKFLOW

# A service names a row's field as "victims.2.phone" or "identifiers.0.value".
_ROW_FIELD = re.compile(r"(?P<rows>victims|identifiers)\.(?P<index>\d+)\.(?P<field>\w+)")


def _amount_field(label: Any, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, min_value=0, max_digits=14, decimal_places=2,
                              widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))


class CaseForm(web.StyledForm):
    """A reported fraud: where, what kind, when, how much."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), empty_label="—",
                                  help_text=_("Where the victim lives or the fraud was reported."))
    scam_type = forms.ChoiceField(label=_("Scam type"))
    reported_on = forms.DateField(label=_("Report date"), widget=web.date_input())
    occurred_on = forms.DateField(label=_("Occurred on"), required=False, widget=web.date_input())
    loss = _amount_field(_("Loss (yuan)"))
    recovered = _amount_field(_("Recovered (yuan)"), required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Leave empty for the scam type and the report date."))
    description = forms.CharField(label=_("What happened"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_places_and_scam_types(self, user)
        self.initial.setdefault("reported_on", timezone.localdate())


class VictimForm(web.StyledForm):
    name = forms.CharField(label=_("Name"), max_length=60, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=30, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    age = forms.IntegerField(label=_("Age"), required=False, min_value=0,
                             widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    def victim(self) -> VictimIn:
        data = self.cleaned_data
        return VictimIn(name=data["name"], id_number=data["id_number"], phone=data["phone"], age=data["age"])


class IdentifierForm(web.StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", "—"), *KIND_LABELS.items()])
    value = forms.CharField(label=_("Value"), max_length=200, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))

    def identifier(self) -> tuple[str, str]:
        return self.cleaned_data["kind"], self.cleaned_data["value"]


VictimFormSet = forms.formset_factory(VictimForm, extra=1, max_num=50)
IdentifierFormSet = forms.formset_factory(IdentifierForm, extra=2, max_num=100)


class RecordForms:
    """The case form and its two rows of rows, bound and checked together."""

    def __init__(self, data: Any = None, *, user: Any) -> None:
        self.case = CaseForm(data, user=user)
        self.victims = VictimFormSet(data, prefix="victims")
        self.identifiers = IdentifierFormSet(data, prefix="identifiers")

    def is_valid(self) -> bool:
        return all([self.case.is_valid(), self.victims.is_valid(), self.identifiers.is_valid()])

    def _filled(self, formset: forms.BaseFormSet) -> list[forms.Form]:
        return [form for form in formset if form.has_changed()]

    def victim_rows(self) -> list[VictimIn]:
        return [form.victim() for form in self._filled(self.victims)]

    def identifier_rows(self) -> list[tuple[str, str]]:
        return [form.identifier() for form in self._filled(self.identifiers)]

    def attach(self, exc: errors.DomainError) -> None:
        """The service's refusal on the row and field it names, else on the case form."""
        match = _ROW_FIELD.fullmatch(exc.field or "")
        if match:
            formset = self.victims if match["rows"] == "victims" else self.identifiers
            form = self._filled(formset)[int(match["index"])]
            form.add_error(match["field"] if match["field"] in form.fields else None, exc.message)
        else:
            web.attach_error(self.case, exc)


class AddIdentifierForm(IdentifierForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def add_fields(self) -> None:
        self.fields["kind"].required = True
        self.fields["value"].required = True


class StepForm(core_step_forms.StepForm):
    """A step of a fraud case: its fields are the inputs the step declares."""

    def __init__(self, *args: Any, case: FraudCase, name: str, **kwargs: Any) -> None:
        super().__init__(*args, workflow=FRAUD_WORKFLOW, case=case, name=name, **kwargs)


def territorial_units(user: Any) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_for(user).unit_q()).order_by("prefix")


def offer_places_and_scam_types(form: forms.Form, user: Any) -> None:
    """The form's ``unit``: the places within ``user``'s reach, as a tree; its ``scam_type``: the
    types offered, none preselected (a clerk must choose, not accept the first)."""
    form.fields["unit"].queryset = territorial_units(user)
    form.fields["unit"].label_from_instance = web.indented_name
    form.fields["scam_type"].choices = [("", "—"), *scam_type_choices()]
