"""Finished Excel workbooks: the one writer behind :func:`evalkit.io.write_excel`.

Every workbook evalkit writes (``summary.xlsx``, a batch's portfolio ``summary.xlsx``, the
tables of a report, a review's comparison) goes through :func:`write_sheets`, so each one has

* a bold header row (the caller's Chinese headers), frozen, with an autofilter over the table;
* number formats by column: whole numbers ``0``; amounts (a header naming 万元) ``#,##0.00``;
  fractions shown as percentages (a header ending in 率, or naming 进度 or 比例, or 相对偏差)
  ``0.00%``; every other decimal ``0.00`` — the value itself is stored unrounded;
  a caller may name a format per column, or one per row (a column of mixed figures);
* ``是``/``否`` for booleans, blank cells for NaN, None and empty text;
* column widths from the content (CJK characters counted double, at most 60);
* text kept as text: a string cell is never a formula, so ``=1+1`` in a project name is shown
  exactly as typed (no apostrophe) and cannot run; formula-like text also carries Excel's
  quote-prefix style, so editing the cell keeps it text (formula injection, OWASP CSV injection).

Written with xlsxwriter in constant-memory mode: rows stream to disk as they are written, a
column at a time (:class:`_RowStream`), so a 200,000-row sheet costs a few MiB however long it is;
text is stored once per distinct value (shared strings). A table longer than a sheet continues on
``…（续1）`` sheets. The package is deflated at zlib level :data:`ZIP_LEVEL` (:class:`_Package`).
"""

from __future__ import annotations

import math
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: First characters that make Excel (or LibreOffice) read typed text as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Excel number formats of the policy (see the module docstring).
INTEGER, AMOUNT, PERCENT, DECIMAL = "0", "#,##0.00", "0.00%", "0.00"
#: Rows sampled to size the columns; widths are in Excel character units.
_WIDTH_ROWS, _MIN_WIDTH, _MAX_WIDTH = 1000, 6, 60
#: Data rows of one sheet (Excel's 1,048,576 rows less the header), and rows made per block.
MAX_DATA_ROWS, _BLOCK_ROWS = 1_048_575, 5_000
#: What a cut text ends with: a cell holds at most 32,767 characters (UTF-16 units).
_MAX_CELL_CHARS = 32_767
TRUNCATED = "…（超出 Excel 单元格 32767 字符上限，以下从略）"
#: zlib level of the package: 1 deflates a province's 150 MiB of sheet XML in 0.7 s instead of
#: the default level's 2.7 s, for a file a third larger (24 MiB instead of 17); Excel, LibreOffice
#: and every zip reader read any level.
ZIP_LEVEL = 1


def display_width(text: str) -> int:
    """Width of ``text`` in Excel character units: wide (CJK) and full-width characters count 2.

    >>> display_width("项目编码"), display_width("P001"), display_width("９０％")
    (8, 4, 6)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def number_format(header: str, values: pd.Series) -> str | None:
    """The number format of a numeric column by its header (the policy above); None for text.

    >>> import pandas as pd
    >>> number_format("预算执行率", pd.Series([0.9])), number_format("预算数(万元)", pd.Series([1.0]))
    ('0.00%', '#,##0.00')
    >>> number_format("三级指标数", pd.Series([3])), number_format("服务对象满意度(%)", pd.Series([90.5]))
    ('0', '0.00')
    """
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    if pd.api.types.is_integer_dtype(values):
        return INTEGER
    if "万元" in header:
        return AMOUNT
    if "%" not in header and (header.endswith("率") or any(
            word in header for word in ("进度", "比例", "相对偏差"))):
        return PERCENT
    return DECIMAL


def _cell(value: Any) -> Any:
    """A value as a cell holds it: a finite number, 是/否, text, or None (blank)."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else ("是" if value else "否")
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return str(value)


