"""Key-project evaluation (重点项目绩效评价): 决策 / 过程 / 产出 / 效益 → total → grade.

A third party evaluates a selected project against the 财预〔2020〕10号 reference framework
(DOMAIN.md §5). The framework is a three-level tree in the rule set's ``keyproject`` section; each
level-3 indicator names where its score comes from (``source``):

======================== =================================================================
``qualitative``          the evaluator's tier judgement (达成 / 部分达成 / 未达成 or an alias)
                         with an optional score (carried into the tier's range) and its evidence
``funds_in_place``       资金到位率 = 实际到位 / 预算 (projects table: received / budget)
``budget_execution``     预算执行率 = 实际支出 / 实际到位 (spent / received)
``sheet``                the project's indicator-sheet rows of one level-2 (数量指标 …), scored
                         by :func:`evalkit.scoring.score_indicators`
``sheet_or_qualitative`` sheet rows when the project has them, else the evaluator's judgement
``survey``               服务对象满意度 = 满意人数 / 有效样本 (:func:`evalkit.survey.analyze_survey`)
                         against the sheet's satisfaction target
======================== =================================================================

The stage protocol (:mod:`evalkit.stages`):

- :func:`framework` lists the rule set's framework (the indicator system of the report).
- :func:`evaluate` scores one project of a :class:`~evalkit.io.Dataset` — its ledger row,
  indicator sheet, judgements and survey — into a :class:`KeyProjectResult`: score sheet, level-1
  and level-2 subtotals, total, grade, lost points ranked, the problems list (存在问题) and the
  warnings a reviewer needs.
- :func:`evaluate_many` scores every project of the dataset that has judgements, one row each.
- :func:`check_ruleset` validates the rule set's ``keyproject`` section.

On plain tables: :func:`assess` scores one project from its row and its own tables.

Scores stay unrounded; the ``formula`` and ``problems`` texts show numbers with 2 decimals for the
working papers (底稿) and the report.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from evalkit.errors import EvalkitWarning, IndicatorTreeError, InputError, RuleSetError
from evalkit.indicators import IndicatorTree
from evalkit.rules import QualitativeTier, RuleSet, band_of, load_ruleset
from evalkit.scoring import SHEET_COLUMNS, score_indicators
from evalkit.stages.base import StageResult, known_ids, plain, project_row, require_keys, warn
from evalkit.survey import SurveyResult, analyze_survey
from evalkit.values import display_text, normalize_text, parse_value

if TYPE_CHECKING:
    from evalkit.io import Dataset

__all__ = ["REQUIRED_KEYS", "RULESET_SECTION", "SOURCES", "SOURCE_LABELS", "KeyProjectResult",
           "assess", "check_ruleset", "evaluate", "evaluate_many", "framework"]

#: The rule-set section this stage reads (besides ``scoring``, ``survey`` and the grades), and the
#: keys it must hold.
RULESET_SECTION = "keyproject"
REQUIRED_KEYS = ("framework", "min_output_benefit", "satisfaction_target")

#: How each leaf's score is obtained, as a report's indicator-system table says it.
SOURCE_LABELS = {
    "qualitative": "定性评价（评价人员判断，附佐证材料）",
    "funds_in_place": "台账：实际到位 ÷ 预算",
    "budget_execution": "台账：实际支出 ÷ 实际到位",
    "sheet": "绩效目标表：实际值与目标值比较",
    "sheet_or_qualitative": "绩效目标表；无对应指标时定性评价",
    "survey": "服务对象满意度调查",
}

#: Columns of :attr:`KeyProjectResult.sheet`, in order.
SHEET = ["code", "level1", "level2", "name", "weight", "source", "applicable", "effective_weight",
         "value", "ratio", "score", "lost", "formula", "tier", "evidence", "note"]
#: Level-1 names (prefixes) whose weights must reach ``min_output_benefit`` (DOMAIN.md §5).
_OUTPUT_BENEFIT = ("产出", "效益")
#: Sheet rows whose level-1 or level-2 name holds this word set the satisfaction target.
_SATISFACTION = "满意度"
#: Sheet level-2 names holding this word are cost rows: their ≤ rows report a saving rate.
_COST = "成本"
#: Below this many points an indicator counts as having lost nothing (float noise of sums).
_NOTHING_LOST = 1e-9
#: Tolerance, in points, when checking a judged score against [0, weight].
_RANGE_TOLERANCE = 1e-9


# --------------------------------------------------------------------------------------------
# Framework
# --------------------------------------------------------------------------------------------


def framework(ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """The key-project framework of a rule set: one row per level-3 indicator, in order.

    Parameters
    ----------
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    pandas.DataFrame
        ``code``, ``level1_code``, ``level1``, ``level1_weight``, ``level2_code``, ``level2``,
        ``level2_weight``, ``name``, ``weight`` (points), ``source`` and ``sheet_level2`` (the
        indicator-sheet level-2 name a sheet-sourced indicator reads, ``""`` for the others).

    Raises
    ------
    RuleSetError
        A ``sheet`` or ``sheet_or_qualitative`` indicator without its ``level2``.

    Notes
    -----
    The leaf attribute ``level2`` of the rule set (the sheet's level-2 name) is returned as
    ``sheet_level2``; ``level2`` is the framework's own level-2 name (产出数量 …).

    References
    ----------
    .. [1] 财预〔2020〕10号, 项目支出绩效评价管理办法, reference framework; DOMAIN.md §5.

    Examples
    --------
    >>> fw = framework()
    >>> fw.groupby("level1", sort=False)["weight"].sum().to_dict()
    {'决策': 15.0, '过程': 20.0, '产出': 35.0, '效益': 30.0}
    >>> fw.loc[fw["code"] == "C11", ["level2", "name", "source", "sheet_level2"]]
       level2   name source sheet_level2
    11   产出数量  实际完成率  sheet         数量指标
    """
    rs = load_ruleset(ruleset)
    tree = IndicatorTree.from_records(rs.section("keyproject")["framework"])
    rows = []
    for l1 in tree.roots:
        for l2 in l1.children:
            for leaf in l2.children:
                source = str(leaf.attrs.get("source", ""))
                sheet_level2 = normalize_text(leaf.attrs.get("level2"))
                if source in ("sheet", "sheet_or_qualitative") and not sheet_level2:
                    raise RuleSetError(
                        f"rule set {rs.source}: key 'keyproject.framework' ({leaf.code} "
                        f"{leaf.name}): expected a level2 (indicator-sheet level-2 name) for "
                        f"source {source}, found none")
                rows.append({"code": leaf.code, "level1_code": l1.code, "level1": l1.name,
                             "level1_weight": l1.weight, "level2_code": l2.code, "level2": l2.name,
                             "level2_weight": l2.weight, "name": leaf.name, "weight": leaf.weight,
                             "source": source, "sheet_level2": sheet_level2})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyProjectResult(StageResult):
    """One project's key-project evaluation, unrounded (a :class:`~evalkit.stages.StageResult`).

    Attributes
    ----------
    project_id : object
    project : dict
        The project's row as given (name, unit, budget, received, spent, note …).
    sheet : pandas.DataFrame
        One row per framework indicator, columns :data:`SHEET`: ``weight`` (framework points),
        ``applicable``, ``effective_weight`` (after rescaling for not-applicable indicators),
        ``value`` (the computed rate: 资金到位率, 预算执行率, the sheet rows' weighted achievement,
        the satisfaction rate, the qualitative share), ``ratio`` (scoring ratio in [0, 1]),
        ``score = ratio × effective_weight``, ``lost``, ``formula`` (Chinese, with the numbers),
        ``tier`` (qualitative tier), ``evidence`` and ``note``.
    level1, level2 : pandas.DataFrame
        Subtotals in framework order: ``code``, ``name`` (level2 also ``level1``), ``weight``,
        ``effective_weight``, ``score``, ``lost``, ``rate`` (score / effective weight).
    total : float
    grade : str
        The rule set's half-open band holding the total.
    lost_ranked : pandas.DataFrame
        Indicators that lost points, most first: ``code``, ``level1``, ``name``,
        ``effective_weight``, ``score``, ``lost``, ``ratio``, ``formula``.
    problems : tuple of str
        存在问题, in Chinese: one sentence per indicator that lost points (most first, with its
        formula as the cause), then the data problems found by the checks (over-budget funds
        without explanation, missing evidence, no or too small a survey, missing actual values,
        over-achieved targets).
    warnings : tuple of str
        Messages for the reviewer, also emitted as :class:`~evalkit.errors.EvalkitWarning`.
    not_applicable : tuple of str
        Codes of the indicators dropped (their points rescaled onto the others).
    indicator_rows : pandas.DataFrame
        The project's indicator-sheet rows used by the framework, as scored by
        :func:`~evalkit.scoring.score_indicators`, with ``code`` (the framework indicator),
        ``saving_rate`` (成本节约率 of cost rows with a ≤ comparator, NaN otherwise) and
        ``explanation`` (the sheet's 偏差原因分析及改进措施, ``""`` when none).
    survey : SurveyResult or None
    satisfaction_target : float
        The satisfaction rate that earns full marks (from the sheet, else the rule set).
    ruleset : dict
        ``ruleset_id``, ``ruleset_version``, ``ruleset_sha256``.
    """

    project_id: Any
    project: dict
    sheet: pd.DataFrame
    level1: pd.DataFrame
    level2: pd.DataFrame
    total: float
    grade: str
    lost_ranked: pd.DataFrame
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    not_applicable: tuple[str, ...]
    indicator_rows: pd.DataFrame
    survey: SurveyResult | None
    satisfaction_target: float
    ruleset: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The score sheet (one row per framework indicator)."""
        return self.sheet

    def weight_components(self) -> pd.DataFrame:
        """Level-2 indicators (项目立项 …) with their level-1's framework weight; see
        :meth:`evalkit.stages.base.StageResult.weight_components`."""
        nominal = self.level1.set_index("name")["weight"]
        out = self.level2[["level1", "name", "effective_weight", "score"]].rename(
            columns={"name": "level2", "effective_weight": "weight"})
        out.insert(2, "level1_weight", out["level1"].map(nominal).astype(float))
        return out.reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable record (floats unrounded).

        Keys: ``project_id``, ``project_name``, ``total``, ``grade``, ``level1_scores`` and
        ``level1_rates`` ({name: value}), ``not_applicable``, ``satisfaction`` (``rate``,
        ``ci_low``, ``ci_high``, ``confidence``, ``n_valid``, ``meets_min_sample``, ``target``;
        None without a survey), ``problems``, ``warnings``, ``ruleset_id``, ``ruleset_version``,
        ``ruleset_sha256``.
        """
        s = self.survey
        satisfaction = None if s is None else {
            "rate": _json_float(s.rate), "ci_low": _json_float(s.ci_low),
            "ci_high": _json_float(s.ci_high), "confidence": s.confidence,
            "n_valid": s.n_valid_respondents, "meets_min_sample": s.meets_min_sample,
            "target": self.satisfaction_target,
        }
        return {
            "project_id": plain(self.project_id),
            "project_name": str(self.project.get("project_name", "")),
            "total": float(self.total),
            "grade": self.grade,
            "level1_scores": {str(n): float(v) for n, v in
                              zip(self.level1["name"], self.level1["score"], strict=True)},
            "level1_rates": {str(n): _json_float(v) for n, v in
                             zip(self.level1["name"], self.level1["rate"], strict=True)},
            "not_applicable": list(self.not_applicable),
            "satisfaction": satisfaction,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            **self.ruleset,
        }

    def _html_facts(self) -> list[tuple[str, object]]:
        return [("项目", f"{self.project_id} {self.project.get('project_name', '')}"),
                ("综合得分", f"{self.total:.2f}"), ("评价等级", self.grade)]

    def _html_notes(self) -> list[tuple[str, object]]:
        na = [("不适用", "、".join(self.not_applicable))] if self.not_applicable else []
        return na + [("提示", message) for message in self.warnings]

    def _html_tables(self) -> list[pd.DataFrame]:
        return [self.level1, self.sheet.drop(columns=["formula"])]


def _json_float(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def _number(cell: object, units: tuple[str, ...]) -> float | None:
    """A plain number (NaN for a blank), or None when the cell is not one."""
    try:
        parsed = parse_value(cell)
    except InputError:
        return None
    return parsed.value if parsed.comparator is None and parsed.unit in units else None


class _Ledger(NamedTuple):
    """The project's ledger figures (万元) and its explanation (说明)."""

    budget: float
    received: float
    spent: float
    note: str


def _project(project: pd.Series | Mapping[str, Any]) -> tuple[Any, dict, _Ledger]:
    """The project id, its row as a dict and its checked ledger figures."""
    if isinstance(project, pd.Series):
        record = project.to_dict()
    elif isinstance(project, Mapping):
        record = dict(project)
    else:
        raise InputError(f"expected the project's row (a Series or mapping), found "
                         f"{type(project).__name__}")
    if normalize_text(record.get("project_id")) == "":
        raise InputError(f"project: expected a project_id, found {record.get('project_id')!r}")
    pid = plain(record["project_id"])
    problems, amounts = [], {}
    for key, label in (("budget", "预算数"), ("received", "到位数"), ("spent", "执行数")):
        value = _number(record.get(key), ("", "万元"))
        if value is None or not value >= 0:
            problems.append(f"project {pid}: expected {label} ({key}) as a number ≥ 0, found "
                            f"{record.get(key)!r}")
        amounts[key] = value
    if not problems and amounts["budget"] == 0:
        problems.append(f"project {pid}: expected 预算数 (budget) > 0, the denominator of "
                        f"资金到位率, found 0")
    if not problems and amounts["spent"] > amounts["received"]:
        problems.append(f"project {pid}: expected 执行数 (spent) ≤ 到位数 (received), found spent "
                        f"{amounts['spent']:g} > received {amounts['received']:g}")
    if problems:
        raise InputError("\n".join(problems))
    return pid, record, _Ledger(amounts["budget"], amounts["received"], amounts["spent"],
                                display_text(record.get("note")))


def _own(table: pd.DataFrame | None, pid: Any, name: str) -> pd.DataFrame | None:
    """The table when every row belongs to the project (None stays None)."""
    if table is None:
        return None
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"{name}: expected a DataFrame, found {type(table).__name__}")
    if "project_id" in table.columns:
        others = [plain(p) for p in pd.unique(table["project_id"].astype(object)) if p != pid]
        if others:
            raise InputError(f"{name}: expected rows of project {pid!r} only (filter the table or "
                             f"use evaluate), found rows of {known_ids(others)}")
    return table


class _Judgement(NamedTuple):
    """An evaluator's checked judgement of one indicator."""

    tier: QualitativeTier
    score: float  # points judged, NaN when only the tier was given
    share: float
    evidence: str
    note: str


def _both(zh_where: str, zh: str, where: str, en: str) -> str:
    """A problem in Chinese with the English in brackets (as evalkit's other messages)."""
    return f"{zh_where}：{zh}（{where}: {en}）"


def _judgements(table: pd.DataFrame | None, fw: pd.DataFrame, rs: RuleSet,
                pid: Any) -> dict[str, _Judgement]:
    """Check the judgements against the framework and tiers; every problem at once."""
    leaves = fw.set_index("code")
    judgeable = set(fw.loc[fw["source"].isin(["qualitative", "sheet_or_qualitative"]), "code"])
    tiers = {name: t for t in rs.qualitative_tiers for name in (t.tier, *t.aliases)}
    spelled = "、".join(tiers)
    table = pd.DataFrame(columns=["indicator_id", "tier"]) if table is None else table
    missing = [c for c in ("indicator_id", "tier") if c not in table.columns]
    if missing:
        raise InputError(f"judgements of project {pid}: expected columns indicator_id and tier, "
                         f"missing {missing}")
    problems, out, named = [], {}, set()
    for idx, row in table.iterrows():
        code = normalize_text(row["indicator_id"])
        where = f"project {pid}, judgement row {idx!r}, indicator {code or '(blank)'}"
        zh_where = f"项目 {pid}，定性评价第 {idx!r} 行，指标 {code or '（空白）'}"
        if code not in leaves.index:
            codes = ", ".join(leaves.index)
            problems.append(_both(
                zh_where, f"应为评价框架中的编码（{codes}），实际为 {row['indicator_id']!r}",
                where, f"expected a framework code ({codes}), found {row['indicator_id']!r}"))
            continue
        leaf = leaves.loc[code]
        where += f" ({leaf['name']})"
        zh_where += f"（{leaf['name']}）"
        if code in named:
            problems.append(_both(
                zh_where, "每个指标只应有一条定性评价，实际出现第二条",
                where, "expected one judgement per indicator, found a second one"))
            continue
        named.add(code)
        if code not in judgeable:
            problems.append(_both(
                zh_where, f"只对定性指标作定性评价，该指标由 {leaf['source']} 计算",
                where, f"expected judgements only for qualitative indicators, found one for an "
                       f"indicator computed from {leaf['source']}"))
            continue
        tier = tiers.get(normalize_text(row["tier"]))
        if tier is None:
            problems.append(_both(
                zh_where, f"应为评价等级（{spelled}），实际为 {row['tier']!r}",
                where, f"expected a tier ({spelled}), found {row['tier']!r}"))
            continue
        weight = float(leaf["weight"])
        score = _number(row.get("score"), ("", "分"))
        if score is None:
            problems.append(_both(
                zh_where, f"得分应为分数（或空白），实际为 {row.get('score')!r}",
                where, f"expected a score in points (or a blank), found {row.get('score')!r}"))
            continue
        if not math.isnan(score) and not -_RANGE_TOLERANCE <= score <= weight + _RANGE_TOLERANCE:
            problems.append(_both(
                zh_where, f"得分应在 0 至分值 {weight:g} 之间，实际为 {score:g}",
                where, f"expected a score in [0, {weight:g}] points, found {score:g}"))
            continue
        share = tier.carry(score / weight if not math.isnan(score) and weight > 0 else math.nan)
        out[code] = _Judgement(tier, score, share, display_text(row.get("evidence")),
                               display_text(row.get("note")))
    for code in fw.loc[fw["source"] == "qualitative", "code"]:
        if code not in named:
            name = leaves.loc[code, "name"]
            problems.append(f"项目 {pid}：定性指标 {code}（{name}）缺少定性评价（project {pid}: "
                            f"expected a judgement for qualitative indicator {code} ({name}), "
                            f"found none）")
    if problems:
        raise InputError("\n".join(problems))
    return out


# --------------------------------------------------------------------------------------------
# Scoring one indicator
# --------------------------------------------------------------------------------------------


class _Leaf(NamedTuple):
    """How one framework indicator was scored (before rescaling)."""

    applicable: bool
    value: float = math.nan
    ratio: float = math.nan
    formula: str = ""
    tier: str = ""
    evidence: str = ""
    note: str = ""


@dataclass
class _Context:
    """What the indicator scorers read, and the problems and warnings they report."""

    ledger: _Ledger
    rows: Mapping[str, list[SimpleNamespace]]  # scored sheet rows by framework code
    judgements: dict[str, _Judgement]
    survey: SurveyResult | None
    target: float
    target_source: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _money(x: float) -> str:
    return f"{x:.2f}"


def _pct(x: float) -> str:
    return f"{x:.2%}"


def _funds_in_place(leaf: Mapping[str, Any], ctx: _Context) -> _Leaf:
    budget, received = ctx.ledger.budget, ctx.ledger.received
    rate = received / budget
    formula = f"实际到位 {_money(received)} / 预算 {_money(budget)} = {_pct(rate)}"
    if rate <= 1:
        return _Leaf(True, rate, rate, formula)
    if ctx.ledger.note:
        return _Leaf(True, rate, 1.0, formula + "，超过预算部分已说明，按 100% 计分",
                     note=f"资金到位数超过预算数，项目说明：{ctx.ledger.note}")
    message = (f"资金到位数超过预算数且未说明原因（{formula}），按 100% 计分，"
               f"需补充说明超预算到位的依据")
    ctx.problems.append(message + "。")
    ctx.warnings.append(message + "。")
    return _Leaf(True, rate, 1.0, formula + "，超过预算且未说明，按 100% 计分",
                 note="资金到位数超过预算数且未说明原因")


def _budget_execution(leaf: Mapping[str, Any], ctx: _Context) -> _Leaf:
    received, spent = ctx.ledger.received, ctx.ledger.spent
    if received == 0:
        ctx.problems.append("资金未到位（实际到位 0.00），预算执行率无法计算，该指标按 0 分计。")
        return _Leaf(True, math.nan, 0.0, "实际到位 0.00，预算执行率无法计算，按 0 分计",
                     note="资金未到位")
    rate = spent / received
    return _Leaf(True, rate, rate, f"实际支出 {_money(spent)} / 实际到位 {_money(received)} = "
                                   f"{_pct(rate)}")


def _qualitative(leaf: Mapping[str, Any], ctx: _Context) -> _Leaf:
    judgement = ctx.judgements[leaf["code"]]
    tier, weight = judgement.tier, float(leaf["weight"])
    band = f"{tier.tier}（得分区间 {tier.low:.0%}–{tier.high:.0%}）"
    if math.isnan(judgement.score):
        formula = f"评价等级 {band}，按默认得分率 {tier.default:.0%}"
    else:
        formula = f"评价等级 {band}，评定得分 {judgement.score:.2f} / 分值 {weight:.2f}"
        given = judgement.score / weight if weight > 0 else 0.0
        if abs(given - judgement.share) > 1e-12:
            formula += (f" = {_pct(given)}，超出本规则集该等级区间，按区间端点 "
                        f"{_pct(judgement.share)} 计分")
        else:
            formula += f" = {_pct(judgement.share)}"
    if not judgement.evidence:
        message = f"“{leaf['name']}”（{leaf['code']}）的定性评价缺少佐证材料。"
        ctx.problems.append(message)
        ctx.warnings.append(message)
    return _Leaf(True, judgement.share, judgement.share, formula, tier.tier, judgement.evidence,
                 judgement.note)


def _row_text(row: SimpleNamespace) -> str:
    """One scored sheet row in words: target, actual, rule, ratio (and saving rate)."""
    if not row.applicable:
        return f"{row.name} 不适用"
    if row.comparator == "定性":
        return f"{row.name}：{row.rule}，得分率 {_pct(row.ratio)}"
    unit = row.unit or ""
    actual = "未填报，按 0 分计" if row.missing_actual else f"{row.actual:g}{unit}"
    ratio = (f"完成 {_pct(row.ratio)}，按 100% 计分" if row.ratio > 1
             else f"得分率 {_pct(row.ratio)}")
    text = f"{row.name} 目标 {row.comparator}{row.target:g}{unit}，实际 {actual}，{row.rule}，{ratio}"
    if not math.isnan(row.saving_rate):
        text += (f"；成本节约率 = (计划 {row.target:g} − 实际 {row.actual:g}) / 计划 "
                 f"{row.target:g} = {_pct(row.saving_rate)}")
    return text


def _from_sheet(leaf: Mapping[str, Any], ctx: _Context) -> _Leaf | None:
    """The leaf's sheet rows as a weighted achievement rate; None when it has no applicable row."""
    rows = ctx.rows.get(leaf["code"], [])
    used = [row for row in rows if row.applicable]
    weight = sum(row.effective_weight for row in used)
    if not used or weight <= 0:
        return None
    points = sum(row.score for row in used)
    value = points / weight
    formula = "；".join(_row_text(row) for row in rows)
    if len(used) > 1:
        formula += f"；按指标表分值加权：得分 {points:.2f} / 分值 {weight:.2f} = {_pct(value)}"
    for row in used:
        if row.missing_actual:
            ctx.problems.append(f"指标“{row.name}”（{row.indicator_id}）未填报实际完成值，按 0 分计。")
        if row.over_achieved:
            ctx.problems.append(f"指标“{row.name}”（{row.indicator_id}）实际完成值为目标值的 "
                                f"{row.actual / row.target:.0%}，超额完成较多，目标值设定可能偏低，"
                                f"需说明原因。")
    evidence = "、".join(dict.fromkeys(e for e in (display_text(r.evidence) for r in rows) if e))
    return _Leaf(True, value, value, formula, evidence=evidence)


def _sheet(leaf: Mapping[str, Any], ctx: _Context) -> _Leaf:
    scored = _from_sheet(leaf, ctx)
    if scored is not None:
        return scored
    return _Leaf(False, note=f"指标表未设置适用的{leaf['sheet_level2']}，该指标不适用")


def _sheet_or_qualitative(leaf: Mapping[str, Any], ctx: _Context) -> _Leaf:
    scored = _from_sheet(leaf, ctx)
    judged = leaf["code"] in ctx.judgements
    if scored is not None:
        note = "已按指标表计分，定性评价未采用" if judged else ""
        return scored._replace(note=note)
    if judged:
        return _qualitative(leaf, ctx)
    return _Leaf(False, note=f"指标表未设置适用的{leaf['sheet_level2']}，且无定性评价，该指标不适用")


def _survey(leaf: Mapping[str, Any], ctx: _Context) -> _Leaf:
    s = ctx.survey
    if s is None:
        ctx.problems.append("未开展满意度调查，服务对象满意度指标不适用，其分值按比例分配至其他指标。")
        return _Leaf(False, note="未开展满意度调查")
    if s.n_valid_respondents == 0:
        ctx.problems.append("满意度调查没有有效答卷，服务对象满意度指标不适用。")
        return _Leaf(False, note="满意度调查无有效答卷")
    ratio = min(s.rate / ctx.target, 1.0)
    formula = (f"满意人数 {s.n_satisfied} / 有效样本 {s.n_valid_respondents} = {_pct(s.rate)}；"
               f"目标值 {ctx.target:.0%}（{ctx.target_source}），得分率 = min({_pct(s.rate)} / "
               f"{ctx.target:.0%}, 1) = {_pct(ratio)}")
    if not s.meets_min_sample:
        ctx.problems.append(f"满意度调查有效样本 {s.n_valid_respondents} 人，少于规则集要求的 "
                            f"{s.min_sample} 人，样本量不足，满意度结果代表性有限。")
    return _Leaf(True, s.rate, ratio, formula, evidence=f"满意度调查问卷 {s.n_respondents} 份")


_SCORERS: dict[str, Callable[[Mapping[str, Any], _Context], _Leaf]] = {
    "qualitative": _qualitative, "funds_in_place": _funds_in_place,
    "budget_execution": _budget_execution, "sheet": _sheet,
    "sheet_or_qualitative": _sheet_or_qualitative, "survey": _survey,
}


# --------------------------------------------------------------------------------------------
# The indicator sheet and the survey
# --------------------------------------------------------------------------------------------


#: Column types of an empty score sheet (a project without indicator rows).
_EMPTY_DTYPES = {**dict.fromkeys(["target", "actual", "weight", "effective_weight", "ratio", "score",
                                  "lost"], float),
                 **dict.fromkeys(["applicable", "over_achieved", "missing_actual"], bool)}


def _scored_sheet(indicators: pd.DataFrame | None, fw: pd.DataFrame, pid: Any,
                  rs: RuleSet) -> pd.DataFrame:
    """The project's sheet scored, with the framework ``code`` of each row and its saving rate."""
    if indicators is None or indicators.empty:
        sheet = pd.DataFrame({c: pd.Series(dtype=_EMPTY_DTYPES.get(c, object))
                              for c in SHEET_COLUMNS})
    else:
        table = indicators if "project_id" in indicators else indicators.assign(project_id=pid)
        sheet = score_indicators(table, ruleset=rs).sheet
        if "explanation" in table:
            # display text: kept as written (no NFKC folding of its punctuation)
            said = dict(zip(table["indicator_id"],
                            table["explanation"].fillna("").astype(str).str.strip(), strict=True))
            sheet = sheet.assign(explanation=sheet["indicator_id"].map(said).fillna(""))
    by_level2 = dict(zip(fw["sheet_level2"], fw["code"], strict=True))
    by_level2.pop("", None)
    code = sheet["level2"].map(lambda v: by_level2.get(normalize_text(v), "")).astype(object)
    cost = code.isin(set(fw.loc[fw["sheet_level2"].str.contains(_COST), "code"]))
    target = pd.to_numeric(sheet["target"]).to_numpy(dtype=float)
    actual = pd.to_numeric(sheet["actual"]).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        saving = np.where((cost & (sheet["comparator"] == "≤")).to_numpy() & (target > 0),
                          (target - actual) / target, np.nan)
    if "explanation" not in sheet:
        sheet = sheet.assign(explanation="")
    return sheet.assign(code=code.to_numpy(), saving_rate=saving)


def _satisfaction_target(sheet: pd.DataFrame, rs: RuleSet) -> tuple[float, str]:
    """The satisfaction rate earning full marks: the sheet's first ≥ satisfaction target, else
    the rule set's ``satisfaction_target``."""
    named = (sheet["level1"].astype(str).str.contains(_SATISFACTION)
             | sheet["level2"].astype(str).str.contains(_SATISFACTION))
    rows = sheet[named & (sheet["comparator"] == "≥")
                 & (pd.to_numeric(sheet["target"]) > 0)]
    if rows.empty:
        return float(rs.section("keyproject")["satisfaction_target"]), "规则集默认值"
    row = rows.iloc[0]
    target = float(row["target"])
    share = target / 100 if row["unit"] == "%" or target > 1 else target
    return share, f"指标表“{row['name']}”"


def _survey_result(survey: pd.DataFrame | None, pid: Any, rs: RuleSet) -> SurveyResult | None:
    """The survey analysed with its own warnings held back (the evaluation re-emits them once)."""
    if survey is None or survey.empty:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        return analyze_survey(survey, project_id=pid if "project_id" in survey else None,
                              ruleset=rs)


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


def _rescale(weight: np.ndarray, applicable: np.ndarray) -> np.ndarray:
    """Effective weights: not-applicable indicators dropped, the rest scaled to the same total."""
    kept = weight[applicable].sum()
    return np.where(applicable, weight * weight.sum() / kept, 0.0)


def _subtotals(sheet: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    sums = ["weight", "effective_weight", "score", "lost"]
    out = sheet.groupby(keys, sort=False)[sums].sum().reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = out["score"] / out["effective_weight"]
    return out


def _lost_problem(row: Any) -> str:
    """One 存在问题 sentence for an indicator that lost points, its formula as the cause."""
    text = (f"{row.level1}—“{row.name}”扣 {row.lost:.2f} 分（满分 {row.effective_weight:.2f} 分，"
            f"得分率 {_pct(row.ratio)}）：{row.formula}")
    return text + (f"；{row.note}" if row.note else "") + "。"


def assess(
    project: pd.Series | Mapping[str, Any],
    indicators: pd.DataFrame | None,
    judgements: pd.DataFrame | None,
    survey: pd.DataFrame | None = None,
    *,
    ruleset: str | Path | RuleSet = "national",
) -> KeyProjectResult:
    """Evaluate one key project against the rule set's framework, from its row and own tables.

    The table-level counterpart of :func:`evaluate`, which selects these from a dataset.

    Parameters
    ----------
    project : Series or mapping
        The project's row of the projects table: ``project_id``, ``budget``, ``received``,
        ``spent`` (万元) and optionally ``note`` (说明), ``project_name``, ``unit_name`` ….
    indicators : DataFrame or None
        The project's indicator sheet (rows of the indicators table; raw Excel text is parsed).
    judgements : DataFrame or None
        The evaluator's judgements: ``indicator_id`` (a framework code such as ``A11``),
        ``tier``, optional ``score`` (points), ``evidence``, ``note``.
    survey : DataFrame, optional
        The project's survey answers (see :func:`evalkit.survey.analyze_survey`).
    ruleset : str, Path or RuleSet, default "national"
        Supplies the framework, ``min_output_benefit``, ``satisfaction_target``, the qualitative
        tiers, the indicator scoring conventions, the survey rules and the grade bands.

    Returns
    -------
    KeyProjectResult

    Raises
    ------
    InputError
        Ledger figures missing or negative, a zero budget, or spent > received (naming the
        project and both numbers); tables holding rows of another project. For judgements, every
        problem at once, each naming the project, row and code: an unknown code, a second
        judgement of a code, a judgement of a computed indicator, an unknown tier, a score outside
        [0, weight] (the weight and score named), a missing judgement for a
        qualitative indicator. Indicator rows that scoring rejects.

    Warns
    -----
    EvalkitWarning
        Each message of ``result.warnings`` once, prefixed with the project id: 产出 + 效益
        weights below ``min_output_benefit``; funds received above the budget with no note;
        a judgement without evidence; sheet rows outside the framework; the survey's invalid
        answers and too small a sample.

    Notes
    -----
    Each indicator ``i`` of weight ``w_i`` gets a ratio ``r_i ∈ [0, 1]``; with ``A`` the
    applicable indicators, ``w'_i = w_i · Σ_j w_j / Σ_{j∈A} w_j`` (not-applicable indicators are
    dropped and the others rescaled to the framework's total, as
    :func:`~evalkit.scoring.score_indicators` does for a sheet), ``s_i = r_i · w'_i``,
    ``lost_i = w'_i − s_i`` and the total ``T = Σ s_i``; the grade is the rule set's half-open
    band holding T. By source:

    - ``funds_in_place``: 资金到位率 ``v = received / budget``, ``r = min(v, 1)``. Received above
      the budget scores 1 either way; with no 说明 (``note``) it is also listed as a problem
      "资金到位数超过预算数且未说明原因" and warned about, so it is never silently accepted.
    - ``budget_execution``: 预算执行率 ``v = spent / received``, ``r = v`` (spent > received is an
      error); nothing received gives ``r = 0`` and a problem.
    - ``sheet``: the sheet rows whose level-2 is the indicator's ``level2``, each scored by
      :func:`~evalkit.scoring.score_indicators` (``score_k = clip(ratio_k, 0, 1) · w_k``), give
      ``v = r = Σ score_k / Σ w_k`` over applicable rows (a weighted achievement rate). The
      official formulas map as: 实际完成率 = 实际产出 / 计划产出 is the ≥ rule on 数量指标 rows
      (actual / target, capped at 1); 质量达标率 the same rule on 质量指标 rows (达标产出 / 实际产出
      is typically typed as a % actual against a % target); 完成及时性 the ≤ rule on 时效指标 rows
      (days or dates; convention A target / actual or B linear); 成本节约率 =
      (计划成本 − 实际成本) / 计划成本 is reported for ≤ rows of a 成本 level-2
      (``indicator_rows.saving_rate``, negative for an overrun) while the ratio comes from the
      ≤ rule. No applicable row: the indicator is not applicable.
    - ``sheet_or_qualitative``: the sheet rows if any, else the judgement, else not applicable.
    - ``qualitative``: the judgement's share ``score / w`` carried into the tier's range,
      ``min(max(score / w, low), high)`` (:meth:`~evalkit.rules.QualitativeTier.carry`: the named
      tier is the rule-set-independent fact, so a fixed-value tier scores its value and a share
      outside a ranged tier scores the range's nearest end, said in the formula), else the
      tier's default share; a score outside ``[0, w]`` is an error. Blank evidence is a problem
      ("缺少佐证材料") and a warning.
    - ``survey``: satisfaction rate ``p`` (:func:`~evalkit.survey.analyze_survey`),
      ``r = min(p / target, 1)`` with the target of the sheet's first ≥ satisfaction row
      (level-1 or level-2 name containing 满意度; a target typed in % or above 1 is divided by
      100) or else the rule set's ``satisfaction_target``. No survey, or no valid answer: not
      applicable, with a problem. A valid sample below ``survey.min_sample``: a problem.

    The 产出 + 效益 check sums the weights of the level-1 indicators whose names start with
    产出 or 效益.

    References
    ----------
    .. [1] 财政部《项目支出绩效评价管理办法》（财预〔2020〕10号）, reference framework of
       indicators; DOMAIN.md §5 (产出 + 效益 ≥ 60 points, report outline) and §3 (scoring rules,
       qualitative tiers, not-applicable rescaling, grade bands).

    Examples
    --------
    >>> import pandas as pd
    >>> fw = framework()
    >>> qualitative = fw.loc[fw["source"] == "qualitative", "code"]
    >>> judgements = pd.DataFrame({"indicator_id": qualitative, "tier": "达成", "evidence": "ZJ-1"})
    >>> sheet = pd.DataFrame({"indicator_id": ["I1", "I2"], "level1": ["产出指标", "效益指标"],
    ...     "level2": ["数量指标", "社会效益指标"], "name": ["新建安居房", "住房安全保障率"],
    ...     "comparator": "≥", "target": [5000, 100], "weight": [50, 30], "actual": [4800, 100]})
    >>> project = {"project_id": "P1", "budget": 1000, "received": 950, "spent": 900}
    >>> result = assess(project, sheet, judgements)
    >>> result.sheet.set_index("code").loc[["B11", "B12", "C11"], "formula"].tolist()
    ['实际到位 950.00 / 预算 1000.00 = 95.00%', '实际支出 900.00 / 实际到位 950.00 = 94.74%', '新建安居房 目标 ≥5000，实际 4800，正向指标，按实际值与目标值之比计分，得分率 96.00%']
    >>> round(result.total, 4), result.grade, result.not_applicable
    (98.4707, '优', ('C21', 'C31', 'C41', 'D11', 'D13', 'D14', 'D15'))
    """
    result = _assess(project, indicators, judgements, survey, load_ruleset(ruleset))
    warn(result.project_id, result.warnings)
    return result


def _assess(project: pd.Series | Mapping[str, Any], indicators: pd.DataFrame | None,
            judgements: pd.DataFrame | None, survey: pd.DataFrame | None,
            rs: RuleSet) -> KeyProjectResult:
    """:func:`assess` without emitting the warnings (the caller emits them at its own level)."""
    fw = framework(rs)
    pid, record, ledger = _project(project)
    indicators = _own(indicators, pid, "indicators")
    judged = _judgements(_own(judgements, pid, "judgements"), fw, rs, pid)
    sheet = _scored_sheet(indicators, fw, pid, rs)
    target, target_source = _satisfaction_target(sheet, rs)
    by_code: dict[str, list[SimpleNamespace]] = {}
    for row in sheet.to_dict("records"):
        by_code.setdefault(row["code"], []).append(SimpleNamespace(**row))
    answers = _survey_result(_own(survey, pid, "survey"), pid, rs)
    ctx = _Context(ledger, by_code, judged, answers, target, target_source)

    section = rs.section("keyproject")
    output_benefit = float(fw.loc[fw["level1"].str.startswith(_OUTPUT_BENEFIT), "weight"].sum())
    if output_benefit < float(section["min_output_benefit"]) - _NOTHING_LOST:
        ctx.warnings.append(f"评价框架中产出、效益指标合计 {output_benefit:g} 分，低于规则集要求的 "
                            f"{float(section['min_output_benefit']):g} 分。")
    unused = sheet[(sheet["code"] == "") & ~(
        sheet["level1"].astype(str).str.contains(_SATISFACTION)
        | sheet["level2"].astype(str).str.contains(_SATISFACTION))]
    if not unused.empty:
        ctx.warnings.append(
            f"指标表中 {len(unused)} 项指标（{'、'.join(map(str, unused['name']))}）所属的二级指标"
            f"（{'、'.join(dict.fromkeys(map(str, unused['level2'])))}）不在评价框架中，未计入评分。")
    if ctx.survey is not None:
        ctx.warnings.extend(ctx.survey.warnings)

    leaves = [_SCORERS[leaf["source"]](leaf, ctx) for leaf in fw.to_dict("records")]
    applicable = np.array([leaf.applicable for leaf in leaves], dtype=bool)
    if not applicable.any():
        raise InputError(f"project {pid}: expected at least one applicable indicator, found none")
    weight = fw["weight"].to_numpy(dtype=float)
    effective = _rescale(weight, applicable)
    ratio = np.array([leaf.ratio for leaf in leaves], dtype=float)
    score = np.where(applicable, ratio * effective, 0.0)
    table = pd.DataFrame({
        "code": fw["code"], "level1_code": fw["level1_code"], "level1": fw["level1"],
        "level2_code": fw["level2_code"], "level2": fw["level2"], "name": fw["name"],
        "weight": weight, "source": fw["source"], "applicable": applicable,
        "effective_weight": effective,
        "value": [leaf.value for leaf in leaves], "ratio": np.where(applicable, ratio, np.nan),
        "score": score, "lost": effective - score,
        **{k: [getattr(leaf, k) for leaf in leaves] for k in ("formula", "tier", "evidence",
                                                               "note")},
    })
    level1 = _subtotals(table, ["level1_code", "level1"]).rename(
        columns={"level1_code": "code", "level1": "name"})
    level2 = _subtotals(table, ["level1", "level2_code", "level2"]).rename(
        columns={"level2_code": "code", "level2": "name"})
    total = float(score.sum())
    losing = table[table["lost"] > _NOTHING_LOST].sort_values("lost", ascending=False,
                                                               kind="stable")
    lost_ranked = losing[["code", "level1", "name", "effective_weight", "score", "lost", "ratio",
                          "formula"]].reset_index(drop=True)
    problems = [_lost_problem(row) for row in losing.itertuples(index=False)] + ctx.problems
    return KeyProjectResult(
        project_id=pid,
        project=record,
        sheet=table[SHEET],
        level1=level1,
        level2=level2,
        total=total,
        grade=str(band_of([total], rs.grades)[0]),
        lost_ranked=lost_ranked,
        problems=tuple(problems),
        warnings=tuple(ctx.warnings),
        not_applicable=tuple(table.loc[~applicable, "code"]),
        indicator_rows=sheet[sheet["code"] != ""].reset_index(drop=True),
        survey=ctx.survey,
        satisfaction_target=target,
        ruleset=rs.to_record(),
    )


# --------------------------------------------------------------------------------------------
# The stage protocol on a dataset
# --------------------------------------------------------------------------------------------


def evaluate(dataset: Dataset, project_id: Any, *,
             ruleset: str | Path | RuleSet = "national") -> KeyProjectResult:
    """Evaluate one project of a dataset: its ledger row, indicator sheet, judgements and survey.

    Parameters
    ----------
    dataset : Dataset
        From :func:`evalkit.io.load_dataset` or :func:`evalkit.io.read_dataset`; the
        ``judgements`` and ``survey`` tables are optional (no survey: the satisfaction indicator
        is not applicable).
    project_id : object
        The project's id in the projects table.
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    KeyProjectResult

    Raises
    ------
    InputError
        An id not in the projects table (the message lists known ids); as :func:`assess`.

    Warns
    -----
    EvalkitWarning
        As :func:`assess`.

    Notes
    -----
    Filters every table to the project's rows and calls :func:`assess` (see there for the
    formulas).

    References
    ----------
    .. [1] 财预〔2020〕10号 reference framework; DOMAIN.md §5.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.io import Dataset
    >>> fw = framework()
    >>> judgements = pd.DataFrame({"project_id": "P1", "tier": "部分达成", "evidence": "ZJ-1",
    ...     "indicator_id": fw.loc[fw["source"] == "qualitative", "code"]})
    >>> projects = pd.DataFrame({"project_id": ["P1"], "budget": [100.0], "received": [100.0],
    ...                          "spent": [100.0]})
    >>> indicators = pd.DataFrame({"project_id": "P1", "indicator_id": ["I1"], "level1": "产出指标",
    ...     "level2": "数量指标", "name": "培训人次", "comparator": "≥", "target": [500],
    ...     "weight": [100], "actual": [487]})
    >>> data = Dataset({"projects": projects, "indicators": indicators,
    ...                 "judgements": judgements}, "memory", {})
    >>> result = evaluate(data, "P1")
    >>> round(result.total, 4), result.grade
    (81.4222, '良')
    """
    result = _evaluate(dataset, project_id, load_ruleset(ruleset))
    warn(result.project_id, result.warnings)
    return result


def _evaluate(dataset: Dataset, project_id: Any, rs: RuleSet) -> KeyProjectResult:
    """:func:`evaluate` without emitting the warnings."""
    project = project_row(dataset, project_id)

    def rows(name: str) -> pd.DataFrame | None:
        table = dataset.tables.get(name)
        return None if table is None else table[table["project_id"] == project_id]

    return _assess(project, rows("indicators"), rows("judgements"), rows("survey"), rs)


def evaluate_many(dataset: Dataset, *,
                  ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """Evaluate every project of a dataset that has judgements; one row per project.

    Parameters
    ----------
    dataset : Dataset
        Holding a ``judgements`` table (评价判断): the projects with judgements are the ones
        selected for a key-project evaluation.
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    pandas.DataFrame
        One row per project in projects-table order: ``project_id``, ``project_name``, ``total``,
        ``grade``, one score column per level-1 indicator of the framework (``决策``, ``过程``,
        ``产出``, ``效益``), ``satisfaction_rate`` (NaN without a survey), ``n_not_applicable``,
        ``n_problems``, ``n_warnings``. Unrounded.

    Raises
    ------
    InputError
        A dataset without ``judgements``; judgements of projects the projects table lacks; and
        what :func:`assess` rejects, for every project at once (one failing project does not hide
        the others' problems).

    Warns
    -----
    EvalkitWarning
        Each project's warnings, as in :func:`assess`.

    Notes
    -----
    Each project is evaluated independently with :func:`evaluate` (see :func:`assess` for the
    formulas); a county selects a handful of key projects a year.

    References
    ----------
    .. [1] 财预〔2020〕10号 reference framework; DOMAIN.md §5.

    Examples
    --------
    The sample county's six key projects (two surveys are warned about: a small sample, invalid
    answers):

    >>> from evalkit.io import load_dataset
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     table = evaluate_many(load_dataset("sample"))
    >>> table[["project_id", "total", "grade", "产出", "satisfaction_rate"]].round(4)
        project_id    total grade       产出  satisfaction_rate
    0  XM-2020-003  84.9968     良  28.2631             0.9143
    1  XM-2020-017  86.4530     良  34.2216             0.9000
    2  XM-2020-022  87.4968     良  33.5591             0.8833
    3  XM-2020-031  96.1595     优  34.2595             0.9500
    4  XM-2020-032  84.3974     良  31.4071             0.8646
    5  XM-2020-042  76.0793     中  34.1292             0.7250
    """
    rs = load_ruleset(ruleset)
    judged = dataset.table("judgements")["project_id"]
    projects = dataset.table("projects")
    stray = pd.unique(judged[~judged.isin(projects["project_id"])].astype(object))
    problems = []
    if len(stray):
        problems.append(f"judgements: expected project ids of the projects table, found "
                        f"{known_ids(list(stray))}")
    rows = []
    for pid in projects.loc[projects["project_id"].isin(judged), "project_id"]:
        try:
            result = _evaluate(dataset, pid, rs)
        except InputError as error:
            problems.append(str(error))
            continue
        warn(result.project_id, result.warnings)
        survey = result.survey
        rows.append({
            "project_id": result.project_id,
            "project_name": str(result.project.get("project_name", "")),
            "total": result.total, "grade": result.grade,
            **dict(zip(result.level1["name"], result.level1["score"], strict=True)),
            "satisfaction_rate": np.nan if survey is None else survey.rate,
            "n_not_applicable": len(result.not_applicable),
            "n_problems": len(result.problems), "n_warnings": len(result.warnings),
        })
    if problems:
        raise InputError("\n".join(problems))
    level1 = list(dict.fromkeys(framework(rs)["level1"]))
    columns = ["project_id", "project_name", "total", "grade", *level1, "satisfaction_rate",
               "n_not_applicable", "n_problems", "n_warnings"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------------------------
# The rule-set section
# --------------------------------------------------------------------------------------------

#: Where a framework indicator's score may come from (see the module docstring).
SOURCES = ("qualitative", "funds_in_place", "budget_execution", "sheet", "sheet_or_qualitative",
           "survey")


def check_ruleset(section: Mapping[str, Any], fail: Callable[[str, str, object], None]) -> None:
    """Validate a rule set's ``keyproject`` section; ``fail(key, expected, found)`` raises.

    The rule-set checker of the stage protocol (:mod:`evalkit.stages`), which
    :func:`evalkit.rules.load_ruleset` runs on ``data["keyproject"]``; keys are dotted paths such
    as ``"keyproject.framework (C11)"``. It stops at the first of these problems (a RuleSetError
    raised by ``fail``): a missing key of :data:`REQUIRED_KEYS`; a framework that is not a valid
    three-level indicator tree (:meth:`evalkit.indicators.IndicatorTree.from_records`); an
    indicator whose ``source`` is not one of :data:`SOURCES`.

    References
    ----------
    .. [1] 财预〔2020〕10号 reference framework; DOMAIN.md §5.

    Examples
    --------
    >>> import copy
    >>> from evalkit.rules import failer, load_ruleset
    >>> section = copy.deepcopy(dict(load_ruleset("national").data["keyproject"]))
    >>> check_ruleset(section, failer("national.yaml"))
    >>> section["framework"][0]["children"][0]["children"][0]["source"] = "guess"
    >>> check_ruleset(section, failer("national.yaml"))
    Traceback (most recent call last):
    ...
    evalkit.errors.RuleSetError: rule set national.yaml: key 'keyproject.framework (A11)': expected source in ['budget_execution', 'funds_in_place', 'qualitative', 'sheet', 'sheet_or_qualitative', 'survey'], found 'guess'
    """
    require_keys(section, RULESET_SECTION, REQUIRED_KEYS, fail)
    try:
        tree = IndicatorTree.from_records(section["framework"])
    except IndicatorTreeError as exc:
        fail("keyproject.framework", "a valid three-level indicator tree", str(exc))
    for row in tree.flatten().to_dict("records"):
        if row.get("source") not in SOURCES:
            fail(f"keyproject.framework ({row['indicator_id']})", f"source in {sorted(SOURCES)}",
                 row.get("source"))
