"""Render an executed report notebook into every requested format, in memory.

:func:`render_outputs` is pure — it returns file contents by extension and writes nothing — so a
batch worker returns the bytes to the one process that writes files (:mod:`evalkit.batch`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import nbformat

from evalkit.errors import InputError
from evalkit.render.docx import docx_bytes
from evalkit.render.html import to_html
from evalkit.render.pdf import pdf_bytes
from evalkit.render.xlsx import xlsx_bytes
from evalkit.report import SUMMARY_MIME
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


def render_outputs(nb: nbformat.NotebookNode, summary: Mapping[str, Any],
                   formats: Iterable[str]) -> dict[str, bytes]:
    """The contents of a report's files by extension, for the requested formats.

    Pure: nothing is written, so a batch worker can return the bytes to the process that writes
    them (which adds the ``.json`` summary with its provenance). Raises whatever the renderer
    raised.
    """
    from evalkit import __version__

    formats = list(formats)
    title = str(summary.get("title", summary.get("project_id", "")))
    footer = (f"evalkit {__version__} · 规则集 {summary.get('ruleset_id', '')}@"
              f"{summary.get('ruleset_version', '')} ({str(summary.get('ruleset_sha256', ''))[:12]})")
    contents: dict[str, bytes] = {}
    if "html" in formats or "pdf" in formats:
        html_text = to_html(nb, title=title, footer=footer)
    if "html" in formats:
        contents["html"] = html_text.encode("utf-8")
    if "pdf" in formats:
        contents["pdf"] = pdf_bytes(html_text)
    if "docx" in formats:
        contents["docx"] = docx_bytes(nb, footer=footer)
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
