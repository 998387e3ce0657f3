"""Pages of the core that know no kind of case: the inbox, ledger uploads (a kind's ledger
imported from the web by the worker, ``core.ledger_uploads``), and the deadline calculator
(every domain's rules, ``core.calculator``)."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from pingan.core import errors, web
from pingan.core.calculator import (
    Calculation,
    calculate,
    calculator_profiles,
    grouped_choices,
    preselected_rule,
)
from pingan.core.inbox import mark_read, unread_for
from pingan.core.ledger import write_error_report
from pingan.core.ledger_uploads import (
    MSG_MAY_NOT_UPLOAD,
    ledger_kind,
    ledger_mapping_forget,
    ledger_upload_create,
    ledger_upload_get,
    ledger_upload_map,
    mapping_used,
    recent_uploads,
    upload_errors,
    uploader_unit,
)
from pingan.core.models import LedgerUpload, UploadState
from pingan.core.users import SignedInRequest

ERRORS_SHOWN = 200  # on the page; the CSV has them all
MSG_MAPPING_FORGOTTEN = _("Forgotten: the next file with these headers asks again which column is which.")


@login_required
@require_POST
def inbox_mark_read(request: SignedInRequest) -> HttpResponse:
    """Mark the posted notices read, or all unread ones when none are named."""
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    if not ids:
        ids = list(unread_for(request.user).values_list("pk", flat=True))
    count = mark_read(user=request.user, notification_ids=ids)
    messages.info(request, ngettext("%(count)d notice marked read.", "%(count)d notices marked read.",
                                    count) % {"count": count})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "my-work"
    return redirect(target)


class LedgerUploadForm(web.StyledForm):
    file = forms.FileField(label=_("Ledger file (.xlsx or .csv)"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
    dry_run = forms.BooleanField(label=_("Only check it: write nothing"), required=False)


class ColumnMappingForm(web.StyledForm):
    """Which of the file's columns holds each field of the ledger: the fields it needs first, a
    field that may stand in for another just after it (``alternative``: the unit by code for
    the unit by name), each offered every column of the file's header row, those recognised
    chosen already."""

    def __init__(self, *args: Any, upload: LedgerUpload, **kwargs: Any):
        self.upload = upload
        super().__init__(*args, **kwargs)

    def add_fields(self) -> None:
        columns = self.upload.columns
        options = [("", _("— none —")), *((header, header) for header in columns["found"])]
        labels = {spec["field"]: spec["header"] for spec in columns["fields"]}
        needed = [(field, n > 0) for group in columns["required"] for n, field in enumerate(group)]
        optional = [(field, False) for field in labels if field not in dict(needed)]
        for field, alternative in needed + optional:
            self.fields[field] = forms.ChoiceField(label=labels[field], choices=options, required=False,
                                                   initial=columns["recognised"].get(field, ""))
            self.fields[field].needed = (field, alternative) in needed
            self.fields[field].alternative = alternative


@login_required
def ledger_upload_new(request: SignedInRequest, kind: str) -> HttpResponse:
    ledger = ledger_kind(kind)
    if ledger is None:
        raise Http404(errors.MSG_NOT_FOUND)
    if not ledger.allows(request.user):
        raise PermissionDenied(MSG_MAY_NOT_UPLOAD.format(ledger=ledger.label))
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                upload = ledger_upload_create(actor=request.user, kind=ledger, file=form.cleaned_data["file"],
                                              dry_run=form.cleaned_data["dry_run"])
            except errors.DomainError as exc:
                web.attach_error(form, exc)
                status = exc.status
            else:
                return redirect("ledger-upload", pk=upload.pk)
    return render(request, "core/ledger_upload_new.html", {
        "ledger": ledger, "form": form, "uploads": recent_uploads(user=request.user, kind=ledger.key),
    }, status=status)


def _upload_or_404(request: SignedInRequest, pk: int) -> LedgerUpload:
    upload = ledger_upload_get(user=request.user, pk=pk)
    if upload is None:
        raise Http404(errors.MSG_NOT_FOUND)
    return upload


@login_required
@vary_on_headers("HX-Request")
def ledger_upload_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """The upload's state; while the worker has it, htmx asks again every few seconds."""
    upload = _upload_or_404(request, pk)
    mapping_form = ColumnMappingForm(upload=upload) if upload.state == UploadState.UNMAPPED else None
    return _render_upload(request, upload, mapping_form=mapping_form)


