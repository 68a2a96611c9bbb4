"""Disclosure tables (信息公开): the performance targets published with the budget and the
results published with the final accounts, per project and per unit.

The layout is the one counties publish beside 部门预算 / 部门决算 (财预〔2018〕167号 "重要绩效目标、
绩效评价结果与预算草案同步报送、同步公开" [C]; column sets as in the 项目支出绩效目标表 and
项目支出绩效自评表 of 财预〔2020〕10号's annex, DOMAIN.md §10):

- 项目绩效目标表: unit, project, budget, one row per level-3 indicator with its 指标值;
- 项目绩效自评表: one row per project: budget, spending, execution rate, self-evaluation score
  and grade;
- 项目自评指标表: one row per level-3 indicator: 指标值, 实际完成值, 分值, 得分 (the
  self-evaluation form's, :func:`evalkit.stages.selfeval.evaluate`);
- 部门整体绩效目标表: one row per unit: budget, 年度总体目标, 总体目标完成情况.

Data strings are written as they are (the workbook writer :func:`evalkit.io.write_excel`
neutralises formula text; the HTML of a report escapes them).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit.io import Dataset
from evalkit.rules import RuleSet, load_ruleset
from evalkit.scoring import EXECUTION_LEVEL1
from evalkit.stages.county_year import year_of


def _year_projects(dataset: Dataset, year: int) -> pd.DataFrame:
    from evalkit.schemas import has_indicator_sheet

    p = dataset.projects
    return p[has_indicator_sheet(p) & (p["year"] == year).to_numpy()]


def workbook_sheets(dataset: Dataset, year: object, *,
                    ruleset: str | Path | RuleSet = "national") -> dict[str, pd.DataFrame]:
    """The disclosure workbook's sheets, Chinese headers, in the order published.

    Examples
    --------
    >>> import evalkit as ek
    >>> sheets = workbook_sheets(ek.load_dataset("sample"), "2020")
    >>> list(sheets), len(sheets["项目绩效自评表"])
    (['项目绩效目标表', '项目绩效自评表', '项目自评指标表', '部门整体绩效目标表'], 77)
    """
    from evalkit.stages import selfeval

    rs = load_ruleset(ruleset)
    y = year_of(dataset, year)
    projects = _year_projects(dataset, y)
    forms = [selfeval.evaluate(dataset, pid, ruleset=rs) for pid in projects["project_id"]]
    info = projects.set_index("project_id")
    rows = pd.concat([f.to_frame() for f in forms], ignore_index=True)
    pid = rows["project_id"]
    indicator_results = pd.DataFrame({
        "单位名称": info.loc[pid, "unit_name"].to_numpy(), "项目编码": pid.to_numpy(),
        "项目名称": info.loc[pid, "project_name"].to_numpy(),
        "预算数（万元）": info.loc[pid, "budget"].to_numpy(dtype=float),
        "一级指标": rows["level1"], "二级指标": rows["level2"], "三级指标": rows["name"],
        "指标值": rows["target_text"], "实际完成值": rows["actual_text"],
        "分值": rows["weight"].astype(float), "得分": rows["score"].astype(float)})
    # the budget-execution row is a result, not a published target
    targets = indicator_results.loc[rows["level1"] != EXECUTION_LEVEL1].iloc[:, :8]
    results = pd.DataFrame({
        "单位名称": projects["unit_name"].to_numpy(),
        "项目编码": projects["project_id"].to_numpy(),
        "项目名称": projects["project_name"].to_numpy(),
        "预算数（万元）": projects["budget"].to_numpy(dtype=float),
        "执行数（万元）": projects["spent"].to_numpy(dtype=float),
        "预算执行率": (projects["spent"] / projects["budget"]).to_numpy(dtype=float),
        "自评得分": [f.total for f in forms], "自评等级": [f.grade for f in forms]})
    units = dataset.units
    unit_sheet = pd.DataFrame({
        "单位编码": units["unit_id"], "单位名称": units["unit_name"],
        "预算数（万元）": units["budget"].astype(float),
        "年度总体目标": units["goal"] if "goal" in units else "",
        "总体目标完成情况": units["goal_result"] if "goal_result" in units else ""})
    return {"项目绩效目标表": targets.reset_index(drop=True),
            "项目绩效自评表": results.reset_index(drop=True),
            "项目自评指标表": indicator_results.reset_index(drop=True),
            "部门整体绩效目标表": unit_sheet.reset_index(drop=True)}
