from django.urls import path

from pingan.petitions import views

app_name = "petitions"

urlpatterns = [
    path("", views.petition_list, name="list"),
    path("export.xlsx", views.petition_export, name="export"),
    path("new/", views.petition_new, name="new"),
    path("backlog/", views.backlog_board, name="backlog"),
    # The calculator moved to the core (/deadline/): old links redirect there.
    path("deadline/", views.deadline_moved),
    path("settings/", views.profile_settings, name="settings"),
    path("<str:ref>/", views.petition_detail, name="detail"),
    path("<str:ref>/petitioner/", views.petition_petitioner, name="petitioner"),
    path("<str:ref>/steps/<str:name>/", views.petition_step, name="step"),
    path("<str:ref>/extend/", views.petition_extend, name="extend"),
    path("<str:ref>/backlog/", views.petition_backlog, name="backlog-assign"),
    path("<str:ref>/repeat/", views.petition_repeat, name="repeat"),
    path("<str:ref>/reply-notice/", views.reply_notice, name="reply-notice"),
]
