"""Word reports: the report blocks of :mod:`evalkit.report` poured into a Word template.

The template is the agency's own ``.docx`` (``--word-template`` or the engagement's Word模板) or
evalkit's default (:func:`default_template`, in the style of GB/T 9704-2012 《党政机关公文格式》:
A4, margins 37/35/28/26 mm, title 宋体 二号 bold, 一级标题 黑体 三号, 二级标题 楷体 三号, body 仿宋
三号 at a fixed 28 pt line, tables 宋体 五号, 报告编号 in the header and 第 N 页 / 共 M 页 as PAGE
and NUMPAGES fields in the footer, none on the cover).

Templates are filled with docxtpl (Jinja tags in the document: ``{{ title }}``, ``{{ number }}``,
``{{ client }}``, ``{{ agency }}`` … :data:`TEMPLATE_FIELDS`; ``{{p signatures }}``,
``{{p toc }}`` and ``{{p body }}`` stand alone in a paragraph each, ``{{p body }}`` is required).
The body is written with the template's own styles (Title, Heading 1–3, Caption; a style the
template lacks falls back to direct formatting), so a house template's fonts, 红头 and cover
layout carry into every report. Tables repeat their header row on every page and never split a
row; headings keep with the next paragraph.

Deterministic: core properties and zip entry times are the engagement's 报告日期 (else
:data:`DOCUMENT_DATE`), never the clock; title, author (评价机构), subject and keywords come
from the engagement, so no file says "python-docx".
"""

from __future__ import annotations

import base64
import functools
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat

from evalkit.engagement import ReportIdentity, placeholder_identity
from evalkit.errors import InputError
from evalkit.render.frame import TOC_MIN_SECTIONS, TOC_TITLE
from evalkit.render.html import visible_cells
from evalkit.report import BLOCK_MIME, column_shares

#: Typefaces of the default template (GB/T 9704 hierarchy) and the Latin face beside them.
DOCX_FONTS = {"title": "宋体", "heading1": "黑体", "heading2": "楷体", "heading3": "仿宋",
              "body": "仿宋", "table": "宋体", "latin": "Times New Roman"}
#: Sizes in points: 二号 22, 三号 16, 小四 12, 五号 10.5.
DOCX_SIZES = {"title": 22, "heading": 16, "body": 16, "caption": 12, "table": 10.5}
#: Page (A4) and margins of the default template, millimetres (GB/T 9704-2012 §5.2.1).
PAGE_MM = {"width": 210, "height": 297, "top": 37, "bottom": 35, "left": 28, "right": 26}
#: The Jinja fields every template may use (besides the ``{{p …}}`` blocks).
TEMPLATE_FIELDS = ("title", "subject", "number", "client", "agency", "lead", "period",
                   "report_date", "status", "confidentiality", "report_type")

#: The date of a report document without a 报告日期 (core properties, zip entry times): a fixed
#: value, never the clock, so identical inputs give identical bytes. 1980-01-01 is the earliest
#: time a zip entry can hold.
DOCUMENT_DATE = datetime(1980, 1, 1, tzinfo=UTC)

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
#: The settings.xml elements ECMA-376 places after ``w:updateFields``.
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars",
                        "rsids", "m:mathPr", "attachedSchema", "themeFontLang",
                        "clrSchemeMapping", "doNotIncludeSubdocsInStats",
                        "doNotAutoCompressPictures", "forceUpgrade", "captions",
                        "readModeInkLockDown", "smartTagType", "sl:schemaLibrary",
                        "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator")
_MD_INLINE = re.compile(r"(\*\*|__|`)")


# --- the default template ----------------------------------------------------------------------

def _fonts(target, east_asia: str, size: float | None = None, *, bold: bool | None = None) -> None:
    """Set the Latin and East-Asian typefaces (and size, weight) of a style or run."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    target.font.name = DOCX_FONTS["latin"]
    element = target.element if hasattr(target, "element") else target._element
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attr, face in (("w:eastAsia", east_asia), ("w:ascii", DOCX_FONTS["latin"]),
                       ("w:hAnsi", DOCX_FONTS["latin"])):
        fonts.set(qn(attr), face)
    if size is not None:
        target.font.size = Pt(size)
    if bold is not None:
        target.font.bold = bold
    target.font.color.rgb = RGBColor(0, 0, 0)


def _field(paragraph, code: str, shown: str = "1") -> None:
    """Append a Word field (PAGE, NUMPAGES, TOC …) to a paragraph, with ``shown`` as its cached
    result until Word updates it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run_with(tag: str, **attrs: str):
        run = OxmlElement("w:r")
        element = OxmlElement(tag)
        for key, value in attrs.items():
            element.set(qn(key), value)
        run.append(element)
        paragraph._p.append(run)
        return element

    run_with("w:fldChar", **{"w:fldCharType": "begin"})
    instr = run_with("w:instrText", **{"xml:space": "preserve"})
    instr.text = f" {code} "
    run_with("w:fldChar", **{"w:fldCharType": "separate"})
    paragraph.add_run(shown)
    run_with("w:fldChar", **{"w:fldCharType": "end"})


