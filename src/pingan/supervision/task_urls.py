from django.urls import path

from pingan.supervision import views

urlpatterns = [
    path("", views.board, name="board"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/new/", views.task_new, name="task-new"),
    path("tasks/<str:ref>/", views.task_detail, name="task"),
    path("tasks/<str:ref>/steps/<str:name>/", views.task_step, name="task-step"),
    path("tasks/<str:ref>/extend/", views.task_extend, name="task-extend"),
    path("tasks/<str:ref>/attachments/<int:pk>/", views.task_attachment, name="task-attachment"),
]
