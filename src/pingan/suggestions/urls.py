from django.urls import path

from pingan.suggestions import board_views, views

app_name = "suggestions"

urlpatterns = [
    # Before "<str:ref>/", which would take "board" for a reference.
    path("board/", board_views.board, name="board"),
    path("board/export.xlsx", board_views.board_export, name="board-export"),
    path("<str:ref>/", views.suggestion_detail, name="detail"),
]
