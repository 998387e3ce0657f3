"""ID numbers are checked (length, characters, birth date, GB 11643 check digit) with a clear
error that never repeats the number; names, ID numbers, phones and addresses are masked."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation

from pingan.core import errors
from pingan.petitions.idcard import (
    MSG_ID_BIRTH_DATE,
    MSG_ID_CHARACTERS,
    MSG_ID_CHECK_DIGIT,
    MSG_ID_LEGACY,
    MSG_ID_LENGTH,
    check_character,
    validate_id_number,
)
from pingan.petitions.masking import mask_address, mask_id_number, mask_name, mask_phone

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
    (mask_name, "欧阳修", "欧**"),
    (mask_name, "王", "王*"),
    (mask_name, "", ""),
    (mask_id_number, "330802198001011238", "330802********1238"),
    (mask_id_number, "", ""),
    (mask_phone, "13812345678", "138****5678"),
    (mask_phone, "0570-8123456", "057*****3456"),
    (mask_phone, "110", "*10"),
    (mask_phone, "", ""),
    (mask_address, "浙江省衢州市柯城区航埠镇缪村村12号", "浙江省衢州市****"),
    (mask_address, "缪村村", "****"),
    (mask_address, "", ""),
])
def test_masking(function, value, masked):
    assert function(value) == masked


@pytest.mark.django_db
@pytest.mark.parametrize(("written", "stored"), [
    ("138-1234-5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),  # full-width digits
    ("0570-3012345", "05703012345"),
    ("", ""),
])
def test_phones_are_stored_in_one_form(make_petition, written, stored):
    assert make_petition(phone=written).petitioner_phone == stored


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["3019876", "138-1234-567x", "12345678901234567"])
def test_a_bad_phone_is_refused_without_repeating_it(make_petition, bad):
    with pytest.raises(errors.DomainError) as caught:
        make_petition(phone=bad)
    assert caught.value.field == "phone"
    assert bad not in caught.value.message and bad[-4:] not in caught.value.message
