"""Project self-evaluation (项目支出绩效自评): the year-end 项目支出绩效自评表 of each project.

A project unit scores its own indicator sheet at the end of the year with fixed first-level weights
(DOMAIN.md §3): 产出指标 50, 效益指标 30, 满意度指标 10 and 预算执行率 10 points, the last one earned
as ``10 × spent / budget``. The sheet's own weights only say how each level-1 group's points are
shared among its indicators. Every indicator that deviates from its target — over-achieved (the
target was probably set too low), under-achieved or without an actual value — must carry a
偏差原因分析及改进措施; the result lists those still missing.

The stage protocol (:mod:`evalkit.stages`):

- :func:`framework` lists the rule set's level-1 points (the 分值 of the official table).
- :func:`evaluate` scores one project of a :class:`~evalkit.io.Dataset` (its projects-table row
  and its indicator rows) into a :class:`SelfEvalResult` laid out like the official table.
- :func:`evaluate_many` scores every project of a dataset in one pass, one row per project.
- :func:`check_ruleset` validates the rule set's ``selfeval`` section.

On plain tables: :func:`assess` scores one project from its row and its indicator rows.

The rules of each indicator (≥ / ≤ / = / 定性, not-applicable rescaling, over-achievement and the
budget-execution row) are those of :func:`evalkit.scoring.score_indicators`, applied unchanged;
this module adds the level-1 weights, their reallocation and the explanation requirement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit.errors import InputError, RuleSetError
from evalkit.rules import RuleSet, band_of, check_sum, load_ruleset
from evalkit.schemas import EXANTE_STAGE
from evalkit.scoring import EXECUTION_LEVEL1, prepare_indicators, score_indicators
from evalkit.stages.base import StageResult, plain, project_row, require_keys
from evalkit.values import NOT_APPLICABLE, display_text, normalize_text

if TYPE_CHECKING:
    from evalkit.io import Dataset

__all__ = ["REQUIRED_KEYS", "RULESET_SECTION", "SelfEvalResult", "assess", "check_ruleset",
           "evaluate", "evaluate_many", "framework"]

#: The rule-set section this stage reads (besides ``scoring`` and the grades), and the keys it
#: must hold.
RULESET_SECTION = "selfeval"
REQUIRED_KEYS = ("level1_weights", "no_satisfaction_to", "budget_execution_points",
                 "budget_execution_cap")

#: Level-1 name of satisfaction indicators, whose points are reallocated when a sheet has none.
SATISFACTION_LEVEL1 = "满意度指标"

#: Columns of :attr:`SelfEvalResult.table`, in order.
TABLE_COLUMNS = [
    "project_id", "indicator_id", "level1", "level2", "name", "comparator", "target", "actual",
    "unit", "target_text", "actual_text", "sheet_weight", "allocated_weight", "weight", "score",
    "lost", "ratio", "applicable", "rule", "over_achieved", "missing_actual", "deviation",
    "needs_explanation", "explanation", "explanation_missing", "flags", "evidence",
]

#: The columns of the official 项目支出绩效自评表 and their Chinese headers, in order.
OFFICIAL_HEADERS = {
    "level1": "一级指标", "level2": "二级指标", "name": "三级指标", "target_text": "年度指标值",
    "actual_text": "实际完成值", "weight": "分值", "score": "得分",
    "explanation": "偏差原因分析及改进措施",
}

#: Kinds of deviation that require an explanation (``deviation`` column).
DEVIATIONS = ("缺少实际值", "超额完成", "未完成目标")

#: Below this many points an indicator counts as having lost nothing (float noise of rescaling).
_NOTHING_LOST = 1e-9
_SUMMARY_COUNTS = ("n_indicators", "n_not_applicable", "n_over_achieved", "n_needs_explanation",
                   "n_missing_explanations")


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SelfEvalResult(StageResult):
    """One project's self-evaluation, unrounded (a :class:`~evalkit.stages.StageResult`).

    Attributes
    ----------
    project_id : object
        The project evaluated, as written in the projects table.
    table : pandas.DataFrame
        The 项目支出绩效自评表: one row per level-3 indicator, in rule-set level-1 order then sheet
        order, and a last 预算执行率 row; columns :data:`TABLE_COLUMNS`. ``target_text`` and
        ``actual_text`` are the 年度指标值 and 实际完成值 as a reader sees them (``≥500 人次``);
        ``sheet_weight`` is the weight typed on the sheet, ``allocated_weight`` its share of the
        level-1 points after reallocation, ``weight`` (分值) the effective weight after
        not-applicable rescaling, which ``score`` (得分) is out of; ``ratio`` is the comparator's
        ratio before capping; ``deviation`` one of :data:`DEVIATIONS` or ``""``;
        ``needs_explanation`` / ``explanation_missing`` flag the rows that need a
        偏差原因分析及改进措施 and those where it is blank.
    level1 : pandas.DataFrame
        One row per level-1 name of the rule set (预算执行率 last): ``level1``, ``ruleset_weight``
        (the rule set's points), ``allocated_weight`` (after reallocation), ``weight`` (effective,
        after not-applicable rescaling), ``score``, ``lost``, ``rate`` (score / weight, NaN for a
        group left with no points).
    budget : dict
        ``budget`` (年初预算数), ``received``, ``spent`` (全年执行数), ``execution_rate`` (spent /
        budget), ``points`` (分值) and ``score`` (得分) of the budget-execution row.
    total : float
        Out of 100.
    grade : str
        The rule set's grade band of the total.
    reallocation : tuple of str
        What was reallocated and where, in Chinese (empty when nothing was).
    missing_explanations : pandas.DataFrame
        The rows of ``table`` that need an explanation and have none.
    over_achieved : pandas.DataFrame
        The rows of ``table`` flagged as over-achieved.
    rules : dict
        The rule-set parameters applied: ``level1_weights``, ``no_satisfaction_to``,
        ``budget_execution_points``, ``budget_execution_cap``, ``over_achievement_ratio``.
    ruleset : dict
        ``ruleset_id``, ``ruleset_version``, ``ruleset_sha256``.
    """

    project_id: Any
    table: pd.DataFrame
    level1: pd.DataFrame
    budget: dict
    total: float
    grade: str
    reallocation: tuple[str, ...]
    missing_explanations: pd.DataFrame
    over_achieved: pd.DataFrame
    rules: dict
    ruleset: dict

    def to_frame(self) -> pd.DataFrame:
        """The self-evaluation table (one row per indicator plus the 预算执行率 row)."""
        return self.table

    def weight_components(self) -> pd.DataFrame:
        """The sheet's level-2 groups (数量指标 …, and the 预算执行率 row) with the rule set's
        level-1 points; see :meth:`evalkit.stages.base.StageResult.weight_components`."""
        nominal = self.level1.set_index("level1")["ruleset_weight"]
        out = (self.table.groupby(["level1", "level2"], sort=False)[["weight", "score"]].sum()
               .reset_index())
        out.insert(2, "level1_weight", out["level1"].map(nominal).astype(float))
        return out

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable record (floats unrounded).

        Keys: ``project_id``, ``total``, ``grade``, ``level1_scores`` ({level-1 name: score}),
        ``execution_rate``, ``execution_points``, ``n_indicators``, ``n_not_applicable``,
        ``n_over_achieved``, ``n_needs_explanation``, ``n_missing_explanations``,
        ``reallocation`` (list of str), ``ruleset_id``, ``ruleset_version``, ``ruleset_sha256``.
        """
        counts = _counts(self.table).iloc[0]
        return {
            "project_id": plain(self.project_id),
            "total": float(self.total),
            "grade": self.grade,
            "level1_scores": {str(name): float(score) for name, score in
                              zip(self.level1["level1"], self.level1["score"], strict=True)},
            "execution_rate": float(self.budget["execution_rate"]),
            "execution_points": float(self.budget["score"]),
            **{key: int(counts[key]) for key in _SUMMARY_COUNTS},
            "reallocation": list(self.reallocation),
            **self.ruleset,
        }

    _html_digits = 2

    def _html_facts(self) -> list[tuple[str, object]]:
        return [("项目", self.project_id), ("自评得分", f"{self.total:.2f}"),
                ("自评等级", self.grade), ("预算执行率", f"{self.budget['execution_rate']:.2%}"),
                ("待补充偏差说明", f"{len(self.missing_explanations)} 项")]

    def _html_notes(self) -> list[tuple[str, object]]:
        return [("分值调整", note) for note in self.reallocation]

    def _html_tables(self) -> list[pd.DataFrame]:
        official = self.table[[*OFFICIAL_HEADERS, "explanation_missing"]].rename(
            columns={**OFFICIAL_HEADERS, "explanation_missing": "待补充说明"})
        return [self.level1, official]


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def framework(ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """The level-1 points of a self-evaluation under a rule set: indicator groups, then 预算执行率.

    Parameters
    ----------
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    pandas.DataFrame
        One row per level-1 name, in the rule set's order with 预算执行率 last (the order of
        :attr:`SelfEvalResult.level1`): ``level1``, ``points`` (float) and ``source``
        (``"sheet"``: shared among the project's indicator rows of that level-1; ``"ledger"``:
        the budget-execution row, ``points × spent / budget``).

    Notes
    -----
    The points before any reallocation (:func:`assess`, rules 1–3 and 6); they sum to 100 (the
    rule set guarantees it).

    References
    ----------
    .. [1] DOMAIN.md §3, scoring rules: self-evaluation first-level weights 50/30/10/10.

    Examples
    --------
    >>> framework("national")
       level1  points  source
    0   产出指标    50.0   sheet
    1   效益指标    30.0   sheet
    2  满意度指标    10.0   sheet
    3   预算执行率    10.0  ledger
    """
    groups, points, exec_points = _groups(load_ruleset(ruleset))
    return pd.DataFrame({"level1": [*groups, EXECUTION_LEVEL1], "points": [*points, exec_points],
                         "source": ["sheet"] * len(groups) + ["ledger"]})


def assess(
    project: pd.Series | Mapping[str, Any],
    indicators: pd.DataFrame,
    *,
    ruleset: str | Path | RuleSet = "national",
) -> SelfEvalResult:
    """Self-evaluate one project: its 项目支出绩效自评表, total and grade.

    The table-level counterpart of :func:`evaluate`, which selects the project's row and
    indicator rows from a dataset.

    Parameters
    ----------
    project : pandas.Series or mapping
        The project's row of the projects table: ``project_id``, ``budget`` (年初预算数, > 0),
        ``spent`` (全年执行数) and optionally ``received``.
    indicators : pandas.DataFrame
        The project's indicator sheet, raw (as typed in Excel) or as read by
        :func:`evalkit.read_dataset` (see :func:`evalkit.scoring.prepare_indicators`); optional
        columns ``unit``, ``evidence``, ``judged_score``, ``explanation`` (偏差原因分析及改进措施).
        Not modified.
    ruleset : str, Path or RuleSet, default "national"
        Supplies ``selfeval.level1_weights``, ``no_satisfaction_to``, ``budget_execution_points``
        and ``budget_execution_cap``, the scoring conventions and the grade bands.

    Returns
    -------
    SelfEvalResult

    Raises
    ------
    InputError
        A level-1 name the rule set does not weight (naming the indicators and the names
        expected); no indicator rows, or none applicable; rows of another project; a level-1 group
        whose weights are all 0; a budget that is not > 0 or a spent amount that is not ≥ 0; any
        cell :func:`evalkit.scoring.score_indicators` rejects.
    RuleSetError
        ``selfeval.no_satisfaction_to`` names 满意度指标 or 预算执行率, or ``level1_weights`` gives
        预算执行率 other points than ``budget_execution_points``.

    Notes
    -----
    With the rule set's level-1 points :math:`W_g` (national and provincial: 产出指标 50, 效益指标
    30, 满意度指标 10, 预算执行率 10; DOMAIN.md §3 [C]):

    1. **Level-1 weights.** Each indicator keeps its share of its level-1 group:
       :math:`w'_i = w_i \\, W_g / \\sum_{j \\in g} w_j` (sheet weights are only relative within a
       group; a sample sheet typed 50/30/10 is unchanged).
    2. **No satisfaction indicator** (no 满意度指标 rows, or all of them 不适用): its points go to
       ``no_satisfaction_to`` — a level-1 name (national: 效益指标 → 40) or ``proportional`` to the
       other indicator groups by their points (provincial: 产出 56.25, 效益 33.75). Source:
       DOMAIN.md §3, "which way varies" [P], so a rule-set parameter.
    3. **A level-1 group with no applicable indicator** (absent, or every row 不适用): its points
       go to the groups that have one, in proportion to their points [I], the same proportional
       rule as 4 applied a level up, so neither rule changes the other's result.
    4. **Single not-applicable indicators** are dropped and the sheet rescaled by
       :func:`~evalkit.scoring.score_indicators` [P]: :math:`w^{eff}_i = w'_i \\sum_j w'_j /
       \\sum_{j\\ \\text{applicable}} w'_j`, over the whole sheet (not within the group), so the
       effective weights of the indicators sum to :math:`100 - W_{预算执行率}` = 90 and a group's
       points move when one of its indicators is dropped.
    5. **Indicator scores** are those of :func:`~evalkit.scoring.score_indicators` (≥, ≤ by the
       rule set's convention A or B, =, qualitative tiers; DOMAIN.md §3 [C]); a qualitative
       indicator's judged score keeps its share of the weight (``judged × w' / w``).
    6. **Budget execution** = ``budget_execution_points`` × spent / budget, capped at the points
       when ``budget_execution_cap`` [P].
    7. **Total** = Σ indicator scores + execution points (out of 100); the grade is its half-open
       band in the rule set [C].
    8. **Explanations.** An indicator needs a 偏差原因分析及改进措施 when it is over-achieved
       (``≥`` with actual ≥ ``over_achievement_ratio`` × target: the target was probably set too
       low [P]), under-achieved (score < effective weight), or has no actual value (scored 0).
       Not-applicable indicators and the 预算执行率 row need none (the official table asks for the
       explanation per performance indicator).

    References
    ----------
    .. [1] DOMAIN.md §3, scoring rules: self-evaluation first-level weights 50/30/10/10,
       reallocation of the satisfaction points, execution points capped at 10, not-applicable
       rescaling, over-achievement at 130 %.
    .. [2] 财政部《项目支出绩效评价管理办法》(财预〔2020〕10号), 附件 项目支出绩效自评表.

    Examples
    --------
    A sheet with no satisfaction indicator under the national rules: 效益指标 gets 40 points.

    >>> sheet = pd.DataFrame({"project_id": "P1", "indicator_id": ["I1", "I2"],
    ...     "level1": ["产出指标", "效益指标"], "level2": ["数量指标", "社会效益指标"],
    ...     "name": ["培训人次", "就业率"], "comparator": ["≥", "≥"], "target": ["500人次", "80%"],
    ...     "weight": [50, 30], "actual": ["487", "85%"]})
    >>> project = {"project_id": "P1", "budget": 100.0, "spent": 92.53}
    >>> result = assess(project, sheet)
    >>> result.table[["name", "target_text", "actual_text", "weight"]]
           name target_text actual_text  weight
    0      培训人次     ≥500 人次      487 人次    50.0
    1       就业率        ≥80%         85%    40.0
    2     预算执行率        100%      92.53%    10.0
    >>> round(result.total, 4), result.grade
    (97.953, '优')
    >>> result.reallocation
    ('无满意度指标，其 10 分按规则集分配给效益指标（效益指标 30 → 40 分）',)
    """
    rs = load_ruleset(ruleset)
    projects = _project_frame(project)
    scored = _score(projects, indicators, rs)
    project_id = projects["project_id"].iat[0]
    table = scored.table
    level1 = scored.level1.drop(columns="project_id")
    exec_row = table.iloc[-1]
    row = projects.iloc[0]
    budget = {
        "budget": float(row["budget"]),
        "received": float(row["received"]) if "received" in row else float("nan"),
        "spent": float(row["spent"]),
        "execution_rate": float(scored.rates.iat[0]),
        "points": float(exec_row["weight"]),
        "score": float(exec_row["score"]),
    }
    total = float(table["score"].sum())
    return SelfEvalResult(
        project_id=plain(project_id),
        table=table,
        level1=level1,
        budget=budget,
        total=total,
        grade=str(band_of([total], rs.grades)[0]),
        reallocation=scored.notes[0],
        missing_explanations=table[table["explanation_missing"]].reset_index(drop=True),
        over_achieved=table[table["over_achieved"]].reset_index(drop=True),
        rules=_rules(rs),
        ruleset=rs.to_record(),
    )


def evaluate(
    dataset: Dataset,
    project_id: Any,
    *,
    ruleset: str | Path | RuleSet = "national",
) -> SelfEvalResult:
    """Self-evaluate one project of a dataset (see :func:`assess` for the rules).

    Parameters
    ----------
    dataset : Dataset
        From :func:`evalkit.io.load_dataset` or :func:`evalkit.io.read_dataset`.
    project_id : object
        A ``project_id`` of the dataset's projects table.
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    SelfEvalResult

    Raises
    ------
    InputError
        An unknown project id (the message lists known ids); a project with no indicator sheet
        (an ex-ante project); anything :func:`assess` rejects.

    Notes
    -----
    The project's row and indicator rows are selected by ``project_id`` and passed to
    :func:`assess`.

    References
    ----------
    .. [1] DOMAIN.md §3, scoring rules.

    Examples
    --------
    A dataset with no 效益指标 row: its 30 points go to 产出 and 满意度 in proportion (50 : 10).

    >>> from evalkit.io import Dataset
    >>> sheet = pd.DataFrame({"project_id": "P1", "indicator_id": ["I1", "I2"],
    ...     "level1": ["产出指标", "满意度指标"], "level2": ["数量指标", "服务对象满意度指标"],
    ...     "name": ["培训人次", "学员满意度"], "comparator": "≥", "target": ["500人次", "90%"],
    ...     "weight": [50, 10], "actual": ["487", "95%"]})
    >>> projects = pd.DataFrame({"project_id": ["P1"], "budget": [100.0], "spent": [92.53]})
    >>> result = evaluate(Dataset({"projects": projects, "indicators": sheet}, "例", {}), "P1")
    >>> result.level1[["level1", "weight", "score"]].round(4)
      level1  weight   score
    0   产出指标    75.0  73.050
    1   效益指标     0.0   0.000
    2  满意度指标    15.0  15.000
    3  预算执行率    10.0   9.253
    >>> round(result.total, 4), result.grade
    (97.303, '优')
    """
    project = project_row(dataset, project_id)
    indicators = dataset.indicators
    return assess(project, indicators[indicators["project_id"] == project_id], ruleset=ruleset)


def evaluate_many(
    dataset: Dataset,
    *,
    ruleset: str | Path | RuleSet = "national",
) -> pd.DataFrame:
    """Self-evaluate every project of a dataset that has an indicator sheet; one row per project.

    Parameters
    ----------
    dataset : Dataset
        As read by :func:`evalkit.read_dataset`. Projects at the ex-ante stage (``stage`` =
        事前评估) have no indicator sheet and are left out.
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    pandas.DataFrame
        One row per project in projects-table order: ``project_id``, ``project_name``, ``total``,
        ``grade``, one score column per level-1 name of the rule set (``产出指标``, ``效益指标``,
        ``满意度指标``, ``预算执行率``), ``execution_rate``, ``n_indicators``,
        ``n_not_applicable``, ``n_over_achieved``, ``n_needs_explanation``,
        ``n_missing_explanations`` and ``reallocation`` (notes joined by ``；``). Unrounded.

    Raises
    ------
    InputError
        As :func:`assess`, for every project at once where the problem is a project's (unknown
        level-1 names, budgets, groups weighted 0, sheets with nothing applicable).

    Notes
    -----
    The same rules as :func:`assess` (see there), computed for all projects together with one
    call of :func:`evalkit.scoring.score_indicators`, so a province's sheets score in seconds.

    References
    ----------
    .. [1] DOMAIN.md §3, scoring rules.

    Examples
    --------
    >>> from evalkit.io import Dataset
    >>> sheet = pd.DataFrame({"project_id": ["P1", "P2"], "indicator_id": "I1",
    ...     "level1": "产出指标", "level2": "数量指标", "name": ["培训人次", "新增灌溉面积"],
    ...     "comparator": "≥", "target": ["500人次", "5,000亩"], "weight": 50,
    ...     "actual": ["487", "5200"]})
    >>> projects = pd.DataFrame({"project_id": ["P1", "P2"], "budget": [100.0, 1000.0],
    ...                          "spent": [92.53, 1100.0]})
    >>> table = evaluate_many(Dataset({"projects": projects, "indicators": sheet}, "例", {}))
    >>> table[["project_id", "total", "grade", "产出指标", "预算执行率"]].round(4)
      project_id   total grade   产出指标   预算执行率
    0         P1  96.913     优  87.66   9.253
    1         P2 100.000     优  90.00  10.000
    """
    rs = load_ruleset(ruleset)
    projects = dataset.projects
    if "stage" in projects:
        projects = projects[projects["stage"].fillna("") != EXANTE_STAGE]
    indicators = dataset.indicators
    scored = _score(projects, indicators[indicators["project_id"].isin(projects["project_id"])],
                    rs)
    ids = projects["project_id"]
    table = scored.table
    out = pd.DataFrame({"project_id": ids.to_numpy()})
    out["project_name"] = (projects["project_name"].to_numpy() if "project_name" in projects
                           else "")
    out["total"] = table.groupby("project_id", sort=False)["score"].sum().reindex(ids).to_numpy()
    out["grade"] = band_of(out["total"].to_numpy(), rs.grades)
    wide = scored.level1.pivot(index="project_id", columns="level1", values="score")
    for name in pd.unique(scored.level1["level1"]):
        out[name] = wide[name].reindex(ids).to_numpy()
    out["execution_rate"] = scored.rates.to_numpy()
    counts = _counts(table).set_index("project_id").reindex(ids)
    for key in _SUMMARY_COUNTS:
        out[key] = counts[key].to_numpy()
    out["reallocation"] = ["；".join(notes) for notes in scored.notes]
    return out


# --------------------------------------------------------------------------------------------
# The rule-set section
# --------------------------------------------------------------------------------------------


def check_ruleset(section: Mapping[str, Any], fail: Callable[[str, str, object], None]) -> None:
    """Validate a rule set's ``selfeval`` section; ``fail(key, expected, found)`` raises.

    The rule-set checker of the stage protocol (:mod:`evalkit.stages`), which
    :func:`evalkit.rules.load_ruleset` runs on ``data["selfeval"]``; keys are dotted paths such as
    ``"selfeval.level1_weights"``. It stops at the first of these problems (a RuleSetError raised
    by ``fail``): a missing key of :data:`REQUIRED_KEYS`; ``level1_weights`` that are not a
    mapping of non-negative numbers summing to 100; ``no_satisfaction_to`` that is neither
    ``proportional`` nor a level-1 name of the weights.

    Notes
    -----
    :func:`assess` also rejects, when it runs, ``no_satisfaction_to`` naming 满意度指标 or
    预算执行率 and a 预算执行率 weight other than ``budget_execution_points``.

    References
    ----------
    .. [1] DOMAIN.md §3, scoring rules: self-evaluation first-level weights 50/30/10/10 and the
       reallocation of the satisfaction points.

    Examples
    --------
    >>> from evalkit.rules import failer, load_ruleset
    >>> section = dict(load_ruleset("national").data["selfeval"])
    >>> check_ruleset(section, failer("national.yaml"))
    >>> check_ruleset({**section, "no_satisfaction_to": "产出"}, failer("national.yaml"))
    Traceback (most recent call last):
    ...
    evalkit.errors.RuleSetError: rule set national.yaml: key 'selfeval.no_satisfaction_to': expected proportional or one of ['产出指标', '效益指标', '满意度指标', '预算执行率'], found '产出'
    """
    require_keys(section, RULESET_SECTION, REQUIRED_KEYS, fail)
    weights = section["level1_weights"]
    if not isinstance(weights, Mapping):
        fail("selfeval.level1_weights", "a mapping of level-1 names to points", weights)
    check_sum(weights.values(), 100, "selfeval.level1_weights", fail)
    target = section["no_satisfaction_to"]
    if target != "proportional" and target not in weights:
        fail("selfeval.no_satisfaction_to", f"proportional or one of {list(weights)}", target)
    basis = section.get("budget_basis", DEFAULT_BUDGET_BASIS)
    if basis not in BUDGET_BASES:
        fail("selfeval.budget_basis", f"one of {list(BUDGET_BASES)}", basis)


# --------------------------------------------------------------------------------------------
# Core: all projects at once
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scored:
    """Self-evaluation of several projects: tables in projects order, notes per project."""

    table: pd.DataFrame
    level1: pd.DataFrame
    rates: pd.Series
    notes: list[tuple[str, ...]]


def _project_frame(project: pd.Series | Mapping[str, Any]) -> pd.DataFrame:
    """One project's row as a one-row projects table."""
    if not isinstance(project, (pd.Series, Mapping)):
        raise InputError(f"expected the project as a row of the projects table (a Series or a "
                         f"mapping), found {type(project).__name__}")
    record = dict(project)
    missing = [key for key in ("project_id", "budget", "spent") if key not in record]
    if missing:
        raise InputError(f"project: expected fields project_id, budget and spent, missing "
                         f"{missing}; found {list(record)}")
    return pd.DataFrame([record])


def _rules(rs: RuleSet) -> dict[str, Any]:
    """The rule-set parameters a self-evaluation applies, as plain values."""
    section = rs.section("selfeval")
    return {
        "level1_weights": {str(k): float(v) for k, v in section["level1_weights"].items()},
        "no_satisfaction_to": str(section["no_satisfaction_to"]),
        "budget_execution_points": float(section["budget_execution_points"]),
        "budget_execution_cap": bool(section["budget_execution_cap"]),
        "budget_basis": budget_basis(rs),
        "over_achievement_ratio": rs.over_achievement_ratio,
    }


#: ``selfeval.budget_basis`` → the projects-table column of that budget (DOMAIN.md §3): the
#: official form divides 全年执行数 by 全年预算数 (A) [C]; 年初预算数 and 调整后预算数 are the
#: other bases seen in practice [P].
BUDGET_BASES = {"annual": "budget_annual", "initial": "budget", "adjusted": "budget_adjusted"}
#: Chinese names of the bases, for notes and reports.
BASIS_LABELS = {"annual": "全年预算数", "initial": "年初预算数", "adjusted": "调整后预算数"}
#: The default basis of a rule set whose ``selfeval`` section does not name one.
DEFAULT_BUDGET_BASIS = "annual"


def budget_basis(rs: RuleSet) -> str:
    """The rule set's ``selfeval.budget_basis`` (``annual`` when the section leaves it out)."""
    return str(rs.section("selfeval").get("budget_basis", DEFAULT_BUDGET_BASIS))


def execution_denominators(projects: pd.DataFrame, basis: str) -> tuple[np.ndarray, list[str]]:
    """The budget each project's execution rate divides by, and which budget that was.

    Parameters
    ----------
    projects : pandas.DataFrame
        ``budget`` (年初预算数) and optionally ``budget_annual`` (全年预算数) and
        ``budget_adjusted`` (调整后预算数).
    basis : str
        A key of :data:`BUDGET_BASES`.

    Returns
    -------
    denominators : numpy.ndarray
    bases : list of str
        The basis used per project: ``basis`` where that budget is given and > 0, else the first
        of 全年 → 调整后 → 年初 that is (a form with 年初预算数 0 and 调整后预算数 3.36 divides by
        3.36); a dataset without the other columns divides by ``budget``, so the sample county's
        figures do not depend on the basis.

    Examples
    --------
    >>> p = pd.DataFrame({"budget": [0.0, 100.0], "budget_adjusted": [3.36, float("nan")]})
    >>> d, used = execution_denominators(p, "initial")
    >>> d.tolist(), used
    ([3.36, 100.0], ['adjusted', 'initial'])
    """
    order = [basis, *(b for b in ("annual", "adjusted", "initial") if b != basis)]
    out = np.full(len(projects), np.nan)
    used = [basis] * len(projects)
    for b in reversed(order):
        column = BUDGET_BASES[b]
        if column not in projects:
            continue
        value = pd.to_numeric(projects[column], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(value) & (value > 0)
        out = np.where(ok, value, out)
        for i in np.flatnonzero(ok):
            used[i] = b
    return out, used


def _execution_rates(projects: pd.DataFrame, rs: RuleSet) -> pd.Series:
    """spent / budget per project (the budget of ``selfeval.budget_basis``: see
    :func:`execution_denominators`), after checking both, every problem at once."""
    budget, _ = execution_denominators(projects, budget_basis(rs))
    spent = pd.to_numeric(projects["spent"], errors="coerce").to_numpy(dtype=float)
    problems = []
    for pid, b, s, raw_b, raw_s in zip(projects["project_id"], budget, spent, projects["budget"],
                                       projects["spent"], strict=True):
        if not (np.isfinite(b) and b > 0):
            problems.append(f"project {pid!r}, column budget: expected a number > 0 (the "
                            f"denominator of the budget execution rate), found {raw_b!r}")
        if pd.isna(raw_s) or raw_s == "":
            problems.append(f"项目 {pid}：未填执行数（全年执行数），无法计算预算执行率；"
                            f"自评需要执行数（绩效目标申报表导入的项目尚无执行数）")
        elif not (np.isfinite(s) and s >= 0):
            problems.append(f"project {pid!r}, column spent: expected a number ≥ 0, found "
                            f"{raw_s!r}")
    if problems:
        raise InputError("\n".join(problems))
    return pd.Series(spent / budget, index=projects["project_id"].to_numpy(), name="execution_rate")


def _groups(rs: RuleSet) -> tuple[list[str], np.ndarray, float]:
    """The indicator level-1 names and points of the rule set, and the execution points."""
    section = rs.section("selfeval")
    weights = section["level1_weights"]
    groups = [str(g) for g in weights if g != EXECUTION_LEVEL1]
    points = float(section["budget_execution_points"])
    if float(weights.get(EXECUTION_LEVEL1, 0.0)) != points:
        raise RuleSetError(
            f"rule set {rs.source}: key 'selfeval.level1_weights.{EXECUTION_LEVEL1}': expected "
            f"budget_execution_points ({points:g}), found {weights.get(EXECUTION_LEVEL1)!r}")
    target = section["no_satisfaction_to"]
    if target in (SATISFACTION_LEVEL1, EXECUTION_LEVEL1):
        others = [g for g in groups if g != SATISFACTION_LEVEL1]
        raise RuleSetError(
            f"rule set {rs.source}: key 'selfeval.no_satisfaction_to': expected proportional or "
            f"one of {others}, found {target!r}")
    return groups, np.array([float(weights[g]) for g in groups]), points


def _score(projects: pd.DataFrame, indicators: pd.DataFrame, rs: RuleSet) -> _Scored:
    """Allocate level-1 points, score every sheet in one call, lay out the official table."""
    rates = _execution_rates(projects, rs)
    ids = pd.Index(projects["project_id"])
    df = prepare_indicators(indicators).reset_index(drop=True)
    pcode = ids.get_indexer(df["project_id"])
    _check_projects(df, pcode, ids)
    groups, points, exec_points = _groups(rs)
    allocated, notes = _allocate(df, pcode, ids, groups, points, rs)
    result = score_indicators(_rescaled(df, allocated), ruleset=rs, execution_rate=rates)
    table = _table(df, indicators["target"].to_numpy(dtype=object), result.sheet, rates,
                   exec_points)
    rank = {name: i for i, name in enumerate([*groups, EXECUTION_LEVEL1])}
    order = np.lexsort((np.arange(len(table)), table["level1"].map(rank).to_numpy(),
                        ids.get_indexer(table["project_id"])))
    table = table.iloc[order].reset_index(drop=True)
    level1 = _level1(table, ids, groups, points, exec_points)
    return _Scored(table, level1, rates, notes)


def _rescaled(df: pd.DataFrame, allocated: np.ndarray) -> pd.DataFrame:
    """The sheet with its allocated weights; a judged score keeps its share of the weight."""
    out = df.assign(weight=allocated)
    if "judged_score" in df:
        typed = df["weight"].to_numpy(dtype=float)
        judged = pd.to_numeric(df["judged_score"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["judged_score"] = np.where(typed > 0, judged * allocated / typed, judged)
    return out


def _check_projects(df: pd.DataFrame, pcode: np.ndarray, ids: pd.Index) -> None:
    """Every indicator row belongs to a project evaluated, and every project has rows."""
    stray = pd.unique(df.loc[pcode < 0, "project_id"])
    if len(stray):
        raise InputError(f"indicators: expected rows of project(s) {list(ids)}, found rows of "
                         f"{list(stray)}")
    without = ids[~np.isin(np.arange(len(ids)), pcode)]
    if len(without):
        raise InputError(f"indicators: expected an indicator sheet (at least one row) for every "
                         f"project evaluated, found none for {list(without)}")


def _allocate(df: pd.DataFrame, pcode: np.ndarray, ids: pd.Index, groups: list[str],
              points: np.ndarray, rs: RuleSet) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Weights after level-1 rescaling and reallocation (rules 1–3 of :func:`assess`).

    Returns the weight of each row and the reallocation notes of each project.
    """
    n_projects = len(ids)
    gcode = pd.Index(groups).get_indexer(df["level1"])
    _check_level1(df, gcode, groups, rs)
    weight = df["weight"].to_numpy(dtype=float)
    # the same test of 不适用 as score_indicators applies to the typed actual
    applicable = ~df["actual_text"].fillna("").str.lower().isin(NOT_APPLICABLE).to_numpy()
    shape = (n_projects, len(groups))
    typed = np.zeros(shape)
    np.add.at(typed, (pcode, gcode), weight)
    has_rows, present = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    has_rows[pcode, gcode] = True
    present[pcode[applicable], gcode[applicable]] = True

    after_satisfaction = np.tile(points, (n_projects, 1))
    s = groups.index(SATISFACTION_LEVEL1) if SATISFACTION_LEVEL1 in groups else -1
    moved = ~present[:, s] if s >= 0 else np.zeros(n_projects, dtype=bool)
    share = _satisfaction_share(groups, points, s, rs) if s >= 0 else np.zeros(len(groups))
    after_satisfaction[moved] += np.outer(after_satisfaction[moved, s], share)
    after_satisfaction[moved, s] = 0.0
    kept = np.where(present, after_satisfaction, 0.0)
    kept_total = kept.sum(axis=1)
    _check_allocatable(kept_total, present, typed, groups, ids)
    final = kept * (after_satisfaction.sum(axis=1) / kept_total)[:, None]

    rows_present = present[pcode, gcode]
    with np.errstate(divide="ignore", invalid="ignore"):
        allocated = np.where(rows_present, weight * final[pcode, gcode] / typed[pcode, gcode], 0.0)

    dropped = np.flatnonzero(~applicable & rows_present)  # single N/A rows, rescaled by rule 4
    dropped_by_project = pd.Series(dropped).groupby(pcode[dropped]).agg(list).to_dict()
    passed_on = ~present & (after_satisfaction > 0)
    notes: list[tuple[str, ...]] = [()] * n_projects
    for p in np.flatnonzero(moved | passed_on.any(axis=1) | np.isin(np.arange(n_projects),
                                                                     pcode[dropped])):
        lines = []
        if moved[p]:
            lines.append(_satisfaction_note(has_rows[p, s], points, share, groups, s, rs))
        for g in np.flatnonzero(passed_on[p]):
            why = "的三级指标均不适用" if has_rows[p, g] else "无三级指标"
            lines.append(f"{groups[g]}{why}，其 {_num(after_satisfaction[p, g])} 分按比例分配给"
                         f"其他一级指标")
        rows = dropped_by_project.get(p, [])
        if rows:
            names = "、".join(f"“{n}”" for n in df["name"].to_numpy()[rows])
            lines.append(f"{len(rows)} 个三级指标不适用（{names}），其分值 "
                         f"{_num(allocated[rows].sum())} 分按比例分配给全表其余适用指标")
        notes[p] = tuple(lines)
    return allocated, notes


def _check_level1(df: pd.DataFrame, gcode: np.ndarray, groups: list[str], rs: RuleSet) -> None:
    """Every level-1 name must be one the rule set weights (all offenders in one error)."""
    bad = np.flatnonzero(gcode < 0)
    if not len(bad):
        return
    found = "; ".join(f"project {df['project_id'].iat[i]!r}, indicator "
                      f"{df['indicator_id'].iat[i]!r}: {df['level1'].iat[i]!r}" for i in bad)
    raise InputError(
        f"indicators, column level1: expected a level-1 name weighted by rule set {rs.id} "
        f"({', '.join(groups)}; {EXECUTION_LEVEL1} is computed from the ledger), found {found}")


def _check_allocatable(kept_total: np.ndarray, present: np.ndarray, typed: np.ndarray,
                       groups: list[str], ids: pd.Index) -> None:
    """Points can be shared: some applicable indicator, and weights with a positive sum."""
    problems = [f"project {ids[p]!r}: expected at least one applicable indicator in a level-1 "
                f"group with points, found every indicator 不适用"
                for p in np.flatnonzero(~(kept_total > 0))]
    problems += [f"project {ids[p]!r}, level-1 {groups[g]}: expected sheet weights with a "
                 f"positive sum to share its points, found all 0"
                 for p, g in zip(*np.nonzero(present & ~(typed > 0)), strict=True)]
    if problems:
        raise InputError("\n".join(problems))


def _satisfaction_share(groups: list[str], points: np.ndarray, s: int, rs: RuleSet) -> np.ndarray:
    """Where each satisfaction point goes when a sheet has none: share per group."""
    target = rs.section("selfeval")["no_satisfaction_to"]
    if target == "proportional":
        share = np.where(np.arange(len(groups)) == s, 0.0, points)
        return share / share.sum()
    return (np.array(groups) == target).astype(float)


def _satisfaction_note(has_rows: bool, points: np.ndarray, share: np.ndarray, groups: list[str],
                       s: int, rs: RuleSet) -> str:
    why = "满意度指标均不适用" if has_rows else "无满意度指标"
    gets = np.flatnonzero(share > 0)
    how = "按比例" if rs.section("selfeval")["no_satisfaction_to"] == "proportional" else ""
    changes = "，".join(f"{groups[g]} {_num(points[g])} → {_num(points[g] + share[g] * points[s])} 分"
                       for g in gets)
    return (f"{why}，其 {_num(points[s])} 分按规则集{how}分配给"
            f"{'、'.join(groups[g] for g in gets)}（{changes}）")


def _num(x: float) -> str:
    """Points in a note: at most 2 decimals, no trailing zeros (display only)."""
    return f"{round(float(x), 2):g}"


def _number_text(value: float, unit: str) -> str:
    """A number with its unit as a reader writes it: ``500 人次``, ``95%``."""
    sep = "" if unit in ("", "%") else " "
    return f"{value:.10g}{sep}{unit}"


def _target_texts(df: pd.DataFrame, raw_target: np.ndarray) -> list[str]:
    """年度指标值: ``≥500 人次``; a qualitative row's target as typed, or ``定性``."""
    out = []
    for cmp, target, unit, raw in zip(df["comparator"], df["target"], df["unit"].fillna(""),
                                      raw_target, strict=True):
        if cmp == "定性":
            typed = normalize_text(raw) if isinstance(raw, str) else ""
            out.append(typed or "定性")
        else:
            out.append(f"{cmp}{_number_text(target, unit)}")
    return out


def _actual_texts(df: pd.DataFrame, applicable: np.ndarray) -> list[str]:
    """实际完成值: a number with the target's unit, a qualitative tier, 不适用 or blank."""
    out = []
    for cmp, actual, unit, text, ok in zip(df["comparator"], df["actual"], df["unit"].fillna(""),
                                           df["actual_text"].fillna(""), applicable, strict=True):
        numeric = cmp != "定性" and ok and np.isfinite(actual)
        out.append(_number_text(actual, unit) if numeric else str(text))
    return out


def _table(df: pd.DataFrame, raw_target: np.ndarray, sheet: pd.DataFrame, rates: pd.Series,
           exec_points: float) -> pd.DataFrame:
    """The official layout from the score sheet (indicator rows first, then execution rows)."""
    n, m = len(df), len(sheet) - len(df)
    applicable = sheet["applicable"].to_numpy()[:n]
    table = sheet.rename(columns={"weight": "allocated_weight", "effective_weight": "weight"})
    table["sheet_weight"] = np.r_[df["weight"].to_numpy(dtype=float), np.full(m, exec_points)]
    exec_rates = rates.reindex(sheet["project_id"].iloc[n:]).to_numpy()
    table["target_text"] = _target_texts(df, raw_target) + ["100%"] * m
    table["actual_text"] = _actual_texts(df, applicable) + [f"{r:.2%}" for r in exec_rates]
    explanation = (df["explanation"].map(display_text).tolist() if "explanation" in df
                   else [""] * n)
    table["explanation"] = explanation + [""] * m

    is_indicator = np.arange(len(sheet)) < n
    over = table["over_achieved"].to_numpy()
    missing = table["missing_actual"].to_numpy()
    under = is_indicator & table["applicable"].to_numpy() & (table["lost"].to_numpy()
                                                             > _NOTHING_LOST)
    deviation = np.select([missing, over, under], DEVIATIONS, default="")
    table["deviation"] = deviation
    table["needs_explanation"] = is_indicator & (deviation != "")
    table["explanation_missing"] = table["needs_explanation"] & (table["explanation"] == "")
    return table[TABLE_COLUMNS]


def _level1(table: pd.DataFrame, ids: pd.Index, groups: list[str], points: np.ndarray,
            exec_points: float) -> pd.DataFrame:
    """Level-1 subtotals per project, every level-1 name of the rule set in its order."""
    names = [*groups, EXECUTION_LEVEL1]
    sums = ["allocated_weight", "weight", "score", "lost"]
    full = pd.MultiIndex.from_product([ids, names], names=["project_id", "level1"])
    out = (table.groupby(["project_id", "level1"], sort=False)[sums].sum()
           .reindex(full, fill_value=0.0).reset_index())
    out.insert(2, "ruleset_weight", np.tile([*points, exec_points], len(ids)))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(out["weight"] > 0, out["score"] / out["weight"], np.nan)
    return out


def _counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per project: indicators, not applicable, over-achieved, explanations needed and missing."""
    indicators = table[table["level1"] != EXECUTION_LEVEL1]
    g = indicators.groupby("project_id", sort=False)
    return pd.DataFrame({
        "n_indicators": g.size(),
        "n_not_applicable": g["applicable"].sum().rsub(g.size()),
        "n_over_achieved": g["over_achieved"].sum(),
        "n_needs_explanation": g["needs_explanation"].sum(),
        "n_missing_explanations": g["explanation_missing"].sum(),
    }).reset_index()
