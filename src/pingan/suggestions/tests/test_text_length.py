"""An item's text (内容) is at most ``TEXT_MAX_CHARS`` characters, however it comes: typed, sent
to the API, or imported with a session's list."""

from __future__ import annotations

import io

import pytest

from pingan.core.ledger import MSG_TOO_LONG
from pingan.core.models import Case, Event
from pingan.suggestions.ledger import import_suggestions
from pingan.suggestions.models import MSG_TEXT_TOO_LONG, TEXT_MAX_CHARS, Suggestion
from pingan.suggestions.tests.conftest import message, refusal
from pingan.testing import api_client, ledger_workbook

pytestmark = pytest.mark.django_db

HEADER = ["编号", "标题", "提出人", "内容"]


def written():
    return Case.objects.count(), Event.objects.count()


def test_the_service_takes_a_text_up_to_the_limit(make_suggestion):
    assert len(make_suggestion(text="议" * TEXT_MAX_CHARS).description) == TEXT_MAX_CHARS
    refused = refusal(make_suggestion, text="议" * (TEXT_MAX_CHARS + 1))
    assert (refused.field, refused.message) == ("text", message(MSG_TEXT_TOO_LONG, limit=TEXT_MAX_CHARS))


def test_the_api_refuses_two_megabytes_of_text_and_writes_nothing(office, session):
    before = written()
    response = api_client(office).post("/api/v1/suggestions", {
        "session": session.pk, "number": "7", "title": "关于农业产业化的建议", "proposers": "何润云",
        "text": "议" * (2 * 1024 * 1024 // 3)}, content_type="application/json")  # 2 MB in UTF-8
    assert (response.status_code, response.json()["field"]) == (400, "text"), response.content
    assert response.json()["message"] == message(MSG_TEXT_TOO_LONG, limit=TEXT_MAX_CHARS)
    assert written() == before


def run(rows, office, session):
    return import_suggestions(io.BytesIO(ledger_workbook(rows, header=HEADER)), actor=office,
                              filename="建议清单.xlsx", session=session.name)


def test_an_imported_text_over_the_limit_is_a_row_error(office, session):
    rows = [{"编号": str(n), "标题": "关于农业产业化的建议", "提出人": "何润云", "内容": "议" * length}
            for n, length in ((1, TEXT_MAX_CHARS), (2, TEXT_MAX_CHARS + 1))]
    result = run(rows, office, session)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "内容", message(MSG_TOO_LONG, limit=TEXT_MAX_CHARS))]
    assert not Suggestion.objects.exists()
    result = run(rows[:1], office, session)
    assert (result.created, len(Suggestion.objects.get().description)) == (1, TEXT_MAX_CHARS)
