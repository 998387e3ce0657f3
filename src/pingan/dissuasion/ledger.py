"""Warning orders (预警指令) as an .xlsx sheet, for the weekly report on dissuasion."""

from __future__ import annotations

import io
from typing import Any

from django.db.models import QuerySet

from pingan.core.ledger import Column, local_naive, write_workbook, zh_labels
from pingan.dissuasion.models import RiskLevel, WarningIssuer, WarningOrder, WarningStatus
from pingan.dissuasion.selectors import with_masked_people
from pingan.fraud.models import ScamType, scam_type_choices

WARNING_SHEET_TITLE = "预警指令"


def _label_of(kind: str, attribute: str) -> Any:
    return lambda warning, labels: labels[kind].get(getattr(warning, attribute), getattr(warning, attribute))


def _local(attribute: str) -> Any:
    return lambda warning, labels: local_naive(getattr(warning, attribute))


WARNING_COLUMNS = tuple(
    Column(name, header, width=width, imported=False, value=value)
    for name, header, width, value in (
        ("ref", "编号", 16, lambda w, labels: w.ref),
        ("order_number", "指令编号", 18, lambda w, labels: w.external_ref or ""),
        ("issuer", "下发单位", 14, _label_of("issuer", "issuer")),
        ("risk_level", "风险等级", 8, _label_of("risk_level", "risk_level")),
        ("scam_type", "诈骗类型", 12, _label_of("scam_type", "category")),
        ("person_name", "预警对象", 10, lambda w, labels: w.person.name),
        ("person_phone", "联系电话", 14, lambda w, labels: w.person.phone),
        ("unit", "属地单位", 16, lambda w, labels: w.unit.name),
        ("received_at", "接收时间", 17, _local("opened_at")),
        ("contact_due_at", "联系期限", 17, _local("contact_due_at")),
        ("first_contact_at", "首次联系上", 17, _local("first_contact_at")),
        ("contact_minutes", "联系用时(分钟)", 10,
         lambda w, labels: None if w.contact_seconds is None else round(w.contact_seconds / 60)),
        ("status", "状态", 12, _label_of("status", "status")),
        ("fraud_case", "关联案件", 16, lambda w, labels: w.fraud_case.ref if w.fraud_case else ""),
    )
)


def export_warnings(warnings: QuerySet[WarningOrder]) -> bytes:
    """``warnings`` (the warning list's) as an .xlsx sheet, the people at risk masked."""
    labels = {"issuer": zh_labels(WarningIssuer.choices), "risk_level": zh_labels(RiskLevel.choices),
              "status": zh_labels(WarningStatus.choices),
              "scam_type": {**zh_labels(ScamType.choices), **zh_labels(scam_type_choices())}}
    rows = with_masked_people(warnings.select_related("unit", "fraud_case"))
    out = io.BytesIO()
    write_workbook(rows, out, columns=WARNING_COLUMNS, title=WARNING_SHEET_TITLE, labels=labels,
                   total=len(rows))
    return out.getvalue()
