"""The ``pingan`` command: every verb is a Django management command.

    pingan demo            set up the database, load the demo district, serve it
    pingan serve           serve the platform (gunicorn) on 127.0.0.1:8000
    pingan worker          run background tasks: escalation sweeps, imports
    pingan import FILE     load a hazard ledger (.xlsx/.csv)
    pingan export FILE     write hazards to .xlsx
    pingan fraud link CASES.csv --out RINGS.csv
                           link fraud cases into ranked rings (a file in, files out; no database)
    pingan audit verify    check the event log's hash chains
    pingan <anything else> any Django management command (migrate, createsuperuser…)
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingan.settings")
    from django.core.management import execute_from_command_line

    argv = ["pingan", *sys.argv[1:]] if len(sys.argv) > 1 else ["pingan", "help"]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
