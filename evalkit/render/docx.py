"""Word reports: python-docx writes the blocks of :mod:`evalkit.report` (headings, paragraphs,
tables, charts), with East-Asian typefaces set on every style so Word shows Chinese in 宋体/黑体."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat

from evalkit.render.html import visible_cells
from evalkit.report import BLOCK_MIME

#: Word typefaces: body and headings for Chinese text, and the Latin face beside them.
DOCX_FONTS = {"body_east_asia": "宋体", "heading_east_asia": "黑体", "latin": "Times New Roman"}

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_MD_INLINE = re.compile(r"(\*\*|__|`)")


def _set_fonts(style, east_asia: str) -> None:
    from docx.oxml.ns import qn

    style.font.name = DOCX_FONTS["latin"]
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), DOCX_FONTS["latin"])
    fonts.set(qn("w:hAnsi"), DOCX_FONTS["latin"])


def _new_document():
    from docx import Document
    from docx.shared import Pt, RGBColor

    doc = Document()
    _set_fonts(doc.styles["Normal"], DOCX_FONTS["body_east_asia"])
    doc.styles["Normal"].font.size = Pt(11)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        _set_fonts(doc.styles[name], DOCX_FONTS["heading_east_asia"])
        doc.styles[name].font.color.rgb = RGBColor(0, 0, 0)
    return doc


def _docx_paragraph(doc, text: str, *, indent: bool = True, center: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    para = doc.add_paragraph(_MD_INLINE.sub("", text))
    if center:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        para.paragraph_format.first_line_indent = Pt(22)


def _docx_block(doc, block: Mapping[str, Any]) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    kind = block["kind"]
    if kind == "heading":
        level = int(block["level"])
        doc.add_heading(block["text"], level=0 if level == 1 else level - 1)
        if block.get("subtitle"):
            _docx_paragraph(doc, block["subtitle"], center=True)
    elif kind == "paragraph":
        for line in block["lines"]:
            _docx_paragraph(doc, line)
        if block.get("style") == "letter":  # a covering letter (请示) stands on its own page
            doc.add_page_break()
    elif kind == "table":
        if block["caption"]:
            _docx_paragraph(doc, block["caption"], indent=False)
        table = doc.add_table(rows=1 + len(block["rows"]), cols=len(block["headers"]))
        table.style = "Table Grid"
        for j, header in enumerate(block["headers"]):
            cell = table.cell(0, j)
            cell.text = header
            cell.paragraphs[0].runs[0].bold = True
        for i, (row, numeric) in enumerate(zip(block["rows"], block["numeric"], strict=True), 1):
            for j, (text, is_number) in enumerate(zip(row, numeric, strict=True)):
                cell = table.cell(i, j)
                cell.text = text
                if is_number:
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _docx_widths(table, [block["headers"], *block["rows"]])
    elif kind == "figure":
        doc.add_picture(io.BytesIO(base64.b64decode(block["png"])), width=Cm(15))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        if block["caption"]:
            _docx_paragraph(doc, block["caption"], center=True)


def _docx_widths(table, rows: list[list[str]], page_cm: float = 16.0) -> None:
    """Column widths in proportion to the longest text of each column (CJK counts double)."""
    from docx.shared import Cm

    def width(text: str) -> float:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    need = [min(max(max(width(r[j]) for r in rows), 4), 40) for j in range(len(rows[0]))]
    table.autofit = False
    for j, n in enumerate(need):
        for cell in table.columns[j].cells:
            cell.width = Cm(page_cm * n / sum(need))


#: The date every report document carries (Word core properties, zip entry times): a fixed
#: value, never the clock, so identical inputs give identical bytes and a rerun shows only real
#: changes. 1980-01-01 is the earliest time a zip entry can hold.
DOCUMENT_DATE = datetime(1980, 1, 1, tzinfo=UTC)


def to_docx(nb: nbformat.NotebookNode, path: Path, *, footer: str = "") -> None:
    """Write the report as a Word document with the same headings, text, tables and charts."""
    Path(path).write_bytes(docx_bytes(nb, footer=footer))


def _fixed_zip_times(data: bytes) -> bytes:
    """The same archive with every entry dated :data:`DOCUMENT_DATE` (python-docx stamps each
    entry with the current time), entries in their order, each compressed as before."""
    source, buf = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    stamp = DOCUMENT_DATE.timetuple()[:6]
    with zipfile.ZipFile(buf, "w") as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type, info.external_attr = item.compress_type, item.external_attr
            target.writestr(info, source.read(item.filename))
    return buf.getvalue()


def docx_bytes(nb: nbformat.NotebookNode, *, footer: str = "") -> bytes:
    """The Word document of an executed report notebook.

    Deterministic: the core properties (created, modified, revision) and every zip entry time
    are :data:`DOCUMENT_DATE`, so the same notebook gives the same bytes on any day.
    """
    doc = _new_document()
    props = doc.core_properties
    props.created = props.modified = DOCUMENT_DATE.replace(tzinfo=None)
    props.last_printed, props.revision = DOCUMENT_DATE.replace(tzinfo=None), 1
    for cell in visible_cells(nb):
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = _MD_HEADING.match(line.strip())
                if match:
                    doc.add_heading(_MD_INLINE.sub("", match.group(2)),
                                    level=min(len(match.group(1)), 3))
                elif line.strip():
                    _docx_paragraph(doc, line.strip())
            continue
        for out in cell.get("outputs", []):
            block = out.get("data", {}).get(BLOCK_MIME)
            if block:
                _docx_block(doc, block)
    if footer:
        doc.sections[0].footer.paragraphs[0].text = footer
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip_times(buf.getvalue())
