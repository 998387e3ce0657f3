"""``pingan suggestions export --session NAME --out FILE.xlsx [--user USERNAME]``: the boards'
workbook (``suggestions.export``) from the command line, for the office's monthly report.

``add_export_parser`` adds the subcommand to ``pingan suggestions``; its ``handle`` calls
``run_export`` with the parsed options.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from pingan.core.ledger import write_aside
from pingan.core.management.exit_codes import LinesHelpFormatter, exit_codes_help, refusal
from pingan.core.management.ledger_commands import EXPORT_REFUSED, acting_user
from pingan.suggestions import selectors
from pingan.suggestions.export import write_board_workbook
from pingan.suggestions.models import Session, Suggestion


def add_export_parser(subparsers: Any) -> Any:
    parser = subparsers.add_parser(
        "export", formatter_class=LinesHelpFormatter, epilog=exit_codes_help(refused=EXPORT_REFUSED),
        help="Export the boards (per handling unit, per session, key suggestions, promises, every "
             "item) to .xlsx.",
        description="The same workbook as the board page's export. Without --user it holds the "
                    "district's whole record, as the deployment's operator reads it.",
    )
    parser.add_argument("--session", metavar="NAME",
                        help="The session's name, e.g. 市八届人大一次会议; every session when left out.")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx")
    parser.add_argument("--user", metavar="USERNAME", help="Export what this user may see.")
    return parser


def run_export(options: Mapping[str, Any], stdout: Any) -> int:
    """Write the workbook the options ask for; returns the number of items on its detail
    sheet. An unknown user or session is refused (``CommandError``), nothing written."""
    name = options.get("session")
    session = None
    if name:
        session = Session.objects.filter(name=name.strip()).first()
        if session is None:
            raise refusal(_("No session “{name}”.").format(name=name))
    username = options.get("user")
    if username:
        items = selectors.board_items(acting_user(username), session=session)
    else:
        items = Suggestion.objects.filter(session=session) if session else Suggestion.objects.all()
    out = Path(options["out"])
    count = write_aside(out, partial(write_board_workbook, items))
    stdout.write(_("{count} suggestions and proposals written to {file}.").format(count=count, file=out))
    return count
