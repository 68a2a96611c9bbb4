"""Report sentences in Chinese, generated from results (never typed into a notebook).

Numbers are formatted here, for display only: scores with 2 decimals, shares as percentages with
1 decimal, thresholds as the rule set writes them. The results themselves stay unrounded. The
sentences may hold Markdown (numbered lists); renderers escape them for HTML.

Ex-ante assessment (事前绩效评估), from an :class:`~evalkit.exante.ExAnteResult`:
:func:`exante_conclusion`, :func:`exante_dimensions`, :func:`exante_lost_points`,
:func:`exante_agreement`, :func:`exante_suggestions` and :func:`exante_method`, plus the tables
:func:`exante_facts`, :func:`exante_distribution` and :func:`exante_comment_table`.

Project self-evaluation (绩效自评), from a :class:`~evalkit.selfeval.SelfEvalResult`:
:func:`selfeval_conclusion`, :func:`selfeval_lost_points`, :func:`selfeval_missing_explanations`.

Key-project evaluation (重点项目绩效评价), from a :class:`~evalkit.keyproject.KeyProjectResult`:
:func:`keyproject_conclusion`, :func:`keyproject_level1`, :func:`keyproject_problems`,
:func:`keyproject_suggestions`, :func:`keyproject_method`, :func:`keyproject_caveats`, and
:func:`survey_paragraph` for a :class:`~evalkit.survey.SurveyResult`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from evalkit.errors import InputError
from evalkit.exante import ExAnteResult
from evalkit.keyproject import KeyProjectResult
from evalkit.rules import Band, RuleSet, load_ruleset
from evalkit.scoring import EXECUTION_LEVEL1
from evalkit.selfeval import SelfEvalResult
from evalkit.survey import SurveyResult

__all__ = [
    "exante_agreement",
    "exante_comment_table",
    "exante_conclusion",
    "exante_dimensions",
    "exante_distribution",
    "exante_facts",
    "exante_lost_points",
    "exante_method",
    "exante_suggestions",
    "keyproject_caveats",
    "keyproject_conclusion",
    "keyproject_facts",
    "keyproject_level1",
    "keyproject_method",
    "keyproject_problems",
    "keyproject_suggestions",
    "selfeval_conclusion",
    "selfeval_lost_points",
    "selfeval_missing_explanations",
    "survey_paragraph",
]

#: Below this many points an item counts as having lost nothing (float noise of averages).
_NOTHING_LOST = 1e-9
#: Counts written in words ("去掉一个最高分", "五个维度"); larger counts stay in digits.
_COUNT_WORDS = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九",
                10: "十"}
#: What a weak dimension (or a weak item in it) calls for, by ex-ante dimension (DOMAIN.md §4).
_DIMENSION_ADVICE = {
    "立项必要性": "补充需求调研和政策依据，说明项目与单位职能的关系及其不可替代性",
    "投入经济性": "细化成本测算，补充单价、数量的市场询价或定额依据，并比较替代方案",
    "绩效目标合理性": "完善绩效指标，量化数量、质量、时效、成本、效益和满意度目标，使目标值与资金规模相匹配",
    "实施方案可行性": "完善实施方案和风险应对，明确进度安排、组织分工和监督机制",
    "筹资合规性": "落实资金来源，确保符合财政事权与支出责任划分，合理确定申请规模并防范债务风险",
}
#: Used for a dimension of a custom rule set that the table above does not know.
_OTHER_ADVICE = "针对扣分原因补充完善相关材料"
#: What follows from each conclusion tier of the shipped rule sets.
_CONCLUSION_ADVICE = {
    "予以支持": "建议按程序将项目纳入预算安排，并在实施中加强绩效运行监控，确保绩效目标如期实现。",
    "调整完善后予以支持": "建议项目单位根据专家意见修改完善申报材料，经财政部门复核后再纳入预算安排。",
    "不予支持": "建议本年度暂不安排该项目预算；项目单位可针对上述问题补充完善后重新申报评估。",
}
#: Fills the list up to three suggestions when the project lost few points: follow-up for a
#: project that is not funded, and for any other tier (``None``) monitoring and self-evaluation.
_GENERAL_ADVICE = {
    "不予支持": (
        "建议项目单位对照评分标准开展内部论证，重点补齐一票否决事项和主要扣分点涉及的材料。",
        "建议将该项目纳入项目库跟踪管理，整改到位后再按程序重新组织事前绩效评估。",
    ),
    None: (
        "建议在项目实施中同步开展绩效运行监控，确保预算执行进度与绩效目标完成进度相匹配。",
        "建议项目完成后及时开展绩效自评，并将评价结果作为后续预算安排的依据。",
    ),
}
_MIN_SUGGESTIONS = 3
#: At most this many suggestions come from weak dimensions and items (the rest: agreement,
#: conclusion), so the list stays within five.
_MAX_SPECIFIC = 3


def _points(x: float) -> str:
    """A score for display: 2 decimals."""
    return f"{x:.2f}"


def _percent(share: float) -> str:
    """A computed share for display: a percentage with 1 decimal."""
    return f"{share * 100:.1f}%"


def _line(share: float) -> str:
    """A rule-set threshold share as written (0.6 → ``60%``)."""
    return f"{round(share * 100, 6):g}%"


def _count(n: int) -> str:
    return _COUNT_WORDS.get(n, str(n))


def _p_value(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# --------------------------------------------------------------------------------------------
# Ex-ante assessment
# --------------------------------------------------------------------------------------------


def _ruleset_of(result, ruleset: str | Path | RuleSet) -> RuleSet:
    """Load ``ruleset`` and check it is the one ``result`` was computed with (by sha256)."""
    rs = load_ruleset(ruleset)
    if rs.sha256 != result.ruleset.get("ruleset_sha256"):
        raise InputError(
            f"expected the rule set the result was computed with "
            f"({result.ruleset.get('ruleset_id')}, sha256 "
            f"{str(result.ruleset.get('ruleset_sha256'))[:12]}), found {rs.label}"
        )
    return rs


def _bands_text(bands: tuple[Band, ...]) -> str:
    """Half-open bands, highest first, in words (``90 分及以上为“优”，80 分（含）至 90 分为“良”…``)."""
    parts = []
    for band in bands:
        if band.high == float("inf"):
            parts.append(f"{band.low:g} 分及以上为“{band.label}”")
        elif band.low <= 0:
            parts.append(f"低于 {band.high:g} 分为“{band.label}”")
        else:
            parts.append(f"{band.low:g} 分（含）至 {band.high:g} 分为“{band.label}”")
    return "，".join(parts)


def exante_conclusion(result: ExAnteResult) -> str:
    """The conclusion sentence: total, tier and, when a veto was triggered, why the tier changed.

    Parameters
    ----------
    result : ExAnteResult

    Returns
    -------
    str

    Notes
    -----
    The total is shown with 2 decimals; the tier is the one :func:`evalkit.exante.assess` chose
    from the unrounded total. A triggered veto names the dimension, its share (1 decimal), the
    veto line and reason from the rule set, and the tier that replaces the total's.

    References
    ----------
    .. [1] DOMAIN.md §4, ex-ante assessment: conclusion tiers and one-vote vetoes.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.exante import assess, framework
    >>> fw = framework()
    >>> scores = pd.concat([fw.assign(project_id="P1", expert_id=f"E{k}",
    ...                               score=fw["points"] - fw.index % 3 - (k + fw.index) % 2 / 2)
    ...                     for k in range(1, 6)])
    >>> exante_conclusion(assess(scores))
    '经专家评审，该项目事前绩效评估综合得分为 81.20 分，评估结论为“调整完善后予以支持”。'
    """
    text = (f"经专家评审，该项目事前绩效评估综合得分为 {_points(result.total)} 分，"
            f"评估结论为“{result.conclusion_before_veto}”。")
    triggered = result.veto_checks[result.veto_checks["triggered"]]
    if triggered.empty:
        return text
    clauses = [
        f"“{row.dimension}”得分率为 {_percent(row.share)}，低于 {_line(row.min_share)} 的否决线，"
        f"触发一票否决（{row.reason}）"
        for row in triggered.itertuples()
    ]
    verb = "仍为" if result.conclusion == result.conclusion_before_veto else "调整为"
    return text + f"其中{'；'.join(clauses)}，评估结论{verb}“{result.conclusion}”。"


def exante_dimensions(result: ExAnteResult) -> str:
    """The strongest and the weakest dimension, by share of their points.

    Parameters
    ----------
    result : ExAnteResult

    Returns
    -------
    str

    Notes
    -----
    Dimensions are compared by ``share = score / points`` (their points may differ between rule
    sets); ties go to the dimension listed first in the rule set.

    References
    ----------
    .. [1] DOMAIN.md §4, ex-ante assessment: the five dimensions.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.exante import assess, framework
    >>> fw = framework()
    >>> scores = pd.concat([fw.assign(project_id="P1", expert_id=f"E{k}",
    ...                               score=fw["points"] - fw.index % 3 - (k + fw.index) % 2 / 2)
    ...                     for k in range(1, 6)])
    >>> print(exante_dimensions(assess(scores)))
    分维度看，“投入经济性”得分率最高，得 16.30 分（满分 20 分，得分率 81.5%）；“立项必要性”得分率最低，得 16.20 分（满分 20 分，得分率 81.0%）。
    """
    dims = result.dimensions.reset_index(drop=True)
    best, worst = dims.loc[dims["share"].idxmax()], dims.loc[dims["share"].idxmin()]
    if best["share"] - worst["share"] <= _NOTHING_LOST:
        return f"分维度看，{_count(len(dims))}个维度的得分率均为 {_percent(best['share'])}。"

    def describe(row: pd.Series) -> str:
        return (f"得 {_points(row['score'])} 分（满分 {row['points']:g} 分，"
                f"得分率 {_percent(row['share'])}）")

    return (f"分维度看，“{best['dimension']}”得分率最高，{describe(best)}；"
            f"“{worst['dimension']}”得分率最低，{describe(worst)}。")


def exante_lost_points(result: ExAnteResult, top: int = 5) -> str:
    """The sub-items that lost the most points, largest first, as a numbered Markdown list.

    Parameters
    ----------
    result : ExAnteResult
    top : int, default 5
        How many sub-items to list at most.

    Returns
    -------
    str

    Raises
    ------
    InputError
        ``top`` is not an integer ≥ 1.

    Notes
    -----
    ``lost = points − panel score`` per sub-item; items that lost nothing are not listed; equal
    losses keep the rule set's order.

    References
    ----------
    .. [1] DOMAIN.md §4, ex-ante assessment: the report lists where points were lost.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.exante import assess, framework
    >>> fw = framework()
    >>> scores = pd.concat([fw.assign(project_id="P1", expert_id=f"E{k}",
    ...                               score=fw["points"] - fw.index % 3 - (k + fw.index) % 2 / 2)
    ...                     for k in range(1, 6)])
    >>> print(exante_lost_points(assess(scores), top=2))
    全部评分项合计扣 18.80 分，扣分最多的 2 项如下：
    <BLANKLINE>
    1. “职能相关性与不可替代性”（立项必要性，满分 7 分）：得 4.70 分，扣 2.30 分；
    2. “目标与投入匹配性”（绩效目标合理性，满分 6 分）：得 3.70 分，扣 2.30 分。
    """
    return _lost_list(result.items, top, ("各评分项", "评分项"), lambda row: (
        f"“{row.name}”（{row.dimension}，满分 {row.points:g} 分）：得 {_points(row.score)} 分，"
        f"扣 {_points(row.lost)} 分"))


def _lost_list(frame: pd.DataFrame, top: int, nouns: tuple[str, str], describe) -> str:
    """The numbered list of the ``top`` largest lost points of ``frame`` (column ``lost``),
    each row described by ``describe(row)``, after a line with the total lost. ``nouns`` are
    the words for "every item" and "items" (各评分项, 评分项)."""
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InputError(f"expected top as an integer ≥ 1, found {top!r}")
    losing = frame[frame["lost"] > _NOTHING_LOST]
    if losing.empty:
        return f"{nouns[0]}均得满分，无扣分。"
    largest = losing.sort_values("lost", ascending=False, kind="stable").head(top)
    lines = [f"{i}. {describe(row)}" for i, row in enumerate(largest.itertuples(index=False), 1)]
    which = "扣分最多的" if len(losing) > top else "扣分的"
    head = f"全部{nouns[1]}合计扣 {_points(losing['lost'].sum())} 分，{which} {len(lines)} 项如下："
    return head + "\n\n" + "；\n".join(lines) + "。"


def exante_agreement(result: ExAnteResult) -> str:
    """Kendall's W, χ², df and p in words: is the panel's agreement good or weak, and who strays.

    Parameters
    ----------
    result : ExAnteResult

    Returns
    -------
    str

    Notes
    -----
    Agreement is good when ``W ≥ kendall_w_min`` and ``p < alpha`` (the rule set's bar, recorded
    in ``result.panel_rules``); W is computed on each expert's ranking of the sub-items by share of
    their points, tie-corrected (see :func:`evalkit.exante.assess`). Experts with scores more than
    ``outlier_z`` SDs from the other experts' mean are named with the number of such items; those
    over the ``outlier_share`` threshold are singled out for review.

    References
    ----------
    .. [1] DOMAIN.md §4 and §8: Kendall's W, tie-corrected; W ≥ 0.5 with a significant χ² is a
       common bar.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.exante import assess, framework
    >>> fw = framework()
    >>> scores = pd.concat([fw.assign(project_id="P1", expert_id=f"E{k}",
    ...                               score=fw["points"] - fw.index % 3 - (k + fw.index) % 2 / 2)
    ...                     for k in range(1, 6)])
    >>> print(exante_agreement(assess(scores)))
    按各专家对评分项得分率的排序计算 Kendall 协调系数（已作同分校正）：W = 0.920，χ² = 64.40，自由度 14，p < 0.001。W 不低于 0.5 且 χ² 检验在 0.05 水平上显著，专家对各评分项优劣的判断一致性良好，评审结果可信。未发现明显偏离其他专家的评分。
    """
    rules, kendall = result.panel_rules, result.kendall
    if kendall is None:
        text = ("由于专家少于 2 名或每位专家对所有评分项给出的得分率均相同，无法计算 Kendall 协调系数，"
                "专家评分一致性未能检验，评审结果应审慎使用。")
    else:
        text = (f"按各专家对评分项得分率的排序计算 Kendall 协调系数（已作同分校正）："
                f"W = {kendall.w:.3f}，χ² = {kendall.chi2:.2f}，自由度 {kendall.df}，"
                f"{_p_value(kendall.p_value)}。")
        bar, alpha = rules["kendall_w_min"], rules["alpha"]
        if result.agreement_ok:
            text += (f"W 不低于 {bar:g} 且 χ² 检验在 {alpha:g} 水平上显著，"
                     f"专家对各评分项优劣的判断一致性良好，评审结果可信。")
        else:
            reasons = []
            if kendall.w < bar:
                reasons.append(f"W 低于 {bar:g} 的标准")
            if not kendall.p_value < alpha:
                reasons.append(f"χ² 检验在 {alpha:g} 水平上不显著")
            text += (f"{'，且 '.join(reasons)}，专家对各评分项优劣的判断一致性较弱，"
                     f"评审结果应结合专家意见审慎使用，必要时对分歧较大的评分项组织复议。")
    experts = result.experts[result.experts["n_outliers"] > 0]
    if experts.empty:
        return text + "未发现明显偏离其他专家的评分。"
    named = "、".join(f"{row.expert_id}（{row.n_outliers} 项）" for row in experts.itertuples())
    text += (f"专家 {named}的部分评分偏离其他专家均值超过 {rules['outlier_z']:g} 倍标准差")
    flagged = experts.loc[experts["flagged"], "expert_id"]
    if flagged.empty:
        return text + "，属个别差异。"
    return text + (f"；其中专家 {'、'.join(str(e) for e in flagged)} 偏离的评分项超过评分项总数的 "
                   f"{rules['outlier_share']:.0%}，建议复核其评分依据。")


def exante_suggestions(result: ExAnteResult, weak_share: float = 0.8) -> str:
    """Three to five suggestions from the weakest dimensions and items, agreement and conclusion.

    Parameters
    ----------
    result : ExAnteResult
    weak_share : float, default 0.8
        A dimension or sub-item scoring below this share of its points calls for a suggestion.

    Returns
    -------
    str
        A numbered Markdown list.

    Notes
    -----
    Rules, in order, at most three of the first two kinds:

    1. each dimension that triggered a veto or scores below ``weak_share``, weakest first, gets the
       advice for that dimension (one table, ``_DIMENSION_ADVICE``) naming its weakest sub-item;
    2. then the weakest sub-item below ``weak_share`` of each other dimension, weakest first, with
       its dimension's advice;
    3. weak agreement → re-discuss the items where experts differ;
    4. the advice that follows from the conclusion tier;
    5. general follow-up advice (for a project not funded: internal review and re-assessment;
       otherwise monitoring and self-evaluation), until there are three.

    References
    ----------
    .. [1] DOMAIN.md §4, ex-ante assessment; §1, the annual cycle (monitoring, self-evaluation).

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.exante import assess, framework
    >>> fw = framework()
    >>> scores = pd.concat([fw.assign(project_id="P1", expert_id=f"E{k}",
    ...                               score=fw["points"] - fw.index % 3 - (k + fw.index) % 2 / 2)
    ...                     for k in range(1, 6)])
    >>> print(exante_suggestions(assess(scores), weak_share=0.7))
    1. “目标与投入匹配性”（绩效目标合理性）得分率为 61.7%，建议完善绩效指标，量化数量、质量、时效、成本、效益和满意度目标，使目标值与资金规模相匹配。
    2. “债务与财政风险”（筹资合规性）得分率为 61.7%，建议落实资金来源，确保符合财政事权与支出责任划分，合理确定申请规模并防范债务风险。
    3. “投入产出比较”（投入经济性）得分率为 63.3%，建议细化成本测算，补充单价、数量的市场询价或定额依据，并比较替代方案。
    4. 建议项目单位根据专家意见修改完善申报材料，经财政部门复核后再纳入预算安排。
    """
    if not 0 < weak_share <= 1:
        raise InputError(f"expected weak_share in (0, 1], found {weak_share!r}")
    vetoed = set(result.veto_checks.loc[result.veto_checks["triggered"], "dimension"])
    dims = result.dimensions.assign(vetoed=result.dimensions["dimension"].isin(vetoed))
    weak = dims[dims["vetoed"] | (dims["share"] < weak_share)]
    weak = weak.sort_values(["vetoed", "share"], ascending=[False, True], kind="stable")
    items = result.items.sort_values("share", kind="stable")

    specific = []
    for row in weak.head(_MAX_SPECIFIC).itertuples():
        worst = items[items["dimension"] == row.dimension].iloc[0]
        veto = "，触发一票否决" if row.vetoed else ""
        specific.append(
            f"“{row.dimension}”得分率为 {_percent(row.share)}（其中“{worst['name']}”得分率为 "
            f"{_percent(worst['share'])}）{veto}，建议{_DIMENSION_ADVICE.get(row.dimension, _OTHER_ADVICE)}。"
        )
    others = items[~items["dimension"].isin(weak["dimension"]) & (items["share"] < weak_share)]
    others = others.drop_duplicates("dimension")  # one suggestion per dimension
    for row in others.head(_MAX_SPECIFIC - len(specific)).itertuples():
        specific.append(
            f"“{row.name}”（{row.dimension}）得分率为 {_percent(row.share)}，"
            f"建议{_DIMENSION_ADVICE.get(row.dimension, _OTHER_ADVICE)}。"
        )
    if not result.agreement_ok:
        specific.append("专家评分一致性不足，建议对专家分歧较大的评分项组织复议，必要时补充评审专家。")
    specific.append(_CONCLUSION_ADVICE.get(
        result.conclusion, f"建议按照评估结论“{result.conclusion}”办理后续预算安排。"))
    general = _GENERAL_ADVICE.get(result.conclusion, _GENERAL_ADVICE[None])
    return _numbered_suggestions(specific, general)


def _numbered_suggestions(specific: list[str], general: Sequence[str]) -> str:
    """The project's own suggestions, topped up from ``general`` to at least
    ``_MIN_SUGGESTIONS``, as a numbered list (one per line)."""
    items = specific + list(general[: max(0, _MIN_SUGGESTIONS - len(specific))])
    return "\n".join(f"{i}. {text}" for i, text in enumerate(items, 1))


def exante_method(result: ExAnteResult, ruleset: str | Path | RuleSet) -> str:
    """One paragraph on the method: rule set, framework, panel, aggregation, tiers, vetoes, W.

    Parameters
    ----------
    result : ExAnteResult
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
    The aggregation rule is stated as applied: "去掉 k 个最高分和 k 个最低分后取平均" when the rule
    set trims and the panel has more than ``trim_when_more_than`` experts, otherwise the arithmetic
    mean (or the median). Tier thresholds and veto lines are read from the rule set.

    References
    ----------
    .. [1] DOMAIN.md §4, ex-ante assessment.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.exante import assess, framework
    >>> fw = framework()
    >>> scores = pd.concat([fw.assign(project_id="P1", expert_id=f"E{k}",
    ...                               score=fw["points"] - fw.index % 3 - (k + fw.index) % 2 / 2)
    ...                     for k in range(1, 6)])
    >>> print(exante_method(assess(scores), "national"))
    本次评估依据“全国参考规则集”（cn-national，版本 2020.1）规定的事前绩效评估框架，从立项必要性、投入经济性、绩效目标合理性、实施方案可行性、筹资合规性五个维度共 15 个评分项进行评分，满分 100 分。评审专家共 5 名，各自独立对每个评分项打分，每个评分项取专家评分的算术平均（规则集规定专家多于 5 名时才去掉最高分和最低分），维度得分为所属评分项得分之和，综合得分为各维度得分之和。评估结论按综合得分确定：90 分及以上为“予以支持”，70 分（含）至 90 分为“调整完善后予以支持”，低于 70 分为“不予支持”。“筹资合规性”得分率低于 60% 的，一票否决（筹资不合规），评估结论为“不予支持”。专家评分一致性采用 Kendall 协调系数检验（按得分率排序，同分校正），W 不低于 0.5 且 χ² 检验在 0.05 水平上显著视为一致性良好。
    """
    rs = _ruleset_of(result, ruleset)
    exante, panel = rs.section("exante"), rs.section("panel")
    names = [str(d["dimension"]) for d in exante["dimensions"]]
    full = sum(float(d["points"]) for d in exante["dimensions"])
    text = (f"本次评估依据“{rs.data.get('name', rs.id)}”（{rs.id}，版本 {rs.version}）规定的事前绩效评估"
            f"框架，从{'、'.join(names)}{_count(len(names))}个维度共 {len(exante['items'])} 个评分项"
            f"进行评分，满分 {full:g} 分。评审专家共 {result.n_experts} 名，各自独立对每个评分项打分，"
            f"{_aggregation(panel, result.n_experts)}，维度得分为所属评分项得分之和，"
            f"综合得分为各维度得分之和。")
    text += f"评估结论按综合得分确定：{_bands_text(rs.conclusion_tiers)}。"
    lowest = min(rs.conclusion_tiers, key=lambda band: band.low).label
    for veto in exante["veto"]:
        text += (f"“{veto['dimension']}”得分率低于 {_line(float(veto['min_share']))} 的，"
                 f"一票否决（{veto.get('reason') or veto['dimension']}），评估结论为“{lowest}”。")
    return text + (f"专家评分一致性采用 Kendall 协调系数检验（按得分率排序，同分校正），"
                   f"W 不低于 {panel['kendall_w_min']:g} 且 χ² 检验在 {panel['alpha']:g} 水平上显著"
                   f"视为一致性良好。")


def _aggregation(panel, n_experts: int) -> str:
    """The panel's aggregation rule in words, as it applied to a panel of ``n_experts``."""
    if panel["method"] == "median":
        return "每个评分项取专家评分的中位数"
    if panel["method"] == "trimmed" and n_experts > panel["trim_when_more_than"]:
        k = _count(int(panel["trim"]))
        return f"每个评分项的专家评分去掉{k}个最高分和{k}个最低分后取平均"
    if panel["method"] == "trimmed":
        return (f"每个评分项取专家评分的算术平均（规则集规定专家多于 "
                f"{panel['trim_when_more_than']} 名时才去掉最高分和最低分）")
    return "每个评分项取专家评分的算术平均"


