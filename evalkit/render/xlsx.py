"""Excel workbooks of a report: every table of an executed report notebook on its own sheet.

The tables are those the template showed with :func:`evalkit.report.table` (their display text,
as in the HTML and Word files); numbers shown as plain numbers become numeric cells, anything
else (percentages, ``—``) stays text. Written through :func:`evalkit.io.write_excel` (finished
sheets; formula-like text stored as text, never run). Works for every report type: a 审核意见表 is the target review's
tables, a self-evaluation's workbook its 自评表.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from evalkit.render.html import visible_cells
from evalkit.report import BLOCK_MIME

#: Characters Excel forbids in a sheet name; its length limit.
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31


def _tables(nb: nbformat.NotebookNode) -> Iterator[Mapping[str, Any]]:
    for cell in visible_cells(nb):
        for out in cell.get("outputs", []):
            block = out.get("data", {}).get(BLOCK_MIME)
            if block and block.get("kind") == "table":
                yield block


def _number(text: str, is_number: bool) -> Any:
    """A displayed cell as Excel should hold it: ``1,234.50`` → 1234.5; other text unchanged."""
    if is_number:
        try:
            return float(text.replace(",", ""))
        except ValueError:
            return text
    return None if text == "—" else text


def sheet_name(caption: str, index: int, taken: set[str]) -> str:
    """A unique, valid sheet name from a table's caption (``表1 审核意见表``), else ``表{index}``.

    >>> sheet_name("表2 审核意见/修改建议", 2, set()), sheet_name("", 3, {"表3"})
    ('表2 审核意见_修改建议', '表3 (2)')
    """
    base = _BAD_SHEET_CHARS.sub("_", caption).strip()[:_SHEET_MAX] or f"表{index}"
    name, n = base, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: _SHEET_MAX - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def report_tables(nb: nbformat.NotebookNode) -> dict[str, pd.DataFrame]:
    """Sheet name → table, for every table block of an executed report notebook, in order."""
    sheets: dict[str, pd.DataFrame] = {}
    taken: set[str] = set()
    for i, block in enumerate(_tables(nb), 1):
        rows = [[_number(t, n) for t, n in zip(row, numeric, strict=True)]
                for row, numeric in zip(block["rows"], block["numeric"], strict=True)]
        sheets[sheet_name(block.get("caption", ""), i, taken)] = pd.DataFrame(
            rows, columns=block["headers"])
    return sheets


def xlsx_bytes(nb: nbformat.NotebookNode) -> bytes:
    """The workbook of an executed report notebook: one sheet per table (a 说明 sheet when the
    report has none)."""
    from evalkit.io import write_excel

    sheets = report_tables(nb) or {"说明": pd.DataFrame({"说明": ["本报告没有表格"]})}
    with tempfile.TemporaryDirectory() as tmp:
        path = write_excel(sheets, Path(tmp) / "report.xlsx")
        return path.read_bytes()
