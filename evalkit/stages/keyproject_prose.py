"""Key-project evaluation report sentences (重点项目绩效评价), from a
:class:`~evalkit.stages.keyproject.KeyProjectResult`.

Paragraphs: :func:`conclusion`, :func:`level1`, :func:`problems`, :func:`suggestions`,
:func:`method`, :func:`caveats`, and :func:`survey_paragraph` for the project's
:class:`~evalkit.survey.SurveyResult`; table: :func:`facts`. Numbers are formatted for display
only, as :mod:`evalkit.stages.prose` says; the result stays unrounded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit.errors import InputError
from evalkit.rules import RuleSet
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
from evalkit.survey import SurveyResult

__all__ = ["caveats", "conclusion", "facts", "level1", "method", "problems", "suggestions",
           "survey_paragraph"]

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
    经综合评价，该项目绩效评价得分为 95.40 分，评价等级为“优”。其中，决策指标得 14.10 分（满分 15 分，得分率 94.0%），过程指标得 19.59 分（满分 20 分，得分率 97.9%），产出指标得 33.80 分（满分 35 分，得分率 96.6%），效益指标得 27.91 分（满分 30 分，得分率 93.0%）。
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
    决策指标满分 15 分，得 14.10 分，得分率 94.0%。“立项依据充分性”、“立项程序规范性”、“绩效目标合理性”、“绩效指标明确性”、“资金分配合理性”得满分。“预算编制科学性”得 2.10 分（满分 3 分，得分率 70.0%），评价等级 部分达成（得分区间 60%–80%），按默认得分率 70%。
    >>> print(level1(result, "产出"))
    产出指标满分 35 分，得 33.80 分，得分率 96.6%。“质量达标率”、“成本节约率”得满分。“完成及时性”得 7.20 分（满分 8 分，得分率 90.0%），完工天数 目标 ≤180天，实际 200天，反向A: 目标值/实际值，得分率 90.00%。“实际完成率”得 9.60 分（满分 10 分，得分率 96.0%），新建安居房 目标 ≥5000套，实际 4800套，正向: 实际值/目标值，得分率 96.00%。
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


def problems(result: KeyProjectResult, top: int | None = None) -> str:
    """存在问题及原因: the total points lost and the problems list, numbered.

    Parameters
    ----------
    result : KeyProjectResult
    top : int, optional
        List at most this many of the indicators that lost points (the data problems are always
        listed); all of them by default.

    Returns
    -------
    str
        A numbered Markdown list after a one-line total.

    Raises
    ------
    InputError
        ``top`` is not None or an integer ≥ 1.

    Notes
    -----
    The problems are ``result.problems``: first one per indicator that lost points, most first
    (``result.lost_ranked``), with its formula (or the evaluator's tier and note) as the cause;
    then the data problems found by the checks of :func:`evalkit.stages.keyproject.assess`.

    References
    ----------
    .. [1] DOMAIN.md §5: 经验、问题及原因 (from lost points).

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
    >>> print(problems(assess(project, sheet, judged, answers)))
    本次评价共扣 4.60 分，主要问题及原因如下：
    <BLANKLINE>
    1. 效益—“可持续影响”扣 1.50 分（满分 5.00 分，得分率 70.00%）：评价等级 部分达成（得分区间 60%–80%），按默认得分率 70%。
    2. 决策—“预算编制科学性”扣 0.90 分（满分 3.00 分，得分率 70.00%）：评价等级 部分达成（得分区间 60%–80%），按默认得分率 70%。
    3. 产出—“完成及时性”扣 0.80 分（满分 8.00 分，得分率 90.00%）：完工天数 目标 ≤180天，实际 200天，反向A: 目标值/实际值，得分率 90.00%。
    4. 效益—“服务对象满意度”扣 0.59 分（满分 8.00 分，得分率 92.59%）：满意人数 50 / 有效样本 60 = 83.33%；目标值 90%（规则集默认值），得分率 = min(83.33% / 90%, 1) = 92.59%。
    5. 产出—“实际完成率”扣 0.40 分（满分 10.00 分，得分率 96.00%）：新建安居房 目标 ≥5000套，实际 4800套，正向: 实际值/目标值，得分率 96.00%。
    6. 过程—“预算执行率”扣 0.21 分（满分 4.00 分，得分率 94.74%）：实际支出 900.00 / 实际到位 950.00 = 94.74%。
    7. 过程—“资金到位率”扣 0.20 分（满分 4.00 分，得分率 95.00%）：实际到位 950.00 / 预算 1000.00 = 95.00%。
    """
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise InputError(f"expected top as None or an integer ≥ 1, found {top!r}")
    if not result.problems:
        return "评价未发现明显问题，各项指标均得满分。"
    n_lost = len(result.lost_ranked)
    shown = n_lost if top is None else min(top, n_lost)
    listed = [*result.problems[:shown], *result.problems[n_lost:]]
    lost = float(result.sheet["lost"].sum())
    head = (f"本次评价共扣 {points(lost)} 分，主要问题及原因如下："
            if lost > NOTHING_LOST else "各项指标均得满分，但评价中发现以下问题：")
    text = head + "\n\n" + "\n".join(f"{i}. {p}" for i, p in enumerate(listed, 1))
    if shown < n_lost:
        text += f"\n\n另有 {n_lost - shown} 项指标扣分较少，详见评分表。"
    return text


def suggestions(result: KeyProjectResult, weak_share: float = 0.9) -> str:
    """Three to five suggestions from the weakest indicators, the survey, evidence and the grade.

    Parameters
    ----------
    result : KeyProjectResult
    weak_share : float, default 0.9
        An indicator scoring below this share of its points calls for a suggestion.

    Returns
    -------
    str
        A numbered Markdown list.

    Raises
    ------
    InputError
        ``weak_share`` outside (0, 1].

    Notes
    -----
    Rules, in order:

    1. the indicators below ``weak_share``, most points lost first, at most three, each with the
       advice for its name (one table, ``_ADVICE``; a custom indicator falls back to
       its level-1 name, then to a general sentence);
    2. a survey indicator not applicable → carry out a satisfaction survey; a survey below the
       minimum sample → enlarge the sample;
    3. qualitative judgements without evidence → complete the files;
    4. the advice that follows from the grade (DOMAIN.md §7);
    5. general follow-up (rectification list, monitoring) until there are three.

    References
    ----------
    .. [1] DOMAIN.md §5 (建议) and §7 (result application).

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
    >>> print(suggestions(assess(project, sheet, judged, answers)))
    1. “可持续影响”（效益）得分率为 70.0%，建议建立长效管护机制，落实后续管护责任和经费，保障项目持续发挥效益。
    2. “预算编制科学性”（决策）得分率为 70.0%，建议细化预算测算依据，提高预算编制的准确性和科学性。
    3. 评价等级为“优”，建议在以后年度预算安排中优先保障，并总结推广项目管理经验。
    """
    if not 0 < weak_share <= 1:
        raise InputError(f"expected weak_share in (0, 1], found {weak_share!r}")
    sheet = result.sheet
    weak = sheet[sheet["applicable"] & (sheet["ratio"] < weak_share)]
    weak = weak.sort_values("lost", ascending=False, kind="stable")
    items = []
    for row in weak.head(MAX_SPECIFIC).itertuples(index=False):
        advice = _ADVICE.get(row.name, _ADVICE.get(
            row.level1, _OTHER_ADVICE))
        items.append(f"“{row.name}”（{row.level1}）得分率为 {percent(row.ratio)}，建议{advice}。")
    survey_rows = sheet[sheet["source"] == "survey"]
    if (~survey_rows["applicable"]).any():
        items.append("建议按规定组织开展服务对象满意度调查，客观反映受益对象对项目的评价。")
    elif result.survey is not None and not result.survey.meets_min_sample:
        items.append(f"建议扩大满意度调查样本（本次有效样本 {result.survey.n_valid_respondents} 人，"
                     f"规则集要求不少于 {result.survey.min_sample} 人），提高调查结果的代表性。")
    judged = sheet[(sheet["tier"] != "") & sheet["applicable"]]
    if (judged["evidence"] == "").any():
        items.append("建议完善项目档案管理，补齐定性评价所需的佐证材料。")
    items.append(_GRADE_ADVICE.get(
        result.grade, f"评价等级为“{result.grade}”，建议按评价结果应用规定办理后续预算安排。"))
    return numbered_suggestions(items, _GENERAL_ADVICE)


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
    评分规则集：cn-national（版本 2020.1，sha256 d1d92156a7c6）。
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
    满意度调查共回收问卷 60 份，有效样本 60 人，其中满意 51 人（受访者各题平均得分不低于 4 分），服务对象满意度为 85.0%（95% 置信区间 73.9%–91.9%，Wilson 法）；全部有效答案的平均得分为 4.34 分（5 分制）。有效样本达到规则集要求的最低样本量 60 人。分题目看，选择 4、5 分的比例最高的是“服务态度”（100.0%），最低的是“住房质量”（85.0%）。调查中有 2 条无效答案（超出 1–5 范围 1 条、空白 1 条）已剔除，不计入统计。
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
