from django.urls import path

from pingan.hazards import views

app_name = "hazards"

urlpatterns = [
    path("", views.hazard_list, name="list"),
    path("export.xlsx", views.hazard_export, name="export"),
    path("new/", views.hazard_new, name="new"),
    path("<str:ref>/", views.hazard_detail, name="detail"),
    path("<str:ref>/edit/", views.hazard_edit, name="edit"),
    path("<str:ref>/extend/", views.hazard_extend, name="extend"),
    path("<str:ref>/steps/<str:name>/", views.hazard_step, name="step"),
    path("<str:ref>/attachments/", views.hazard_attach, name="attach"),
    path("<str:ref>/attachments/<int:pk>/", views.hazard_attachment, name="attachment"),
]
