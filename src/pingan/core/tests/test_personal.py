"""Personal data in core, for every domain: ID numbers are checked (length, characters, birth
date, GB 11643 check digit) with a clear error that never repeats the number; names, ID
numbers, phones and addresses are masked; who may read a case's people in full, and the
event each full reading leaves."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation

from pingan.core import errors
from pingan.core.models import Case, EventType, RoleName
from pingan.core.personal.access import may_view_personal_data, record_full_view
from pingan.core.personal.idcard import (
    MSG_ID_BIRTH_DATE,
    MSG_ID_CHARACTERS,
    MSG_ID_CHECK_DIGIT,
    MSG_ID_LEGACY,
    MSG_ID_LENGTH,
    check_character,
    validate_id_number,
)
from pingan.core.personal.masking import mask_address, mask_id_number, mask_name, mask_phone
from pingan.core.phones import clean_phone

TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(("raw", "normal"), [
    ("330802198001011238", "330802198001011238"),
    ("11010519491231002X", "11010519491231002X"),  # the standard's own example, check X
    ("11010519491231002x", "11010519491231002X"),  # lower-case x is the same number
    (" 3308 0219 8001 0112 38 ", "330802198001011238"),  # as read aloud in groups
    ("330802200002291235", "330802200002291235"),  # born on a leap day
    ("440524198001010013", "440524198001010013"),
])
def test_valid_id_numbers(raw, normal):
    assert validate_id_number(raw, today=TODAY) == normal


@pytest.mark.parametrize(("raw", "message"), [
    ("330802800101123", MSG_ID_LEGACY),  # 15 digits: a first-generation card
    (" 330802 800101 123 ", MSG_ID_LEGACY),  # still 15 digits once the spaces are gone
    ("33080280010112X", MSG_ID_LENGTH),  # 15 characters, not all digits: not an old card
    ("3308021980010112x3", MSG_ID_CHARACTERS),  # the X belongs at the end only
    ("33080219800101123", MSG_ID_LENGTH),  # one digit short
    ("3308021980010112389", MSG_ID_LENGTH),
    ("", MSG_ID_LENGTH),
    ("33080219800101123A", MSG_ID_CHARACTERS),
    ("3308021980O101123X", MSG_ID_CHARACTERS),  # a letter O for a zero
    ("330802198001011234", MSG_ID_CHECK_DIGIT),
    ("330802198001011283", MSG_ID_CHECK_DIGIT),  # two digits swapped
])
def test_invalid_id_numbers_say_what_is_wrong_without_repeating_the_number(raw, message):
    with pytest.raises(errors.DomainError) as caught:
        validate_id_number(raw, today=TODAY)
    assert caught.value.field == "id_number"
    with translation.override(settings.LANGUAGE_CODE):
        assert caught.value.message == str(message)
    assert raw.strip() == "" or raw[-6:] not in caught.value.message


@pytest.mark.parametrize(("birth", "valid"), [
    ("19000101", True),
    ("18991231", False),
    ("20261130", True),  # born today
    ("20261201", False),  # not born yet
    ("19800230", False),  # 30 February
    ("19990230", False),
    ("19000229", False),  # 1900 was not a leap year
    ("20000229", True),  # 2000 was
    ("19990431", False),  # 31 April
    ("19990100", False),
    ("19801301", False),
])
def test_the_birth_date_must_be_possible(birth, valid):
    # The right check digit each time: only the date decides.
    first_17 = f"330802{birth}123"
    number = first_17 + check_character(first_17)
    if valid:
        assert validate_id_number(number, today=TODAY) == number
        return
    with pytest.raises(errors.DomainError) as caught:
        validate_id_number(number, today=TODAY)
    with translation.override(settings.LANGUAGE_CODE):
        assert caught.value.message == str(MSG_ID_BIRTH_DATE)


def test_messages_are_in_chinese():
    with translation.override("zh-hans"), pytest.raises(errors.DomainError) as caught:
        validate_id_number("330802198001011234", today=TODAY)
    assert "校验码" in caught.value.message


@pytest.mark.parametrize(("function", "value", "masked"), [
    (mask_name, "张三", "张*"),
    (mask_name, "欧阳修", "欧**"),  # a compound surname keeps its first character only
    (mask_name, "司马相如", "司***"),
    (mask_name, "王", "王*"),  # one character: a star all the same, the length not told
    (mask_name, "Li", "L*"),
    (mask_name, "", ""),
    (mask_id_number, "330802198001011238", "330802********1238"),
    (mask_id_number, "11010519491231002X", "110105********002X"),
    (mask_id_number, "330802800101123", "330802*****1123"),  # 15 digits keep the same ends
    (mask_id_number, "1234567890", "**********"),  # too short to keep anything
    (mask_id_number, "", ""),
    (mask_phone, "13812345678", "138****5678"),
    (mask_phone, "0570-8123456", "057*****3456"),
    (mask_phone, "110", "*10"),
    (mask_phone, "+447911123456", "+44******3456"),  # abroad: the country code stays
    (mask_phone, "", ""),
    (mask_address, "浙江省衢州市柯城区航埠镇缪村村12号", "浙江省衢州市****"),
    (mask_address, "缪村村", "****"),
    (mask_address, "", ""),
])
def test_masking(function, value, masked):
    assert function(value) == masked


@pytest.mark.parametrize(("written", "masked"), [
    ("+86 138 1234 5678", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("0086-138-1234-5678", "138****5678"),
    ("0570 812 3456", "057****3456"),
])
def test_a_phone_is_masked_in_its_stored_form_however_it_was_written(written, masked):
    # Services store ``clean_phone``'s form; masking reads that, so +86 and spaces never shift the stars.
    assert mask_phone(clean_phone(written)) == masked


@pytest.fixture
def hazard(make_hazard):
    """A hazard in the grid worker's cell of 航埠镇, reported by them."""
    return make_hazard()


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "default", "handlers_anywhere"), [
    ("admin", True, True),  # the district's administrator
    ("town_handler", False, True),  # a handler at the town: not a unit head
    ("grid_worker", False, True),  # a handler at a grid cell: never town level or above
    ("outsider", False, False),  # another town's handler: no role over the case at all
])
def test_who_may_view_personal_data_in_full(personas, hazard, who, default, handlers_anywhere):
    user = getattr(personas, who)
    assert may_view_personal_data(user, hazard) is default
    handling = may_view_personal_data(user, hazard, least=RoleName.HANDLER, town_or_above=False)
    assert handling is handlers_anywhere


@pytest.mark.django_db
def test_the_assignee_may_view_personal_data_in_full_whatever_their_rank(personas, hazard):
    assert not may_view_personal_data(personas.outsider, hazard)
    Case.objects.filter(pk=hazard.pk).update(assignee=personas.outsider)
    hazard.refresh_from_db()
    assert may_view_personal_data(personas.outsider, hazard)


@pytest.mark.django_db
def test_a_full_view_is_an_event_and_changes_nothing_on_the_case(personas, hazard):
    version, events = hazard.version, hazard.events.count()
    record_full_view(case=hazard, actor=personas.admin, fields=("name", "phone"))
    hazard.refresh_from_db()
    assert hazard.version == version
    assert hazard.events.count() == events + 1
    viewed = hazard.events.get(type=EventType.VIEWED_PERSONAL_DATA)
    assert viewed.actor == personas.admin
    assert viewed.after == {"fields": ["name", "phone"]}
