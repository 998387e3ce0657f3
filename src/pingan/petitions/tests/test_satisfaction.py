"""Satisfaction (回访) is the petitioner's answer, never the replying handler's: the petition
bureau records it from a call-back, or the petitioner gives it on the public page with the
one-time code printed on the reply notice; "not satisfied" shows the review path and its
last day, which rolls past a holiday like every calendar-day term."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pingan.core import errors
from pingan.core.models import Event, Notification, Role, RoleName, Unit, UnitKind
from pingan.petitions.models import (
    Petition,
    SatisfactionAttempt,
    SatisfactionChannel,
    SatisfactionCode,
    Status,
)
from pingan.petitions.satisfaction import (
    MSG_CODE_EXPIRED,
    MSG_CODE_USED,
    MSG_TRANSCRIBE_ONLY_IMPORTED,
    MSG_WRONG_CODE,
    Throttled,
    petition_reply_notice,
    petition_satisfaction_answer,
    petition_satisfaction_transcribed,
)
from pingan.petitions.selectors import backlog_metrics, backlog_units
from pingan.petitions.services import petition_transition
from pingan.petitions.tests.conftest import ID_NUMBER, PHONE
from pingan.petitions.workflow import (
    MSG_CALLBACK_BUREAU_ONLY,
    MSG_CALLBACK_CHANNEL_REQUIRED,
    MSG_CALLBACK_DATE,
    MSG_CALLBACK_NOT_REPLIER,
    MSG_NO_BUREAU_UNIT,
)
from pingan.testing import api_client

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
CLIENT = "203.0.113.7"
# Replied on 1 September 2026: day 30 is 1 October, National Day (1–7 October off), so the
# review window, and the code with it, ends on Thursday 8 October.
REPLIED = "2026-09-01"
LAST_DAY = dt.date(2026, 10, 8)


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


def msg(message, **kwargs) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(message).format(**kwargs) if kwargs else str(message)


def step(petition: Petition, name: str, actor, day: str, **kwargs) -> Petition:
    petition.refresh_from_db()
    return petition_transition(petition=petition, name=name, actor=actor, expected_version=petition.version,
                               at=at(day), **kwargs)


def answer(ref: str, code: str, satisfaction: str = "satisfied", *, client: str = CLIENT,
           day: str = "2026-09-10", time: str = "10:00"):
    with time_machine.travel(at(day, time), tick=False):
        return petition_satisfaction_answer(reference=ref, code=code, satisfaction=satisfaction,
                                            client=client)


def unchanged(petition: Petition) -> bool:
    version = petition.version
    petition.refresh_from_db()
    return (petition.status, petition.satisfaction, petition.version) == (Status.REPLIED, "", version)


@pytest.fixture
def replied(make_petition, personas):
    """A 航埠镇 petition the town handler replied to on 1 September 2026; its notice's code."""
    handler = personas.town_handler
    with time_machine.travel(at("2026-09-20"), tick=False):
        petition = make_petition(received_at=at("2026-08-03"))
        step(petition, "accept", handler, "2026-08-04")
        step(petition, "start", handler, "2026-08-05", assignee=handler)
        petition = step(petition, "reply", handler, REPLIED, outcome="explained",
                        note="已向信访人解释补偿标准。")
    code = petition.reply_notice.code
    petition.refresh_from_db()
    return petition, code


@pytest.fixture
def bureau_head(district):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="xinfang_head", password="x")
    Role.objects.create(user=user, unit=Unit.objects.get(kind=UnitKind.DEPARTMENT, name="信访局"),
                        role=RoleName.SUPERVISOR)
    return user


