"""The suggestions pages: the list, a suggestion with its clock, the register and assign
forms, the steps, and the boards per session and per handling unit."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from pingan.suggestions.selectors import suggestion_get


@login_required
def suggestion_detail(request: HttpRequest, ref: str) -> HttpResponse:
    suggestion = suggestion_get(user=request.user, ref=ref)
    if suggestion is None:
        raise Http404
    return render(request, "suggestions/detail.html", {"suggestion": suggestion})
