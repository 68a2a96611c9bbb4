"""Key-project evaluation report sentences (重点项目绩效评价), from a
:class:`~evalkit.stages.keyproject.KeyProjectResult`.

Paragraphs: :func:`background` (基本情况), :func:`conclusion`, :func:`level1`,
:func:`strengths` (主要成效及经验), :func:`problems` (the material :func:`findings`, grouped by
level-1 indicator, each with its cause), :func:`suggestions` (by kind of finding),
:func:`method`, :func:`caveats`, and :func:`survey_paragraph` for the project's
:class:`~evalkit.survey.SurveyResult`; table: :func:`facts`. The wording of problems, strengths
and suggestions is the rule set's phrasebook (:mod:`evalkit.phrasebook`). Numbers are formatted for display
only, as :mod:`evalkit.stages.prose` says; the result stays unrounded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit.errors import InputError
from evalkit.phrasebook import phrasebook
from evalkit.rules import RuleSet
from evalkit.sensitivity import StabilityResult
from evalkit.stages.keyproject import KeyProjectResult
from evalkit.stages.prose import (
    MAX_SPECIFIC,
    NOTHING_LOST,
    bands_text,
    count,
    numbered_suggestions,
    percent,
    points,
    ruleset_of,
    threshold,
)
from evalkit.stages.prose import robustness as shared_robustness
from evalkit.survey import SurveyResult

__all__ = ["background", "caveats", "conclusion", "facts", "findings", "level1", "method",
           "problems", "robustness", "strengths", "suggestions", "survey_paragraph"]

#: What a weak indicator calls for, by framework indicator name (财预〔2020〕10号 reference
#: framework), then by level-1 name for indicators of a custom framework.
_ADVICE = {
    "立项依据充分性": "进一步梳理项目立项的政策依据和需求调研材料，确保项目与发展规划、部门职能相符",
    "立项程序规范性": "严格履行项目申报、论证和审批程序，完整保存立项过程资料",
    "绩效目标合理性": "结合历史水平和资金规模科学设定绩效目标，避免目标过低或过高",
    "绩效指标明确性": "细化、量化绩效指标，完整设置数量、质量、时效、成本、效益和满意度指标",
    "预算编制科学性": "细化预算测算依据，提高预算编制的准确性和科学性",
    "资金分配合理性": "完善资金分配办法，使资金分配与项目实际需求相匹配",
    "资金到位率": "加强与相关部门的沟通衔接，确保项目资金及时足额到位",
    "预算执行率": "加快项目实施和资金支付进度，提高预算执行率，避免资金沉淀",
    "资金使用合规性": "严格执行财务管理制度，规范资金使用审批和会计核算",
    "管理制度健全性": "健全项目管理和财务管理制度，明确各环节责任",
    "制度执行有效性": "加强对制度执行情况的监督检查，确保各项管理制度落实到位",
    "实际完成率": "加强项目实施进度管理，确保计划产出全部完成",
    "质量达标率": "加强质量管控和竣工验收，确保产出质量达到标准",
    "完成及时性": "科学制定实施计划，加强进度调度，确保项目按期完成",
    "成本节约率": "加强成本控制和支出审核，合理控制项目成本",
    "经济效益": "跟踪项目经济效益的实现情况，完善效益监测数据",
    "社会效益": "加强项目社会效益的跟踪评估，推动项目惠及更多群众",
    "生态效益": "加强生态效益监测，巩固项目生态成果",
    "可持续影响": "建立长效管护机制，落实后续管护责任和经费，保障项目持续发挥效益",
    "服务对象满意度": "梳理服务对象反映的问题并及时整改，提升服务对象满意度",
    "决策": "加强项目立项论证和绩效目标管理",
    "过程": "加强资金管理和项目组织实施",
    "产出": "加强项目实施管理，确保产出数量、质量、时效和成本目标实现",
    "效益": "加强项目效益的跟踪监测，推动项目效益充分发挥",
}
#: Used for an indicator of a custom framework that the table above does not know.
_OTHER_ADVICE = "针对扣分原因制定整改措施"
#: What follows from each grade of the shipped rule sets (DOMAIN.md §7, result application).
_GRADE_ADVICE = {
    "优": "评价等级为“优”，建议在以后年度预算安排中优先保障，并总结推广项目管理经验。",
    "良": "评价等级为“良”，建议根据项目需要合理安排以后年度预算，并针对扣分事项加以改进。",
    "中": "评价等级为“中”，建议项目单位限期整改，并相应调减以后年度预算。",
    "差": "评价等级为“差”，建议大幅调减或取消以后年度预算，项目单位整改到位后再予安排。",
}
#: Fills the suggestions up to three.
_GENERAL_ADVICE = (
    "建议将本次评价发现的问题纳入整改清单，明确责任单位和整改时限，并跟踪整改落实情况。",
    "建议加强绩效运行监控，确保预算执行进度与绩效目标完成进度相匹配。",
)


def _weight(x: float) -> str:
    """Points of an indicator for display: up to 2 decimals (15 → ``15``, 10.869 → ``10.87``)."""
    return f"{round(x, 2):g}"


def _label(level1: str) -> str:
    """``决策`` → ``决策指标``; a name already ending in 指标 stays as it is."""
    return level1 if level1.endswith("指标") else f"{level1}指标"


def _names(names) -> str:
    """Indicator names in quotes, joined by 、."""
    return "、".join(f"“{n}”" for n in names)


def conclusion(result: KeyProjectResult) -> str:
    """The conclusion: total, grade and each level-1 indicator's score and score rate.

    Parameters
    ----------
    result : KeyProjectResult

    Returns
    -------
    str

    Notes
    -----
    The grade was chosen by :func:`evalkit.stages.keyproject.assess` from the unrounded total. A
    level-1 indicator's full marks are its effective points (after not-applicable rescaling) and
    its rate is score / effective points; a level-1 indicator with no applicable indicator is
    said to be not applicable.

    References
    ----------
    .. [1] DOMAIN.md §5, key-project evaluation: 综合评价结论 (score and grade).

    Examples
    --------
    >>> from evalkit.stages.keyproject import assess, framework
    >>> fw = framework()
    >>> codes = fw.loc[fw["source"].isin(["qualitative", "sheet_or_qualitative"]), "code"]
    >>> judged = pd.DataFrame({"indicator_id": codes, "evidence": "PJ-01",
    ...                        "tier": codes.map({"A31": "部分达成", "D14": "部分达成"}).fillna("达成")})
    >>> sheet = pd.DataFrame({"indicator_id": ["I1", "I2", "I3", "I4", "I5"],
    ...     "level1": ["产出指标"] * 4 + ["效益指标"],
    ...     "level2": ["数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标"],
    ...     "name": ["新建安居房", "验收合格率", "完工天数", "户均成本", "住房安全保障率"],
    ...     "comparator": ["≥", "≥", "≤", "≤", "≥"], "target": [5000, 100, 180, 4, 100],
    ...     "unit": ["套", "%", "天", "万元", "%"], "weight": [20, 10, 10, 10, 30],
    ...     "actual": [4800, 100, 200, 3.8, 100]})
    >>> answers = pd.DataFrame({"respondent_id": range(60), "question": "总体满意度",
    ...                         "response": [5] * 50 + [3] * 10})
    >>> project = {"project_id": "P1", "project_name": "农村安居房建设项目", "budget": 1000,
    ...            "received": 950, "spent": 900}
    >>> print(conclusion(assess(project, sheet, judged, answers)))
    经综合评价，该项目绩效评价得分为 95.40 分，评价等级为“优”。其中，决策指标得 14.10 分（满分 15 分，得分率 94.00%），过程指标得 19.59 分（满分 20 分，得分率 97.95%），产出指标得 33.80 分（满分 35 分，得分率 96.57%），效益指标得 27.91 分（满分 30 分，得分率 93.02%）。
    """
    parts = []
    for row in result.level1.itertuples(index=False):
        label = _label(row.name)
        if row.effective_weight <= 0:
            parts.append(f"{label}不适用")
        else:
            parts.append(f"{label}得 {points(row.score)} 分（满分 {_weight(row.effective_weight)}"
                         f" 分，得分率 {percent(row.rate)}）")
    text = (f"经综合评价，该项目绩效评价得分为 {points(result.total)} 分，评价等级为“{result.grade}”。"
            f"其中，{'，'.join(parts)}。")
    if result.not_applicable:
        text += (f"另有 {len(result.not_applicable)} 项指标不适用，其分值已按比例分配至其余指标"
                 f"（详见其他说明）。")
    return text


def level1(result: KeyProjectResult, name: str) -> str:
    """One paragraph on a level-1 indicator (决策, 过程, 产出 or 效益): score, full marks, weak spots.

    Parameters
    ----------
    result : KeyProjectResult
    name : str
        A level-1 name of the framework.

    Returns
    -------
    str

    Raises
    ------
    InputError
        ``name`` is not a level-1 indicator of the result's framework (the names are listed).

    Notes
    -----
    Lists the indicators that earned full marks, then the ones that lost points from the lowest
    score rate up (at most three, each with its formula and the evaluator's note), then the
    not-applicable ones. Equal rates keep the framework's order.

    References
    ----------
    .. [1] DOMAIN.md §5: 绩效指标分析 by 决策 / 过程 / 产出 / 效益.

    Examples
    --------
    >>> from evalkit.stages.keyproject import assess, framework
    >>> fw = framework()
    >>> codes = fw.loc[fw["source"].isin(["qualitative", "sheet_or_qualitative"]), "code"]
    >>> judged = pd.DataFrame({"indicator_id": codes, "evidence": "PJ-01",
    ...                        "tier": codes.map({"A31": "部分达成", "D14": "部分达成"}).fillna("达成")})
    >>> sheet = pd.DataFrame({"indicator_id": ["I1", "I2", "I3", "I4", "I5"],
    ...     "level1": ["产出指标"] * 4 + ["效益指标"],
    ...     "level2": ["数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标"],
    ...     "name": ["新建安居房", "验收合格率", "完工天数", "户均成本", "住房安全保障率"],
    ...     "comparator": ["≥", "≥", "≤", "≤", "≥"], "target": [5000, 100, 180, 4, 100],
    ...     "unit": ["套", "%", "天", "万元", "%"], "weight": [20, 10, 10, 10, 30],
    ...     "actual": [4800, 100, 200, 3.8, 100]})
    >>> answers = pd.DataFrame({"respondent_id": range(60), "question": "总体满意度",
    ...                         "response": [5] * 50 + [3] * 10})
    >>> project = {"project_id": "P1", "project_name": "农村安居房建设项目", "budget": 1000,
    ...            "received": 950, "spent": 900}
    >>> result = assess(project, sheet, judged, answers)
    >>> print(level1(result, "决策"))
    决策指标满分 15 分，得 14.10 分，得分率 94.00%。“立项依据充分性”、“立项程序规范性”、“绩效目标合理性”、“绩效指标明确性”、“资金分配合理性”得满分。“预算编制科学性”得 2.10 分（满分 3 分，得分率 70.00%），评价等级 部分达成（得分区间 60%–80%），按默认得分率 70%。
    >>> print(level1(result, "产出"))
    产出指标满分 35 分，得 33.80 分，得分率 96.57%。“质量达标率”、“成本节约率”得满分。“完成及时性”得 7.20 分（满分 8 分，得分率 90.00%），完工天数 目标 ≤180天，实际 200天，反向指标，未超过目标值得满分，超过时按目标值与实际值之比计分，得分率 90.00%。“实际完成率”得 9.60 分（满分 10 分，得分率 96.00%），新建安居房 目标 ≥5000套，实际 4800套，正向指标，按实际值与目标值之比计分，得分率 96.00%。
    """
    names = result.level1["name"].tolist()
    if name not in names:
        raise InputError(f"expected a level-1 indicator ({'、'.join(names)}), found {name!r}")
    total = result.level1.set_index("name").loc[name]
    leaves = result.sheet[result.sheet["level1"] == name]
    label = _label(name)
    if total["effective_weight"] <= 0:
        return (f"{label}下的 {len(leaves)} 项指标均不适用，未计分，其分值已按比例分配至其余指标。")
    text = (f"{label}满分 {_weight(total['effective_weight'])} 分，得 {points(total['score'])} "
            f"分，得分率 {percent(total['rate'])}。")
    applicable = leaves[leaves["applicable"]]
    full = applicable[applicable["lost"] <= NOTHING_LOST]
    losing = applicable[applicable["lost"] > NOTHING_LOST].sort_values("ratio", kind="stable")
    if losing.empty:
        text += "各项指标均得满分。"
    elif not full.empty:
        text += f"{_names(full['name'])}得满分。"
    for row in losing.head(MAX_SPECIFIC).itertuples(index=False):
        note = f"；{row.note}" if row.note else ""
        text += (f"“{row.name}”得 {points(row.score)} 分（满分 {_weight(row.effective_weight)} "
                 f"分，得分率 {percent(row.ratio)}），{row.formula}{note}。")
    if len(losing) > MAX_SPECIFIC:
        text += f"另有 {len(losing) - MAX_SPECIFIC} 项指标有所扣分，详见存在问题。"
    na = leaves[~leaves["applicable"]]
    if not na.empty:
        text += f"{_names(na['name'])}不适用，未计分。"
    return text


#: Chinese ordinals of the group headings (（一）决策方面 …).
_ORDINALS = "一二三四五六七八九十"


def _amount(x: object) -> str:
    """万元 for display: 2 decimals."""
    return f"{float(x):,.2f}"


def _value(x: float, unit: str) -> str:
    return f"{x:g}{unit}"


def _sheet_cause(result: KeyProjectResult, code: str, words) -> str:
    """The cause of a sheet-scored indicator's shortfall: each short row's target, actual and
    the project's own deviation explanation (偏差原因) — or the fact that it gave none."""
    rows = result.indicator_rows
    short = rows[(rows["code"] == code) & rows["applicable"] & (rows["lost"] > NOTHING_LOST)]
    parts = []
    for row in short.itertuples(index=False):
        unit = str(row.unit or "")
        slots = {"name": row.name, "target": f"{row.comparator}{_value(row.target, unit)}",
                 "actual": ("未填报" if row.missing_actual else
                            row.actual_tier or _value(row.actual, unit))}
        if row.comparator == "定性":
            key = "causes.sheet_qualitative"
            parts.append(words.text(key, name=row.name, tier=row.actual_tier,
                                    explanation=row.explanation or words.text(f"{key}_none")))
        elif row.explanation:
            parts.append(words.text("causes.sheet", explanation=row.explanation, **slots))
        else:
            parts.append(words.text("causes.sheet_no_explanation", **slots))
    return "；".join(parts)


def _cause(result: KeyProjectResult, row, words) -> str:
    """Why an indicator lost points, from the evidence of its source (see ``causes`` of the
    phrasebook): the judgement note, the sheet's deviation explanation, the ledger figures with
    the project's 说明, the satisfaction rate."""
    project = result.project
    note = str(project.get("note") or "").strip()
    ledger = {"received": _amount(project["received"]), "budget": _amount(project["budget"]),
              "spent": _amount(project["spent"]), "rate": percent(row.value)}
    if row.tier:
        if row.note:
            return words.text("causes.qualitative", note=row.note)
        return words.text("causes.qualitative_no_note", tier=row.tier)
    if row.source in ("funds_in_place", "budget_execution"):
        text = words.text(f"causes.{row.source}", **ledger)
        return f"{text}（项目单位说明：{note}）" if note else text
    if row.source == "survey":
        return words.text("causes.survey", rate=percent(row.value),
                          target=threshold(result.satisfaction_target))
    return _sheet_cause(result, row.code, words) or row.formula


def findings(result: KeyProjectResult, ruleset: str | Path | RuleSet) -> pd.DataFrame:
    """Every indicator that lost points, judged material or not, with its cause.

    Parameters
    ----------
    result : KeyProjectResult
    ruleset : str, Path or RuleSet
        The rule set the result was computed with (its phrasebook and qualitative tiers).

    Returns
    -------
    pandas.DataFrame
        ``code``, ``level1``, ``name``, ``effective_weight``, ``lost``, ``share`` (lost /
        effective points), ``positive`` (judged at the best qualitative tier), ``material``
        and ``cause``, most points lost first. Unrounded.

    Notes
    -----
    A finding is material when ``lost ≥ prose.materiality.min_lost_points`` or ``share ≥
    prose.materiality.min_lost_share`` (:meth:`evalkit.phrasebook.Phrasebook.is_material`) and
    it is not positive: an indicator the evaluators rated at the best tier (达成) is a strength
    even when its judged score is a little below full marks.
    """
    rs = ruleset_of(result, ruleset)
    words = phrasebook(rs)
    best = rs.qualitative_tiers[0].tier
    sheet = result.sheet
    losing = sheet[sheet["applicable"] & (sheet["lost"] > NOTHING_LOST)]
    losing = losing.sort_values("lost", ascending=False, kind="stable")
    rows = []
    for row in losing.itertuples(index=False):
        positive = row.tier == best
        rows.append({"code": row.code, "level1": row.level1, "name": row.name,
                     "effective_weight": row.effective_weight, "lost": row.lost,
                     "share": row.lost / row.effective_weight, "positive": positive,
                     "material": (not positive) and words.is_material(row.lost,
                                                                       row.effective_weight),
                     "cause": _cause(result, row, words)})
    columns = ["code", "level1", "name", "effective_weight", "lost", "share", "positive",
               "material", "cause"]
    return pd.DataFrame(rows, columns=columns)


def _grouped(groups: list[tuple[str, list[str]]], words) -> str:
    """Numbered Markdown lists under （一）…方面 headings, the empty groups left out."""
    blocks, number = [], 0
    for level1_name, lines in groups:
        if not lines:
            continue
        heading = (words.text("groups.other") if level1_name == "" else
                   words.text("groups.heading", number=_ORDINALS[number], level1=level1_name))
        if level1_name == "":
            heading = f"（{_ORDINALS[number]}）{heading}"
        number += 1
        blocks.append(heading + "\n\n" + "\n".join(f"{i}. {t}" for i, t in enumerate(lines, 1)))
    return "\n\n".join(blocks)


def problems(result: KeyProjectResult, ruleset: str | Path | RuleSet) -> str:
    """存在问题及原因: the material findings, grouped by 决策/过程/产出/效益, each with its cause.

    Parameters
    ----------
    result : KeyProjectResult
    ruleset : str, Path or RuleSet
        The rule set the result was computed with.

    Returns
    -------
    str
        A line with the points lost and the materiality rule, then one numbered list per level-1
        indicator (framework order) and 其他方面 for the data checks' findings (over-achieved
        targets, survey sample, missing values), then how many minor deductions were not listed.

    Notes
    -----
    Material and positive findings are those of :func:`findings`; causes come from the
    evaluators' judgement notes, the sheet's deviation explanations and the ledger with the
    project's 说明 (phrasebook ``causes``), not from the scoring formula.

    References
    ----------
    .. [1] DOMAIN.md §5: 经验、问题及原因 (from lost points); issue 10: material findings only.
    """
    rs = ruleset_of(result, ruleset)
    words = phrasebook(rs)
    found = findings(result, rs)
    material = found[found["material"]]
    checks = list(result.problems[len(result.lost_ranked):])
    groups = [(name, [words.text("problem", name=r.name, lost=points(r.lost),
                                 weight=_weight(r.effective_weight), cause=r.cause.rstrip("。"))
                      for r in material[material["level1"] == name].itertuples()])
              for name in result.level1["name"]]
    groups.append(("", checks))
    limits = {"min_points": f"{words.min_lost_points:g}", "min_share": threshold(
        words.min_lost_share)}
    lost = float(result.sheet["lost"].sum())
    if material.empty and not checks:
        return words.text("no_problems", **limits)
    head = (words.text("problems_head", lost=points(lost), **limits) if not material.empty
            else words.text("no_problems", **limits) + "评价中发现以下问题：")
    text = head + "\n\n" + _grouped(groups, words)
    minor = len(found) - len(material)
    if minor:
        text += "\n\n" + words.text("minor_note", n=minor)
    return text


def strengths(result: KeyProjectResult, ruleset: str | Path | RuleSet) -> str:
    """主要成效及经验: by level-1 indicator, the indicators at full marks or judged at the best
    tier, with the evaluators' notes on them (at most three notes per group).

    Parameters
    ----------
    result : KeyProjectResult
    ruleset : str, Path or RuleSet

    Returns
    -------
    str
        Grouped numbered lists (phrasebook ``strength``, ``strength_note``), or
        ``no_strengths`` when no indicator qualifies.
    """
    rs = ruleset_of(result, ruleset)
    words = phrasebook(rs)
    best = rs.qualitative_tiers[0].tier
    sheet = result.sheet[result.sheet["applicable"]]
    good = sheet[(sheet["lost"] <= NOTHING_LOST) | (sheet["tier"] == best)]
    groups = []
    for name in result.level1["name"]:
        mine = good[good["level1"] == name]
        lines = [words.text("strength", names=_names(mine["name"]), n=len(mine))] if len(
            mine) else []
        noted = mine[mine["note"] != ""].head(MAX_SPECIFIC)
        lines += [words.text("strength_note", name=r.name, note=r.note.rstrip("。"))
                  for r in noted.itertuples()]
        groups.append((name, lines))
    text = _grouped(groups, words)
    return text or words.text("no_strengths")


def suggestions(result: KeyProjectResult, ruleset: str | Path | RuleSet) -> str:
    """建议, mapped from the kinds of findings (phrasebook ``suggestions``), then the grade.

    Parameters
    ----------
    result : KeyProjectResult
    ruleset : str, Path or RuleSet
        The rule set the result was computed with.

    Returns
    -------
    str
        A numbered Markdown list of at least three items.

    Notes
    -----
    Each kind is triggered from the data, in this order:

    1. ``low_execution``: 预算执行率 (spent / received) below ``suggestions.low_execution.below``;
    2. ``over_achievement``: sheet rows with actual ≥ ``scoring.over_achievement_ratio`` × target
       (target set too low);
    3. ``low_satisfaction``: the satisfaction rate below its target;
    4. ``no_survey`` (no usable survey) or ``small_sample`` (valid sample below
       ``survey.min_sample``);
    5. ``missing_evidence``: judged indicators without evidence;
    6. ``weak``: the other indicators below ``suggestions.weak.below`` of their points, most
       points lost first, at most three, with the advice for the indicator's name;
    7. the advice that follows from the grade (DOMAIN.md §7), then general follow-up until there
       are three.

    References
    ----------
    .. [1] DOMAIN.md §5 (建议) and §7 (result application); issue 10.
    """
    rs = ruleset_of(result, ruleset)
    words = phrasebook(rs)
    sheet = result.sheet
    by_source = sheet.set_index("code")
    items, covered = [], set()
    execution = sheet[(sheet["source"] == "budget_execution") & sheet["applicable"]]
    below = float(words.get("suggestions.low_execution.below"))
    if not execution.empty and float(execution["value"].iat[0]) < below:
        items.append(words.text("suggestions.low_execution.text",
                                rate=percent(float(execution["value"].iat[0])),
                                below=threshold(below)))
        covered.update(execution["code"])
    over = result.indicator_rows[result.indicator_rows["over_achieved"]]
    if not over.empty:
        items.append(words.text("suggestions.over_achievement.text", names=_names(over["name"]),
                                ratio=threshold(rs.over_achievement_ratio)))
    survey_rows = sheet[sheet["source"] == "survey"]
    if (~survey_rows["applicable"]).any():
        items.append(words.text("suggestions.no_survey.text"))
    else:
        covered.update(survey_rows["code"])
        if result.survey is not None and result.survey.rate < result.satisfaction_target:
            items.append(words.text("suggestions.low_satisfaction.text",
                                    rate=percent(result.survey.rate),
                                    target=threshold(result.satisfaction_target)))
        if result.survey is not None and not result.survey.meets_min_sample:
            items.append(words.text("suggestions.small_sample.text",
                                    n=result.survey.n_valid_respondents,
                                    min_sample=result.survey.min_sample))
    judged = sheet[(sheet["tier"] != "") & sheet["applicable"] & (sheet["evidence"] == "")]
    if not judged.empty:
        items.append(words.text("suggestions.missing_evidence.text", names=_names(judged["name"])))
    weak_below = float(words.get("suggestions.weak.below"))
    weak = sheet[sheet["applicable"] & (sheet["ratio"] < weak_below)
                 & ~sheet["code"].isin(covered)].sort_values("lost", ascending=False,
                                                             kind="stable")
    for row in weak.head(MAX_SPECIFIC).itertuples(index=False):
        advice = _ADVICE.get(row.name, _ADVICE.get(row.level1, _OTHER_ADVICE))
        items.append(words.text("suggestions.weak.text", name=row.name, level1=row.level1,
                                rate=percent(by_source.loc[row.code, "ratio"]), advice=advice))
    items.append(_GRADE_ADVICE.get(
        result.grade, f"评价等级为“{result.grade}”，建议按评价结果应用规定办理后续预算安排。"))
    return numbered_suggestions(items, _GENERAL_ADVICE)


def background(project: pd.Series, result: KeyProjectResult) -> str:
    """基本情况 in words: who carries the project out, its funds, and its annual targets.

    Parameters
    ----------
    project : pandas.Series
        The project's row (name, unit, category, is_poverty, budget, received, spent, note).
    result : KeyProjectResult

    Returns
    -------
    str
        The funds sentence (budget, received with 到位率, spent with 执行率 = spent / received),
        the project's 说明 (``note``) and, when the project record carries them, its 立项背景,
        主要内容 and 年度总体目标 (``background``, ``content``, ``goal``), and its annual
        targets from the indicator sheet by level-2 group (数量: …, 质量: …), each as name +
        comparator + target + unit.
    """
    budget, received, spent = (float(project[k]) for k in ("budget", "received", "spent"))
    kind = "扶贫项目" if bool(project.get("is_poverty")) else "项目"
    year = project.get("year")
    when = f" {int(year)} 年度" if isinstance(year, (int, float)) and year == year else "年度"
    text = (f"“{project['project_name']}”由{project['unit_name']}组织实施，资金类别为"
            f"{project['category']}，属{kind}。项目{when}预算 {_amount(budget)} 万元，实际到位 "
            f"{_amount(received)} 万元（到位率 {percent(received / budget)}），实际支出 "
            f"{_amount(spent)} 万元（预算执行率 "
            f"{percent(spent / received) if received else '—'}）。")
    for key, label in (("background", "立项背景"), ("content", "主要内容")):
        said = str(project.get(key) or "").strip()
        if said:
            text += f"{label}：{said.rstrip('。')}。"
    note = str(project.get("note") or "").strip()
    if note:
        text += f"项目单位说明：{note.rstrip('。')}。"
    goal = str(project.get("goal") or "").strip()
    if goal:
        text += f"项目年度总体目标：{goal.rstrip('。')}。"
    rows = result.indicator_rows
    if not rows.empty:
        targets = []
        for level2, group in rows.groupby("level2", sort=False):
            listed = "、".join(
                f"{r.name}（定性）" if r.comparator == "定性"
                else f"{r.name}{r.comparator}{_value(r.target, str(r.unit or ''))}"
                for r in group.itertuples())
            targets.append(f"{level2}：{listed}")
        text += f"项目年度绩效目标为：{'；'.join(targets)}。"
    return text


def method(result: KeyProjectResult, ruleset: str | Path | RuleSet) -> str:
    """评价工作开展情况: object, scope, indicator system with weights, methods and rule set.

    Parameters
    ----------
    result : KeyProjectResult
    ruleset : str, Path or RuleSet
        The rule set the result was computed with.

    Returns
    -------
    str

    Raises
    ------
    InputError
        ``ruleset`` is not the rule set recorded in ``result`` (compared by sha256).

    Notes
    -----
    The reverse-indicator convention, the qualitative tiers, the satisfied levels, the minimum
    sample and the grade bands are read from the rule set; the level-1 weights are the
    framework's (before any not-applicable rescaling).

    References
    ----------
    .. [1] DOMAIN.md §5: 评价工作开展情况 (object, scope, indicator system, methods); 财预〔2020〕10号.

    Examples
    --------
    >>> from evalkit.stages.keyproject import assess, framework
    >>> fw = framework()
    >>> codes = fw.loc[fw["source"].isin(["qualitative", "sheet_or_qualitative"]), "code"]
    >>> judged = pd.DataFrame({"indicator_id": codes, "evidence": "PJ-01",
    ...                        "tier": codes.map({"A31": "部分达成", "D14": "部分达成"}).fillna("达成")})
    >>> sheet = pd.DataFrame({"indicator_id": ["I1", "I2", "I3", "I4", "I5"],
    ...     "level1": ["产出指标"] * 4 + ["效益指标"],
    ...     "level2": ["数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标"],
    ...     "name": ["新建安居房", "验收合格率", "完工天数", "户均成本", "住房安全保障率"],
    ...     "comparator": ["≥", "≥", "≤", "≤", "≥"], "target": [5000, 100, 180, 4, 100],
    ...     "unit": ["套", "%", "天", "万元", "%"], "weight": [20, 10, 10, 10, 30],
    ...     "actual": [4800, 100, 200, 3.8, 100]})
    >>> answers = pd.DataFrame({"respondent_id": range(60), "question": "总体满意度",
    ...                         "response": [5] * 50 + [3] * 10})
    >>> project = {"project_id": "P1", "project_name": "农村安居房建设项目", "budget": 1000,
    ...            "received": 950, "spent": 900}
    >>> print(method(assess(project, sheet, judged, answers), "national"))
    本次评价对象为“农村安居房建设项目”（项目编码 P1，预算 1000.00 万元，实际到位 950.00 万元，实际支出 900.00 万元），评价范围为该项目的资金投入、管理过程、产出和效益。评价依据“全国参考规则集”（cn-national，版本 2020.1）规定的重点项目绩效评价指标体系（财预〔2020〕10号参考框架），设决策（15 分）、过程（20 分）、产出（35 分）、效益（30 分）四个一级指标，下设 10 个二级指标、20 个三级指标，满分 100 分。评价方法：资金到位率（实际到位/预算）和预算执行率（实际支出/实际到位）按项目台账计算；产出和效益指标按项目绩效目标表的年度指标值与实际完成值评分，正向指标按实际值/目标值（不超过 100%），反向指标超出目标值时按目标值/实际值；定性指标由评价组依据佐证材料评定等级，达成（80%–100%）、部分达成（60%–80%）、未达成（0%–60%），括号内为得分占分值的比例；服务对象满意度通过问卷调查计算（满意人数/有效样本，受访者各题平均得分不低于 4 分视为满意，有效样本不少于 60 人）。不适用的指标不计分，其分值按比例分配至其余指标。评价等级按综合得分确定：90 分及以上为“优”，80 分（含）至 90 分为“良”，60 分（含）至 80 分为“中”，低于 60 分为“差”。
    """
    rs = ruleset_of(result, ruleset)
    project = result.project
    details = [f"项目编码 {result.project_id}"]
    if str(project.get("unit_name") or "").strip():
        details.append(f"实施单位 {project['unit_name']}")
    details += [f"预算 {float(project['budget']):.2f} 万元",
              f"实际到位 {float(project['received']):.2f} 万元",
              f"实际支出 {float(project['spent']):.2f} 万元"]
    name = str(project.get("project_name") or result.project_id)
    year = project.get("year")
    scope = f" {int(year)} 年度" if isinstance(year, (int, float)) and year == year else ""
    weights = "、".join(f"{row.name}（{_weight(row.weight)} 分）"
                       for row in result.level1.itertuples(index=False))
    total = float(result.level1["weight"].sum())
    reverse = ("目标值/实际值" if rs.reverse_convention == "A"
               else "1 −（实际值 − 目标值）/目标值，实际值达到目标值 2 倍时为 0")
    tiers = "、".join(
        f"{t.tier}（{threshold(t.low)}）" if t.low == t.high
        else f"{t.tier}（{threshold(t.low)}–{threshold(t.high)}）"
        for t in rs.qualitative_tiers)
    survey = rs.section("survey")
    return (
        f"本次评价对象为“{name}”（{'，'.join(details)}），评价范围为该项目{scope}的资金投入、"
        f"管理过程、产出和效益。评价依据“{rs.data.get('name', rs.id)}”（{rs.id}，版本 {rs.version}）"
        f"规定的重点项目绩效评价指标体系（财预〔2020〕10号参考框架），设{weights}"
        f"{count(len(result.level1))}个一级指标，下设 {len(result.level2)} 个二级指标、"
        f"{len(result.sheet)} 个三级指标，满分 {total:g} 分。"
        f"评价方法：资金到位率（实际到位/预算）和预算执行率（实际支出/实际到位）按项目台账计算；"
        f"产出和效益指标按项目绩效目标表的年度指标值与实际完成值评分，正向指标按实际值/目标值"
        f"（不超过 100%），反向指标超出目标值时按{reverse}；定性指标由评价组依据佐证材料评定等级，"
        f"{tiers}，括号内为得分占分值的比例；服务对象满意度通过问卷调查计算（满意人数/有效样本，"
        f"受访者各题平均得分不低于 {min(survey['satisfied_levels'])} 分视为满意，有效样本不少于 "
        f"{survey['min_sample']} 人）。不适用的指标不计分，其分值按比例分配至其余指标。"
        f"评价等级按综合得分确定：{bands_text(rs.grades)}。"
    )


def caveats(result: KeyProjectResult) -> str:
    """其他说明: not-applicable indicators, data caveats (warnings) and the rule set used.

    Parameters
    ----------
    result : KeyProjectResult

    Returns
    -------
    str

    Notes
    -----
    Not-applicable indicators are listed with their code and the reason recorded in the score
    sheet; the warnings of :func:`evalkit.stages.keyproject.assess` are the data caveats; the rule set
    is named by id, version and the first 12 characters of its sha256.

    References
    ----------
    .. [1] DOMAIN.md §5: 其他说明; §3: not-applicable indicators are dropped and the rest rescaled.

    Examples
    --------
    >>> from evalkit.stages.keyproject import assess, framework
    >>> fw = framework()
    >>> codes = fw.loc[fw["source"].isin(["qualitative", "sheet_or_qualitative"]), "code"]
    >>> judged = pd.DataFrame({"indicator_id": codes, "evidence": "PJ-01",
    ...                        "tier": codes.map({"A31": "部分达成", "D14": "部分达成"}).fillna("达成")})
    >>> sheet = pd.DataFrame({"indicator_id": ["I1", "I2", "I3", "I4", "I5"],
    ...     "level1": ["产出指标"] * 4 + ["效益指标"],
    ...     "level2": ["数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标"],
    ...     "name": ["新建安居房", "验收合格率", "完工天数", "户均成本", "住房安全保障率"],
    ...     "comparator": ["≥", "≥", "≤", "≤", "≥"], "target": [5000, 100, 180, 4, 100],
    ...     "unit": ["套", "%", "天", "万元", "%"], "weight": [20, 10, 10, 10, 30],
    ...     "actual": [4800, 100, 200, 3.8, 100]})
    >>> answers = pd.DataFrame({"respondent_id": range(60), "question": "总体满意度",
    ...                         "response": [5] * 50 + [3] * 10})
    >>> project = {"project_id": "P1", "project_name": "农村安居房建设项目", "budget": 1000,
    ...            "received": 950, "spent": 900}
    >>> print(caveats(assess(project, sheet, judged)))
    以下 1 项指标不适用，未计分，其分值已按比例分配至其余指标：“服务对象满意度”（D15）：未开展满意度调查。
    <BLANKLINE>
    评分规则集：cn-national（版本 2020.1，sha256 ...）。
    """
    parts = []
    na = result.sheet[~result.sheet["applicable"]]
    if not na.empty:
        listed = "；".join(f"“{row.name}”（{row.code}）：{row.note}" for row in na.itertuples())
        parts.append(f"以下 {len(na)} 项指标不适用，未计分，其分值已按比例分配至其余指标："
                     f"{listed}。")
    if result.warnings:
        parts.append("数据说明：" + "".join(result.warnings))
    if not parts:
        parts.append("本次评价所用数据完整，全部指标均适用，无其他需要说明的数据问题。")
    record = result.ruleset
    parts.append(f"评分规则集：{record.get('ruleset_id')}（版本 {record.get('ruleset_version')}，"
                 f"sha256 {str(record.get('ruleset_sha256'))[:12]}）。")
    return "\n\n".join(parts)


def facts(project: pd.Series, result: KeyProjectResult) -> pd.DataFrame:
    """The 基本情况 table of a key-project report: one row per fact (项目, 内容)."""
    budget, received, spent = (float(project[k]) for k in ("budget", "received", "spent"))
    rows = [
        ("项目名称", str(project["project_name"])),
        ("项目编码", str(project["project_id"])),
        ("预算单位", str(project["unit_name"])),
        ("资金类别", str(project["category"])),
        ("是否扶贫项目", "是" if bool(project["is_poverty"]) else "否"),
        ("预算数", f"{budget:,.2f} 万元"),
        ("到位数", f"{received:,.2f} 万元（到位率 {percent(received / budget)}）"),
        ("执行数", f"{spent:,.2f} 万元（执行率 {percent(spent / received) if received else '—'}）"),
        ("评价指标", f"{len(result.sheet)} 项三级指标，其中不适用 {len(result.not_applicable)} 项"),
    ]
    if str(project.get("note", "") or "").strip():
        rows.append(("说明", str(project["note"])))
    return pd.DataFrame(rows, columns=["项目", "内容"])


def survey_paragraph(survey: SurveyResult) -> str:
    """The satisfaction survey in words: rate, sample, interval, minimum sample, invalid answers.

    Parameters
    ----------
    survey : SurveyResult

    Returns
    -------
    str

    Notes
    -----
    The rate and the Wilson interval are shown as percentages with 1 decimal; the satisfied
    levels, confidence and minimum sample are the rule set's (see
    :func:`evalkit.survey.analyze_survey`). With several questions the questions with the highest
    and lowest rate are named (ties: the first asked).

    References
    ----------
    .. [1] DOMAIN.md §5: report the rate, sample size and a confidence interval.

    Examples
    --------
    >>> import warnings
    >>> from evalkit.survey import analyze_survey
    >>> answers = pd.DataFrame({"respondent_id": [f"R{i}" for i in range(60) for _ in "ab"],
    ...     "question": ["住房质量", "服务态度"] * 60,
    ...     "response": [5, 4] * 50 + [3, 4] * 8 + [2, 7, 4, ""]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     survey = analyze_survey(answers)
    >>> print(survey_paragraph(survey))
    满意度调查共回收问卷 60 份，有效样本 60 人，其中满意 51 人（受访者各题平均得分不低于 4 分），服务对象满意度为 85.00%（95% 置信区间 73.89%–91.90%，Wilson 法）；全部有效答案的平均得分为 4.34 分（5 分制）。有效样本达到规则集要求的最低样本量 60 人。分题目看，选择 4、5 分的比例最高的是“服务态度”（100.00%），最低的是“住房质量”（85.00%）。调查中有 2 条无效答案（超出 1–5 范围 1 条、空白 1 条）已剔除，不计入统计。
    """
    if survey.n_valid_respondents == 0:
        return (f"满意度调查共回收问卷 {survey.n_respondents} 份，但没有有效答卷，"
                f"无法计算服务对象满意度。")
    levels = "、".join(str(v) for v in survey.satisfied_levels)
    text = (f"满意度调查共回收问卷 {survey.n_respondents} 份，有效样本 {survey.n_valid_respondents} "
            f"人，其中满意 {survey.n_satisfied} 人（受访者各题平均得分不低于 "
            f"{min(survey.satisfied_levels)} 分），服务对象满意度为 {percent(survey.rate)}"
            f"（{threshold(survey.confidence)} 置信区间 {percent(survey.ci_low)}–"
            f"{percent(survey.ci_high)}，Wilson 法）；全部有效答案的平均得分为 "
            f"{survey.mean_score:.2f} 分（5 分制）。")
    if survey.meets_min_sample:
        text += f"有效样本达到规则集要求的最低样本量 {survey.min_sample} 人。"
    else:
        text += (f"有效样本少于规则集要求的最低样本量 {survey.min_sample} 人，样本量不足，"
                 f"满意度结果的代表性有限，应审慎使用。")
    questions = survey.questions[survey.questions["n"] > 0]
    if len(questions) > 1:
        best = questions.loc[questions["rate"].idxmax()]
        worst = questions.loc[questions["rate"].idxmin()]
        text += (f"分题目看，选择 {levels} 分的比例最高的是“{best['question']}”"
                 f"（{percent(best['rate'])}），最低的是“{worst['question']}”"
                 f"（{percent(worst['rate'])}）。")
    if survey.n_invalid:
        detail = "、".join(f"{kind} {n} 条" for kind, n in survey.invalid_by_reason().items())
        text += f"调查中有 {survey.n_invalid} 条无效答案（{detail}）已剔除，不计入统计。"
    return text


def robustness(result: KeyProjectResult, stability: StabilityResult) -> str:
    """The robustness paragraph of the 综合评价结论: the probability the grade holds under
    uncertain level-1 weights and the distance to the nearest grade line.

    Parameters
    ----------
    result : KeyProjectResult
    stability : StabilityResult
        :func:`evalkit.sensitivity.project_stability` of ``result``.

    Returns
    -------
    str

    Notes
    -----
    See :func:`evalkit.stages.prose.robustness` and :func:`evalkit.sensitivity.grade_stability`.

    Examples
    --------
    >>> from evalkit.io import load_dataset
    >>> from evalkit.sensitivity import project_stability
    >>> from evalkit.stages import keyproject
    >>> result = keyproject.evaluate(load_dataset("sample"), "XM-2020-031")
    >>> print(robustness(result, project_stability(result, "national")))
    稳健性分析：以规则集的一级指标权重为中心，按 Dirichlet 分布（集中度 100）随机抽取 10000 组权重重新计分，评价等级保持“优”的概率为 100.00%；总分 96.16 分，距最近的分界线（90 分）6.16 分。评价等级对权重取值稳健。
    """
    return shared_robustness(stability, result.project_id, "评价等级")
