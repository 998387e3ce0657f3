"""``pingan fraud link``: a case file in, ranked rings and members out, no database (these
tests have no database access: the command would fail here if it touched one)."""

import csv
import datetime as dt
import io
import random

import numpy as np
import pyarrow as pa
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from pingan.core.management.exit_codes import ExitCode
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
from pingan.fraud.identifiers import KINDS, IdentifierError, key_normalizer, normalize_keys
from pingan.fraud.tests.test_identifiers import BAD, GOOD
from pingan.testing import run_command_line

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
    try:
        call_command("fraud", "link", str(source), "--out", str(tmp_path / "rings.csv"), "--no-progress",
                     *args, stdout=out, stderr=err)
    except CommandError as exc:
        # Bad rows skipped, the rest linked (the exit code is tested on the command line).
        if exc.returncode != ExitCode.PARTLY:
            raise
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


def test_a_unit_at_any_level_however_written_is_one_place(tmp_path):
    """District-level cases (the district's own police record them with 330802) link like any
    other; a unit written in two forms counts once among the towns a ring spans."""
    codes = ["330802", "330802000", "330802000000", "330802001", "330802001000", "330802001001",
             "330802001001001"]
    text = HEADER + "".join(f"D-{n},phone,13800000001,100,1,{code},2025-03-01\n"
                            for n, code in enumerate(codes))
    out, err = run(tmp_path, text)
    assert err == ""
    assert read(tmp_path / "rings.csv")[1][:6] == ["1", "D-0", "7", "7", "700.00", "2"]
    assert "0 bad rows skipped" in out


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
    text += "E,app,x,,two,,\nF,app,x,,,3308,\nG,app,x,,,,2025-02-30\nH,app,x,1.234,,,\nI,app,x,,,,\n"
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
    assert parse_unit_code("３３０８０２") == "330802"
    day = dt.date(2026, 4, 25).toordinal()
    written = ["2026-04-25", "2026/4/25", "2026.4.25", "2026年4月25日", "２０２６年４月２５日",
               "2026-04-25 14:30:00", "2026-04-25T14:30"]
    assert {parse_day(d) for d in written} == {day}
    for bad, parse in [("1.5", parse_victims), ("33080A001001", parse_unit_code),
                       ("3308020", parse_unit_code), ("25/4/2026", parse_day)]:
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
    with pytest.raises(CommandError, match="less than 1"):
        run(tmp_path, CASES, "--max-degree", "0")


# -- the column-wise reader ------------------------------------------------------------------
#
# casefile reads a file in batches of columns (Arrow's CSV reader, or the csv module's for
# files Arrow refuses) and normalises whole columns with fast paths that only ever accept.
# These tests hold every such path to the row-by-row rules: the per-value normaliser, one
# batch or many, either CSV reader.


WIDE_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


# Every level, in every form, and one that is no division code.
UNIT_CODES = ["", "330802001001", "330802002003", "330802", "330802000000", "330802001", "330802002000",
              "3308020"]


