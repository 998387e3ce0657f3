"""The web form of a workflow step, built from the inputs the step declares.

One form class serves every step of every kind: a step's fields are its ``Transition.inputs``,
so a new input is declared once, next to the step's effect, and the form, the API schema
(``core.step_api``) and the service all take it from there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pingan.core.attachments import read_upload
from pingan.core.models import Case
from pingan.core.web import StyledForm, date_input, indented_name, user_label
from pingan.core.workflow import Input, InputKind, Workflow


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files from one input; for photos, the phone opens its rear camera."""

    def __init__(self, *, accept: str = "image/*", **kwargs: Any) -> None:
        attrs: dict[str, Any] = {"accept": accept, "multiple": True}
        if accept == "image/*":
            attrs["capture"] = "environment"
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        one = super().clean
        return [one(f, initial) for f in files if f]


def files_of(uploads: list[Any]) -> list[tuple[str, bytes]]:
    """Uploads as the services take them: (file name, content)."""
    return [(upload.name, read_upload(upload)) for upload in uploads]


def input_field(spec: Input, case: Case) -> forms.Field:
    """The form field for one input. Every field is optional here: what a step requires is
    the service's to say, with its own message."""
    common: dict[str, Any] = {"label": spec.label, "required": False, "help_text": spec.help_text}
    if spec.kind == InputKind.CHOICE:
        # No preselected value: a clerk must choose, not accept the first.
        offered = [(c.value, c.label) for c in spec.only or spec.choices]
        return forms.ChoiceField(choices=[("", "—"), *offered], **common)
    if spec.kind == InputKind.DATE:
        return forms.DateField(widget=date_input(), **common)
    if spec.kind in (InputKind.PERSON, InputKind.UNIT):
        if spec.options is None:
            raise TypeError(f"the {spec.name} input chooses a {spec.kind} but offers no options")
        field = forms.ModelChoiceField(queryset=spec.options(case), empty_label="—", **common)
        label: Callable[[Any], str] = indented_name
        if spec.option_label is not None:
            label = spec.option_label
        elif spec.kind == InputKind.PERSON:
            label = user_label
        # How Django has a ModelChoiceField name its options: set on the instance.
        field.label_from_instance = label  # type: ignore[method-assign,assignment]
        return field
    if spec.kind == InputKind.FILES:
        return FilesField(accept=spec.accept, **common)
    if spec.max_length:
        return forms.CharField(max_length=spec.max_length, **common)
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **common)


class StepForm(StyledForm):
    """The form of one step: the case's version, the step's declared inputs, then the note."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, workflow: Workflow, case: Case, name: str, **kwargs: Any) -> None:
        self.transition = workflow.get(name)
        self.case = case
        super().__init__(*args, **kwargs)

    def add_fields(self) -> None:
        if self.transition.note_label:
            self.fields["note"].label = str(self.transition.note_label)
        for spec in self.asked():
            self.fields[spec.name] = input_field(spec, self.case)
        self.order_fields([*(spec.name for spec in self.asked()), "note"])

    def asked(self) -> list[Input]:
        """The step's inputs this case is asked for."""
        return [spec for spec in self.transition.inputs if spec.asked is None or spec.asked(self.case)]

    def inputs(self) -> dict[str, Any]:
        """The cleaned inputs as the step's service takes them."""
        values: dict[str, Any] = {}
        for spec in self.asked():
            value = self.cleaned_data.get(spec.name)
            if spec.kind == InputKind.FILES:
                value = files_of(value or [])
            elif spec.option_value and value is not None:
                value = spec.option_value(value)
            values[spec.name] = value
        return values
