"""Fraud identifiers in one normal form, so that the same thing written differently is one
identifier: ``+86 138-1234-5678`` and ``１３８１２３４５６７８`` are the same phone, and
``https://WWW.Example.com:8080/pay?utm_source=x`` is the host ``example.com``.

``normalize(kind, value)`` returns an :class:`Identifier` or raises :class:`IdentifierError`,
whose message names the kind and the value. Everything here is offline: no look-ups, no
downloads, no network.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext_lazy as _

from pingan.core.errors import DomainError
from pingan.core.phones import PHONE_CHARS, PhoneError, normal_phone

PHONE = "phone"
BANK_ACCOUNT = "bank_account"
PAYMENT_ACCOUNT = "payment_account"
URL = "url"
APP = "app"
IM_ACCOUNT = "im_account"
DEVICE_ID = "device_id"
IP = "ip"

KIND_LABELS = {
    PHONE: _("phone number"),
    BANK_ACCOUNT: _("bank account"),
    PAYMENT_ACCOUNT: _("payment account"),
    URL: _("URL"),
    APP: _("app"),
    IM_ACCOUNT: _("IM account"),
    DEVICE_ID: _("device ID"),
    IP: _("IP address"),
}
KINDS = tuple(KIND_LABELS)

# How analysts' exports name the kinds, besides the names above (compared case-folded).
KIND_ALIASES = {
    "mobile": PHONE, "tel": PHONE, "电话": PHONE, "手机": PHONE, "手机号": PHONE, "电话号码": PHONE,
    "bank": BANK_ACCOUNT, "card": BANK_ACCOUNT, "银行卡": BANK_ACCOUNT, "银行卡号": BANK_ACCOUNT,
    "银行账户": BANK_ACCOUNT, "银行账号": BANK_ACCOUNT,
    "payment": PAYMENT_ACCOUNT, "支付账户": PAYMENT_ACCOUNT, "支付账号": PAYMENT_ACCOUNT,
    "第三方支付账户": PAYMENT_ACCOUNT,
    "website": URL, "domain": URL, "网址": URL, "网站": URL, "域名": URL, "链接": URL,
    "应用": APP, "软件": APP,
    "im": IM_ACCOUNT, "社交账号": IM_ACCOUNT, "聊天账号": IM_ACCOUNT, "即时通讯账号": IM_ACCOUNT,
    "device": DEVICE_ID, "imei": DEVICE_ID, "idfa": DEVICE_ID, "设备号": DEVICE_ID,
    "设备标识": DEVICE_ID,
    "ip_address": IP, "ip地址": IP,
}

MSG_BAD_IDENTIFIER = _("“{value}” is not a valid {kind}: {reason}")
MSG_UNKNOWN_KIND = _("Unknown identifier kind “{value}”; use one of: {choices}.")
REASON_EMPTY = _("it is empty.")
REASON_BANK = _("expected {low} to {high} digits.")
REASON_URL = _("no host name or IP address could be read from it.")
REASON_ACCOUNT = _("it must not contain spaces inside.")
REASON_DEVICE = _(
    "expected a 15-digit IMEI, a UUID such as an IDFA, or a 16-hex-digit Android ID."
)
REASON_IMEI_CHECK = _("its last digit does not match the IMEI check digit.")
REASON_PLACEHOLDER = _("it is a placeholder (all zeros), not a device's own ID.")
REASON_IP = _("expected an IPv4 or IPv6 address.")
REASON_TOO_LONG = _("longer than {limit} characters.")

# Bank cards are 16-19 digits (Luhn-checked), but transfer targets also include corporate
# accounts, which have no check digit and run from 12 digits (Bank of China) to 20 (CCB)
# and 21 (Bank of Communications): refusing those would lose links.
BANK_ACCOUNT_DIGITS = (12, 21)
CARD_DIGITS = (16, 19)
FLAG_LUHN_FAILED = "luhn_failed"
MAX_LENGTH = 200


class IdentifierError(DomainError, ValueError):
    """A value that is not an identifier of its kind (or a kind that does not exist)."""

    code = "bad_identifier"

    def __init__(self, message: object, *, kind: str | None, value: str, field: str = "identifier_value",
                 code: str | None = None):
        super().__init__(str(message), code=code, field=field)
        self.kind = kind
        self.value = value


def _bad(kind: str, value: str, reason: object, **params: object) -> IdentifierError:
    reason = str(reason).format(**params)
    return IdentifierError(MSG_BAD_IDENTIFIER.format(value=value, kind=KIND_LABELS[kind], reason=reason),
                           kind=kind, value=value)


@dataclass(frozen=True, slots=True)
class Identifier:
    """One identifier in normal form. ``registrable_domain`` is set for URLs on a domain name
    (``pay.example.com.cn`` → ``example.com.cn``); ``flags`` holds warnings that do not make
    the value wrong (``luhn_failed``: a card-length bank number whose check digit is off)."""

    kind: str
    value: str
    registrable_domain: str | None = None
    flags: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """One string per identifier (``phone:13812345678``), for linking and stoplists."""
        return f"{self.kind}:{self.value}"


def parse_kind(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).strip().casefold()
    kind = folded if folded in KIND_LABELS else KIND_ALIASES.get(folded.replace(" ", ""))
    if kind is None:
        raise IdentifierError(MSG_UNKNOWN_KIND.format(value=text, choices=", ".join(KINDS)), kind=None,
                              value=text, field="identifier_kind", code="bad_identifier_kind")
    return kind


def normalize(kind: str, value: str) -> Identifier:
    """``value`` of ``kind`` (one of ``KINDS``, or an alias) in normal form."""
    kind = parse_kind(kind)
    normal = _normal_form(kind, value)
    if kind == URL:
        is_address = ":" in normal or normal.rpartition(".")[2].isdigit()
        return Identifier(kind, normal, registrable_domain=None if is_address else registrable_domain(normal))
    # Many genuine Chinese cards fail Luhn (older UnionPay ranges, some rural banks), so a
    # failed check only flags the value for a second look; it is never a reason to refuse.
    if kind == BANK_ACCOUNT and CARD_DIGITS[0] <= len(normal) <= CARD_DIGITS[1] and not luhn_ok(normal):
        return Identifier(kind, normal, flags=(FLAG_LUHN_FAILED,))
    return Identifier(kind, normal)


def key_normalizer(kind: str) -> Callable[[str], str]:
    """For files of millions of rows: a function from a value of ``kind`` to the key of its
    normal form (``Identifier.key``), the kind looked up once and nothing else computed."""
    kind = parse_kind(kind)
    prefix = f"{kind}:"
    return lambda value: prefix + _normal_form(kind, value)


def _normal_form(kind: str, value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise _bad(kind, value, REASON_EMPTY)
    if len(text) > MAX_LENGTH:
        raise _bad(kind, value[:40] + "…", REASON_TOO_LONG, limit=MAX_LENGTH)
    return _NORMALIZERS[kind](text, value)


def parse_key(key: str) -> Identifier:
    """An identifier written as ``kind:value`` (a stoplist line, a setting), normalised."""
    kind, _sep, value = key.partition(":")
    return normalize(kind, value)


# Luhn doubles every second digit from the right, subtracting 9 above 9.
_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_ok(digits: str) -> bool:
    doubled = digits[-2::-2].translate(_DOUBLED)
    return (sum(map(int, digits[-1::-2])) + sum(map(int, doubled))) % 10 == 0


# ---------------------------------------------------------------------------
# Phones
# ---------------------------------------------------------------------------

def _phone(text: str, raw: str) -> str:
    try:
        return normal_phone(text)
    except PhoneError as exc:
        raise _bad(PHONE, raw, exc.reason) from None


# ---------------------------------------------------------------------------
# Bank and payment accounts, IM accounts
# ---------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-]+")


def _bank_account(text: str, raw: str) -> str:
    digits = _SEPARATORS.sub("", text)
    low, high = BANK_ACCOUNT_DIGITS
    if not (digits.isascii() and digits.isdigit() and low <= len(digits) <= high):
        raise _bad(BANK_ACCOUNT, raw, REASON_BANK, low=low, high=high)
    return digits


# Platform prefixes as people write them (``wx:abc``, ``微信：abc``), to one short name. The
# same handle on two platforms is two accounts, so the platform stays part of the value; a
# handle written without one is kept without one.
PLATFORMS = {
    "wx": "wx", "wechat": "wx", "weixin": "wx", "微信": "wx",
    "qq": "qq",
    "alipay": "alipay", "zfb": "alipay", "支付宝": "alipay",
    "wxpay": "wxpay", "wechatpay": "wxpay", "微信支付": "wxpay",
    "dy": "douyin", "douyin": "douyin", "抖音": "douyin",
    "tg": "telegram", "telegram": "telegram",
    "whatsapp": "whatsapp", "line": "line", "skype": "skype",
    "email": "email", "mail": "email", "邮箱": "email",
}
_PLATFORM_PREFIX = re.compile(r"(?P<platform>[^\s:]{1,12})\s*:\s*(?P<handle>.*)")


def _account(kind: str) -> Callable[[str, str], str]:
    def normalize_account(text: str, raw: str) -> str:
        platform = ""
        handle = text
        match = _PLATFORM_PREFIX.fullmatch(text)
        if match and match["platform"].casefold() in PLATFORMS:
            platform = PLATFORMS[match["platform"].casefold()]
            handle = match["handle"]
        handle = handle.strip().removeprefix("@").casefold()
        if not handle:
            raise _bad(kind, raw, REASON_EMPTY)
        if PHONE_CHARS.fullmatch(handle):
            # Accounts are very often a phone number: however it is written, it is kept the
            # way the phone is (a QQ number is left as it is: it is no phone number).
            with suppress(IdentifierError):
                handle = _phone(handle, raw)
        if any(c.isspace() for c in handle):
            raise _bad(kind, raw, REASON_ACCOUNT)
        return f"{platform}:{handle}" if platform else handle

    return normalize_account


# ---------------------------------------------------------------------------
# URLs and domains
# ---------------------------------------------------------------------------

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*://", re.IGNORECASE)

# Suffixes under which each next label belongs to a different registrant, beyond the top-level
# domains themselves (every TLD is one). A small, hand-kept extract of the Public Suffix List
# (publicsuffix.org) for the names Chinese fraud cases show: China's second levels and
# provinces, the common foreign second levels, and the free hosting platforms where each
# sub-domain is someone else's site. Limits: it is not the full list (about 10,000 rules),
# so an unlisted multi-label suffix (``gov.br``, ``ac.kr``…) is taken for a registrable name
# one level too high; wildcard and exception rules are not modelled. Add suffixes here when
# cases show them.
MULTI_LABEL_SUFFIXES = frozenset({
    # China (CNNIC): categories and provinces
    "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn", "mil.cn",
    "ah.cn", "bj.cn", "cq.cn", "fj.cn", "gd.cn", "gs.cn", "gx.cn", "gz.cn", "ha.cn", "hb.cn",
    "he.cn", "hi.cn", "hk.cn", "hl.cn", "hn.cn", "jl.cn", "js.cn", "jx.cn", "ln.cn", "mo.cn",
    "nm.cn", "nx.cn", "qh.cn", "sc.cn", "sd.cn", "sh.cn", "sn.cn", "sx.cn", "tj.cn", "tw.cn",
    "xj.cn", "xz.cn", "yn.cn", "zj.cn",
    # Hong Kong, Macao, Taiwan and common foreign second levels
    "com.hk", "net.hk", "org.hk", "gov.hk", "edu.hk", "com.mo", "com.tw", "net.tw", "org.tw",
    "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.jp", "ne.jp",
    "or.jp", "co.kr", "or.kr", "com.sg", "com.my", "com.ph", "com.vn", "co.th", "in.th",
    "com.kh", "com.mm", "co.id", "co.in", "co.nz", "com.br", "com.tr", "com.ru",
    # Hosting platforms: every sub-domain is a different site (the PSL's private section)
    "github.io", "gitee.io", "blogspot.com", "herokuapp.com", "vercel.app", "netlify.app",
    "pages.dev", "workers.dev", "web.app", "firebaseapp.com", "azurewebsites.net",
    "cloudfront.net", "appspot.com", "wixsite.com", "weebly.com", "ngrok.io", "ngrok-free.app",
})


def registrable_domain(host: str) -> str | None:
    """The name a registrant holds (``a.b.example.com.cn`` → ``example.com.cn``), from
    ``MULTI_LABEL_SUFFIXES`` and the rule that every top-level domain is a public suffix;
    ``None`` when ``host`` is itself a public suffix or an IP address."""
    labels = host.split(".")
    for take in (3, 2):
        if len(labels) > take and ".".join(labels[-take:]) in MULTI_LABEL_SUFFIXES:
            return ".".join(labels[-take - 1:])
    if len(labels) >= 2 and ".".join(labels[-2:]) not in MULTI_LABEL_SUFFIXES:
        return ".".join(labels[-2:])
    return None


# The common case, an ASCII host name with perhaps a scheme, port, path and query, read
# without urlsplit, ipaddress and the idna codec (which for ASCII labels only checks lengths,
# as _LABEL does): a third of the time. Anything else takes the general path.
_PLAIN_URL = re.compile(r"(?:https?://)?(?P<host>[A-Za-z0-9.-]+?)\.?(?::\d{1,5})?(?:[/?#].*)?",
                        re.DOTALL | re.IGNORECASE)


def _url(text: str, raw: str) -> str:
    match = _PLAIN_URL.fullmatch(text)
    if match and not match["host"].rpartition(".")[2].isdigit():
        return _domain(match["host"].lower().split("."), raw)
    return _any_url(text, raw)


def _any_url(text: str, raw: str) -> str:
    # An ideographic full stop (。) between labels is what a Chinese keyboard types for ".".
    text = text.replace("。", ".").replace("\\", "/")
    with suppress(ValueError):
        return ipaddress.ip_address(text).compressed  # a bare IPv6 address
    try:
        parts = urlsplit(text if _SCHEME.match(text) else "//" + text.removeprefix("//"))
        host = parts.hostname
    except ValueError:
        host = None
    if not host:
        raise _bad(URL, raw, REASON_URL)
    host = host.removesuffix(".")  # the root label (example.com.), once
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return address.compressed
    try:
        # Per label, so that an over-long label or a stray character is an error here and not
        # an encoding quirk; the idna codec also lower-cases and maps (IDNA 2003).
        labels = [label.encode("idna").decode("ascii").lower() for label in host.split(".")]
    except UnicodeError:
        raise _bad(URL, raw, REASON_URL) from None
    return _domain(labels, raw)


def _domain(labels: list[str], raw: str) -> str:
    if labels[0] == "www" and len(labels) > 2:
        labels = labels[1:]
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        raise _bad(URL, raw, REASON_URL)
    host = ".".join(labels)
    if len(host) > 253:
        raise _bad(URL, raw, REASON_URL)
    return host


# ---------------------------------------------------------------------------
# Apps, devices, IP addresses
# ---------------------------------------------------------------------------

_QUOTES = "《》「」『』“”‘’\"'<>"


def _app(text: str, raw: str) -> str:
    name = " ".join(text.strip(_QUOTES).split()).casefold()
    if not name:
        raise _bad(APP, raw, REASON_EMPTY)
    return name


_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
_ANDROID_ID = re.compile(r"[0-9a-f]{16}")


def _device_id(text: str, raw: str) -> str:
    compact = _SEPARATORS.sub("", text).casefold()
    if compact.isascii() and compact.isdigit() and len(compact) == 15:
        if not luhn_ok(compact):
            raise _bad(DEVICE_ID, raw, REASON_IMEI_CHECK)
        value = compact
    elif _UUID.fullmatch(text.strip("{}").casefold()):
        h = text.strip("{}").casefold().replace("-", "")
        value = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    elif _ANDROID_ID.fullmatch(compact):
        value = compact
    else:
        raise _bad(DEVICE_ID, raw, REASON_DEVICE)
    # iOS reports an all-zero IDFA when tracking is limited, and test devices an all-zero
    # IMEI: as identifiers they would join every such case into one ring.
    if not value.strip("0-"):
        raise _bad(DEVICE_ID, raw, REASON_PLACEHOLDER)
    return value


_BRACKETED_V6 = re.compile(r"\[(?P<address>[^\]]+)\](?::\d+)?")
_V4_PORT = re.compile(r"(?P<address>\d{1,3}(?:\.\d{1,3}){3}):\d+")


def _ip(text: str, raw: str) -> str:
    match = _BRACKETED_V6.fullmatch(text) or _V4_PORT.fullmatch(text)
    try:
        address = ipaddress.ip_address(match["address"] if match else text)
    except ValueError:
        # Also refuses IPv4 octets with leading zeros, which some tools read as octal.
        raise _bad(IP, raw, REASON_IP) from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    # Private and reserved addresses are kept: a case file records what the victim's phone
    # or the bank saw, and a LAN address shared by two cases is still a shared fact.
    return address.compressed


_NORMALIZERS = {
    PHONE: _phone,
    BANK_ACCOUNT: _bank_account,
    PAYMENT_ACCOUNT: _account(PAYMENT_ACCOUNT),
    URL: _url,
    APP: _app,
    IM_ACCOUNT: _account(IM_ACCOUNT),
    DEVICE_ID: _device_id,
    IP: _ip,
}


# ---------------------------------------------------------------------------
# Whole columns at once
# ---------------------------------------------------------------------------
#
# A case file of 10⁷ rows holds millions of distinct identifier strings, and the per-value
# functions above cost 5 to 25 µs each in Python. Most values are written in a few plain ways
# (11 digits, a card number in groups of four, a URL with a scheme and a path), which regular
# expressions over an Arrow column (RE2, in C++) take in one pass for all of them. Each fast
# path below only ever *accepts*: it is written for a subset of inputs on which it provably
# gives what ``_normal_form`` gives, and every value outside that subset — and every value
# that may be wrong — goes to ``_normal_form`` itself, which also writes the error messages.
# test_link_command.py holds the fast paths to that on generated values of every kind.

# Characters whose NFKC form Arrow (utf8proc) and Python compute alike: printable ASCII (its
# own form), the full-width forms of it (U+FF01–FF5E, each one ASCII character) and the CJK
# unified ideographs (no decomposition). A value of other characters takes the slow path.
_VECTOR_SAFE = r"^[\x20-\x7e\x{ff01}-\x{ff5e}\x{4e00}-\x{9fff}]*$"
_ASCII_OR_CJK = re.compile(r"[\x20-\x7e\u4e00-\u9fff]+")
_NULL = pa.scalar(None, pa.string())
_LABEL_RE2 = r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?"
_IPV4_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"


def _where(mask: pa.Array, values: pa.Array) -> pa.Array:
    return pc.if_else(mask, values, _NULL)


def _matches(text: pa.Array, pattern: str) -> pa.Array:
    return pc.fill_null(pc.match_substring_regex(text, pattern), False)


def _on(mask: pa.Array, text: pa.Array, fast: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``fast`` over the values where ``mask`` is set (null elsewhere): each pass over a
    column costs, so the plainest values are taken first and the rest passed on."""
    chosen = pc.sum(mask).as_py() or 0
    if chosen == len(text):
        return fast(text)
    if not chosen:
        return pa.nulls(len(text), pa.string())
    return pc.replace_with_mask(pa.nulls(len(text), pa.string()), mask, fast(text.filter(mask)))


