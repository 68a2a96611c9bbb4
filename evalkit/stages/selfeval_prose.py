"""Project self-evaluation report sentences (项目支出绩效自评), from a
:class:`~evalkit.stages.selfeval.SelfEvalResult`.

:func:`conclusion`, :func:`lost_points`, :func:`missing_explanations`; the parts of the official
项目支出绩效自评表: :func:`funds_block`, :func:`annual_goal`, :func:`deviations`; and
:func:`rectification` for a project the county summary flags. Numbers are formatted for display
only, as :mod:`evalkit.stages.prose` says; the result stays unrounded.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.phrasebook import phrasebook
from evalkit.rules import RuleSet
from evalkit.scoring import EXECUTION_LEVEL1
from evalkit.stages.prose import lost_list, percent, points, ruleset_of, threshold
from evalkit.stages.selfeval import SelfEvalResult

__all__ = ["FUNDS_HEADERS", "annual_goal", "conclusion", "deviations", "funds_block",
           "lost_points", "missing_explanations", "rectification"]

#: The funds block of the 项目支出绩效自评表 (财预〔2020〕10号 附件), column → header.
FUNDS_HEADERS = {"budget": "年初预算数（万元）", "budget_annual": "全年预算数（万元）",
                 "spent": "全年执行数（万元）", "points": "分值", "execution_rate": "执行率",
                 "score": "得分"}


def conclusion(result: SelfEvalResult) -> str:
    """The conclusion paragraph: total, grade, each level-1 score and how points were reallocated.

    Parameters
    ----------
    result : SelfEvalResult

    Returns
    -------
    str

    Notes
    -----
    Level-1 groups are listed in the rule set's order with their score, their 分值 after
    reallocation and rescaling, and the score rate; a group left with no points is not listed (the
    reallocation sentence says where its points went). The budget-execution row gives the rate
    spent / budget and its points.

    References
    ----------
    .. [1] DOMAIN.md §3, scoring rules: self-evaluation first-level weights and reallocation.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.stages.selfeval import assess
    >>> sheet = pd.DataFrame({"project_id": "P1", "indicator_id": ["I1", "I2", "I3", "I4"],
    ...     "level1": ["产出指标"] * 2 + ["效益指标"] * 2,
    ...     "level2": ["数量指标", "数量指标", "社会效益指标", "可持续影响指标"],
    ...     "name": ["培训人次", "新建示范点", "就业率", "长效机制"],
    ...     "comparator": ["≥", "≥", "≥", "定性"], "target": ["500人次", "10个", "80%", ""],
    ...     "weight": [30, 20, 20, 10], "actual": ["487", "14", None, "部分达成"],
    ...     "explanation": ["", "", "", "管护经费未落实；将争取资金"]})
    >>> result = assess({"project_id": "P1", "budget": 100.0, "spent": 92.53}, sheet)
    >>> print(conclusion(result))
    该项目绩效自评得分为 67.81 分，自评等级为“中”。其中，产出指标得 49.22 分（分值 50.00 分，得分率 98.44%）；效益指标得 9.33 分（分值 40.00 分，得分率 23.33%）；预算执行率为 92.53%，得 9.25 分（分值 10.00 分）。分值调整：无满意度指标，其 10 分按规则集分配给效益指标（效益指标 30 → 40 分）。
    """
    level1 = result.level1
    groups = level1[(level1["level1"] != EXECUTION_LEVEL1) & (level1["weight"] > 0)]
    parts = [f"{row.level1}得 {points(row.score)} 分（分值 {points(row.weight)} 分，"
             f"得分率 {percent(row.rate)}）" for row in groups.itertuples()]
    budget = result.budget
    parts.append(f"预算执行率为 {budget['execution_rate'] * 100:.2f}%，得 {points(budget['score'])} "
                 f"分（分值 {points(budget['points'])} 分）")
    text = (f"该项目绩效自评得分为 {points(result.total)} 分，自评等级为“{result.grade}”。"
            f"其中，{'；'.join(parts)}。")
    if result.reallocation:
        text += f"分值调整：{'；'.join(result.reallocation)}。"
    return text


def _indicator_label(row) -> str:
    """“name”（level-1/level-2，分值 x 分）."""
    where = row.level1 if row.level1 == row.level2 else f"{row.level1}/{row.level2}"
    return f"“{row.name}”（{where}，分值 {points(row.weight)} 分）"


def _target_and_actual(row) -> str:
    """年度指标值 and 实际完成值 of a table row in words."""
    if row.comparator == "定性":
        return f"定性指标，评价等级为“{row.actual_text}”" if row.actual_text else "定性指标，评价等级未填报"
    actual = f"实际完成值 {row.actual_text}" if row.actual_text else "实际完成值未填报"
    return f"年度指标值 {row.target_text}，{actual}"


def lost_points(result: SelfEvalResult, top: int = 5) -> str:
    """The indicators (and the 预算执行率 row) that lost the most points, as a numbered list.

    Parameters
    ----------
    result : SelfEvalResult
    top : int, default 5
        How many rows to list at most.

    Returns
    -------
    str
        A numbered Markdown list after a one-line total.

    Raises
    ------
    InputError
        ``top`` is not an integer ≥ 1.

    Notes
    -----
    ``lost = 分值 − 得分`` per row of the self-evaluation table; rows that lost nothing are not
    listed; equal losses keep the table's order (rule-set level-1 order, then sheet order).

    References
    ----------
    .. [1] DOMAIN.md §3, scoring rules.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.stages.selfeval import assess
    >>> sheet = pd.DataFrame({"project_id": "P1", "indicator_id": ["I1", "I2", "I3", "I4"],
    ...     "level1": ["产出指标"] * 2 + ["效益指标"] * 2,
    ...     "level2": ["数量指标", "数量指标", "社会效益指标", "可持续影响指标"],
    ...     "name": ["培训人次", "新建示范点", "就业率", "长效机制"],
    ...     "comparator": ["≥", "≥", "≥", "定性"], "target": ["500人次", "10个", "80%", ""],
    ...     "weight": [30, 20, 20, 10], "actual": ["487", "14", None, "部分达成"],
    ...     "explanation": ["", "", "", "管护经费未落实；将争取资金"]})
    >>> result = assess({"project_id": "P1", "budget": 100.0, "spent": 92.53}, sheet)
    >>> print(lost_points(result, top=4))
    全部指标合计扣 32.19 分，扣分的 4 项如下：
    <BLANKLINE>
    1. “就业率”（效益指标/社会效益指标，分值 26.67 分）：年度指标值 ≥80%，实际完成值未填报，得 0.00 分，扣 26.67 分；
    2. “长效机制”（效益指标/可持续影响指标，分值 13.33 分）：定性指标，评价等级为“部分达成”，得 9.33 分，扣 4.00 分；
    3. “培训人次”（产出指标/数量指标，分值 30.00 分）：年度指标值 ≥500 人次，实际完成值 487 人次，得 29.22 分，扣 0.78 分；
    4. “预算执行率”（预算执行率，分值 10.00 分）：年度指标值 100%，实际完成值 92.53%，得 9.25 分，扣 0.75 分。
    """
    return lost_list(result.table, top, ("各项指标", "指标"), lambda row: (
        f"{_indicator_label(row)}：{_target_and_actual(row)}，得 {points(row.score)} 分，"
        f"扣 {points(row.lost)} 分"))


def missing_explanations(result: SelfEvalResult) -> str:
    """The indicators still lacking a 偏差原因分析及改进措施, each with why it needs one.

    Parameters
    ----------
    result : SelfEvalResult

    Returns
    -------
    str
        A numbered Markdown list after a one-line count, or one sentence when none is missing.

    Notes
    -----
    An indicator needs an explanation when it has no actual value (scored 0), is over-achieved
    (``≥`` with actual ≥ the rule set's ``over_achievement_ratio`` × target: the target was
    probably set too low) or lost points; see :func:`evalkit.stages.selfeval.assess`.

    References
    ----------
    .. [1] DOMAIN.md §3, scoring rules: over-achievement is flagged for an explanation.
    .. [2] 财预〔2020〕10号, 附件 项目支出绩效自评表 (偏差原因分析及改进措施).

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.stages.selfeval import assess
    >>> sheet = pd.DataFrame({"project_id": "P1", "indicator_id": ["I1", "I2", "I3", "I4"],
    ...     "level1": ["产出指标"] * 2 + ["效益指标"] * 2,
    ...     "level2": ["数量指标", "数量指标", "社会效益指标", "可持续影响指标"],
    ...     "name": ["培训人次", "新建示范点", "就业率", "长效机制"],
    ...     "comparator": ["≥", "≥", "≥", "定性"], "target": ["500人次", "10个", "80%", ""],
    ...     "weight": [30, 20, 20, 10], "actual": ["487", "14", None, "部分达成"],
    ...     "explanation": ["", "", "", "管护经费未落实；将争取资金"]})
    >>> result = assess({"project_id": "P1", "budget": 100.0, "spent": 92.53}, sheet)
    >>> print(missing_explanations(result))
    3 个指标需要填写偏差原因分析及改进措施但尚未填写：
    <BLANKLINE>
    1. “培训人次”（产出指标/数量指标，分值 30.00 分）：年度指标值 ≥500 人次，实际完成值 487 人次，未完成目标，扣 0.78 分，需分析偏差原因并提出改进措施；
    2. “新建示范点”（产出指标/数量指标，分值 20.00 分）：实际完成值 14 个，为年度指标值（≥10 个）的 140.00%，达到 130% 的超额完成标准，需说明年度指标值是否设定偏低；
    3. “就业率”（效益指标/社会效益指标，分值 26.67 分）：实际完成值未填报，按 0 分计，需补充实际完成值及佐证材料并说明原因。
    """
    missing = result.missing_explanations
    needed = int(result.table["needs_explanation"].sum())
    if missing.empty:
        if needed == 0:
            return "各项指标均按年度指标值完成，无需填写偏差原因分析及改进措施。"
        return f"需要说明偏差的 {needed} 个指标均已填写偏差原因分析及改进措施。"
    ratio = result.rules["over_achievement_ratio"]
    lines = []
    for i, row in enumerate(missing.itertuples(index=False), 1):
        if row.deviation == "缺少实际值":
            why = "实际完成值未填报，按 0 分计，需补充实际完成值及佐证材料并说明原因"
        elif row.deviation == "超额完成":
            why = (f"实际完成值 {row.actual_text}，为年度指标值（{row.target_text}）的 "
                   f"{percent(row.ratio)}，达到 {threshold(ratio)} 的超额完成标准，"
                   f"需说明年度指标值是否设定偏低")
        else:
            why = (f"{_target_and_actual(row)}，未完成目标，"
                   f"扣 {points(row.lost)} 分，需分析偏差原因并提出改进措施")
        lines.append(f"{i}. {_indicator_label(row)}：{why}")
    head = f"{len(lines)} 个指标需要填写偏差原因分析及改进措施但尚未填写："
    return head + "\n\n" + "；\n".join(lines) + "。"


def funds_block(project: Mapping[str, Any], result: SelfEvalResult) -> pd.DataFrame:
    """The funds block of the 自评表: 年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分.

    Parameters
    ----------
    project : mapping
        The project's row; its optional ``budget_annual`` (全年预算数, the budget after in-year
        adjustments) is shown when present, else 全年预算数 = ``budget``.
    result : SelfEvalResult

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`FUNDS_HEADERS` (unrounded): 执行率 and 得分 are those the
        self-evaluation scored (``result.budget``: execution rate = spent / budget, score =
        points × rate, capped when the rule set caps it).

    References
    ----------
    .. [1] DOMAIN.md §3: 执行率 on the form = 全年执行数 / 全年预算数 (B / A).
    """
    annual = project.get("budget_annual")
    annual = result.budget["budget"] if annual is None or pd.isna(annual) else float(annual)
    row = {"budget": result.budget["budget"], "budget_annual": annual,
           "spent": result.budget["spent"], "points": result.budget["points"],
           "execution_rate": result.budget["execution_rate"], "score": result.budget["score"]}
    return pd.DataFrame([row], columns=list(FUNDS_HEADERS))


def _indicator_rows(result: SelfEvalResult) -> pd.DataFrame:
    table = result.table
    return table[(table["level1"] != EXECUTION_LEVEL1) & table["applicable"]]


def annual_goal(project: Mapping[str, Any], result: SelfEvalResult,
                ruleset: str | Path | RuleSet) -> pd.DataFrame:
    """年度总体目标: 预期目标 and 实际完成情况, from the data when the project gives them
    (``goal``, ``goal_result``), else generated from the indicator sheet.

    Parameters
    ----------
    project : mapping
    result : SelfEvalResult
    ruleset : str, Path or RuleSet
        The rule set the result was computed with (its phrasebook ``annual_goal``).

    Returns
    -------
    pandas.DataFrame
        One row: ``planned`` (预期目标) and ``actual`` (实际完成情况). Generated, the planned
        goal lists each applicable indicator's name and 年度指标值 (a qualitative one: 达到预期),
        the actual one its 实际完成值, in sheet order.
    """
    words = phrasebook(ruleset_of(result, ruleset))
    rows = _indicator_rows(result)
    planned = str(project.get("goal") or "").strip() or words.text(
        "annual_goal.planned", targets="；".join(
            f"{r.name}达到预期" if r.comparator == "定性" else f"{r.name}{r.target_text}"
            for r in rows.itertuples()))
    actual = str(project.get("goal_result") or "").strip() or words.text(
        "annual_goal.actual", actuals="；".join(
            f"{r.name}{r.actual_text or '未填报'}" for r in rows.itertuples()))
    return pd.DataFrame([{"planned": planned, "actual": actual}])


def deviations(result: SelfEvalResult, ruleset: str | Path | RuleSet) -> str:
    """偏差原因分析及改进措施: the explanations the project gave for its deviating indicators,
    then those still missing (:func:`missing_explanations`).

    Parameters
    ----------
    result : SelfEvalResult
    ruleset : str, Path or RuleSet

    Returns
    -------
    str
    """
    words = phrasebook(ruleset_of(result, ruleset))
    table = result.table
    given = table[table["needs_explanation"] & ~table["explanation_missing"]]
    if not int(table["needs_explanation"].sum()):
        return words.text("deviation.none")
    parts = []
    if not given.empty:
        parts.append("\n".join(f"{i}. " + words.text("deviation.line", name=r.name,
                                                      explanation=r.explanation)
                               for i, r in enumerate(given.itertuples(), 1)))
    if not result.missing_explanations.empty:
        parts.append(missing_explanations(result))
    return "\n\n".join(parts)


def rectification(flag: Mapping[str, Any], result: SelfEvalResult,
                  ruleset: str | Path | RuleSet) -> str:
    """The 整改 paragraph: whether the project is on the rectification list and what it must do.

    Parameters
    ----------
    flag : mapping
        The project's row of :func:`evalkit.summary.summarize_projects` (``execution_rate``,
        ``completion_rate``, ``gap_points``, ``rectification``), the county summary's rule: a
        project is flagged when |completion − execution| × 100 > ``monitoring.gap_points``.
    result : SelfEvalResult
    ruleset : str, Path or RuleSet

    Returns
    -------
    str
        Phrasebook ``rectification.low_execution`` (completion above execution),
        ``low_completion`` (execution above completion) or ``fine`` (not flagged).

    References
    ----------
    .. [1] DOMAIN.md §1 and §9: a gap over 20 points → rectification notice (整改意见).
    """
    rs = ruleset_of(result, ruleset)
    words = phrasebook(rs)
    gap = float(flag["gap_points"])
    key = ("fine" if not bool(flag["rectification"]) else
           "low_execution" if gap > 0 else "low_completion")
    return words.text(f"rectification.{key}", execution=percent(float(flag["execution_rate"])),
                      completion=percent(float(flag["completion_rate"])),
                      gap=f"{abs(gap):.1f}", grade=result.grade,
                      limit=f"{float(rs.section('monitoring')['gap_points']):g}")
