"""``pingan fraud import|export`` exit by the commands' convention, as a shell sees it:
0 done, 1 input refused (each bad row listed, nothing written), 2 usage error. (``fraud
link``'s exit codes are tested with the rest of it, in test_link_command.)"""

from pingan.core.management.exit_codes import ExitCode
from pingan.fraud.models import FraudCase
from pingan.fraud.tests.test_ledger import counts, ledger_row, now, xlsx  # noqa: F401 (now: a fixture)
from pingan.testing import run_command_line


def import_file(tmp_path, rows, *args, user="admin"):
    path = tmp_path / "案件台账.xlsx"
    path.write_bytes(xlsx(rows))
    return run_command_line("fraud", "import", str(path), "--user", user, "--no-progress", *args)


def bad_rows(err):
    return [line.split("，")[0] for line in err.splitlines() if line.startswith("第")]


def test_import_good_all_bad_partly_bad_and_empty(personas, tmp_path):
    before = counts()
    bad = [ledger_row("E-1", 案件类型="天降横财"), ledger_row("E-2", 所属乡镇="无此镇")]
    for rows, listed in ((bad, ["第 3 行", "第 4 行"]), ([ledger_row("E-3"), bad[0]], ["第 4 行"])):
        code, out, err = import_file(tmp_path, rows)
        assert (code, out, bad_rows(err)) == (ExitCode.REFUSED, "", listed)
        assert counts() == before
    code, out, err = import_file(tmp_path, [])
    assert (code, out) == (ExitCode.REFUSED, "") and "没有任何数据行" in err
    assert import_file(tmp_path, [ledger_row("E-3")])[0] == ExitCode.OK
    assert FraudCase.objects.filter(external_ref="E-3").exists()
    assert import_file(tmp_path, [ledger_row("E-4")], user="nobody")[0] == ExitCode.REFUSED
    assert run_command_line("fraud", "import", "x.xlsx")[0] == ExitCode.USAGE  # no --user


def test_export(personas, tmp_path):
    path = str(tmp_path / "out.xlsx")
    assert run_command_line("fraud", "export", path, "--user", "admin", "--no-progress")[0] == ExitCode.OK
    assert run_command_line("fraud", "export", path, "--user", "nobody")[0] == ExitCode.REFUSED
    for bad in (["--band", "bogus"], ["--reported-from", "x"]):
        assert run_command_line("fraud", "export", path, "--user", "admin", *bad)[0] == ExitCode.USAGE


def test_rings_recompute(personas):
    assert run_command_line("rings", "recompute", "--no-progress")[0] == ExitCode.OK
    assert run_command_line("rings")[0] == ExitCode.USAGE
