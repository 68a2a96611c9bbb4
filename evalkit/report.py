"""Building blocks that report templates display: headings, paragraphs, tables, figures, summary.

Each block is shown in the notebook as escaped HTML and also carries a small JSON description
(mimetype :data:`BLOCK_MIME`) that the Word writer reads, so HTML, PDF and DOCX show the same
content without parsing HTML back. The machine summary of a report is displayed under
:data:`SUMMARY_MIME`; renderers and tests read it from the executed notebook.

Data strings (project and unit names, expert comments) are always HTML-escaped here: nothing from
a dataset reaches the page as markup.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

#: Mimetype of a report block's JSON description (read by the DOCX writer).
BLOCK_MIME = "application/vnd.evalkit.block+json"
#: Mimetype of a report's machine summary (read by renderers, batch runs and tests).
SUMMARY_MIME = "application/vnd.evalkit.summary+json"
#: The number-format policy of every report (display only; results stay unrounded): percentages
#: and shares, scores and 万元 amounts all show this many decimals ("68.34%", "9.43", "1,234.50"),
#: so one figure never reads 68.3% in one table and 68.34% in another. Tables apply it to their
#: format specs (:func:`display_spec`); prose uses :func:`percent` and
#: :func:`evalkit.stages.prose.points`.
DISPLAY_DECIMALS = 2
_SPEC = re.compile(r"([+,]?)\.(\d+)([f%])")


def display_spec(spec: str) -> str:
    """A table's format spec under :data:`DISPLAY_DECIMALS`: a percentage or a decimal number
    gets the policy's decimals; whole numbers (``.0f``, ``d``) and other specs stay.

    >>> display_spec(".1%"), display_spec(",.2f"), display_spec(".0f"), display_spec("d")
    ('.2%', ',.2f', '.0f', 'd')
    """
    match = _SPEC.fullmatch(spec)
    if not match or (match.group(3) == "f" and match.group(2) == "0"):
        return spec
    return f"{match.group(1)}.{DISPLAY_DECIMALS}{match.group(3)}"


def percent(share: float) -> str:
    """A share as a percentage under :data:`DISPLAY_DECIMALS` (0.6834 → ``68.34%``).

    >>> percent(0.6834)
    '68.34%'
    """
    return f"{share * 100:.{DISPLAY_DECIMALS}f}%"


class Block:
    """A displayable report block: HTML for pages, JSON for the Word writer, text for consoles."""

    def __init__(self, kind: str, html_text: str, plain: str, **payload: Any):
        self.kind, self.html, self.plain, self.payload = kind, html_text, plain, payload

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return {"text/html": self.html, "text/plain": self.plain,
                BLOCK_MIME: {"kind": self.kind, **self.payload}}


def _show(block: Block) -> None:
    """Display a block. Returns None on purpose: a block returned as a cell's last value would
    be displayed a second time."""
    from IPython.display import display

    display(block)


def heading_block(text: str, level: int = 1, subtitle: str = "") -> Block:
    """The block of a heading (level 1–3) with an optional subtitle line, escaped."""
    tag = f"h{level}"
    body = f"<{tag}>{html.escape(text)}</{tag}>"
    if subtitle:
        body += f'<p class="evalkit-subtitle">{html.escape(subtitle)}</p>'
    return Block("heading", body, text, text=text, level=level, subtitle=subtitle)


def heading(text: str, level: int = 1, *, subtitle: str = "") -> None:
    """Display a heading (level 1–3) built from data, e.g. the project name in the title."""
    _show(heading_block(text, level, subtitle))


def paragraph(text: str, *, style: str = "") -> None:
    """Display generated narrative as paragraphs (one per line of ``text``), escaped.

    ``style`` is ``""``, ``"conclusion"`` (a boxed conclusion) or ``"warning"``.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    css = f' class="evalkit-{style}"' if style else ""
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    if lines:
        _show(Block("paragraph", f"<div{css}>{body}</div>", text, lines=lines, style=style))


def _cell(value: Any, fmt: str | Callable[[Any], str] | None) -> tuple[str, bool]:
    """Format one cell for display; returns (text, is_number)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—", False
    if callable(fmt):
        return fmt(value), isinstance(value, (int, float)) and not isinstance(value, bool)
    if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format(value, display_spec(fmt)), True
    if isinstance(value, bool):
        return ("是" if value else "否"), False
    if isinstance(value, float):
        return f"{value:.{DISPLAY_DECIMALS}f}", True
    return str(value), isinstance(value, int)


def _text_width(text: str) -> float:
    """Display width of a text in half-em units (a CJK character or full-width form counts 2)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _column_needs(rows: Sequence[Sequence[str]]) -> list[float]:
    """Each column's wish in half-ems: its longest text capped at 40 (longer text wraps), at
    least its header's longest word or 4 (no one-character columns). ``rows[0]`` is the header."""
    header = rows[0]
    return [min(max(max(_text_width(r[j]) for r in rows), max(4, min(_text_width(header[j]), 12))),
                40) for j in range(len(header))]