def _page_break(doc) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


@functools.cache
def default_template() -> bytes:
    """evalkit's default Word template (GB/T 9704 style), as .docx bytes.

    ``evalkit word-template OUT.docx`` writes it for an agency to restyle (keep the tags).
    """
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM["width"]), Mm(PAGE_MM["height"])
    section.top_margin, section.bottom_margin = Mm(PAGE_MM["top"]), Mm(PAGE_MM["bottom"])
    section.left_margin, section.right_margin = Mm(PAGE_MM["left"]), Mm(PAGE_MM["right"])
    section.header_distance, section.footer_distance = Mm(15), Mm(20)
    section.different_first_page_header_footer = True
    styles = doc.styles
    normal = styles["Normal"]
    _fonts(normal, DOCX_FONTS["body"], DOCX_SIZES["body"])
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    for name, face, size, bold in (("Title", "title", DOCX_SIZES["title"], True),
                                   ("Heading 1", "heading1", DOCX_SIZES["heading"], False),
                                   ("Heading 2", "heading2", DOCX_SIZES["heading"], False),
                                   ("Heading 3", "heading3", DOCX_SIZES["heading"], True),
                                   ("Caption", "heading1", DOCX_SIZES["caption"], False)):
        style = styles[name]
        _fonts(style, DOCX_FONTS[face], size, bold=bold)
        style.font.italic = False
        fmt = style.paragraph_format
        fmt.keep_with_next, fmt.space_before, fmt.space_after = True, Pt(6), Pt(6)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        if name in ("Title", "Caption"):
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_element = styles["Title"].element.pPr
    for border in title_element.findall(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pBdr"):
        title_element.remove(border)  # python-docx's Title has a blue rule under it
    table_text = styles.add_style("表格文字", WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    _fonts(table_text, DOCX_FONTS["table"], DOCX_SIZES["table"])
    table_text.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    for name in ("Header", "Footer"):
        _fonts(styles[name], DOCX_FONTS["table"], DOCX_SIZES["table"])

    def line(text: str, *, style: str | None = None, center: bool = False, size: float = 0,
             before: float = 0) -> None:
        para = doc.add_paragraph(text, style=style)
        if center:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if before:
            para.paragraph_format.space_before = Pt(before)
        if size:
            for run in para.runs:
                run.font.size = Pt(size)

    # cover
    line("{{ status }}", center=True, before=24)
    line("{{ title }}", style="Title", before=96)
    line("{{ subject }}", center=True, before=12)
    for label, tag in (("委 托 方", "client"), ("评价机构", "agency"), ("报告编号", "number"),
                       ("报告日期", "report_date")):
        para = doc.add_paragraph(f"{label}：{{{{ {tag} }}}}")
        para.paragraph_format.left_indent = Mm(30)
        para.paragraph_format.space_before = Pt(18 if tag == "client" else 0)
    line("{{ confidentiality }}", size=DOCX_SIZES["caption"], before=96)
    _page_break(doc)
    # signature page
    line("报告签署页", style="Title")
    doc.add_paragraph("{{p signatures }}")
    line("评价机构（盖章）：{{ agency }}", before=36)
    line("日期：{{ report_date }}")
    _page_break(doc)
    doc.add_paragraph("{{p toc }}")
    doc.add_paragraph("{{p body }}")
    header = section.header.paragraphs[0]
    header.text = "报告编号：{{ number }}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页 / 共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --- the body ----------------------------------------------------------------------------------

class _Writer:
    """Writes report blocks into a docxtpl sub-document with the template's styles."""

    def __init__(self, target, text_width_cm: float):
        self.doc, self.width_cm = target, text_width_cm
        self.styles = {s.name for s in target.styles}
        self.style_ids: dict[str, str | None] = {}
        self.sections: list[str] = []  # the 一级 headings written, for the table of contents

    def set_style(self, para, name: str) -> None:
        """Give ``para`` the template's paragraph style ``name``, if the template has one. Its
        id is looked up once: python-docx looks up the name and the default style on every
        assignment (1.6 ms each in a template's styles part, most of a report's Word time)."""
        from docx.enum.style import WD_STYLE_TYPE

        if name not in self.styles:
            return
        if name not in self.style_ids:
            self.style_ids[name] = self.doc.part.get_style_id(name, WD_STYLE_TYPE.PARAGRAPH)
        para._p.style = self.style_ids[name]

    def paragraph(self, text: str, *, indent: bool = True, center: bool = False,
                  style: str = "", keep: bool = False):
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml.ns import qn
        from docx.shared import Pt

        para = self.doc.add_paragraph(_MD_INLINE.sub("", text))
        self.set_style(para, style)
        if center:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif indent:
            para.paragraph_format.first_line_indent = Pt(2 * DOCX_SIZES["body"])
            para._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")
        if keep:
            para.paragraph_format.keep_with_next = True
        return para

    def heading(self, text: str, level: int) -> None:
        """``level`` 0: the report title; 1–3: 一级 to 三级 headings."""
        name = "Title" if level == 0 else f"Heading {min(level, 3)}"
        if level == 1:
            self.sections.append(text)
        para = self.paragraph(text, indent=False, style=name, keep=True, center=level == 0)
        if name not in self.styles:
            for run in para.runs:
                run.bold = True

    def block(self, block: Mapping[str, Any]) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm

        kind = block["kind"]
        if kind == "heading":
            level = int(block["level"])
            self.heading(block["text"], 0 if level == 1 else level - 1)
            if block.get("subtitle"):
                self.paragraph(block["subtitle"], center=True)
        elif kind == "paragraph":
            boxed = block.get("style") == "conclusion"  # the conclusion stays on one page
            for n, line in enumerate(block["lines"], 1):
                para = self.paragraph(line, keep=boxed and n < len(block["lines"]))
                if boxed:
                    para.paragraph_format.keep_together = True
                    _box(para)
            if block.get("style") == "letter":  # a covering letter (请示) stands on its own page
                _page_break(self.doc)
        elif kind == "table":
            if block["caption"]:
                self.paragraph(block["caption"], indent=False, center=True, style="Caption",
                               keep=True)
            self.table(block["headers"], block["rows"], block["numeric"])
        elif kind == "figure":
            self.doc.add_picture(io.BytesIO(base64.b64decode(block["png"])),
                                 width=Cm(min(15.0, self.width_cm)))
            picture = self.doc.paragraphs[-1]
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.paragraph_format.keep_with_next = bool(block["caption"])
            picture.paragraph_format.first_line_indent = 0
            if block["caption"]:
                self.paragraph(block["caption"], center=True, style="Caption")

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]],
              numeric: Sequence[Sequence[bool]] | None = None) -> None:
        """A bordered table: header row repeated on every page, rows never split, widths from
        content (:func:`column_widths`)."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Cm, Pt

        table = self.doc.add_table(rows=1 + len(rows), cols=len(headers))
        _grid(table)
        numeric = numeric or [[False] * len(headers) for _ in rows]
        widths = column_widths([list(headers), *map(list, rows)], self.width_cm)
        table.autofit = False
        styled = "表格文字" in self.styles  # else each run gets the table font directly
        for i, row in enumerate(table.rows):
            tr_pr = row._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))
            if i == 0:
                tr_pr.append(OxmlElement("w:tblHeader"))
            texts = headers if i == 0 else rows[i - 1]
            for j, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
                cell.width = Cm(widths[j])
                para = cell.paragraphs[0]
                self.set_style(para, "表格文字")
                run = para.add_run(text)
                if styled:
                    run.bold = True if i == 0 else None
                else:
                    _fonts(run, DOCX_FONTS["table"], DOCX_SIZES["table"], bold=i == 0)
                fmt = para.paragraph_format
                fmt.first_line_indent, fmt.space_before, fmt.space_after = Pt(0), Pt(1), Pt(1)
                fmt.line_spacing = 1.0
                if i == 0:
                    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                elif numeric[i - 1][j]:
                    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        grid = table._tbl.tblGrid
        for j, col in enumerate(grid.findall(qn("w:gridCol"))):
            col.set(qn("w:w"), str(int(widths[j] * 567)))


def _box(paragraph) -> None:
    """A single border around a paragraph (consecutive boxed paragraphs share one box)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:pBdr")
    for edge in ("top", "left", "bottom", "right"):
        element = OxmlElement(f"w:{edge}")
        for key, value in (("w:val", "single"), ("w:sz", "8"), ("w:space", "4"),
                           ("w:color", "1565C0")):
            element.set(qn(key), value)
        borders.append(element)
    _insert_before(paragraph._p.get_or_add_pPr(), borders,
                   ("shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
                    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi",
                    "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing",
                    "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
                    "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr",
                    "pPrChange"))


