import ctypes
import os
import shutil
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command

from pingan.core.management.exit_codes import PinganCommand, positive_int

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent() -> None:
    """In the worker's process: end when the web server ends, however it ends (Linux)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Command(PinganCommand):
    help = "Serve Pingan with gunicorn (static files by WhiteNoise); --with-worker runs `pingan worker` too."
    done = "stopped (once gunicorn runs, its own codes)"
    refused_help = "refused: the database or the static files could not be prepared (the reason on stderr)"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("PINGAN_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=positive_int,
                            default=int(os.environ.get("PINGAN_WORKERS", "3")))
        parser.add_argument("--with-worker", action="store_true",
                            help="Also run the background worker beside the web server, ending with it "
                                 "(one machine, like the demo; in production run `pingan worker` as a "
                                 "service of its own).")

    def handle(self, *args, bind, workers, with_worker, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        bin_dir = os.path.dirname(sys.executable)
        if with_worker:
            pingan = shutil.which("pingan", path=bin_dir) or "pingan"
            subprocess.Popen([pingan, "worker"], preexec_fn=_die_with_parent)  # noqa: S603
            self.stdout.write("Background worker started (pingan worker).")
        gunicorn = shutil.which("gunicorn", path=bin_dir) or "gunicorn"
        self.stdout.write(f"Pingan on http://{bind}/  (API docs: http://{bind}/api/docs)")
        # Replaces this process, so the worker's parent is the web server itself.
        os.execv(gunicorn, [  # noqa: S606 (no shell involved)
            gunicorn, "pingan.wsgi:application", "--bind", bind, "--workers", str(workers),
            "--access-logfile", "-", "--chdir", str(settings.BASE_DIR.parent),
        ])
