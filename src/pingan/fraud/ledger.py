"""The fraud case ledger (电信网络诈骗案件台账) as a spreadsheet: import from .xlsx (or .csv),
export to .xlsx.

A police ledger has one row per case: its number, the report and occurrence dates, the place
(属地单位, by name or code), the scam type, the loss and the amount recovered, the victims and
the identifiers the victim gave — 涉案电话, 银行账号, 支付账号, 网址, 涉案APP, 社交账号, 设备号,
IP地址. An identifier cell may hold several values: one a line, or separated by 、 , or ;.

Victims are read side by side, as a ledger with one row per case writes them: 受害人 holds the
names separated by 、, and 受害人身份证号, 受害人电话 and 受害人年龄 hold theirs in the same
order (``王建华、李秀英`` with ``68、`` is 王建华, 68, and 李秀英 of no recorded age). Most cases
have one victim and these are plain cells.

Import reads Chinese headers and their synonyms, labels or stored keys for the scam type,
amounts written as numbers, ``12,000.50元`` or ``1.2万`` (or under a header in 万元), and
``pingan.core.ledger`` reads the file and cleans the cells. Every identifier value is
checked as the services check it, so a cell with two bad values names both; then each row
goes through ``fraud_case_record``, as if an officer had entered it: the same normal forms,
scam types, amount and date rules, scope — and the case joins its ring, merging the rings it
bridges, so two rows sharing a bank account end in one ring. A few rows join their rings one
by one; from ``BULK_LINK_ROWS`` new rows on, the rings are recomputed once after the last row
(in the same transaction), which is quicker than relinking around every row. The case is recorded
as of its report date. All rows are written in one transaction, each in a savepoint so that a
row the services refuse is reported and the next row still checked; if any cell is bad,
nothing is written and the result lists every bad cell (row, column, message; a victim's
details are never repeated). A row whose reference (外部编号, else 编号) names a case already in
Pingan is left unchanged, so importing a file again adds and changes nothing.

Not imported: the status (a case's steps are taken in Pingan), and what Pingan computes — the
amount band and the ring, which the export adds.

Export writes the cases a user sees, with the import's columns plus 数额档次, 状态 and 串并案号
(the ring as the user is shown it: none for a ring reaching beyond their area). Victims are
masked for everyone (王**, 330802********1234, 139****0111); ``full=True`` writes them in
full, only for a user who may see every exported case's victims in full
(``may_view_victims``), and reads each case's victims through ``fraud_victims_full``, so each
is logged like a full view on the case's page. A full export imports again; a masked one is
refused, since masked details are no one's.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import Field, TypeAdapter, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from pingan.core import errors
from pingan.core.ledger import (
    EXTERNAL_REF_HEADERS,
    LOOKUP_BATCH,
    MSG_REQUIRED,
    REF_HEADERS,
    UNIT_CODE_HEADERS,
    UNIT_NAME_HEADERS,
    Choices,
    Column,
    KeyedRow,
    Layout,
    LedgerImport,
    Progress,
    RowChecks,
    RowError,
    RowRefused,
    Sheet,
    clean_code,
    clean_line,
    clean_moment,
    clean_text,
    file_name,
    invalid,
    local_day,
    no_progress,
    plain,
    read_rows,
    refuse_long_number,
    split_values,
    squash,
    write_in_full,
    write_workbook,
    zh_labels,
)
from pingan.core.models import Unit
from pingan.fraud.identifiers import (
    APP,
    BANK_ACCOUNT,
    DEVICE_ID,
    IM_ACCOUNT,
    IP,
    KINDS,
    PAYMENT_ACCOUNT,
    PHONE,
    URL,
)
from pingan.fraud.models import (
    KIND,
    AmountBand,
    CaseIdentifier,
    FraudCase,
    Ring,
    ScamType,
    Status,
    Victim,
    scam_type_choices,
)
from pingan.fraud.selectors import (
    FraudCaseFilters,
    VictimView,
    fraud_case_list,
    may_view_victims,
    victims_of,
)
from pingan.fraud.services import (
    MSG_BAD_AMOUNT,
    MSG_VICTIM_AGE,
    VictimIn,
    fraud_case_record,
    fraud_victims_full,
    normalise_identifiers,
    rings_recompute,
)

MSG_NO_KEY = _(
    "Give the row a case number (外部编号 or 案件编号, else Pingan's 编号), so that importing the "
    "file again skips the case instead of adding it twice."
)
MSG_REF_TAKEN = _("The case number “{value}” is already used by a case outside your area.")
MSG_MASKED = _("This is masked (it has *): import a ledger exported with the victims' details in full.")
MSG_VICTIM_COUNT = _(
    "{count} value(s) here for {victims} victim(s) in {column}: give them in the same order, "
    "separated by 、, leaving a victim's place empty where there is nothing (、13800000001)."
)
MSG_NTH_VICTIM = _("Victim {n}: {message}")
MSG_LINKED = _("{linked} of the new cases in a ring.")
MSG_FULL_EXPORT_REFUSED = _(
    "Your role shows the victims of {count} of these cases masked (for example {refs}): export them "
    "masked, or narrow the list to cases whose victims you may see in full."
)

SHEET_TITLE = "电信网络诈骗案件台账"
# How the export joins several victims' details, and several identifiers of a kind (one a
# line: no normal form holds a line break, so every value comes back whole).
VICTIM_JOIN = "、"
IDENTIFIER_JOIN = "\n"
WAN = Decimal(10_000)
# From this many new rows on, one recompute of every ring after the last row beats relinking
# the rings around each row, for up to 30,000–50,000 stored cases (bench/bench_fraud_import.py).
BULK_LINK_ROWS = 200


# ---------------------------------------------------------------------------
# Columns: one table for the export's headers and the import's synonyms.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """An exported row: the case, its victims as the reader may see them, its identifiers'
    normal forms by kind."""

    case: FraudCase
    victims: list[VictimView]
    identifiers: dict[str, list[str]]


def _label(name: str, attribute: str) -> Any:
    def value(line: _Line, labels: Any) -> str:
        stored = getattr(line.case, attribute)
        return labels[name].get(stored, stored) if stored else ""
    return value


def _victims(attribute: str) -> Any:
    def value(line: _Line, labels: Any) -> Any:
        values = [getattr(victim, attribute) for victim in line.victims]
        if attribute == "age" and len(values) == 1:
            return values[0]  # a number Excel can sum and sort
        texts = ["" if v is None else str(v) for v in values]
        return VICTIM_JOIN.join(texts) if any(texts) else ""
    return value


def _identifiers(kind: str) -> Any:
    return lambda line, labels: IDENTIFIER_JOIN.join(line.identifiers.get(kind, []))


def _amount(attribute: str) -> Any:
    # A number, so that a sheet of losses adds up; whole yuan without their ".00".
    return lambda line, labels: float(getattr(line.case, attribute))


COLUMNS: tuple[Column, ...] = (
    Column("ref", "编号", REF_HEADERS, 16, value=lambda ln, lb: ln.case.ref),
    Column("external_ref", "外部编号", ("案件编号", "案件号", "警情编号", "接警编号", "报警编号", "受案编号",
                                      "立案编号", *EXTERNAL_REF_HEADERS), 18,
           value=lambda ln, lb: ln.case.external_ref or ""),
    Column("reported_on", "报案日期", ("报案时间", "接报日期", "接报时间", "报警日期", "报警时间", "接警日期",
                                      "接警时间", "受案日期", "受案时间", "reportedon"), 12,
           value=lambda ln, lb: ln.case.reported_on),
    Column("occurred_on", "发案日期", ("发案时间", "案发日期", "案发时间", "被骗日期", "被骗时间",
                                      "occurredon"), 12,
           value=lambda ln, lb: ln.case.occurred_on),
    Column("unit_name", "属地单位", ("发案地", "案发地", "管辖单位", *UNIT_NAME_HEADERS), 18,
           value=lambda ln, lb: ln.case.unit.name),
    Column("unit_code", "单位代码", UNIT_CODE_HEADERS, 16, value=lambda ln, lb: ln.case.unit.code),
    Column("scam_type", "诈骗类型", ("诈骗手法", "作案手法", "案件类型", "案件类别", "诈骗类别", "案件性质",
                                    "类型", "scamtype"), 14,
           value=_label("scam_type", "category")),
    Column("loss", "损失金额(元)", ("损失金额", "被骗金额", "涉案金额", "损失", "案值", "loss"), 14,
           value=_amount("loss")),
    Column("recovered", "挽回金额(元)", ("挽回金额", "挽损金额", "挽回损失", "返还金额", "recovered"), 14,
           value=_amount("recovered")),
    Column("band", "数额档次", width=12, imported=False, value=_label("band", "band")),
    Column("victim_names", "受害人", ("受害人姓名", "被害人", "被害人姓名", "事主", "事主姓名",
                                      "victims"), 12,
           private=True, value=_victims("name")),
    Column("victim_id_numbers", "受害人身份证号", ("身份证号", "身份证号码", "公民身份号码", "证件号码",
                                                  "受害人身份证号码", "被害人身份证号",
                                                  "victimidnumbers"), 20,
           private=True, value=_victims("id_number")),
    Column("victim_phones", "受害人电话", ("受害人联系电话", "受害人手机号", "被害人电话", "被害人联系电话",
                                          "事主电话", "联系电话", "victimphones"), 14,
           private=True, value=_victims("phone")),
    Column("victim_ages", "受害人年龄", ("年龄", "被害人年龄", "事主年龄", "victimages"), 10,
           private=True, value=_victims("age")),
    Column(PHONE, "涉案电话", ("涉案号码", "涉案手机号", "嫌疑人电话", "嫌疑电话", "诈骗电话", "对方电话",
                               "phone"), 16,
           value=_identifiers(PHONE)),
    Column(BANK_ACCOUNT, "银行账号", ("涉案银行账号", "涉案银行卡号", "涉案账户", "银行卡号", "收款账号",
                                      "收款银行卡号", "bankaccount"), 22,
           value=_identifiers(BANK_ACCOUNT)),
    Column(PAYMENT_ACCOUNT, "支付账号", ("涉案支付账号", "第三方支付账号", "第三方支付账户", "支付账户",
                                         "paymentaccount"), 18,
           value=_identifiers(PAYMENT_ACCOUNT)),
    Column(URL, "网址", ("涉案网址", "诈骗网址", "涉案网站", "网站", "域名", "链接", "url"), 22,
           value=_identifiers(URL)),
    Column(APP, "涉案APP", ("APP", "涉案应用", "涉案软件", "APP名称", "app"), 14, value=_identifiers(APP)),
    Column(IM_ACCOUNT, "社交账号", ("涉案社交账号", "聊天账号", "即时通讯账号", "涉案QQ微信",
                                    "imaccount"), 18,
           value=_identifiers(IM_ACCOUNT)),
    Column(DEVICE_ID, "设备号", ("涉案设备号", "设备标识", "设备串号", "IMEI", "deviceid"), 18,
           value=_identifiers(DEVICE_ID)),
    Column(IP, "IP地址", ("涉案IP", "涉案IP地址", "IP", "ip"), 16, value=_identifiers(IP)),
    Column("title", "案件名称", ("案名", "标题", "title"), 28, value=lambda ln, lb: ln.case.title),
    Column("description", "简要案情", ("案情", "案情简介", "案情摘要", "发案经过", "description"), 40,
           value=lambda ln, lb: ln.case.description),
    Column("status", "状态", width=14, imported=False, value=_label("status", "status")),
    Column("ring", "串并案号", width=16, imported=False, value=lambda ln, lb: ln.case.shown_ring or ""),
)
HEADERS = {c.field: c.header for c in COLUMNS}
LAYOUT = Layout(
    COLUMNS, anchors=("scam_type",),
    required=(("scam_type",), ("reported_on",), ("loss",), ("unit_name", "unit_code"),
              ("external_ref", "ref"), ("victim_names",)),
    example=("external_ref", "reported_on", "unit_name", "scam_type", "loss", "victim_names", PHONE,
             BANK_ACCOUNT),
)
VICTIM_COLUMNS = {"name": "victim_names", "id_number": "victim_id_numbers", "phone": "victim_phones",
                  "age": "victim_ages"}


# ---------------------------------------------------------------------------
# Scam types as ledgers write them: the Ministry of Public Security's names of the types, and
# shorter ones. "类", "诈骗" and "案" after a name change nothing (刷单返利类诈骗案).
# ---------------------------------------------------------------------------

SCAM_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    ScamType.REBATE_TASK: ("刷单", "网络刷单", "兼职刷单", "刷单返利"),
    ScamType.FAKE_INVESTMENT: ("虚假网络投资理财", "虚假投资", "虚假理财", "网络投资理财", "投资理财",
                               "荐股"),
    ScamType.FAKE_CUSTOMER_SERVICE: ("冒充电商物流客服", "冒充电商客服", "冒充物流客服", "冒充客服退款",
                                     "客服退款"),
    ScamType.FAKE_OFFICIALS: ("冒充公检法及政府机关", "冒充公检法机关", "冒充政府机关", "冒充公安"),
    ScamType.FAKE_LOAN: ("虚假网络贷款", "网络贷款", "网贷", "贷款"),
    ScamType.GAME_TRADING: ("网络游戏产品虚假交易", "网络游戏虚假交易", "虚假游戏交易", "游戏交易",
                            "游戏装备交易"),
    ScamType.ROMANCE: ("网络婚恋交友", "网络交友", "婚恋", "交友", "杀猪盘"),
    ScamType.OTHER: ("其他", "其它"),
}
SCAM_TYPE_SUFFIXES = ("类", "诈骗", "案")


def _scam_types() -> Choices:
    """The scam types offered now (``PINGAN_FRAUD_SCAM_TYPES``): a type not offered is unknown,
    however a ledger writes it."""
    offered = scam_type_choices()
    codes = {code for code, _label in offered}
    aliases = {code: names for code, names in SCAM_TYPE_ALIASES.items() if code in codes}
    return Choices(offered, aliases, suffixes=SCAM_TYPE_SUFFIXES)


def _context(sheet: Sheet) -> dict[str, Any]:
    # A header in 万元 (损失金额（万元）) gives every amount under it in ten thousands.
    scale = {name: WAN if "万" in sheet.headers.get(name, "") else Decimal(1)
             for name in ("loss", "recovered")}
    return {"scam_type": _scam_types(), "now": timezone.now(), "scale": scale}


# ---------------------------------------------------------------------------
# The row schema
# ---------------------------------------------------------------------------


def _unmasked(text: str) -> str:
    if "*" in text:
        raise invalid(MSG_MASKED)
    return text


def _clean_amount(value: Any, scale: Decimal) -> Decimal | None:
    """Yuan as a ledger writes them: a number, 12,000.50, ¥12000, 12000元, 1.2万(元)."""
    if isinstance(value, bool):
        raise invalid(MSG_BAD_AMOUNT)
    if isinstance(value, int | float):
        text = repr(value)
    else:
        text = squash(plain(value)).lower().replace(",", "")
        if not text:
            return None
        for prefix in ("¥", "rmb", "人民币"):
            text = text.removeprefix(prefix)
        text = text.removesuffix("元")
        if text.endswith("万"):
            text, scale = text[:-1], WAN
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise invalid(MSG_BAD_AMOUNT) from None
    if not amount.is_finite():
        raise invalid(MSG_BAD_AMOUNT)
    # The services refuse more than two decimals: 1.23456万 is 12345.6 yuan, not 12345.60000.
    return (amount * scale).normalize() if scale != 1 else amount


@pydantic_dataclass(slots=True, kw_only=True)
class FraudRow(KeyedRow):
    """One ledger row, cleaned; ``None`` or empty: the file has no such column or the cell is
    empty. What the services check (amount ranges, ID numbers, phones, ages, who may record
    where) is left to them; identifier values are checked one by one before."""

    scam_type: str
    reported_on: dt.datetime
    loss: Decimal
    occurred_on: dt.datetime | None = None
    recovered: Decimal | None = None
    victim_names: list[str] = Field(default_factory=list)
    victim_id_numbers: list[str] = Field(default_factory=list)
    victim_phones: list[str] = Field(default_factory=list)
    victim_ages: list[int | None] = Field(default_factory=list)
    phone: list[str] = Field(default_factory=list)
    bank_account: list[str] = Field(default_factory=list)
    payment_account: list[str] = Field(default_factory=list)
    url: list[str] = Field(default_factory=list)
    app: list[str] = Field(default_factory=list)
    im_account: list[str] = Field(default_factory=list)
    device_id: list[str] = Field(default_factory=list)
    ip: list[str] = Field(default_factory=list)
    title: str | None = None
    description: str | None = None

    @field_validator("scam_type", mode="before")
    @classmethod
    def _scam_type(cls, value: Any, info: ValidationInfo) -> str | None:
        return info.context["scam_type"].clean(value, required=True)

    @field_validator("reported_on", "occurred_on", mode="before")
    @classmethod
    def _moment(cls, value: Any, info: ValidationInfo) -> dt.datetime | None:
        return clean_moment(value, now=info.context["now"], required=info.field_name == "reported_on")

    @field_validator("loss", "recovered", mode="before")
    @classmethod
    def _money(cls, value: Any, info: ValidationInfo) -> Decimal | None:
        amount = _clean_amount(value, info.context["scale"][info.field_name])
        if amount is None and info.field_name == "loss":
            raise invalid(MSG_REQUIRED)
        return amount

    @field_validator("victim_names", mode="before")
    @classmethod
    def _names(cls, value: Any) -> list[str]:
        return [_unmasked(clean_line(name, limit=Victim._meta.get_field("name").max_length))
                for name in split_values(value)]

    @field_validator("victim_id_numbers", "victim_phones", mode="before")
    @classmethod
    def _numbers(cls, value: Any) -> list[str]:
        # The services check ID numbers and phones; here they only lose their spaces.
        refuse_long_number(value)
        return [_unmasked(clean_code(number)) for number in split_values(value, keep_empty=True)]

    @field_validator("victim_ages", mode="before")
    @classmethod
    def _ages(cls, value: Any) -> list[int | None]:
        ages: list[int | None] = []
        for text in split_values(value, keep_empty=True):
            digits = squash(text).removesuffix("岁")
            if digits and not digits.isdigit():
                raise invalid(MSG_VICTIM_AGE)
            ages.append(int(digits) if digits else None)
        return ages

    @field_validator(*KINDS, mode="before")
    @classmethod
    def _identifiers(cls, value: Any) -> list[str]:
        refuse_long_number(value)
        return split_values(value)

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> str:
        return clean_line(value, limit=FraudCase._meta.get_field("title").max_length)

    @field_validator("description", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return clean_text(value)


_ROW = TypeAdapter(FraudRow)


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


@dataclass
class FraudImport(LedgerImport):
    """``LedgerImport``, and how many of the created cases are in a ring once written."""

    linked: int = 0

    def details(self) -> str:
        return str(MSG_LINKED).format(linked=self.linked) if self.created else ""


@dataclass
class _New:
    number: int
    row: FraudRow
    unit: Unit
    victims: list[VictimIn]
    # (kind, value) as the services are given them: the kind is also the column to blame.
    identifiers: list[tuple[str, str]]


class _Importer:
    def __init__(self, *, sheet: Sheet, actor: Any, row_errors: list[RowError]):
        self.sheet = sheet
        self.actor = actor
        self.errors = row_errors
        self.link_each = True  # set by ``plan``, from how many rows are new
        self.checks = RowChecks(sheet, row_errors, no_key=MSG_NO_KEY, actor=actor)
        self.error = self.checks.error

    def victims(self, number: int, row: FraudRow) -> list[VictimIn]:
        """The row's victims from the side-by-side cells; a cell of another length is an error."""
        columns = {"id_number": row.victim_id_numbers, "phone": row.victim_phones, "age": row.victim_ages}
        names = row.victim_names
        # No name at all is the services' to refuse (a case records at least one victim).
        uneven = [name for name, values in columns.items() if names and values and len(values) != len(names)]
        for name in uneven:
            self.error(number, VICTIM_COLUMNS[name], MSG_VICTIM_COUNT.format(
                count=len(columns[name]), victims=len(names), column=self.sheet.column("victim_names")))
        if uneven:
            return []
        return [VictimIn(name=person,
                         id_number=row.victim_id_numbers[i] if row.victim_id_numbers else "",
                         phone=row.victim_phones[i] if row.victim_phones else "",
                         age=row.victim_ages[i] if row.victim_ages else None)
                for i, person in enumerate(names)]

    def identifiers(self, number: int, row: FraudRow) -> list[tuple[str, str]]:
        """Every identifier value checked as the services check it, each bad one reported;
        the good ones as (kind, value)."""
        good: list[tuple[str, str]] = []
        for kind in KINDS:
            for value in getattr(row, kind):
                try:
                    normalise_identifiers([(kind, value)])
                except errors.DomainError as exc:
                    self.error(number, kind, exc.message, value)
                else:
                    good.append((kind, value))
        return good

    # -- against the database, still writing nothing ---------------------------
    def plan(self, rows: list[tuple[int, FraudRow]]) -> tuple[list[_New], int]:
        """The new rows, and how many name a case already in Pingan (left unchanged)."""
        planned: list[_New] = []
        for number, row in rows:
            problems = len(self.errors)
            unit = self.checks.place(number, row)
            victims = self.victims(number, row)
            blocking = len(self.errors) > problems
            # A bad identifier does not keep the row from the services: what they find wrong
            # with the rest of it is reported in the same run.
            identifiers = self.identifiers(number, row)
            if not blocking and unit is not None:
                planned.append(_New(number, row, unit, victims, identifiers))
        new, known = self.checks.match(planned, FraudCase.objects.visible_to(self.actor), kind=KIND,
                                       taken=MSG_REF_TAKEN)
        self.link_each = len(new) < BULK_LINK_ROWS
        return new, len(known)

    # -- each new row through the services (``RowChecks.write``) ------------------
    def create(self, item: _New) -> FraudCase:
        row = item.row
        try:
            return fraud_case_record(
                actor=self.actor, unit=item.unit, scam_type=row.scam_type,
                reported_on=local_day(row.reported_on), occurred_on=local_day(row.occurred_on),
                loss=row.loss, recovered=row.recovered or 0, victims=item.victims,
                identifiers=item.identifiers, title=row.title or "", description=row.description or "",
                source="import", external_ref=row.key, opened_at=row.reported_on, link_now=self.link_each,
            )
        except errors.DomainError as exc:
            raise RowRefused(*self.blame(item, exc)) from exc

    def blame(self, item: _New, exc: errors.DomainError) -> tuple[str, str]:
        """The column a refusal names (``victims.1.phone``, ``identifiers.0.value``), and its
        message, saying which victim when there are several."""
        parts = (exc.field or "").split(".")
        if parts[0] == "identifiers" and len(parts) == 3:
            return item.identifiers[int(parts[1])][0], exc.message
        if parts[0] == "victims":
            if len(parts) < 3:
                return "victim_names", exc.message
            message = exc.message
            if len(item.victims) > 1:
                message = str(MSG_NTH_VICTIM.format(n=int(parts[1]) + 1, message=message))
            return VICTIM_COLUMNS[parts[2]], message
        if parts[0] == "unit":
            return ("unit_code" if item.row.unit_code else "unit_name"), exc.message
        return (parts[0] if parts[0] in HEADERS else LAYOUT.anchor), exc.message

    def linked(self, cases: list[FraudCase]) -> int:
        """How many of ``cases`` are in a ring, once every row has joined its ring."""
        if cases and not self.link_each:
            rings_recompute()
        return _in_a_ring(cases)


