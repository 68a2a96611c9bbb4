"""Ex-ante assessment report sentences (事前绩效评估), from an
:class:`~evalkit.stages.exante.ExAnteResult`.

Paragraphs: :func:`conclusion`, :func:`dimensions`, :func:`lost_points`, :func:`agreement`,
:func:`suggestions` and :func:`method`; tables: :func:`facts`, :func:`distribution` and
:func:`comment_table`. Numbers are formatted for display only, as :mod:`evalkit.stages.prose`
says; the result stays unrounded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit.errors import InputError
from evalkit.rules import RuleSet
from evalkit.sensitivity import StabilityResult
from evalkit.stages.exante import ExAnteResult
from evalkit.stages.prose import (
    MAX_SPECIFIC,
    NOTHING_LOST,
    bands_text,
    count,
    lost_list,
    numbered_suggestions,
    percent,
    points,
    ruleset_of,
    threshold,
)
from evalkit.stages.prose import robustness as shared_robustness

__all__ = ["TRIMMED_MARK", "agreement", "comment_table", "conclusion", "dimensions", "distribution",
           "facts", "lost_points", "method", "raw_scores", "raw_scores_note", "robustness",
           "suggestions"]

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


def _p_value(p: float) -> str:
    """A χ² test's p-value as a report writes it."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def conclusion(result: ExAnteResult) -> str:
    """The conclusion sentence: total, tier and, when a veto was triggered, why the tier changed.

    Parameters
    ----------
    result : ExAnteResult

    Returns
    -------
    str

    Notes
    -----
    The total is shown with 2 decimals; the tier is the one :func:`evalkit.stages.exante.assess` chose
    from the unrounded total. A triggered veto names the dimension, its share (1 decimal), the
    veto line and reason from the rule set, and the tier that replaces the total's.

    References
    ----------
    .. [1] DOMAIN.md §4, ex-ante assessment: conclusion tiers and one-vote vetoes.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.stages.exante import assess, framework
    >>> fw = framework()
    >>> scores = pd.concat([fw.assign(project_id="P1", expert_id=f"E{k}",
    ...                               score=fw["points"] - fw.index % 3 - (k + fw.index) % 2 / 2)
    ...                     for k in range(1, 6)])
    >>> conclusion(assess(scores))
    '经专家评审，该项目事前绩效评估综合得分为 81.20 分，评估结论为“调整完善后予以支持”。'
    """
    text = (f"经专家评审，该项目事前绩效评估综合得分为 {points(result.total)} 分，"
            f"评估结论为“{result.conclusion_before_veto}”。")
    triggered = result.veto_checks[result.veto_checks["triggered"]]
    if triggered.empty:
        return text
    clauses = [
        f"“{row.dimension}”得分率为 {percent(row.share)}，低于 {threshold(row.min_share)} 的否决线，"
        f"触发一票否决（{row.reason}）"
        for row in triggered.itertuples()
    ]
    verb = "仍为" if result.conclusion == result.conclusion_before_veto else "调整为"
    return text + f"其中{'；'.join(clauses)}，评估结论{verb}“{result.conclusion}”。"


def dimensions(result: ExAnteResult) -> str:
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
    >>> from evalkit.stages.exante import assess, framework
    >>> fw = framework()
    >>> scores = pd.concat([fw.assign(project_id="P1", expert_id=f"E{k}",
    ...                               score=fw["points"] - fw.index % 3 - (k + fw.index) % 2 / 2)
    ...                     for k in range(1, 6)])
    >>> print(dimensions(assess(scores)))
    分维度看，“投入经济性”得分率最高，得 16.30 分（满分 20 分，得分率 81.50%）；“立项必要性”得分率最低，得 16.20 分（满分 20 分，得分率 81.00%）。
    """
    dims = result.dimensions.reset_index(drop=True)
    best, worst = dims.loc[dims["share"].idxmax()], dims.loc[dims["share"].idxmin()]
    if best["share"] - worst["share"] <= NOTHING_LOST:
        return f"分维度看，{count(len(dims))}个维度的得分率均为 {percent(best['share'])}。"

    def describe(row: pd.Series) -> str:
        return (f"得 {points(row['score'])} 分（满分 {row['points']:g} 分，"
                f"得分率 {percent(row['share'])}）")

    return (f"分维度看，“{best['dimension']}”得分率最高，{describe(best)}；"
            f"“{worst['dimension']}”得分率最低，{describe(worst)}。")


def lost_points(result: ExAnteResult, top: int = 5) -> str:
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
    >>> from evalkit.stages.exante import assess, framework
    >>> fw = framework()
    >>> scores = pd.concat([fw.assign(project_id="P1", expert_id=f"E{k}",
    ...                               score=fw["points"] - fw.index % 3 - (k + fw.index) % 2 / 2)
    ...                     for k in range(1, 6)])
    >>> print(lost_points(assess(scores), top=2))
    全部评分项合计扣 18.80 分，扣分最多的 2 项如下：
    <BLANKLINE>
    1. “职能相关性与不可替代性”（立项必要性，满分 7 分）：得 4.70 分，扣 2.30 分；
    2. “目标与投入匹配性”（绩效目标合理性，满分 6 分）：得 3.70 分，扣 2.30 分。
    """
    return lost_list(result.items, top, ("各评分项", "评分项"), lambda row: (
        f"“{row.name}”（{row.dimension}，满分 {row.points:g} 分）：得 {points(row.score)} 分，"
        f"扣 {points(row.lost)} 分"))