def _without(text: pa.Array, characters: str) -> pa.Array:
    for character in characters:
        text = pc.replace_substring(text, character, "")
    return text


def _fast_phone(text: pa.Array) -> pa.Array:
    # A mobile, perhaps after +86, 0086 or 86, with spaces or dashes: normal_phone keeps the
    # last eleven digits (see its prefix rules). Landlines, service and foreign numbers do not
    # come here.
    def written(text: pa.Array) -> pa.Array:
        plain = _matches(text, r"^(?:\+86|0086|86)?[ \-]*1[3-9][0-9](?:[ \-]*[0-9]){8}$")
        return _where(plain, pc.utf8_slice_codeunits(_without(text, " -+"), -11))

    mobile = _matches(text, "^1[3-9][0-9]{9}$")
    return pc.if_else(mobile, text, _on(pc.invert(mobile), text, written))


def _fast_bank_account(text: pa.Array) -> pa.Array:
    digits = _without(text, " -")
    low, high = BANK_ACCOUNT_DIGITS
    return _where(_matches(digits, f"^[0-9]{{{low},{high}}}$"), digits)


def _fast_url(text: pa.Array) -> pa.Array:
    # _PLAIN_URL's host, then _domain's checks on it; a last label of digits (an IPv4 host)
    # is left to the slow path, as _url does. _PLAIN_URL's host is the shortest that leaves
    # one optional dot, a port and a path: as the path may be anything, matching up to where
    # it starts is enough, and the host is then the longest run of host characters ending in
    # no dot (RE2 extracts that in half the time).
    parts = pc.extract_regex(text, r"^(?i:https?://)?(?P<host>[A-Za-z0-9.\-]*[A-Za-z0-9\-])\.?"
                                   r"(?::[0-9]{1,5})?(?:[/?#]|$)")
    host = pc.ascii_lower(pc.struct_field(parts, "host"))
    www = _matches(host, r"^www\.[^.]*\.")
    host = pc.if_else(www, pc.utf8_slice_codeunits(host, 4), host)
    good = pc.and_(_matches(host, f"^{_LABEL_RE2}(?:\\.{_LABEL_RE2})+$"),
                   pc.invert(_matches(host, r"\.[0-9]+$")))
    return _where(pc.and_(good, pc.less_equal(pc.utf8_length(host), 253)), host)