def messy_case_file(seed, *, cases=120):
    """A case file as exports look: rings planted by shared identifiers written several
    ways, facts repeated or missing on a case's rows, a common identifier past the degree
    threshold, bad rows, blank lines, references to strip or to quote."""
    rng = random.Random(seed)
    refs = [f"{rng.choice(['A', 'KC-', '案'])}{n:04d}" for n in range(cases)]
    refs[3], refs[7] = "X,1", 'Q"7'  # written quoted, in and out
    rows = []
    pool = []
    for ref in refs:
        if not pool or rng.random() < 0.4:
            digits = f"13{rng.randrange(10**9):09d}"
            pool = [("phone", rng.choice([digits, f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}",
                                          f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
                                          digits.translate(WIDE_DIGITS)])),
                    ("bank_account", f"6222 {rng.randrange(10**4):04d} {rng.randrange(10**4):04d} 1234"),
                    ("url", rng.choice(["https://www.Pay{n}.com/x?a=1", "pay{n}.com", "PAY{n}.COM."]).format(
                        n=rng.randrange(40))),
                    ("im_account", rng.choice(["wx:Fox{n}", "微信：fox{n}", "@fox{n}",
                                               "QQ: 1380013{n:04d}"]).format(n=rng.randrange(30)))]
        loss = rng.choice(["", "12000", "1,200.5", "300元", "0.05"])
        for number in range(rng.randint(1, 3)):
            kind, value = rng.choice(pool)
            facts = [loss, rng.choice(["", "1", "2人"]), rng.choice(UNIT_CODES),
                     rng.choice(["", "2025-03-01", "2025年4月1日", "2024/12/31 08:00"])]
            if number and rng.random() < 0.5:
                facts = ["", "", "", ""]
            written_ref = f" {ref} " if rng.random() < 0.1 else ref
            rows.append([written_ref, kind, value, *facts])
        if rng.random() < 0.15:
            rows.append([ref, "app", "微信", "", "", "", ""])  # on many cases: past the threshold
        if rng.random() < 0.05:
            rows.append([ref, "phone", "95588", "", "", "", ""])  # stoplisted
    bad = [["B-1", "phone", "12", "", "", "", ""], ["B-2", "fax", "1", "", "", "", ""],
           ["B-3", "url", "", "", "", "", ""], ["", "phone", "13900000001", "", "", "", ""],
           ["B-4", "app", "x", "-3", "", "", ""], ["B-5", "app", "x", "", "", "", "2025-02-30"]]
    for row in bad:
        rows.insert(rng.randrange(len(rows)), row)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER.strip().split(","))
    for row in rows:
        writer.writerow(row)
        if rng.random() < 0.02:
            out.write("\r\n")  # a blank line
    return out.getvalue()


def link_file_in_process(path, **kwargs):
    index = make_index(**kwargs)
    report = casefile.read_cases(path, index)
    return outcome(index, report)


def make_index(*, stoplist=("phone:95588",), max_degree=5):
    from pingan.fraud.linking import RingIndex

    return RingIndex(stoplist=stoplist, max_degree=max_degree, major_loss_yuan=1000, major_victims=4)


def outcome(linked, report):
    """Everything a link writes: rings, members, left-out identifiers, bad rows."""
    members = [member for refs, ids in linked.member_columns()
               for member in zip(refs.to_pylist(), ids.to_pylist(), strict=True)]
    return {"rings": list(linked.rings().rows()), "members": members,
            "left_out": linked.left_out(), "rows": report.rows,
            "errors": [(e.line, e.message) for e in report.errors], "cases": linked.case_count,
            "identifiers": linked.identifier_count}


