"""Monitoring of a budget unit as a whole (部门整体支出绩效运行监控) at a checkpoint.

The seed county "monitored 77 projects and 69 units twice over (budget execution and target
attainment)" (DOMAIN.md §1). A unit's 绩效监控表 gives its spending so far and the expected
full-year spending against the units table's budget, and per key task (``unit_tasks``) the
progress so far, the expected full-year value, 完成目标可能性, 偏差原因 and an explanation. The
figures are the project monitoring's (:mod:`evalkit.stages.monitoring`, same rule-set section
``monitoring``, no threshold of its own):

- **time progress** ``t = M / 12`` and the **budget light** from ``(spent so far / budget) / t``
  (:func:`~evalkit.stages.monitoring.budget_status`, ``budget_lights``);
- **key-task lights**: a key task is a ``≥`` target counted up over the year, so its ratio is
  ``(progress / target) / t`` (a task measured in a level unit, ``level_units``, without ``t``),
  banded by ``indicator_lights``; a task without a progress value takes the worst light
  (:func:`~evalkit.stages.monitoring.indicator_ratios`,
  :func:`~evalkit.stages.monitoring.progress_lights`);
- **the unit's light** is the worst of its key tasks' (``light_order``);
- **the monitoring review score** of the unit's form, ``Σ points × share`` over the same
  ``review_items`` (completeness of the task rows, deviations explained, 纠偏措施, evidence);
- **the roll-up of the unit's projects**: its monitored projects per target light and per
  budget light and how many are due a rectification notice (the project 监控情况表,
  :func:`evalkit.stages.monitoring.evaluate_many`).

The stage protocol (:mod:`evalkit.stages`): :func:`framework`, :func:`evaluate`,
:func:`evaluate_many` (the units' 监控情况表), :func:`check_ruleset` (the ``monitoring`` section's).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit.errors import InputError
from evalkit.rules import RuleSet, load_ruleset
from evalkit.schemas import UNIT_MONITORING, UNIT_TASK_MONITORING
from evalkit.stages import monitoring
from evalkit.stages.base import StageResult, plain
from evalkit.stages.monitoring import (
    REQUIRED_KEYS,
    RULESET_SECTION,
    check_ruleset,
    framework,
)

if TYPE_CHECKING:
    from evalkit.io import Dataset

__all__ = ["REQUIRED_KEYS", "RULESET_SECTION", "TASK_HEADERS", "UNIT_MONITORING_HEADERS",
           "UnitMonitoringResult", "check_ruleset", "county_unit_monitoring", "evaluate",
           "evaluate_many", "framework", "monitored_units", "portfolio_sheet"]

#: Columns of :attr:`UnitMonitoringResult.tasks`.
TASK_COLUMNS = ["task_id", "task", "target_text", "progress_text", "expected_text", "ratio",
                "light", "deviating", "likelihood", "cause", "explanation", "evidence"]

#: Chinese headers of the key-task progress table in reports.
TASK_HEADERS = {"task": "重点工作任务", "target_text": "年度目标", "progress_text": "截至监控月完成值",
                "ratio": "完成进度比", "light": "灯色", "expected_text": "全年预计完成值",
                "likelihood": "完成目标可能性", "cause": "偏差原因", "explanation": "原因说明"}

#: The units' 监控情况表 (:func:`evaluate_many`): column → Chinese header.
UNIT_MONITORING_HEADERS = {
    "unit_id": "单位编码", "unit_name": "预算单位", "month": "监控月份",
    "budget": "预算数(万元)", "spent_ytd": "截至监控月执行数(万元)",
    "execution_ytd": "截至监控月执行率", "budget_ratio": "执行进度÷时间进度",
    "budget_light": "预算执行灯", "light": "重点工作灯", "lights": "重点工作灯色分布",
    "expected_execution": "预计全年执行率", "review_score": "监控审核得分",
    "n_projects": "监控项目数", "project_lights": "项目目标灯分布",
    "n_project_notices": "需整改项目数",
}


@dataclass(frozen=True)
class UnitMonitoringResult(StageResult):
    """One budget unit's monitoring at a checkpoint, unrounded (a :class:`StageResult`).

    Attributes
    ----------
    unit_id : object
    unit_name : str
    month : int
    time_progress : float
        ``M / 12``.
    budget : dict
        As :attr:`evalkit.stages.monitoring.MonitoringResult.budget`, for the unit's budget.
    tasks : DataFrame
        One row per key task, columns :data:`TASK_COLUMNS`.
    light : str
        The unit's light: the worst of its key tasks' lights.
    review : DataFrame
        The review score table (as for a project's form).
    review_score : float
    projects : DataFrame
        The unit's rows of the project 监控情况表 (:func:`evalkit.stages.monitoring.evaluate_many`).
    checkpoint : str
        ISO date, the last day of month M.
    measures : str
        The unit's 纠偏措施.
    rules : dict
        ``light_order``.
    ruleset : dict
    """

    unit_id: Any
    unit_name: str
    month: int
    time_progress: float
    budget: dict
    tasks: pd.DataFrame
    light: str
    review: pd.DataFrame
    review_score: float
    projects: pd.DataFrame
    checkpoint: str
    measures: str
    rules: dict
    ruleset: dict

    def to_frame(self) -> pd.DataFrame:
        """The key-task progress table."""
        return self.tasks

    def light_counts(self) -> dict[str, int]:
        """Key tasks per light, in the rule set's order (worst first)."""
        return _counts(self.tasks["light"], self.rules["light_order"])

    def project_light_counts(self) -> dict[str, int]:
        """The unit's monitored projects per target light (worst first)."""
        return _counts(self.projects["light"], self.rules["light_order"])

    def project_budget_light_counts(self) -> dict[str, int]:
        """The unit's monitored projects per budget light (worst first)."""
        return _counts(self.projects["budget_light"], self.rules["light_order"])

    @property
    def n_project_notices(self) -> int:
        """The unit's projects due a rectification notice."""
        return int(self.projects["flagged"].astype(bool).sum())

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable record (floats unrounded).

        Keys: ``unit_id``, ``unit_name``, ``month``, ``review_score``, ``light``,
        ``budget_light``, ``execution_ytd``, ``budget_ratio``, ``expected_execution``
        (expected_spent / budget), ``lights`` ({light: key tasks}), ``n_projects``,
        ``project_lights``, ``project_budget_lights`` ({light: projects}),
        ``n_project_notices``, ``checkpoint``, ``review_scores`` and the rule-set record.
        """
        b = self.budget
        return {
            "unit_id": plain(self.unit_id), "unit_name": self.unit_name,
            "month": int(self.month), "review_score": float(self.review_score),
            "light": self.light, "budget_light": b["light"],
            "execution_ytd": float(b["execution_ytd"]), "budget_ratio": float(b["ratio"]),
            "expected_execution": float(b["expected_spent"] / b["budget"]),
            "lights": self.light_counts(), "n_projects": int(len(self.projects)),
            "project_lights": self.project_light_counts(),
            "project_budget_lights": self.project_budget_light_counts(),
            "n_project_notices": self.n_project_notices, "checkpoint": self.checkpoint,
            "review_scores": {str(i): float(s) for i, s in
                              zip(self.review["item"], self.review["score"], strict=True)},
            **self.ruleset,
        }

    _html_digits = 2

    def _html_facts(self) -> list[tuple[str, object]]:
        return [("预算单位", f"{self.unit_id} {self.unit_name}"), ("监控月份", f"{self.month} 月"),
                ("预算执行灯", self.budget["light"]), ("重点工作灯", self.light),
                ("监控审核得分", f"{self.review_score:.2f}"),
                ("需整改项目", self.n_project_notices)]

    def _html_tables(self) -> list[pd.DataFrame]:
        return [self.tasks, self.review]


def _counts(lights: pd.Series, order: list[str]) -> dict[str, int]:
    counts = lights.value_counts()
    return {light: int(counts.get(light, 0)) for light in order}


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------

def monitored_units(dataset: Dataset) -> list[str]:
    """The units with a monitoring form (rows in the 单位监控 table), in units order."""
    if UNIT_MONITORING.name not in dataset.tables:
        return []
    have = set(dataset.tables[UNIT_MONITORING.name]["unit_id"])
    return [u for u in dataset.units["unit_id"] if u in have]


def evaluate(dataset: Dataset, unit_id: Any, *,
             ruleset: str | Path | RuleSet = "national") -> UnitMonitoringResult:
    """Monitor one budget unit at its checkpoint (see the module docstring).

    A key task without a 重点工作监控 row counts as a row left blank (the worst light).

    Raises
    ------
    InputError
        A unit without a monitoring form (单位监控 row).

    Examples
    --------
    >>> from evalkit.io import Dataset
    >>> units = pd.DataFrame({"unit_id": ["D1"], "unit_name": ["教育局"], "budget": [1200.0]})
    >>> projects = pd.DataFrame({"project_id": ["P1"], "project_name": "培训", "unit_id": "D1",
    ...     "unit_name": "教育局", "category": "本级", "is_poverty": False, "budget": [100.0],
    ...     "received": [100.0], "spent": [90.0], "year": [2020]})
    >>> tasks = pd.DataFrame({"unit_id": "D1", "task_id": ["RW01", "RW02"],
    ...     "task": ["组织业务培训", "办理群众诉求"], "target": [300.0, 100.0], "actual": np.nan,
    ...     "measure": ["人次", "件"]})
    >>> forms = pd.DataFrame({"unit_id": ["D1"], "month": [6.0], "spent_ytd": [420.0],
    ...     "expected_spent": [1150.0], "measures": [""]})
    >>> rows = pd.DataFrame({"unit_id": "D1", "task_id": ["RW01", "RW02"],
    ...     "progress": [200.0, 20.0], "expected": [300.0, 80.0], "likelihood": "确定能",
    ...     "cause": ["", "人员保障"], "explanation": ["", "专业人员不足"], "evidence": ["E1", ""]})
    >>> ds = Dataset({"units": units, "projects": projects, "unit_tasks": tasks,
    ...               "unit_monitoring": forms, "unit_task_monitoring": rows}, "例", {})
    >>> r = evaluate(ds, "D1")
    >>> r.budget["light"], r.tasks["light"].tolist(), r.light, round(r.review_score, 2)
    ('黄', ['蓝', '红'], '红', 60.0)

    Budget 420 / 1200 / (6/12) = 0.7 → yellow; RW01 200 / 300 / 0.5 = 1.33 → blue, RW02
    20 / 100 / 0.5 = 0.4 → red; the unit red. Review: all 6 cells filled 40; 1 of 2 deviating
    tasks explained 15; no 纠偏措施 0; evidence on 1 of 2 tasks 5: 60.
    """
    rs = load_ruleset(ruleset)
    if unit_id not in monitored_units(dataset):
        raise InputError(f"预算单位 {unit_id!r}：单位监控表中没有该单位的监控数据 "
                         f"(expected a row in the unit_monitoring table, found none)")
    return _monitor(dataset, [unit_id], rs, _project_table(dataset, rs, [unit_id]))[0]


def evaluate_many(dataset: Dataset, *,
                  ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """The units' 监控情况表: every monitored unit, one row each (columns
    :data:`UNIT_MONITORING_HEADERS`, unrounded; light distributions as ``红1 黄0 …``)."""
    rs = load_ruleset(ruleset)
    ids = monitored_units(dataset)
    rows = []
    for r in _monitor(dataset, ids, rs, _project_table(dataset, rs, ids)) if ids else []:
        s = r.summary()
        rows.append({
            "unit_id": r.unit_id, "unit_name": r.unit_name, "month": r.month,
            "budget": r.budget["budget"], "spent_ytd": r.budget["spent_ytd"],
            "execution_ytd": s["execution_ytd"], "budget_ratio": s["budget_ratio"],
            "budget_light": s["budget_light"], "light": r.light, "lights": _spread(s["lights"]),
            "expected_execution": s["expected_execution"], "review_score": r.review_score,
            "n_projects": s["n_projects"], "project_lights": _spread(s["project_lights"]),
            "n_project_notices": s["n_project_notices"]})
    return pd.DataFrame(rows, columns=list(UNIT_MONITORING_HEADERS))


def portfolio_sheet(table: pd.DataFrame) -> pd.DataFrame:
    """The units' 监控情况表 (:func:`evaluate_many`) with Chinese headers."""
    return table.rename(columns=UNIT_MONITORING_HEADERS)


