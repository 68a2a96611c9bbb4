"""Department-wide evaluation report sentences (部门整体支出绩效评价 and 自评), from a
:class:`~evalkit.stages.unitwide.UnitEvalResult`.

:func:`basic_info`, :func:`work_done`, :func:`conclusion`, :func:`level1_analysis`,
:func:`projects_paragraph`, :func:`self_comparison`, :func:`problems` and :func:`suggestions`.
Numbers are formatted for display only (:mod:`evalkit.stages.prose`); the result stays unrounded.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from evalkit.phrasebook import phrasebook
from evalkit.rules import RuleSet
from evalkit.stages.prose import (
    MAX_SPECIFIC,
    NOTHING_LOST,
    bands_text,
    numbered_suggestions,
    percent,
    points,
    ruleset_of,
    threshold,
)
from evalkit.stages.unitwide import VIEWS, UnitEvalResult

__all__ = ["basic_info", "conclusion", "level1_analysis", "problems", "projects_paragraph",
           "self_comparison", "suggestions", "work_done"]

#: Why a quantitative indicator lost points, by measure (the problem sentence's cause).
_CAUSES = {
    "staff_rate": "在职人员数超过核定编制数，人员经费支出刚性增加",
    "sangong_change": "“三公经费”较上年增加，厉行节约要求落实不到位",
    "execution_rate": "支出完成数低于年初预算数，预算编制不够精准或执行进度滞后",
    "adjustment_rate": "年度中预算调整较多，预算编制的前瞻性和准确性不足",
    "carryover_rate": "结转结余资金占比偏高，资金未能及时发挥效益",
    "carryover_change": "结转结余率较上年上升，存量资金盘活力度不够",
    "procurement_rate": "政府采购未按预算执行到位",
    "asset_use_rate": "部分固定资产闲置，资产使用效率不高",
    "task_completion": "部分重点工作未完成年度目标",
    "project_execution": "所属项目资金执行进度滞后",
    "project_completion": "所属项目绩效目标未全部完成",
    "satisfaction": "服务对象满意度未达到目标值",
}
#: The suggestion for each measure, and for judged items by level-2 name.
_ADVICE = {
    "staff_rate": "严格控制人员编制，按核定编制配备在职人员，逐步消化超编人员",
    "sangong_change": "严格执行“三公经费”只减不增的要求，细化公务接待、公务用车和因公出国（境）支出管理",
    "execution_rate": "加强预算执行管理，按月跟踪支出进度，提高年初预算编制的准确性",
    "adjustment_rate": "提高预算编制的完整性和前瞻性，减少年度中预算追加和调整",
    "carryover_rate": "加大结转结余资金清理盘活力度，及时统筹用于重点工作",
    "carryover_change": "建立结转结余资金定期清理机制，防止存量资金逐年累积",
    "procurement_rate": "按政府采购预算及时组织采购，加强采购计划与预算的衔接",
    "asset_use_rate": "开展资产清查，盘活闲置资产，提高固定资产使用效率",
    "task_completion": "将重点工作分解到岗、到人，加强过程督导，确保年度目标按期完成",
    "project_execution": "加快所属项目实施和资金拨付进度，对执行缓慢的项目及时调整",
    "project_completion": "加强所属项目绩效目标运行监控，对偏离目标的项目及时纠偏",
    "satisfaction": "畅通服务对象意见反馈渠道，针对满意度较低的方面改进服务",
    "目标设定": "对照部门职责和中长期规划设定整体绩效目标，细化量化绩效指标",
    "预算管理": "健全预算管理制度，严格资金使用审批，按规定及时公开预决算信息",
    "资产管理": "完善资产管理制度，定期盘点，确保账实相符、资产安全",
    "履职效益": "围绕部门职责梳理履职效益，用可衡量的指标反映经济、社会和生态效益",
}
_GENERAL = (
    "将部门整体绩效目标与年度预算同步编制、同步审核、同步批复",
    "加强部门整体支出绩效运行监控，对偏离目标的支出及时预警、纠偏",
    "强化评价结果应用，将评价结论与下一年度预算安排挂钩",
)


def _wan(x: float) -> str:
    return f"{x:,.2f} 万元"


def basic_info(result: UnitEvalResult) -> str:
    """The 基本情况 paragraph: funds, staff, "三公经费", key tasks and projects of the unit.

    Examples
    --------
    >>> from evalkit.stages.unitwide import _example
    >>> print(basic_info(_example()))
    示例局本年度年初预算数 1,000.00 万元，预算调整数 30.00 万元，支出完成数 950.00 万元，支出实际完成率 95.00%；年末结转结余 38.00 万元。核定编制 50 人，在职人员 52 人；“三公经费”支出 9.00 万元（上年 10.00 万元）。年度共承担重点工作 2 项，无项目支出。
    """
    f = result.figures
    goal = str(f.get("goal") or "")
    projects = (f"所属项目 {len(result.projects)} 个，预算数合计 "
                f"{_wan(float(result.projects['budget'].sum()))}" if len(result.projects)
                else "无项目支出")
    text = (f"{result.unit_name}{_year(result)}年初预算数 {_wan(f['budget'])}，预算调整数 "
            f"{_wan(f['adjustment'])}，支出完成数 {_wan(f['spent'])}，支出实际完成率 "
            f"{percent(result.measures['execution_rate'])}；年末结转结余 {_wan(f['carryover'])}。"
            f"核定编制 {f['authorized_staff']:g} 人，在职人员 {f['staff']:g} 人；“三公经费”支出 "
            f"{_wan(f['sangong'])}（上年 {_wan(f['sangong_last'])}）。年度共承担重点工作 "
            f"{len(result.tasks)} 项，{projects}。")
    if goal:
        text += f"年度总体目标：{goal}。"
    return text


def _year(result: UnitEvalResult) -> str:
    """“ 2020 年度” from the unit's projects, else “本年度”."""
    years = result.projects["year"] if "year" in result.projects else pd.Series(dtype=int)
    return f" {int(years.iloc[0])} 年度" if len(years) else "本年度"