def _render_upload(request: SignedInRequest, upload: LedgerUpload, *, mapping_form: ColumnMappingForm | None,
                   status: int = 200) -> HttpResponse:
    since = upload.started_at or upload.uploaded_at
    row_errors = upload_errors(upload)
    partial = request.headers.get("HX-Request")
    template = "core/_ledger_upload_state.html" if partial else "core/ledger_upload.html"
    return render(request, template, {
        "upload": upload, "ledger": ledger_kind(upload.kind), "row_errors": row_errors[:ERRORS_SHOWN],
        "errors_hidden": max(len(row_errors) - ERRORS_SHOWN, 0),
        "waited": int(((upload.finished_at or timezone.now()) - since).total_seconds()),
        "mapping_form": mapping_form, "mapping_unit": uploader_unit(request.user) if mapping_form else None,
        "mapping_used": mapping_used(upload) if upload.is_finished else [],
    }, status=status)


@login_required
@require_POST
def ledger_upload_columns(request: SignedInRequest, pk: int) -> HttpResponse:
    """The uploader's matching of the file's columns; the import then runs again with it."""
    upload = _upload_or_404(request, pk)
    if upload.state != UploadState.UNMAPPED:
        return redirect("ledger-upload", pk=upload.pk)  # matched already, e.g. in another tab
    form = ColumnMappingForm(request.POST, upload=upload)
    if form.is_valid():
        try:
            ledger_upload_map(upload=upload, actor=request.user, choices=form.cleaned_data)
        except errors.DomainError as exc:
            web.attach_error(form, exc)
        else:
            return redirect("ledger-upload", pk=upload.pk)
    return _render_upload(request, upload, mapping_form=form, status=400)


@login_required
@require_POST
def ledger_upload_columns_forget(request: SignedInRequest, pk: int) -> HttpResponse:
    """Forget how this upload's template was matched: its next upload asks again."""
    upload = _upload_or_404(request, pk)
    if ledger_mapping_forget(upload=upload, actor=request.user):
        messages.info(request, MSG_MAPPING_FORGOTTEN)
    return redirect("ledger-upload", pk=upload.pk)


@login_required
def ledger_upload_error_report(request: SignedInRequest, pk: int) -> HttpResponse:
    """Every bad cell of a rejected upload as CSV, to correct the file against."""
    upload = _upload_or_404(request, pk)
    out = io.StringIO()
    write_error_report(upload_errors(upload), out)
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{upload.filename}-errors.csv")
    return response


# --- The deadline calculator -------------------------------------------------------------


class DeadlineForm(web.StyledForm):
    # The rules in an <optgroup> per domain, as the domains registered them.
    rule = forms.ChoiceField(label=_("Rule"), choices=grouped_choices)
    start = forms.DateField(label=_("Start date"),
                            help_text=_("The day the term counts from; it is not itself counted."),
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def add_fields(self) -> None:
        # The profile only where a domain's rules depend on one (the petitions').
        profiles = calculator_profiles()
        if profiles is not None:
            self.fields["profile"] = forms.ChoiceField(
                label=str(profiles.label), choices=profiles.choices(), required=False,
                help_text=_("Applies to the petition rules only: the other terms do not depend on it."))


@login_required
@require_GET
def deadline_calculator(request: SignedInRequest) -> HttpResponse:
    profiles = calculator_profiles()
    asked = any(name in request.GET for name in ("rule", "start", "profile"))
    form = DeadlineForm(request.GET if asked else None, initial={
        "rule": preselected_rule(), "profile": profiles.current() if profiles else None,
        "start": timezone.localdate(),
    })
    calculation: Calculation | None = None
    status = 200
    if asked:
        status = 400
        if form.is_valid():
            try:
                calculation = calculate(**form.cleaned_data)
            except errors.DomainError as exc:
                web.attach_error(form, exc)
            else:
                status = 200
    notice = ""
    if profiles is not None and profiles.notice_template and profiles.notice_context is not None:
        notice = render_to_string(profiles.notice_template, profiles.notice_context(request.user), request)
    return render(request, "core/deadline.html", {
        "form": form, "calc": calculation, "profile_notice": notice,
    }, status=status)
