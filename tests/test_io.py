"""Reading datasets: aliases, both file forms, and located reports of every problem at once."""

import pandas as pd
import pytest
from conftest import INDICATOR_ROWS, PROJECT_ROWS, make_folder, make_workbook
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from evalkit import DatasetError, InputError, read_dataset, write_excel
from evalkit.cli import main
from evalkit.io import atomic_write


def test_workbook_and_csv_folder_read_to_equal_tables(tmp_path):
    a = read_dataset(make_workbook(tmp_path / "a.xlsx"))
    b = read_dataset(make_folder(tmp_path / "csv"))
    for name in ("units", "projects", "indicators"):
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_dtype=False)
    ind = a.indicators.set_index("indicator_id")
    assert ind.loc["P001-01", "target"] == 5000 and ind.loc["P002-01", "actual"] == 1180
    assert ind.loc["P001-02", "comparator"] == "≥" and ind.loc["P001-02", "unit"] == "元"
    assert ind.loc["P002-02", "actual_text"] == "部分达成"
    assert a.units["budget"].tolist() == [5000, 1200]
    assert a.projects["is_poverty"].tolist() == [True, False]
    assert set(b.sha256) == {"units.csv", "项目.csv", "indicators.csv"}


def test_five_planted_errors_are_all_reported_with_exact_locations(tmp_path, capsys):
    projects = [list(r) for r in PROJECT_ROWS]
    projects[1][7] = "约300万"      # 1: 项目 row 3, 预算数 not a number
    projects[0][6] = "也许"         # 2: 项目 row 2, 是否扶贫项目 not yes/no
    indicators = [list(r) for r in INDICATOR_ROWS]
    indicators[1][1] = "P001-01"    # 3: 绩效指标 row 3 duplicates row 2's key
    indicators[3][0] = "P999"       # 4: 绩效指标 row 6 (a blank row sits at 4) unknown project
    indicators[5][9] = "九成"        # 5: 绩效指标 row 8, 实际完成值 not a number
    # 6: moving P002-01 (weight 50) to P999 leaves P002's weights at 40 of 90 (first row 7)
    path = make_workbook(tmp_path / "bad.xlsx", projects, indicators, blank_row=True)
    with pytest.raises(DatasetError) as info:
        read_dataset(path)
    found = {(p.sheet, p.row, p.column) for p in info.value.problems}
    assert found == {("项目", 3, "预算数"), ("项目", 2, "是否扶贫项目"),
                     ("绩效指标", 3, "项目编码、指标编码"), ("绩效指标", 6, "项目编码"),
                     ("绩效指标", 8, "实际完成值"), ("绩效指标", 7, "分值")}
    assert all(p.file == "bad.xlsx" for p in info.value.problems)
    text = str(info.value)
    assert "6 个问题" in text and "'约300万'" in text and "'九成'" in text and "'P999'" in text
    assert main(["validate", str(path)]) == 1  # the command prints the same report
    err = capsys.readouterr().err
    for line in ("bad.xlsx，工作表 项目，第 3 行，列 预算数：应为数字",
                 "bad.xlsx，工作表 项目，第 2 行，列 是否扶贫项目：应为是 或 否，实际为 '也许'",
                 "bad.xlsx，工作表 绩效指标，第 3 行，列 项目编码、指标编码：应为唯一的 项目编码、指标编码，"
                 "实际为 'P001 / P001-01'，与第 2 行重复",
                 "bad.xlsx，工作表 绩效指标，第 7 行，列 分值：应为项目 P002 的指标权重合计 90，实际为 合计 40",
                 "bad.xlsx，工作表 绩效指标，第 6 行，列 项目编码：应为项目表中已有的项目编码，实际为 'P999'",
                 "bad.xlsx，工作表 绩效指标，第 8 行，列 实际完成值：应为数值、空白或“不适用”，实际为 '九成'"):
        assert line in err


def test_missing_table_and_missing_column_are_reported_together(tmp_path):
    path = make_workbook(tmp_path / "x.xlsx")
    wb = load_workbook(path)
    del wb["预算单位"]
    wb["项目"]["H1"] = "金额"
    wb.save(path)
    with pytest.raises(DatasetError) as info:
        read_dataset(path)
    messages = [str(p) for p in info.value.problems]
    assert any("预算单位" in m and "缺少该表" in m for m in messages)
    assert any("工作表 项目" in m and "第 1 行" in m and "预算数" in m for m in messages)


def test_spent_above_received_is_located(tmp_path):
    projects = [list(r) for r in PROJECT_ROWS]
    projects[1][9] = 290
    with pytest.raises(DatasetError, match="第 3 行，列 执行数：应为执行数不超过到位数 280"):
        read_dataset(make_workbook(tmp_path / "y.xlsx", projects))