def county_unit_monitoring(table: pd.DataFrame) -> dict[str, Any]:
    """County figures of the units' 监控情况表: units monitored, their average review score,
    and units per key-task light and per budget light.

    >>> t = pd.DataFrame({"review_score": [100, 90], "light": ["绿", "红"],
    ...                   "budget_light": ["绿", "绿"]})
    >>> county_unit_monitoring(t)
    {'n_monitored': 2, 'average_review_score': 95.0, 'n_light_绿': 1, 'n_light_红': 1, 'n_budget_light_绿': 2}
    """
    return {"n_monitored": int(len(table)),
            "average_review_score": float(table["review_score"].mean()) if len(table)
            else math.nan,
            **{f"n_light_{k}": int(v) for k, v in table["light"].value_counts().items()},
            **{f"n_budget_light_{k}": int(v)
               for k, v in table["budget_light"].value_counts().items()}}


# --------------------------------------------------------------------------------------------
# Core
# --------------------------------------------------------------------------------------------

def _spread(counts: dict[str, int]) -> str:
    return " ".join(f"{k}{v}" for k, v in counts.items())


def _project_table(dataset: Dataset, rs: RuleSet, unit_ids: list[str]) -> pd.DataFrame:
    """The project 监控情况表 of these units' projects, with each project's unit_id (empty
    without project forms). Only their projects are monitored: one unit's report needs its own
    few, not the whole portfolio."""
    own = dataset.projects["unit_id"].isin(unit_ids).to_numpy()
    table = monitoring.evaluate_many(dataset, ruleset=rs,
                                     project_ids=dataset.projects.loc[own, "project_id"])
    units = dataset.projects.set_index("project_id")["unit_id"]
    return table.assign(unit_id=units.reindex(table["project_id"]).to_numpy())


