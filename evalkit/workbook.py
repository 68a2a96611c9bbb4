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

Written with xlsxwriter in constant-memory mode: rows stream to disk as they are written, so a
200,000-row sheet costs a few MiB however long it is.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
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


def _column(values: pd.Series) -> list[Any]:
    """A column's cells (:func:`_cell`); numeric columns are converted at once."""
    if pd.api.types.is_bool_dtype(values):
        return ["是" if v else "否" for v in values.to_numpy(dtype=bool)]
    if pd.api.types.is_numeric_dtype(values):
        floats = values.to_numpy(dtype=float, na_value=np.nan)
        return [v if math.isfinite(v) else None for v in floats.tolist()]
    return [_cell(v) for v in values.tolist()]


def _text_of(value: Any, fmt: str | None) -> str:
    """The text a reader sees in a cell (for its column width)."""
    if isinstance(value, float):
        if fmt == PERCENT:
            return f"{value:.2%}"
        return f"{value:,.2f}" if fmt in (AMOUNT, DECIMAL, None) else f"{value:.0f}"
    return "" if value is None else str(value)


def write_sheets(sheets: Mapping[str, pd.DataFrame], path: str | Path, *,
                 formats: Mapping[str, Mapping[str, str | Sequence[str]]] | None = None) -> None:
    """Write DataFrames as finished sheets of one workbook at ``path`` (not atomically: see
    :func:`evalkit.io.write_excel`).

    Parameters
    ----------
    sheets : mapping of sheet name → DataFrame
        Written in order with their column headers (Chinese, chosen by the caller); the index is
        not written.
    path : str or Path
    formats : mapping of sheet name → {column header: Excel number format}, optional
        Overrides the policy of :func:`number_format` for a column; a sequence gives one format
        per row (a 指标/数值 table of mixed figures).
    """
    import xlsxwriter

    formats = formats or {}
    wb = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False})
    styles: dict[tuple[str | None, bool], Any] = {}

    def style(fmt: str | None, quote: bool = False):
        if (fmt, quote) not in styles:
            props: dict[str, Any] = {"num_format": fmt} if fmt else {}
            styles[fmt, quote] = wb.add_format(props | ({"quote_prefix": True} if quote else {}))
        return styles[fmt, quote]

    header_style = wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                  "bg_color": "#EDEFF3", "border": 1})
    header_quoted = wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                   "bg_color": "#EDEFF3", "border": 1, "quote_prefix": True})
    try:
        for name, frame in sheets.items():
            ws = wb.add_worksheet(name)
            headers = [str(c) for c in frame.columns]
            given = formats.get(name, {})
            fmts = [given.get(h, number_format(h, frame.iloc[:, i]))
                    for i, h in enumerate(headers)]
            columns = [_column(frame.iloc[:, i]) for i in range(len(headers))]
            for c, (header, cells, fmt) in enumerate(zip(headers, columns, fmts, strict=True)):
                sample_fmt = fmt if isinstance(fmt, str) or fmt is None else None
                width = max([display_width(header), *(
                    display_width(_text_of(v, sample_fmt)) for v in cells[:_WIDTH_ROWS])])
                ws.set_column(c, c, min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH))
                ws.write_string(0, c, header,
                                header_quoted if header.startswith(FORMULA_PREFIXES)
                                else header_style)
            ws.freeze_panes(1, 0)
            if headers:
                ws.autofilter(0, 0, max(len(frame), 1), len(headers) - 1)
            row_styles = [None if isinstance(f, str) or f is None else [style(x) for x in f]
                          for f in fmts]
            col_styles = [style(f) if isinstance(f, str) else None for f in fmts]
            quoted = style(None, True)
            for r, row in enumerate(zip(*columns, strict=True), start=1):
                for c, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    if isinstance(value, str):
                        ws.write_string(r, c, value,
                                        quoted if value.startswith(FORMULA_PREFIXES) else None)
                    else:
                        per_row = row_styles[c]
                        ws.write_number(r, c, value,
                                        per_row[r - 1] if per_row is not None else col_styles[c])
    finally:
        wb.close()
