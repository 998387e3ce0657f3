from django.urls import path

from pingan.scoring import views

app_name = "scoring"

urlpatterns = [
    path("", views.league_table, name="table"),
    path("export.xlsx", views.league_export, name="export"),
    path("recompute/", views.league_recompute, name="recompute"),
    path("values/", views.league_values, name="values"),
    path("<str:table>/<str:code>/", views.league_member, name="member"),
]
