"""Identifier normalisation: the same thing written differently is one identifier, and a
value that is no identifier of its kind is refused with a message naming kind and value."""

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from pingan.fraud.identifiers import (
    FLAG_LUHN_FAILED,
    Identifier,
    IdentifierError,
    _any_url,
    _url,
    key_normalizer,
    luhn_ok,
    normalize,
    parse_key,
    parse_kind,
    registrable_domain,
)

# (kind, as written, normal form, registrable domain)
GOOD = [
    # phones: prefixes, separators, full-width digits, landlines, service and foreign numbers
    ("phone", "13812345678", "13812345678", None),
    ("phone", "+86 138-1234-5678", "13812345678", None),
    ("phone", "0086 138 1234 5678", "13812345678", None),
    ("phone", "86-13812345678", "13812345678", None),
    ("phone", "(+86) 138.1234.5678", "13812345678", None),
    ("phone", "１３８１２３４５６７８", "13812345678", None),
    ("phone", "＋８６　１３８ １２３４ ５６７８", "13812345678", None),
    ("phone", "0570-1234567", "05701234567", None),
    ("phone", "(0570) 123 4567", "05701234567", None),
    ("phone", "+86 570 1234567", "05701234567", None),
    ("phone", "+86 (0)570 1234567", "05701234567", None),
    ("phone", "010-12345678", "01012345678", None),
    ("phone", "+86 10 1234 5678", "01012345678", None),
    ("phone", "95588", "95588", None),
    ("phone", "400-820-5555", "4008205555", None),
    ("phone", "12345", "12345", None),
    ("phone", "+63 917 123 4567", "+639171234567", None),
    ("phone", "00855 12 345 678", "+85512345678", None),
    # bank accounts: spaces and dashes go; corporate account lengths are kept
    ("bank_account", "6222 0212 3456 7890 128", "6222021234567890128", None),
    ("bank_account", "6222-0212-3456-7890-128", "6222021234567890128", None),
    ("bank_account", "６２２２０２１２３４５６７８９０１２８", "6222021234567890128", None),
    ("bank_account", "1234 5678 9012", "123456789012", None),
    ("bank_account", "33050161622700000123", "33050161622700000123", None),
    # URLs: host only, lower-cased, IDNA; registrable domain beside it
    ("url", "https://WWW.Example.com:8080/pay?utm_source=x#top", "example.com", "example.com"),
    ("url", "example.com", "example.com", "example.com"),
    ("url", "http://user:pw@Pay.Example.COM.cn/a/b", "pay.example.com.cn", "example.com.cn"),
    ("url", "a.b.shop.net.cn", "a.b.shop.net.cn", "shop.net.cn"),
    ("url", "www.zj.gov.cn", "zj.gov.cn", "zj.gov.cn"),
    ("url", "https://x.y.abc.top/?a=1", "x.y.abc.top", "abc.top"),
    ("url", "kf.abc.xyz", "kf.abc.xyz", "abc.xyz"),
    ("url", "licai.vip", "licai.vip", "licai.vip"),
    ("url", "www.abc.cc.", "abc.cc", "abc.cc"),
    ("url", "scam.github.io/login", "scam.github.io", "scam.github.io"),
    ("url", "例子.中国", "xn--fsqu00a.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s"),
    ("url", "https://支付.例子。com/", "xn--bnq875c.xn--fsqu00a.com", "xn--fsqu00a.com"),
    ("url", "http://8.8.8.8:8080/x", "8.8.8.8", None),
    ("url", "http://[2001:DB8::1]/", "2001:db8::1", None),
    # accounts: platform prefix, case-folded, phone-like handles kept like phones
    ("im_account", "WeChat: AbC_123", "wx:abc_123", None),
    ("im_account", "微信：AbC_123", "wx:abc_123", None),
    ("im_account", "  AbC_123 ", "abc_123", None),
    ("im_account", "@Scam_Bot", "scam_bot", None),
    ("im_account", "QQ:12345678", "qq:12345678", None),
    ("im_account", "tg: @Scam_Bot", "telegram:scam_bot", None),
    ("payment_account", "支付宝：+86 138 1234 5678", "alipay:13812345678", None),
    ("payment_account", "Pay@Example.COM", "pay@example.com", None),
    # apps
    ("app", "  《Xx 理财  Pro》 ", "xx 理财 pro", None),
    ("app", "ＸＸ理财", "xx理财", None),
    # devices
    ("device_id", "49-015420-323751-8", "490154203237518", None),
    ("device_id", "490154203237518", "490154203237518", None),
    ("device_id", "6D92078A-8246-4BA4-AE5B-76104861E7DC", "6d92078a-8246-4ba4-ae5b-76104861e7dc", None),
    ("device_id", "{6D92078A82464BA4AE5B76104861E7DC}", "6d92078a-8246-4ba4-ae5b-76104861e7dc", None),
    ("device_id", "9774D56D682E549C", "9774d56d682e549c", None),
    # IP addresses: private ones kept, ports dropped, mapped IPv4 unwrapped
    ("ip", "192.168.1.1", "192.168.1.1", None),
    ("ip", "1.2.3.4:8080", "1.2.3.4", None),
    ("ip", "2001:0DB8:0000::0001", "2001:db8::1", None),
    ("ip", "[2001:db8::1]:443", "2001:db8::1", None),
    ("ip", "::ffff:1.2.3.4", "1.2.3.4", None),
    # kinds by alias
    ("手机号", "13812345678", "13812345678", None),
    ("银行卡", "6222021234567890128", "6222021234567890128", None),
    ("网址", "www.example.com", "example.com", "example.com"),
]

