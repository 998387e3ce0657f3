"""Background work, run by `pingan worker` (the django-tasks database backend)."""

from django_tasks import task

from pingan.core.escalation import escalate_overdue
from pingan.core.holiday_import import holiday_notice_sweep
from pingan.core.ledger_uploads import close_stale_uploads, ledger_upload_run
from pingan.core.models import LedgerUpload


@task()
def sweep_overdue_cases() -> int:
    return escalate_overdue()


@task()
def import_ledger_upload(upload_id: int) -> str:
    """Import a ledger uploaded on the web (``core.ledger_uploads``); the result is its summary."""
    return ledger_upload_run(LedgerUpload.objects.select_related("uploaded_by").get(pk=upload_id)).summary


@task()
def sweep_stale_uploads() -> int:
    """Close the ledger uploads whose worker stopped mid-import (``close_stale_uploads``)."""
    return close_stale_uploads()


@task()
def sweep_holiday_notice() -> bool:
    """From 1 October, tell the district admin once while next year's holidays are unconfirmed."""
    return holiday_notice_sweep()