def column_shares(rows: Sequence[Sequence[str]], line: float | None = None) -> list[float]:
    """Each column's share of the line, from content: the widths of a table in Word.

    Without ``line`` the wishes of :func:`_column_needs` are shared in proportion. With
    ``line`` (the line's length in half-ems of the table's font), a column of short values
    (:data:`_SHORT_HALF_EMS`: ``15.00``, ``45.69%``) first gets its full width plus the cell's
    padding, so numbers never stand one digit per line; the other columns share the rest in
    proportion (or all share in proportion when the values alone would fill the line).

    >>> [round(s, 3) for s in column_shares([["指标", "得分"], ["产出数量完成率", "9.50"]])]
    [0.778, 0.222]
    >>> [round(s, 3) for s in column_shares([["指标", "得分"], ["产出数量完成率", "9.50"]], 80)]
    [0.9, 0.1]
    """
    need = _column_needs(rows)
    fixed = [n + _CELL_PADDING if n <= _SHORT_HALF_EMS else 0.0 for n in need]
    flexible = sum(n for n, f in zip(need, fixed, strict=True) if not f)
    rest = (line or 0) - sum(fixed)
    if not line or not flexible or rest <= flexible / 4:
        return [n / sum(need) for n in need]
    return [(f or rest * n / flexible) / line for n, f in zip(need, fixed, strict=True)]


#: A column whose text is longer than this (half-ems) gets a minimum width on the page, so the
#: browser's (and WeasyPrint's) automatic layout cannot squeeze prose into a sliver beside wide
#: number columns.
_PROSE_HALF_EMS = 16
#: Text this short (half-ems) is a value, not prose: it never wraps inside.
_SHORT_HALF_EMS = 8
#: A table cell's left and right padding together plus slack for wide digits and ``%``, in
#: half-ems (Word's default cell margins are 0.19 cm a side, about one half-em of 五号 each).
_CELL_PADDING = 4


def _header_cell(text: str, need: float) -> str:
    """A ``<th>``; a prose column's carries a minimum width (two fifths of its wish, in em)."""
    style = f' style="min-width: {need / 5:.1f}em"' if need > _PROSE_HALF_EMS else ""
    return f"<th{style}>{html.escape(text)}</th>"


def _text_cell(text: str) -> str:
    """A ``<td>`` of text; a short value (``45.69%``, ``≥126台``) is kept on one line."""
    short = ' class="short"' if _text_width(text) <= _SHORT_HALF_EMS else ""
    return f"<td{short}>{html.escape(text)}</td>"


def table(frame: pd.DataFrame, *, caption: str = "",
          columns: Mapping[str, str] | None = None,
          formats: Mapping[str, str | Callable[[Any], str]] | None = None) -> None:
    """Display a table with Chinese headers; numbers formatted for display only.

    Parameters
    ----------
    frame : DataFrame
        Unrounded values.
    caption : str
    columns : mapping, optional
        Column → Chinese header; only these columns are shown, in this order.
    formats : mapping, optional
        Column → format spec (``".2f"``, ``".2%"``; decimals follow :data:`DISPLAY_DECIMALS`)
        or a callable returning text.
    """
    columns = dict(columns) if columns else {c: str(c) for c in frame.columns}
    formats = dict(formats or {})
    headers = list(columns.values())
    rows, numeric = [], []
    for record in frame[list(columns)].itertuples(index=False):
        cells = [_cell(v, formats.get(c)) for c, v in zip(columns, record, strict=True)]
        rows.append([t for t, _ in cells])
        numeric.append([n for _, n in cells])
    head = "".join(_header_cell(h, n) for h, n in zip(headers, _column_needs([headers, *rows]),
                                                      strict=True))
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{html.escape(t)}</td>' if n else
                         _text_cell(t) for t, n in zip(r, isnum, strict=True))
        + "</tr>" for r, isnum in zip(rows, numeric, strict=True))
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    markup = f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    plain = "\n".join(["\t".join(headers), *("\t".join(r) for r in rows)])
    _show(Block("table", markup, plain, caption=caption, headers=headers, rows=rows,
                       numeric=numeric))


def figure(fig, *, caption: str = "") -> None:
    """Display a matplotlib figure as an embedded PNG with a caption (a pyplot figure is then
    closed; :mod:`evalkit.charts` figures never enter pyplot)."""
    buf = io.BytesIO()
    # zlib level 1 instead of Pillow's 6: ≈5 % larger PNGs, encoded in a fraction of the time
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    plt = sys.modules.get("matplotlib.pyplot")  # not imported here: the charts do not need it
    if plt is not None:
        plt.close(fig)
    png = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    markup = f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{png}">{cap}</figure>'
    _show(Block("figure", markup, caption, caption=caption, png=png))


def record_summary(summary: Mapping[str, Any]) -> None:
    """Display the report's machine summary (JSON) for renderers, batch runs and tests.

    NaN becomes null so the summary is valid JSON.
    """
    from IPython.display import display

    clean = json.loads(json.dumps(summary, ensure_ascii=False, default=_jsonable),
                       parse_constant=lambda _: None)
    display({SUMMARY_MIME: clean, "text/plain": "summary recorded"}, raw=True)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)
