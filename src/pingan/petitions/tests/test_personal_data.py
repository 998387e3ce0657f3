"""A petitioner's phone is stored in one form, and a bad one is refused without being
repeated. The generic checks and masks are tested in ``core/tests/test_personal.py``."""

import pytest

from pingan.core import errors


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
