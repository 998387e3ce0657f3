"""The supervision pages: tasks (``task_urls``) and meetings and circulars (``meeting_urls``),
one namespace."""

from pingan.supervision import meeting_urls, task_urls

app_name = "supervision"
urlpatterns = [*task_urls.urlpatterns, *meeting_urls.urlpatterns]