# -- the call-back -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["town_handler", "hangbu_head", "admin"])
def test_the_unit_that_replied_and_the_admin_may_not_record_satisfaction(replied, personas, hangbu_head, who):
    petition, _code = replied
    actor = hangbu_head if who == "hangbu_head" else getattr(personas, who)
    with time_machine.travel(at("2026-09-03"), tick=False), pytest.raises(errors.PermissionDenied) as caught:
        step(petition, "rate", actor, "2026-09-03", satisfaction="satisfied", asked_by="phone")
    assert caught.value.message == msg(MSG_CALLBACK_BUREAU_ONLY, unit="信访局")
    assert unchanged(petition)
    # Nor is the step offered to them.
    assert "rate" not in [t["name"] for t in api_client(actor).get(
        f"/api/v1/petitions/{petition.ref}").json()["transitions"]]


def test_the_bureau_records_the_call_back_with_its_channel_date_and_note(replied, xinfang):
    petition, _code = replied
    with time_machine.travel(at("2026-09-04"), tick=False):
        step(petition, "rate", xinfang, "2026-09-04", satisfaction="partly", asked_by="phone",
             asked_on=dt.date(2026, 9, 3), note="电话回访，信访人表示基本满意。")
    petition.refresh_from_db()
    assert (petition.status, petition.satisfaction, petition.satisfaction_channel,
            petition.satisfaction_asked_on) == (Status.RATED, "partly", SatisfactionChannel.PHONE,
                                                dt.date(2026, 9, 3))
    event = petition.events.get(transition="rate")
    assert (event.actor, event.note, event.after["satisfaction"]) == (
        xinfang, "电话回访，信访人表示基本满意。", "partly")


@pytest.mark.parametrize(("asked_by", "asked_on", "problem"), [
    ("", None, MSG_CALLBACK_CHANNEL_REQUIRED),
    ("public_page", None, MSG_CALLBACK_CHANNEL_REQUIRED),  # that path is the petitioner's
    ("phone", dt.date(2026, 8, 31), MSG_CALLBACK_DATE),  # the day before the reply
    ("phone", dt.date(2026, 9, 5), MSG_CALLBACK_DATE),  # tomorrow
])
def test_a_call_back_needs_its_channel_and_a_date_from_the_reply_to_today(replied, xinfang, asked_by,
                                                                          asked_on, problem):
    petition, _code = replied
    with time_machine.travel(at("2026-09-04"), tick=False), pytest.raises(errors.DomainError) as caught:
        step(petition, "rate", xinfang, "2026-09-04", satisfaction="satisfied", asked_by=asked_by,
             asked_on=asked_on)
    assert caught.value.message == msg(problem, earliest=REPLIED)
    assert unchanged(petition)


def test_a_setting_that_names_no_unit_says_so_and_records_nothing(replied, xinfang, settings):
    settings.PINGAN_PETITION_BUREAU_UNIT_CODE = "330802D99"
    petition, _code = replied
    with time_machine.travel(at("2026-09-04"), tick=False), pytest.raises(errors.PermissionDenied) as caught:
        step(petition, "rate", xinfang, "2026-09-04", satisfaction="satisfied", asked_by="phone")
    assert caught.value.message == msg(MSG_NO_BUREAU_UNIT, code="330802D99",
                                           setting="PINGAN_PETITION_BUREAU_UNIT_CODE")
    assert unchanged(petition)


def test_on_the_reply_day_itself_the_call_back_is_accepted(replied, xinfang):
    petition, _code = replied
    with time_machine.travel(at(REPLIED, "16:00"), tick=False):
        step(petition, "rate", xinfang, REPLIED, satisfaction="satisfied", asked_by="visit",
             asked_on=dt.date(2026, 9, 1))
    petition.refresh_from_db()
    assert petition.status == Status.RATED


def test_a_bureau_member_who_wrote_the_reply_does_not_call_back(make_petition, xinfang, bureau_head):
    """A suggestion the bureau itself handled: its head replied, so its clerk calls back."""
    bureau = Unit.objects.get(kind=UnitKind.DEPARTMENT, name="信访局")
    with time_machine.travel(at("2026-09-20"), tick=False):
        petition = make_petition(petition_type="suggestion", category="rural", handling_unit=bureau,
                                 received_at=at("2026-08-03"))
        step(petition, "accept", bureau_head, "2026-08-04")
        step(petition, "reply", bureau_head, REPLIED, outcome="supported", note="建议已采纳。")
        with pytest.raises(errors.PermissionDenied) as caught:
            step(petition, "rate", bureau_head, "2026-09-20", satisfaction="satisfied", asked_by="phone")
        assert caught.value.message == msg(MSG_CALLBACK_NOT_REPLIER)
        step(petition, "rate", xinfang, "2026-09-20", satisfaction="satisfied", asked_by="phone")
    petition.refresh_from_db()
    assert petition.events.get(transition="rate").actor == xinfang