# --- tables the ex-ante template shows --------------------------------------------------------

def exante_facts(project: pd.Series, result: ExAnteResult) -> pd.DataFrame:
    """The 项目基本信息 table: one row per fact, two text columns (项目, 内容).

    ``project`` is the project's row of the projects table.
    """
    facts = [
        ("项目名称", str(project["project_name"])),
        ("项目编码", str(project["project_id"])),
        ("申报单位", str(project["unit_name"])),
        ("资金类别", str(project["category"])),
        ("申请资金", f"{float(project['budget']):,.2f} 万元"),
        ("年度", str(int(project["year"])) if pd.notna(project["year"]) else "—"),
        ("评审专家", f"{result.n_experts} 人"),
        ("评分项", f"{len(result.items)} 项（{len(result.dimensions)} 个维度）"),
    ]
    return pd.DataFrame(facts, columns=["项目", "内容"])


def exante_distribution(result: ExAnteResult) -> pd.DataFrame:
    """Every expert's score as a share of the item's points, labelled for the distribution chart
    (columns item, share, outlier)."""
    audit = result.audit
    return pd.DataFrame({"item": audit["item_id"].astype(str) + " " + audit["name"].astype(str),
                         "share": audit["share"].to_numpy(dtype=float),
                         "outlier": audit["outlier"].to_numpy(dtype=bool)})


