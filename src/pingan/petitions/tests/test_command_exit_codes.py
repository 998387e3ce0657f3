"""``pingan petitions import|export`` exit by the commands' convention, as a shell sees it:
0 done, 1 input refused (each bad row listed, nothing written), 2 usage error."""

import pytest

from pingan.core.management.exit_codes import ExitCode
from pingan.petitions.models import Petition
from pingan.petitions.tests.test_ledger import (  # noqa: F401 (now, grid_petition: fixtures)
    counts,
    grid_petition,
    ledger_row,
    now,
    xlsx,
)
from pingan.testing import run_command_line


def import_file(tmp_path, rows, *args, user="admin"):
    path = tmp_path / "信访台账.xlsx"
    path.write_bytes(xlsx(rows))
    return run_command_line("petitions", "import", str(path), "--user", user, "--no-progress", *args)


def bad_rows(err):
    return [line.split("，")[0] for line in err.splitlines() if line.startswith("第")]


def test_import_good_all_bad_partly_bad_and_empty(personas, hangbu_village, tmp_path):
    before = counts()
    bad = [ledger_row("E-1", hangbu_village, 问题类别="天灾"),
           ledger_row("E-2", hangbu_village, 所属单位="无此村")]
    good = ledger_row("E-3", hangbu_village)
    for rows, listed in ((bad, ["第 3 行", "第 4 行"]), ([good, bad[0]], ["第 4 行"])):
        code, out, err = import_file(tmp_path, rows)
        assert (code, out, bad_rows(err)) == (ExitCode.REFUSED, "", listed)
        assert counts() == before
    code, out, err = import_file(tmp_path, [])
    assert (code, out) == (ExitCode.REFUSED, "") and "没有任何数据行" in err
    assert import_file(tmp_path, [ledger_row("E-3", hangbu_village)])[0] == ExitCode.OK
    assert Petition.objects.filter(external_ref="E-3").exists()
    assert import_file(tmp_path, [ledger_row("E-4", hangbu_village)], user="nobody")[0] == ExitCode.REFUSED
    assert run_command_line("petitions", "import")[0] == ExitCode.USAGE


@pytest.mark.usefixtures("grid_petition")
def test_export(personas, tmp_path):
    path = str(tmp_path / "out.xlsx")
    assert run_command_line("petitions", "export", path, "--user", "admin", "--no-progress")[0] == ExitCode.OK
    for user, refused in (("nobody", ExitCode.REFUSED), ("admin", ExitCode.USAGE)):
        code, out, _err = run_command_line("petitions", "export", path, "--user", user, "--status", "bogus")
        assert (code, out) == (refused, "")
    code, _out, err = run_command_line("petitions", "export", path, "--user", "grid", "--full")
    assert code == ExitCode.REFUSED and err
