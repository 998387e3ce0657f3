"""The deadline calculator as a page (in Chinese, on a phone) and as `pingan deadline`: the
rules of every domain (petitions under a profile; suggestions and proposals on their own
terms), and its old petition address redirecting to it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from pingan.testing import api_client

pytestmark = pytest.mark.django_db
URL = "/deadline/"


def test_the_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert reverse("deadline") == URL


def test_the_old_petition_address_redirects_with_its_question(client, personas):
    client.force_login(personas.grid_worker)
    query = "profile=zhejiang&rule=resolution&start=2026-09-25"
    response = client.get(f"/petitions/deadline/?{query}")
    assert (response.status_code, response["Location"]) == (301, f"{URL}?{query}")
    assert client.get("/petitions/deadline/")["Location"] == URL
    assert 'data-due="2026-10-26"' in client.get(response["Location"]).content.decode()


def test_the_empty_form_starts_from_the_deployment_profile(client, personas, settings):
    settings.PINGAN_PETITION_PROFILE = "zhejiang"
    client.force_login(personas.grid_worker)
    body = client.get(URL).content.decode()
    assert "期限计算器" in body and 'name="viewport"' in body
    assert '<option value="zhejiang" selected>' in body
    assert '<option value="resolution" selected>' in body
    assert "data-due" not in body


def test_the_rules_are_grouped_by_domain_and_the_profile_says_whom_it_concerns(client, personas):
    client.force_login(personas.grid_worker)
    body = client.get(URL).content.decode()
    petitions, suggestions = body.index('<optgroup label="信访">'), body.index('<optgroup label="建议提案">')
    # The petitions' suggestion_reply keeps its name, among the petition rules.
    assert petitions < body.index('value="suggestion_reply"') < suggestions
    for rule in ("deputy_reply", "deputy_reply_extended", "deputy_co_opinion", "deputy_return",
                 "deputy_rehandle"):
        assert body.index(f'value="{rule}"') > suggestions, rule
    assert "仅适用于信访期限" in body  # the profile select's note


def test_a_suggestion_term_in_months_on_the_page(client, personas):
    """Assigned Wed 1 July 2026: 3 months end on Thu 1 Oct, National Day, and the reply is
    due on the first working day after the holiday, Thu 8 Oct. The profile changes nothing."""
    client.force_login(personas.town_handler)
    bodies = [client.get(URL, {"profile": profile, "rule": "deputy_reply", "start": "2026-07-01"})
              for profile in ("national", "zhejiang")]
    assert [b.status_code for b in bodies] == [200, 200]
    body = bodies[0].content.decode()
    assert 'data-due="2026-10-08"' in body and '<dd class="col-sm-8" data-term>3 个月</dd>' in body
    assert "建议提案 · 答复建议提案</div>" in body  # no profile named
    assert "期满日为休息日或节假日，截止日期顺延至下一个工作日 2026-10-08" in body
    assert "计数止于此日，适逢休息日或节假日" in body and "顺延跳过" in body and "2026-10-07" in body
    assert "代表法》第五十一条" in body
    answer = body[body.index('aria-labelledby="due-heading"'):body.index("</main>")]
    other = bodies[1].content.decode()
    assert other[other.index('aria-labelledby="due-heading"'):other.index("</main>")] == answer


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


def test_a_suggestion_rule_through_the_api_has_no_profile(personas):
    client = api_client(personas.town_handler)
    body = client.get("/api/v1/deadline", {"rule": "deputy_reply", "start": "2026-07-01"}).json()
    assert (body["due"], body["count_ends"], body["rolled"]) == ("2026-10-08", "2026-10-01", True)
    assert (body["days"], body["day_type"], body["unit_label"], body["parts"]) == (3, "months", "个月", [3])
    assert (body["profile"], body["profile_label"], body["group_label"]) == (None, None, "建议提案")
    assert [d["day"] for d in body["explained"]] == [f"2026-10-0{n}" for n in range(1, 9)]
    under_zhejiang = client.get("/api/v1/deadline", {"rule": "deputy_reply", "start": "2026-07-01",
                                                     "profile": "zhejiang"}).json()
    assert under_zhejiang == body
    bad = client.get("/api/v1/deadline", {"rule": "deputy_reply", "start": "2026-07-01",
                                          "profile": "beijing"})
    assert bad.status_code == 422 and bad.json()["field"] == "profile"


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


@pytest.mark.parametrize("rule, start", [("deputy_reply", "9999-12-31"), ("deputy_reply", "9999-12-20"),
                                         ("resolution", "9999-12-31")])
def test_a_start_so_late_its_term_ends_past_9999_is_refused_not_a_crash(client, personas, rule, start):
    client.force_login(personas.town_handler)
    page = client.get(URL, {"rule": rule, "start": start})
    assert page.status_code == 400 and "无法从" in page.content.decode()
    answer = api_client(personas.town_handler).get("/api/v1/deadline", {"rule": rule, "start": start})
    assert answer.status_code in (400, 422) and answer.json()["field"] == "start"
    with pytest.raises(CommandError, match="无法从"):
        call_command("deadline", "--rule", rule, "--start", start)


def test_the_command_refuses_a_bad_date():
    with pytest.raises(CommandError):
        call_command("deadline", "--rule", "resolution", "--start", "25/09/2026")


def test_the_calculator_endpoint(personas):
    client = api_client(personas.town_handler)
    response = client.get("/api/v1/deadline",
                          {"profile": "zhejiang", "rule": "resolution", "start": "2026-09-25"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["due"], body["count_ends"], body["rolled"]) == ("2026-10-26", "2026-10-25", True)
    assert (body["days"], body["day_type"], body["parts"]) == (30, "calendar", [30])
    assert body["sources"] == ["《浙江省信访条例》第二十三条"]
    by_day = {d["day"]: d for d in body["explained"]}
    assert by_day["2026-10-01"]["kind"] == "holiday" and by_day["2026-10-01"]["holiday"] == "国庆节"
    assert by_day["2026-10-10"] == {"day": "2026-10-10", "kind": "make_up", "kind_label": "调休上班日",
                                    "holiday": "国庆节", "counted": 15, "rolled": False, "provisional": False}
    assert (body["provisional"], body["provisional_years"]) == (False, [])
    across = client.get("/api/v1/deadline",
                        {"profile": "zhejiang", "rule": "resolution", "start": "2026-12-20"}).json()
    assert (across["due"], across["provisional"], across["provisional_years"]) == ("2027-01-19", True, [2027])
    default = client.get("/api/v1/deadline", {"rule": "extension", "start": "2026-07-05"}).json()
    assert (default["profile"], default["parts"], default["due"]) == ("national", [60, 30], "2026-10-08")
    unknown = client.get("/api/v1/deadline", {"rule": "forever", "start": "2026-07-05"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "rule"
    missing = client.get("/api/v1/deadline", {"rule": "resolution"})
    assert missing.status_code == 422 and missing.json()["field"] == "start"
    assert Client().get("/api/v1/deadline", {"rule": "resolution",
                                             "start": "2026-07-05"}).status_code == 401
