"""Web forms for hazards. They only shape input: every rule is checked by the services, whose
messages the views attach back to these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pingan.core.attachments import read_upload
from pingan.core.models import AttachmentKind, Unit
from pingan.core.people import case_assignees, leaders_for
from pingan.core.scoping import scope_for
from pingan.core.web import StyledForm, date_input, indented_name, user_label
from pingan.hazards.models import (
    DOMAIN,
    EDITABLE_FIELDS,
    PLAN_FIELDS,
    REPORT_FIELDS,
    Category,
    Hazard,
    RejectionReason,
)
from pingan.hazards.selectors import supervising_units
from pingan.hazards.services import Listing, Photo


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one input; the phone opens its rear camera."""

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"accept": "image/*", "capture": "environment", "multiple": True}
        kwargs.setdefault("widget", MultiplePhotoInput(attrs=attrs))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        one = super().clean
        return [one(f, initial) for f in files if f]


def photos_of(uploads: list[Any]) -> list[Photo]:
    return [(upload.name, read_upload(upload)) for upload in uploads]


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
    photos = PhotosField(label=_("Photos"))

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


class TransitionForm(StyledForm):
    """One form for every step; each step gets only the inputs it uses."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, hazard: Hazard, name: str, **kwargs: Any) -> None:
        self.hazard = hazard
        self.name = name
        super().__init__(*args, **kwargs)

    def add_fields(self) -> None:
        hazard, name = self.hazard, self.name
        if name == "assign":
            self.fields["assignee"] = forms.ModelChoiceField(
                label=_("Assign to"), queryset=case_assignees(hazard), required=False, empty_label="—",
            )
            self.fields["assignee"].label_from_instance = user_label
        elif name == "list":
            self.fields["supervising_unit"] = forms.ModelChoiceField(
                label=_("Supervising unit"), queryset=supervising_units(hazard), required=False,
                empty_label="—")
            self.fields["supervision_deadline"] = forms.DateField(
                label=_("Supervision deadline"), required=False, widget=date_input())
            # The unit's leaders in charge, nearest first; the listing names the person.
            self.fields["responsible_leader"] = forms.ModelChoiceField(
                label=_("Supervising leader"), required=False, empty_label="—",
                queryset=leaders_for(hazard.unit, DOMAIN))
            self.fields["responsible_leader"].label_from_instance = \
                lambda leader: f"{user_label(leader.user)}（{leader.unit.name} {leader.title}）"
        elif name == "submit":
            self.fields["photos"] = PhotosField(label=_("Photos after rectification"))
        elif name == "accept":
            self.fields["documents"] = PhotosField(
                label=_("Acceptance report"), widget=MultiplePhotoInput(
                    attrs={"accept": "image/*,application/pdf", "multiple": True}))
        elif name == "reject":
            self.fields["reason"] = forms.ChoiceField(
                label=_("Rejection reason"), required=False,
                choices=[("", "—"), *RejectionReason.choices],
            )
            self.fields["duplicate_of"] = forms.CharField(
                label=_("Reference of the original report"), required=False, max_length=20,
            )
        self.order_fields(["assignee", "supervising_unit", "supervision_deadline", "responsible_leader",
                           "reason", "duplicate_of", "photos", "documents", "note"])

    def listing(self) -> Listing:
        data = self.cleaned_data
        leadership = data.get("responsible_leader")
        return Listing(supervising_unit=data.get("supervising_unit"),
                       deadline=data.get("supervision_deadline"),
                       leader=leadership.user if leadership else None)


def reportable_units(user: Any) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_for(user).unit_q()).order_by("prefix")


def own_unit(user: Any, units: QuerySet[Unit]) -> Unit | None:
    """The highest territorial unit where the user holds a role: where they usually report."""
    roles = [r for r in scope_for(user).roles if not r.unit.is_department]
    if not roles:
        return None
    unit = min((r.unit for r in roles), key=lambda u: (len(u.prefix), u.prefix))
    return unit if units.filter(pk=unit.pk).exists() else None