def _in_a_ring(cases: list[FraudCase]) -> int:
    pks = [case.pk for case in cases]
    return sum(FraudCase.objects.filter(pk__in=pks[start:start + LOOKUP_BATCH], ring__isnull=False).count()
               for start in range(0, len(pks), LOOKUP_BATCH))


def import_fraud_cases(file: str | Path | IO[bytes], *, actor: Any, filename: str | None = None,
                       dry_run: bool = False, progress: Progress = no_progress,
                       mapping: Mapping[str, str] | None = None) -> FraudImport:
    """Import a fraud case ledger (.xlsx, or .csv) as ``actor``: every row, or none.

    ``file`` is a path or a binary file (an upload); ``filename`` says its format when the file
    has no name of its own. Rows already imported are left unchanged. The result lists every bad cell,
    and then nothing was written; ``dry_run`` checks every row through the services (rings
    included) and writes nothing. A file that cannot be read as a ledger raises DomainError;
    ``mapping`` ({header: field}) names columns the import does not know by itself."""
    filename = file_name(file, filename)
    row_errors: list[RowError] = []
    sheet, rows = read_rows(file, filename, LAYOUT, _ROW, context=_context, row_errors=row_errors,
                            progress=progress, mapping=mapping)
    importer = _Importer(sheet=sheet, actor=actor, row_errors=row_errors)
    new, unchanged = importer.plan(rows)
    linked = importer.checks.write(new, importer.create, keep=not dry_run, progress=progress,
                                   then=importer.linked)
    return FraudImport.of(rows=len(rows), created=len(new), unchanged=unchanged, errors=importer.errors,
                          dry_run=dry_run, linked=linked)


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def export_fraud_cases(cases: FraudCaseFilters | QuerySet[FraudCase], *, user: Any, full: bool = False,
                       progress: Progress = no_progress) -> bytes:
    """The cases ``user`` sees (``cases`` is the case list's filters, or a queryset, which is
    narrowed to them) as an .xlsx ledger, in the list's order.

    Victims are masked unless ``full``; a full export is refused (PermissionDenied, nothing
    written) unless the user may see every exported case's victims in full, and logs each
    case's victims read as a full view does."""
    out = io.BytesIO()
    write_fraud_cases(cases, out, user=user, full=full, progress=progress)
    return out.getvalue()


