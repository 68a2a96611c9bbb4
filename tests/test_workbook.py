"""The workbook writer (:mod:`evalkit.workbook`): its streamed rows are the cells xlsxwriter itself
writes for the same values, long tables continue on further sheets, over-long text is cut visibly."""

from __future__ import annotations

import math
import re
import zipfile

import hypothesis.strategies as st
import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from evalkit import workbook
from evalkit.workbook import FORMULA_PREFIXES, TRUNCATED, number_format, write_sheets


def _reference(sheets, path, formats=None):
    """The same sheets written cell by cell through xlsxwriter's public API (the oracle)."""
    import xlsxwriter

    formats = formats or {}
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    styles = {}

    def style(fmt, quote=False):
        if (fmt, quote) not in styles:
            props = {"num_format": fmt} if fmt else {}
            styles[fmt, quote] = wb.add_format(props | ({"quote_prefix": True} if quote else {}))
        return styles[fmt, quote]

    header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                            "bg_color": "#EDEFF3", "border": 1})
    header_q = wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                              "bg_color": "#EDEFF3", "border": 1, "quote_prefix": True})
    style(None, True)
    for name, frame in sheets.items():
        ws = wb.add_worksheet(name)
        heads = [str(c) for c in frame.columns]
        fmts = [formats.get(name, {}).get(h, number_format(h, frame.iloc[:, i]))
                for i, h in enumerate(heads)]
        for c, h in enumerate(heads):
            ws.set_column(c, c, workbook._width(h, frame.iloc[:1000, c], fmts[c]))
            ws.write_string(0, c, h, header_q if h.startswith(FORMULA_PREFIXES) else header)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(frame), 1), len(heads) - 1)
        for r in range(len(frame)):
            for c in range(len(heads)):
                value = workbook._cell(frame.iat[r, c])
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    ws.write_string(r + 1, c, value,
                                    style(None, True) if value.startswith(FORMULA_PREFIXES)
                                    else None)
                else:
                    f = fmts[c] if isinstance(fmts[c], str) or fmts[c] is None else fmts[c][r]
                    ws.write_number(r + 1, c, value, style(f) if f else None)
    wb.close()


def _sheets_xml(path):
    """Each worksheet's XML with every cell's style index replaced by the style it names
    (number format code and attributes) and every text cell, inline or shared, by its ``<t>``
    element, so the comparison depends neither on the order in which the two writers numbered
    the same styles and strings nor on where a text is stored."""
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode()
        sheets = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")}
        names = z.namelist()
        shared = (re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode(), re.S)
                  if "xl/sharedStrings.xml" in names else [])
    sheets = {n: re.sub(r' t="inlineStr"><is>(.*?)</is></c>', r' t="text">\1</c>', xml,
                        flags=re.S) for n, xml in sheets.items()}
    sheets = {n: re.sub(r' t="s"><v>(\d+)</v></c>',
                        lambda m: f' t="text">{shared[int(m[1])]}</c>', xml)
              for n, xml in sheets.items()}
    codes = dict(re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"/>', styles))
    xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", styles).group(1)
    named = [re.sub(r'numFmtId="(\d+)"', lambda m: f'fmt="{codes.get(m[1], m[1])}"', xf)
             for xf in re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", xfs)]
    return {n: re.sub(r' s="(\d+)"', lambda m: f' s="{named[int(m[1])]}"', xml)
            for n, xml in sheets.items()}


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12).filter(
    lambda t: not (t.startswith("<r>") and t.endswith("</r>")))
_CELL = st.one_of(st.none(), _TEXT, st.sampled_from(["=1+1", "-3", "@A1", " 前后空格 ", "_x0041_",
                                                     "达标\n说明", "A&B<C>", "是", ""]),
                  st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6),
                  st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.integers(0, 12), data=st.data())
