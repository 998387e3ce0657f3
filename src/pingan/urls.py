from django.contrib import admin
from django.urls import include, path

from pingan import views
from pingan.dissuasion import urls as dissuasion_urls
from pingan.hazards import views as hazard_views
from pingan.petitions import views as petition_views

urlpatterns = [
    path("", views.my_work, name="my-work"),
    # Hazards are the only kind with an overview yet.
    path("overview/", hazard_views.overview, name="overview"),
    path("overview/<str:prefix>/", hazard_views.overview, name="overview"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("pingan.core.urls")),
    path("hazards/", include("pingan.hazards.urls")),
    path("petitions/", include("pingan.petitions.urls")),
    # For petitioners, without a login: their answer with the reply notice's code.
    path("public/petitions/satisfaction/", petition_views.public_satisfaction, name="public-satisfaction"),
    # Warning orders were under /fraud/ before they had an app: their old addresses redirect.
    path("fraud/", include(dissuasion_urls.fraud_paths)),
    path("fraud/", include("pingan.fraud.urls")),
    path("dissuasion/", include("pingan.dissuasion.urls")),
    path("receptions/", include("pingan.receptions.urls")),
    path("league/", include("pingan.scoring.urls")),
    path("supervision/", include("pingan.supervision.urls")),
    path("suggestions/", include("pingan.suggestions.urls")),
    path("api/", include("pingan.api_urls")),
]
# MEDIA is never served as such, not even with DEBUG: a photo is only reachable through
# hazards:attachment, which checks that the user may see its case.
