"""How every ``pingan`` command ends, so that a script can tell what happened.

One convention (``ExitCode``) for every command, each of which documents it at the end of its
``--help`` (``PinganCommand``; a subcommand's help through ``PinganCommand.subcommand``). A
command that refuses its input never exits 0: it lists every bad row on stderr and exits
``REFUSED``; a command that skips bad rows and does the rest (``pingan fraud link`` without
``--strict``) lists them and exits ``PARTLY``. The command line's own mistakes are argparse's
``USAGE``, an unknown command's too (``pingan.cli``).
"""

from __future__ import annotations

import textwrap
from argparse import ArgumentTypeError
from enum import IntEnum
from typing import Any

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from pingan.core.errors import DomainError


class ExitCode(IntEnum):
    OK = 0
    # The input (a file, its rows, a user, a reference) was refused, or what the command
    # checks was found wrong: every reason on stderr, nothing written.
    REFUSED = 1
    # The command line is wrong: an unknown command or option, a missing or malformed argument
    # (argparse's own code).
    USAGE = 2
    # Done with the good rows; the bad ones were skipped, each listed on stderr.
    PARTLY = 3


REFUSED_HELP = "input refused: each bad row, or what is wrong, on stderr; nothing written"
USAGE_HELP = "usage error: an unknown command or option, a missing or malformed argument"


def exit_codes_help(*, done: str = "done", refused: str = REFUSED_HELP, partly: str | None = None) -> str:
    """The epilog of a command's ``--help``: its exit codes, one a line."""
    lines = [f"  {ExitCode.OK:d}  {done}", f"  {ExitCode.REFUSED:d}  {refused}",
             f"  {ExitCode.USAGE:d}  {USAGE_HELP}"]
    if partly:
        lines.append(f"  {ExitCode.PARTLY:d}  {partly}")
    return "\n".join(["Exit codes:", *lines])


class LinesHelpFormatter(DjangoHelpFormatter):
    """Wraps each line of a description or an epilog on its own, an indented line (an exit
    code) with a hanging indent: the exit codes stay one a line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(self._fill_line(line, width, indent) for line in text.splitlines())

    def _fill_line(self, line: str, width: int, indent: str) -> str:
        if not line.startswith(" "):
            return super()._fill_text(line, width, indent)
        return textwrap.fill(" ".join(line.split()), width, initial_indent=indent + "  ",
                             subsequent_indent=indent + "    ")


def refusal(message: Any) -> CommandError:
    return CommandError(str(message), returncode=ExitCode.REFUSED)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1, else a usage error."""
    try:
        value = int(text)
    except ValueError:
        raise ArgumentTypeError(f"“{text}” is not a whole number") from None
    if value < 1:
        raise ArgumentTypeError(f"{value} is less than 1")
    return value


class PinganCommand(BaseCommand):
    """A Pingan command: its ``--help`` ends with its exit codes (``done``, ``refused`` and
    ``partly`` say what 0, 1 and 3 mean for it; ``partly`` None: it never exits 3), and a
    DomainError or a file that cannot be read or written ends it as ``REFUSED``."""

    done = "done"
    refused_help = REFUSED_HELP
    partly_help: str | None = None

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        kwargs.setdefault("formatter_class", LinesHelpFormatter)
        kwargs.setdefault("epilog", exit_codes_help(done=self.done, refused=self.refused_help,
                                                    partly=self.partly_help))
        return super().create_parser(prog_name, subcommand, **kwargs)

    def subcommand(self, actions: Any, name: str, *, done: str = "done", refused: str = REFUSED_HELP,
                   partly: str | None = None, **kwargs: Any) -> Any:
        """``actions.add_parser(name, **kwargs)`` with its own exit codes at the end of its help."""
        return actions.add_parser(name, formatter_class=LinesHelpFormatter,
                                  epilog=exit_codes_help(done=done, refused=refused, partly=partly), **kwargs)

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except DomainError as exc:
            raise refusal(exc.message) from exc
        except OSError as exc:
            if exc.filename is None:
                raise
            raise refusal(f"{exc.filename}: {exc.strerror}") from exc
