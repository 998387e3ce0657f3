"""Web forms for hazards. They only shape input: every rule is checked by the services, whose
messages the views attach back to these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pingan.core.models import AttachmentKind, Unit
from pingan.core.scoping import scope_for
from pingan.core.step_forms import FilesField, StepForm
from pingan.core.web import StyledForm, date_input, indented_name
from pingan.hazards.models import EDITABLE_FIELDS, PLAN_FIELDS, REPORT_FIELDS, Category, Hazard
from pingan.hazards.workflow import HAZARD_WORKFLOW


def _hazard_fields(names: tuple[str, ...]) -> dict[str, forms.Field]:
    """Form fields built from the model, so labels and limits are defined once."""
    fields = forms.fields_for_model(
        Hazard, fields=[n for n in names if n != "category"],
        widgets={name: forms.Textarea(attrs={"rows": 2}) for name in PLAN_FIELDS if name != "plan_deadline"}
        | {"description": forms.Textarea(attrs={"rows": 3}),
           "plan_deadline": date_input()},
    )
    if "category" in names:
        # No preselected category: a reporter on a phone must choose, not accept the first.
        fields["category"] = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices])
    for name in ("latitude", "longitude"):
        if name in fields:
            fields[name].widget.attrs.update({"step": "any", "inputmode": "decimal"})
    return {name: fields[name] for name in names}


class _HazardForm(StyledForm):
    field_names: tuple[str, ...] = ()

    def add_fields(self) -> None:
        self.fields.update(_hazard_fields(self.field_names))


class HazardReportForm(_HazardForm):
    field_names = REPORT_FIELDS
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), empty_label="—")
    photos = FilesField(label=_("Photos"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = reportable_units(user)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = indented_name
        if not self.is_bound:
            self.initial.setdefault("unit", own_unit(user, units))


class HazardEditForm(_HazardForm):
    field_names = EDITABLE_FIELDS
    version = forms.IntegerField(widget=forms.HiddenInput)


class ExtendForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the extension"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class AttachForm(StyledForm):
    """One photo or document added to a hazard outside a step (the API's upload, on the page)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(
        attrs={"accept": "image/*,application/pdf"}))


class TransitionForm(StepForm):
    """A step of the hazard loop: its fields are the inputs the step declares."""

    def __init__(self, *args: Any, hazard: Hazard, name: str, **kwargs: Any) -> None:
        super().__init__(*args, workflow=HAZARD_WORKFLOW, case=hazard, name=name, **kwargs)


def reportable_units(user: Any) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_for(user).unit_q()).order_by("prefix")


def own_unit(user: Any, units: QuerySet[Unit]) -> Unit | None:
    """The highest territorial unit where the user holds a role: where they usually report."""
    roles = [r for r in scope_for(user).roles if not r.unit.is_department]
    if not roles:
        return None
    unit = min((r.unit for r in roles), key=lambda u: (len(u.prefix), u.prefix))
    return unit if units.filter(pk=unit.pk).exists() else None
