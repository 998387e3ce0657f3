from django.urls import path

from pingan.receptions import views

app_name = "receptions"

urlpatterns = [
    path("", views.reception_calendar, name="calendar"),
    path("plan/", views.reception_plan, name="plan"),
    path("<int:pk>/", views.reception_detail, name="detail"),
    path("<int:pk>/held/", views.reception_held, name="held"),
    path("<int:pk>/cancel/", views.reception_cancel, name="cancel"),
    path("<int:pk>/visitors/", views.reception_visitor, name="visitor"),
]
