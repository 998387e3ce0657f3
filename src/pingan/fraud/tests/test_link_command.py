"""``pingan fraud link``: a case file in, ranked rings and members out, no database (these
tests have no database access: the command would fail here if it touched one)."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from pingan.fraud import casefile
from pingan.fraud.casefile import (
    RING_HEADER,
    CaseFileError,
    parse_day,
    parse_loss_fen,
    parse_unit_code,
    parse_victims,
    read_stoplist,
)

HEADER = "case_ref,identifier_kind,identifier_value,loss,victims,unit_code,reported_on\n"
CASES = HEADER + (
    "KC-001,phone,+86 138-1234-5678,12000,1,330802007001,2025-03-01\n"
    "KC-001,bank_account,6222 0212 3456 7890 128,12000,1,330802007001,2025-03-01\n"
    'KC-002,phone,１３８１２３４５６７８,"600,000.50",2,330802001001,2025/3/5\n'
    "KC-003,url,https://www.Pay-Example.com/x?utm_source=sms,100,,330802001002,2025年4月1日\n"
    "KC-003,bank_account,6222021234567890128,,,,\n"
    "KC-004,url,pay-example.com,,,,\n"
    "KC-005,phone,12,,,,\n"
    "KC-006,,,50,1,330802002001,2025-01-01\n"
    "KC-007,phone,95588,1,1,,\n"
    "KC-008,phone,955 88,1,1,,\n"
    "KC-009,device_id,490154203237519,5,,,\n"
    "\n"
    ",,,,,,\n"
)


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in their English msgids; users read them in zh-Hans."""
    with translation.override("en"):
        yield


def run(tmp_path, text, *args, encoding="utf-8"):
    source = tmp_path / "cases.csv"
    source.write_text(text, encoding=encoding)
    out, err = io.StringIO(), io.StringIO()
    call_command("fraud", "link", str(source), "--out", str(tmp_path / "rings.csv"), "--no-progress",
                 *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def read(path):
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def test_links_a_case_file_into_ranked_rings(tmp_path):
    out, err = run(tmp_path, CASES, "--members", str(tmp_path / "members.csv"))
    rings = read(tmp_path / "rings.csv")
    assert rings == [
        list(RING_HEADER),
        ["1", "KC-001", "4", "5", "612100.50", "2", "2025-03-01", "2025-04-01", "1", "3"],
        ["2", "KC-006", "1", "1", "50.00", "1", "2025-01-01", "2025-01-01", "0", "0"],
        ["3", "KC-007", "2", "2", "2.00", "0", "", "", "0", "1"],
    ]
    assert read(tmp_path / "members.csv") == [
        ["case_ref", "ring_id"], ["KC-001", "KC-001"], ["KC-002", "KC-001"], ["KC-003", "KC-001"],
        ["KC-004", "KC-001"], ["KC-006", "KC-006"], ["KC-007", "KC-007"], ["KC-008", "KC-007"],
    ]
    # Bad rows are skipped and reported by line (the header is line 1).
    assert "Line 8: “12” is not a valid phone number" in err
    assert "Line 12: “490154203237519” is not a valid device ID" in err
    assert "11 rows, 7 cases, 4 identifiers → 3 rings (2 of two or more cases, 1 major)" in out
    assert "2 bad rows skipped" in out
    assert (tmp_path / "rings.csv").read_bytes().startswith("\ufeff".encode())


def test_strict_fails_and_writes_nothing(tmp_path):
    with pytest.raises(CommandError, match=r"2 bad row\(s\); nothing was written"):
        run(tmp_path, CASES, "--strict", "--members", str(tmp_path / "members.csv"))
    assert not (tmp_path / "rings.csv").exists()
    assert not (tmp_path / "members.csv").exists()


def test_stoplist_file_and_max_degree(tmp_path):
    (tmp_path / "stop.txt").write_text("# bank service numbers\nphone:95588\nurl,www.pay-example.com\n",
                                       encoding="utf-8")
    out, err = run(tmp_path, CASES, "--stoplist", str(tmp_path / "stop.txt"), "--max-degree", "1",
                   "--left-out", str(tmp_path / "left.csv"))
    assert read(tmp_path / "left.csv") == [
        ["identifier_kind", "identifier_value", "cases", "reason"],
        ["bank_account", "6222021234567890128", "2", "degree"],
        ["phone", "13812345678", "2", "degree"],
        ["phone", "95588", "2", "stoplist"],
        ["url", "pay-example.com", "2", "stoplist"],
    ]
    assert "phone:95588: 2 cases, on the stoplist" in err
    assert "→ 7 rings (0 of two or more cases" in out


def test_settings_stoplist_applies_too(tmp_path, settings):
    settings.PINGAN_FRAUD_IDENTIFIER_STOPLIST = ("phone:95588",)
    run(tmp_path, CASES)
    assert ["3", "KC-007", "1", "1", "1.00", "0", "", "", "0", "0"] in read(tmp_path / "rings.csv")


def test_byte_order_mark_column_order_and_chinese_headers(tmp_path):
    text = ("受害人数,涉案要素,案件编号,标识类型,备注\n"
            "3,13900000001,B-2,手机号,x\n"
            "1,+8613900000001,B-1,phone,\n")
    run(tmp_path, text, encoding="utf-8-sig")
    assert read(tmp_path / "rings.csv")[1] == ["1", "B-1", "2", "4", "0.00", "0", "", "", "0", "1"]


def test_missing_columns_and_unreadable_files(tmp_path):
    with pytest.raises(CommandError, match="no column for: identifier_value"):
        run(tmp_path, "case_ref,identifier_kind\nA,phone\n")
    with pytest.raises(CommandError, match="empty"):
        run(tmp_path, "")
    with pytest.raises(CommandError, match="not UTF-8"):
        run(tmp_path, HEADER + "A,app,电信诈骗\n", encoding="gb18030")
    with pytest.raises(CommandError, match="No such file"):
        call_command("fraud", "link", str(tmp_path / "absent.csv"), "--out", str(tmp_path / "r.csv"),
                     "--no-progress")


def test_bad_kind_and_half_identifiers_are_row_errors(tmp_path):
    text = HEADER + "A,fax,123,,,,\nB,phone,,,,,\nC,,13900000001,,,,\n,phone,13900000001,,,,\nD,app,x,-5,,,\n"
    text += "E,app,x,,two,,\nF,app,x,,,3308,\nG,app,x,,,,2025-02-30\nH,app,x,1.234,,,\n"
    _out, err = run(tmp_path, text)
    lines = err.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"Line {n}" for n in range(2, 11)]
    assert "Unknown identifier kind “fax”" in lines[0]
    assert "both the identifier's kind and its value" in lines[1]
    assert "case reference is empty" in lines[3]