def _text_of(value: Any, fmt: str | None) -> str:
    """The text a reader sees in a cell (for its column width)."""
    if isinstance(value, float):
        if fmt == PERCENT:
            return f"{value:.2%}"
        return f"{value:,.2f}" if fmt in (AMOUNT, DECIMAL, None) else f"{value:.0f}"
    return "" if value is None else str(value)


def _continuation_names(name: str, n_rows: int) -> list[str]:
    """Sheet names for a table of ``n_rows`` data rows: ``name`` and, past Excel's
    1,048,575 data rows per sheet, ``name（续1）``, ``name（续2）`` … (each ≤ 31 characters)."""
    parts = max(1, -(-n_rows // MAX_DATA_ROWS))
    names = [name]
    for k in range(1, parts):
        suffix = f"（续{k}）"
        names.append(name[:31 - len(suffix)] + suffix)
    return names


class _RowStream:
    """Data rows written into a constant-memory xlsxwriter worksheet as ready-made XML.

    xlsxwriter's public ``write_*`` calls cost a few microseconds per cell (argument checks,
    a per-cell object, then the XML of each cell with three regular expressions for text), which
    was most of the time of a province's ``summary.xlsx`` (4.5 million cells). Here a column's
    cells are made at once — each distinct value formatted once, each distinct text stored once
    in the workbook's shared strings (xlsxwriter escapes it there) — and a block of rows is
    appended to the worksheet's row stream, the temporary file xlsxwriter copies into
    ``<sheetData>`` when the workbook closes. ``tests/test_workbook.py`` compares every cell's
    reference, style and text with what xlsxwriter's own ``write_*`` calls produce; text that
    looks like xlsxwriter's rich-string markup (``<r>…</r>``), which its string writers would
    copy unescaped, is written escaped, as the text it is.

    The stream is xlsxwriter's internal state (``fh``, ``previous_row``, ``_check_dimensions``,
    ``_write_single_row``, ``Format._get_xf_index``, the workbook's ``str_table``), as is the
    package's zlib level (the name ``ZipFile`` in ``xlsxwriter.workbook``, :class:`_Package`),
    which is why the dependency is bounded above in ``pyproject.toml`` and the comparison and
    the level run in the tests.
    """

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        ws._write_single_row(1)  # the header row goes to the stream first

    def write(self, xml: str) -> None:
        self.ws.fh.write(xml)

    def close(self, last_row: int, last_col: int) -> None:
        if last_row > 0:
            self.ws._check_dimensions(last_row, last_col)
        self.ws.previous_row = max(last_row, 1)


def _text_tail(text: str, style: str, shared: Any, escape: Callable[[str], str]) -> str:
    """The part of a text cell after its reference: style, then the text as an index into the
    workbook's shared strings (``t="s"``, as xlsxwriter writes text outside constant-memory
    mode: each distinct text stored once), or — for text that looks like xlsxwriter's
    rich-string markup, which its string writers would copy unescaped — as an escaped inline
    string (``_xml_inline_string``)."""
    from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate
    from xlsxwriter.xmlwriter import XMLwriter

    if len(text) > _MAX_CELL_CHARS // 2 and _utf16_len(text) > _MAX_CELL_CHARS:
        text = _utf16_truncate(text, _MAX_CELL_CHARS - len(TRUNCATED)) + TRUNCATED
    escaped = XMLwriter._escape_control_characters(text)
    if not (escaped.startswith("<r>") and escaped.endswith("</r>")):
        return f'"{style} t="s"><v>{shared._get_shared_string_index(text)}</v></c>'
    preserve = ' xml:space="preserve"' if _preserve_whitespace(escaped) else ""
    return f'"{style} t="inlineStr"><is><t{preserve}>{escape(escaped)}</t></is></c>'


def _column_cells(values: pd.Series, letter: str, styles: Sequence[str], text_tail,
                  ) -> Callable[[int, int, list[str]], list[str]]:
    """A function giving the cell XML of rows ``a:b`` of a column ("" where a cell is blank),
    given the rows' Excel numbers as text. ``styles[i]`` is the ``s`` attribute of row ``i``'s
    number (a column format, or one per row)."""
    prefix = f'<c r="{letter}'
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        floats = values.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(floats)
        if len(set(styles)) == 1:  # one format: each distinct number is written once
            # by bit pattern, so -0.0 stays "-0" as xlsxwriter writes it
            codes, bits = pd.factorize(floats.view(np.int64))
            codes[~finite] = -1
            tails = np.empty(len(bits) + 1, dtype=object)  # the last one: a blank (code -1)
            tails[:] = [f'"{styles[0]}><v>{v:.16G}</v></c>'
                        for v in bits.view(np.float64).tolist()] + [""]

            def distinct(a: int, b: int, rows: list[str]) -> list[str]:
                return [prefix + r + t if t else ""
                        for r, t in zip(rows, tails[codes[a:b]].tolist(), strict=True)]
            return distinct

        def numbers(a: int, b: int, rows: list[str]) -> list[str]:
            return [f'{prefix}{r}"{s}><v>{v:.16G}</v></c>' if ok else ""
                    for r, v, s, ok in zip(rows, floats[a:b].tolist(), styles[a:b],
                                           finite[a:b].tolist(), strict=True)]
        return numbers
    cells = values.to_numpy(dtype=object)
    if pd.api.types.is_bool_dtype(values) or pd.api.types.infer_dtype(
            cells, skipna=True) in ("string", "empty"):
        codes, uniques = pd.factorize(cells, use_na_sentinel=True)
        texts = np.empty(len(uniques) + 1, dtype=object)  # the last one: a blank (code -1)
        texts[:] = [text_tail(v) if v else "" for v in map(_cell, uniques.tolist())] + [""]

        def texts_of(a: int, b: int, rows: list[str]) -> list[str]:
            return [prefix + r + t if t else ""
                    for r, t in zip(rows, texts[codes[a:b]].tolist(), strict=True)]
        return texts_of
    tails: dict[tuple[type, Any], str] = {}

    def mixed(a: int, b: int, rows: list[str]) -> list[str]:
        out = []
        for r, raw, s in zip(rows, cells[a:b].tolist(), styles[a:b], strict=True):
            key = (type(raw), raw)
            try:
                tail = tails[key]
            except (KeyError, TypeError):
                value = _cell(raw)
                if value is None or value == "":
                    tail = ""
                elif isinstance(value, str):
                    tail = text_tail(value)
                else:
                    tail = f'"{s}><v>{value:.16G}</v></c>'
                if isinstance(value, str) or value is None:  # numbers carry a row's style
                    try:
                        tails[key] = tail
                    except TypeError:
                        pass
            out.append(prefix + r + tail if tail else "")
        return out
    return mixed


class _Package(zipfile.ZipFile):
    """The zip xlsxwriter packs the workbook into, deflated at :data:`ZIP_LEVEL` (xlsxwriter
    passes no level, so its zip would use zlib's default, 6). Installed as ``ZipFile`` in
    ``xlsxwriter.workbook`` by :func:`write_sheets`, it then also packs any other xlsxwriter
    workbook of the process (a notebook's ``pandas.ExcelWriter``): only its size changes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, compresslevel=ZIP_LEVEL, **kwargs)


def write_sheets(sheets: Mapping[str, pd.DataFrame], path: str | Path, *,
                 formats: Mapping[str, Mapping[str, str | Sequence[str]]] | None = None) -> None:
    """Write DataFrames as finished sheets of one workbook at ``path`` (not atomically: see
    :func:`evalkit.io.write_excel`).

    Parameters
    ----------
    sheets : mapping of sheet name → DataFrame
        Written in order with their column headers (Chinese, chosen by the caller); the index is
        not written. A table longer than Excel's 1,048,575 data rows continues on sheets named
        ``…（续1）``, ``…（续2）``, each with the header row; a text longer than a cell holds
        (32,767 characters) is cut and ends with :data:`TRUNCATED`.
    path : str or Path
    formats : mapping of sheet name → {column header: Excel number format}, optional
        Overrides the policy of :func:`number_format` for a column; a sequence gives one format
        per row (a 指标/数值 table of mixed figures).
    """
    import xlsxwriter
    import xlsxwriter.workbook
    from xlsxwriter.utility import xl_col_to_name
    from xlsxwriter.xmlwriter import XMLwriter

    formats = formats or {}
    xlsxwriter.workbook.ZipFile = _Package  # the one zip xlsxwriter makes, in _store_workbook
    wb = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False})
    styles: dict[tuple[str | None, bool], Any] = {}

    def style(fmt: str | None, quote: bool = False):
        if (fmt, quote) not in styles:
            props: dict[str, Any] = {"num_format": fmt} if fmt else {}
            styles[fmt, quote] = wb.add_format(props | ({"quote_prefix": True} if quote else {}))
        return styles[fmt, quote]

    def attribute(fmt: str | None) -> str:
        return f' s="{style(fmt)._get_xf_index()}"' if fmt else ""

    header_style = wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                  "bg_color": "#EDEFF3", "border": 1})
    header_quoted = wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                   "bg_color": "#EDEFF3", "border": 1, "quote_prefix": True})
    escape = XMLwriter()._escape_data
    quoted = f' s="{style(None, True)._get_xf_index()}"'

    def text_tail(text: str) -> str:
        return _text_tail(text, quoted if text.startswith(FORMULA_PREFIXES) else "",
                          wb.str_table, escape)
    shared_cells = 0  # references to shared strings, for the table's count
    try:
        for name, frame in sheets.items():
            headers = [str(c) for c in frame.columns]
            given = formats.get(name, {})
            fmts = [given.get(h, number_format(h, frame.iloc[:, i]))
                    for i, h in enumerate(headers)]
            widths = [_width(h, frame.iloc[:_WIDTH_ROWS, i], f)
                      for i, (h, f) in enumerate(zip(headers, fmts, strict=True))]
            row_styles = [[attribute(f)] * len(frame) if isinstance(f, str) or f is None
                          else [attribute(x) for x in f] for f in fmts]
            columns = [_column_cells(frame.iloc[:, i], xl_col_to_name(i), row_styles[i],
                                     text_tail) for i in range(len(headers))]
            for part, sheet_name in enumerate(_continuation_names(name, len(frame))):
                first = part * MAX_DATA_ROWS
                last = min(len(frame), first + MAX_DATA_ROWS)
                ws = wb.add_worksheet(sheet_name)
                for c, (header, width) in enumerate(zip(headers, widths, strict=True)):
                    ws.set_column(c, c, width)
                    ws.write_string(0, c, header,
                                    header_quoted if header.startswith(FORMULA_PREFIXES)
                                    else header_style)
                ws.freeze_panes(1, 0)
                if headers:
                    ws.autofilter(0, 0, max(last - first, 1), len(headers) - 1)
                stream = _RowStream(ws)
                for a in range(first, last if columns else first, _BLOCK_ROWS):
                    b = min(last, a + _BLOCK_ROWS)
                    numbers = [str(n) for n in range(a - first + 2, b - first + 2)]
                    cells = [column(a, b, numbers) for column in columns]
                    xml = "".join(f'<row r="{n}">{row}</row>' for n, row in zip(
                        numbers, map("".join, zip(*cells, strict=True)), strict=True) if row)
                    shared_cells += xml.count(' t="s"><v>')  # text's "<" is always escaped
                    stream.write(xml)
                stream.close(last - first, len(headers) - 1)
        wb.str_table.count = shared_cells
    finally:
        wb.close()


def _width(header: str, head: pd.Series, fmt: str | Sequence[str] | None) -> float:
    """A column's width: its header's or its first :data:`_WIDTH_ROWS` cells' widest text."""
    sample_fmt = fmt if isinstance(fmt, str) or fmt is None else None
    width = max([display_width(header), *(
        display_width(_text_of(_cell(v), sample_fmt)) for v in head.tolist())])
    return min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