def _grid(table) -> None:
    """Single black borders on every cell (not a style: an agency template may lack Table Grid)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"),
                           ("w:color", "000000")):
            element.set(qn(key), value)
        borders.append(element)
    _insert_before(table._tbl.tblPr, borders, ("shd", "tblLayout", "tblCellMar", "tblLook",
                                               "tblCaption", "tblDescription"))


def _insert_before(parent, element, successors: Sequence[str]) -> None:
    """Insert ``element`` into ``parent`` before the first child named in ``successors`` (the
    elements the schema puts after it; Word rejects children out of order), else at the end."""
    from docx.oxml.ns import qn

    names = {qn(f"w:{s}") if ":" not in s else qn(s) for s in successors}
    later = next((c for c in parent if c.tag in names), None)
    if later is None:
        parent.append(element)
    else:
        later.addprevious(element)


def column_widths(rows: Sequence[Sequence[str]], total_cm: float) -> list[float]:
    """Column widths (cm) from content, summing to ``total_cm``
    (:func:`evalkit.report.column_shares` on a line of the table font's half-ems).

    >>> [round(w, 1) for w in column_widths([["指标", "得分"], ["产出数量完成率", "9.50"]], 15)]
    [13.5, 1.5]
    """
    half_em_cm = DOCX_SIZES["table"] / 72 * 2.54 / 2
    return [total_cm * share for share in column_shares(rows, total_cm / half_em_cm)]


# --- filling the template ------------------------------------------------------------------------

def _docx_template():
    """docxtpl's DocxTemplate, with python-docx's ``cp`` prefix restored.

    docxtpl imports docxcompose, whose ``utils`` rebinds ``cp`` in python-docx's shared
    namespace map to the custom-properties namespace; python-docx then reads and writes the
    core properties (keywords, category …) in the wrong namespace. evalkit uses docxtpl's
    sub-documents only, which never read that prefix, so the core-properties binding is put back.
    """
    from docx.oxml.ns import nsmap
    from docxtpl import DocxTemplate

    nsmap["cp"] = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
    return DocxTemplate


def _template_bytes(path: str | Path | None) -> bytes:
    if not path:
        return default_template()
    source = Path(path)
    if not source.is_file() or source.suffix.lower() != ".docx":
        raise InputError(f"Word 模板 {source}：应为 .docx 文件，实际"
                         f"{'不存在' if not source.exists() else '是其他类型的文件'} "
                         f"(word template: expected a .docx file)")
    return source.read_bytes()


def _report_date(identity: ReportIdentity) -> datetime:
    day = identity.engagement.report_date
    return DOCUMENT_DATE if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)


def _fixed_zip_times(data: bytes, stamp: datetime,
                     replaced: Mapping[str, bytes] | None = None) -> bytes:
    """The same archive with every entry dated ``stamp`` (python-docx stamps each entry with the
    current time), entries in their order, each compressed as before; ``replaced`` gives new
    contents for some entries."""
    replaced = dict(replaced or {})
    source, buf = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    when = stamp.timetuple()[:6]
    with zipfile.ZipFile(buf, "w") as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=when)
            info.compress_type, info.external_attr = item.compress_type, item.external_attr
            target.writestr(info, replaced.get(item.filename) or source.read(item.filename))
    return buf.getvalue()


def _body(writer: _Writer, nb: nbformat.NotebookNode,
          appendix: Sequence[tuple[str, str]]) -> None:
    """Write the report's content and the appendix."""
    for cell in visible_cells(nb):
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = _MD_HEADING.match(line.strip())
                if match:
                    writer.heading(_MD_INLINE.sub("", match.group(2)),
                                   max(len(match.group(1)) - 1, 0))
                elif line.strip():
                    writer.paragraph(line.strip())
            continue
        for out in cell.get("outputs", []):
            block = out.get("data", {}).get(BLOCK_MIME)
            if block:
                writer.block(block)
    if appendix:
        writer.heading("附：数据与规则来源", 1)
        writer.table(["项目", "内容"], [list(r) for r in appendix])


def docx_bytes(nb: nbformat.NotebookNode, *, title: str = "",
               identity: ReportIdentity | None = None, report_type: str = "",
               appendix: Sequence[tuple[str, str]] = ()) -> bytes:
    """The Word document of an executed report notebook, filled into the Word template.

    Parameters
    ----------
    nb : NotebookNode
        The executed report.
    title : str
        The report's title (cover, core properties).
    identity : ReportIdentity, optional
        Cover, signature page, header, core properties; without one every field is 【待填】.
        Its ``word_template`` (a path) replaces the default template.
    report_type : str
        The Chinese name of the report type (category and keywords of the document).
    appendix : sequence of (str, str)
        Rows of 附：数据与规则来源.

    A report with :data:`~evalkit.render.frame.TOC_MIN_SECTIONS` 一级 headings or more gets a
    table of contents: a TOC field Word fills when the file is opened.

    Raises
    ------
    InputError
        When the template is not a .docx file or lacks the ``{{p body }}`` tag.
    """
    identity = identity or placeholder_identity()
    engagement = identity.engagement
    source = _template_bytes(identity.word_template)
    tpl = _docx_template()(io.BytesIO(source))
    where = identity.word_template or "（默认模板）"
    try:
        tags = tpl.get_undeclared_template_variables()
    except Exception as exc:  # a template whose Jinja tags do not parse
        raise InputError(f"Word 模板 {where}：应为可解析的模板标记，实际 {type(exc).__name__}: "
                         f"{exc} (word template: tags do not parse)") from exc
    if "body" not in tags:
        raise InputError(f"Word 模板 {where}：应含单独成段的 {{{{p body }}}} 标记（正文插入处），"
                         f"实际没有 (word template: expected a {{{{p body }}}} paragraph)")
    section = tpl.get_docx().sections[0]
    width_cm = (section.page_width - section.left_margin - section.right_margin) / 360000
    body = tpl.new_subdoc()
    content = _Writer(body, width_cm)
    _body(content, nb, appendix)
    toc = len(content.sections) >= TOC_MIN_SECTIONS
    signatures = tpl.new_subdoc()
    _Writer(signatures, width_cm).table(
        ["职责", "姓名", "职称/资格", "签字"],
        [["项目负责人", engagement.text("lead"), "—", ""],
         *[[role, name, title_, ""] for name, role, title_ in identity.team_rows()]])
    contents = tpl.new_subdoc()
    if toc:
        writer = _Writer(contents, width_cm)
        writer.heading(TOC_TITLE, 0)
        para = writer.paragraph("", indent=False)
        _field(para, 'TOC \\o "1-2" \\h \\z \\u', "（在 Word 中右键“更新域”显示页码）")
        for text in content.sections:
            writer.paragraph(text, indent=False)
        _page_break(contents)
    subject = identity.cover_rows()[0][1]
    context = {**dict(zip(TEMPLATE_FIELDS, (
        title, subject, identity.number, *(engagement.text(a) for a in (
            "client", "agency", "lead", "period", "report_date", "status")),
        engagement.confidentiality, report_type), strict=True)),
        "body": body, "signatures": signatures, "toc": contents}
    tpl.render(context, autoescape=True)
    doc = tpl.docx
    if toc:  # Word refreshes the TOC (and page numbers) when the file opens
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        _insert_before(doc.settings.element, update, _AFTER_UPDATE_FIELDS)
    stamp = _report_date(identity)
    core = _core_xml({"dc:title": title, "dc:subject": subject,
                      "dc:creator": engagement.agency, "cp:lastModifiedBy": engagement.agency,
                      "cp:keywords": "；".join(k for k in ("预算绩效管理", report_type,
                                                          identity.number) if k),
                      "cp:category": report_type, "dc:language": "zh-CN", "cp:revision": "1"},
                     stamp)
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip_times(buf.getvalue(), stamp, {"docProps/core.xml": core})


def _core_xml(fields: Mapping[str, str], stamp: datetime) -> bytes:
    """``docProps/core.xml`` with ``fields`` and ``stamp`` as created and modified date.

    Written whole, not through python-docx's core properties, so nothing of the template's own
    properties (author "python-docx", a description, a last-printed date) survives.
    """
    from xml.sax.saxutils import escape

    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items() if v)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' + body
            + f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
            "</cp:coreProperties>").encode("utf-8")
