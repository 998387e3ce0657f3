"""A circular's documents: a .docx from a Word template the district can edit (docxtpl) and a
PDF from HTML (WeasyPrint) with the Chinese fonts embedded.

Both read one context (``document_context``), built from the circular's content: what the
preview page shows is what the documents say. A circular is an official document in Chinese:
its headings are written in Chinese in both templates, whatever the reader's interface
language.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from pingan.supervision.models import Circular, CircularKind

BUNDLED_DOCX_TEMPLATE = Path(__file__).resolve().parent / "templates/supervision/documents/circular.docx"
NOTHING_LATE = "无。"


def _chinese_date(circular: Circular) -> str:
    moment = circular.published_at or circular.created_at
    day = moment.date()
    return f"{day.year}年{day.month}月{day.day}日"


def document_context(circular: Circular, content: dict[str, Any]) -> dict[str, Any]:
    """What both templates fill in: the circular's heading, and its content as the frozen
    JSON (or, for a draft, as it would be frozen now) says it."""
    ranking = [
        {**row, "note": "、".join(note for flag, note in ((row.get("red_flag"), "流动红旗"),
                                                          (row.get("last_place"), "末位")) if flag)}
        for row in content.get("ranking", [])
    ]
    late_tasks = [{"unit": group["unit"], "items": "；".join(
                       f"{t['title']}（{t['ref']}，时限{t['deadline']}）" for t in group["tasks"])}
                  for group in content.get("late_tasks", [])]
    return {
        "issuer": content.get("issuer", circular.issuer.name),
        "number": circular.number,
        "title": circular.title,
        "intro": content.get("intro", ""),
        "period_label": content.get("period_label", ""),
        "ranking": ranking,
        "late_tasks": late_tasks,
        "no_late_tasks": "" if late_tasks else NOTHING_LATE,
        "overdue": content.get("overdue", []),
        "no_overdue": "" if content.get("overdue") else NOTHING_LATE,
        "failure": circular.kind == CircularKind.FAILURE_OF_DUTY,
        "facts": content.get("facts", ""),
        "lesson": content.get("lesson", ""),
        "date": _chinese_date(circular),
        "font_family": settings.PINGAN_CIRCULAR_FONT_FAMILY,
    }


def docx_template_path() -> Path:
    return Path(settings.PINGAN_CIRCULAR_DOCX_TEMPLATE or BUNDLED_DOCX_TEMPLATE)


def render_docx(context: dict[str, Any]) -> bytes:
    from docxtpl import DocxTemplate

    document = DocxTemplate(docx_template_path())
    document.render(context, autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def render_html(context: dict[str, Any]) -> str:
    """The circular as a standalone HTML page: the PDF's source."""
    return render_to_string("supervision/documents/circular.html", {"doc": context})


def render_pdf(context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(context)).write_pdf()
