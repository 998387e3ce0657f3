"""The deadline calculator as a page (in Chinese, on a phone) and as `pingan deadline`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db
URL = "/petitions/deadline/"


def test_the_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert reverse("petitions:deadline") == URL


def test_the_empty_form_starts_from_the_deployment_profile(client, personas, settings):
    settings.PINGAN_PETITION_PROFILE = "zhejiang"
    client.force_login(personas.grid_worker)
    body = client.get(URL).content.decode()
    assert "期限计算器" in body and 'name="viewport"' in body
    assert '<option value="zhejiang" selected>' in body
    assert '<option value="resolution" selected>' in body
    assert "data-due" not in body


def test_the_page_shows_the_due_date_and_every_day_that_decided_it(client, personas):
    client.force_login(personas.town_handler)
    response = client.get(URL, {"profile": "zhejiang", "rule": "resolution", "start": "2026-09-25"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-due="2026-10-26"' in body
    assert "《浙江省信访条例》" in body and "办理办结（申诉求决类）" in body
    assert "2026-10-10" in body and "调休上班日" in body and "国庆节" in body
    assert "第 15 日，计入" in body  # the make-up Saturday is day 15 of 30
    assert "期满日为休息日或节假日，截止日期顺延至下一个工作日 2026-10-26" in body
    assert "《浙江省信访条例》第二十三条" in body
    assert "Deadline calculator" not in body


def test_working_days_are_numbered(client, personas):
    client.force_login(personas.town_handler)
    query = {"profile": "zhejiang", "rule": "acceptance", "start": "2026-09-25"}
    body = client.get(URL, query).content.decode()
    assert 'data-due="2026-10-09"' in body
    assert "第 5 个工作日" in body and "不计入" in body
    assert "按工作日计算的期限总是止于工作日" in body


def test_bad_input_is_refused_on_the_form(client, personas):
    client.force_login(personas.town_handler)
    response = client.get(URL, {"profile": "national", "rule": "forever", "start": "2026-13-01"})
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count("is-invalid") >= 2 and "data-due" not in body


def test_the_command_prints_the_same_working():
    out = StringIO()
    call_command("deadline", "--profile", "zhejiang", "--rule", "resolution", "--start", "2026-09-25",
                 stdout=out)
    text = out.getvalue()
    assert "截止日期：2026-10-26 星期一" in text
    assert "期满日：2026-10-25 星期日" in text
    assert "期限：30 日（自然日）" in text
    assert "2026-10-10 星期六  调休上班日 (国庆节)  第 15 日，计入" in text
    assert "2026-10-26 星期一  工作日  截止日" in text


def test_the_command_adds_up_the_longest_extension():
    out = StringIO()
    call_command("deadline", "--profile", "zhejiang", "--rule", "extension", "--start", "2026-07-05",
                 stdout=out)
    assert "期限：30 + 60 = 90 日（自然日）" in out.getvalue()
    assert "截止日期：2026-10-08" in out.getvalue()


def test_the_command_refuses_a_bad_date():
    with pytest.raises(CommandError):
        call_command("deadline", "--rule", "resolution", "--start", "25/09/2026")
