"""Web forms for fraud cases. They only shape input: every rule is the services', whose messages
the views attach back to these forms (a victim's or an identifier's to its own row)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors, web
from pingan.core import step_forms as core_step_forms
from pingan.core.models import Unit
from pingan.core.schemas import model_form_fields
from pingan.core.scoping import scope_for
from pingan.fraud.identifiers import KIND_LABELS
from pingan.fraud.models import (
    CASE_FIELDS,
    IDENTIFIER_FIELDS,
    VICTIM_AS_TYPED,
    VICTIM_FIELDS,
    CaseIdentifier,
    FraudCase,
    Victim,
    scam_type_choices,
)
from pingan.fraud.services import VictimIn
from pingan.fraud.workflow import FRAUD_WORKFLOW

# A service names a row's field as "victims.2.phone" or "identifiers.0.value".
_ROW_FIELD = re.compile(r"(?P<rows>victims|identifiers)\.(?P<index>\d+)\.(?P<field>\w+)")


def _case_fields() -> dict[str, forms.Field]:
    """The case's fields from the model (``CASE_FIELDS``), so their limits are the API's."""
    amount = {"step": "0.01", "inputmode": "decimal", "min": "0"}
    fields = model_form_fields(
        FraudCase, CASE_FIELDS,
        labels={"reported_on": _("Report date"), "description": _("What happened")},
        help_texts={"title": _("Leave empty for the scam type and the report date.")},
        widgets={"reported_on": web.date_input(), "occurred_on": web.date_input(),
                 "loss": forms.NumberInput(attrs=amount), "recovered": forms.NumberInput(attrs=amount),
                 "description": forms.Textarea(attrs={"rows": 3})},
    )
    for name in ("loss", "recovered"):
        fields[name].validators.append(MinValueValidator(0))
    # Both may be left empty: the service names the case and counts nothing recovered.
    fields["title"].required = fields["recovered"].required = False
    return fields


class CaseForm(web.StyledForm):
    """A reported fraud: where, what kind, when, how much."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), empty_label="—",
                                  help_text=_("Where the victim lives or the fraud was reported."))
    scam_type = forms.ChoiceField(label=_("Scam type"))

    def add_fields(self) -> None:
        self.fields.update(_case_fields())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_places_and_scam_types(self, user)
        self.initial.setdefault("reported_on", timezone.localdate())


class VictimForm(web.StyledForm):
    def add_fields(self) -> None:
        self.fields.update(model_form_fields(
            Victim, VICTIM_FIELDS, as_typed=VICTIM_AS_TYPED, labels={"name": _("Name")},
            widgets={"id_number": forms.TextInput(attrs={"autocomplete": "off"}),
                     "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
                     "age": forms.NumberInput(attrs={"inputmode": "numeric"})}))
        # A row left empty is skipped, not refused; a filled row without a name is the service's.
        self.fields["name"].required = False

    def victim(self) -> VictimIn:
        data = self.cleaned_data
        return VictimIn(name=data["name"], id_number=data["id_number"], phone=data["phone"], age=data["age"])


class IdentifierForm(web.StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", "—"), *KIND_LABELS.items()])

    def add_fields(self) -> None:
        self.fields.update(model_form_fields(
            CaseIdentifier, IDENTIFIER_FIELDS, labels={"raw": _("Value")},
            widgets={"raw": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})}))
        self.fields["value"].required = False

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
        super().add_fields()
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
