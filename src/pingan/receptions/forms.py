"""Web forms for reception days. They only shape input: the rules are the services', whose
messages the views attach back to these forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.models import GRID_KINDS
from pingan.core.schemas import model_form_fields
from pingan.core.web import StyledForm, date_input, indented_name
from pingan.petitions.forms import RegisterForm
from pingan.receptions.models import PLAN_FIELDS, Leader, Reception
from pingan.receptions.periods import quarter_of
from pingan.receptions.selectors import leader_list, manageable_units, receiving_units

FIRST_YEAR, LAST_YEAR = 2000, 2100
WHOLE_YEAR = "year"


def leader_label(leader: Leader) -> str:
    return f"{leader.unit.name} · {leader}"


class CalendarQuery(forms.Form):
    """The calendar's unit, year and quarter, from the query string."""

    unit = forms.ChoiceField(label=_("Unit"), required=False)
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False)
    quarter = forms.ChoiceField(label=_("Quarter"), required=False,
                                choices=[(WHOLE_YEAR, _("Whole year")),
                                         *((str(q), str(q)) for q in range(1, 5))])

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {unit.prefix: unit for unit in receiving_units(user=user)}
        self.fields["unit"].choices = [(prefix, indented_name(unit)) for prefix, unit in self.units.items()]

    def span(self, today: dt.date) -> tuple[int, int | None]:
        """The year and quarter asked for (None: the whole year); the current quarter when
        nothing is asked, the whole year when only a year is."""
        data = self.cleaned_data
        year = data.get("year") or today.year
        quarter = data.get("quarter")
        if not quarter:
            return year, None if data.get("year") else quarter_of(today)
        return year, None if quarter == WHOLE_YEAR else int(quarter)


class PlanForm(StyledForm):
    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def add_fields(self) -> None:
        self.fields["unit"] = forms.ModelChoiceField(
            label=_("Unit"), queryset=manageable_units(user=self.user), empty_label="—")
        self.fields["unit"].label_from_instance = indented_name
        self.fields["leader"] = forms.ModelChoiceField(
            label=_("Leader"), queryset=leader_list(user=self.user).filter(is_active=True),
            empty_label="—", help_text=_("A leader on the roster of the unit or of a unit above it."))
        self.fields["leader"].label_from_instance = leader_label
        self.fields.update(model_form_fields(
            Reception, PLAN_FIELDS, labels={"note": _("Remarks")},
            widgets={"date": date_input(),
                     "place": forms.TextInput(attrs={"placeholder": _("For example 镇信访接待室")}),
                     "note": forms.Textarea(attrs={"rows": 2})}))
        self.order_fields(["unit", "leader", "date", "place", "note"])


class HeldForm(StyledForm):
    note = forms.CharField(
        label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example how many visitors came and what was settled on the spot."))


class CancelForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class VisitorForm(RegisterForm):
    """The petition registration form, for one visitor at a reception: the channel is the
    reception day, the unit lies within the reception's, the time is on its day."""

    def __init__(self, *args: Any, reception: Reception, user: Any, **kwargs: Any) -> None:
        self.reception = reception
        super().__init__(*args, user=user, **kwargs)
        if not self.is_bound and reception.date != timezone.localdate():
            # Entered after the day: a time on that day, for the clerk to correct.
            self.initial["received_at"] = timezone.make_aware(dt.datetime.combine(reception.date, dt.time(9)))
        self.initial.setdefault("unit", reception.unit)

    def add_fields(self) -> None:
        super().add_fields()
        for name in ("channel", "handling_unit", "repeat_of"):
            del self.fields[name]
        unit = self.reception.unit
        self.fields["unit"].queryset = (
            self.fields["unit"].queryset.filter(unit.subtree_q()).exclude(kind__in=GRID_KINDS))
        self.fields["received_at"].help_text = _("On the reception's day; the acceptance clock starts here.")
