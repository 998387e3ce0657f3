"""Circulars: drafted by the district's office, published once with their content frozen and
their .docx and PDF made; seen by the units they name; drafts by the office only."""

from __future__ import annotations

import datetime as dt
import io
import json
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from pingan.core import errors
from pingan.scoring.models import Member, Standing, Table
from pingan.supervision import circulars, documents
from pingan.supervision.models import CircularKind
from pingan.testing import api_client

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
PERIOD = "2026Q2"
RANKED = ("白云街道", "石梁镇", "航埠镇")  # first to last


@pytest.fixture
def day():
    with time_machine.travel(dt.datetime(2026, 5, 10, 10, tzinfo=TZ), tick=False) as traveller:
        yield traveller


@pytest.fixture
def table(district, day):
    """The towns' table for 2026Q2 as the engine would have written it: three towns."""
    from pingan.core.models import Unit

    for rank, name in enumerate(RANKED, start=1):
        unit = Unit.objects.get(name=name)
        member = Member.objects.create(table=Table.TOWNS, unit=unit, code=unit.code, name=name)
        Standing.objects.create(table=Table.TOWNS, period=PERIOD, member=member, composite=100 - 10 * rank,
                                rank=rank, previous_rank=4 - rank, red_flag=rank == 1, last_place=rank == 3,
                                computed_at=timezone.now())


@pytest.fixture
def ranking(personas, table):
    return circulars.circular_draft(actor=personas.admin, kind=CircularKind.RANKING,
                                    title="二季度争先创优情况通报",
                                    period=PERIOD, number="柯平安办〔2026〕12号")


@pytest.fixture
def failure(personas, hangbu, day):
    return circulars.circular_draft(actor=personas.admin, kind=CircularKind.FAILURE_OF_DUTY,
                                    title="关于航埠镇疫情防控履职不力问题的通报", unit=hangbu,
                                    facts="卡口值守人员脱岗。", lesson="压实属地责任。",
                                    number="柯平安办〔2026〕13号")


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_ranking_circular_renders_to_docx_and_a_pdf_with_embedded_chinese(personas, ranking):
    published = circulars.circular_publish(actor=personas.admin, circular=ranking)

    pdf, name, content_type = circulars.circular_file(published, "pdf")
    text = _pdf_text(pdf)
    assert content_type == "application/pdf" and name == "柯平安办〔2026〕12号.pdf"
    # The names come back out as Chinese characters: the CJK font is embedded, not boxes.
    for unit in RANKED:
        assert unit in text
    assert "二季度争先创优情况通报" in text and "2026年第二季度排名情况" in text
    fonts = {str(page["/Resources"]["/Font"][key]["/BaseFont"]) for page in PdfReader(io.BytesIO(pdf)).pages
             for key in page["/Resources"]["/Font"]}
    assert any("NotoSerifCJK" in font.replace("-", "") for font in fonts)  # a subset, embedded

    docx, _, _ = circulars.circular_file(published, "docx")
    cells = [cell.text for table in Document(io.BytesIO(docx)).tables
             for row in table.rows for cell in row.cells]
    assert [cells[i] for i in (5, 9, 13)] == list(RANKED)  # header row, then one row per unit
    assert "流动红旗" in cells and "末位" in cells


def test_publication_freezes_the_content_and_names_the_units(personas, ranking, hangbu):
    published = circulars.circular_publish(actor=personas.admin, circular=ranking)
    Standing.objects.filter(member__unit=hangbu).update(rank=1)

    content = circulars.circular_content(published, actor=personas.admin)

    assert [row["unit"] for row in content["ranking"]] == list(RANKED)
    assert {u.name for u in published.named_units.all()} == set(RANKED)
    assert published.published_by == personas.admin and published.published_at is not None