_FAST_PLATFORMS = pa.array(sorted(name for name in PLATFORMS if _ASCII_OR_CJK.fullmatch(name)))
_FAST_PLATFORM_NAMES = pa.array([PLATFORMS[name] for name in _FAST_PLATFORMS.to_pylist()])


def _fast_account(text: pa.Array) -> pa.Array:
    # No colon: the whole value is the handle. A colon after a platform name: the platform,
    # then the handle. Handles that look like a phone number, hold spaces, or are empty once
    # an "@" is taken off go the slow way, as does any other colon.
    def prefixed(text: pa.Array) -> pa.Array:
        parts = pc.extract_regex(text, r"^(?P<platform>[A-Za-z\x{4e00}-\x{9fff}]{1,12}) *: *"
                                       r"(?P<handle>[!-~]+)$")
        platform = pc.index_in(pc.ascii_lower(pc.struct_field(parts, "platform")), value_set=_FAST_PLATFORMS)
        handle = handled(pc.struct_field(parts, "handle"))
        return pc.binary_join_element_wise(pc.take(_FAST_PLATFORM_NAMES, platform), handle, ":")

    def handled(handle: pa.Array) -> pa.Array:
        handle = pc.if_else(pc.starts_with(handle, "@"), pc.utf8_slice_codeunits(handle, 1), handle)
        good = pc.and_(_matches(handle, "^[!-~]+$"), pc.invert(_matches(handle, r"^[+0-9 \-().]+$")))
        return _where(good, pc.ascii_lower(handle))

    colon = _matches(text, ":")
    return pc.if_else(colon, _on(colon, text, prefixed), handled(text))


