"""Meeting and circular pages, in the "supervision" namespace."""

from django.urls import path

from pingan.supervision import meeting_views as views

urlpatterns = [
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting-new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/propose/", views.meeting_propose, name="meeting-propose"),
    path("meetings/<int:pk>/decisions/", views.decision_add, name="decision-add"),
    path("decisions/<int:pk>/confirm/", views.decision_confirm, name="decision-confirm"),
    path("decisions/<int:pk>/drop/", views.decision_drop, name="decision-drop"),
    path("circulars/", views.circular_list, name="circulars"),
    path("circulars/new/", views.circular_new, name="circular-new"),
    path("circulars/<int:pk>/", views.circular_detail, name="circular"),
    path("circulars/<int:pk>/publish/", views.circular_publish, name="circular-publish"),
    path("circulars/<int:pk>/<str:kind>/", views.circular_file, name="circular-file"),
]