def row_by_row(path, **kwargs):
    """The rings of the file with each row given to RingIndex.add_row, parsed by the per-value
    functions: what the reader did before it read columns."""
    index = make_index(**kwargs)
    report = casefile.ReadReport()
    with path.open(encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        header = next(reader)
        at = casefile.header_columns(header)
        for row in reader:
            row = row + [""] * (len(header) - len(row))
            if not any(row):
                continue
            report.rows += 1
            cells = {name: row[position] for name, position in at.items()}
            ref = cells["case_ref"].strip()
            kind, value = cells["identifier_kind"], cells["identifier_value"]
            try:
                if not ref:
                    raise ValueError(casefile.MSG_NO_CASE_REF)
                if kind and value:
                    key = key_normalizer(kind)(value)
                elif kind.strip() or value.strip():
                    raise ValueError(casefile.MSG_HALF_IDENTIFIER)
                else:
                    key = None
                loss, victims, unit, day = (cells.get(name, "") for name in casefile.OPTIONAL)
                index.add_row(ref, key, parse_loss_fen(loss) if loss else None,
                              parse_victims(victims) if victims else None,
                              parse_unit_code(unit) if unit else None, parse_day(day) if day else None)
            except ValueError as exc:
                report.errors.append(casefile.RowError(reader.line_num, str(exc)))
    return outcome(index, report)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_column_reader_equals_the_row_by_row_rules(tmp_path, seed, monkeypatch):
    path = tmp_path / "cases.csv"
    path.write_text(messy_case_file(seed), encoding="utf-8")
    expected = row_by_row(path)
    assert expected["left_out"] and expected["errors"] and max(r[2] for r in expected["rings"]) > 2
    assert link_file_in_process(path) == expected
    # Many small batches: cases, identifiers and first facts carried across batches.
    monkeypatch.setattr(casefile, "BATCH_BYTES", 512)
    assert link_file_in_process(path) == expected


def test_the_csv_module_reads_what_arrow_refuses(tmp_path, monkeypatch):
    """Short and long rows (the csv module pads them) and a header over two lines."""
    text = messy_case_file(4).replace("\r\nB-3,url,,,,,\r\n", "\r\nB-3,url\r\n")
    text = text.replace("\r\nB-4,app,x,-3,,,\r\n", "\r\nB-4,app,x,-3,,,,extra\r\n")
    assert "\r\nB-3,url\r\n" in text and ",extra\r\n" in text
    path = tmp_path / "cases.csv"
    path.write_text(text, encoding="utf-8")
    expected = row_by_row(path)
    assert link_file_in_process(path) == expected
    monkeypatch.setattr(casefile, "BATCH_ROWS", 7)
    assert link_file_in_process(path) == expected
    two_line_header = 'case_ref,identifier_kind,identifier_value,loss,"note,\nmore"\nA,phone,13900000001,5,\n'
    path.write_text(two_line_header, encoding="utf-8")
    assert link_file_in_process(path)["rings"][0][:5] == (1, "A", 1, 1, 500)


def test_line_numbers_count_blank_lines_and_quoted_newlines(tmp_path):
    text = HEADER + 'A,app,"two\nlines",,,,\n\n\nB,phone,12,,,,\n"C\n",phone,1,,,,\n'
    _out, err = run(tmp_path, text)
    assert err.splitlines()[0].startswith("Line 6: “12”")
    assert err.splitlines()[1].startswith("Line 8: “1”")


def test_files_quote_what_needs_quoting(tmp_path):
    text = HEADER + '"Z,1",phone,13900000001,,,,\n"Z""2",phone,13900000001,,,,\n'
    run(tmp_path, text, "--members", str(tmp_path / "members.csv"))
    expected = '\ufeffcase_ref,ring_id\r\n"Z,1","Z""2"\r\n"Z""2","Z""2"\r\n'
    assert (tmp_path / "members.csv").read_bytes() == expected.encode()
    assert read(tmp_path / "rings.csv")[1][:3] == ["1", 'Z"2', "2"]


def test_python_space_is_what_str_strip_takes():
    import re

    pattern = re.compile(re.sub(r"\\x\{([0-9a-f]+)\}", lambda hexa: f"\\u{int(hexa[1], 16):04x}",
                                casefile.PYTHON_SPACE))
    assert {c for c in map(chr, range(0x110000)) if pattern.fullmatch(c)} == {
        c for c in map(chr, range(0x110000)) if c.isspace()}


VALUE_PARTS = st.sampled_from([
    "138", "1234", "5678", "+86", "0086", "86", " ", "-", "０", "１３８", "(", ")", ".", "http://",
    "HTTPS://", "www.", "Pay", "example", ".com", ".cn", ":8080", "/x?a=1", "#top", "。", "wx:", "微信：",
    "QQ:", "@", "tg: ", "Fox_1", "理财", "《", "》", "'", "\"", "49", "0154203237518", "6222", "0212",
    "3456", "7890", "128", "192.168.", "1.1", "01", "255", "::", "ffff", "例子", "\u3000", "\t", "é",
    "a" * 70, "Ⅻ",
])


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(list(KINDS)), value=st.lists(VALUE_PARTS, max_size=6).map("".join))
def test_column_normaliser_equals_the_per_value_one(kind, value):
    keys, errors = normalize_keys(kind, pa.array([value, value.upper(), f" {value} "]))
    for position, raw in enumerate([value, value.upper(), f" {value} "]):
        try:
            expected = key_normalizer(kind)(raw)
        except IdentifierError as exc:
            assert keys[position].as_py() is None and errors[position] == str(exc)
        else:
            assert keys[position].as_py() == expected and position not in errors


@pytest.mark.parametrize(("kind", "raw"), [(kind, raw) for kind, raw, *_rest in GOOD] + BAD)
def test_column_normaliser_on_the_identifier_examples(kind, raw):
    keys, errors = normalize_keys(kind, pa.array([raw]))
    try:
        assert keys[0].as_py() == key_normalizer(kind)(raw)
    except IdentifierError as exc:
        assert errors == {0: str(exc)}


