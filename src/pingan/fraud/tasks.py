"""Background work on fraud rings, run by `pingan worker` (the django-tasks database backend)."""

from dataclasses import asdict

from django_tasks import task

from pingan.fraud.services import rings_recompute


@task()
def recompute_rings() -> dict:
    """Link every case again (``services.rings_recompute``); the result is its report."""
    return asdict(rings_recompute())