def test_streamed_rows_are_xlsxwriters_own_xml(tmp_path_factory, rows, data):
    frame = pd.DataFrame({
        "项目编码": data.draw(st.lists(_TEXT, min_size=rows, max_size=rows)),
        "预算数(万元)": data.draw(st.lists(st.floats(allow_nan=True, allow_infinity=True,
                                                    width=64), min_size=rows, max_size=rows)),
        "预算执行率": data.draw(st.lists(st.sampled_from([0.0, -0.0, 0.5, math.nan]) | st.floats(0, 2),
                                    min_size=rows, max_size=rows)),
        "指标数": np.arange(rows, dtype="int64"),
        "是否适用": data.draw(st.lists(st.booleans(), min_size=rows, max_size=rows)),
        "数值": pd.Series(data.draw(st.lists(_CELL, min_size=rows, max_size=rows)), dtype=object),
        "=备注": pd.Series(data.draw(st.lists(_TEXT, min_size=rows, max_size=rows)),
                         dtype="string"),
    })
    per_row = data.draw(st.lists(st.sampled_from(["0.00%", "0", "#,##0.00"]), min_size=rows,
                                 max_size=rows))
    sheets = {"汇总": frame, "空表": frame.iloc[:0]}
    formats = {"汇总": {"数值": per_row}}
    folder = tmp_path_factory.mktemp("wb")
    write_sheets(sheets, folder / "fast.xlsx", formats=formats)
    _reference(sheets, folder / "ref.xlsx", formats=formats)
    assert _sheets_xml(folder / "fast.xlsx") == _sheets_xml(folder / "ref.xlsx")
    with zipfile.ZipFile(folder / "fast.xlsx") as z:  # the table counts every reference
        uses = sum(z.read(n).decode().count(' t="s">') for n in z.namelist()
                   if n.startswith("xl/worksheets/"))
        if uses:
            table = z.read("xl/sharedStrings.xml").decode()
            assert re.search(r' count="(\d+)"', table)[1] == str(uses)


def test_a_table_longer_than_a_sheet_continues_with_its_header(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_DATA_ROWS", 4)
    frame = pd.DataFrame({"项目编码": [f"P{i:02d}" for i in range(10)], "得分": np.arange(10.0)})
    write_sheets({"指标评分表": frame, "说明": frame.iloc[:2]}, tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    assert wb.sheetnames == ["指标评分表", "指标评分表（续1）", "指标评分表（续2）", "说明"]
    read = [list(ws.iter_rows(values_only=True)) for ws in wb.worksheets[:3]]
    assert all(rows[0] == ("项目编码", "得分") for rows in read)
    assert [r for rows in read for r in rows[1:]] == list(zip(frame["项目编码"], frame["得分"], strict=True))
    assert wb["指标评分表（续2）"].auto_filter.ref == "A1:B3"


def test_continuation_names_stay_within_excels_31_characters():
    names = workbook._continuation_names("很长的工作表名称" * 3 + "续表名称甲乙", 3 * workbook.MAX_DATA_ROWS + 1)
    assert len(names) == 4 and all(len(n) <= 31 for n in names)
    assert names[3].endswith("（续3）") and len(set(names)) == 4


def test_text_longer_than_a_cell_is_cut_visibly_and_markup_stays_text(tmp_path):
    long = "评" * 40_000
    markup = "<r><t>不是格式</t></r>"
    write_sheets({"表": pd.DataFrame({"说明": [long, markup, "😀" * 20_000]})}, tmp_path / "b.xlsx")
    cells = [r[0] for r in openpyxl.load_workbook(tmp_path / "b.xlsx")["表"].iter_rows(
        min_row=2, values_only=True)]
    assert cells[0].endswith(TRUNCATED) and cells[0].startswith("评" * 30_000)
    assert len(cells[0]) <= 32_767
    assert cells[1] == markup
    assert cells[2].endswith(TRUNCATED) and len(cells[2].encode("utf-16-le")) // 2 <= 32_767


@pytest.mark.parametrize("value", [math.nan, None, "", math.inf])
def test_blank_values_leave_no_cell(tmp_path, value):
    write_sheets({"表": pd.DataFrame({"甲": pd.Series([value], dtype=object), "乙": [1.0]})},
                 tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "c.xlsx")["表"]
    assert ws["A2"].value is None and ws["B2"].value == 1


def test_the_package_is_deflated_at_the_writers_level(tmp_path):
    import zlib

    frame = pd.DataFrame({"项目编码": [f"P{i:05d}" for i in range(3000)], "得分": np.arange(3000.0)})
    write_sheets({"指标评分表": frame}, tmp_path / "d.xlsx")
    with zipfile.ZipFile(tmp_path / "d.xlsx") as z:
        sheet = z.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.compress_type == zipfile.ZIP_DEFLATED
        data = z.read(sheet)
    deflate = zlib.compressobj(workbook.ZIP_LEVEL, zlib.DEFLATED, -15)
    assert sheet.compress_size == len(deflate.compress(data) + deflate.flush())
    default = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    assert sheet.compress_size != len(default.compress(data) + default.flush())
