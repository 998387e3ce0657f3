from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.views.generic import RedirectView

from pingan.dissuasion import views

app_name = "dissuasion"

urlpatterns = [
    path("", views.dissuasion_board, name="board"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/export.xlsx", views.warning_export, name="warning-export"),
    path("warnings/new/", views.warning_new, name="warning-new"),
    path("warnings/<str:ref>/", views.warning_detail, name="warning"),
    path("warnings/<str:ref>/person/", views.warning_person, name="warning-person"),
    path("warnings/<str:ref>/contacts/", views.warning_contact, name="warning-contact"),
    path("warnings/<str:ref>/outcome/<str:name>/", views.warning_outcome, name="warning-outcome"),
]


class MovedFromFraud(RedirectView):
    """A page that was under /fraud/ before warning orders had an app of their own: bookmarks
    and the links in old notices land on its new address (``pattern_name``, then the rest of
    the old path). 308, so that a form posted to the old address is posted again, not turned
    into a GET."""

    def get_redirect_url(self, *args: Any, rest: str = "", **kwargs: Any) -> str:
        url = reverse(self.pattern_name) + rest
        query = self.request.META.get("QUERY_STRING", "")
        return f"{url}?{query}" if query else url

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().dispatch(request, *args, **kwargs)
        response.status_code = 308
        return response


# Mounted at /fraud/ (pingan.urls), before the fraud app's own paths.
fraud_paths = [
    path("dissuasion/", MovedFromFraud.as_view(pattern_name="dissuasion:board")),
    path("warnings/", MovedFromFraud.as_view(pattern_name="dissuasion:warnings")),
    path("warnings/<path:rest>", MovedFromFraud.as_view(pattern_name="dissuasion:warnings")),
]
