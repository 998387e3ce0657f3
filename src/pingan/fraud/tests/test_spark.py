"""The Spark engine (``pingan fraud link --engine spark``) against the in-process one: from the
same file, the same rings, members, left-out identifiers and bad-row reports. One local Spark
session serves the module (starting a JVM costs seconds) and the files are small. Without
PySpark or Java these tests fail, saying which is missing: they are never skipped."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from pingan.core.errors import DomainError
from pingan.core.management.exit_codes import ExitCode
from pingan.fraud import spark as spark_engine
from pingan.fraud.casefile import CaseFileError
from pingan.fraud.spark import MSG_NO_JAVA, link_file, spark_for
from pingan.fraud.tests.test_link_command import (
    CASES,
    link_file_in_process,
    messy_case_file,
    outcome,
    read,
)

pytestmark = pytest.mark.spark


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def spark():
    with spark_for("local[2]") as session:
        yield session


def test_spark_equals_in_process_through_the_command(spark, tmp_path):
    (tmp_path / "cases.csv").write_text(CASES, encoding="utf-8")
    (tmp_path / "stop.txt").write_text("phone:95588\n", encoding="utf-8")
    printed = {}
    for engine in ("inprocess", "spark"):
        folder = tmp_path / engine
        folder.mkdir()
        stdout, stderr = io.StringIO(), io.StringIO()
        # The file's two bad rows are skipped and the rest linked: both engines end "done in part".
        with pytest.raises(CommandError) as partly:
            call_command("fraud", "link", str(tmp_path / "cases.csv"), "--out", str(folder / "rings.csv"),
                         "--members", str(folder / "members.csv"), "--left-out", str(folder / "left.csv"),
                         "--stoplist", str(tmp_path / "stop.txt"), "--engine", engine, "--no-progress",
                         stdout=stdout, stderr=stderr)
        assert partly.value.returncode == ExitCode.PARTLY
        printed[engine] = (re.sub(r"[\d.]+ s\.", "", stdout.getvalue()), stderr.getvalue())  # less the time
    for name in ("rings.csv", "members.csv", "left.csv"):
        assert (tmp_path / "spark" / name).read_bytes() == (tmp_path / "inprocess" / name).read_bytes()
    assert printed["spark"] == printed["inprocess"]
    assert read(tmp_path / "spark" / "rings.csv")[1][:3] == ["1", "KC-001", "4"]
    assert "Line 8: “12” is not a valid phone number" in printed["spark"][1]


def test_spark_equals_in_process_on_planted_rings(spark, tmp_path, seed=6, max_degree=2):
    """Rings planted by identifiers written several ways, a common identifier past the
    threshold, a stoplisted one, bad rows, blank lines, references to strip and to quote."""
    path = tmp_path / "cases.csv"
    path.write_text(messy_case_file(seed, cases=150), encoding="utf-8")
    linked = link_file(spark, path, stoplist={"phone:95588"}, max_degree=max_degree, major_loss_yuan=1000,
                       major_victims=4)
    expected = link_file_in_process(path, max_degree=max_degree)
    assert outcome(linked, linked.report) == expected
    assert expected["left_out"] and expected["errors"] and max(ring[2] for ring in expected["rings"]) > 2


def test_a_file_without_quotes_is_read_in_parts_with_the_same_result(spark, tmp_path):
    """No value can span lines: Spark splits the file as it reads it, and the rows' numbers
    (for the bad rows' line numbers, and for which row came first) run across the parts."""
    text = "".join(line for line in messy_case_file(7).splitlines(keepends=True) if '"' not in line)
    path = tmp_path / "cases.csv"
    path.write_text(text, encoding="utf-8")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "2048")
    try:
        linked = link_file(spark, path, stoplist={"phone:95588"}, max_degree=5, major_loss_yuan=1000,
                           major_victims=4)
        assert spark.read.csv(str(path)).rdd.getNumPartitions() > 3
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    expected = link_file_in_process(path)
    assert outcome(linked, linked.report) == expected
    assert expected["errors"]


def test_spark_refuses_a_file_that_is_not_utf8(spark, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(CASES.encode() + "A,app,电信诈骗\n".encode("gb18030"))
    with pytest.raises(CaseFileError, match="not UTF-8"):
        link_file(spark, path, stoplist=(), max_degree=5, major_loss_yuan=1000, major_victims=4)


def test_without_java_the_engine_says_so(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(DomainError) as refused:
        spark_engine.spark_session()
    assert refused.value.message == str(MSG_NO_JAVA)
