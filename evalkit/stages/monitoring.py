"""Dual monitoring (绩效运行监控, "双监控"): budget execution and target attainment at a checkpoint.

At a checkpoint (the end of month M) a department fills a 绩效监控表 per project (DOMAIN.md §10):
the spending so far and the expected full-year spending, and per indicator of its sheet the
progress so far, the expected full-year value, 完成目标可能性, 偏差原因 and an explanation. From it
(DOMAIN.md §6, §12, all thresholds in the rule set's ``monitoring`` section):

- **time progress** ``t = M / 12``;
- **budget light** from ``(spent so far / budget) / t``: red below 60 %, yellow to 80 %, green
  from 80 % (``budget_lights``);
- **indicator lights** from the indicator's progress ratio (``indicator_lights``: blue from 120 %
  for an over-run, green from 80 %, yellow from 60 %, red below): for a ``≥`` indicator counted up
  over the year ``(progress / target) / t``; for a ``≥`` indicator in a level unit (``%``:
  ``level_units``) and for ``≤`` and ``=`` indicators the value is a level, compared without
  time progress: ``progress / target``, ``target / progress`` (a ceiling; 0 spent → over-run)
  and ``min / max`` of the two (at most 1; a zero target is met only by a value ≤ 0); a
  qualitative indicator takes the light of its 完成目标可能性 (``qualitative_lights``); an
  indicator with no progress value takes the worst light;
- **the project's light** is the worst of its indicators' (``light_order``, worst first);
- **the gap** between the expected full-year budget execution rate and target completion rate
  (the self-evaluation's rates, :func:`evalkit.summary.summarize_projects`, applied to the
  expected values): in percentage points ``(completion − execution) × 100`` and relative
  ``(completion − execution) / execution``;
- **the monitoring review score** (监控审核得分), the third party's score of the form's quality:
  ``Σ points × share`` over the rule set's ``review_items`` (DOMAIN.md §12 [I]);
- **rectification** (整改通知书) when ``|gap| > gap_points`` or ``score < min_score`` (the seed
  county's rule, DOMAIN.md §1), with a deadline ``rectification_days`` after the checkpoint.

The stage protocol (:mod:`evalkit.stages`): :func:`framework` (the review-score table),
:func:`evaluate`, :func:`evaluate_many` (the portfolio 监控情况表), :func:`check_ruleset`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit.errors import InputError
from evalkit.rules import Band, RuleSet, band_of, bands, check_sum, failer, is_number, load_ruleset
from evalkit.schemas import MONITORING, MONITORING_INDICATORS, MONITORING_LIKELIHOODS
from evalkit.stages.base import StageResult, plain, project_row, require_keys
from evalkit.values import parse_indicator_cells

if TYPE_CHECKING:
    from evalkit.io import Dataset

__all__ = ["BUDGET_FORMATS", "BUDGET_HEADERS", "INDICATOR_HEADERS", "MONITORING_HEADERS", "REQUIRED_KEYS", "RULESET_SECTION", "MonitoringResult",
           "budget_frame", "budget_status", "check_ruleset", "checkpoint_dates", "county_monitoring", "evaluate", "evaluate_many", "flagged", "flagged_projects", "framework", "portfolio_sheet",
           "indicator_ratios", "monitored", "progress_lights", "review_score", "time_progress",
           "worst_light"]

RULESET_SECTION = "monitoring"
REQUIRED_KEYS = ("gap_points", "min_score", "budget_lights", "indicator_lights", "light_order",
                 "level_units", "qualitative_lights", "review_items", "rectification_days")

#: How a review item's share is measured from the form (``review_items[].measure``).
MEASURES = {
    "completeness": "已填报的监控数据格数 ÷ 应填格数（每条指标：截至监控月完成值、全年预计完成值、完成目标可能性）",
    "deviations_explained": "亮黄灯、红灯或蓝灯的指标中，偏差原因和原因说明均已填写的比例（无偏差指标为 1）",
    "measures": "有偏差指标或预算灯非最佳时是否填写纠偏措施（1 或 0；无偏差为 1）",
    "evidence": "附有佐证材料的指标比例",
}

#: Columns of :attr:`MonitoringResult.indicators`.
INDICATOR_COLUMNS = ["indicator_id", "level1", "level2", "name", "comparator", "target_text",
                     "progress_text", "expected_text", "ratio", "light", "deviating",
                     "likelihood", "cause", "explanation", "evidence"]

#: Chinese headers of the indicator progress table in reports.
INDICATOR_HEADERS = {
    "level2": "二级指标", "name": "三级指标", "target_text": "年度指标值",
    "progress_text": "截至监控月完成值", "ratio": "完成进度比", "light": "灯色",
    "expected_text": "全年预计完成值", "likelihood": "完成目标可能性", "cause": "偏差原因",
    "explanation": "原因说明",
}

#: The budget table of a report (:func:`budget_frame`): headers and display formats.
BUDGET_HEADERS = {"budget": "年初预算数(万元)", "spent_ytd": "截至监控月执行数(万元)",
                  "execution_ytd": "预算执行率", "time_progress": "时间进度",
                  "ratio": "执行进度÷时间进度", "light": "灯色",
                  "expected_spent": "全年预计执行数(万元)"}
BUDGET_FORMATS = {"budget": ".2f", "spent_ytd": ".2f", "execution_ytd": ".2%",
                  "time_progress": ".1%", "ratio": ".1%", "expected_spent": ".2f"}

#: The portfolio 监控情况表 (:func:`evaluate_many`): column → Chinese header.
MONITORING_HEADERS = {
    "project_id": "项目编码", "project_name": "项目名称", "unit_name": "预算单位",
    "month": "监控月份", "budget": "预算数(万元)", "spent_ytd": "截至监控月执行数(万元)",
    "execution_ytd": "截至监控月执行率", "budget_ratio": "执行进度÷时间进度",
    "budget_light": "预算执行灯", "light": "目标完成灯", "lights": "指标灯色分布",
    "expected_execution": "预计全年执行率", "expected_completion": "预计目标完成率",
    "gap_points": "偏差(百分点)", "relative_gap": "相对偏差", "review_score": "监控审核得分",
    "flagged": "需整改", "reasons": "整改原因",
}


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MonitoringResult(StageResult):
    """One project's monitoring at a checkpoint, unrounded (a :class:`StageResult`).

    Attributes
    ----------
    project_id : object
    month : int
        The checkpoint month M.
    time_progress : float
        ``M / 12``.
    budget : dict
        ``budget``, ``spent_ytd``, ``execution_ytd`` (spent_ytd / budget), ``ratio``
        (execution_ytd / time_progress), ``light``, ``expected_spent``.
    indicators : DataFrame
        One row per indicator of the sheet, columns :data:`INDICATOR_COLUMNS`.
    light : str
        The project's light: the worst of its indicators' lights.
    projection : dict
        ``execution_rate`` and ``completion_rate`` expected for the year, ``gap_points``
        ((completion − execution) × 100) and ``relative_gap`` ((completion − execution) /
        execution, NaN at zero execution).
    review : DataFrame
        The review score table: ``item``, ``points``, ``measure``, ``share``, ``score``, ``lost``.
    review_score : float
    flagged : bool
        Whether a rectification notice is due.
    reasons : tuple of str
        Why (empty when not flagged).
    checkpoint, deadline : str
        ISO dates: the checkpoint (last day of month M) and the rectification deadline.
    measures : str
        The 纠偏措施 the department wrote.
    rules : dict
        ``gap_points``, ``min_score``, ``rectification_days``, ``light_order`` and ``over_run``
        (the light of the top indicator band, blue).
    ruleset : dict
    """

    project_id: Any
    month: int
    time_progress: float
    budget: dict
    indicators: pd.DataFrame
    light: str
    projection: dict
    review: pd.DataFrame
    review_score: float
    flagged: bool
    reasons: tuple[str, ...]
    checkpoint: str
    deadline: str
    measures: str
    rules: dict
    ruleset: dict

    def to_frame(self) -> pd.DataFrame:
        """The indicator progress table."""
        return self.indicators

    def light_counts(self) -> dict[str, int]:
        """Indicators per light, in the rule set's order (worst first)."""
        counts = self.indicators["light"].value_counts()
        return {light: int(counts.get(light, 0)) for light in self.rules["light_order"]}

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable record (floats unrounded).

        Keys: ``project_id``, ``month``, ``review_score``, ``light``, ``budget_light``,
        ``execution_ytd``, ``budget_ratio``, ``lights`` ({light: count}), ``expected_execution``,
        ``expected_completion``, ``gap_points``, ``relative_gap``, ``flagged``, ``rectification``
        (需整改 / 无需整改), ``reasons``, ``checkpoint``, ``deadline``, ``review_scores`` ({item:
        score}) and the rule-set record.
        """
        p = self.projection
        return {
            "project_id": plain(self.project_id),
            "month": int(self.month),
            "review_score": float(self.review_score),
            "light": self.light,
            "budget_light": self.budget["light"],
            "execution_ytd": float(self.budget["execution_ytd"]),
            "budget_ratio": float(self.budget["ratio"]),
            "lights": self.light_counts(),
            "expected_execution": float(p["execution_rate"]),
            "expected_completion": float(p["completion_rate"]),
            "gap_points": float(p["gap_points"]),
            "relative_gap": None if math.isnan(p["relative_gap"]) else float(p["relative_gap"]),
            "flagged": bool(self.flagged),
            "rectification": "需整改" if self.flagged else "无需整改",
            "reasons": list(self.reasons),
            "checkpoint": self.checkpoint,
            "deadline": self.deadline,
            "review_scores": {str(i): float(s) for i, s in
                              zip(self.review["item"], self.review["score"], strict=True)},
            **self.ruleset,
        }

    _html_digits = 2

    def _html_facts(self) -> list[tuple[str, object]]:
        return [("项目", self.project_id), ("监控月份", f"{self.month} 月"),
                ("预算执行灯", self.budget["light"]), ("目标完成灯", self.light),
                ("监控审核得分", f"{self.review_score:.2f}"),
                ("需整改", "是" if self.flagged else "否")]

    def _html_notes(self) -> list[tuple[str, object]]:
        return [("整改原因", reason) for reason in self.reasons]

    def _html_tables(self) -> list[pd.DataFrame]:
        return [self.indicators, self.review]


# --------------------------------------------------------------------------------------------
# Formulas (plain arrays)
# --------------------------------------------------------------------------------------------

def time_progress(month: int | float) -> float:
    """Time progress of a checkpoint: ``month / 12`` (DOMAIN.md §6).

    >>> time_progress(7)
    0.5833333333333334
    """
    if not (isinstance(month, (int, float, np.integer, np.floating)) and 1 <= month <= 12):
        raise InputError(f"监控月份应为 1 至 12，实际为 {month!r} (expected a month 1–12)")
    return float(month) / 12.0


def indicator_ratios(comparator: Any, value: Any, target: Any, unit: Any, month: int | float, *,
                     level_units: tuple[str, ...] = ("%",)) -> np.ndarray:
    """Progress ratio of each indicator at a checkpoint, before it is banded into a light.

    Parameters
    ----------
    comparator, value, target, unit : array-like
        Per indicator: ``≥``, ``≤``, ``=`` or ``定性``; the progress value so far (NaN when not
        filled in); the annual target; the unit.
    month : int
        The checkpoint month; time progress ``t = month / 12``.
    level_units : tuple of str
        Units in which a ``≥`` indicator is a level (a rate), not a count that grows over the
        year (rule set ``monitoring.level_units``).

    Returns
    -------
    numpy.ndarray
        ``≥`` counted: ``value / target / t`` (a zero target: 1); ``≥`` level:
        ``value / target``; ``≤``: ``target / value`` (∞ at a value ≤ 0); ``=``: 1 when met
        (``value == target``; a zero target is met only by a value ≤ 0), else ``min / max`` of
        value and target (0 for a zero target); NaN for ``定性`` rows and missing values.

    References
    ----------
    .. [1] DOMAIN.md §6, monitoring: time progress and lights; §3, the comparators.

    Examples
    --------
    >>> indicator_ratios(["≥", "≥", "≤", "=", "定性"], [350, 91, 80, 0, np.nan],
    ...                  [1000, 90, 100, 0, np.nan], ["人", "%", "元", "次", ""], 7).round(4)
    array([0.6   , 1.0111, 1.25  , 1.    ,    nan])
    """
    cmp = np.asarray(comparator, dtype=object)
    v = np.asarray(value, dtype=float)
    tgt = np.asarray(target, dtype=float)
    level = np.isin(np.asarray(unit, dtype=object), list(level_units))
    t = time_progress(month)
    out = np.full(len(cmp), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ge = cmp == "≥"
        ratio_ge = np.where(tgt > 0, v / tgt, 1.0)
        out = np.where(ge, np.where(level, ratio_ge, np.where(tgt > 0, ratio_ge / t, 1.0)), out)
        out = np.where(cmp == "≤", np.where(v > 0, tgt / v, np.inf), out)
        met = np.where(tgt == 0, v <= 0, v == tgt)
        partial = np.where(tgt == 0, 0.0,
                           np.minimum(v, tgt) / np.maximum(np.maximum(v, tgt), 1e-300))
        out = np.where(cmp == "=", np.where(met, 1.0, np.clip(partial, 0, 1)), out)
    return np.where(np.isnan(v), np.nan, out)


def review_score(points: Any, shares: Any) -> float:
    """The monitoring review score ``Σ points × share`` (DOMAIN.md §12 [I]).

    >>> review_score([40, 30, 20, 10], [1, 0.5, 1, 0.75])
    82.5
    """
    p = np.asarray(points, dtype=float)
    s = np.asarray(shares, dtype=float)
    if np.any((s < 0) | (s > 1)):
        raise InputError(f"审核项得分比例应在 0 至 1 之间，实际为 {s.tolist()} (shares in [0, 1])")
    return float(np.sum(p * s))


def flagged(gap_points: float, score: float, *, gap_limit: float, min_score: float) -> bool:
    """The seed county's rule: a notice when ``|gap| > gap_limit`` or ``score < min_score``.

    Both comparisons are strict (DOMAIN.md §1: "differ by more than 20 points", "below 60"), on
    values rounded to 9 decimals first, so float noise ((0.9 − 0.7) × 100 = 20.000000000000004)
    does not flag a gap of exactly 20 points; no real rate is that precise.

    >>> flagged(20.000000000000004, 60.0, gap_limit=20, min_score=60)
    False
    >>> flagged(-20.01, 95, gap_limit=20, min_score=60), flagged(0, 59.99, gap_limit=20, min_score=60)
    (True, True)
    """
    gap = round(abs(float(gap_points)), 9)
    return bool((not math.isnan(gap) and gap > gap_limit) or round(float(score), 9) < min_score)


def budget_status(budget: float, spent_ytd: float, expected_spent: float, month: int,
                  budget_bands: tuple[Band, ...]) -> dict[str, Any]:
    """The budget side of a checkpoint, for a project or a budget unit as a whole.

    ``execution_ytd = spent_ytd / budget``, ``ratio = execution_ytd / (month / 12)`` banded
    into a light by the rule set's ``budget_lights`` (DOMAIN.md §6).

    >>> from evalkit.rules import load_ruleset
    >>> b = budget_status(100.0, 35.0, 95.0, 6, _light_bands(load_ruleset("national"))[0])
    >>> round(b["ratio"], 4), b["light"]
    (0.7, '黄')
    """
    execution_ytd = spent_ytd / budget
    ratio = execution_ytd / time_progress(month)
    return {"budget": budget, "spent_ytd": spent_ytd, "execution_ytd": execution_ytd,
            "ratio": ratio, "light": str(band_of([ratio], budget_bands)[0]),
            "expected_spent": expected_spent}


def progress_lights(ratio: np.ndarray, qualitative: np.ndarray, likelihood: list[str],
                    section: Mapping[str, Any], indicator_bands: tuple[Band, ...]) -> np.ndarray:
    """Lights of progress ratios (:func:`indicator_ratios`): banded by ``indicator_lights``; a
    qualitative row takes the light of its 完成目标可能性 (``qualitative_lights``); a row without
    a value takes the worst light (``light_order[0]``).

    >>> from evalkit.rules import load_ruleset
    >>> rs = load_ruleset("national")
    >>> progress_lights(np.array([1.3, 0.7, np.nan, np.nan]), np.array([0, 0, 1, 0], bool),
    ...                 ["", "", "有可能", ""], rs.section("monitoring"),
    ...                 _light_bands(rs)[1]).tolist()
    ['蓝', '黄', '黄', '红']
    """
    worst = section["light_order"][0]
    light = band_of(ratio, indicator_bands)
    for i in np.flatnonzero(qualitative):
        light[i] = section["qualitative_lights"].get(likelihood[i], worst)
    return np.where(light == "", worst, light)


def worst_light(lights: Any, order: list[str]) -> str:
    """The worst of some lights in ``order`` (worst first); the best light when there are none.

    >>> worst_light(["绿", "蓝", "黄"], ["红", "黄", "蓝", "绿"]), worst_light([], ["红", "绿"])
    ('黄', '绿')
    """
    lights = list(lights)
    return min(lights, key=order.index) if lights else order[-1]


def checkpoint_dates(year: int, month: int, days: int) -> tuple[str, str]:
    """The checkpoint (last day of ``month``) and the deadline ``days`` after it, ISO dates.

    >>> checkpoint_dates(2020, 7, 30)
    ('2020-07-31', '2020-08-30')
    """
    checkpoint = dt.date(year, month, calendar.monthrange(year, month)[1])
    return checkpoint.isoformat(), (checkpoint + dt.timedelta(days=days)).isoformat()


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------

def framework(ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """The rule set's monitoring review-score table: ``item``, ``points``, ``measure``,
    ``how`` (how the share is measured, in Chinese).

    >>> framework()[["item", "points"]].values.tolist()
    [['填报完整性', 40], ['偏差原因说明', 30], ['纠偏措施', 20], ['佐证材料', 10]]
    """
    rs = load_ruleset(ruleset)
    items = rs.section(RULESET_SECTION)["review_items"]
    return pd.DataFrame({"item": [i["item"] for i in items],
                         "points": [i["points"] for i in items],
                         "measure": [i["measure"] for i in items],
                         "how": [MEASURES[i["measure"]] for i in items]})


def budget_frame(result: MonitoringResult) -> pd.DataFrame:
    """The budget row of a monitoring result as a one-row table (columns :data:`BUDGET_HEADERS`).
    """
    return pd.DataFrame([{**result.budget, "time_progress": result.time_progress}])[
        list(BUDGET_HEADERS)]


def monitored(dataset: Dataset) -> list[str]:
    """The projects with a monitoring form (rows in the 绩效监控 table), in projects order."""
    if MONITORING.name not in dataset.tables:
        return []
    have = set(dataset.tables[MONITORING.name]["project_id"])
    return [p for p in dataset.projects["project_id"] if p in have]


def evaluate(dataset: Dataset, project_id: Any, *,
             ruleset: str | Path | RuleSet = "national") -> MonitoringResult:
    """Monitor one project of a dataset at its checkpoint (see the module docstring).

    An indicator of the sheet without a 监控指标 row counts as a row left blank (no progress,
    expected value or likelihood).

    Raises
    ------
    InputError
        An unknown project, or a project without a monitoring form (绩效监控 row).

    Examples
    --------
    >>> from evalkit.io import Dataset
    >>> sheet = pd.DataFrame({"project_id": "P1", "indicator_id": ["I1", "I2"],
    ...     "level1": "产出指标", "level2": ["数量指标", "质量指标"], "name": ["培训人次", "合格率"],
    ...     "comparator": "≥", "target": [1200.0, 90.0], "unit": ["人次", "%"],
    ...     "weight": [50, 40], "actual": np.nan, "actual_text": ""})
    >>> projects = pd.DataFrame({"project_id": ["P1"], "project_name": "培训", "unit_name": "局",
    ...     "category": "本级", "is_poverty": False, "budget": [100.0], "received": [100.0],
    ...     "spent": [90.0], "year": [2020]})
    >>> forms = pd.DataFrame({"project_id": ["P1"], "month": [6.0], "spent_ytd": [30.0],
    ...     "expected_spent": [90.0], "measures": [""]})
    >>> rows = pd.DataFrame({"project_id": "P1", "indicator_id": ["I1", "I2"],
    ...     "progress": ["840", "92%"], "expected": ["1200", "92%"], "likelihood": "确定能",
    ...     "cause": "", "explanation": "", "evidence": ["E1", "E2"]})
    >>> ds = Dataset({"projects": projects, "indicators": sheet, "monitoring": forms,
    ...               "monitoring_indicators": rows}, "例", {})
    >>> r = evaluate(ds, "P1")
    >>> r.budget["light"], r.indicators["light"].tolist(), r.light, round(r.review_score, 2)
    ('黄', ['蓝', '绿'], '蓝', 50.0)

    Budget 30 / 100 / (6/12) = 0.6 → yellow; I1 840 / 1200 / 0.5 = 1.4 → blue, I2 92 % / 90 % →
    green. Review: every cell filled 40; the blue row unexplained 0 of 30; no 纠偏措施 although a
    row is off track 0 of 20; evidence on both rows 10: 50.
    """
    project_row(dataset, project_id)
    if project_id not in monitored(dataset):
        raise InputError(f"项目 {project_id!r}：绩效监控表中没有该项目的监控数据 "
                         f"(expected a row in the monitoring table, found none)")
    return _monitor(dataset, [project_id], load_ruleset(ruleset))[0]


def evaluate_many(dataset: Dataset, *, ruleset: str | Path | RuleSet = "national",
                  project_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """The portfolio 监控情况表: every monitored project, one row each (columns
    :data:`MONITORING_HEADERS`, unrounded; ``lights`` as ``红1 黄0 …``).

    ``project_ids`` keeps the table to those of the monitored projects (a unit's, for its
    部门整体 monitoring report), in projects order; by default every monitored project.
    """
    rs = load_ruleset(ruleset)
    ids = monitored(dataset)
    if project_ids is not None:
        wanted = set(project_ids)
        ids = [p for p in ids if p in wanted]
    projects = dataset.projects.set_index("project_id")
    rows = []
    for r in _monitor(dataset, ids, rs) if ids else []:
        p = projects.loc[r.project_id]
        rows.append({
            "project_id": r.project_id, "project_name": p.get("project_name", ""),
            "unit_name": p.get("unit_name", ""), "month": r.month,
            "budget": r.budget["budget"], "spent_ytd": r.budget["spent_ytd"],
            "execution_ytd": r.budget["execution_ytd"], "budget_ratio": r.budget["ratio"],
            "budget_light": r.budget["light"], "light": r.light,
            "lights": " ".join(f"{k}{v}" for k, v in r.light_counts().items()),
            "expected_execution": r.projection["execution_rate"],
            "expected_completion": r.projection["completion_rate"],
            "gap_points": r.projection["gap_points"],
            "relative_gap": r.projection["relative_gap"], "review_score": r.review_score,
            "flagged": r.flagged, "reasons": "；".join(r.reasons)})
    return pd.DataFrame(rows, columns=list(MONITORING_HEADERS))


def portfolio_sheet(table: pd.DataFrame) -> pd.DataFrame:
    """A 监控情况表 (:func:`evaluate_many`) as users read it: Chinese headers, 需整改 as 是/否."""
    return table.assign(flagged=table["flagged"].map({True: "是", False: "否"})).rename(
        columns=MONITORING_HEADERS)


def county_monitoring(table: pd.DataFrame) -> dict[str, Any]:
    """County figures of a 监控情况表 (:func:`evaluate_many`): projects monitored, the average
    review score (the seed's 监控审核结果平均分), rectification notices, and projects per
    project light and per budget light.

    >>> t = pd.DataFrame({"review_score": [100, 90.1], "flagged": [False, True],
    ...                   "light": ["绿", "红"], "budget_light": ["绿", "绿"]})
    >>> county_monitoring(t)["average_review_score"], county_monitoring(t)["n_notices"]
    (95.05, 1)
    """
    return {"n_monitored": int(len(table)),
            "average_review_score": float(table["review_score"].mean()) if len(table) else
            math.nan,
            "n_notices": int(table["flagged"].astype(bool).sum()),
            **{f"n_light_{k}": int(v) for k, v in table["light"].value_counts().items()},
            **{f"n_budget_light_{k}": int(v)
               for k, v in table["budget_light"].value_counts().items()}}


def flagged_projects(dataset: Dataset, *, ruleset: str | Path | RuleSet = "national") -> list[str]:
    """The monitored projects due a rectification notice under ``ruleset``."""
    table = evaluate_many(dataset, ruleset=ruleset)
    return list(table.loc[table["flagged"].astype(bool), "project_id"])


def check_ruleset(section: Mapping[str, Any], fail: Callable[[str, str, object], None]) -> None:
    """Validate a rule set's ``monitoring`` section; ``fail(key, expected, found)`` raises.

    Checks: the keys of :data:`REQUIRED_KEYS`; ``gap_points`` and ``min_score`` numbers ≥ 0;
    ``budget_lights`` and ``indicator_lights`` contiguous half-open bands from 0 up (see
    :func:`evalkit.rules.bands`); every light of them and of ``qualitative_lights`` (a mapping
    of each 完成目标可能性 to a light) listed in ``light_order``; ``review_items`` with a known
    ``measure`` and points summing to 100; ``rectification_days`` a whole number ≥ 1.

    >>> from evalkit.rules import failer, load_ruleset
    >>> section = dict(load_ruleset("national").data["monitoring"])
    >>> check_ruleset(section, failer("national.yaml"))
    >>> check_ruleset({**section, "light_order": ["红", "黄", "绿"]}, failer("national.yaml"))
    Traceback (most recent call last):
    ...
    evalkit.errors.RuleSetError: rule set national.yaml: key 'monitoring.light_order': expected every light of the section (红, 绿, 蓝, 黄), found ['红', '黄', '绿']
    """
    require_keys(section, RULESET_SECTION, REQUIRED_KEYS, fail)
    for key in ("gap_points", "min_score"):
        if not is_number(section[key]) or section[key] < 0:
            fail(f"monitoring.{key}", "a number ≥ 0", section[key])
    used = {b.label for key in ("budget_lights", "indicator_lights")
            for b in bands(section[key], f"monitoring.{key}", "light", fail)}
    qual = section["qualitative_lights"]
    if not isinstance(qual, Mapping) or set(qual) != set(MONITORING_LIKELIHOODS):
        fail("monitoring.qualitative_lights", f"a light for each of {list(MONITORING_LIKELIHOODS)}",
             qual)
    used |= set(qual.values())
    order = section["light_order"]
    if not isinstance(order, list) or set(order) != used or len(order) != len(used):
        fail("monitoring.light_order", f"every light of the section ({', '.join(sorted(used))})",
             order)
    if not isinstance(section["level_units"], list):
        fail("monitoring.level_units", "a list of units", section["level_units"])
    items = section["review_items"]
    if not isinstance(items, list) or not items:
        fail("monitoring.review_items", "a non-empty list", items)
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or item.get("measure") not in MEASURES or "item" not in item:
            fail(f"monitoring.review_items[{i}]", f"item, points and a measure of {list(MEASURES)}",
                 item)
    check_sum([i.get("points") for i in items], 100, "monitoring.review_items", fail)
    days = section["rectification_days"]
    if not (isinstance(days, int) and not isinstance(days, bool) and days >= 1):
        fail("monitoring.rectification_days", "a whole number of days ≥ 1", days)


# --------------------------------------------------------------------------------------------
# Core
# --------------------------------------------------------------------------------------------

def _filled(value: Any) -> bool:
    """A cell holds something (not None, NaN or blank text)."""
    return not (value is None or (isinstance(value, float) and math.isnan(value))) \
        and bool(str(value).strip())


def _cell_text(value: Any) -> str:
    """A cell as the text io left it (already canonical; explanations keep their ，)."""
    return str(value).strip() if _filled(value) else ""


def _parsed(indicator: pd.DataFrame, cells: pd.Series) -> np.ndarray:
    """The numbers of progress or expected cells, parsed against each indicator's target (NaN
    when blank or qualitative)."""
    out = np.full(len(indicator), np.nan)
    for i, (cmp, tgt, unit, cell) in enumerate(zip(indicator["comparator"], indicator["target"],
                                                   indicator["unit"], cells, strict=True)):
        if cmp != "定性" and _filled(cell):
            out[i] = parse_indicator_cells(cmp, tgt, unit, cell).actual
    return out


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    return [_cell_text(v) for v in frame[column]]


def _target_text(row: Any) -> str:
    if row.comparator == "定性":
        return "定性"
    return f"{row.comparator}{row.target:g}{row.unit if isinstance(row.unit, str) else ''}"


def _light_bands(rs: RuleSet) -> tuple[tuple[Band, ...], tuple[Band, ...]]:
    section, fail = rs.section(RULESET_SECTION), failer(rs.source)
    return tuple(bands(section[key], f"monitoring.{key}", "light", fail)
                 for key in ("budget_lights", "indicator_lights"))


def _projection(dataset: Dataset, ids: list[str], rs: RuleSet) -> pd.DataFrame:
    """Expected full-year execution and completion rates: the self-evaluation's rates
    (:func:`evalkit.summary.summarize_projects`) of the expected spending and values."""
    from evalkit.summary import summarize_projects

    forms = dataset.tables[MONITORING.name].set_index("project_id")
    rows = dataset.tables[MONITORING_INDICATORS.name].set_index(["project_id", "indicator_id"])
    projects = dataset.projects[dataset.projects["project_id"].isin(ids)].copy()
    projects["spent"] = forms["expected_spent"].reindex(projects["project_id"]).to_numpy()
    sheet = dataset.indicators[dataset.indicators["project_id"].isin(ids)].copy()
    keys = pd.MultiIndex.from_frame(sheet[["project_id", "indicator_id"]])
    expected = rows["expected"].reindex(keys)
    sheet["actual"] = _parsed(sheet, pd.Series(expected.to_numpy(), index=sheet.index))
    sheet["actual_text"] = [_cell_text(v) for v in expected]
    return summarize_projects(projects, sheet, ruleset=rs).set_index("project_id")


def _monitor(dataset: Dataset, ids: list[str], rs: RuleSet) -> list[MonitoringResult]:
    section = rs.section(RULESET_SECTION, needed_by="绩效运行监控")
    budget_bands, indicator_bands = _light_bands(rs)
    order = list(section["light_order"])
    best = order[-1]
    forms = dataset.tables[MONITORING.name].set_index("project_id")
    rows = dataset.tables[MONITORING_INDICATORS.name]
    projection = _projection(dataset, ids, rs)
    results = []
    for pid in ids:
        project = project_row(dataset, pid)
        form = forms.loc[pid]
        month = int(form["month"])
        t = time_progress(month)
        sheet = dataset.indicators[dataset.indicators["project_id"] == pid].reset_index(drop=True)
        mine = (rows[rows["project_id"] == pid].set_index("indicator_id")
                .reindex(sheet["indicator_id"]).reset_index())
        progress = _parsed(sheet, mine["progress"])
        ratio = indicator_ratios(sheet["comparator"], progress, sheet["target"], sheet["unit"],
                                 month, level_units=tuple(section["level_units"]))
        likelihood = _texts(mine, "likelihood")
        light = progress_lights(ratio, (sheet["comparator"] == "定性").to_numpy(), likelihood,
                                section, indicator_bands)
        table = pd.DataFrame({
            "indicator_id": sheet["indicator_id"], "level1": sheet["level1"],
            "level2": sheet["level2"], "name": sheet["name"], "comparator": sheet["comparator"],
            "target_text": [_target_text(r) for r in sheet.itertuples(index=False)],
            "progress_text": _texts(mine, "progress"), "expected_text": _texts(mine, "expected"),
            "ratio": ratio, "light": light, "deviating": light != best,
            "likelihood": likelihood, "cause": _texts(mine, "cause"),
            "explanation": _texts(mine, "explanation"), "evidence": _texts(mine, "evidence")})
        budget = budget_status(float(project["budget"]), float(form["spent_ytd"]),
                               float(form["expected_spent"]), month, budget_bands)
        budget_light = budget["light"]
        measures = _cell_text(form["measures"])
        review = _review(table, section["review_items"], measures,
                         needs_measures=bool(table["deviating"].any()) or budget_light != best)
        score = review_score(review["points"], review["share"])
        proj = projection.loc[pid]
        execution, completion = float(proj["execution_rate"]), float(proj["completion_rate"])
        gap = (completion - execution) * 100.0
        relative = (completion - execution) / execution if execution > 0 else math.nan
        is_flagged = flagged(gap, score, gap_limit=section["gap_points"],
                             min_score=section["min_score"])
        reasons = []
        if is_flagged and flagged(gap, 100.0, gap_limit=section["gap_points"], min_score=0):
            reasons.append(f"预计全年预算执行率（{execution:.2%}）与绩效目标完成率"
                           f"（{completion:.2%}）相差 {abs(gap):.2f} 个百分点，超过 "
                           f"{section['gap_points']:g} 个百分点")
        if is_flagged and flagged(0.0, score, gap_limit=math.inf, min_score=section["min_score"]):
            reasons.append(f"监控审核得分 {score:.2f} 分，低于 {section['min_score']:g} 分")
        year = int(project["year"]) if "year" in project and not pd.isna(project["year"]) else \
            dt.date.today().year
        checkpoint, deadline = checkpoint_dates(year, month, int(section["rectification_days"]))
        results.append(MonitoringResult(
            project_id=pid, month=month, time_progress=t,
            budget=budget, indicators=table, light=worst_light(light, order),
            projection={"execution_rate": execution, "completion_rate": completion,
                        "gap_points": gap, "relative_gap": relative},
            review=review, review_score=score,
            flagged=is_flagged,
            reasons=tuple(reasons), checkpoint=checkpoint,
            deadline=deadline, measures=measures,
            rules={"gap_points": section["gap_points"], "min_score": section["min_score"],
                   "rectification_days": section["rectification_days"], "light_order": order,
                   "over_run": indicator_bands[0].label},
            ruleset=rs.to_record()))
    return results


def _review(table: pd.DataFrame, items: list[Mapping[str, Any]], measures: str, *,
            needs_measures: bool) -> pd.DataFrame:
    """The review-score table of one form (see :data:`MEASURES`)."""
    n = len(table)
    filled = sum((table[c] != "").sum() for c in ("progress_text", "expected_text",
                                                  "likelihood"))
    deviating = table[table["deviating"]]
    explained = ((deviating["cause"] != "") & (deviating["explanation"] != "")).sum()
    shares = {
        "completeness": filled / (3 * n) if n else 1.0,
        "deviations_explained": explained / len(deviating) if len(deviating) else 1.0,
        "measures": 1.0 if (not needs_measures or measures) else 0.0,
        "evidence": (table["evidence"] != "").sum() / n if n else 1.0,
    }
    points = np.array([float(i["points"]) for i in items])
    share = np.array([float(shares[i["measure"]]) for i in items])
    return pd.DataFrame({"item": [i["item"] for i in items], "points": points,
                         "measure": [i["measure"] for i in items], "share": share,
                         "score": points * share, "lost": points * (1 - share)})