def test_a_ledger_satisfaction_is_kept_only_on_a_petition_being_imported(replied, personas):
    petition, _code = replied
    with pytest.raises(errors.PermissionDenied) as caught:
        petition_satisfaction_transcribed(petition=petition, actor=personas.town_handler,
                                          satisfaction="satisfied", at=at("2026-09-03"))
    assert caught.value.message == msg(MSG_TRANSCRIBE_ONLY_IMPORTED)
    assert unchanged(petition)


# -- the reply notice's code ----------------------------------------------------------------


def test_the_reply_issues_a_readable_code_stored_only_as_a_digest(replied):
    petition, code = replied
    assert len(code) == 9 and code[4] == "-"
    assert not set(code.replace("-", "")) & set("01OIL")
    stored = SatisfactionCode.objects.get(petition=petition)
    assert code.replace("-", "") not in stored.digest and len(stored.digest) == 64
    assert f"{stored.expires_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}" == "2026-10-08 23:59:59"


def test_the_right_code_records_the_petitioners_own_answer_once(replied):
    petition, code = replied
    typed = code.lower().replace("-", " ")  # as a petitioner may type it
    result = answer(petition.ref.lower(), typed, "satisfied")
    assert (result.reference, result.satisfaction, result.review) == (petition.ref, "satisfied", None)
    petition.refresh_from_db()
    assert (petition.status, petition.satisfaction, petition.satisfaction_channel) == (
        Status.RATED, "satisfied", SatisfactionChannel.PUBLIC_PAGE)
    event = petition.events.get(transition="rate")
    assert event.actor is None and event.at == at("2026-09-10")
    assert SatisfactionCode.objects.get(petition=petition).used_at == at("2026-09-10")
    assert Notification.objects.filter(case=petition, user=petition.assignee).exists()

    with pytest.raises(errors.DomainError) as caught:
        answer(petition.ref, code, "not_satisfied", day="2026-09-11")
    assert caught.value.message == msg(MSG_CODE_USED)
    petition.refresh_from_db()
    assert petition.satisfaction == "satisfied"


def test_a_wrong_code_and_an_unknown_reference_get_the_same_answer_and_change_nothing(replied):
    petition, code = replied
    wrong = "ABCD-EFGH" if code != "ABCD-EFGH" else "HGFE-DCBA"
    refusals = []
    for ref, typed in ((petition.ref, wrong), ("XF-2026-999999", code)):
        with pytest.raises(errors.DomainError) as caught:
            answer(ref, typed)
        refusals.append((type(caught.value), caught.value.message, caught.value.field))
    assert refusals[0] == refusals[1] == (errors.DomainError, msg(MSG_WRONG_CODE), "code")
    assert unchanged(petition)
    assert SatisfactionAttempt.objects.count() == 2
    assert CLIENT not in json.dumps(list(SatisfactionAttempt.objects.values("client", "reference")))


def test_the_code_works_to_the_last_day_of_the_review_window_and_not_after(replied):
    petition, code = replied
    with pytest.raises(errors.DomainError) as caught:
        answer(petition.ref, code, day="2026-10-09", time="00:01")
    assert caught.value.message == msg(MSG_CODE_EXPIRED, date=LAST_DAY.isoformat())
    assert unchanged(petition)
    assert answer(petition.ref, code, day="2026-10-08", time="23:59").satisfaction == "satisfied"


