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