def exante_comment_table(result: ExAnteResult) -> pd.DataFrame:
    """The experts' comments with Chinese headers (专家, 评估维度, 评分项, 意见), in framework order."""
    names = result.items.set_index("item_id")["name"]
    comments = result.comments
    return pd.DataFrame({
        "专家": comments["expert_id"].astype(str).to_numpy(),
        "评估维度": comments["dimension"].to_numpy(),
        "评分项": (comments["item_id"].astype(str) + " "
                + comments["item_id"].map(names).astype(str)).to_numpy(),
        "意见": comments["comment"].astype(str).to_numpy(),
    })


# --- self-evaluation ---
# Project self-evaluation (项目支出绩效自评), from a :class:`~evalkit.selfeval.SelfEvalResult`:
# selfeval_conclusion, selfeval_lost_points and selfeval_missing_explanations.



def selfeval_conclusion(result: SelfEvalResult) -> str:
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
    >>> from evalkit.selfeval import evaluate
    >>> sheet = pd.DataFrame({"project_id": "P1", "indicator_id": ["I1", "I2", "I3", "I4"],
    ...     "level1": ["产出指标"] * 2 + ["效益指标"] * 2,
    ...     "level2": ["数量指标", "数量指标", "社会效益指标", "可持续影响指标"],
    ...     "name": ["培训人次", "新建示范点", "就业率", "长效机制"],
    ...     "comparator": ["≥", "≥", "≥", "定性"], "target": ["500人次", "10个", "80%", ""],
    ...     "weight": [30, 20, 20, 10], "actual": ["487", "14", None, "部分达成"],
    ...     "explanation": ["", "", "", "管护经费未落实；将争取资金"]})
    >>> result = evaluate({"project_id": "P1", "budget": 100.0, "spent": 92.53}, sheet)
    >>> print(selfeval_conclusion(result))
    该项目绩效自评得分为 67.81 分，自评等级为“中”。其中，产出指标得 49.22 分（分值 50.00 分，得分率 98.4%）；效益指标得 9.33 分（分值 40.00 分，得分率 23.3%）；预算执行率为 92.53%，得 9.25 分（分值 10.00 分）。分值调整：无满意度指标，其 10 分按规则集分配给效益指标（效益指标 30 → 40 分）。
    """
    level1 = result.level1
    groups = level1[(level1["level1"] != EXECUTION_LEVEL1) & (level1["weight"] > 0)]
    parts = [f"{row.level1}得 {_points(row.score)} 分（分值 {_points(row.weight)} 分，"
             f"得分率 {_percent(row.rate)}）" for row in groups.itertuples()]
    budget = result.budget
    parts.append(f"预算执行率为 {budget['execution_rate'] * 100:.2f}%，得 {_points(budget['score'])} "
                 f"分（分值 {_points(budget['points'])} 分）")
    text = (f"该项目绩效自评得分为 {_points(result.total)} 分，自评等级为“{result.grade}”。"
            f"其中，{'；'.join(parts)}。")
    if result.reallocation:
        text += f"分值调整：{'；'.join(result.reallocation)}。"
    return text


def _indicator_label(row) -> str:
    """“name”（level-1/level-2，分值 x 分）."""
    where = row.level1 if row.level1 == row.level2 else f"{row.level1}/{row.level2}"
    return f"“{row.name}”（{where}，分值 {_points(row.weight)} 分）"


def _target_and_actual(row) -> str:
    """年度指标值 and 实际完成值 of a table row in words."""
    if row.comparator == "定性":
        return f"定性指标，评价等级为“{row.actual_text}”" if row.actual_text else "定性指标，评价等级未填报"
    actual = f"实际完成值 {row.actual_text}" if row.actual_text else "实际完成值未填报"
    return f"年度指标值 {row.target_text}，{actual}"


def selfeval_lost_points(result: SelfEvalResult, top: int = 5) -> str:
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
    >>> from evalkit.selfeval import evaluate
    >>> sheet = pd.DataFrame({"project_id": "P1", "indicator_id": ["I1", "I2", "I3", "I4"],
    ...     "level1": ["产出指标"] * 2 + ["效益指标"] * 2,
    ...     "level2": ["数量指标", "数量指标", "社会效益指标", "可持续影响指标"],
    ...     "name": ["培训人次", "新建示范点", "就业率", "长效机制"],
    ...     "comparator": ["≥", "≥", "≥", "定性"], "target": ["500人次", "10个", "80%", ""],
    ...     "weight": [30, 20, 20, 10], "actual": ["487", "14", None, "部分达成"],
    ...     "explanation": ["", "", "", "管护经费未落实；将争取资金"]})
    >>> result = evaluate({"project_id": "P1", "budget": 100.0, "spent": 92.53}, sheet)
    >>> print(selfeval_lost_points(result, top=4))
    全部指标合计扣 32.19 分，扣分的 4 项如下：
    <BLANKLINE>
    1. “就业率”（效益指标/社会效益指标，分值 26.67 分）：年度指标值 ≥80%，实际完成值未填报，得 0.00 分，扣 26.67 分；
    2. “长效机制”（效益指标/可持续影响指标，分值 13.33 分）：定性指标，评价等级为“部分达成”，得 9.33 分，扣 4.00 分；
    3. “培训人次”（产出指标/数量指标，分值 30.00 分）：年度指标值 ≥500 人次，实际完成值 487 人次，得 29.22 分，扣 0.78 分；
    4. “预算执行率”（预算执行率，分值 10.00 分）：年度指标值 100%，实际完成值 92.53%，得 9.25 分，扣 0.75 分。
    """
    return _lost_list(result.table, top, ("各项指标", "指标"), lambda row: (
        f"{_indicator_label(row)}：{_target_and_actual(row)}，得 {_points(row.score)} 分，"
        f"扣 {_points(row.lost)} 分"))


