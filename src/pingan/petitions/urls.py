from django.urls import path

from pingan.petitions import views

app_name = "petitions"

urlpatterns = [
    path("deadline/", views.deadline_calculator, name="deadline"),
]