def test_a_new_notice_voids_the_earlier_code(replied, personas, hangbu_viewer):
    petition, first = replied
    with time_machine.travel(at("2026-09-05"), tick=False):
        with pytest.raises(errors.PermissionDenied):
            petition_reply_notice(petition=petition, actor=hangbu_viewer)
        with pytest.raises(errors.NotFound):
            petition_reply_notice(petition=petition, actor=personas.outsider)
        second = petition_reply_notice(petition=petition, actor=personas.town_handler).code
    assert second != first
    with pytest.raises(errors.DomainError) as caught:
        answer(petition.ref, first)
    assert caught.value.message == msg(MSG_WRONG_CODE)
    assert answer(petition.ref, second).satisfaction == "satisfied"
    assert petition.events.filter(type="updated", actor=personas.town_handler).count() == 1


# -- guessing ---------------------------------------------------------------------------------


def test_wrong_codes_lock_the_reference_even_against_the_right_code(replied, settings):
    settings.PINGAN_SATISFACTION_MAX_FAILURES_PER_REFERENCE = 3
    petition, code = replied
    for n in range(3):  # from three different places
        with pytest.raises(errors.DomainError):
            answer(petition.ref, "ABCD-EFGH", client=f"198.51.100.{n}", time=f"10:0{n}")
    with pytest.raises(Throttled) as caught:
        answer(petition.ref, code, time="11:00")
    # Open again once the first failure is 24 hours old.
    assert caught.value.status == 429 and "2026-09-11 10:00" in caught.value.message
    assert unchanged(petition)
    assert answer(petition.ref, code, day="2026-09-11", time="10:01").satisfaction == "satisfied"


def test_wrong_codes_lock_the_client_out_of_every_reference(replied, settings):
    settings.PINGAN_SATISFACTION_MAX_FAILURES_PER_CLIENT = 4
    petition, code = replied
    for n in range(4):
        with pytest.raises(errors.DomainError):
            answer(f"XF-2026-00000{n}", "ABCD-EFGH")
    with pytest.raises(Throttled):
        answer(petition.ref, code)
    assert answer(petition.ref, code, client="192.0.2.1").satisfaction == "satisfied"


# -- not satisfied: the review path --------------------------------------------------------------


def test_not_satisfied_shows_where_to_ask_for_a_review_and_the_last_day_after_the_holiday(replied, xinfang):
    petition, code = replied
    result = answer(petition.ref, code, "not_satisfied")
    # 航埠镇 replied; the body above it, the district, reviews. Day 30 (1 October) is National Day.
    review = result.review
    assert (review.body, review.replied_by, review.until) == ("柯城区", "航埠镇", LAST_DAY)
    page = Client().get(reverse("petitions:detail", args=[petition.ref]))
    assert page.status_code == 302  # the petition page needs a login
    client = Client()
    client.force_login(xinfang)
    body = client.get(reverse("petitions:detail", args=[petition.ref])).content.decode()
    assert "data-review-path" in body and "2026-10-08" in body and "柯城区" in body
    detail = api_client(xinfang).get(f"/api/v1/petitions/{petition.ref}").json()
    assert (detail["satisfaction"], detail["satisfaction_channel"]) == ("not_satisfied", "public_page")
    assert detail["review_path"] == {"body": "柯城区", "replied_by": "航埠镇", "until": "2026-10-08"}


def test_a_satisfied_answer_shows_no_review_path(replied, xinfang):
    petition, _code = replied
    with time_machine.travel(at("2026-09-04"), tick=False):
        step(petition, "rate", xinfang, "2026-09-04", satisfaction="satisfied", asked_by="phone")
    assert api_client(xinfang).get(f"/api/v1/petitions/{petition.ref}").json()["review_path"] is None


