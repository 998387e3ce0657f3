"""The deadline calculator page: a clerk picks a profile, a rule and a start date and sees
the due date with every day that decided it. (The other petition screens come later.)"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.petitions.models import Profile, Rule
from pingan.petitions.profiles import CALCULATOR_RULES, calculate, current_profile


class DeadlineForm(forms.Form):
    profile = forms.ChoiceField(label=_("Profile"), choices=Profile.choices,
                                widget=forms.Select(attrs={"class": "form-select"}))
    rule = forms.ChoiceField(label=_("Rule"), choices=CALCULATOR_RULES,
                             widget=forms.Select(attrs={"class": "form-select"}))
    start = forms.DateField(label=_("Start date"),
                            help_text=_("The day the term counts from; it is not itself counted."),
                            widget=forms.DateInput(attrs={"type": "date", "class": "form-control"},
                                                   format="%Y-%m-%d"))


@login_required
def deadline_calculator(request: HttpRequest) -> HttpResponse:
    asked = any(name in request.GET for name in DeadlineForm.base_fields)
    form = DeadlineForm(request.GET if asked else None, initial={
        "profile": current_profile(), "rule": Rule.RESOLUTION, "start": timezone.localdate(),
    })
    calculation = None
    status = 200
    if asked:
        if form.is_valid():
            try:
                calculation = calculate(**form.cleaned_data)
            except errors.DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        if calculation is None:
            status = 400
            for name in form.errors:
                if name in form.fields:
                    form.fields[name].widget.attrs["class"] += " is-invalid"
    return render(request, "petitions/deadline.html", {"form": form, "calc": calculation},
                  status=status)
