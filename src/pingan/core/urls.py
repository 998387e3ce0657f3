from django.contrib.auth import views as auth_views
from django.urls import path

from pingan.core import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("inbox/read/", views.inbox_mark_read, name="inbox-read"),
    path("deadline/", views.deadline_calculator, name="deadline"),
    path("ledgers/<str:kind>/upload/", views.ledger_upload_new, name="ledger-upload-new"),
    path("ledgers/uploads/<int:pk>/", views.ledger_upload_detail, name="ledger-upload"),
    path("ledgers/uploads/<int:pk>/columns/", views.ledger_upload_columns, name="ledger-upload-columns"),
    path("ledgers/uploads/<int:pk>/columns/forget/", views.ledger_upload_columns_forget,
         name="ledger-upload-columns-forget"),
    path("ledgers/uploads/<int:pk>/errors.csv", views.ledger_upload_error_report,
         name="ledger-upload-errors"),
]
