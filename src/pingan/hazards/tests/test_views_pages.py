"""Each hazard page renders for a user in scope, and the list behaves like the one filter
definition says: HTMX partials, keyset "load more", clear messages for bad filters."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pingan.core import web
from pingan.core.models import Attachment, Notification
from pingan.hazards import selectors
from pingan.hazards.models import Hazard
from pingan.hazards.services import hazard_transition
from pingan.testing import tiny_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def town_client(client, personas):
    client.force_login(personas.town_handler)
    return client


def test_login_required_for_every_page(client, make_hazard, hangbu):
    hazard = make_hazard()
    for url in (reverse("my-work"), reverse("hazards:list"), reverse("hazards:new"),
                reverse("overview"), reverse("hazards:detail", args=[hazard.ref]),
                reverse("hazards:export")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_every_page_renders_for_a_user_in_scope(town_client, make_hazard, hangbu):
    hazard = make_hazard(title="仓库堆放杂物堵塞通道")
    pages = {
        reverse("my-work"): hazard.ref,
        reverse("hazards:list"): hazard.ref,
        reverse("hazards:detail", args=[hazard.ref]): "仓库堆放杂物堵塞通道",
        reverse("hazards:new"): "csrfmiddlewaretoken",
        reverse("overview"): "航埠镇",
        reverse("overview", args=[hangbu.prefix]): "航埠镇",
    }
    for url, expected in pages.items():
        response = town_client.get(url)
        assert response.status_code == 200, url
        assert expected in response.content.decode(), url


def test_pages_are_in_chinese_by_default(town_client):
    body = town_client.get(reverse("hazards:list")).content.decode()
    assert 'lang="zh-hans"' in body
    assert "隐患台账" in body
    assert "Hazard ledger" not in body


def test_list_filters_and_htmx_returns_only_the_partial(town_client, make_hazard):
    make_hazard(title="燃气管道老化", category="gas")
    make_hazard(title="楼道电动车充电")
    response = town_client.get(reverse("hazards:list"), {"category": "gas"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "<nav" not in body
    assert "燃气管道老化" in body
    assert "楼道电动车充电" not in body
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(town_client):
    response = town_client.get(reverse("hazards:list"), HTTP_HX_REQUEST="true",
                               HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_invalid_filter_shows_a_clear_message_and_no_rows(town_client, make_hazard):
    hazard = make_hazard()
    response = town_client.get(reverse("hazards:list"), {"status": "bogus", "opened_from": "2026-13-40"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "筛选条件“状态”不接受“bogus”" in body
    assert "筛选条件“上报起始日期”不接受“2026-13-40”" in body
    assert hazard.ref not in body


def test_load_more_pages_by_keyset_without_gaps_or_repeats(town_client, make_hazard, monkeypatch):
    monkeypatch.setattr(web, "PAGE_SIZE", 2)
    refs = {make_hazard(title=f"隐患{i}", photos=[]).ref for i in range(5)}
    seen: list[str] = []
    response = town_client.get(reverse("hazards:list"))
    cursor = response.context["next_cursor"]
    seen += [h.ref for h in response.context["rows"]]
    while cursor:
        response = town_client.get(reverse("hazards:list"), {"after": cursor}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert "<table" not in body  # only rows, appended in place of the button
        seen += [h.ref for h in response.context["rows"]]
        cursor = response.context["next_cursor"]
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == refs
    assert seen == sorted(seen, reverse=True)  # newest first, the default order


@pytest.mark.parametrize("sort", ["due", "-due", "opened", "-opened"])
def test_load_more_works_for_every_order(town_client, make_hazard, monkeypatch, sort):
    monkeypatch.setattr(web, "PAGE_SIZE", 2)
    for category in ("gas", "road", "building", "ebike_charging"):
        make_hazard(category=category, photos=[])
    seen = []
    params = {"sort": sort}
    while True:
        response = town_client.get(reverse("hazards:list"), params, HTTP_HX_REQUEST="true")
        seen += [h.pk for h in response.context["rows"]]
        if not response.context["next_cursor"]:
            break
        params = {"sort": sort, "after": response.context["next_cursor"]}
    expected = list(Hazard.objects.order_by(*selectors.SORTS[sort]).values_list("pk", flat=True))
    assert seen == expected


def test_list_queries_do_not_grow_with_rows(town_client, make_hazard, personas):
    def list_queries():
        with CaptureQueriesContext(connection) as queries:
            assert town_client.get(reverse("hazards:list")).status_code == 200
        return len(queries)

    make_hazard(photos=[])
    few = list_queries()
    for i in range(12):
        hazard = make_hazard(title=f"隐患{i}", photos=[])
        hazard_transition(hazard=hazard, name="assign", actor=personas.town_handler,
                          expected_version=hazard.version, assignee=personas.grid_worker)
    assert list_queries() == few


def test_htmx_filter_problem_still_swaps_in(town_client):
    response = town_client.get(reverse("hazards:list"), {"grade": "huge"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx only swaps 2xx responses
    assert "筛选条件“隐患等级”不接受“huge”" in response.content.decode()


def test_a_broken_cursor_is_a_message_not_a_crash(town_client):
    response = town_client.get(reverse("hazards:list"), {"after": "x.y"})
    assert response.status_code == 400
    assert "分页链接已失效" in response.content.decode()
    appended = town_client.get(reverse("hazards:list"), {"after": "1.2.3"}, HTTP_HX_REQUEST="true")
    assert appended.status_code == 200 and "分页链接已失效" in appended.content.decode()


def test_report_form_creates_a_hazard_with_a_photo(client, personas, worker_grid):
    client.force_login(personas.grid_worker)
    form = client.get(reverse("hazards:new")).context["form"]
    assert form.initial["unit"] == worker_grid  # defaults to the reporter's own unit
    photo = ("stairs.png", tiny_png())
    response = client.post(reverse("hazards:new"), {
        "title": "楼梯间堆放电动车", "category": "ebike_charging", "severity": "ordinary",
        "description": "三楼楼梯间", "unit": worker_grid.pk, "location": "缪村村12号",
        "latitude": "28.96", "longitude": "118.77",
        "photos": [SimpleUploadedFile(photo[0], photo[1], content_type="image/png")],
    })
    hazard = Hazard.objects.get(title="楼梯间堆放电动车")
    assert response.status_code == 302
    assert response["Location"] == reverse("hazards:detail", args=[hazard.ref])
    assert hazard.unit == worker_grid and hazard.latitude == 28.96
    attachment = Attachment.objects.get(case=hazard)
    assert attachment.kind == "before" and attachment.content_type == "image/png"
    page = client.get(response["Location"]).content.decode()
    assert f"隐患已上报，编号为 {hazard.ref}。" in page


def test_report_form_shows_the_services_message_and_saves_nothing(client, personas, worker_grid):
    client.force_login(personas.grid_worker)
    response = client.post(reverse("hazards:new"), {
        "title": "可疑文件", "category": "fire", "severity": "ordinary", "unit": worker_grid.pk,
        "photos": [SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")],
    })
    assert response.status_code == 400
    assert "不是 JPEG、PNG 或 WebP 格式的照片" in response.content.decode()
    assert not Hazard.objects.filter(title="可疑文件").exists()


def test_report_form_offers_only_units_the_user_may_report_in(client, personas, hangbu, shiliang):
    client.force_login(personas.town_handler)
    units = client.get(reverse("hazards:new")).context["form"].fields["unit"].queryset
    assert units.filter(pk=hangbu.pk).exists()
    assert not units.filter(pk=shiliang.pk).exists()
    response = client.post(reverse("hazards:new"), {
        "title": "越界上报", "category": "fire", "severity": "ordinary", "unit": shiliang.pk,
    })
    assert response.status_code == 400
    assert not Hazard.objects.filter(title="越界上报").exists()


def test_my_work_lists_what_waits_and_marks_notices_read(client, personas, make_hazard):
    hazard = make_hazard(title="待交办的隐患")
    hazard_transition(hazard=hazard, name="assign", actor=personas.town_handler,
                      expected_version=hazard.version, assignee=personas.grid_worker)
    client.force_login(personas.grid_worker)
    body = client.get(reverse("my-work")).content.decode()
    assert hazard.ref in body
    notice = Notification.objects.get(user=personas.grid_worker)
    assert "标为已读" in body
    response = client.post(reverse("inbox-read"), {"id": [notice.pk]})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None
    after = client.get(reverse("my-work"))
    assert list(after.context["notices"]) == []
    assert "已将 1 条通知标为已读。" in after.content.decode()


def test_overview_renders_with_no_hazards(town_client, hangbu):
    response = town_client.get(reverse("overview"))
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["unit"] == hangbu
    assert response.context["totals"]["open"] == 0
    assert "近十二个月没有上报隐患" in body
    assert "echarts" not in body


@pytest.mark.edge_days
def test_overview_counts_and_chart(edge_day, town_client, make_hazard, hangbu, hangbu_village):
    make_hazard()
    make_hazard(category="gas")
    response = town_client.get(reverse("overview", args=[hangbu.prefix]))
    body = response.content.decode()
    assert response.context["totals"]["open"] == 2
    village_row = next(r for r in response.context["rows"] if r["unit"] == hangbu_village)
    assert village_row["open"] == 2
    assert 'id="overview-chart-data"' in body and "vendor/echarts/echarts.min.js" in body
    assert response.context["chart"]["reported"][-1] == 2
    # The twelve months ending with this one, whatever day of the month or year it is.
    months = response.context["chart"]["months"]
    first = edge_day.replace(day=1, year=edge_day.year - 1 + (edge_day.month == 12),
                              month=edge_day.month % 12 + 1)
    assert months[0] == first.strftime("%Y-%m") and months[-1] == edge_day.strftime("%Y-%m")
    assert len(months) == len(set(months)) == 12
    assert reverse("overview", args=[hangbu_village.prefix]) in body  # drill down


def test_overview_unit_select_redirects(town_client, hangbu_village):
    response = town_client.get(reverse("overview"), {"unit": hangbu_village.prefix})
    assert response["Location"] == reverse("overview", args=[hangbu_village.prefix])


def test_overview_of_a_unit_outside_scope_or_unknown_is_a_404(town_client, shiliang):
    assert town_client.get(reverse("overview", args=[shiliang.prefix])).status_code == 404
    assert town_client.get(reverse("overview"), {"unit": shiliang.prefix}).status_code == 404
    assert town_client.get(reverse("overview"), {"unit": "a/b"}).status_code == 404


def test_grid_worker_gets_an_explanation_instead_of_an_overview(client, personas):
    client.force_login(personas.grid_worker)
    response = client.get(reverse("overview"))
    assert response.status_code == 200
    assert response.context["unit"] is None


@pytest.mark.edge_days
def test_overview_costs_the_same_queries_for_one_hazard_or_many(
        edge_day, town_client, make_hazard, hangbu, django_assert_max_num_queries, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pingan.core.models import Unit, UnitKind

    make_hazard()
    url = reverse("overview", args=[hangbu.prefix])
    town_client.get(url)
    with CaptureQueriesContext(connection) as one:
        town_client.get(url)
    for village in Unit.objects.filter(parent=hangbu, kind=UnitKind.VILLAGE):
        grid = village.children.first()
        make_hazard(actor=personas.town_handler, unit=grid, category="road", photos=[])
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = town_client.get(url)
    rows = response.context["rows"]
    assert sum(r["total"] for r in rows) == response.context["totals"]["total"] == 1 + len(rows)
    assert len(response.context["chart"]["months"]) == 12  # quiet months included