def work_done(result: UnitEvalResult, ruleset: RuleSet) -> str:
    """The 评价工作开展情况 paragraph: basis, framework, evidence and the rule set's bands.

    Examples
    --------
    >>> from evalkit.rules import load_ruleset
    >>> from evalkit.stages.unitwide import _example
    >>> print(work_done(_example(), load_ruleset("national")))  # doctest: +ELLIPSIS
    评价依据《预算绩效评价共性指标体系框架》（财预〔2013〕53号）部门整体支出绩效评价共性指标，按规则集“全国参考规则集”设置投入、过程、产出、效果四个一级指标、21 个三级指标...
    """
    table = result.table
    n_judged = int((table["measure"] == "judged").sum())
    level1 = "、".join(result.level1["level1"])
    return (f"评价依据《预算绩效评价共性指标体系框架》（财预〔2013〕53号）部门整体支出绩效评价共性指标，"
            f"按规则集“{ruleset.data.get('name', ruleset.id)}”设置{level1}四个一级指标、{len(table)} 个三级指标，总分 100 分。"
            f"定量指标根据单位填报的预决算、人员、资产、政府采购和重点工作数据计算；{n_judged} 个定性指标"
            f"由评价组查阅佐证材料后评定等级（达成、部分达成、未达成）；所属项目的执行和绩效目标完成情况"
            f"取自项目绩效自评结果。评价等级：{bands_text(ruleset.grades)}。")


def conclusion(result: UnitEvalResult) -> str:
    """The conclusion paragraph: total, grade, each level-1 score and the not-applicable items.

    Examples
    --------
    >>> from evalkit.stages.unitwide import _example
    >>> print(conclusion(_example()))
    示例局部门整体支出绩效评价得分为 94.52 分，评价等级为“优”。其中，投入得 20.00 分（分值 22.22 分，得分率 90.00%）；过程得 30.91 分（分值 33.33 分，得分率 92.73%）；产出得 15.83 分（分值 16.67 分，得分率 95.00%）；效果得 27.78 分（分值 27.78 分，得分率 100.00%）。不适用指标：项目预算执行率：无项目支出，不适用，其 5 分按比例分配给其他指标；项目绩效目标完成率：无项目支出，不适用，其 5 分按比例分配给其他指标。
    """
    label = VIEWS[result.view][1]
    parts = [f"{r.level1}得 {points(r.score)} 分（分值 {points(r.weight)} 分，得分率 "
             f"{percent(r.rate)}）" for r in result.level1.itertuples() if r.weight > 0]
    text = (f"{result.unit_name}部门整体支出绩效{label}得分为 {points(result.total)} 分，"
            f"{label}等级为“{result.grade}”。其中，{'；'.join(parts)}。")
    if result.notes:
        text += f"不适用指标：{'；'.join(result.notes)}。"
    return text


