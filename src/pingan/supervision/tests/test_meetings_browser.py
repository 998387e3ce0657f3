"""Meetings and circulars in a real browser. The district's clerk, on a phone, records the
source document's meeting by pasting its report, sees the five proposed decisions, and
confirms one in place (HTMX); then a ranking circular is published and its first page shown.

Screenshots go to the test's temporary folder, or to PINGAN_SCREENSHOT_DIR when set
(``PINGAN_SCREENSHOT_DIR=docs/screenshots`` renews docs/screenshots/meeting-decisions.png and
circular.png). No PDF rasteriser is installed here, so the circular's picture is Chromium's
rendering of the HTML the PDF is printed from, at A4, with the same fonts.
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from pingan.conftest import answered, no_sideways_scroll, phone_login
from pingan.core.models import Unit
from pingan.scoring.models import Member, Standing, Table
from pingan.supervision import circulars, documents
from pingan.supervision.models import CircularKind, SupervisedTask

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAD_STORY = (Path(__file__).parent / "fixtures" / "lead_story.txt").read_text(encoding="utf-8")
A4 = {"viewport": {"width": 794, "height": 1123}, "locale": "zh-CN"}
TOWNS = ("白云街道", "花园街道", "航埠镇", "衢化街道", "石梁镇", "九华乡")


def test_record_a_meeting_and_confirm_a_decision_on_a_phone(browser, live_server, personas, district,
                                                            tmp_path):
    screenshots = Path(os.environ.get("PINGAN_SCREENSHOT_DIR") or tmp_path)
    page, errors = phone_login(browser, live_server, "admin")
    page.goto(live_server.url + reverse("supervision:meeting-new"))
    page.select_option("select[name=unit]", str(district.pk))
    page.fill("input[name=title]", "全区建设平安柯城工作会议暨“除险保安”工作推进会")
    page.fill("input[name=chair]", "胡益峰")
    page.fill("textarea[name=attendees]", "蒋国强、徐登富、张钢")
    page.fill("textarea[name=report]", LEAD_STORY)
    with answered(page):
        page.click("main form button[type=submit]")

    assert page.locator("[data-state=proposed]").count() == 5
    assert no_sideways_scroll(page)
    page.screenshot(path=str(screenshots / "meeting-decisions.png"), full_page=True)

    card = page.locator("article.decision").nth(1)  # 二要在狠抓安全生产上下功夫
    card.locator("select[name$=-owners]").select_option(label="应急管理局")
    card.locator("input[name$=-due_date]").fill((timezone.localdate() + dt.timedelta(days=30)).isoformat())
    card.locator("button.btn-success").click()
    page.locator("article.decision[data-state=confirmed]").wait_for()

    task = SupervisedTask.objects.get()
    assert task.department.name == "应急管理局" and task.title == "在狠抓安全生产上下功夫"
    assert page.locator("article.decision[data-state=confirmed]").inner_text().count(task.ref) == 1
    assert page.locator("[data-state=proposed]").count() == 4
    assert errors == []


def test_the_first_page_of_a_circular_and_its_page_on_a_phone(browser, live_server, personas, district,
                                                             tmp_path):
    for rank, name in enumerate(TOWNS, start=1):
        unit = Unit.objects.get(name=name)
        member = Member.objects.create(table=Table.TOWNS, unit=unit, code=unit.code, name=name)
        Standing.objects.create(table=Table.TOWNS, period="2026Q1", member=member, composite=96 - 4.5 * rank,
                                rank=rank, previous_rank=(rank % 6) + 1, red_flag=rank <= 3,
                                last_place=rank == len(TOWNS), computed_at=timezone.now())
    draft = circulars.circular_draft(actor=personas.admin, kind=CircularKind.RANKING, period="2026Q1",
                                     title="关于2026年第一季度平安建设争先创优情况的通报")
    published = circulars.circular_publish(actor=personas.admin, circular=draft,
                                           number="柯平安办〔2026〕12号")

    page = browser.new_context(**A4).new_page()
    page.set_content(documents.render_html(documents.document_context(published, published.content)))
    page.emulate_media(media="print")

    assert page.locator("table.ranking tbody tr").count() == len(TOWNS)
    screenshots = Path(os.environ.get("PINGAN_SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(screenshots / "circular.png"))

    # 航埠镇 is named: its clerk reads the circular on a phone and downloads the PDF.
    phone, errors = phone_login(browser, live_server, "hangbu")
    phone.goto(live_server.url + reverse("supervision:circular", args=[published.pk]))
    assert phone.locator(".circular-preview table.ranking tbody tr").count() == len(TOWNS)
    assert no_sideways_scroll(phone)
    with phone.expect_download() as download:
        phone.click("a[href$='/pdf/']")
    assert download.value.suggested_filename == "柯平安办〔2026〕12号.pdf"
    assert errors == []