BAD = [
    ("phone", ""),
    ("phone", "   "),
    ("phone", "abc"),
    ("phone", "1234567"),
    ("phone", "5701234567"),
    ("phone", "138123456789"),
    ("phone", "+86"),
    ("phone", "+0 123"),
    ("phone", "12"),
    ("phone", "١٣٨١٢٣٤٥٦٧٨"),  # Arabic-Indic digits: no Chinese phone is written so
    ("bank_account", "12345"),
    ("bank_account", "6222 0212 3456 7890 1280 1234"),
    ("bank_account", "6222O212345678901"),
    ("url", "localhost"),
    ("url", "http://"),
    ("url", "not a url"),
    ("url", "example..com"),
    ("url", "-bad-.com"),
    ("url", "http://[::1"),
    ("url", "123.456"),
    ("im_account", "wx:"),
    ("im_account", "two words"),
    ("app", "《》"),
    ("device_id", "490154203237519"),
    ("device_id", "12345"),
    ("device_id", "000000000000000"),
    ("device_id", "00000000-0000-0000-0000-000000000000"),
    ("ip", "192.168.001.1"),
    ("ip", "256.1.1.1"),
    ("ip", "example.com"),
]


@pytest.mark.parametrize(("kind", "raw", "value", "domain"), GOOD)
def test_good_values_normalise(kind, raw, value, domain):
    identifier = normalize(kind, raw)
    assert identifier.kind == parse_kind(kind)
    assert identifier.value == value
    assert identifier.registrable_domain == domain
    assert identifier.key == f"{identifier.kind}:{value}"
    assert key_normalizer(kind)(raw) == identifier.key  # the path files of millions of rows take


@pytest.mark.parametrize("kind", ["phone", "url", "im_account", "device_id", "ip", "bank_account"])
def test_normal_form_is_a_fixed_point(kind):
    for k, _raw, value, _domain in GOOD:
        if k == kind:
            assert normalize(kind, value).value == value


@pytest.mark.parametrize(("kind", "raw"), BAD)
def test_bad_values_are_refused_naming_kind_and_value(kind, raw):
    with translation.override("en"), pytest.raises(IdentifierError) as caught:
        normalize(kind, raw)
    error = caught.value
    assert error.kind == kind
    assert error.value == raw
    assert error.code == "bad_identifier"
    assert error.field == "identifier_value"
    assert f"“{raw}”" in error.message
    assert isinstance(error, ValueError)


def test_error_message_names_the_kind_in_words():
    with translation.override("en"), pytest.raises(IdentifierError) as caught:
        normalize("device_id", "490154203237519")
    assert caught.value.message == (
        "“490154203237519” is not a valid device ID: its last digit does not match the IMEI check digit."
    )


def test_unknown_kind_is_refused():
    with translation.override("en"), pytest.raises(IdentifierError) as caught:
        normalize("fax", "12345")
    assert caught.value.code == "bad_identifier_kind"
    assert caught.value.field == "identifier_kind"
    assert "“fax”" in caught.value.message and "phone" in caught.value.message


def test_luhn_is_a_flag_not_a_refusal():
    good = normalize("bank_account", "6222 0212 3456 7890 128")
    assert luhn_ok(good.value) and good.flags == ()
    off_by_one = normalize("bank_account", "6222 0212 3456 7890 129")
    assert off_by_one.value == "6222021234567890129"
    assert off_by_one.flags == (FLAG_LUHN_FAILED,)
    # Corporate accounts have no check digit: no flag outside card lengths.
    assert normalize("bank_account", "330501616227000001234").flags == ()


def test_identifiers_are_frozen_and_compare_by_value():
    a = normalize("phone", "+86 138 1234 5678")
    b = normalize("phone", "１３８１２３４５６７８")
    assert a == b and hash(a) == hash(b)
    assert a == Identifier("phone", "13812345678")
    with pytest.raises(AttributeError):
        a.value = "x"


def test_parse_key_reads_stoplist_entries():
    assert parse_key("phone:+86 95588").key == "phone:95588"
    assert parse_key("url:https://www.Bank.com/").key == "url:bank.com"
    assert parse_key("im_account:wx:AbC").key == "im_account:wx:abc"
    with pytest.raises(IdentifierError):
        parse_key("95588")


@pytest.mark.parametrize(("host", "expected"), [
    ("example.com", "example.com"),
    ("a.b.example.com", "example.com"),
    ("example.com.cn", "example.com.cn"),
    ("x.example.com.cn", "example.com.cn"),
    ("com.cn", None),
    ("cn", None),
    ("github.io", None),
    ("me.github.io", "me.github.io"),
    ("a.me.github.io", "me.github.io"),
    ("shop.co.uk", "shop.co.uk"),
])
def test_registrable_domain(host, expected):
    assert registrable_domain(host) == expected


@settings(max_examples=500, deadline=None)
@given(
    scheme=st.sampled_from(["", "http://", "https://", "HTTPS://"]),
    labels=st.lists(st.text(alphabet="abcXYZ019-", min_size=0, max_size=6), min_size=1, max_size=4),
    tld=st.sampled_from(["com", "cn", "com.cn", "Top", "123", "x-y", ""]),
    tail=st.sampled_from(["", "/", ".", ":8080", "/pay?utm_source=sms&id=1", "#x", ":99999/a", "?a=b"]),
)
def test_url_fast_path_agrees_with_the_general_path(scheme, labels, tld, tail):
    text = scheme + ".".join([*labels, tld]) + tail

    def outcome(read):
        try:
            return read(text, text)
        except IdentifierError as exc:
            return exc.message

    assert outcome(_url) == outcome(_any_url)