def test_not_a_dataset(tmp_path):
    with pytest.raises(InputError, match="expected a folder of CSV files or an .xlsx"):
        read_dataset(tmp_path / "nothing.xlsx")


def test_write_excel_keeps_formula_text_as_text_and_is_atomic(tmp_path):
    """Formula-like text is a string cell shown exactly as typed (no apostrophe) and carries the
    quote-prefix style; numbers stay numbers with a format; 是/否 for booleans; frozen header
    row and an autofilter over the table."""
    path = tmp_path / "out.xlsx"
    write_excel({"汇总": pd.DataFrame({"项目名称": ["=1+1", "@SUM(A1)", "安居房"],
                                     "得分": [-1.5, 2, 3], "需整改": [True, False, True]})},
                path)
    ws = load_workbook(path)["汇总"]
    names = [c for c in ws["A"]][1:]
    assert [c.value for c in names] == ["=1+1", "@SUM(A1)", "安居房"]
    assert [c.data_type for c in names] == ["s", "s", "s"]
    assert [c.quotePrefix for c in names] == [True, True, False]
    assert [(c.value, c.number_format) for c in ws["B"]][1:] == [(-1.5, "0.00"), (2, "0.00"),
                                                                  (3, "0.00")]
    assert [c.value for c in ws["C"]][1:] == ["是", "否", "是"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C4"
    assert ws.column_dimensions["A"].width >= len("安居房") * 2
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_atomic_write_failure_leaves_old_file_and_no_temp(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")

    def boom(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, boom)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_review_cases_are_all_located(tmp_path):
    """Blank required numbers, a project with no indicator sheet, a judged score above its points,
    a judged score on a quantitative row, a unit that differs from the target's."""
    projects = [list(r) for r in PROJECT_ROWS] + [
        ["P003", "无指标项目", "U01", "县水利局", 2020, "本级财力追加", "否", 10, 10, 5]]
    projects[1][7] = None
    indicators = [list(r) + [None] for r in INDICATOR_ROWS]
    indicators[0][8] = None                       # 分值 blank
    indicators[4] += []
    indicators[4][11] = 31                        # a judged score above the 30 points
    indicators[3][11] = 40                        # judged score on a ≥ row
    indicators[1][9] = "310万元"                   # unit differs from 元
    wb = make_workbook(tmp_path / "r.xlsx", projects, [r[:11] for r in indicators])
    book = load_workbook(wb)
    ws = book["绩效指标"]
    ws.cell(1, 12, "评定得分")
    for i, r in enumerate(indicators, start=2):
        ws.cell(i, 12, r[11])
    book.save(wb)
    with pytest.raises(DatasetError) as info:
        read_dataset(wb)
    found = {(p.sheet, p.row, p.column) for p in info.value.problems}
    assert found == {("项目", 3, "预算数"), ("项目", 4, "项目编码"), ("绩效指标", 2, "分值"),
                     ("绩效指标", 6, "评定得分"), ("绩效指标", 5, "评定得分"),
                     ("绩效指标", 3, "实际完成值")}


def test_percent_formatted_cells_read_as_percentages(tmp_path):
    path = make_workbook(tmp_path / "p.xlsx")
    book = load_workbook(path)
    ws = book["绩效指标"]
    ws["J4"] = 0.931          # 满意度 actual typed as a number shown as 93.1%
    ws["J4"].number_format = "0.0%"
    book.save(path)
    ind = read_dataset(path).indicators.set_index("indicator_id")
    assert ind.loc["P001-03", "actual"] == pytest.approx(93.1)


_CELLS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.from_regex(r"[+-]?[0-9]{1,6}(\.[0-9]{1,4})?", fullmatch=True),
    st.sampled_from(["", " ", "1,234.5", "12万元", "１２３", "95%", "≥90", "约50", "50-60",
                     "1e5", "nan", "inf", " 7 ", "+5", "007", "5.0", "是", "否", "扶贫"]),
    st.text(max_size=6))


@settings(max_examples=300, deadline=None)
@given(st.lists(_CELLS, max_size=30),
       st.sampled_from(["number", "int", "text", "bool", "prose", "comparator", "value"]))
def test_column_parsing_fast_path_equals_the_cell_parser(cells, kind):
    """The vectorised plain-number path and the once-per-distinct-cell memo give exactly what
    the per-cell parser gives: the same values and the same failing cells."""
    from evalkit.io import _CELL_PARSERS, _parse_column

    values, failed = _parse_column(cells, kind)
    for i, cell in enumerate(cells):
        try:
            expected = _CELL_PARSERS[kind](cell)
        except InputError:
            assert i in failed and values[i] is None
            continue
        assert i not in failed
        assert type(values[i]) is type(expected)
        assert values[i] == expected or (expected != expected and values[i] != values[i])


def test_text_target_of_a_monitored_indicator_is_one_located_problem(tmp_path):
    """A date typed as the target of an indicator that has monitoring rows is reported once, at
    the indicators table (the monitoring checks do not trip over the unparsed target)."""
    import shutil
    from pathlib import Path

    folder = tmp_path / "ds"
    shutil.copytree(Path(__file__).parents[1] / "data" / "sample" / "csv", folder)
    ind = pd.read_csv(folder / "indicators.csv", dtype=str, keep_default_na=False,
                      encoding="utf-8-sig")
    monitored = pd.read_csv(folder / "monitoring_indicators.csv", dtype=str,
                            keep_default_na=False, encoding="utf-8-sig")
    first = monitored.iloc[0]
    row = ind.index[(ind.project_id == first.project_id) & (ind.indicator_id == first.indicator_id)][0]
    ind.loc[row, "target"] = "2020年12月底前"
    ind.to_csv(folder / "indicators.csv", index=False, encoding="utf-8-sig")
    with pytest.raises(DatasetError) as info:
        read_dataset(folder)
    assert [(p.file, p.row, p.column) for p in info.value.problems] == [
        ("indicators.csv", row + 2, "target")]
    assert "2020年12月底前" in str(info.value)


_CSV_CELL = st.one_of(st.text(st.characters(codec="utf-8", exclude_characters="\x00\r"),
                              max_size=8),
                      st.sampled_from(['"', '""', ",", "\n", "a\"b", " 1 ", "９０％", "≥", ""]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_CSV_CELL, max_size=5), min_size=1, max_size=8),
       st.sampled_from(["\n", "\r\n"]))
