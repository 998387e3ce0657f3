from django.urls import path

from pingan.fraud import views

app_name = "fraud"

urlpatterns = [
    path("", views.case_list, name="cases"),
    path("new/", views.case_new, name="record"),
    path("export.xlsx", views.case_export, name="export"),
    path("rings/", views.ring_list, name="rings"),
    path("rings/recompute/", views.ring_recompute, name="recompute"),
    path("rings/export.xlsx", views.ring_export, name="ring-export"),
    path("rings/<str:ring_id>/", views.ring_detail, name="ring"),
    path("<str:ref>/", views.case_detail, name="case"),
    path("<str:ref>/victims/", views.case_victims, name="victims"),
    path("<str:ref>/identifiers/", views.case_identifier_add, name="identifier"),
    path("<str:ref>/steps/<str:name>/", views.case_step, name="step"),
]
