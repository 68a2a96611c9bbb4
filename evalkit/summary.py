"""Per-project scored summaries and the county-level figures a finance bureau reports.

The county figures follow the seed summary (且末县 2020, DOMAIN.md §1):

* budget execution rate (预算执行率) = Σ spent / Σ budget over the projects, i.e. funds-weighted;
* target completion rate (绩效目标完成率) of a project = Σ indicator score / Σ effective weight of its
  indicator sheet (so each indicator counts by its points, capped at full marks); the county rate is
  the budget-weighted mean of the projects' rates;
* a project is flagged for a rectification notice (整改意见) when its execution and completion rates
  differ by more than ``monitoring.gap_points`` percentage points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.errors import InputError
from evalkit.rules import RuleSet, band_of, load_ruleset
from evalkit.schemas import has_indicator_sheet
from evalkit.scoring import EXECUTION_LEVEL1, score_indicators

#: Columns of :func:`summarize_projects`, with the Chinese headers used in exports.
SUMMARY_HEADERS = {
    "project_id": "项目编码", "project_name": "项目名称", "unit_name": "预算单位",
    "category": "资金类别", "is_poverty": "是否扶贫项目", "budget": "预算数(万元)",
    "received": "到位数(万元)", "spent": "执行数(万元)", "execution_rate": "预算执行率",
    "completion_rate": "目标完成率", "gap_points": "偏差(百分点)",
    "indicator_score": "指标得分", "execution_points": "预算执行得分", "total": "总分",
    "grade": "等级", "n_indicators": "三级指标数", "n_over_achieved": "超额完成指标数",
    "n_missing_actual": "缺少实际值指标数", "rectification": "需整改",
}


def summarize_projects(projects: pd.DataFrame, indicators: pd.DataFrame, *,
                       ruleset: RuleSet | str = "national") -> pd.DataFrame:
    """Score every project's indicator sheet and add budget execution, one row per project.

    Parameters
    ----------
    projects : DataFrame
        The projects table (project_id, project_name, unit_name, category, is_poverty, budget,
        received, spent).
    indicators : DataFrame
        The indicators table of those projects.
    ruleset : RuleSet or str

    Returns
    -------
    DataFrame
        Columns :data:`SUMMARY_HEADERS` (unrounded): rates are fractions, ``gap_points`` is
        (completion − execution) × 100, ``total`` = indicator score + execution points, graded
        with the rule set's bands.

    Projects at the ex-ante stage (``stage`` = 事前评估) have no indicator sheet and are left out.

    Raises
    ------
    InputError
        A project with an indicator sheet but no 执行数 (blank ``spent``), each named.

    Notes
    -----
    execution_rate = spent / budget; execution_points = points × min(execution_rate, 1) (rule
    set ``selfeval``); completion_rate = Σ score / Σ effective weight over the indicator rows.
    """
    rs = load_ruleset(ruleset)
    projects = projects[has_indicator_sheet(projects)]
    _require_spent(projects)
    rate = (projects["spent"] / projects["budget"]).set_axis(projects["project_id"])
    result = score_indicators(indicators, ruleset=rs, execution_rate=rate)
    level1 = result.level1
    is_exec = level1["level1"] == EXECUTION_LEVEL1
    indicator_part = level1[~is_exec].groupby("project_id")[["score", "effective_weight"]].sum()
    exec_points = level1[is_exec].set_index("project_id")["score"]
    totals = result.totals.set_index("project_id")

    out = projects[["project_id", "project_name", "unit_name", "category", "is_poverty",
                    "budget", "received", "spent"]].copy()
    pid = out["project_id"]
    out["execution_rate"] = rate.to_numpy()
    out["completion_rate"] = (indicator_part["score"] / indicator_part["effective_weight"]
                              ).reindex(pid).to_numpy()
    out["gap_points"] = (out["completion_rate"] - out["execution_rate"]) * 100.0
    out["indicator_score"] = indicator_part["score"].reindex(pid).to_numpy()
    out["execution_points"] = exec_points.reindex(pid).to_numpy()
    out["total"] = totals["score"].reindex(pid).to_numpy()
    out["grade"] = band_of(out["total"].to_numpy(), rs.grades)
    for col in ("n_over_achieved", "n_missing_actual"):
        out[col] = totals[col].reindex(pid).to_numpy()
    sheet = result.sheet
    n_ind = sheet[sheet["level1"] != EXECUTION_LEVEL1].groupby("project_id").size()
    out["n_indicators"] = n_ind.reindex(pid).fillna(0).astype(int).to_numpy()
    gap_limit = float(rs.section("monitoring")["gap_points"])
    out["rectification"] = np.abs(out["gap_points"].to_numpy()) > gap_limit
    return out[list(SUMMARY_HEADERS)].reset_index(drop=True)


def _require_spent(projects: pd.DataFrame) -> None:
    """Refuse projects without 执行数 (a blank ``spent``, as a 绩效目标申报表 imports them): the
    execution rate Σ spent / Σ budget would count their budget and none of their spending.

    Raises
    ------
    InputError
        Naming every such project by 项目编码 and 项目名称.
    """
    blank = projects[pd.to_numeric(projects["spent"], errors="coerce").isna()]
    if len(blank):
        names = "、".join(f"{pid}（{name}）" for pid, name in
                         zip(blank["project_id"], blank["project_name"], strict=True))
        raise InputError(f"项目表 执行数 列：应为数字，以下 {len(blank)} 个项目为空白，无法计算预算执行率"
                         f"（绩效目标申报表导入的项目尚无执行数，请补填执行数或改用 target_review）：{names}")


def county_figures(summary: pd.DataFrame) -> dict[str, float]:
    """The county-level figures of the seed report, recomputed from a project summary.

    Returns
    -------
    dict
        n_projects, budget (万元), execution_rate (Σ spent / Σ budget), completion_rate
        (budget-weighted mean), gap_points, n_poverty, poverty_budget, n_rectification, and the
        number of projects per category (``n_<category>``).
    """
    budget = summary["budget"].to_numpy(dtype=float)
    execution = summary["spent"].sum() / budget.sum()
    completion = float(np.average(summary["completion_rate"], weights=budget))
    poverty = summary["is_poverty"].astype(bool)
    figures = {
        "n_projects": int(len(summary)),
        "budget": float(budget.sum()),
        "execution_rate": float(execution),
        "completion_rate": completion,
        "gap_points": (completion - execution) * 100.0,
        "n_poverty": int(poverty.sum()),
        "poverty_budget": float(summary.loc[poverty, "budget"].sum()),
        "n_rectification": int(summary["rectification"].sum()),
    }
    for category, n in summary["category"].value_counts(sort=False).items():
        figures[f"n_{category}"] = int(n)
    return figures


#: Chinese headers of the score sheet (:attr:`evalkit.scoring.ScoreResult.sheet`) in exports.
SHEET_HEADERS = {
    "project_id": "项目编码", "indicator_id": "指标编码", "level1": "一级指标",
    "level2": "二级指标", "name": "三级指标", "comparator": "指标方向", "target": "目标值",
    "actual": "实际完成值", "actual_tier": "定性等级", "unit": "计量单位", "weight": "分值",
    "applicable": "是否适用", "effective_weight": "有效分值", "rule": "评分规则",
    "ratio": "完成比率", "score": "得分", "lost": "扣分", "over_achieved": "是否超额完成",
    "missing_actual": "是否缺少实际值", "flags": "提示", "evidence": "佐证材料",
}

#: Chinese labels of :func:`county_figures` (and of the monitoring figures added to it).
COUNTY_LABELS = {
    "n_projects": "项目数", "budget": "预算总额(万元)", "execution_rate": "预算执行率",
    "completion_rate": "绩效目标完成率", "gap_points": "目标完成率与执行率偏差(百分点)",
    "n_poverty": "扶贫项目数", "poverty_budget": "扶贫项目预算(万元)",
    "n_rectification": "需整改项目数", "n_monitored": "监控对象数",
    "average_review_score": "监控审核平均分", "n_notices": "需下发整改通知书数",
}
#: Prefixes of counted figures: ``n_<category>``, ``n_light_<颜色>``, ``n_budget_light_<颜色>``.
_COUNT_PREFIXES = (("n_budget_light_", "预算执行灯为{}的数量"), ("n_light_", "{light}为{}的数量"),
                   ("n_", "{}项目数"))


def county_label(key: str) -> str:
    """The Chinese label of a county figure; ``unit_`` figures are the budget units' monitoring
    (whose second light is that of their key tasks).

    >>> county_label("execution_rate"), county_label("n_本级财力追加"), county_label("unit_n_light_绿")
    ('预算执行率', '本级财力追加项目数', '部门整体监控：重点工作灯为绿的数量')
    """
    unit = key.startswith("unit_")
    key = key.removeprefix("unit_")
    if key in COUNTY_LABELS:
        label = COUNTY_LABELS[key]
    else:
        prefix, text = next(((p, t) for p, t in _COUNT_PREFIXES if key.startswith(p)), ("", "{}"))
        label = text.format(key[len(prefix):], light="重点工作灯" if unit else "目标完成灯")
    return "部门整体监控：" + label if unit else label


def county_table(county: dict[str, float]) -> tuple[pd.DataFrame, list[str]]:
    """The 县级汇总 sheet: one row per figure (指标, 数值) and each row's Excel number format
    (counts ``0``, rates ``0.00%``, amounts ``#,##0.00``, anything else ``0.00``)."""
    from evalkit.workbook import AMOUNT, DECIMAL, INTEGER, PERCENT

    labels = [county_label(k) for k in county]
    formats = [INTEGER if isinstance(v, int) and not isinstance(v, bool) else
               PERCENT if key.endswith("_rate") else AMOUNT if "万元" in label else DECIMAL
               for (key, v), label in zip(county.items(), labels, strict=True)]
    return pd.DataFrame({"指标": labels, "数值": list(county.values())}, dtype=object), formats
