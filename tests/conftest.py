"""Shared test data: a small valid dataset written as a workbook or a CSV folder."""

import csv
from pathlib import Path

from openpyxl import Workbook

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
