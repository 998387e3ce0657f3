"""First and repeat petitions: proposals by the same person, category and a similar text;
confirm and unlink with their permissions and events; the link seen from both sides;
dismissals remembered; the candidates endpoint masked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pingan.core import errors
from pingan.core.models import Event, EventType
from pingan.core.personal.idcard import check_character
from pingan.petitions import selectors
from pingan.petitions.models import Petition
from pingan.petitions.selectors import PetitionFilters, petition_list, repeat_candidates
from pingan.petitions.services import petition_repeat_confirm, petition_repeat_unlink
from pingan.petitions.similarity import normalise, shingles, similarity
from pingan.petitions.tests.conftest import ID_NUMBER, PHONE
from pingan.testing import api_client

JSON = "application/json"
OTHER_ID = "33080219900202123" + check_character("33080219900202123")
FIRST = {"title": "征地补偿款未足额发放", "matter": "村民反映2025年征地补偿款少发。"}
PARAPHRASE = {"title": "征地补偿款至今没有发足", "matter": "我家2025年被征地，补偿款少发了一部分，要求补足。"}
# Same person, same category (land), a different matter sharing only boilerplate.
UNRELATED = {"title": "征收土地程序不合法", "matter": "村民反映2025年征收土地未公示。"}


def _days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _refs(petition, user) -> list[str]:
    return [c.petition.ref for c in repeat_candidates(petition, user=user)]


def _fresh(petition) -> Petition:
    return Petition.objects.select_related("repeat_of").get(pk=petition.pk)


# --- similarity --------------------------------------------------------------------------


def test_normalise_folds_width_and_drops_punctuation():
    assert normalise("２０２５年，补偿 款！ＡＢ") == "2025年补偿款ab"


def test_short_texts_use_single_characters_and_long_ones_pairs():
    assert shingles("补偿") == {"补": 1, "偿": 1}
    assert shingles("补偿款少") == {"补偿": 1, "偿款": 1, "款少": 1}


def test_similarity_separates_paraphrase_from_another_matter(settings):
    first = f"{FIRST['title']} {FIRST['matter']}"
    threshold = settings.PINGAN_PETITION_REPEAT_SIMILARITY
    assert similarity(first, first) == pytest.approx(1.0)
    assert similarity(first, f"{PARAPHRASE['title']} {PARAPHRASE['matter']}") >= threshold
    assert similarity(first, f"{UNRELATED['title']} {UNRELATED['matter']}") < threshold
    assert similarity(first, "拖欠工资三个月") == 0.0
    assert similarity("", first) == 0.0


# --- proposals ---------------------------------------------------------------------------


def test_a_paraphrase_by_the_same_id_number_is_proposed(make_petition, xinfang):
    first = make_petition(**FIRST, received_at=_days_ago(40), phone="")
    later = make_petition(**PARAPHRASE, phone="13900000000")
    candidates = repeat_candidates(later, user=xinfang)
    assert [c.petition.ref for c in candidates] == [first.ref]
    assert 0.35 <= candidates[0].score < 1
    assert _refs(first, xinfang) == []  # never a later petition


def test_a_paraphrase_by_the_same_phone_is_proposed(make_petition, xinfang):
    first = make_petition(**FIRST, received_at=_days_ago(40), id_number="")
    later = make_petition(**PARAPHRASE, id_number=OTHER_ID)
    assert _refs(later, xinfang) == [first.ref]


def test_candidates_are_ordered_by_score(make_petition, xinfang):
    close = make_petition(title=PARAPHRASE["title"], matter=PARAPHRASE["matter"], received_at=_days_ago(50))
    closer = make_petition(**FIRST, received_at=_days_ago(40))
    later = make_petition(title=FIRST["title"], matter="村民反映2025年征地补偿款少发，至今未补。")
    candidates = repeat_candidates(later, user=xinfang)
    assert [c.petition.ref for c in candidates] == [closer.ref, close.ref]
    assert candidates[0].score > candidates[1].score


def test_only_the_best_few_are_proposed(make_petition, xinfang, monkeypatch):
    monkeypatch.setattr(selectors, "REPEAT_PROPOSALS", 2)
    earlier = [make_petition(**FIRST, received_at=_days_ago(60 - day)) for day in range(3)]
    later = make_petition(**FIRST)
    assert _refs(later, xinfang) == [earlier[2].ref, earlier[1].ref]  # equal scores: newest first


def test_different_matters_of_the_same_person_are_not_proposed(make_petition, xinfang):
    make_petition(**FIRST, category="labour", received_at=_days_ago(40))  # other category
    make_petition(**UNRELATED, received_at=_days_ago(30))  # same category, another matter
    later = make_petition(**FIRST)
    assert _refs(later, xinfang) == []


def test_someone_elses_similar_petition_is_not_proposed(make_petition, xinfang):
    make_petition(**FIRST, petitioner_name="李四", id_number=OTHER_ID, phone="13900000000",
                  received_at=_days_ago(40))
    later = make_petition(**PARAPHRASE)
    assert _refs(later, xinfang) == []


def test_an_anonymous_petition_has_no_candidates(make_petition, xinfang):
    make_petition(**FIRST, received_at=_days_ago(40))
    later = make_petition(**PARAPHRASE, id_number="", phone="")
    assert _refs(later, xinfang) == []


def test_candidates_outside_the_readers_scope_are_not_proposed(make_petition, xinfang, personas):
    make_petition(**FIRST, received_at=_days_ago(40))
    later = make_petition(**PARAPHRASE)
    assert _refs(later, personas.outsider) == []


def test_the_threshold_is_a_setting(make_petition, xinfang, settings):
    first = make_petition(**FIRST, received_at=_days_ago(40))
    later = make_petition(**UNRELATED)
    assert _refs(later, xinfang) == []
    settings.PINGAN_PETITION_REPEAT_SIMILARITY = 0.2
    assert _refs(later, xinfang) == [first.ref]


# --- confirm and unlink ------------------------------------------------------------------


def test_confirm_links_both_ways_and_records_an_event(make_petition, xinfang):
    first = make_petition(**FIRST, received_at=_days_ago(40))
    later = make_petition(**PARAPHRASE)
    petition_repeat_confirm(petition=later, original_ref=first.ref.lower(), actor=xinfang,
                            expected_version=later.version)
    later = _fresh(later)
    assert later.repeat_of == first and later.version == 2
    assert list(first.repeats.all()) == [later]
    event = Event.objects.filter(case=later).order_by("-seq").first()
    assert event.type == EventType.UPDATED and event.actor == xinfang
    assert event.before == {"repeat_of": None} and event.after == {"repeat_of": first.ref}
    assert _refs(later, xinfang) == []  # the confirmed link is no longer a proposal
    assert petition_list(user=xinfang, filters=PetitionFilters(repeat_only=True)).get() == later
    assert list(petition_list(user=xinfang, filters=PetitionFilters(first_only=True))) == [first]


def test_unlink_removes_the_link_and_it_is_not_proposed_again(make_petition, xinfang):
    first = make_petition(**FIRST, received_at=_days_ago(40))
    later = make_petition(**PARAPHRASE)
    petition_repeat_confirm(petition=later, original_ref=first.ref, actor=xinfang, expected_version=1)
    petition_repeat_unlink(petition=_fresh(later), actor=xinfang, expected_version=2)
    later = _fresh(later)
    assert later.repeat_of is None and later.repeat_dismissed == [first.pk]
    assert not first.repeats.exists()
    event = Event.objects.filter(case=later).order_by("-seq").first()
    assert event.before == {"repeat_of": first.ref}
    assert event.after == {"repeat_of": None, "repeat_dismissed": first.ref}
    assert _refs(later, xinfang) == []


def test_a_dismissed_proposal_is_not_proposed_again_but_may_be_confirmed(make_petition, xinfang):
    first = make_petition(**FIRST, received_at=_days_ago(40))
    later = make_petition(**PARAPHRASE)
    assert _refs(later, xinfang) == [first.ref]
    petition_repeat_unlink(petition=later, original_ref=first.ref, actor=xinfang, expected_version=1)
    later = _fresh(later)
    assert _refs(later, xinfang) == [] and later.repeat_of is None
    with pytest.raises(errors.DomainError) as again:
        petition_repeat_unlink(petition=later, original_ref=first.ref, actor=xinfang, expected_version=2)
    assert again.value.field == "original"
    petition_repeat_confirm(petition=later, original_ref=first.ref, actor=xinfang, expected_version=2)
    later = _fresh(later)
    assert later.repeat_of == first and later.repeat_dismissed == []


@pytest.mark.parametrize("which", ["self", "later", "missing"])
def test_only_an_earlier_petition_can_be_the_original(make_petition, xinfang, which):
    first = make_petition(**FIRST, received_at=_days_ago(40))
    later = make_petition(**PARAPHRASE)
    target, ref = {"self": (later, later.ref), "later": (first, later.ref), "missing": (later, "XF-0")}[which]
    with pytest.raises(errors.DomainError) as refused:
        petition_repeat_confirm(petition=target, original_ref=ref, actor=xinfang, expected_version=1)
    assert refused.value.field == "original"
    assert not Petition.objects.filter(repeat_of__isnull=False).exists()
    assert _fresh(target).version == 1


def test_confirming_the_same_link_twice_and_unlinking_nothing_are_refused(make_petition, xinfang):
    first = make_petition(**FIRST, received_at=_days_ago(40))
    later = make_petition(**PARAPHRASE)
    with pytest.raises(errors.DomainError):
        petition_repeat_unlink(petition=later, actor=xinfang, expected_version=1)
    petition_repeat_confirm(petition=later, original_ref=first.ref, actor=xinfang, expected_version=1)
    with pytest.raises(errors.DomainError):
        petition_repeat_confirm(petition=_fresh(later), original_ref=first.ref, actor=xinfang,
                                expected_version=2)
    assert _fresh(later).version == 2


def test_permissions_and_stale_versions(make_petition, xinfang, personas, hangbu_viewer):
    first = make_petition(**FIRST, received_at=_days_ago(40))
    later = make_petition(**PARAPHRASE)
    for service in (petition_repeat_confirm, petition_repeat_unlink):
        with pytest.raises(errors.NotFound):
            service(petition=later, original_ref=first.ref, actor=personas.outsider, expected_version=1)
        with pytest.raises(errors.PermissionDenied):
            service(petition=later, original_ref=first.ref, actor=hangbu_viewer, expected_version=1)
        with pytest.raises(errors.StaleEdit):
            service(petition=later, original_ref=first.ref, actor=xinfang, expected_version=7)
    later = _fresh(later)
    assert later.repeat_of is None and later.repeat_dismissed == [] and later.version == 1
    # The town's handler may link as well as the district's petition bureau.
    petition_repeat_confirm(petition=later, original_ref=first.ref, actor=personas.town_handler,
                            expected_version=1)
    assert _fresh(later).repeat_of == first


# --- API ---------------------------------------------------------------------------------


def test_api_candidates_are_masked_and_confirm_shows_on_both(make_petition, xinfang, personas):
    first = make_petition(**FIRST, received_at=_days_ago(40))
    later = make_petition(**PARAPHRASE)
    client = api_client(personas.town_handler)
    response = client.get(f"/api/v1/petitions/{later.ref}/repeat-candidates")
    assert response.status_code == 200
    [candidate] = response.json()
    assert candidate["ref"] == first.ref and candidate["score"] >= 0.35
    assert candidate["petitioner"]["masked"] is True
    assert candidate["petitioner"]["id_number"] == "330802********1238"
    assert not any(secret in response.content.decode() for secret in ("张三", ID_NUMBER, PHONE))

    response = client.post(f"/api/v1/petitions/{later.ref}/repeat",
                           {"version": 1, "original": first.ref}, content_type=JSON)
    assert response.status_code == 200, response.json()
    assert response.json()["repeat_of"] == first.ref and response.json()["repeats"] == []
    assert client.get(f"/api/v1/petitions/{first.ref}").json()["repeats"] == [later.ref]
    listed = client.get("/api/v1/petitions", {"repeat_only": "true"}).json()["items"]
    assert [i["ref"] for i in listed] == [later.ref]
    assert client.get("/api/v1/petitions", {"repeat_only": "true", "first_only": "true"}).status_code == 422

    response = client.post(f"/api/v1/petitions/{later.ref}/repeat/unlink", {"version": 2},
                           content_type=JSON)
    assert response.status_code == 200, response.json()
    assert response.json()["repeat_of"] is None
    assert client.get(f"/api/v1/petitions/{first.ref}").json()["repeats"] == []
    assert client.get(f"/api/v1/petitions/{later.ref}/repeat-candidates").json() == []


def test_api_refusals(make_petition, xinfang, personas, hangbu_viewer):
    first = make_petition(**FIRST, received_at=_days_ago(40))
    later = make_petition(**PARAPHRASE)
    outsider = api_client(personas.outsider)
    assert outsider.get(f"/api/v1/petitions/{later.ref}/repeat-candidates").status_code == 404
    assert outsider.post(f"/api/v1/petitions/{later.ref}/repeat", {"version": 1, "original": first.ref},
                         content_type=JSON).status_code == 404
    viewer = api_client(hangbu_viewer)
    assert viewer.post(f"/api/v1/petitions/{later.ref}/repeat", {"version": 1, "original": first.ref},
                       content_type=JSON).status_code == 403
    response = api_client(xinfang).post(f"/api/v1/petitions/{first.ref}/repeat",
                                        {"version": 1, "original": later.ref}, content_type=JSON)
    assert response.status_code == 400 and response.json()["field"] == "original"
    assert "晚于" in response.json()["message"]  # the service's message, translated
    assert not Petition.objects.filter(repeat_of__isnull=False).exists()
