"""Pages of the core that know no kind of case: the inbox."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from pingan.core.inbox import mark_read, unread_for


@login_required
@require_POST
def inbox_mark_read(request: HttpRequest) -> HttpResponse:
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
