"""Web forms for petitions. They only shape input: every rule (who may, which deadline, what a
step needs) is the services', whose messages the views attach back to these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import step_forms as core_step_forms
from pingan.core.models import Unit, UnitKind
from pingan.core.schemas import model_form_fields
from pingan.core.scoping import scope_for
from pingan.core.web import StyledForm, date_input, indented_name
from pingan.petitions.models import (
    AS_TYPED,
    REGISTER_FIELDS,
    Category,
    Channel,
    Petition,
    PetitionType,
    Satisfaction,
)
from pingan.petitions.workflow import PETITION_WORKFLOW, handling_units


def _choices(choices: Any) -> list[tuple[str, Any]]:
    # No preselected value: a clerk must choose, not accept the first.
    return [("", "—"), *choices]


def territorial_units(user: Any) -> QuerySet[Unit]:
    return (Unit.objects.filter(scope_for(user).unit_q()).exclude(kind=UnitKind.DEPARTMENT)
            .order_by("prefix"))


def _unit_field(label: Any, queryset: QuerySet[Unit], *, required: bool = True,
                help_text: Any = "") -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(label=label, queryset=queryset, required=required,
                                   empty_label="—", help_text=help_text)
    field.label_from_instance = indented_name
    return field


def _register_fields() -> dict[str, forms.Field]:
    """The registration's petition fields from the model (``REGISTER_FIELDS``), so their limits
    are the API's; labels where the form says more than the column's name."""
    fields = model_form_fields(
        Petition, REGISTER_FIELDS, as_typed=AS_TYPED,
        labels={"title": _("The matter in a line"), "description": _("The matter in full")},
        widgets={"description": forms.Textarea(attrs={"rows": 4}),
                 "petitioner_id_number": forms.TextInput(attrs={"autocomplete": "off"}),
                 "petitioner_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})},
    )
    for name, choices in (("channel", Channel.choices), ("petition_type", PetitionType.choices)):
        fields[name].choices = _choices(choices)
    return fields


class RegisterForm(StyledForm):
    """Registration of a petition from any channel (信访登记)."""

    category = forms.ChoiceField(
        label=_("Category"), choices=_choices(Category.choices), required=False,
        help_text=_("A report or accusation is always a discipline-inspection matter."))
    received_at = forms.DateTimeField(
        label=_("Received"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                        format="%Y-%m-%dT%H:%M"),
        help_text=_("When the letter, call or visit reached you; the clock starts here."),
    )
    repeat_of = forms.CharField(label=_("Same matter as (reference)"), max_length=20, required=False,
                                help_text=_("Leave empty for a first petition; the platform proposes "
                                            "earlier petitions of the same person."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))

    def add_fields(self) -> None:
        self.fields.update(_register_fields())
        self.fields["unit"] = _unit_field(_("Where the matter arose"), territorial_units(self.user))
        self.fields["handling_unit"] = _unit_field(
            _("Handling unit"), handling_units(), required=False,
            help_text=_("Default: the town where the matter arose (属地管理)."))
        self.order_fields(["channel", "received_at", "petition_type", "category", "unit",
                           "handling_unit", "petitioner_name", "id_number", "phone", "address",
                           "title", "matter", "repeat_of"])


class StepForm(core_step_forms.StepForm):
    """A step of the petition's clock: its fields are the inputs the step declares."""

    def __init__(self, *args: Any, petition: Petition, name: str, **kwargs: Any) -> None:
        super().__init__(*args, workflow=PETITION_WORKFLOW, case=petition, name=name, **kwargs)


class ExtendForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    days = forms.IntegerField(label=_("Extension (days)"), min_value=1, max_value=365)
    reason = forms.CharField(label=_("Reason, as the petitioner will be told"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class BacklogForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    leader = forms.CharField(label=_("Responsible leader (包案领导)"), max_length=60, required=False)
    target_date = forms.DateField(label=_("To be cleared by"), widget=date_input())


class RepeatForm(StyledForm):
    """Confirm or dismiss one proposed earlier petition (or unlink the current one)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    original = forms.CharField(max_length=20, required=False, widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("confirm", _("Same matter")),
                                          ("dismiss", _("Not the same matter"))],
                                 widget=forms.HiddenInput)


class ReplyNoticeForm(StyledForm):
    """Printing the reply notice again takes no input: the service decides."""


class PublicSatisfactionForm(forms.Form):
    """The petitioner's answer on the public page; its radios are laid out by hand."""

    reference = forms.CharField(label=_("Reference number"), max_length=40, widget=forms.TextInput(attrs={
        "autocomplete": "off", "autocapitalize": "characters", "class": "form-control",
        "placeholder": "XF-2026-000123"}))
    code = forms.CharField(label=_("Code on the reply notice"), max_length=20, widget=forms.TextInput(attrs={
        "autocomplete": "off", "autocapitalize": "characters", "class": "form-control ref",
        "placeholder": "ABCD-EFGH"}))
    satisfaction = forms.ChoiceField(label=_("Are you satisfied with the reply?"),
                                     choices=Satisfaction.choices, widget=forms.RadioSelect)