def test_a_circular_is_published_once(personas, ranking):
    circulars.circular_publish(actor=personas.admin, circular=ranking)

    with pytest.raises(errors.TransitionNotAllowed):
        circulars.circular_publish(actor=personas.admin, circular=ranking, number="另一个文号")
    ranking.refresh_from_db()
    assert ranking.number == "柯平安办〔2026〕12号"


def test_publication_needs_a_number(personas, table):
    draft = circulars.circular_draft(actor=personas.admin, kind=CircularKind.RANKING, title="通报",
                                     period=PERIOD)

    with pytest.raises(errors.DomainError) as refused:
        circulars.circular_publish(actor=personas.admin, circular=draft)

    assert refused.value.field == "number"
    draft.refresh_from_db()
    assert not draft.is_published and not draft.pdf


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": CircularKind.RANKING, "period": "2026Q5"}, "period"),
    ({"kind": CircularKind.RANKING, "period": "2025Q4"}, "period"),  # nothing ranked then
    ({"kind": CircularKind.FAILURE_OF_DUTY}, "unit"),
    ({"kind": "praise"}, "kind"),
])
def test_a_bad_draft_is_refused(personas, table, fields, field):
    with pytest.raises(errors.DomainError) as refused:
        circulars.circular_draft(actor=personas.admin, title="通报", **fields)

    assert refused.value.field == field


def test_only_the_district_office_drafts(personas, table):
    with pytest.raises(errors.PermissionDenied):
        circulars.circular_draft(actor=personas.town_handler, kind=CircularKind.RANKING, title="通报",
                                 period=PERIOD)


def test_late_tasks_and_overdue_hazards_are_named_by_unit(personas, table, day, make_hazard, hangbu, police):
    from pingan.supervision.services import task_create

    task = task_create(actor=personas.admin, title="电诈宣传全覆盖", unit=hangbu, lead=police,
                       deadline=dt.date(2026, 5, 20))
    make_hazard()
    day.move_to(dt.datetime(2026, 6, 25, 10, tzinfo=TZ))

    content = circulars.ranking_content(circulars.Period.parse(PERIOD), issuer=hangbu.parent,
                                        actor=personas.admin)

    assert content["late_tasks"] == [{"unit": "公安分局", "unit_id": police.pk, "tasks": [
        {"ref": task.ref, "title": "电诈宣传全覆盖", "deadline": "2026-05-20"}]}]
    assert [(row["unit"], row["count"]) for row in content["overdue"]] == [("航埠镇", 1)]
    assert police.pk in circulars.named_unit_ids(content)


def test_who_sees_a_circular(personas, failure, ranking):
    # Drafts: the district's office only.
    assert set(circulars.circular_list(user=personas.admin)) == {failure, ranking}
    for user in (personas.town_handler, personas.outsider, personas.grid_worker):
        assert list(circulars.circular_list(user=user)) == []

    circulars.circular_publish(actor=personas.admin, circular=failure)

    # Published: the units it names (and those within them), not another town.
    assert list(circulars.circular_list(user=personas.town_handler)) == [failure]
    assert list(circulars.circular_list(user=personas.grid_worker)) == [failure]
    assert list(circulars.circular_list(user=personas.outsider)) == []
    assert circulars.circular_get(user=personas.outsider, pk=failure.pk) is None


