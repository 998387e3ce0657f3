"""Signing in and out, the language switch, the inbox and the error pages."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from pingan.core.inbox import notify
from pingan.core.models import Notification
from pingan.demo.district import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_in_chinese(client):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "平安柯城" in body and "登录" in body and "密码" in body


def test_login_lands_on_my_work(client, personas):
    response = client.post(reverse("login"), {"username": "hangbu", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("my-work")
    assert "我的待办" in client.get(response["Location"]).content.decode()


def test_wrong_password_is_refused_in_chinese(client, personas):
    response = client.post(reverse("login"), {"username": "hangbu", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()  # Django's own zh-hans message
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client, personas):
    client.force_login(personas.town_handler)
    body = client.get(reverse("my-work")).content.decode()
    assert f'action="{reverse("logout")}"' in body
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("my-work")).status_code == 302


def test_language_switch_gives_english_and_persists(client, personas):
    client.force_login(personas.town_handler)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("hazards:list")})
    assert response.status_code == 302 and response["Location"] == reverse("hazards:list")
    assert client.cookies["django_language"].value == "en"
    body = client.get(reverse("hazards:list")).content.decode()
    assert 'lang="en"' in body
    assert "Hazard ledger" in body and "Open items only" in body
    assert "隐患台账" not in body
    assert "中文" in body  # the way back
    client.post(reverse("set_language"), {"language": "zh-hans"})
    assert "隐患台账" in client.get(reverse("hazards:list")).content.decode()


def test_mark_read_touches_only_the_users_own_notices(client, personas, make_hazard):
    hazard = make_hazard()
    event = hazard.events.first()
    notify(users=[personas.town_handler, personas.admin], case=hazard, event=event, message="测试通知")
    mine = Notification.objects.get(user=personas.town_handler)
    theirs = Notification.objects.get(user=personas.admin)
    client.force_login(personas.town_handler)
    assert client.get(reverse("my-work")).context["inbox_unread"]() == 1
    response = client.post(reverse("inbox-read"), {"id": [mine.pk, theirs.pk]})
    assert response.status_code == 302 and response["Location"] == reverse("my-work")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


def test_mark_all_read_and_only_by_post(client, personas, make_hazard):
    hazard = make_hazard()
    notify(users=[personas.town_handler], case=hazard, event=hazard.events.first(), message="一")
    client.force_login(personas.town_handler)
    assert client.get(reverse("inbox-read")).status_code == 405
    client.post(reverse("inbox-read"))
    assert not Notification.objects.filter(user=personas.town_handler, read_at__isnull=True).exists()


def test_mark_read_does_not_redirect_off_site(client, personas):
    client.force_login(personas.town_handler)
    response = client.post(reverse("inbox-read"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("my-work")


def test_404_page_is_in_chinese_and_says_nothing(client, personas):
    client.force_login(personas.town_handler)
    response = client.get("/hazards/YH-2026-424242/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "未找到" in body and "该事项不存在，或不在您的管辖范围内。" in body
    assert "YH-2026-424242" not in body


def test_500_page_renders_without_a_request():
    body = render_to_string("500.html")
    assert "服务器错误" in body and "本次操作未保存" in body
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in body


def test_no_cdn_anywhere(client, personas, make_hazard):
    hazard = make_hazard()
    bodies = [client.get(reverse("login")).content.decode()]
    client.force_login(personas.town_handler)
    for url in (reverse("my-work"), reverse("hazards:list"), reverse("overview"), reverse("hazards:new"),
                reverse("hazards:detail", args=[hazard.ref])):
        bodies.append(client.get(url).content.decode())
    for body in bodies:
        assert "<script src=\"/static/" in body
        assert "http://" not in body and "https://" not in body
