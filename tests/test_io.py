"""Reading datasets: aliases, both file forms, and located reports of every problem at once."""

import csv
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from evalkit import DatasetError, InputError, read_dataset, write_excel
from evalkit.io import atomic_write
from evalkit.schemas import INDICATORS, PROJECTS, UNITS, chinese_headers

UNITS_ROWS = [["U01", "县水利局", 5000], ["U02", "县教育局", "1,200"]]
PROJECT_ROWS = [
    ["P001", "高效节水灌溉项目", "U01", "县水利局", 2020, "专项转移支付", "是", 1000, 1000, 950],
    ["P002", "职业教育补助", "U02", "县教育局", 2020, "本级财力追加", "否", "300", 280, 250],
]
INDICATOR_ROWS = [
    ["P001", "P001-01", "产出指标", "数量指标", "新增节水灌溉面积", "≥", "5,000", "亩", 50, "5200", "ZJ-1"],
    ["P001", "P001-02", "效益指标", "经济效益指标", "亩均增收", "", "≥300元", "", 30, "310", "ZJ-2"],
    ["P001", "P001-03", "满意度指标", "服务对象满意度指标", "受益农户满意度", "≥", "90%", "%", 10, "93%", ""],
    ["P002", "P002-01", "产出指标", "数量指标", "补助学生人次", "≥", "1200", "人次", 50, "1,180", ""],
    ["P002", "P002-02", "效益指标", "社会效益指标", "就业率", "定性", "较高", "", 30, "部分达成", ""],
    ["P002", "P002-03", "满意度指标", "服务对象满意度指标", "学生满意度", "≥", "90%", "%", 10, "不适用", ""],
]


def headers(spec, names):
    chinese = chinese_headers(spec)
    return [chinese[n] for n in names]


UNIT_COLS = ["unit_id", "unit_name", "budget"]
PROJECT_COLS = ["project_id", "project_name", "unit_id", "unit_name", "year", "category",
                "is_poverty", "budget", "received", "spent"]
INDICATOR_COLS = ["project_id", "indicator_id", "level1", "level2", "name", "comparator", "target",
                  "unit", "weight", "actual", "evidence"]


def make_workbook(path: Path, projects=PROJECT_ROWS, indicators=INDICATOR_ROWS, blank_row=False):
    wb = Workbook()
    wb.remove(wb.active)
    for title, spec, cols, rows in (("预算单位", UNITS, UNIT_COLS, UNITS_ROWS),
                                    ("项目", PROJECTS, PROJECT_COLS, projects),
                                    ("绩效指标", INDICATORS, INDICATOR_COLS, indicators)):
        ws = wb.create_sheet(title)
        ws.append(headers(spec, cols))
        for i, row in enumerate(rows):
            if blank_row and title == "绩效指标" and i == 2:
                ws.append([None] * len(cols))
            ws.append(list(row))
    wb.save(path)
    return path


def make_folder(path: Path) -> Path:
    path.mkdir()
    for name, cols, rows in (("units", UNIT_COLS, UNITS_ROWS), ("项目", PROJECT_COLS, PROJECT_ROWS),
                             ("indicators", INDICATOR_COLS, INDICATOR_ROWS)):
        header = cols if name != "项目" else headers(PROJECTS, cols)
        with (path / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows([header, *rows])
    return path


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


def test_five_planted_errors_are_all_reported_with_exact_locations(tmp_path):
    projects = [list(r) for r in PROJECT_ROWS]
    projects[1][7] = "约300万"      # 1: 项目 row 3, 预算数 not a number
    projects[0][6] = "也许"         # 2: 项目 row 2, 是否扶贫项目 not yes/no
    indicators = [list(r) for r in INDICATOR_ROWS]
    indicators[1][1] = "P001-01"    # 3: 绩效指标 row 3 duplicates row 2's key
    indicators[3][0] = "P999"       # 4: 绩效指标 row 6 (a blank row sits at 4) unknown project
    indicators[5][9] = "九成"        # 5: 绩效指标 row 8, 实际完成值 not a number
    path = make_workbook(tmp_path / "bad.xlsx", projects, indicators, blank_row=True)
    with pytest.raises(DatasetError) as info:
        read_dataset(path)
    found = {(p.sheet, p.row, p.column) for p in info.value.problems}
    assert found == {("项目", 3, "预算数"), ("项目", 2, "是否扶贫项目"),
                     ("绩效指标", 3, "项目编码、指标编码"), ("绩效指标", 6, "项目编码"),
                     ("绩效指标", 8, "实际完成值")}
    assert all(p.file == "bad.xlsx" for p in info.value.problems)
    text = str(info.value)
    assert "5 个问题" in text and "'约300万'" in text and "'九成'" in text and "'P999'" in text


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


def test_write_excel_neutralises_formulas_and_is_atomic(tmp_path):
    path = tmp_path / "out.xlsx"
    write_excel({"汇总": pd.DataFrame({"项目名称": ["=1+1", "@SUM(A1)", "安居房"], "得分": [-1.5, 2, 3]})},
                path)
    ws = load_workbook(path)["汇总"]
    assert [c.value for c in ws["A"]][1:] == ["'=1+1", "'@SUM(A1)", "安居房"]
    assert [c.value for c in ws["B"]][1:] == [-1.5, 2, 3]
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