def _quoted(name: str) -> str:
    """An indicator name in quotes, unless it starts with quotes of its own (“三公经费”变动率)."""
    return name if name.startswith("“") else f"“{name}”"


def _describe(row) -> str:
    if row.measure == "judged":
        return f"{_quoted(row.name)}评定为“{row.tier}”"
    if not row.applicable:
        return f"{_quoted(row.name)}不适用"
    return f"{_quoted(row.name)}为 {row.value_text}（满分标准 {row.target_text}）"


def level1_analysis(result: UnitEvalResult, level1: str) -> str:
    """The 指标分析 paragraph of one level-1 name: each indicator's value and its points.

    Examples
    --------
    >>> from evalkit.stages.unitwide import _example
    >>> print(level1_analysis(_example(), "投入"))
    投入指标分值 22.22 分，得 20.00 分，得分率 90.00%。“绩效目标合理性”评定为“达成”，得满分 5.56 分；“绩效指标明确性”评定为“达成”，得满分 5.56 分；“在职人员控制率”为 104.00%（满分标准 ≤100%），得 3.33 分，扣 2.22 分；“三公经费”变动率为 -10.00%（满分标准 ≤0%），得满分 5.56 分。
    """
    row = result.level1.set_index("level1").loc[level1]
    rows = result.table[result.table["level1"] == level1]
    parts = []
    for r in rows.itertuples():
        if not r.applicable:
            parts.append(_describe(r))
        elif r.lost > NOTHING_LOST:
            parts.append(f"{_describe(r)}，得 {points(r.score)} 分，扣 {points(r.lost)} 分")
        else:
            parts.append(f"{_describe(r)}，得满分 {points(r.score)} 分")
    rate = percent(row["rate"]) if not math.isnan(row["rate"]) else "—"
    return (f"{level1}指标分值 {points(row['weight'])} 分，得 {points(row['score'])} 分，得分率 "
            f"{rate}。{'；'.join(parts)}。")


def projects_paragraph(result: UnitEvalResult) -> str:
    """The roll-up of the unit's projects: count, funds, execution, completion, grades, flags.

    Examples
    --------
    >>> from evalkit.stages.unitwide import _example
    >>> print(projects_paragraph(_example()))
    该单位本年度无项目支出，项目预算执行率和项目绩效目标完成率指标不适用。
    """
    p = result.projects
    if p.empty:
        return "该单位本年度无项目支出，项目预算执行率和项目绩效目标完成率指标不适用。"
    grades = "、".join(f"“{g}”{n} 个" for g, n in p["grade"].value_counts(sort=False).items())
    flagged = p[p["rectification"].astype(bool)]
    text = (f"该单位所属项目 {len(p)} 个，预算数 {_wan(float(p['budget'].sum()))}，执行数 "
            f"{_wan(float(p['spent'].sum()))}，项目预算执行率 "
            f"{percent(result.measures['project_execution'])}，按预算数加权的绩效目标完成率 "
            f"{percent(result.measures['project_completion'])}。项目自评等级：{grades}。")
    if flagged.empty:
        return text + "各项目预算执行率与目标完成率偏差均在监控阈值以内。"
    listed = "；".join(f"{r.project_id} {r.project_name}（执行率 {percent(r.execution_rate)}，"
                      f"完成率 {percent(r.completion_rate)}）" for r in flagged.itertuples())
    return text + f"预算执行与目标完成偏差超过监控阈值、需下达整改意见的项目 {len(flagged)} 个：{listed}。"