def selfeval_missing_explanations(result: SelfEvalResult) -> str:
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
    probably set too low) or lost points; see :func:`evalkit.selfeval.evaluate`.

    References
    ----------
    .. [1] DOMAIN.md §3, scoring rules: over-achievement is flagged for an explanation.
    .. [2] 财预〔2020〕10号, 附件 项目支出绩效自评表 (偏差原因分析及改进措施).

    Examples
    --------
    >>> from evalkit.selfeval import evaluate
    >>> sheet = pd.DataFrame({"project_id": "P1", "indicator_id": ["I1", "I2", "I3", "I4"],
    ...     "level1": ["产出指标"] * 2 + ["效益指标"] * 2,
    ...     "level2": ["数量指标", "数量指标", "社会效益指标", "可持续影响指标"],
    ...     "name": ["培训人次", "新建示范点", "就业率", "长效机制"],
    ...     "comparator": ["≥", "≥", "≥", "定性"], "target": ["500人次", "10个", "80%", ""],
    ...     "weight": [30, 20, 20, 10], "actual": ["487", "14", None, "部分达成"],
    ...     "explanation": ["", "", "", "管护经费未落实；将争取资金"]})
    >>> result = evaluate({"project_id": "P1", "budget": 100.0, "spent": 92.53}, sheet)
    >>> print(selfeval_missing_explanations(result))
    3 个指标需要填写偏差原因分析及改进措施但尚未填写：
    <BLANKLINE>
    1. “培训人次”（产出指标/数量指标，分值 30.00 分）：年度指标值 ≥500 人次，实际完成值 487 人次，未完成目标，扣 0.78 分，需分析偏差原因并提出改进措施；
    2. “新建示范点”（产出指标/数量指标，分值 20.00 分）：实际完成值 14 个，为年度指标值（≥10 个）的 140.0%，达到 130% 的超额完成标准，需说明年度指标值是否设定偏低；
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
                   f"{_percent(row.ratio)}，达到 {_line(ratio)} 的超额完成标准，"
                   f"需说明年度指标值是否设定偏低")
        else:
            why = (f"{_target_and_actual(row)}，未完成目标，"
                   f"扣 {_points(row.lost)} 分，需分析偏差原因并提出改进措施")
        lines.append(f"{i}. {_indicator_label(row)}：{why}")
    head = f"{len(lines)} 个指标需要填写偏差原因分析及改进措施但尚未填写："
    return head + "\n\n" + "；\n".join(lines) + "。"


