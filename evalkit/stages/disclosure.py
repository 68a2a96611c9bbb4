"""Disclosure tables (信息公开): the performance targets published with the budget and the
results published with the final accounts, per project and per unit.

The layout is the one counties publish beside 部门预算 / 部门决算 (财预〔2018〕167号 "重要绩效目标、
绩效评价结果与预算草案同步报送、同步公开" [C]; column sets as in the 项目支出绩效目标表 and
项目支出绩效自评表 of 财预〔2020〕10号's annex, DOMAIN.md §10):

- 项目绩效目标表: unit, project, budget, one row per level-3 indicator with its 指标值;
- 项目绩效自评表: one row per project: budget, spending, execution rate, self-evaluation score
  and grade;
- 项目自评指标表: one row per level-3 indicator: 指标值, 实际完成值, 分值, 得分;
- 部门整体绩效目标表: one row per unit: budget, 年度总体目标, 总体目标完成情况.

Data strings are written as they are (the workbook writer :func:`evalkit.io.write_excel`
neutralises formula text; the HTML of a report escapes them).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from evalkit.io import Dataset
from evalkit.rules import RuleSet, load_ruleset
from evalkit.scoring import score_indicators
from evalkit.stages.result_application import year_of


def target_text(comparator: object, target: object, unit: object) -> str:
    """An indicator's 指标值 as published: ≥/≤/= before a number, its unit once; a qualitative
    target as written.

    >>> target_text("≥", 95.0, "%"), target_text("定性", "明显提升", None), target_text("≤", 400.0, "元")
    ('≥95%', '明显提升', '≤400元')
    """
    unit_text = unit if isinstance(unit, str) else ""
    if isinstance(target, float):
        if math.isnan(target):
            return ""
        value = f"{target:g}"
        sign = comparator if comparator in ("≥", "≤", "=") else ""
        return f"{sign}{value}{unit_text}"
    return str(target)


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
    info = projects.set_index("project_id")
    ind = dataset.indicators[dataset.indicators["project_id"].isin(set(projects["project_id"]))]
    scored = score_indicators(ind, ruleset=rs).sheet
    actual = ind.set_index(["project_id", "indicator_id"])
    actual_text = (actual["actual_text"] if "actual_text" in actual
                   else actual["actual"].astype(str))
    rows = pd.DataFrame({
        "单位名称": info.loc[scored["project_id"], "unit_name"].to_numpy(),
        "项目编码": scored["project_id"].to_numpy(),
        "项目名称": info.loc[scored["project_id"], "project_name"].to_numpy(),
        "预算数（万元）": info.loc[scored["project_id"], "budget"].to_numpy(dtype=float),
        "一级指标": scored["level1"].to_numpy(), "二级指标": scored["level2"].to_numpy(),
        "三级指标": scored["name"].to_numpy(),
        "指标值": [target_text(c, t, u) for c, t, u in
                 zip(scored["comparator"], scored["target"], scored["unit"], strict=True)],
    })
    targets = rows
    keys = list(zip(scored["project_id"], scored["indicator_id"], strict=True))
    indicator_results = rows.assign(**{
        "实际完成值": [actual_text.get(k, "") for k in keys],
        "分值": scored["weight"].to_numpy(dtype=float),
        "得分": scored["score"].to_numpy(dtype=float)})
    evaluated = selfeval.evaluate_many(dataset, ruleset=rs).set_index("project_id")
    pid = projects["project_id"]
    results = pd.DataFrame({
        "单位名称": projects["unit_name"].to_numpy(), "项目编码": pid.to_numpy(),
        "项目名称": projects["project_name"].to_numpy(),
        "预算数（万元）": projects["budget"].to_numpy(dtype=float),
        "执行数（万元）": projects["spent"].to_numpy(dtype=float),
        "预算执行率": (projects["spent"] / projects["budget"]).to_numpy(dtype=float),
        "自评得分": evaluated.loc[pid, "total"].to_numpy(dtype=float),
        "自评等级": evaluated.loc[pid, "grade"].to_numpy()})
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