def test_the_files_are_refused_out_of_scope_and_for_drafts(client, personas, failure):
    circulars.circular_publish(actor=personas.admin, circular=failure)
    url = reverse("supervision:circular-file", args=[failure.pk, "pdf"])

    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404
    api = api_client(personas.outsider)
    assert api.get(f"/api/v1/supervision/circulars/{failure.pk}/files/pdf").status_code == 404

    client.force_login(personas.town_handler)
    answer = client.get(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert "航埠镇" in _pdf_text(b"".join(answer.streaming_content))
    assert client.get(reverse("supervision:circular-file", args=[failure.pk, "exe"])).status_code == 404


def test_a_drafts_files_do_not_exist(client, personas, ranking):
    client.force_login(personas.admin)

    assert client.get(reverse("supervision:circular-file", args=[ranking.pk, "docx"])).status_code == 404


def test_the_pages_draft_preview_and_publish(client, personas, table):
    client.force_login(personas.admin)
    drafted = client.post(reverse("supervision:circular-new"), {
        "kind": "ranking", "title": "二季度争先创优情况通报", "period": PERIOD})
    assert drafted.status_code == 302
    preview = client.get(drafted["Location"]).content.decode()
    assert all(unit in preview for unit in RANKED)

    refused = client.post(drafted["Location"] + "publish/", {"number": ""})
    assert refused.status_code == 400 and str(circulars.MSG_NUMBER_REQUIRED) in refused.content.decode()
    published = client.post(drafted["Location"] + "publish/", {"number": "柯平安办〔2026〕12号"})
    assert published.status_code == 302
    assert "circulars/" in client.get(drafted["Location"]).content.decode()  # the download links

    client.force_login(personas.town_handler)
    assert client.get(reverse("supervision:circular-new")).status_code == 404


def test_the_api_drafts_publishes_and_refuses_a_second_publication(personas, table, hangbu):
    api = api_client(personas.admin)
    created = api.post("/api/v1/supervision/circulars", json.dumps({
        "kind": "failure_of_duty", "title": "履职不力通报", "unit": hangbu.code, "facts": "脱岗。",
        "number": "柯平安办〔2026〕13号"}), content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]

    first = api.post(f"/api/v1/supervision/circulars/{pk}/publish", "{}", content_type="application/json")
    second = api.post(f"/api/v1/supervision/circulars/{pk}/publish", "{}", content_type="application/json")

    assert first.status_code == 200 and set(first.json()["files"]) == {"docx", "pdf"}
    assert first.json()["named_units"] == [{"code": hangbu.code, "name": "航埠镇"}]
    assert second.status_code == 409


def test_the_docx_template_can_be_overridden(settings, tmp_path, personas, failure):
    custom = tmp_path / "ours.docx"
    document = Document()
    document.add_paragraph("本区自定义模板：{{ title }}")
    document.save(custom)
    settings.PINGAN_CIRCULAR_DOCX_TEMPLATE = str(custom)

    data = documents.render_docx(documents.document_context(failure, failure.content))

    assert [p.text for p in Document(io.BytesIO(data)).paragraphs] == [
        "本区自定义模板：关于航埠镇疫情防控履职不力问题的通报"]


def test_a_published_circular_offers_the_office_a_task_for_each_unit_it_names(client, personas, failure,
                                                                              hangbu):
    """Tasks come from a circular too: the named unit's follow-up, prefilled, one per unit."""
    from urllib.parse import parse_qs

    url = reverse("supervision:circular", args=[failure.pk])
    new_task = reverse("supervision:task-new")
    client.force_login(personas.admin)
    assert f'href="{new_task}?' not in client.get(url).content.decode()  # a draft names no one yet
    circulars.circular_publish(actor=personas.admin, circular=failure)
    page = client.get(url).content.decode()
    assert page.count(f'href="{new_task}?') == 1
    query = parse_qs(page.split(f'href="{new_task}?', 1)[1].split('"', 1)[0].replace("&amp;", "&"))
    assert query["origin"] == ["circular"] and query["unit"] == [hangbu.code]
    assert query["origin_key"] == [f"circular:{failure.pk}:{hangbu.code}"]
    assert query["origin_link"] == [url] and "柯平安办〔2026〕13号" in query["title"][0]
    prefilled = client.get(new_task, {k: v[0] for k, v in query.items()}).content.decode()
    assert "柯平安办〔2026〕13号" in prefilled

    client.force_login(personas.town_handler)  # named, so it sees the circular, but assigns no tasks
    page = client.get(url).content.decode()
    assert "柯平安办〔2026〕13号" in page and f'href="{new_task}?' not in page
