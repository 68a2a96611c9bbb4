"""HTML reports: an executed notebook exported with evalkit's nbconvert template.

No input cells, no scripts, no CDN: styles and a per-report subset of the CJK font are inlined
(:func:`evalkit.render.fonts.font_face_css`), charts are embedded PNGs, so the page opens offline.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import nbformat

from evalkit.render.fonts import font_face_css
from evalkit.report import BLOCK_MIME

#: Cells tagged with this are template notes, not report content.
REMOVE_TAG = "remove_cell"


def visible_cells(nb: nbformat.NotebookNode) -> Iterable[nbformat.NotebookNode]:
    """The cells that are report content (not tagged :data:`REMOVE_TAG`)."""
    return (c for c in nb.cells if REMOVE_TAG not in c.get("metadata", {}).get("tags", []))


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def keep_headings_with_content(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy where a heading-only markdown cell moves into the first output of the next cell.

    A template's section heading (``## 三、扣分情况``) is a markdown cell of its own, and
    WeasyPrint does not carry ``break-after: avoid`` from one cell's box to the next, so a
    heading could end a page while its chart or table began the next. As a sibling of that
    first block it keeps with it. Other markdown cells are left as they are.
    """
    nb = nbformat.from_dict(nb)
    cells = list(nb.cells)
    keep = []
    for i, cell in enumerate(cells):
        lines = [ln.strip() for ln in cell.source.splitlines() if ln.strip()] \
            if cell.cell_type == "markdown" else []
        headings = [_MD_HEADING.match(ln) for ln in lines]
        after = next((c for c in cells[i + 1:] if REMOVE_TAG not in c.get("metadata", {})
                      .get("tags", [])), None) if lines else None
        first = (after.get("outputs") or [None])[0] if after is not None else None
        data = first.get("data", {}) if first is not None else {}
        if (REMOVE_TAG in cell.get("metadata", {}).get("tags", []) or not lines
                or not all(headings) or "text/html" not in data):
            keep.append(cell)
            continue
        markup = "".join(f"<h{len(m.group(1))}>{html.escape(m.group(2))}</h{len(m.group(1))}>"
                         for m in headings)
        data["text/html"] = markup + data["text/html"]
    nb.cells = keep
    return nb


def _visible_text(nb: nbformat.NotebookNode) -> str:
    chunks = []
    for cell in visible_cells(nb):
        if cell.cell_type == "markdown":
            chunks.append(cell.source)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            chunks.append(json.dumps(data.get(BLOCK_MIME, ""), ensure_ascii=False))
            chunks.append(str(data.get("text/plain", "")))
    return "".join(chunks)


@functools.cache
def exporter():
    """One configured exporter per process (building it loads the Jinja templates)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {REMOVE_TAG}
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.anchor_link_text = ""
    folder = Path(str(resources.files("evalkit").joinpath("templates_html")))
    html_exporter = HTMLExporter(config=config, template_name="evalkit",
                                 extra_template_basedirs=[str(folder)])
    html_exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    css = (folder / "evalkit" / "report.css").read_text(encoding="utf-8")
    return html_exporter, css


def to_html(nb: nbformat.NotebookNode, *, title: str, front: str = "", back: str = "",
            page_css: str = "") -> str:
    """Export an executed report notebook to a self-contained, script-free HTML page.

    ``front`` (cover, signature page, table-of-contents marker) and ``back`` (appendix) are
    escaped HTML put before and after the report's content (:mod:`evalkit.render.frame`);
    ``page_css`` adds ``@page`` rules (running header and footer of the PDF).
    """
    from evalkit.render.frame import TOC_TITLE, with_toc

    html_exporter, css = exporter()
    text = _visible_text(nb) + title + front + back + page_css + TOC_TITLE  # the font subset's
    nb = keep_headings_with_content(nb)  # a copy: the caller's notebook is not changed
    nb.metadata["title"] = title
    for cell in nb.cells:  # papermill gives this cell a random id; the same report, same bytes
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    body, _ = html_exporter.from_notebook_node(nb, resources={
        "evalkit_css": (font_face_css(text)
                        + "\n" + css + "\n" + page_css),
        "evalkit_front": front, "evalkit_back": back})
    # nbconvert accepts only ISO 639-1 codes ("zh"); the page says which Chinese it is
    body = re.sub(r'<html lang="[^"]*">', '<html lang="zh-CN">', body, count=1)
    return with_toc(body)
