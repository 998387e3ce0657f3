"""Every ledger import command (``pingan import``, ``pingan petitions import``, ``pingan fraud
import``) is the same command (``LedgerCommand.load``): the same flags, the same summary line,
the same exit codes, run here as a shell runs them."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pingan.core.ledger import MSG_REJECTED, MSG_SUMMARY, MSG_SUMMARY_DRY_RUN
from pingan.core.management.exit_codes import ExitCode
from pingan.core.models import Case, Event
from pingan.testing import ledger_workbook, run_command_line

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
IMPORT_FLAGS = {"--user", "--dry-run", "--errors", "--map", "--no-progress", "--help"}
# What every Django command takes; a subcommand's --help does not repeat them.
DJANGO_FLAGS = {"--version", "--verbosity", "--settings", "--pythonpath", "--traceback", "--no-color",
                "--force-color", "--skip-checks"}


def hazard_ledger(units, category="消防"):
    return ledger_workbook([{"外部编号": "L-1", "标题": "消防通道堵塞", "类别": category,
                             "属地单位": units["grid"].name}],
                           header=["外部编号", "标题", "类别", "属地单位"])


def petition_ledger(units, category="征地拆迁"):
    return ledger_workbook([{"信访编号": "L-1", "登记日期": "2026年9月20日", "信访形式": "来访",
                             "信访类型": "申诉求决", "问题类别": category, "所属单位": units["village"].name,
                             "信访人": "张三", "内容摘要": "征地补偿款未足额发放"}],
                           header=["信访编号", "登记日期", "信访形式", "信访类型", "问题类别", "所属单位",
                                   "信访人", "内容摘要"])


def fraud_ledger(units, category="刷单返利类"):
    return ledger_workbook([{"案件编号": "L-1", "接报日期": "2026年11月15日", "所属乡镇": "航埠镇",
                             "案件类型": category, "被骗金额": "12,000元", "受害人姓名": "王建华",
                             "涉案号码": "13800000001"}],
                           header=["案件编号", "接报日期", "所属乡镇", "案件类型", "被骗金额", "受害人姓名",
                                   "涉案号码"])


# (the command's words before FILE, a one-row ledger of it; given a category, that row's)
COMMANDS = {
    "hazards": (["import"], hazard_ledger),
    "petitions": (["petitions", "import"], petition_ledger),
    "fraud": (["fraud", "import"], fraud_ledger),
}


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def units(worker_grid, hangbu_village):
    return {"grid": worker_grid, "village": hangbu_village}


def flags(help_text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", help_text[:help_text.index("Exit codes:")]))


def test_every_import_command_takes_the_same_flags():
    seen = {}
    for name, (words, _ledger) in COMMANDS.items():
        code, out, _err = run_command_line(*words, "--help")
        assert code == ExitCode.OK
        seen[name] = flags(out) - DJANGO_FLAGS
    assert all(found == IMPORT_FLAGS for found in seen.values()), seen


def test_pingan_import_names_the_hazard_ledger():
    _code, out, _err = run_command_line("import", "--help")
    assert "隐患台账" in out


@pytest.mark.parametrize("kind", COMMANDS)
def test_an_import_command_ends_alike(kind, personas, units, tmp_path):
    words, ledger = COMMANDS[kind]
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger(units))
    before = (Case.objects.count(), Event.objects.count())

    code, out, err = run_command_line(*words, str(path), "--user", "admin", "--dry-run", "--no-progress")
    dry_run = str(MSG_SUMMARY_DRY_RUN).format(rows=1, created=1, updated=0, unchanged=0)
    assert (code, err) == (ExitCode.OK, "") and out.startswith(dry_run)
    assert (Case.objects.count(), Event.objects.count()) == before

    code, out, _err = run_command_line(*words, str(path), "--user", "admin", "--no-progress")
    assert code == ExitCode.OK and out.startswith(str(MSG_SUMMARY).format(rows=1, created=1, updated=0,
                                                                          unchanged=0))
    after = (Case.objects.count(), Event.objects.count())
    assert after[0] == before[0] + 1

    # The same file again adds and changes nothing, and says so in the same words for every kind.
    code, out, _err = run_command_line(*words, str(path), "--user", "admin", "--no-progress")
    assert (code, out.strip()) == (ExitCode.OK, str(MSG_SUMMARY).format(rows=1, created=0, updated=0,
                                                                         unchanged=1))
    assert (Case.objects.count(), Event.objects.count()) == after

    # A bad row: every bad row on stderr, nothing written, 1.
    bad = tmp_path / "坏台账.xlsx"
    bad.write_bytes(ledger(units, "天灾"))
    code, out, err = run_command_line(*words, str(bad), "--user", "admin", "--no-progress")
    assert (code, out) == (ExitCode.REFUSED, "")
    assert "天灾" in err and str(MSG_REJECTED).format(count=1) in err
    assert (Case.objects.count(), Event.objects.count()) == after

    # The command line's own mistakes: 2, before anything is read.
    for argv in (["--map", "no-equals-sign"], ["--no-such-flag"], []):
        user = ["--user", "admin"] if argv != [] else []
        code, out, _err = run_command_line(*words, str(path), *user, *argv, "--no-progress")
        assert (code, out) == (ExitCode.USAGE, ""), argv
