"""Every ``pingan`` command ends by one convention (0 done, 1 input refused, 2 usage error,
3 done in part) and says so at the end of its --help; run here as a shell runs them."""

from argparse import ArgumentTypeError

import pytest
from django.core.management import get_commands

from pingan.core.management.exit_codes import ExitCode, positive_int
from pingan.core.models import ApiToken
from pingan.core.tests.test_audit import tamper
from pingan.testing import run_command_line

PINGAN_COMMANDS = sorted(name for name, app in get_commands().items() if app.startswith("pingan"))
# Each command with subcommands, and each subcommand (whose --help is its own).
SUBCOMMANDS = {"fraud": ["link", "import", "export"], "petitions": ["import", "export"],
               "rings": ["recompute"], "suggestions": ["import", "export"],
               "token": ["create", "revoke", "list"]}


def test_the_convention():
    assert [(code.name, code.value) for code in ExitCode] == [
        ("OK", 0), ("REFUSED", 1), ("USAGE", 2), ("PARTLY", 3)]
    assert positive_int("3") == 3
    for bad in ("0", "-1", "x"):
        with pytest.raises(ArgumentTypeError):
            positive_int(bad)


@pytest.mark.parametrize("argv", [[name] for name in PINGAN_COMMANDS if name not in SUBCOMMANDS]
                         + [[name, sub] for name, subs in SUBCOMMANDS.items() for sub in subs])
def test_every_command_documents_its_exit_codes(argv):
    code, out, _err = run_command_line(*argv, "--help")
    assert code == ExitCode.OK
    epilog = out[out.index("Exit codes:"):]
    for number in (0, 1, 2):
        assert f"\n  {number} " in epilog
    assert ("\n  3 " in epilog) == (argv == ["fraud", "link"])


def test_the_list_of_commands_is_whole():
    assert set(PINGAN_COMMANDS) >= {"audit", "demo", "deadline", "export", "fraud", "import", "petitions",
                                    "rings", "serve", "token", "worker"}


def test_an_unknown_command_or_option_is_a_usage_error():
    assert run_command_line("nosuchcommand")[0] == ExitCode.USAGE
    assert run_command_line("help", "nosuchcommand")[0] == ExitCode.USAGE
    code, _out, err = run_command_line("audit", "frobnicate")
    assert code == ExitCode.USAGE and "invalid choice" in err
    assert run_command_line("worker", "--sweep-seconds", "0")[0] == ExitCode.USAGE
    assert run_command_line("serve", "--workers", "none")[0] == ExitCode.USAGE


@pytest.mark.django_db
def test_audit_exits_1_on_a_broken_chain(make_hazard):
    hazard = make_hazard()
    assert run_command_line("audit", "verify", "--no-progress")[0] == ExitCode.OK
    tamper("UPDATE core_event SET note = %s WHERE id = %s", ["悄悄改过", hazard.events.first().pk])
    code, _out, err = run_command_line("audit", "verify", "--no-progress")
    assert code == ExitCode.REFUSED and "TAMPERED" in err


@pytest.mark.django_db
def test_token_refuses_what_does_not_exist(personas):
    code, out, _err = run_command_line("token", "create", "admin", "--name", "script")
    assert code == ExitCode.OK and out.strip()
    token = ApiToken.objects.get(user=personas.admin, name="script")
    assert run_command_line("token", "list", "admin")[0] == ExitCode.OK
    assert run_command_line("token", "revoke", str(token.pk))[0] == ExitCode.OK
    for argv in (["create", "nobody", "--name", "x"], ["list", "nobody"], ["revoke", str(token.pk + 1000)]):
        code, out, err = run_command_line("token", *argv)
        assert (code, out) == (ExitCode.REFUSED, ""), argv
        assert "No " in err
    assert run_command_line("token", "revoke", "one")[0] == ExitCode.USAGE


@pytest.mark.django_db
def test_deadline_exits_2_on_a_rule_it_does_not_know():
    assert run_command_line("deadline", "--rule", "resolution", "--start", "2026-04-25")[0] == ExitCode.OK
    assert run_command_line("deadline", "--rule", "nosuchrule")[0] == ExitCode.USAGE
    assert run_command_line("deadline", "--rule", "resolution", "--start", "25/4/2026")[0] == ExitCode.USAGE