def self_comparison(evaluated: UnitEvalResult, own: UnitEvalResult) -> str:
    """How the evaluator's score differs from the unit's self-evaluation (judged items only).

    Examples
    --------
    >>> from evalkit.stages.unitwide import _example
    >>> print(self_comparison(_example(), _example("self")))
    单位自评得分 95.86 分（“优”），评价得分 94.52 分（“优”），相差 1.33 分。定性指标评定不一致 1 项：“资金使用合规性”自评“达成”，评价“部分达成”。
    """
    diff = own.total - evaluated.total
    a = evaluated.table.set_index("indicator_id")
    b = own.table.set_index("indicator_id")
    changed = a[(a["measure"] == "judged") & (a["tier"] != b["tier"].reindex(a.index))]
    text = (f"单位自评得分 {points(own.total)} 分（“{own.grade}”），评价得分 "
            f"{points(evaluated.total)} 分（“{evaluated.grade}”），相差 {points(diff)} 分。")
    if changed.empty:
        return text + "定性指标的自评等级与评价等级一致。"
    items = "；".join(f"{_quoted(r['name'])}自评“{b.loc[i, 'tier']}”，评价“{r['tier']}”"
                      for i, r in changed.iterrows())
    return text + f"定性指标评定不一致 {len(changed)} 项：{items}。"


def _weakest(result: UnitEvalResult) -> pd.DataFrame:
    losing = result.table[result.table["lost"] > NOTHING_LOST]
    return losing.sort_values("lost", ascending=False, kind="stable").head(MAX_SPECIFIC + 2)


def problems(result: UnitEvalResult, ruleset: str | Path | RuleSet) -> str:
    """问题及原因: the material deductions, most points lost first, each with its cause.

    Parameters
    ----------
    result : UnitEvalResult
    ruleset : str, Path or RuleSet
        The rule set the result was computed with: its ``prose.materiality`` decides which
        deductions are problems (:meth:`evalkit.phrasebook.Phrasebook.is_material`); a judged
        item at the best tier never is.

    Examples
    --------
    >>> from evalkit.stages.unitwide import _example
    >>> print(problems(_example(), "national").splitlines()[2])
    1. “在职人员控制率”为 104.00%（满分标准 ≤100%），扣 2.22 分。原因：在职人员数超过核定编制数，人员经费支出刚性增加；
    """
    rs = ruleset_of(result, ruleset)
    words = phrasebook(rs)
    best = rs.qualitative_tiers[0].tier
    losing = result.table[result.table["lost"] > NOTHING_LOST]
    material = losing[[words.is_material(r.lost, r.weight) and r.tier != best
                       for r in losing.itertuples()]]
    shown = material.sort_values("lost", ascending=False, kind="stable").head(MAX_SPECIFIC + 2)
    if shown.empty:
        return words.text("no_problems", min_points=f"{words.min_lost_points:g}",
                          min_share=threshold(words.min_lost_share))
    lines = []
    for i, r in enumerate(shown.itertuples(), 1):
        cause = (_CAUSES[r.measure] if r.measure != "judged"
                 else r.note or "佐证材料未能充分证明该项要求已落实")
        lines.append(f"{i}. {_describe(r)}，扣 {points(r.lost)} 分。原因：{cause}")
    head = "评价发现的主要问题" if result.view == "third_party" else "自评扣分的主要指标"
    text = f"{head}（按扣分多少排列）：\n\n" + "；\n".join(lines) + "。"
    minor = len(losing) - len(shown)
    if minor:
        text += "\n\n" + words.text("minor_note", n=minor)
    return text


def suggestions(result: UnitEvalResult) -> str:
    """建议: one per weak indicator (at most :data:`MAX_SPECIFIC`), topped up with general ones.

    Examples
    --------
    >>> from evalkit.stages.unitwide import _example
    >>> print(suggestions(_example()))
    1. 严格控制人员编制，按核定编制配备在职人员，逐步消化超编人员
    2. 健全预算管理制度，严格资金使用审批，按规定及时公开预决算信息
    3. 将重点工作分解到岗、到人，加强过程督导，确保年度目标按期完成
    """
    specific: list[str] = []
    for r in _weakest(result).itertuples():
        advice = _ADVICE[r.measure] if r.measure != "judged" else _ADVICE.get(r.level2, "")
        if advice and advice not in specific:
            specific.append(advice)
    return numbered_suggestions(specific[:MAX_SPECIFIC], _GENERAL)