def write_fraud_cases(cases: FraudCaseFilters | QuerySet[FraudCase], fileobj: IO[bytes], *, user: Any,
                      full: bool = False, progress: Progress = no_progress) -> int:
    """``export_fraud_cases`` into a file; returns the number of cases written."""
    if isinstance(cases, FraudCaseFilters):
        cases = fraud_case_list(user=user, filters=cases)
    else:
        # The list's query gives the ring as this user is shown it; a queryset handed in only
        # chooses the cases.
        cases = fraud_case_list(user=user, filters=FraudCaseFilters()).filter(pk__in=cases.values("pk"))
    cases = cases.select_related("unit").prefetch_related(
        "victims", Prefetch("identifier_links", queryset=CaseIdentifier.objects.select_related("identifier")))
    # A stored type the setting no longer offers keeps its built-in label.
    labels = {"scam_type": {**zh_labels(ScamType.choices), **zh_labels(scam_type_choices())},
              "band": zh_labels(AmountBand.choices), "status": zh_labels(Status.choices)}
    write = partial(write_workbook, fileobj=fileobj, columns=COLUMNS, title=SHEET_TITLE, labels=labels,
                    progress=progress)
    if not full:
        return write(_line(case, victims_of(list(case.victims.all()), full=False))
                     for case in cases.iterator(chunk_size=2000))
    return write_in_full(
        list(cases), allowed=partial(may_view_victims, user), refused=MSG_FULL_EXPORT_REFUSED,
        read=lambda case: _line(case, victims_of(fraud_victims_full(case=case, actor=user), full=True)),
        write=lambda lines: write(lines, total=len(lines)),
    )


