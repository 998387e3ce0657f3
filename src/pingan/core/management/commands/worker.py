import threading
import time
from collections.abc import Callable, Mapping

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections
from django.utils.module_loading import import_string

from pingan.core.management.exit_codes import PinganCommand, positive_int
from pingan.core.tasks import sweep_holiday_notice, sweep_overdue_cases, sweep_stale_uploads


class Periodic:
    """Enqueues each task of ``schedule`` (dotted path → seconds) when it is first asked and
    then whenever that many seconds have passed since it last enqueued it."""

    def __init__(self, schedule: Mapping[str, int], clock: Callable[[], float] = time.monotonic) -> None:
        self.schedule = dict(schedule)
        self.clock = clock
        self.last: dict[str, float] = {}

    def enqueue_due(self) -> list[str]:
        now = self.clock()
        due = [path for path, seconds in self.schedule.items()
               if path not in self.last or now - self.last[path] >= seconds]
        for path in due:
            import_string(path).enqueue()
            self.last[path] = now
        return due


def enqueue_sweeps(periodic: Periodic | None = None) -> None:
    sweep_overdue_cases.enqueue()
    sweep_stale_uploads.enqueue()
    sweep_holiday_notice.enqueue()
    (periodic or Periodic(settings.PINGAN_WORKER_PERIODIC_TASKS)).enqueue_due()


class Command(PinganCommand):
    help = (
        "Run background work: the django-tasks database worker, plus a timer that enqueues the "
        "overdue-case escalation sweep, the stale-upload sweep and the holiday-schedule reminder every "
        "PINGAN_ESCALATION_SWEEP_SECONDS, and each of PINGAN_WORKER_PERIODIC_TASKS (the league "
        "recompute) on its own interval."
    )
    done = "stopped (with --once: what was queued has run)"
    refused_help = "a task could not be run (the reason on stderr)"

    def add_arguments(self, parser):
        parser.add_argument("--sweep-seconds", type=positive_int,
                            default=settings.PINGAN_ESCALATION_SWEEP_SECONDS)
        parser.add_argument("--once", action="store_true",
                            help="Enqueue the sweeps once, run what is queued, and exit.")

    def handle(self, *args, sweep_seconds, once, **options):
        if once:
            enqueue_sweeps()
            call_command("db_worker", "--batch", "--no-startup-delay")
            return
        stop = threading.Event()
        periodic = Periodic(settings.PINGAN_WORKER_PERIODIC_TASKS)

        def every_so_often() -> None:
            while not stop.is_set():
                enqueue_sweeps(periodic)
                close_old_connections()
                stop.wait(sweep_seconds)

        timer = threading.Thread(target=every_so_often, name="sweep-timer", daemon=True)
        timer.start()
        try:
            call_command("db_worker")
        finally:
            stop.set()
