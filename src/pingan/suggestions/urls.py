from django.urls import path

from pingan.suggestions import views

app_name = "suggestions"

urlpatterns = [
    path("<str:ref>/", views.suggestion_detail, name="detail"),
]