def agreement(result: ExAnteResult) -> str:
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
    their points, tie-corrected (see :func:`evalkit.stages.exante.assess`). Experts with scores more than
    ``outlier_z`` SDs from the other experts' mean are named with the number of such items; those
    over the ``outlier_share`` threshold are singled out for review.

    References
    ----------
    .. [1] DOMAIN.md §4 and §8: Kendall's W, tie-corrected; W ≥ 0.5 with a significant χ² is a
       common bar.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.stages.exante import assess, framework
    >>> fw = framework()
    >>> scores = pd.concat([fw.assign(project_id="P1", expert_id=f"E{k}",
    ...                               score=fw["points"] - fw.index % 3 - (k + fw.index) % 2 / 2)
    ...                     for k in range(1, 6)])
    >>> print(agreement(assess(scores)))
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


def suggestions(result: ExAnteResult, weak_share: float = 0.8) -> str:
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
    >>> from evalkit.stages.exante import assess, framework
    >>> fw = framework()
    >>> scores = pd.concat([fw.assign(project_id="P1", expert_id=f"E{k}",
    ...                               score=fw["points"] - fw.index % 3 - (k + fw.index) % 2 / 2)
    ...                     for k in range(1, 6)])
    >>> print(suggestions(assess(scores), weak_share=0.7))
    1. “目标与投入匹配性”（绩效目标合理性）得分率为 61.67%，建议完善绩效指标，量化数量、质量、时效、成本、效益和满意度目标，使目标值与资金规模相匹配。
    2. “债务与财政风险”（筹资合规性）得分率为 61.67%，建议落实资金来源，确保符合财政事权与支出责任划分，合理确定申请规模并防范债务风险。
    3. “投入产出比较”（投入经济性）得分率为 63.33%，建议细化成本测算，补充单价、数量的市场询价或定额依据，并比较替代方案。
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
    for row in weak.head(MAX_SPECIFIC).itertuples():
        worst = items[items["dimension"] == row.dimension].iloc[0]
        veto = "，触发一票否决" if row.vetoed else ""
        specific.append(
            f"“{row.dimension}”得分率为 {percent(row.share)}（其中“{worst['name']}”得分率为 "
            f"{percent(worst['share'])}）{veto}，建议{_DIMENSION_ADVICE.get(row.dimension, _OTHER_ADVICE)}。"
        )
    others = items[~items["dimension"].isin(weak["dimension"]) & (items["share"] < weak_share)]
    others = others.drop_duplicates("dimension")  # one suggestion per dimension
    for row in others.head(MAX_SPECIFIC - len(specific)).itertuples():
        specific.append(
            f"“{row.name}”（{row.dimension}）得分率为 {percent(row.share)}，"
            f"建议{_DIMENSION_ADVICE.get(row.dimension, _OTHER_ADVICE)}。"
        )
    if not result.agreement_ok:
        specific.append("专家评分一致性不足，建议对专家分歧较大的评分项组织复议，必要时补充评审专家。")
    specific.append(_CONCLUSION_ADVICE.get(
        result.conclusion, f"建议按照评估结论“{result.conclusion}”办理后续预算安排。"))
    general = _GENERAL_ADVICE.get(result.conclusion, _GENERAL_ADVICE[None])
    return numbered_suggestions(specific, general)