def test_the_satisfaction_rate_counts_both_ways_of_answering(make_petition, personas, xinfang, replied):
    public, code = replied
    answer(public.ref, code, "not_satisfied")
    handler = personas.town_handler
    with time_machine.travel(at("2026-09-20"), tick=False):
        called = make_petition(received_at=at("2026-08-10"))
        step(called, "accept", handler, "2026-08-11")
        step(called, "reply", handler, "2026-09-02", outcome="supported", note="已补发。")
        step(called, "rate", xinfang, "2026-09-03", satisfaction="satisfied", asked_by="phone")
        metrics = backlog_metrics(user=personas.admin, baseline=dt.date(2026, 8, 1),
                                  units=backlog_units(Unit.objects.get(name="柯城区").prefix))
    total = metrics["totals"]
    assert (total["rated"], total["satisfied"], total["satisfaction_rate"]) == (2, 1, 0.5)


# -- the pages and the API ------------------------------------------------------------------------


def test_the_public_page_records_an_answer_and_shows_no_personal_data(replied):
    petition, code = replied
    url = reverse("public-satisfaction")
    client = Client()
    assert client.get(url).status_code == 200
    private = ("张三", ID_NUMBER, PHONE, "缪村村", petition.title, "已向信访人解释")
    wrong = client.post(url, {"reference": petition.ref, "code": "ABCD-EFGH", "satisfaction": "satisfied"})
    unknown = client.post(url, {"reference": "XF-2026-999999", "code": code, "satisfaction": "satisfied"})
    assert wrong.status_code == unknown.status_code == 400
    assert msg(MSG_WRONG_CODE) in wrong.content.decode()
    for response in (wrong, unknown):
        body = response.content.decode()
        assert not any(item in body for item in (*private, "航埠镇", "柯城区"))
    with time_machine.travel(at("2026-09-10"), tick=False):
        done = client.post(url, {"reference": petition.ref, "code": code, "satisfaction": "not_satisfied"})
    body = done.content.decode()
    assert done.status_code == 200 and "data-recorded" in body and petition.ref in body
    assert "data-review-path" in body and "2026-10-08" in body
    assert not any(item in body for item in private)
    assert done["Cache-Control"] == "no-store"


def test_the_reply_step_answers_with_the_printable_notice_whose_code_works(make_petition, hangbu_head):
    with time_machine.travel(at("2026-09-01"), tick=False):
        petition = make_petition(received_at=at("2026-08-03"))
        step(petition, "accept", hangbu_head, "2026-08-04")
        client = Client()
        client.force_login(hangbu_head)
        response = client.post(reverse("petitions:step", args=[petition.ref, "reply"]),
                               {"version": Petition.objects.get(pk=petition.pk).version,
                                "outcome": "supported", "note": "补偿款已于8月底补发到位。"})
    body = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "data-reply-notice" in body and "补偿款已于8月底补发到位。" in body and "2026-10-08" in body
    code = body.split('data-code>')[1].split("<")[0].strip()
    assert answer(petition.ref, code, day="2026-09-02").satisfaction == "satisfied"


def test_the_petition_page_offers_the_call_back_to_the_bureau_only(replied, xinfang, personas):
    petition, _code = replied
    url = reverse("petitions:detail", args=[petition.ref])
    pages = {}
    for name, user in (("bureau", xinfang), ("town", personas.town_handler)):
        client = Client()
        client.force_login(user)
        with time_machine.travel(at("2026-09-05"), tick=False):
            pages[name] = client.get(url).content.decode()
    assert 'name="asked_by"' in pages["bureau"] and 'name="asked_by"' not in pages["town"]
    assert reverse("petitions:reply-notice", args=[petition.ref]) in pages["town"]
    # The town posting the step anyway is refused, and nothing changes.
    client = Client()
    client.force_login(personas.town_handler)
    with time_machine.travel(at("2026-09-05"), tick=False):
        refused = client.post(reverse("petitions:step", args=[petition.ref, "rate"]),
                              {"version": petition.version, "satisfaction": "satisfied", "asked_by": "phone"})
    assert refused.status_code == 403
    assert msg(MSG_CALLBACK_BUREAU_ONLY, unit="信访局") in refused.content.decode()
    assert unchanged(petition)


