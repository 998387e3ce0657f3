import threading

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections

from pingan.core.management.exit_codes import PinganCommand, positive_int
from pingan.core.tasks import sweep_holiday_notice, sweep_overdue_cases, sweep_stale_uploads


def enqueue_sweeps() -> None:
    sweep_overdue_cases.enqueue()
    sweep_stale_uploads.enqueue()
    sweep_holiday_notice.enqueue()


class Command(PinganCommand):
    help = (
        "Run background work: the django-tasks database worker, plus a timer that enqueues the "
        "overdue-case escalation sweep, the stale-upload sweep and the holiday-schedule reminder every "
        "PINGAN_ESCALATION_SWEEP_SECONDS."
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

        def every_so_often() -> None:
            while not stop.is_set():
                enqueue_sweeps()
                close_old_connections()
                stop.wait(sweep_seconds)

        timer = threading.Thread(target=every_so_often, name="sweep-timer", daemon=True)
        timer.start()
        try:
            call_command("db_worker")
        finally:
            stop.set()
