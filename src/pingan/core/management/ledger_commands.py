"""What the ledger commands (``pingan import|export``, ``pingan petitions …``, ``pingan fraud …``)
share: the acting user, progress bars on stderr, the arguments every import and export takes,
reading the list filters from the options, reporting a rejected import, and the import and
export subcommands of a kind whose ledger follows ``core.ledger`` (``LedgerCommand``). Their
exit codes are every command's (``exit_codes``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ValidationError
from tqdm import tqdm

from pingan.core.errors import DomainError
from pingan.core.ledger import (
    LedgerColumnsUnknown,
    LedgerImport,
    Progress,
    RowError,
    write_aside,
    write_error_report,
)
from pingan.core.management.exit_codes import ExitCode, PinganCommand, refusal

MSG_MAP_SYNTAX = gettext_lazy(
    "--map takes the column's header and the field it holds, as 表头=field: “{pair}”."
)
MSG_MAP_HINT = gettext_lazy(
    "Say which column holds each field with --map 表头=field (repeatable), e.g. --map {header}={field}. "
    "The fields (* needed): {fields}"
)

# What an import's --help says of 1, and of the unit column.
IMPORT_REFUSED = "the file refused: every bad row on stderr (and in --errors); nothing written"
EXPORT_REFUSED = ("refused: no such user, or the file cannot be written (the reason on stderr); "
                  "nothing written")
UNIT_COLUMN_HELP = ("The ledger: .xlsx or .csv. Its unit column names a unit at any level, by its full "
                    "or short name (航埠镇 or 航埠) or its division code (330802 or 330802000000 for the "
                    "district, 330802101 or 330802101000 for a town, a village's 12 digits, a grid "
                    "cell's more).")


def acting_user(username: str) -> Any:
    """The user a command acts as: it sees, reports and exports what that user may."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise refusal(_("No active user “{username}”.").format(username=username))
    return user


class _Raw:
    """tqdm redraws its line with carriage returns; Django's OutputWrapper would end every
    redraw with a newline (and colour it as an error)."""

    def __init__(self, out: OutputWrapper):
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, style_func=lambda s: s, ending="")

    def flush(self) -> None:
        self.out.flush()


def progress_bars(stderr: OutputWrapper, *, disable: bool) -> Progress:
    return partial(tqdm, file=_Raw(stderr), unit=" rows", disable=disable, dynamic_ncols=True)


def add_import_arguments(parser: Any, *, refused: str, dry_run: str = "Check every row, write nothing.",
                         errors: str = "Also write the bad rows to this CSV file.") -> None:
    """FILE, --user (``refused`` says what of theirs is refused), --dry-run, --errors, --map,
    --no-progress."""
    parser.add_argument("file", type=Path, help=UNIT_COLUMN_HELP)
    parser.add_argument("--user", required=True, help=f"Import as this user: {refused}")
    parser.add_argument("--dry-run", action="store_true", help=dry_run)
    parser.add_argument("--errors", type=Path, metavar="REPORT.csv", help=errors)
    parser.add_argument("--map", dest="mapping", action="append", default=[], metavar="表头=field",
                        help="A column of the file the import does not know, and the field it holds "
                             "(a field's key or its Chinese header): --map 隐患事项=title. Repeatable.")
    parser.add_argument("--no-progress", action="store_true")