def test_csv_rows_read_every_record_as_the_csv_module_does(records, newline):
    """pandas' tokenizer and the csv module give the same cells for the same records (a cell a
    short record lacks is "" in one and missing in the other: blank in both)."""
    import csv
    import io as stdio

    from evalkit.io import _csv_rows

    buffer = stdio.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(records)
    text = buffer.getvalue()
    expected = list(csv.reader(stdio.StringIO(text, newline="")))
    got = _csv_rows(text)
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        row = list(row)
        assert row[:len(want)] == want and all(c == "" for c in row[len(want):])


def test_a_batch_client_hands_its_parsed_dataset_to_its_workers(tmp_path, monkeypatch):
    """dataset_seed/adopt_dataset: a worker takes the client's dataset instead of reading the
    files again, unless it holds it already or a file changed in between."""
    import os
    import pickle

    from evalkit import io as evalkit_io
    from evalkit.io import adopt_dataset, dataset_seed, load_dataset

    folder = make_folder(tmp_path / "data")
    ds = load_dataset(folder)
    seed = dataset_seed(ds)
    assert seed is not None and dataset_seed(pickle.loads(seed[1])) is None  # not from the cache
    monkeypatch.setattr(evalkit_io, "_LOADED", {})  # a fresh worker process

    def no_reading(*args, **kwargs):
        raise AssertionError("the worker read the files again")

    monkeypatch.setattr(evalkit_io, "read_dataset", no_reading)
    assert adopt_dataset(seed) is True and adopt_dataset(seed) is False  # once
    adopted = load_dataset(folder)
    pd.testing.assert_frame_equal(adopted.table("projects"), ds.table("projects"))
    assert adopted.sha256 == ds.sha256

    monkeypatch.setattr(evalkit_io, "_LOADED", {})
    csv = next(folder.glob("*.csv"))
    os.utime(csv, ns=(csv.stat().st_atime_ns, csv.stat().st_mtime_ns + 10**9))  # edited since
    assert adopt_dataset(seed) is False and evalkit_io._LOADED == {}


def test_batch_processes_go_without_the_iri_grammars():
    """evalkit.batch marks rfc3987-syntax absent before nbformat imports jsonschema (1.5 s of
    Earley grammars per process where JupyterLab installed it); notebooks still validate."""
    import subprocess
    import sys

    code = ("import sys, evalkit.batch, nbformat, jsonschema; "
            "nbformat.validate(nbformat.v4.new_notebook()); "
            "print(sys.modules['rfc3987_syntax'] is None, "
            "jsonschema.FormatChecker().conforms('2020-01-01', 'date'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