def _fast_device_id(text: pa.Array) -> pa.Array:
    # IMEIs: fifteen digits that pass the check digit and are not all zeros.
    compact = _without(text, " -")
    imei = pc.and_(_matches(compact, "^[0-9]{15}$"), pc.invert(_matches(compact, "^0+$")))
    checked = np.zeros(len(text), dtype=bool)
    positions = np.flatnonzero(imei.to_numpy(zero_copy_only=False))
    if len(positions):
        digits = np.frombuffer("".join(compact.take(positions).to_pylist()).encode(), dtype=np.uint8)
        digits = digits.reshape(-1, 15).astype(np.int64) - ord("0")
        doubled = digits[:, -2::-2] * 2
        total = digits[:, -1::-2].sum(axis=1) + (doubled - 9 * (doubled > 9)).sum(axis=1)
        checked[positions] = total % 10 == 0
    return _where(pa.array(checked), compact)


def _fast_ip(text: pa.Array) -> pa.Array:
    # A dotted IPv4 address without leading zeros is its own compressed form.
    return _where(_matches(text, f"^(?:{_IPV4_OCTET}\\.){{3}}{_IPV4_OCTET}$"), text)


def _fast_app(text: pa.Array) -> pa.Array:
    # Single spaces inside, none at the ends, no quotes at the ends: only the case changes
    # (casefold of ASCII is lower-casing; CJK ideographs have no case).
    char = r"[!-~\x{4e00}-\x{9fff}]"
    good = pc.and_(_matches(text, f"^{char}(?:{char}| {char})*$"),
                   pc.invert(_matches(text, r"^[\"'<>]|[\"'<>]$")))
    return _where(good, pc.ascii_lower(text))


