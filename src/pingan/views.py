"""Pages that gather every domain. The domains stay apart; only the project, which mounts
them all, puts their lists side by side."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pingan.core.inbox import unread_for
from pingan.dissuasion import selectors as dissuasion
from pingan.hazards import selectors as hazards
from pingan.petitions import selectors as petitions


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """待办: what waits for the user in every domain, and their unread notices."""
    return render(request, "my_work.html", {
        "items": hazards.my_work(user=request.user),
        "petitions": petitions.my_work(user=request.user),
        "warnings": dissuasion.my_work(user=request.user),
        "notices": unread_for(request.user).order_by("-created_at", "-id")[:50],
    })
