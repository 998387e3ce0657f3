"""Builds ``circular.docx``, the bundled Word template of a circular (通报), with python-docx.

The district may edit the .docx in Word and point ``PINGAN_CIRCULAR_DOCX_TEMPLATE`` at its
copy; this script only makes the default. The tags are docxtpl's (Jinja): the context is
``pingan.supervision.documents.document_context``. Run it after changing the layout:

    /work/main/.venv/bin/python src/pingan/supervision/templates/supervision/documents/build_circular_docx.py
"""

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

FONT = "Noto Serif CJK SC"
HERE = Path(__file__).resolve().parent


def _font(run, size: float, *, bold: bool = False, red: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = FONT
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    if red:
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


def _paragraph(document, text: str, size: float = 14, *, bold: bool = False, red: bool = False,
               center: bool = False):
    paragraph = document.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run(text), size, bold=bold, red=red)
    return paragraph


def build() -> Path:
    document = Document()
    _paragraph(document, "{{ issuer }}", 22, bold=True, red=True, center=True)
    _paragraph(document, "{{ number }}", 14, center=True)
    _paragraph(document, "{{ title }}", 18, bold=True, center=True)
    _paragraph(document, "{{ intro }}")
    _paragraph(document, "{%p if ranking %}")
    _paragraph(document, "一、{{ period_label }}排名情况", bold=True)
    table = document.add_table(rows=3, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("名次", "单位", "得分", "备注"), strict=True):
        _font(cell.paragraphs[0].add_run(text), 12, bold=True)
    template_row = ("{{ row.rank }}", "{{ row.unit }}", "{{ row.score }}", "{{ row.note }}")
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for row in ranking %}")
    for cell, text in zip(table.rows[2].cells, template_row, strict=True):
        _font(cell.paragraphs[0].add_run(text), 12)
    end = table.add_row()
    end.cells[0].paragraphs[0].add_run("{%tr endfor %}")
    _paragraph(document, "二、逾期未完成的督办任务")
    _paragraph(document, "{%p for group in late_tasks %}")
    _paragraph(document, "{{ group.unit }}：{{ group.items }}")
    _paragraph(document, "{%p endfor %}")
    _paragraph(document, "{{ no_late_tasks }}")
    _paragraph(document, "三、逾期未整改的隐患")
    _paragraph(document, "{%p for item in overdue %}")
    _paragraph(document, "{{ item.unit }}：逾期隐患 {{ item.count }} 件")
    _paragraph(document, "{%p endfor %}")
    _paragraph(document, "{{ no_overdue }}")
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "{%p if failure %}")
    _paragraph(document, "一、基本情况", bold=True)
    _paragraph(document, "{{ facts }}")
    _paragraph(document, "二、教训与要求", bold=True)
    _paragraph(document, "{{ lesson }}")
    _paragraph(document, "{%p endif %}")
    signature = _paragraph(document, "{{ issuer }}")
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    date = _paragraph(document, "{{ date }}")
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    path = HERE / "circular.docx"
    document.save(path)
    return path


if __name__ == "__main__":
    print(build())
