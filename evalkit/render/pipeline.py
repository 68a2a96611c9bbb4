"""Render an executed report notebook into every requested format, in memory.

:func:`render_outputs` is pure — it returns file contents by extension and writes nothing — so a
batch worker returns the bytes to the one process that writes files (:mod:`evalkit.batch`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import nbformat

from evalkit.engagement import ReportIdentity, check_final, placeholder_identity
from evalkit.errors import InputError
from evalkit.render.docx import docx_bytes
from evalkit.render.frame import appendix, front_pages, page_css, provenance_rows
from evalkit.render.html import to_html
from evalkit.render.pdf import pdf_bytes
from evalkit.render.xlsx import xlsx_bytes
from evalkit.report import BLOCK_MIME, SUMMARY_MIME
from evalkit.workpaper import workpaper_bytes

#: Every output format a report can be rendered to (``xlsx``: its tables, one sheet each;
#: ``workpaper``: the 底稿 workbook ``<id>_底稿.xlsx`` of :mod:`evalkit.workpaper`).
FORMATS = ("html", "docx", "pdf", "xlsx", "workpaper")
#: The formats of a batch or run when none are asked for.
DEFAULT_FORMATS = ("html", "docx", "pdf")


def read_summary(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """The machine summary a template recorded (the last one if several)."""
    found = [out["data"][SUMMARY_MIME] for cell in nb.cells if cell.cell_type == "code"
             for out in cell.get("outputs", []) if SUMMARY_MIME in out.get("data", {})]
    if not found:
        raise InputError("executed notebook: expected a recorded summary, found none")
    return dict(found[-1])


#: A subtitle segment starting with this names the rule set: provenance, which the appendix
#: 附：数据与规则来源 states in full, so the renderers leave it out of the title block.
_PROVENANCE_PREFIX = "规则集"


def without_provenance(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the notebook whose heading subtitles no longer name the rule set (id, version,
    hash): that belongs to the appendix, not under the title."""
    from evalkit.report import heading_block

    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            block = out.get("data", {}).get(BLOCK_MIME)
            if not block or block.get("kind") != "heading" or not block.get("subtitle"):
                continue
            kept = " · ".join(part for part in str(block["subtitle"]).split(" · ")
                              if not part.strip().startswith(_PROVENANCE_PREFIX))
            bundle = heading_block(block["text"], int(block["level"]), kept)._repr_mimebundle_()
            out["data"].update(bundle)
    return nb


def render_outputs(nb: nbformat.NotebookNode, summary: Mapping[str, Any],
                   formats: Iterable[str], *, identity: ReportIdentity | None = None,
                   report_type: str = "") -> dict[str, bytes]:
    """The contents of a report's files by extension, for the requested formats.

    Every format carries the cover, signature page, table of contents (long reports), running
    header and footer and the appendix 附：数据与规则来源, from ``identity``
    (:func:`evalkit.engagement.report_identity`; without one every field shows 【待填】).
    Pure: nothing is written, so a batch worker can return the bytes to the process that writes
    them (which adds the ``.json`` summary with its provenance).

    Raises
    ------
    InputError
        When the engagement is a 正式稿 with blank fields (naming them), or the Word template
        cannot be used; otherwise whatever the renderer raised.
    """
    from evalkit import __version__

    formats = list(formats)
    identity = identity or placeholder_identity(str(summary.get("project_id", "")))
    check_final(identity.engagement)
    nb = without_provenance(nb)
    title = str(summary.get("title", summary.get("project_id", "")))
    rows = provenance_rows(summary, identity, __version__)
    contents: dict[str, bytes] = {}
    if "html" in formats or "pdf" in formats:
        html_text = to_html(nb, title=title, front=front_pages(title, identity),
                            back=appendix(rows), page_css=page_css(identity))
    if "html" in formats:
        contents["html"] = html_text.encode("utf-8")
    if "pdf" in formats:
        contents["pdf"] = pdf_bytes(html_text, date=identity.engagement.report_date)
    if "docx" in formats:
        contents["docx"] = docx_bytes(nb, title=title, identity=identity,
                                      report_type=report_type, appendix=rows)
    if "xlsx" in formats:
        contents["xlsx"] = xlsx_bytes(nb)
    if "workpaper" in formats:
        contents["workpaper"] = workpaper_bytes(nb, title)
    return contents


def check_formats(formats: Iterable[str]) -> list[str]:
    """Normalise a list of output formats; unknown ones are an InputError."""
    formats = [f.strip().lower() for f in formats if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise InputError(f"formats {unknown}: expected any of {list(FORMATS)}")
    return formats
