"""Background work, run by `pingan worker` (the django-tasks database backend)."""

from django_tasks import task

from pingan.core.escalation import escalate_overdue


@task()
def sweep_overdue_cases() -> int:
    return escalate_overdue()