# --- key-project evaluation ---
# Key-project evaluation (重点项目绩效评价), from a :class:`~evalkit.keyproject.KeyProjectResult`:
# keyproject_conclusion, keyproject_level1, keyproject_problems, keyproject_suggestions,
# keyproject_method and keyproject_caveats; survey_paragraph from a
# :class:`~evalkit.survey.SurveyResult`.


#: What a weak indicator calls for, by framework indicator name (财预〔2020〕10号 reference
#: framework), then by level-1 name for indicators of a custom framework.
_KEYPROJECT_ADVICE = {
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
_KEYPROJECT_OTHER_ADVICE = "针对扣分原因制定整改措施"
#: What follows from each grade of the shipped rule sets (DOMAIN.md §7, result application).
_GRADE_ADVICE = {
    "优": "评价等级为“优”，建议在以后年度预算安排中优先保障，并总结推广项目管理经验。",
    "良": "评价等级为“良”，建议根据项目需要合理安排以后年度预算，并针对扣分事项加以改进。",
    "中": "评价等级为“中”，建议项目单位限期整改，并相应调减以后年度预算。",
    "差": "评价等级为“差”，建议大幅调减或取消以后年度预算，项目单位整改到位后再予安排。",
}
#: Fills the suggestions up to three.
_KEYPROJECT_GENERAL_ADVICE = (
    "建议将本次评价发现的问题纳入整改清单，明确责任单位和整改时限，并跟踪整改落实情况。",
    "建议加强绩效运行监控，确保预算执行进度与绩效目标完成进度相匹配。",
)


def _kp_weight(points: float) -> str:
    """Points of an indicator for display: up to 2 decimals (15 → ``15``, 10.869 → ``10.87``)."""
    return f"{round(points, 2):g}"


def _kp_label(level1: str) -> str:
    """``决策`` → ``决策指标``; a name already ending in 指标 stays as it is."""
    return level1 if level1.endswith("指标") else f"{level1}指标"


def _kp_names(names) -> str:
    return "、".join(f"“{n}”" for n in names)


def keyproject_conclusion(result: KeyProjectResult) -> str:
    """The conclusion: total, grade and each level-1 indicator's score and score rate.

    Parameters
    ----------
    result : KeyProjectResult

    Returns
    -------
    str

    Notes
    -----
    The grade was chosen by :func:`evalkit.keyproject.evaluate` from the unrounded total. A
    level-1 indicator's full marks are its effective points (after not-applicable rescaling) and
    its rate is score / effective points; a level-1 indicator with no applicable indicator is
    said to be not applicable.

    References
    ----------
    .. [1] DOMAIN.md §5, key-project evaluation: 综合评价结论 (score and grade).

    Examples
    --------
    >>> from evalkit.keyproject import evaluate, framework
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
    >>> print(keyproject_conclusion(evaluate(project, sheet, judged, answers)))
    经综合评价，该项目绩效评价得分为 95.40 分，评价等级为“优”。其中，决策指标得 14.10 分（满分 15 分，得分率 94.0%），过程指标得 19.59 分（满分 20 分，得分率 97.9%），产出指标得 33.80 分（满分 35 分，得分率 96.6%），效益指标得 27.91 分（满分 30 分，得分率 93.0%）。
    """
    parts = []
    for row in result.level1.itertuples(index=False):
        label = _kp_label(row.name)
        if row.effective_weight <= 0:
            parts.append(f"{label}不适用")
        else:
            parts.append(f"{label}得 {_points(row.score)} 分（满分 {_kp_weight(row.effective_weight)}"
                         f" 分，得分率 {_percent(row.rate)}）")
    text = (f"经综合评价，该项目绩效评价得分为 {_points(result.total)} 分，评价等级为“{result.grade}”。"
            f"其中，{'，'.join(parts)}。")
    if result.not_applicable:
        text += (f"另有 {len(result.not_applicable)} 项指标不适用，其分值已按比例分配至其余指标"
                 f"（详见其他说明）。")
    return text


def keyproject_level1(result: KeyProjectResult, name: str) -> str:
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
    >>> from evalkit.keyproject import evaluate, framework
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
    >>> result = evaluate(project, sheet, judged, answers)
    >>> print(keyproject_level1(result, "决策"))
    决策指标满分 15 分，得 14.10 分，得分率 94.0%。“立项依据充分性”、“立项程序规范性”、“绩效目标合理性”、“绩效指标明确性”、“资金分配合理性”得满分。“预算编制科学性”得 2.10 分（满分 3 分，得分率 70.0%），评价等级 部分达成（得分区间 60%–80%），按默认得分率 70%。
    >>> print(keyproject_level1(result, "产出"))
    产出指标满分 35 分，得 33.80 分，得分率 96.6%。“质量达标率”、“成本节约率”得满分。“完成及时性”得 7.20 分（满分 8 分，得分率 90.0%），完工天数 目标 ≤180天，实际 200天，反向A: 目标值/实际值，得分率 90.00%。“实际完成率”得 9.60 分（满分 10 分，得分率 96.0%），新建安居房 目标 ≥5000套，实际 4800套，正向: 实际值/目标值，得分率 96.00%。
    """
    names = result.level1["name"].tolist()
    if name not in names:
        raise InputError(f"expected a level-1 indicator ({'、'.join(names)}), found {name!r}")
    total = result.level1.set_index("name").loc[name]
    leaves = result.sheet[result.sheet["level1"] == name]
    label = _kp_label(name)
    if total["effective_weight"] <= 0:
        return (f"{label}下的 {len(leaves)} 项指标均不适用，未计分，其分值已按比例分配至其余指标。")
    text = (f"{label}满分 {_kp_weight(total['effective_weight'])} 分，得 {_points(total['score'])} "
            f"分，得分率 {_percent(total['rate'])}。")
    applicable = leaves[leaves["applicable"]]
    full = applicable[applicable["lost"] <= _NOTHING_LOST]
    losing = applicable[applicable["lost"] > _NOTHING_LOST].sort_values("ratio", kind="stable")
    if losing.empty:
        text += "各项指标均得满分。"
    elif not full.empty:
        text += f"{_kp_names(full['name'])}得满分。"
    for row in losing.head(_MAX_SPECIFIC).itertuples(index=False):
        note = f"；{row.note}" if row.note else ""
        text += (f"“{row.name}”得 {_points(row.score)} 分（满分 {_kp_weight(row.effective_weight)} "
                 f"分，得分率 {_percent(row.ratio)}），{row.formula}{note}。")
    if len(losing) > _MAX_SPECIFIC:
        text += f"另有 {len(losing) - _MAX_SPECIFIC} 项指标有所扣分，详见存在问题。"
    na = leaves[~leaves["applicable"]]
    if not na.empty:
        text += f"{_kp_names(na['name'])}不适用，未计分。"
    return text


def keyproject_problems(result: KeyProjectResult, top: int | None = None) -> str:
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
    then the data problems found by the checks of :func:`evalkit.keyproject.evaluate`.

    References
    ----------
    .. [1] DOMAIN.md §5: 经验、问题及原因 (from lost points).

    Examples
    --------
    >>> from evalkit.keyproject import evaluate, framework
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
    >>> print(keyproject_problems(evaluate(project, sheet, judged, answers)))
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
    problems = [*result.problems[:shown], *result.problems[n_lost:]]
    lost = float(result.sheet["lost"].sum())
    head = (f"本次评价共扣 {_points(lost)} 分，主要问题及原因如下："
            if lost > _NOTHING_LOST else "各项指标均得满分，但评价中发现以下问题：")
    text = head + "\n\n" + "\n".join(f"{i}. {p}" for i, p in enumerate(problems, 1))
    if shown < n_lost:
        text += f"\n\n另有 {n_lost - shown} 项指标扣分较少，详见评分表。"
    return text


def keyproject_suggestions(result: KeyProjectResult, weak_share: float = 0.9) -> str:
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
       advice for its name (one table, ``_KEYPROJECT_ADVICE``; a custom indicator falls back to
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
    >>> from evalkit.keyproject import evaluate, framework
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
    >>> print(keyproject_suggestions(evaluate(project, sheet, judged, answers)))
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
    for row in weak.head(_MAX_SPECIFIC).itertuples(index=False):
        advice = _KEYPROJECT_ADVICE.get(row.name, _KEYPROJECT_ADVICE.get(
            row.level1, _KEYPROJECT_OTHER_ADVICE))
        items.append(f"“{row.name}”（{row.level1}）得分率为 {_percent(row.ratio)}，建议{advice}。")
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
    return _numbered_suggestions(items, _KEYPROJECT_GENERAL_ADVICE)


def keyproject_method(result: KeyProjectResult, ruleset: str | Path | RuleSet) -> str:
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
    >>> from evalkit.keyproject import evaluate, framework
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
    >>> print(keyproject_method(evaluate(project, sheet, judged, answers), "national"))
    本次评价对象为“农村安居房建设项目”（项目编码 P1，预算 1000.00 万元，实际到位 950.00 万元，实际支出 900.00 万元），评价范围为该项目的资金投入、管理过程、产出和效益。评价依据“全国参考规则集”（cn-national，版本 2020.1）规定的重点项目绩效评价指标体系（财预〔2020〕10号参考框架），设决策（15 分）、过程（20 分）、产出（35 分）、效益（30 分）四个一级指标，下设 10 个二级指标、20 个三级指标，满分 100 分。评价方法：资金到位率（实际到位/预算）和预算执行率（实际支出/实际到位）按项目台账计算；产出和效益指标按项目绩效目标表的年度指标值与实际完成值评分，正向指标按实际值/目标值（不超过 100%），反向指标超出目标值时按目标值/实际值；定性指标由评价组依据佐证材料评定等级，达成（80%–100%）、部分达成（60%–80%）、未达成（0%–60%），括号内为得分占分值的比例；服务对象满意度通过问卷调查计算（满意人数/有效样本，受访者各题平均得分不低于 4 分视为满意，有效样本不少于 60 人）。不适用的指标不计分，其分值按比例分配至其余指标。评价等级按综合得分确定：90 分及以上为“优”，80 分（含）至 90 分为“良”，60 分（含）至 80 分为“中”，低于 60 分为“差”。
    """
    rs = _ruleset_of(result, ruleset)
    project = result.project
    facts = [f"项目编码 {result.project_id}"]
    if str(project.get("unit_name") or "").strip():
        facts.append(f"实施单位 {project['unit_name']}")
    facts += [f"预算 {float(project['budget']):.2f} 万元",
              f"实际到位 {float(project['received']):.2f} 万元",
              f"实际支出 {float(project['spent']):.2f} 万元"]
    name = str(project.get("project_name") or result.project_id)
    year = project.get("year")
    scope = f" {int(year)} 年度" if isinstance(year, (int, float)) and year == year else ""
    level1 = "、".join(f"{row.name}（{_kp_weight(row.weight)} 分）"
                      for row in result.level1.itertuples(index=False))
    total = float(result.level1["weight"].sum())
    reverse = ("目标值/实际值" if rs.reverse_convention == "A"
               else "1 −（实际值 − 目标值）/目标值，实际值达到目标值 2 倍时为 0")
    tiers = "、".join(
        f"{t.tier}（{_line(t.low)}）" if t.low == t.high else f"{t.tier}（{_line(t.low)}–{_line(t.high)}）"
        for t in rs.qualitative_tiers)
    survey = rs.section("survey")
    return (
        f"本次评价对象为“{name}”（{'，'.join(facts)}），评价范围为该项目{scope}的资金投入、"
        f"管理过程、产出和效益。评价依据“{rs.data.get('name', rs.id)}”（{rs.id}，版本 {rs.version}）"
        f"规定的重点项目绩效评价指标体系（财预〔2020〕10号参考框架），设{level1}"
        f"{_count(len(result.level1))}个一级指标，下设 {len(result.level2)} 个二级指标、"
        f"{len(result.sheet)} 个三级指标，满分 {total:g} 分。"
        f"评价方法：资金到位率（实际到位/预算）和预算执行率（实际支出/实际到位）按项目台账计算；"
        f"产出和效益指标按项目绩效目标表的年度指标值与实际完成值评分，正向指标按实际值/目标值"
        f"（不超过 100%），反向指标超出目标值时按{reverse}；定性指标由评价组依据佐证材料评定等级，"
        f"{tiers}，括号内为得分占分值的比例；服务对象满意度通过问卷调查计算（满意人数/有效样本，"
        f"受访者各题平均得分不低于 {min(survey['satisfied_levels'])} 分视为满意，有效样本不少于 "
        f"{survey['min_sample']} 人）。不适用的指标不计分，其分值按比例分配至其余指标。"
        f"评价等级按综合得分确定：{_bands_text(rs.grades)}。"
    )


def keyproject_caveats(result: KeyProjectResult) -> str:
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
    sheet; the warnings of :func:`evalkit.keyproject.evaluate` are the data caveats; the rule set
    is named by id, version and the first 12 characters of its sha256.

    References
    ----------
    .. [1] DOMAIN.md §5: 其他说明; §3: not-applicable indicators are dropped and the rest rescaled.

    Examples
    --------
    >>> from evalkit.keyproject import evaluate, framework
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
    >>> print(keyproject_caveats(evaluate(project, sheet, judged)))
    以下 1 项指标不适用，未计分，其分值已按比例分配至其余指标：“服务对象满意度”（D15）：未开展满意度调查。
    <BLANKLINE>
    评分规则集：cn-national（版本 2020.1，sha256 93b4c0049f1c）。
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
            f"{min(survey.satisfied_levels)} 分），服务对象满意度为 {_percent(survey.rate)}"
            f"（{_line(survey.confidence)} 置信区间 {_percent(survey.ci_low)}–"
            f"{_percent(survey.ci_high)}，Wilson 法）；全部有效答案的平均得分为 "
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
                 f"（{_percent(best['rate'])}），最低的是“{worst['question']}”"
                 f"（{_percent(worst['rate'])}）。")
    if survey.n_invalid:
        detail = "、".join(f"{kind} {n} 条" for kind, n in survey.invalid_by_reason().items())
        text += f"调查中有 {survey.n_invalid} 条无效答案（{detail}）已剔除，不计入统计。"
    return text


def keyproject_facts(project: pd.Series, result: KeyProjectResult) -> pd.DataFrame:
    """The 基本情况 table of a key-project report: one row per fact (项目, 内容)."""
    budget, received, spent = (float(project[k]) for k in ("budget", "received", "spent"))
    facts = [
        ("项目名称", str(project["project_name"])),
        ("项目编码", str(project["project_id"])),
        ("预算单位", str(project["unit_name"])),
        ("资金类别", str(project["category"])),
        ("是否扶贫项目", "是" if bool(project["is_poverty"]) else "否"),
        ("预算数", f"{budget:,.2f} 万元"),
        ("到位数", f"{received:,.2f} 万元（到位率 {_percent(received / budget)}）"),
        ("执行数", f"{spent:,.2f} 万元（执行率 {_percent(spent / received) if received else '—'}）"),
        ("评价指标", f"{len(result.sheet)} 项三级指标，其中不适用 {len(result.not_applicable)} 项"),
    ]
    if str(project.get("note", "") or "").strip():
        facts.append(("说明", str(project["note"])))
    return pd.DataFrame(facts, columns=["项目", "内容"])