def test_the_api_refuses_the_handler_and_takes_the_bureaus_call_back(replied, xinfang, personas):
    petition, _code = replied
    url = f"/api/v1/petitions/{petition.ref}/transitions/rate"
    body = {"version": petition.version, "satisfaction": "satisfied", "asked_by": "phone"}
    with time_machine.travel(at("2026-09-04"), tick=False):
        refused = api_client(personas.town_handler).post(url, body, content_type="application/json")
        assert refused.status_code == 403
        assert refused.json()["message"] == msg(MSG_CALLBACK_BUREAU_ONLY, unit="信访局")
        done = api_client(xinfang).post(url, {**body, "asked_on": "2026-09-03"},
                                        content_type="application/json")
    assert done.status_code == 200, done.json()
    out = done.json()
    assert (out["status"], out["satisfaction_channel"], out["satisfaction_asked_on"]) == (
        "rated", "phone", "2026-09-03")


def test_the_api_prints_a_new_notice_whose_code_works(replied, personas):
    petition, first = replied
    with time_machine.travel(at("2026-09-05"), tick=False):
        outsider = api_client(personas.outsider).post(f"/api/v1/petitions/{petition.ref}/reply-notice")
        response = api_client(personas.town_handler).post(f"/api/v1/petitions/{petition.ref}/reply-notice")
    assert outsider.status_code == 404
    notice = response.json()
    assert response.status_code == 200
    assert (notice["ref"], notice["expires_on"]) == (petition.ref, "2026-10-08")
    assert notice["review_path"]["until"] == "2026-10-08"
    assert answer(petition.ref, notice["code"]).satisfaction == "satisfied"
    assert not Event.objects.filter(case=petition, note__contains=notice["code"]).exists()


def test_behind_a_proxy_each_client_is_counted_by_the_address_the_proxy_reports(replied, settings):
    settings.PINGAN_SATISFACTION_MAX_FAILURES_PER_CLIENT = 2
    settings.PINGAN_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
    petition, code = replied
    url = reverse("public-satisfaction")
    client = Client()  # every request reaches Django from the proxy at 127.0.0.1
    guess = {"reference": "XF-2026-000777", "code": "ABCD-EFGH", "satisfaction": "satisfied"}
    for _n in range(2):
        assert client.post(url, guess, HTTP_X_FORWARDED_FOR="198.51.100.9, 10.0.0.1").status_code == 400
    locked = client.post(url, {**guess, "reference": petition.ref, "code": code},
                         HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert locked.status_code == 429
    with time_machine.travel(at("2026-09-10"), tick=False):
        other = client.post(url, {**guess, "reference": petition.ref, "code": code},
                            HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert other.status_code == 200 and "data-recorded" in other.content.decode()


def test_an_accusers_call_back_is_the_discipline_offices_not_the_bureaus(make_petition, discipline, xinfang,
                                                                         district):
    """The accuser's identity never leaves the discipline office: it asks, the bureau may not."""
    head = Role.objects.create(user=type(xinfang).objects.create(username="jiwei_head"),
                               unit=discipline.roles.get().unit, role=RoleName.SUPERVISOR).user
    with time_machine.travel(at("2026-09-20"), tick=False):
        petition = make_petition(received_at=at("2026-08-03"), petition_type="accusation", category=None,
                                 title="举报某村书记侵占集体资金")
        step(petition, "accept", discipline, "2026-08-04")
        step(petition, "start", discipline, "2026-08-05", assignee=discipline)
        step(petition, "reply", discipline, REPLIED, outcome="explained", note="已核查并答复。")
        with pytest.raises(errors.DomainError):
            step(petition, "rate", xinfang, "2026-09-04", satisfaction="satisfied", asked_by="phone",
                 asked_on=dt.date(2026, 9, 3))
        step(petition, "rate", head, "2026-09-04", satisfaction="satisfied", asked_by="phone",
             asked_on=dt.date(2026, 9, 3))
    petition.refresh_from_db()
    assert (petition.status, petition.satisfaction) == (Status.RATED, "satisfied")