_FAST = {
    PHONE: _fast_phone,
    BANK_ACCOUNT: _fast_bank_account,
    PAYMENT_ACCOUNT: _fast_account,
    URL: _fast_url,
    APP: _fast_app,
    IM_ACCOUNT: _fast_account,
    DEVICE_ID: _fast_device_id,
    IP: _fast_ip,
}


def normalize_keys(kind: str, values: pa.Array, *,
                   slow: Callable[[str], str] | None = None) -> tuple[pa.Array, dict[int, str]]:
    """``key_normalizer(kind)`` over a column: the keys (null where a value is no identifier)
    and the error message of each such value by position. ``slow`` is the per-value function
    for what the fast paths leave (a cached ``key_normalizer(kind)``, say)."""
    kind = parse_kind(kind)
    slow = slow or key_normalizer(kind)
    values = values.cast(pa.string())
    short = pc.less_equal(pc.utf8_length(values), MAX_LENGTH)
    plain = pc.and_(pc.string_is_ascii(values), short)
    wide = pc.and_(pc.invert(plain), pc.and_(short, _matches(values, _VECTOR_SAFE)))
    text = pc.if_else(wide, _on(wide, values, lambda text: pc.utf8_normalize(text, "NFKC")), values)
    normal = _on(pc.or_(plain, wide), text, _FAST[kind])
    keys = pc.binary_join_element_wise(pa.scalar(f"{kind}:"), normal, "")
    left = pc.is_null(keys)
    errors: dict[int, str] = {}
    if pc.any(left).as_py():
        positions = np.flatnonzero(left.to_numpy(zero_copy_only=False))
        found: list[str | None] = []
        for position, value in zip(positions.tolist(), values.take(positions).to_pylist(), strict=True):
            try:
                found.append(slow(value))
            except IdentifierError as exc:
                found.append(None)
                errors[position] = str(exc)
        keys = pc.replace_with_mask(keys, left, pa.array(found, pa.string()))
    return keys, errors