def _number_text(value: float, unit: str) -> str:
    return "" if math.isnan(value) else f"{value:g}{unit}"


def _monitor(dataset: Dataset, ids: list[str], rs: RuleSet,
             projects: pd.DataFrame) -> list[UnitMonitoringResult]:
    section = rs.section(RULESET_SECTION, needed_by="部门整体支出绩效运行监控")
    budget_bands, task_bands = monitoring._light_bands(rs)
    order = list(section["light_order"])
    forms = dataset.tables[UNIT_MONITORING.name].set_index("unit_id")
    progress_rows = dataset.tables.get(UNIT_TASK_MONITORING.name,
                                       pd.DataFrame(columns=[c.name for c in
                                                             UNIT_TASK_MONITORING.columns]))
    all_tasks = dataset.tables.get("unit_tasks", pd.DataFrame(
        columns=["unit_id", "task_id", "task", "target", "measure"]))
    units = dataset.units.set_index("unit_id")
    results = []
    for uid in ids:
        form, unit = forms.loc[uid], units.loc[uid]
        month = int(form["month"])
        tasks = all_tasks[all_tasks["unit_id"] == uid].reset_index(drop=True)
        mine = (progress_rows[progress_rows["unit_id"] == uid].set_index("task_id")
                .reindex(tasks["task_id"]).reset_index())
        measure = [m if isinstance(m, str) else "" for m in tasks.get("measure", [""] * len(tasks))]
        progress = pd.to_numeric(mine["progress"], errors="coerce").to_numpy(dtype=float)
        expected = pd.to_numeric(mine["expected"], errors="coerce").to_numpy(dtype=float)
        target = tasks["target"].to_numpy(dtype=float)
        ratio = monitoring.indicator_ratios(["≥"] * len(tasks), progress, target, measure, month,
                                            level_units=tuple(section["level_units"]))
        likelihood = monitoring._texts(mine, "likelihood")
        light = monitoring.progress_lights(ratio, np.zeros(len(tasks), dtype=bool), likelihood,
                                           section, task_bands)
        table = pd.DataFrame({
            "task_id": tasks["task_id"], "task": tasks["task"],
            "target_text": [f"≥{t:g}{m}" for t, m in zip(target, measure, strict=True)],
            "progress_text": [_number_text(v, m) for v, m in zip(progress, measure, strict=True)],
            "expected_text": [_number_text(v, m) for v, m in zip(expected, measure, strict=True)],
            "ratio": ratio, "light": light, "deviating": light != order[-1],
            "likelihood": likelihood, "cause": monitoring._texts(mine, "cause"),
            "explanation": monitoring._texts(mine, "explanation"),
            "evidence": monitoring._texts(mine, "evidence")}, columns=TASK_COLUMNS)
        budget = monitoring.budget_status(float(unit["budget"]), float(form["spent_ytd"]),
                                          float(form["expected_spent"]), month, budget_bands)
        measures = monitoring._cell_text(form["measures"])
        review = monitoring._review(table, section["review_items"], measures,
                                    needs_measures=bool(table["deviating"].any())
                                    or budget["light"] != order[-1])
        year = _year(dataset, uid)
        results.append(UnitMonitoringResult(
            unit_id=uid, unit_name=str(unit["unit_name"]), month=month,
            time_progress=monitoring.time_progress(month), budget=budget, tasks=table,
            light=monitoring.worst_light(light, order), review=review,
            review_score=monitoring.review_score(review["points"], review["share"]),
            projects=projects[projects["unit_id"] == uid].reset_index(drop=True),
            checkpoint=monitoring.checkpoint_dates(year, month, 1)[0], measures=measures,
            rules={"light_order": order}, ruleset=rs.to_record()))
    return results


def _year(dataset: Dataset, unit_id: Any) -> int:
    """The budget year of a unit (the units table has none): its projects' year, else the
    dataset's most common project year, else this year."""
    if "year" not in dataset.projects:
        return dt.date.today().year
    years = dataset.projects["year"]
    own = years[(dataset.projects["unit_id"] == unit_id).to_numpy()].dropna()
    pool = own if len(own) else years.dropna()
    return int(pool.mode().iloc[0]) if len(pool) else dt.date.today().year
