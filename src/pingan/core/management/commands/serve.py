import os
import shutil
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Pingan with gunicorn (static files by WhiteNoise)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("PINGAN_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("PINGAN_WORKERS", "3")))

    def handle(self, *args, bind, workers, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
        self.stdout.write(f"Pingan on http://{bind}/  (API docs: http://{bind}/api/docs)")
        os.execv(gunicorn, [  # noqa: S606 (replaces this process; no shell involved)
            gunicorn, "pingan.wsgi:application", "--bind", bind, "--workers", str(workers),
            "--access-logfile", "-", "--chdir", str(settings.BASE_DIR.parent),
        ])
