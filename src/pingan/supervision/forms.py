"""Web forms for supervised tasks. They only shape input: every rule is checked by the
services, whose messages the views attach back to these forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from pingan.core.models import Leadership, Unit, UnitKind
from pingan.core.schemas import model_form_fields
from pingan.core.step_forms import StepForm
from pingan.core.web import StyledForm, date_input, indented_name, leader_label
from pingan.supervision.models import DOMAIN, Category, Origin, SupervisedTask
from pingan.supervision.services import TASK_UNIT_KINDS
from pingan.supervision.workflow import TASK_WORKFLOW

MSG_MILESTONE_LINE = _("Line {number}: write a date (YYYY-MM-DD), a space, then what is due by then.")

# What the league's member page (and a meeting's decision) may fill in from the query string.
PREFILLED = ("title", "goal", "deadline", "origin", "origin_key", "origin_label", "origin_link")


def parse_milestones(text: str) -> list[tuple[str, dt.date]]:
    """One milestone a line: ``2026-05-31 摸排重点人群``."""
    milestones = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        day, _space, title = line.strip().partition(" ")
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            raise ValidationError(MSG_MILESTONE_LINE.format(number=number)) from None
        if not title.strip():
            raise ValidationError(MSG_MILESTONE_LINE.format(number=number))
        milestones.append((title.strip(), date))
    return milestones


class TaskForm(StyledForm):
    """Assign a supervised task (下达)."""

    unit = forms.ModelChoiceField(label=_("For"), queryset=Unit.objects.none(), empty_label="—",
                                  help_text=_("A town, or for a district-wide task the lead department."))
    lead = forms.ModelChoiceField(label=_("Lead department"), queryset=Unit.objects.none(), required=False,
                                  empty_label=_("The unit itself"))
    co_handlers = forms.ModelMultipleChoiceField(
        label=_("Co-handling units"), queryset=Unit.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}))
    leadership = forms.ModelChoiceField(label=_("Responsible leader"), queryset=Leadership.objects.none(),
                                        required=False, empty_label="—")
    milestones = forms.CharField(
        label=_("Milestones"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: the date, a space, what is due. Example: 2026-05-31 摸排重点人群"))

    def add_fields(self) -> None:
        own = model_form_fields(SupervisedTask, ("title", "category", "deadline", "goal", "description"),
                                widgets={"deadline": date_input(),
                                         "goal": forms.Textarea(attrs={"rows": 2}),
                                         "description": forms.Textarea(attrs={"rows": 3})})
        self.fields.update(own)
        self.fields["category"] = forms.ChoiceField(label=_("Category"), choices=Category.choices,
                                                    initial=Category.CATCH_UP)
        for name in ("origin", "origin_key", "origin_label", "origin_link"):
            self.fields[name] = forms.CharField(required=False, widget=forms.HiddenInput)
        units = Unit.objects.filter(kind__in=TASK_UNIT_KINDS).order_by("kind", "prefix")
        self.fields["unit"].queryset = units
        self.fields["co_handlers"].queryset = units
        self.fields["lead"].queryset = Unit.objects.filter(kind=UnitKind.DEPARTMENT).order_by("code")
        for name in ("unit", "lead", "co_handlers"):
            self.fields[name].label_from_instance = indented_name
        leadership = self.fields["leadership"]
        leadership.queryset = Leadership.objects.filter(domain=DOMAIN, user__is_active=True).select_related(
            "user", "unit").order_by("unit__prefix", "id")
        leadership.label_from_instance = leader_label
        self.order_fields(["title", "unit", "lead", "deadline", "milestones", "goal", "leadership",
                           "co_handlers", "category", "description"])

    def clean_milestones(self) -> list[tuple[str, dt.date]]:
        return parse_milestones(self.cleaned_data.get("milestones") or "")

    def clean_origin(self) -> str:
        return self.cleaned_data.get("origin") or Origin.OTHER


def prefill(query: QueryDict) -> dict[str, Any]:
    """The form's initial values from a link: units by code, the rest as given."""
    initial: dict[str, Any] = {name: query[name] for name in PREFILLED if query.get(name)}
    for name in ("unit", "lead"):
        if query.get(name):
            initial[name] = Unit.objects.filter(code=query[name]).first()
    return initial


class ExtendForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    deadline = forms.DateField(label=_("New deadline"), widget=date_input())
    reason = forms.CharField(label=_("Reason for the extension"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class TaskStepForm(StepForm):
    """A step of the task's loop: its fields are the inputs the step declares."""

    def __init__(self, *args: Any, task: SupervisedTask, name: str, **kwargs: Any) -> None:
        super().__init__(*args, workflow=TASK_WORKFLOW, case=task, name=name, **kwargs)
