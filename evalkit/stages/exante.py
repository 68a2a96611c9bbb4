"""Ex-ante assessment (事前绩效评估): expert panel → sub-items → dimensions → total → conclusion.

A new project asking for money is scored by an expert panel on the sub-items of five dimensions
(立项必要性, 投入经济性, 绩效目标合理性, 实施方案可行性, 筹资合规性; DOMAIN.md §4). Everything that
varies by jurisdiction — the sub-items and their points, the conclusion tiers, the veto rules, the
panel's trimming rule and agreement bar — comes from the rule set's ``exante`` and ``panel``
sections, so the same code serves the national 20 × 5 table and a province's own table.

The stage protocol (:mod:`evalkit.stages`):

- :func:`framework` lists the sub-items of a rule set (the table experts score against).
- :func:`evaluate` assesses one project of a :class:`~evalkit.io.Dataset` (its rows of the
  ``expert_scores`` table) into an :class:`ExAnteResult`: panel score per sub-item, dimension
  subtotals, total, conclusion tier, vetoes, agreement (Kendall's W), spread, outlying experts,
  the warnings a reviewer needs and audit rows tying every panel score to the experts' raw scores.
- :func:`evaluate_many` assesses every project of the dataset's ``expert_scores``, one row each.
- :func:`check_ruleset` validates the rule set's ``exante`` section.

On plain tables: :func:`assess` does what :func:`evaluate` does from a long ``expert_scores``
table, :func:`assess_many` what :func:`evaluate_many` does.

**Scores carry across item tables.** Rule sets split the 100 points differently (national
立项必要性 6/7/7, provincial 8/9/8), so a score in points only means something against the 分值
it was given for. Each ``expert_scores`` row may therefore carry ``points`` (分值: the item's
points on the sheet the expert filled in; the scoring workbooks and the sample write it), and the
stage scores ``x = score / points × P_i`` against the rule set's ``P_i``: the expert's judgement
is the *share* of the item earned, which is what a 优/良/中/差 judgement on a sub-item expresses
and what Kendall's W already ranks. Shares rather than ratings keep the expert's resolution
(5.5 of 6); a mapping table would need maintaining per pair of rule sets. The raw score and its
分值 stay in the audit rows (DOMAIN.md §4: keep every expert's raw score). Without ``points`` a
score is read against the rule set's own points, as before.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit.errors import EvalkitWarning, InputError
from evalkit.panel import KendallW, aggregate_panel, check_score_table, kendall_w
from evalkit.rules import Band, RuleSet, band_of, bands, check_sum, is_number, load_ruleset
from evalkit.stages.base import StageResult, known_ids, plain, require_keys, warn

if TYPE_CHECKING:
    from evalkit.io import Dataset

__all__ = ["REQUIRED_KEYS", "RULESET_SECTION", "ExAnteResult", "assess", "assess_many",
           "check_ruleset", "evaluate", "evaluate_many", "framework"]

#: The rule-set section this stage reads (besides ``panel``), and the keys it must hold.
RULESET_SECTION = "exante"
REQUIRED_KEYS = ("conclusion_tiers", "veto", "dimensions", "items")

#: Columns the long ``expert_scores`` table must hold (``comment`` is optional).
_REQUIRED = ["project_id", "expert_id", "item_id", "score"]
#: Tolerance, in points (or shares), applied when comparing a total with a tier line or a share with
#: a veto line, so that the binary representation of an average such as 5.8 cannot move a project
#: across a line it sits exactly on.
_LINE_TOLERANCE = 1e-9
#: Default of ``outlier_share``: one odd score is a judgement, a third of them is a pattern.
_OUTLIER_SHARE = 1 / 3
#: How a blank cell is shown in error messages.
_EMPTY = "an empty cell"


# --------------------------------------------------------------------------------------------
# Framework
# --------------------------------------------------------------------------------------------


def framework(ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """The ex-ante sub-items of a rule set, in the rule set's order.

    Parameters
    ----------
    ruleset : str, Path or RuleSet, default "national"
        A shipped rule set's name, a YAML path or a loaded :class:`~evalkit.rules.RuleSet`.

    Returns
    -------
    pandas.DataFrame
        One row per sub-item: ``item_id``, ``dimension``, ``name``, ``points`` (float),
        ``guidance`` (scoring guidance shown to experts, ``""`` when the rule set has none) and
        ``dimension_points`` (the points of the item's dimension).

    Notes
    -----
    The rule set guarantees that the sub-items' points add up to their dimension's points and the
    dimensions' points to 100 (DOMAIN.md §4: the common table gives 20 points to each dimension).

    References
    ----------
    .. [1] DOMAIN.md §4, ex-ante assessment: five dimensions split into sub-items judged by an
       expert panel.

    Examples
    --------
    >>> table = framework("national")
    >>> table.groupby("dimension", sort=False)["points"].sum().tolist()
    [20.0, 20.0, 20.0, 20.0, 20.0]
    >>> table[["item_id", "dimension", "name", "points"]].head(2)
      item_id dimension   name  points
    0      A1     立项必要性  政策相符性     6.0
    1      A2     立项必要性  需求迫切性     7.0
    """
    section = load_ruleset(ruleset).section("exante")
    dimension_points = {d["dimension"]: float(d["points"]) for d in section["dimensions"]}
    table = pd.DataFrame(
        {
            "item_id": [str(i["item_id"]) for i in section["items"]],
            "dimension": [str(i["dimension"]) for i in section["items"]],
            "name": [str(i["name"]) for i in section["items"]],
            "points": [float(i["points"]) for i in section["items"]],
            "guidance": [str(i.get("guidance") or "") for i in section["items"]],
        }
    )
    table["dimension_points"] = table["dimension"].map(dimension_points).astype(float)
    return table


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExAnteResult(StageResult):
    """One project's ex-ante assessment, unrounded (a :class:`~evalkit.stages.StageResult`).

    Attributes
    ----------
    project_id : object
        The project assessed, as written in the input table.
    n_experts : int
        Experts on the panel.
    items : pandas.DataFrame
        One row per sub-item in framework order: ``item_id``, ``dimension``, ``name``, ``points``,
        ``score`` (panel score), ``lost`` (points − score), ``share`` (score / points), then the
        panel's ``n``, ``mean``, ``median``, ``sd``, ``cv``, ``min``, ``max`` and ``trimmed``
        (comma-joined ids of the experts dropped by trimming).
    dimensions : pandas.DataFrame
        One row per dimension in framework order: ``dimension``, ``points``, ``score`` (sum of its
        sub-items' panel scores), ``lost``, ``share``.
    total : float
        Sum of the dimension scores.
    conclusion : str
        The conclusion tier after vetoes.
    conclusion_before_veto : str
        The tier the total alone falls in.
    vetoes : tuple of str
        Reasons of the veto rules triggered (empty when none was).
    kendall : KendallW or None
        Kendall's W of the experts' score shares (see :func:`assess`); None when it cannot be
        computed (fewer than 2 experts, or every expert gave every item the same share).
    agreement_ok : bool
        W ≥ the rule set's ``kendall_w_min`` and p < its ``alpha``.
    warnings : tuple of str
        What a reviewer should look at, in Chinese (also emitted as :class:`EvalkitWarning`).
    audit : pandas.DataFrame
        Every raw score, in framework order then expert id: ``project_id``, ``item_id``,
        ``dimension``, ``name``, ``points``, ``expert_id``, ``score``, ``share``, ``others_mean``,
        ``others_sd``, ``outlier``, ``dropped`` (removed by trimming), ``panel_score`` (the
        item's panel score the row fed into), ``score_given`` and ``points_given`` (the score as
        the expert wrote it and the 分值 it was written against; ``score`` is
        ``score_given / points_given × points``).
    comments : pandas.DataFrame
        Non-empty expert comments: ``expert_id``, ``item_id``, ``dimension``, ``comment``.
    experts : pandas.DataFrame
        One row per expert: ``expert_id``, ``n_items``, ``n_outliers``, ``share_outliers``,
        ``constant`` (same score, or same share, on every item) and ``flagged`` (outlier on more
        than ``panel_rules["outlier_share"]`` of the items).
    veto_checks : pandas.DataFrame
        Every veto rule of the rule set: ``dimension``, ``share``, ``min_share``, ``reason``,
        ``triggered``.
    panel_rules : dict
        The panel parameters applied: ``method``, ``trim_when_more_than``, ``trim``,
        ``min_experts``, ``outlier_z``, ``kendall_w_min``, ``alpha`` (from the rule set) and
        ``outlier_share`` (the argument of :func:`assess`).
    ruleset : dict
        ``ruleset_id``, ``ruleset_version``, ``ruleset_sha256``.
    """

    project_id: Any
    n_experts: int
    items: pd.DataFrame
    dimensions: pd.DataFrame
    total: float
    conclusion: str
    conclusion_before_veto: str
    vetoes: tuple[str, ...]
    kendall: KendallW | None
    agreement_ok: bool
    warnings: tuple[str, ...]
    audit: pd.DataFrame
    comments: pd.DataFrame
    experts: pd.DataFrame
    veto_checks: pd.DataFrame
    panel_rules: dict
    ruleset: dict

    def to_frame(self) -> pd.DataFrame:
        """The per-sub-item table."""
        return self.items

    def weight_components(self) -> pd.DataFrame:
        """Sub-items by dimension (the dimension's points as level-1 weight); see
        :meth:`evalkit.stages.base.StageResult.weight_components`."""
        out = self.items[["dimension", "name", "points", "score"]].rename(
            columns={"dimension": "level1", "name": "level2", "points": "weight"})
        nominal = self.dimensions.set_index("dimension")["points"]
        out.insert(2, "level1_weight", out["level1"].map(nominal).astype(float))
        return out.reset_index(drop=True)

    def verdict_bands(self, ruleset: RuleSet) -> tuple[Band, ...]:
        """The rule set's ex-ante conclusion tiers (评估结论)."""
        return ruleset.conclusion_tiers

    def fixed_verdict(self) -> str:
        """不予支持 (the conclusion) when a veto was triggered: weights cannot lift a veto."""
        return self.conclusion if self.vetoes else ""

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable record of the assessment (floats unrounded).

        Keys: ``project_id``, ``total``, ``conclusion``, ``conclusion_before_veto``, ``vetoes``,
        ``dimension_scores`` ({dimension: score}), ``n_experts``, ``kendall_w``, ``kendall_p``
        (None when W cannot be computed), ``agreement_ok``, ``warnings``, ``ruleset_id``,
        ``ruleset_version``, ``ruleset_sha256``.
        """
        return {
            "project_id": plain(self.project_id),
            "total": float(self.total),
            "conclusion": self.conclusion,
            "conclusion_before_veto": self.conclusion_before_veto,
            "vetoes": list(self.vetoes),
            "dimension_scores": {str(d): float(s) for d, s in
                                 zip(self.dimensions["dimension"], self.dimensions["score"],
                                     strict=True)},
            "n_experts": int(self.n_experts),
            "kendall_w": None if self.kendall is None else float(self.kendall.w),
            "kendall_p": None if self.kendall is None else float(self.kendall.p_value),
            "agreement_ok": bool(self.agreement_ok),
            "warnings": list(self.warnings),
            **self.ruleset,
        }

    def _html_facts(self) -> list[tuple[str, object]]:
        w = "—" if self.kendall is None else f"{self.kendall.w:.3f} (p = {self.kendall.p_value:.4f})"
        return [("项目", self.project_id), ("综合得分", f"{self.total:.2f}"),
                ("评估结论", self.conclusion), ("专家人数", self.n_experts), ("Kendall W", w)]

    def _html_notes(self) -> list[tuple[str, object]]:
        vetoes = [("一票否决", "；".join(self.vetoes))] if self.vetoes else []
        return vetoes + [("提示", message) for message in self.warnings]

    def _html_tables(self) -> list[pd.DataFrame]:
        return [self.dimensions, self.items]


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _check_table(expert_scores: pd.DataFrame) -> None:
    """Check the table's type and columns, and that it holds at least one row."""
    check_score_table(expert_scores, _REQUIRED, " (comment optional)")


def _select_project(expert_scores: pd.DataFrame, project_id: Any) -> tuple[Any, pd.DataFrame]:
    """Check the table and return the project id and its rows."""
    _check_table(expert_scores)
    projects = [plain(p) for p in pd.unique(expert_scores["project_id"].astype(object))]
    if project_id is None:
        if len(projects) != 1:
            raise InputError(
                f"expert_scores: expected the scores of one project (or pass project_id), found "
                f"{len(projects)} projects: {known_ids(projects)}"
            )
        project_id = projects[0]
    rows = expert_scores[expert_scores["project_id"] == project_id]
    if rows.empty:
        known = _sorted_ids(p for p in projects if not pd.isna(p))
        raise InputError(
            f"expert_scores: expected scores for project {project_id!r}, found none; known "
            f"projects: {known_ids(known)}"
        )
    return project_id, rows


def _sorted_ids(ids) -> list:
    """Ids in their natural order (9 before 10), or by their text when types are mixed."""
    ids = [plain(i) for i in ids]
    try:
        return sorted(ids)
    except TypeError:
        return sorted(ids, key=str)


def _shown(value: Any) -> str:
    """A cell as the user typed it: numbers bare (``7``, also for 7.0), text quoted, blanks named."""
    value = plain(value)
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return _EMPTY
    if isinstance(value, str) and not value.strip():
        return _EMPTY
    return f"{value:.15g}" if isinstance(value, (int, float)) else repr(value)


def _validated(rows: pd.DataFrame, project_id: Any, items: pd.DataFrame) -> pd.DataFrame:
    """Check one project's rows against the framework; return them with numeric scores.

    Every problem is collected and reported in one :class:`InputError`, each naming the project,
    the expert and the item.
    """
    columns = [*_REQUIRED, *(["comment"] if "comment" in rows.columns else [])]
    table = rows[columns].astype({"expert_id": object, "item_id": object}).reset_index(drop=True)
    raw = rows["score"].astype(object).reset_index(drop=True)
    score = pd.to_numeric(raw, errors="coerce").astype(float)
    known = items.set_index("item_id")
    place = f"project {project_id!r}"
    problems: list[str] = []

    named = table[["expert_id", "item_id"]].notna().all(axis=1)
    target = table["item_id"].map(known["points"])  # NaN for an item not in the framework
    unknown = named & target.isna()
    given = (pd.to_numeric(rows["points"], errors="coerce").astype(float).reset_index(drop=True)
             if "points" in rows.columns else pd.Series(np.nan, index=table.index))
    points = given.where(given.notna(), target)  # the 分值 scored against
    in_range = np.isfinite(score) & (score >= 0) & (score <= points) & (points > 0)
    for label in table.index[~named | unknown | (named & ~unknown & ~in_range)]:
        expert, item = table.at[label, "expert_id"], table.at[label, "item_id"]
        if not named[label]:
            problems.append(
                f"{place}, row {label + 1} of its scores: expected expert_id and item_id filled "
                f"in, found expert_id {_shown(expert)}, item_id {_shown(item)}"
            )
        elif unknown[label]:
            problems.append(
                f"{place}, expert {expert!r}, item {item!r}: expected an item of the framework "
                f"({', '.join(items['item_id'])}), found unknown item {item!r}"
            )
        else:
            found = _shown(raw[label])
            kind = "number" if not np.isfinite(score[label]) and found != _EMPTY else "score"
            name = known.at[item, "name"]
            problems.append(
                f"项目 {project_id!r}，专家 {expert!r}，评分项 {item!r}：应为 0 至 {points[label]:g} "
                f"之间的得分（{name}），实际为 {found}（{place}, expert {expert!r}, item {item!r}: "
                f"expected a {kind} in [0, {points[label]:g}] for item {item} ({name}), found "
                f"{found}）"
            )
    keyed = table[named]
    repeated = keyed[keyed.duplicated(["expert_id", "item_id"], keep=False)]
    for (expert, item), group in repeated.groupby(["expert_id", "item_id"], sort=False):
        problems.append(
            f"{place}, expert {expert!r}, item {item!r}: expected one score per expert and item, "
            f"found {len(group)} ({', '.join(_shown(raw[i]) for i in group.index)})"
        )
    try:
        sorted(pd.unique(keyed["expert_id"]))
    except TypeError:
        kinds = sorted({type(e).__name__ for e in keyed["expert_id"]})
        problems.append(f"{place}: expected expert ids of one type so they can be ordered, "
                        f"found {', '.join(kinds)}")
    present = pd.MultiIndex.from_frame(keyed[["expert_id", "item_id"]])
    expected = pd.MultiIndex.from_product([pd.unique(keyed["expert_id"]), items["item_id"]])
    for expert, item in expected[~expected.isin(present)]:
        problems.append(
            f"{place}, expert {expert!r}, item {item!r}: expected a score for item {item} "
            f"({known.at[item, 'name']}), found none (missing score)"
        )
    if problems:
        lines = [f"  {i}. {p}" for i, p in enumerate(problems, 1)]
        raise InputError(f"expert_scores: {len(problems)} problem(s) found:\n" + "\n".join(lines))
    # The share carries across item tables: x = score / points_given × points_of_this_rule_set.
    return table.assign(score=score / points * target, score_given=score, points_given=points)


# --------------------------------------------------------------------------------------------
# Assessment
# --------------------------------------------------------------------------------------------


def _constant_experts(shares: pd.DataFrame, scores: pd.DataFrame) -> pd.Series:
    """Experts (rows) who gave every item the same score or the same share of its points."""
    def flat(matrix: pd.DataFrame) -> pd.Series:
        return (matrix.max(axis=1) - matrix.min(axis=1)) <= _LINE_TOLERANCE
    return flat(shares) | flat(scores)


def _agreement(shares: pd.DataFrame) -> KendallW | None:
    """Kendall's W of the experts' shares, or None when it cannot be computed."""
    if shares.shape[0] < 2:
        return None
    result = kendall_w(shares, correct_ties=True)
    return None if np.isnan(result.w) else result


def _warnings(
    n_experts: int,
    n_items: int,
    kendall: KendallW | None,
    experts: pd.DataFrame,
    rules: Mapping[str, Any],
) -> list[str]:
    """The reviewer's warnings, in Chinese."""
    messages = []
    if n_experts < rules["min_experts"]:
        messages.append(
            f"评审专家 {n_experts} 名，少于规则集要求的 {rules['min_experts']} 名，"
            f"评审结论的代表性不足。"
        )
    if kendall is None:
        messages.append(
            "无法计算 Kendall 协调系数（专家少于 2 名，或每位专家对所有评分项给出的得分率都相同），"
            "专家评分一致性无法检验。"
        )
    else:
        reasons = []
        if kendall.w < rules["kendall_w_min"]:
            reasons.append(f"Kendall 协调系数 W = {kendall.w:.3f}，低于 {rules['kendall_w_min']:g}")
        if not kendall.p_value < rules["alpha"]:
            reasons.append(f"χ² 检验不显著（p = {kendall.p_value:.3f}，"
                           f"未达到 {rules['alpha']:g} 的显著性水平）")
        if reasons:
            messages.append(f"专家评分一致性较弱：{'；'.join(reasons)}。建议对分歧较大的评分项组织复议。")
    constant = experts.loc[experts["constant"], "expert_id"]
    if not constant.empty:
        messages.append(
            f"专家 {'、'.join(str(e) for e in constant)} 对全部 {n_items} 个评分项给出了相同的分数"
            f"或相同的得分率，其评分无法区分各项优劣，建议核实。"
        )
    for _, row in experts[experts["flagged"]].iterrows():
        messages.append(
            f"专家 {row['expert_id']} 在 {n_items} 个评分项中有 {row['n_outliers']} 项评分明显偏离"
            f"其他专家（偏离其他专家均值超过 {rules['outlier_z']:g} 倍标准差），超过评分项的 "
            f"{rules['outlier_share']:.0%}，建议复核其评分依据。"
        )
    return messages


def assess(
    expert_scores: pd.DataFrame,
    *,
    project_id: Any = None,
    ruleset: str | Path | RuleSet = "national",
    outlier_share: float = _OUTLIER_SHARE,
) -> ExAnteResult:
    """Assess one project from its expert panel's scores (a plain table; see also :func:`evaluate`).

    Parameters
    ----------
    expert_scores : pandas.DataFrame
        The dataset's long ``expert_scores`` table: ``project_id``, ``expert_id``, ``item_id``,
        ``score`` and optionally ``comment``; one row per expert and sub-item. Not modified.
    project_id : optional
        The project to assess. Without it the table must hold exactly one project.
    ruleset : str, Path or RuleSet, default "national"
        Supplies the framework (sub-items and points), the conclusion tiers, the veto rules and the
        panel rules (``panel`` section).
    outlier_share : float, default 1/3
        Warn about an expert whose scores are flagged as outliers on more than this share of the
        items: one odd score is a judgement, a third of them is a pattern worth a reviewer's look.

    Returns
    -------
    ExAnteResult

    Raises
    ------
    InputError
        Missing columns; an unknown project id (the message lists known ids); several projects and
        no ``project_id``. For the project's rows, every problem at once, each naming project,
        expert and item: an item not in the framework, a framework item an expert did not score,
        a non-numeric or empty score, a score outside ``[0, points]``, an item scored twice by an
        expert.

    Warns
    -----
    EvalkitWarning
        Each message of ``result.warnings`` once, prefixed with the project id: fewer experts than
        the rule set's ``min_experts``; weak agreement (W below ``kendall_w_min`` or χ² not
        significant at ``alpha``) or W not computable; experts who gave every item the same score
        or share; experts flagged as outliers on more than ``outlier_share`` of the items.

    Notes
    -----
    With ``s_i`` the panel score of sub-item i (see :func:`evalkit.panel.aggregate_panel`: the
    mean after dropping ``trim`` highest and lowest scores when more than ``trim_when_more_than``
    experts scored it, under the rule set's ``method``), ``P_i`` its points and ``d`` a dimension:

    .. math::

        D_d = \\sum_{i \\in d} s_i, \\quad T = \\sum_d D_d, \\quad
        \\text{share}_d = D_d / P_d, \\quad \\text{lost}_i = P_i - s_i.

    The conclusion is the tier whose half-open band ``[min, max)`` holds T. A veto rule
    ``(dimension, min_share)`` is triggered when ``share_d < min_share``; any triggered veto sets
    the conclusion to the lowest tier (不予支持) whatever T is. Comparisons with tier and veto lines
    allow 1e-9 for floating-point representation (an average such as 5.8 is not exact in binary).

    Agreement: Kendall's W (tie-corrected) over the expert × item matrix of score SHARES
    ``x_ij / P_i``, because items carry different points: ranking raw scores would rank an 8-point
    item above a 6-point one merely for its size. Agreement is good when ``W ≥ kendall_w_min`` and
    ``p < alpha`` (the rule set's bar; W ≥ 0.5 with a significant χ² is the common one).

    References
    ----------
    .. [1] DOMAIN.md §4, ex-ante assessment: five dimensions of sub-items, conclusion tiers by
       jurisdiction (e.g. 90/70 or 80/60), one-vote vetoes, trimmed panel means and Kendall's W.
    .. [2] Kendall, M. G. and Babington Smith, B. (1939). The problem of m rankings. *Annals of
       Mathematical Statistics* 10(3), 275–287.

    Examples
    --------
    Five experts (no trimming under the national rules, which trim only more than five): the i-th
    sub-item loses ``i mod 3`` points, and each expert takes half a point more off every other one.

    >>> import pandas as pd
    >>> items = framework("national")
    >>> rows = [("P1", f"E{k}", item, points - i % 3 - (k + i) % 2 / 2)
    ...         for k in range(1, 6)
    ...         for i, (item, points) in enumerate(zip(items["item_id"], items["points"]))]
    >>> scores = pd.DataFrame(rows, columns=["project_id", "expert_id", "item_id", "score"])
    >>> result = assess(scores)
    >>> round(result.total, 4), result.conclusion, result.vetoes, result.agreement_ok
    (81.2, '调整完善后予以支持', (), True)
    >>> result.dimensions["score"].round(4).tolist()
    [16.2, 16.3, 16.2, 16.3, 16.2]
    """
    result = _assess(expert_scores, project_id, load_ruleset(ruleset), outlier_share)
    warn(result.project_id, result.warnings)
    return result


def _assess(expert_scores: pd.DataFrame, project_id: Any, rs: RuleSet,
            outlier_share: float) -> ExAnteResult:
    """:func:`assess` without emitting the warnings (the caller emits them at its own level)."""
    panel_section = rs.section("panel")
    rules = {key: panel_section[key] for key in ("method", "trim_when_more_than", "trim",
                                                 "min_experts", "outlier_z", "kendall_w_min",
                                                 "alpha")}
    if not 0 < outlier_share <= 1:
        raise InputError(f"expected outlier_share in (0, 1], found {outlier_share!r}")
    rules["outlier_share"] = float(outlier_share)
    items = framework(rs)
    project_id, rows = _select_project(expert_scores, project_id)
    table = _validated(rows, project_id, items)

    with warnings.catch_warnings():
        # The panel module's own warnings are replaced by the Chinese ones below.
        warnings.simplefilter("ignore", EvalkitWarning)
        panel = aggregate_panel(
            table[["expert_id", "item_id", "score"]], method=rules["method"],
            trim_when_more_than=rules["trim_when_more_than"], trim=rules["trim"],
            outlier_z=rules["outlier_z"],
        )  # also rejects ids of mixed types, which cannot be sorted
        scores = table.pivot(index="expert_id", columns="item_id", values="score")
        scores = scores.sort_index()[list(items["item_id"])]  # expert × item, framework order
        shares = scores / items.set_index("item_id")["points"]
        kendall = _agreement(shares)

    per_item = items.drop(columns=["guidance", "dimension_points"]).merge(
        panel.items.drop(columns=["method"]).rename(columns={"aggregate": "score"}),
        on="item_id", how="left", validate="one_to_one",
    )
    per_item.insert(5, "lost", per_item["points"] - per_item["score"])
    per_item.insert(6, "share", per_item["score"] / per_item["points"])

    dimensions = (
        per_item.groupby("dimension", sort=False)[["points", "score"]].sum().reset_index()
    )
    dimensions["lost"] = dimensions["points"] - dimensions["score"]
    dimensions["share"] = dimensions["score"] / dimensions["points"]
    total = float(dimensions["score"].sum())

    tiers = rs.conclusion_tiers
    before = str(band_of([total + _LINE_TOLERANCE], tiers)[0])
    share_of = dict(zip(dimensions["dimension"], dimensions["share"], strict=True))
    veto_rules = rs.section("exante")["veto"]
    veto_checks = pd.DataFrame(
        {
            "dimension": [str(v["dimension"]) for v in veto_rules],
            "share": [share_of[v["dimension"]] for v in veto_rules],
            "min_share": [float(v["min_share"]) for v in veto_rules],
            "reason": [str(v.get("reason") or v["dimension"]) for v in veto_rules],
        },
        columns=["dimension", "share", "min_share", "reason"],
    )
    veto_checks["triggered"] = veto_checks["share"] + _LINE_TOLERANCE < veto_checks["min_share"]
    vetoes = tuple(veto_checks.loc[veto_checks["triggered"], "reason"])
    lowest = min(tiers, key=lambda band: band.low).label
    conclusion = lowest if vetoes else before

    constant = _constant_experts(shares, scores)
    experts = panel.experts.assign(
        constant=panel.experts["expert_id"].map(constant).astype(bool),
        flagged=panel.experts["share_outliers"] > outlier_share,
    )
    agreement_ok = bool(kendall is not None and kendall.w >= rules["kendall_w_min"]
                        and kendall.p_value < rules["alpha"])
    messages = _warnings(len(experts), len(items), kendall, experts, rules)

    panel_score = per_item.set_index("item_id")["score"]
    audit = items[["item_id", "dimension", "name", "points"]].merge(
        panel.scores.drop(columns=["n_others"]), on="item_id", how="left",
        validate="one_to_many",
    )
    audit.insert(0, "project_id", project_id)
    audit.insert(7, "share", audit["score"] / audit["points"])
    audit["panel_score"] = audit["item_id"].map(panel_score)
    audit = audit.merge(table[["expert_id", "item_id", "score_given", "points_given"]],
                        on=["expert_id", "item_id"], how="left", validate="one_to_one")

    return ExAnteResult(
        project_id=project_id,
        n_experts=len(experts),
        items=per_item,
        dimensions=dimensions[["dimension", "points", "score", "lost", "share"]],
        total=total,
        conclusion=conclusion,
        conclusion_before_veto=before,
        vetoes=vetoes,
        kendall=kendall,
        agreement_ok=agreement_ok,
        warnings=tuple(messages),
        audit=audit,
        comments=_comments(table, items),
        experts=experts,
        veto_checks=veto_checks,
        panel_rules=rules,
        ruleset=rs.to_record(),
    )


def _comments(table: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Non-empty comments, in framework order then expert id."""
    columns = ["expert_id", "item_id", "dimension", "comment"]
    if "comment" not in table.columns:
        return pd.DataFrame(columns=columns)
    text = table["comment"].astype(object).where(table["comment"].notna(), "")
    text = text.map(lambda c: str(c).strip())
    said = table.assign(comment=text)[text != ""]
    ordered = items[["item_id", "dimension"]].merge(
        said[["expert_id", "item_id", "comment"]].sort_values("expert_id", kind="stable"),
        on="item_id", how="inner",
    )
    return ordered[columns].reset_index(drop=True)


def assess_many(
    expert_scores: pd.DataFrame,
    *,
    ruleset: str | Path | RuleSet = "national",
    outlier_share: float = _OUTLIER_SHARE,
) -> pd.DataFrame:
    """Assess every project in the ``expert_scores`` table; one row per project.

    Parameters
    ----------
    expert_scores : pandas.DataFrame
        The long table of :func:`assess`, any number of projects.
    ruleset : str, Path or RuleSet, default "national"
    outlier_share : float, default 1/3
        As in :func:`assess`.

    Returns
    -------
    pandas.DataFrame
        One row per project in project-id order: ``project_id``, ``total``, ``conclusion``,
        ``vetoes`` (reasons joined by ``；``, ``""`` when none), ``n_experts``, ``kendall_w``,
        ``kendall_p`` (NaN when W cannot be computed), ``agreement_ok``, ``n_warnings``.

    Raises
    ------
    InputError
        The problems of every project at once (each project is validated as in :func:`assess`).

    Warns
    -----
    EvalkitWarning
        Each project's warnings, as in :func:`assess`.

    Notes
    -----
    Each project is assessed independently with :func:`assess` (see there for the formulas); a
    county has tens of ex-ante projects a year, so a loop is fast enough.

    References
    ----------
    .. [1] DOMAIN.md §4, ex-ante assessment.

    Examples
    --------
    >>> import pandas as pd
    >>> items = framework("national")
    >>> rows = [(p, f"E{k}", item, points - i % 3 - (k + i) % 2 / 2 - drop)
    ...         for p, drop in (("P1", 0.0), ("P2", 1.0))
    ...         for k in range(1, 6)
    ...         for i, (item, points) in enumerate(zip(items["item_id"], items["points"]))]
    >>> scores = pd.DataFrame(rows, columns=["project_id", "expert_id", "item_id", "score"])
    >>> assess_many(scores)[["project_id", "total", "conclusion"]]
      project_id  total conclusion
    0         P1   81.2  调整完善后予以支持
    1         P2   66.2       不予支持
    """
    return _assess_many(expert_scores, load_ruleset(ruleset), outlier_share)


def _assess_many(expert_scores: pd.DataFrame, rs: RuleSet, outlier_share: float) -> pd.DataFrame:
    _check_table(expert_scores)
    ids = _sorted_ids(pd.unique(expert_scores["project_id"].dropna().astype(object)))
    rows, problems = [], []
    unnamed = int(expert_scores["project_id"].isna().sum())
    if unnamed:
        problems.append(f"expert_scores: expected project_id filled in on every row, found "
                        f"{unnamed} row(s) without one")
    for project in ids:
        try:
            result = _assess(expert_scores, project, rs, outlier_share)
        except InputError as error:
            problems.append(str(error))
            continue
        warn(result.project_id, result.warnings, stacklevel=3)  # at the caller of assess_many
        kendall = result.kendall
        rows.append({
            "project_id": result.project_id, "total": result.total,
            "conclusion": result.conclusion, "vetoes": "；".join(result.vetoes),
            "n_experts": result.n_experts,
            "kendall_w": np.nan if kendall is None else kendall.w,
            "kendall_p": np.nan if kendall is None else kendall.p_value,
            "agreement_ok": result.agreement_ok, "n_warnings": len(result.warnings),
        })
    if problems:
        raise InputError("\n".join(problems))
    columns = ["project_id", "total", "conclusion", "vetoes", "n_experts", "kendall_w",
               "kendall_p", "agreement_ok", "n_warnings"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------------------------
# The stage protocol on a dataset
# --------------------------------------------------------------------------------------------


def evaluate(dataset: Dataset, project_id: Any, *,
             ruleset: str | Path | RuleSet = "national") -> ExAnteResult:
    """Assess one project of a dataset from its rows of the ``expert_scores`` table.

    Parameters
    ----------
    dataset : Dataset
        From :func:`evalkit.io.load_dataset` or :func:`evalkit.io.read_dataset`; it must hold an
        ``expert_scores`` table (专家评分).
    project_id : object
        The project to assess.
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    ExAnteResult

    Raises
    ------
    InputError
        A dataset without ``expert_scores``; anything :func:`assess` rejects (an unknown project
        lists the known ones).

    Warns
    -----
    EvalkitWarning
        As :func:`assess`.

    Notes
    -----
    ``assess(dataset.table("expert_scores"), project_id=project_id, ruleset=ruleset)``, with the
    default ``outlier_share``; see :func:`assess` for the formulas.

    References
    ----------
    .. [1] DOMAIN.md §4, ex-ante assessment.

    Examples
    --------
    The first ex-ante project of the sample county, scored by seven experts:

    >>> from evalkit.io import load_dataset
    >>> result = evaluate(load_dataset("sample"), "SQ-2021-001")
    >>> round(result.total, 4), result.conclusion, result.n_experts
    (93.0, '予以支持', 7)
    """
    rs = load_ruleset(ruleset)
    result = _assess(dataset.table("expert_scores"), project_id, rs, _OUTLIER_SHARE)
    warn(result.project_id, result.warnings)
    return result


def evaluate_many(dataset: Dataset, *,
                  ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """Assess every project of a dataset's ``expert_scores`` table; one row per project.

    Parameters
    ----------
    dataset : Dataset
        Holding an ``expert_scores`` table (the projects awaiting ex-ante assessment).
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`assess_many`, one row per project in project-id order.

    Raises
    ------
    InputError
        A dataset without ``expert_scores``; the problems of every project at once.

    Warns
    -----
    EvalkitWarning
        Each project's warnings, as in :func:`assess`.

    Notes
    -----
    ``assess_many(dataset.table("expert_scores"), ruleset=ruleset)``; see :func:`assess`.

    References
    ----------
    .. [1] DOMAIN.md §4, ex-ante assessment.

    Examples
    --------
    The sample county's ten ex-ante projects (two panels are warned about: weak agreement, an
    outlying expert):

    >>> import warnings
    >>> from evalkit.io import load_dataset
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     table = evaluate_many(load_dataset("sample"))
    >>> table[["project_id", "total", "conclusion", "vetoes"]].tail(3)
        project_id  total conclusion vetoes
    7  SQ-2021-008   62.0       不予支持
    8  SQ-2021-009   54.0       不予支持
    9  SQ-2021-010   80.0       不予支持  筹资不合规
    """
    return _assess_many(dataset.table("expert_scores"), load_ruleset(ruleset), _OUTLIER_SHARE)


# --------------------------------------------------------------------------------------------
# The rule-set section
# --------------------------------------------------------------------------------------------


def check_ruleset(section: Mapping[str, Any], fail: Callable[[str, str, object], None]) -> None:
    """Validate a rule set's ``exante`` section; ``fail(key, expected, found)`` raises.

    The rule-set checker of the stage protocol (:mod:`evalkit.stages`), which
    :func:`evalkit.rules.load_ruleset` runs on ``data["exante"]``; keys are dotted paths such as
    ``"exante.items[3].points"``. It stops at the first of these problems (a RuleSetError raised
    by ``fail``): a missing key of :data:`REQUIRED_KEYS`; conclusion tiers that are not
    contiguous half-open bands covering [0, ∞); dimension points that are not non-negative
    numbers summing to 100; sub-items that are not a non-empty list of mappings with ``item_id``,
    ``dimension``, ``name`` and ``points``, that repeat an id, name an unknown dimension, have
    points that are not > 0 or do not add up to their dimension's points; a veto naming an
    unknown dimension.

    References
    ----------
    .. [1] DOMAIN.md §4, ex-ante assessment: five dimensions of sub-items, conclusion tiers,
       one-vote vetoes.

    Examples
    --------
    >>> from evalkit.rules import failer, load_ruleset
    >>> section = dict(load_ruleset("national").data["exante"])
    >>> check_ruleset(section, failer("national.yaml"))
    >>> check_ruleset({**section, "veto": [{"dimension": "不存在", "min_share": 0.6}]},
    ...               failer("national.yaml"))
    Traceback (most recent call last):
    ...
    evalkit.errors.RuleSetError: rule set national.yaml: key 'exante.veto[0].dimension': expected one of ['实施方案可行性', '投入经济性', '立项必要性', '筹资合规性', '绩效目标合理性'], found '不存在'
    """
    require_keys(section, RULESET_SECTION, REQUIRED_KEYS, fail)
    bands(section["conclusion_tiers"], "exante.conclusion_tiers", "conclusion", fail)
    dims = section["dimensions"]
    check_sum([d.get("points") for d in dims], 100, "exante.dimensions (points)", fail)
    dim_names = {d.get("dimension") for d in dims}
    _check_items(section["items"], dims, fail)
    for i, veto in enumerate(section["veto"]):
        if veto.get("dimension") not in dim_names:
            fail(f"exante.veto[{i}].dimension", f"one of {sorted(dim_names)}",
                 veto.get("dimension"))


def _check_items(items: Any, dims: list[dict], fail: Callable[[str, str, object], None]) -> None:
    """Ex-ante sub-items: unique ids, known dimensions, points adding up to each dimension."""
    key = "exante.items"
    if not isinstance(items, list) or not items:
        fail(key, "a non-empty list of sub-items", items)
    points = {d.get("dimension"): 0.0 for d in dims}
    seen: set[str] = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not {"item_id", "dimension", "name", "points"} <= set(item):
            fail(f"{key}[{i}]", "a mapping with item_id, dimension, name and points", item)
        if item["item_id"] in seen:
            fail(f"{key}[{i}].item_id", "a unique item id", item["item_id"])
        seen.add(item["item_id"])
        if item["dimension"] not in points:
            fail(f"{key}[{i}].dimension", f"one of {list(points)}", item["dimension"])
        if not is_number(item["points"]) or item["points"] <= 0:
            fail(f"{key}[{i}].points", "a number > 0", item["points"])
        points[item["dimension"]] += item["points"]
    for dim in dims:
        if not math.isclose(points[dim["dimension"]], dim["points"], abs_tol=1e-9):
            fail(key, f"sub-items of {dim['dimension']} summing to {dim['points']}",
                 points[dim["dimension"]])