def _line(case: FraudCase, victims: list[VictimView]) -> _Line:
    identifiers: dict[str, list[str]] = {}
    for link in case.identifier_links.all():
        identifiers.setdefault(link.identifier.kind, []).append(link.identifier.value)
    return _Line(case, victims, identifiers)


# ---------------------------------------------------------------------------
# The ranked rings (串并案), for the meeting that decides which to pursue first
# ---------------------------------------------------------------------------

RING_SHEET_TITLE = "串并案排名"


def _ring_value(name: str) -> Any:
    return lambda ring, labels: getattr(ring, name)


RING_COLUMNS = tuple(
    Column(name, header, width=width, imported=False, value=value or _ring_value(name))
    for name, header, width, value in (
        ("position", "名次", 6, None),
        ("ring_id", "串并案号", 16, None),
        ("case_count", "案件数", 8, None),
        ("victim_count", "受害人数", 8, None),
        ("total_loss", "损失总额(元)", 14, None),
        ("band", "数额档次", 12, lambda ring, labels: labels["band"].get(ring.band or "", "")),
        ("town_count", "涉及乡镇数", 10, None),
        ("first_date", "首次报案日期", 12, None),
        ("last_date", "最近报案日期", 12, None),
        ("is_major", "大案要案", 8, lambda ring, labels: "是" if ring.is_major else "否"),
        ("case_refs", "案件编号", 40, lambda ring, labels: "、".join(ring.case_refs)),
    )
)


def export_rings(rings: QuerySet[Ring]) -> bytes:
    """``rings`` (the ring list's, with each ring's ``position`` for its reader) as an .xlsx
    ranking: one row a ring, its statistics and its cases' references."""
    rings = list(rings)
    refs: dict[int, list[str]] = {ring.pk: [] for ring in rings}
    for start in range(0, len(rings), LOOKUP_BATCH):
        batch = [ring.pk for ring in rings[start:start + LOOKUP_BATCH]]
        cases = FraudCase.objects.filter(ring__in=batch).order_by("ref")
        for ring_pk, ref in cases.values_list("ring", "ref"):
            refs[ring_pk].append(ref)
    for ring in rings:
        ring.case_refs = refs[ring.pk]
    out = io.BytesIO()
    write_workbook(rings, out, columns=RING_COLUMNS, title=RING_SHEET_TITLE,
                   labels={"band": zh_labels(AmountBand.choices)}, total=len(rings))
    return out.getvalue()