def method(result: ExAnteResult, ruleset: str | Path | RuleSet) -> str:
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
    >>> from evalkit.stages.exante import assess, framework
    >>> fw = framework()
    >>> scores = pd.concat([fw.assign(project_id="P1", expert_id=f"E{k}",
    ...                               score=fw["points"] - fw.index % 3 - (k + fw.index) % 2 / 2)
    ...                     for k in range(1, 6)])
    >>> print(method(assess(scores), "national"))
    本次评估依据“全国参考规则集”（cn-national，版本 2020.1）规定的事前绩效评估框架，从立项必要性、投入经济性、绩效目标合理性、实施方案可行性、筹资合规性五个维度共 15 个评分项进行评分，满分 100 分。评审专家共 5 名，各自独立对每个评分项打分，每个评分项取专家评分的算术平均（规则集规定专家多于 5 名时才去掉最高分和最低分），维度得分为所属评分项得分之和，综合得分为各维度得分之和。评估结论按综合得分确定：90 分及以上为“予以支持”，70 分（含）至 90 分为“调整完善后予以支持”，低于 70 分为“不予支持”。“筹资合规性”得分率低于 60% 的，一票否决（筹资不合规），评估结论为“不予支持”。专家评分一致性采用 Kendall 协调系数检验（按得分率排序，同分校正），W 不低于 0.5 且 χ² 检验在 0.05 水平上显著视为一致性良好。
    """
    rs = ruleset_of(result, ruleset)
    exante, panel = rs.section("exante"), rs.section("panel")
    names = [str(d["dimension"]) for d in exante["dimensions"]]
    full = sum(float(d["points"]) for d in exante["dimensions"])
    text = (f"本次评估依据“{rs.data.get('name', rs.id)}”（{rs.id}，版本 {rs.version}）规定的事前绩效评估"
            f"框架，从{'、'.join(names)}{count(len(names))}个维度共 {len(exante['items'])} 个评分项"
            f"进行评分，满分 {full:g} 分。评审专家共 {result.n_experts} 名，各自独立对每个评分项打分，"
            f"{_aggregation(panel, result.n_experts)}，维度得分为所属评分项得分之和，"
            f"综合得分为各维度得分之和。")
    text += f"评估结论按综合得分确定：{bands_text(rs.conclusion_tiers)}。"
    lowest = min(rs.conclusion_tiers, key=lambda band: band.low).label
    for veto in exante["veto"]:
        text += (f"“{veto['dimension']}”得分率低于 {threshold(float(veto['min_share']))} 的，"
                 f"一票否决（{veto.get('reason') or veto['dimension']}），评估结论为“{lowest}”。")
    return text + (f"专家评分一致性采用 Kendall 协调系数检验（按得分率排序，同分校正），"
                   f"W 不低于 {panel['kendall_w_min']:g} 且 χ² 检验在 {panel['alpha']:g} 水平上显著"
                   f"视为一致性良好。")


def _aggregation(panel, n_experts: int) -> str:
    """The panel's aggregation rule in words, as it applied to a panel of ``n_experts``."""
    if panel["method"] == "median":
        return "每个评分项取专家评分的中位数"
    if panel["method"] == "trimmed" and n_experts > panel["trim_when_more_than"]:
        k = count(int(panel["trim"]))
        return f"每个评分项的专家评分去掉{k}个最高分和{k}个最低分后取平均"
    if panel["method"] == "trimmed":
        return (f"每个评分项取专家评分的算术平均（规则集规定专家多于 "
                f"{panel['trim_when_more_than']} 名时才去掉最高分和最低分）")
    return "每个评分项取专家评分的算术平均"


# --- tables the ex-ante template shows --------------------------------------------------------

def facts(project: pd.Series, result: ExAnteResult) -> pd.DataFrame:
    """The 项目基本信息 table: one row per fact, two text columns (项目, 内容).

    ``project`` is the project's row of the projects table.
    """
    rows = [
        ("项目名称", str(project["project_name"])),
        ("项目编码", str(project["project_id"])),
        ("申报单位", str(project["unit_name"])),
        ("资金类别", str(project["category"])),
        ("申请资金", f"{float(project['budget']):,.2f} 万元"),
        ("年度", str(int(project["year"])) if pd.notna(project["year"]) else "—"),
        ("评审专家", f"{result.n_experts} 人"),
        ("评分项", f"{len(result.items)} 项（{len(result.dimensions)} 个维度）"),
    ]
    return pd.DataFrame(rows, columns=["项目", "内容"])


def distribution(result: ExAnteResult) -> pd.DataFrame:
    """Every expert's score as a share of the item's points, labelled for the distribution chart
    (columns item, share, outlier)."""
    audit = result.audit
    return pd.DataFrame({"item": audit["item_id"].astype(str) + " " + audit["name"].astype(str),
                         "share": audit["share"].to_numpy(dtype=float),
                         "outlier": audit["outlier"].to_numpy(dtype=bool)})