def test_add_columns_into_an_index_that_has_cases_equals_add_row(tmp_path):
    from pingan.fraud.linking import RingIndex

    one_by_one, at_once = RingIndex(stoplist=(), max_degree=5), RingIndex(stoplist=(), max_degree=5)
    for index in (one_by_one, at_once):
        index.add_row("B", "phone:1", None, 2)
        index.add_row("C", None, 500)
        index.rings()
    one_by_one.add_row("A", "phone:2", 100, None, "330802001001", 700_000)
    one_by_one.add_row("B", "phone:2", 999, 9, "330802002001")
    one_by_one.add_row("C", "phone:3")
    at_once.add_columns(cases=pa.array(["A", "B", "C"]), loss_fen=np.array([100, 999, -1]),
                        victims=np.array([-1, 9, -1], dtype=np.int32),
                        towns=pa.array(["330802001", "330802002", None]),
                        days=np.array([700_000, 0, 0], dtype=np.int32),
                        identifiers=pa.array(["phone:2", "phone:3"]),
                        edge_case=np.array([0, 1, 2]), edge_ident=np.array([0, 0, 1]))
    assert list(at_once.rings()) == list(one_by_one.rings())
    assert list(at_once.members()) == list(one_by_one.members())
    assert at_once.explain("A", "B") == one_by_one.explain("A", "B")


# -- exit codes, as a shell sees them ----------------------------------------------------------

ALL_BAD = HEADER + "X-1,phone,12,,,,\nX-2,url,,,,,\nX-3,phone,13800000001,1,1,3308020,\n"


def link_command_line(tmp_path, text, *args):
    (tmp_path / "cases.csv").write_text(text, encoding="utf-8")
    return run_command_line("fraud", "link", str(tmp_path / "cases.csv"),
                            "--out", str(tmp_path / "rings.csv"), "--no-progress", *args)


def test_good_input_exits_0(tmp_path):
    code, out, err = link_command_line(tmp_path, HEADER + "G-1,phone,13800000001,1,1,330802,2025-03-01\n")
    assert (code, err) == (ExitCode.OK, "")
    assert "0 bad rows skipped" in out and len(read(tmp_path / "rings.csv")) == 2


def test_partly_bad_input_exits_3_listing_each_bad_row_with_the_rest_linked(tmp_path):
    code, out, err = link_command_line(tmp_path, CASES)
    assert code == ExitCode.PARTLY
    assert "Line 8:" in err and "Line 12:" in err and "2 bad row(s) skipped" in err
    assert len(read(tmp_path / "rings.csv")) == 4
    (tmp_path / "rings.csv").unlink()
    code, _out, err = link_command_line(tmp_path, CASES, "--strict")
    assert code == ExitCode.REFUSED and "Line 8:" in err and not (tmp_path / "rings.csv").exists()


@pytest.mark.parametrize("text", [ALL_BAD, HEADER, HEADER + "\n,,,,,,\n"])
def test_entirely_bad_input_exits_1_listing_each_bad_row_and_writes_nothing(tmp_path, text):
    code, out, err = link_command_line(tmp_path, text)
    assert code == ExitCode.REFUSED and out == ""
    assert not (tmp_path / "rings.csv").exists()
    if text == ALL_BAD:
        assert [line[:7] for line in err.splitlines()[:3]] == ["Line 2:", "Line 3:", "Line 4:"]
        assert "Every row is bad (3)" in err
    else:
        assert "no rows" in err


def test_a_file_it_cannot_read_exits_1_and_a_bad_option_2(tmp_path):
    code, _out, err = run_command_line("fraud", "link", str(tmp_path / "absent.csv"), "--out",
                                       str(tmp_path / "rings.csv"))
    assert code == ExitCode.REFUSED and "No such file" in err
    assert link_command_line(tmp_path, CASES, "--max-degree", "0")[0] == ExitCode.USAGE
    assert run_command_line("fraud", "link", str(tmp_path / "cases.csv"))[0] == ExitCode.USAGE  # no --out
