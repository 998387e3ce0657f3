"""The ``pingan`` command: every verb is a Django management command.

    pingan demo            set up the database, load the demo district, serve it
    pingan serve           serve the platform (gunicorn) on 127.0.0.1:8000
    pingan worker          run background tasks: escalation sweeps, imports
    pingan import FILE     load the hazard ledger (隐患台账, .xlsx/.csv)
    pingan export FILE     write hazards to .xlsx
    pingan fraud link CASES.csv --out RINGS.csv
                           link fraud cases into ranked rings (a file in, files out; no database)
    pingan audit verify    check the event log's hash chains
    pingan <anything else> any Django management command (migrate, createsuperuser…)

Every Pingan command exits 0 when done, 1 when it refuses its input, 2 on a usage error
and, where it skips bad rows, 3 (``pingan.core.management.exit_codes``); each says so at the
end of its --help.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingan.settings")
    from django.core.management import execute_from_command_line

    argv = ["pingan", *sys.argv[1:]] if len(sys.argv) > 1 else ["pingan", "help"]
    try:
        execute_from_command_line(argv)
    except SystemExit as exit:
        from django.core.management import get_commands

        from pingan.core.management.exit_codes import ExitCode

        # Django ends an unknown command (after its "did you mean") with 1: by Pingan's
        # convention that is a usage error.
        named = argv[2] if argv[1] == "help" and len(argv) > 2 else argv[1]
        if exit.code == 1 and named not in get_commands() and named != "help":
            raise SystemExit(ExitCode.USAGE) from None
        raise


if __name__ == "__main__":
    main()
