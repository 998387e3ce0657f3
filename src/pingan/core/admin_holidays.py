"""The holiday schedule in the admin site: a page per year with its days, the "confirmed"
tick, and a page to import the State Council's notice. Every save reaches the services in
``core.holiday_import``: a year confirmed here counts the provisional due dates again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from pingan.core.admin import AuditedAdmin
from pingan.core.errors import DomainError
from pingan.core.holiday_import import MSG_MAKE_UP_ON_WEEKDAY, holiday_year_confirm, holidays_import
from pingan.core.holidays import schedule_changed
from pingan.core.ledger import LedgerRejected
from pingan.core.models import HolidayDay, HolidayKind, HolidaySource, HolidayYear
from pingan.core.users import SignedInRequest, User

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    class DayTotal(TypedDict):
        """What the year list's queryset annotates each year with."""

        day_total: int

MSG_DAY_OUTSIDE_YEAR = _("The date must lie in {year}.")
MSG_RECOUNTED = _("The due dates of %(count)s open case(s) were counted again: %(refs)s")


class HolidayDayFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        year = self.instance.year
        for form in self.forms:
            day = form.cleaned_data.get("day") if hasattr(form, "cleaned_data") else None
            if not day or form.cleaned_data.get("DELETE"):
                continue
            if day.year != year:
                form.add_error("day", MSG_DAY_OUTSIDE_YEAR.format(year=year))
            elif form.cleaned_data.get("kind") == HolidayKind.MAKE_UP and day.weekday() < 5:
                form.add_error("day", MSG_MAKE_UP_ON_WEEKDAY.format(day=day.isoformat()))


class HolidayDayInline(admin.TabularInline):
    model = HolidayDay
    formset = HolidayDayFormSet
    fields = ("day", "kind", "festival", "source")
    readonly_fields = ("source",)
    extra = 0


class HolidayImportForm(forms.Form):
    file = forms.FileField(label=_("The notice as .xlsx or .csv"),
                           help_text=_("One row a day: 日期, 类型 (放假 or 上班), 节日."))
    basis = forms.CharField(label=_("Notice"), max_length=200, required=False,
                            help_text=_("e.g. 国办发明电〔2026〕5号"))


@admin.register(HolidayYear)
class HolidayYearAdmin(AuditedAdmin):
    audited_related = ("days",)
    list_display = ("year", "confirmed", "source", "basis", "confirmed_at", "day_count")
    list_filter = ("confirmed", "source")
    fields = ("year", "confirmed", "basis", "source", "confirmed_at")
    readonly_fields = ("source", "confirmed_at")
    inlines = [HolidayDayInline]
    change_list_template = "admin/core/holidayyear/change_list.html"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(day_total=Count("days"))

    @admin.display(description=_("days"), ordering="day_total")
    def day_count(self, obj: WithAnnotations[HolidayYear, DayTotal]) -> int:
        return obj.day_total

    def save_model(self, request: HttpRequest, obj: HolidayYear, form: Any, change: bool) -> None:
        if "confirmed" in form.changed_data or not change:
            obj.source = HolidaySource.ADMIN
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for day_form in formset.forms:
            if day_form.has_changed():
                day_form.instance.source = HolidaySource.ADMIN
        super().save_formset(request, form, formset, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The days changed after the year row was saved: save it again so that other
        # processes see the change, then count again what the year's days decide.
        form.instance.save(update_fields=["updated_at"])
        schedule_changed()
        if form.instance.confirmed:
            # Only the admin's signed-in staff reach this screen.
            actor = cast(User, request.user)
            _report(request, holiday_year_confirm(year=form.instance, actor=actor))

    def delete_model(self, request: HttpRequest, obj: HolidayYear) -> None:
        super().delete_model(request, obj)
        schedule_changed()

    def get_urls(self) -> list[Any]:
        return [path("import/", self.admin_site.admin_view(self.import_view), name="core_holidayyear_import"),
                *super().get_urls()]

    def import_view(self, request: SignedInRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = HolidayImportForm(request.POST or None, request.FILES or None)
        row_errors: list[Any] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = holidays_import(source=upload, filename=upload.name, actor=request.user,
                                         basis=form.cleaned_data["basis"])
            except LedgerRejected as exc:
                row_errors = exc.row_errors
                form.add_error("file", exc.message)
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(request, str(result))
                return HttpResponseRedirect(reverse("admin:core_holidayyear_changelist"))
        return TemplateResponse(request, "admin/core/holidayyear/import.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "row_errors": row_errors, "title": _("Import the State Council's holiday notice"),
        })


def _report(request: HttpRequest, refs: list[str]) -> None:
    if refs:
        messages.info(request, MSG_RECOUNTED % {"count": len(refs), "refs": ", ".join(refs[:20])})