def comment_table(result: ExAnteResult) -> pd.DataFrame:
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


#: How a trimmed score is marked in the raw-score appendix.
TRIMMED_MARK = "（剔除）"


def raw_scores(result: ExAnteResult) -> pd.DataFrame:
    """附表 专家评分明细: every expert's raw score per sub-item, trimmed scores marked.

    Parameters
    ----------
    result : ExAnteResult

    Returns
    -------
    pandas.DataFrame
        One row per sub-item in framework order: 编码, 评估维度, 评分项, 分值, one column per
        expert (his id) holding the score as he wrote it (``score_given``; ``/分值`` added when
        he scored against other points than the framework's), with :data:`TRIMMED_MARK` when the
        panel's trimming rule dropped it, and 评审得分 (the item's panel score, 2 decimals).

    Notes
    -----
    Read from ``result.audit`` (one row per raw score), so the appendix is the data the panel
    score was computed from: trimmed mean after dropping ``panel.trim`` highest and lowest
    scores when more than ``panel.trim_when_more_than`` experts scored (DOMAIN.md §4).

    Examples
    --------
    >>> from evalkit.io import load_dataset
    >>> from evalkit.stages import exante
    >>> table = raw_scores(exante.evaluate(load_dataset("sample"), "SQ-2021-001"))
    >>> table.iloc[0].tolist()
    ['A1', '立项必要性', '政策相符性', '6', '5.5', '5（剔除）', '5.5', '5.5', '5', '5.5（剔除）', '5', '5.30']
    """
    audit = result.audit
    experts = sorted(audit["expert_id"].astype(str).unique())
    rows = []
    for item_id, group in audit.groupby("item_id", sort=False):
        first = group.iloc[0]
        row = {"编码": str(item_id), "评估维度": first["dimension"], "评分项": first["name"],
               "分值": f"{float(first['points']):g}"}
        for r in group.itertuples(index=False):
            text = f"{float(r.score_given):g}"
            if float(r.points_given) != float(r.points):
                text += f"/{float(r.points_given):g}"
            row[str(r.expert_id)] = text + (TRIMMED_MARK if r.dropped else "")
        row["评审得分"] = points(float(first["panel_score"]))
        rows.append(row)
    return pd.DataFrame(rows, columns=["编码", "评估维度", "评分项", "分值", *experts, "评审得分"]
                        ).fillna("—")


def raw_scores_note(result: ExAnteResult) -> str:
    """The sentence above :func:`raw_scores`: how the panel score was formed and what the mark
    means (the panel rules of the rule set applied to ``result``)."""
    rules = result.panel_rules
    text = "下表列出每位专家对各评分项的原始评分。"
    if rules["method"] == "trimmed":
        text += (f"按规则集的截尾均值规则（专家多于 {rules['trim_when_more_than']} 人时去掉最高分、"
                 f"最低分各 {rules['trim']} 个），标注“{TRIMMED_MARK}”的评分不计入评审得分。")
        if result.n_experts <= int(rules["trim_when_more_than"]):
            text += f"本项目专家 {result.n_experts} 人，未剔除评分。"
    else:
        text += "本次按全部专家评分汇总，未剔除评分。"
    return text


def robustness(result: ExAnteResult, stability: StabilityResult) -> str:
    """The robustness paragraph of the 评估结论: the probability the conclusion holds under
    uncertain dimension weights and the distance to the nearest tier line (a veto: fixed).

    Parameters
    ----------
    result : ExAnteResult
    stability : StabilityResult
        :func:`evalkit.sensitivity.project_stability` of ``result`` (dimension points drawn).

    Returns
    -------
    str

    Notes
    -----
    See :func:`evalkit.stages.prose.robustness`. Dimension shares, hence vetoes, do not depend
    on the weights, so a vetoed conclusion is fixed.

    Examples
    --------
    >>> from evalkit.io import load_dataset
    >>> from evalkit.sensitivity import project_stability
    >>> from evalkit.stages import exante
    >>> result = exante.evaluate(load_dataset("sample"), "SQ-2021-001")
    >>> print(robustness(result, project_stability(result, "national")))
    稳健性分析：以规则集的一级指标权重为中心，按 Dirichlet 分布（集中度 100）随机抽取 10000 组权重重新计分，评估结论保持“予以支持”的概率为 100.00%；总分 93.00 分，距最近的分界线（90 分）3.00 分。评估结论对权重取值稳健。
    """
    reason = f"因{'、'.join(result.vetoes)}（一票否决）" if result.vetoes else ""
    return shared_robustness(stability, result.project_id, "评估结论", fixed_reason=reason)
