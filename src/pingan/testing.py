"""Helpers for the test suites of every app."""

from __future__ import annotations

import io
import struct
import zlib


def tiny_png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A real, viewable PNG without an imaging library."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def tiny_pdf(line: str = "Pingan") -> bytes:
    """A real one-page PDF showing ``line`` (ASCII; the built-in Helvetica has no Chinese), with
    a correct cross-reference table, so a viewer opens it without repairing it."""
    text = line.encode("ascii", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    content = b"BT /F1 14 Tf 72 770 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def api_client(user):
    """A test client that calls the REST API with a fresh bearer token of ``user``."""
    from django.test import Client

    from pingan.core.api import token_create

    _token, key = token_create(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {key}"})


def walk_pages(client, url: str, params: dict | None = None, *, limit: int,
               max_pages: int = 1000) -> tuple[list[dict], int]:
    """Follow an API list's cursors to the end: every item, and how many pages it took."""
    items: list[dict] = []
    cursor, pages = None, 0
    while True:
        query = {**(params or {}), "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get(url, query)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages
        assert pages < max_pages, "the cursor never reached the end"


def ledger_workbook(rows: list[dict], *, header: list[str], title: str = "") -> bytes:
    """An .xlsx ledger as a district keeps one: a ``title`` line (if any) above ``header``,
    then each row's cells under their headers (a header the row lacks is left empty)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name) for name in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_workbook(data: bytes) -> tuple[tuple, list[dict]]:
    """An exported workbook's header row, and each row as a dict under it."""
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def run_command_line(*argv: str) -> tuple[int, str, str]:
    """``pingan ARGV`` as a shell runs it, in this process: its exit code, stdout and stderr.
    The test's database connection stays open (the command line closes it at the end)."""
    import contextlib
    import sys
    from unittest import mock

    from django.db import connections

    from pingan.cli import main

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(sys, "argv", ["pingan", *argv]), mock.patch.object(connections, "close_all"), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
        except SystemExit as exit:
            code = exit.code
        else:
            code = 0
    return int(code or 0), out.getvalue(), err.getvalue()


def assert_steps_take_what_they_ask(workflow, *, form, schema, service) -> None:
    """Each step of ``workflow`` is one definition: its web form (``form(name)``) asks the
    inputs it declares (one asked only of some cases may be missing), the API ``schema`` has
    a field for each (files are uploaded beforehand), and its ``service(name, **inputs)``
    takes those and refuses any other."""
    from pingan.core import errors
    from pingan.core.workflow import MSG_NOT_AN_INPUT, InputKind

    for transition in workflow.transitions:
        declared = set(transition.input_names)
        always = {i.name for i in transition.inputs if i.asked is None}
        asked = set(form(transition.name).fields) - {"version", "note"}
        assert always <= asked <= declared, transition.name
        files = {i.name for i in transition.inputs if i.kind == InputKind.FILES}
        assert declared - files <= set(schema.model_fields), transition.name
        try:  # the declared inputs are taken: whatever is refused, it is not for them
            service(transition.name, **dict.fromkeys(declared))
        except errors.DomainError as exc:
            assert "not_an_input" not in exc.message, transition.name
        refused = MSG_NOT_AN_INPUT.format(transition=transition.label, names="not_an_input")
        try:
            service(transition.name, not_an_input="x")
        except errors.DomainError as exc:
            assert exc.message == refused, transition.name
        else:
            raise AssertionError(f"{transition.name} took an input it does not declare")
