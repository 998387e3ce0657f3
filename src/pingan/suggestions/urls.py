from django.urls import path, re_path

from pingan.suggestions import board_views, views

app_name = "suggestions"

# An item's pages match its reference (JY-2026-000123) only: a page named in a word
# ("board/") is never taken for an item, wherever its line stands.
REF = r"^(?P<ref>[A-Za-z]{2}-\d{4}-\d{1,12})/"

urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("new/", views.suggestion_new, name="new"),
    re_path(REF + r"$", views.suggestion_detail, name="detail"),
    re_path(REF + r"steps/(?P<name>[a-z_]{1,40})/$", views.suggestion_step, name="step"),
    re_path(REF + r"assign/$", views.suggestion_assign, name="assign"),
    re_path(REF + r"opinion/$", views.suggestion_opinion, name="opinion"),
    re_path(REF + r"attachments/(?P<pk>\d{1,18})/$", views.suggestion_attachment, name="attachment"),
    path("board/", board_views.board, name="board"),
    path("board/export.xlsx", board_views.board_export, name="board-export"),
]