def column_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """--map's 表头=field pairs as {header: field}; which fields exist the import checks."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, equals, field = pair.partition("=")
        if not equals or not header.strip() or not field.strip():
            raise CommandError(MSG_MAP_SYNTAX.format(pair=pair), returncode=ExitCode.USAGE)
        mapping[header.strip()] = field.strip()
    return mapping


def import_refused(exc: DomainError) -> CommandError:
    """The command's error for an import refused whole; for columns it does not know, how to
    name them with --map."""
    if not isinstance(exc, LedgerColumnsUnknown):
        return refusal(exc.message)
    layout = exc.layout
    fields = "、".join(f"{c.field}（{c.header}）{'*' if layout.is_required(c.field) else ''}"
                      for c in layout.importable)
    example = exc.found[0] if exc.found else "表头"
    hint = MSG_MAP_HINT.format(header=example, field=layout.anchor, fields=fields)
    return refusal(f"{exc.message}\n{hint}")


def add_export_arguments(parser: Any, *, full: str | None = None) -> None:
    """FILE, --user, --full (when ``full`` says what it unmasks), --unit, --open-only,
    --no-progress; a kind adds its own filters, named as its list's filter fields."""
    parser.add_argument("file", type=Path)
    parser.add_argument("--user", required=True, help="Export what this user may see.")
    if full:
        parser.add_argument("--full", action="store_true", help=full)
    parser.add_argument("--unit", help="A division-code prefix: that unit's whole subtree.")
    parser.add_argument("--open-only", action="store_true")
    parser.add_argument("--no-progress", action="store_true")


def keys_help(keys: Iterable[str]) -> str:
    return "Key(s), comma-separated or repeated: " + ", ".join(keys)


def filters_from_options(filters_class: type[BaseModel], options: Mapping[str, Any]) -> Any:
    """The export's options as the list's filters (a repeated option joined with commas, as
    the web list takes it); a bad value is the command's error."""
    try:
        return filters_class.model_validate({
            name: ",".join(value) if isinstance(value, list) else value
            for name, value in options.items()
            if name in filters_class.model_fields
        })
    except ValidationError as exc:
        raise CommandError(str(exc), returncode=ExitCode.USAGE) from exc


def report_rejected(command: BaseCommand, row_errors: list[RowError], report: Path | None) -> None:
    """Every bad row on stderr and, if asked, in ``report`` as CSV."""
    for row_error in row_errors:
        command.stderr.write(str(row_error))
    if report:
        with Path(report).open("w", encoding="utf-8", newline="") as out:
            write_error_report(row_errors, out)


def report_import(command: BaseCommand, result: LedgerImport, report: Path | None) -> None:
    """An import's result: its summary, or its bad rows and a failing exit."""
    if result.errors:
        report_rejected(command, result.errors, report)
        raise refusal(result)
    command.stdout.write(str(result))


class LedgerCommand(PinganCommand):
    """``import`` and ``export`` for a kind's ledger, the same for every kind: ``load`` takes
    the options of ``add_import_arguments``, runs ``ledger_import(file, actor=, dry_run=,
    progress=, mapping=)``, which returns a ``LedgerImport``, and prints its summary or its bad
    rows (exit 1); ``save`` runs ``ledger_write(filters, out, user=, full=, progress=)``, which
    writes the rows ``filters`` (a ``ledger_filters``) choose and counts them; ``written`` says
    so, with {count} and {file}. ``pingan import``, ``pingan petitions import`` and ``pingan
    fraud import`` are all ``load``."""

    ledger_import: Callable[..., LedgerImport]
    ledger_write: Callable[..., int]
    ledger_filters: type[BaseModel]
    written: Any
    # The kind's own import options, passed on to ``ledger_import`` when given (a session's
    # list: ``--session``).
    import_options: tuple[str, ...] = ()

    def load(self, *, file: Path, user: str, dry_run: bool, errors: Path | None, no_progress: bool,
             mapping: list[str], **options: Any) -> None:
        own = {name: options[name] for name in self.import_options if options.get(name) is not None}
        try:
            result = self.ledger_import(file, actor=acting_user(user), dry_run=dry_run,
                                        progress=progress_bars(self.stderr, disable=no_progress),
                                        mapping=column_mapping(mapping), **own)
        except DomainError as exc:
            raise import_refused(exc) from exc
        report_import(self, result, errors)

    def save(self, *, file: Path, user: str, full: bool, no_progress: bool, **options: Any) -> None:
        actor = acting_user(user)
        filters = filters_from_options(self.ledger_filters, options)
        count = write_aside(file, partial(self.ledger_write, filters, user=actor, full=full,
                                          progress=progress_bars(self.stderr, disable=no_progress)))
        self.stdout.write(str(self.written).format(count=count, file=file))