@pytest.mark.parametrize(("raw", "fen"), [("12000", 1_200_000), ("12000.5", 1_200_050), ("0.05", 5),
                                          ("12,000.5", 1_200_050), ("０.０１", 1), ("300元", 30_000),
                                          (" 7.10 ", 710)])
def test_parse_loss(raw, fen):
    assert parse_loss_fen(raw) == fen


@pytest.mark.parametrize("raw", ["-1", "1.001", "abc", "NaN", "Infinity", ""])
def test_parse_loss_refuses(raw):
    with pytest.raises(ValueError, match=raw or "Loss"):
        parse_loss_fen(raw)


def test_parse_other_facts():
    assert parse_victims("３人") == 3
    assert parse_unit_code(" 330802001001 ") == "330802001001"
    day = dt.date(2026, 4, 25).toordinal()
    written = ["2026-04-25", "2026/4/25", "2026.4.25", "2026年4月25日", "２０２６年４月２５日",
               "2026-04-25 14:30:00", "2026-04-25T14:30"]
    assert {parse_day(d) for d in written} == {day}
    for bad, parse in [("1.5", parse_victims), ("33080A001001", parse_unit_code), ("25/4/2026", parse_day)]:
        with pytest.raises(ValueError):
            parse(bad)


def test_read_stoplist_reports_the_bad_line():
    assert read_stoplist(["phone:+86 95588", "", "# note", "app,《某某 APP》  # a comment"]) == {
        "phone:95588", "app:某某 app"}
    with pytest.raises(CaseFileError, match="line 2"):
        read_stoplist(["phone:95588", "phone:12"])


def test_bounded_caches_give_the_same_rings(tmp_path, monkeypatch):
    run(tmp_path, CASES, "--members", str(tmp_path / "members.csv"))
    expected = read(tmp_path / "rings.csv"), read(tmp_path / "members.csv")
    monkeypatch.setattr(casefile, "CACHE_LIMIT", 2)  # cleared every other new value
    run(tmp_path, CASES, "--members", str(tmp_path / "members.csv"))
    assert (read(tmp_path / "rings.csv"), read(tmp_path / "members.csv")) == expected


def test_max_degree_must_be_positive(tmp_path):
    with pytest.raises(CommandError, match="at least 1"):
        run(tmp_path, CASES, "--max-degree", "0")
