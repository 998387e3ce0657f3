"""``pingan import`` and ``pingan export`` exit by the commands' convention, as a shell sees it:
0 done, 1 input refused (each bad row listed, nothing written), 2 usage error."""

from pingan.core.management.exit_codes import ExitCode
from pingan.hazards.models import Hazard
from pingan.hazards.tests.test_ledger import LEGACY_HEADER, counts, legacy_row, xlsx
from pingan.testing import run_command_line


def import_file(tmp_path, rows, *args, user="admin"):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx([LEGACY_HEADER, *rows]))
    return run_command_line("import", str(path), "--user", user, "--no-progress", *args)


def test_import_good_all_bad_partly_bad_and_empty(personas, worker_grid, tmp_path):
    before = counts()
    bad = [legacy_row("E-1", worker_grid, category="天灾"), legacy_row("E-2", worker_grid, reported="明天")]
    for rows, listed in ((bad, [3, 4]), ([legacy_row("E-3", worker_grid), bad[0]], [4])):
        code, out, err = import_file(tmp_path, rows)
        assert (code, out) == (ExitCode.REFUSED, "")
        # The command line speaks the district's language: 第 4 行，….
        assert [line.split("，")[0] for line in err.splitlines() if line.startswith("第")] == [
            f"第 {row} 行" for row in listed]
        assert counts() == before
    code, out, err = import_file(tmp_path, [])
    assert (code, out) == (ExitCode.REFUSED, "") and "没有任何数据行" in err
    code, out, err = import_file(tmp_path, [legacy_row("E-3", worker_grid)])
    assert code == ExitCode.OK and "第" not in err
    assert Hazard.objects.filter(external_ref="E-3").exists()
    assert import_file(tmp_path, [legacy_row("E-4", worker_grid)], user="nobody")[0] == ExitCode.REFUSED
    assert run_command_line("import", str(tmp_path / "台账.xlsx"))[0] == ExitCode.USAGE  # no --user


def test_export(personas, make_hazard, tmp_path):
    make_hazard()
    path = str(tmp_path / "out.xlsx")
    assert run_command_line("export", path, "--user", "admin", "--no-progress")[0] == ExitCode.OK
    assert run_command_line("export", path, "--user", "nobody", "--no-progress")[0] == ExitCode.REFUSED
    code, _out, err = run_command_line("export", str(tmp_path / "no" / "out.xlsx"), "--user", "admin",
                                       "--no-progress")
    assert code == ExitCode.REFUSED and "No such file" in err
    assert run_command_line("export", path, "--user", "admin", "--status", "bogus")[0] == ExitCode.USAGE
    assert run_command_line("export", path, "--user", "admin", "--severity", "bogus")[0] == ExitCode.USAGE
    # ``--grade``, the old name, still works for scripts written before the rename.
    assert run_command_line("export", path, "--user", "admin", "--grade", "bogus")[0] == ExitCode.USAGE
    assert run_command_line("export", path, "--user", "admin", "--grade", "major",
                            "--no-progress")[0] == ExitCode.OK
