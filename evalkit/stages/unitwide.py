"""Department-wide evaluation (部门整体支出绩效评价) of a budget unit on 投入 / 过程 / 产出 / 效果.

A first-level budget unit is evaluated as a whole on the common indicators of 财预〔2013〕53号
(DOMAIN.md §13): what it was given (投入: targets, staff, "三公经费"), how it spent (过程: execution,
adjustments, carry-over, procurement, management and assets), what it delivered (产出: its key tasks
and the roll-up of its projects) and to what effect (效果: 履职效益, 服务对象满意度). The indicators,
their points, formulas' thresholds and deduction rates are the rule set's ``unitwide`` section.

Two views of the same framework, one per report type:

- **self** (部门整体支出绩效自评表): the judged items carry the unit's own tiers (``self_tier``);
- **third party** (部门整体支出绩效评价报告): they carry the evaluator's tiers (``tier``).

Every quantitative indicator is computed from the unit's figures in both views.

The stage protocol (:mod:`evalkit.stages`): :func:`framework`, :func:`evaluate` (third party) and
:func:`evaluate_self`, :func:`evaluate_many`, :func:`check_ruleset`. On plain tables:
:func:`assess`, and :func:`score_measure` for one indicator's rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evalkit.errors import InputError
from evalkit.rules import RuleSet, band_of, check_sum, is_number, load_ruleset
from evalkit.schemas import has_indicator_sheet
from evalkit.stages.base import StageResult, plain, require_keys
from evalkit.summary import SUMMARY_HEADERS, county_figures, summarize_projects

if TYPE_CHECKING:
    from evalkit.io import Dataset

__all__ = ["MEASURES", "REQUIRED_KEYS", "RULESET_SECTION", "UnitEvalResult", "VIEWS", "assess",
           "check_ruleset", "evaluate", "evaluate_many", "evaluate_self", "framework",
           "measure_values", "project_summary", "score_measure"]

RULESET_SECTION = "unitwide"
REQUIRED_KEYS = ("level1", "indicators")

#: The two views: which judgement column each reads, and what its score is called.
VIEWS = {"self": ("self_tier", "自评"), "third_party": ("tier", "评价")}

#: Measure → (formula in words, the units-table columns it reads). DOMAIN.md §13 [C].
MEASURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "staff_rate": ("在职人员数 / 编制数", ("staff", "authorized_staff")),
    "sangong_change": ("(本年三公经费 − 上年三公经费) / 上年三公经费", ("sangong", "sangong_last")),
    "execution_rate": ("支出完成数 / 年初预算数", ("spent", "budget")),
    "adjustment_rate": ("预算调整数 / 年初预算数", ("adjustment", "budget")),
    "carryover_rate": ("结转结余 / 支出完成数", ("carryover", "spent")),
    "carryover_change": ("本年结转结余率 − 上年结转结余率",
                         ("carryover", "spent", "carryover_last", "spent_last")),
    "procurement_rate": ("政府采购执行数 / 政府采购预算数", ("procurement_budget", "procurement_spent")),
    "asset_use_rate": ("在用固定资产 / 固定资产总额", ("assets", "assets_in_use")),
    "task_completion": ("Σ min(完成值 / 目标值, 1) / 重点工作数", ()),
    "project_execution": ("Σ 项目执行数 / Σ 项目预算数", ()),
    "project_completion": ("Σ 项目预算数 × 目标完成率 / Σ 项目预算数", ()),
    "satisfaction": ("服务对象满意度", ("satisfaction",)),
    "judged": ("定性评价等级", ()),
}
_SCORINGS = ("ceiling", "ratio")
#: Chinese headers of the units-table columns, for messages.
_LABELS = {"staff": "在职人员数", "authorized_staff": "编制数", "spent": "支出完成数",
           "budget": "预算数", "adjustment": "预算调整数", "carryover": "结转结余",
           "spent_last": "上年支出完成数", "carryover_last": "上年结转结余", "sangong": "三公经费",
           "sangong_last": "上年三公经费", "procurement_budget": "政府采购预算数",
           "procurement_spent": "政府采购执行数", "assets": "固定资产总额",
           "assets_in_use": "在用固定资产", "satisfaction": "服务对象满意度(%)"}
#: Measures that may be absent for a unit (not applicable): no procurement budget, no key tasks,
#: no projects, no survey.
_MAY_BE_ABSENT = {"procurement_rate", "task_completion", "project_execution",
                  "project_completion", "satisfaction"}

#: Columns of :attr:`UnitEvalResult.table`.
TABLE_COLUMNS = ["indicator_id", "level1", "level2", "name", "measure", "formula", "scoring",
                 "target_text", "value", "value_text", "points", "weight", "score", "lost",
                 "applicable", "tier", "evidence", "note"]
#: The 部门整体支出绩效自评表 columns and their headers.
OFFICIAL_HEADERS = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标",
                    "target_text": "指标值", "value_text": "实际完成值", "weight": "分值",
                    "score": "得分", "evidence": "佐证材料"}


# --------------------------------------------------------------------------------------------
# One indicator's rule
# --------------------------------------------------------------------------------------------


def score_measure(value: float, points: float, rule: Mapping[str, Any]) -> float:
    """The points one quantitative indicator earns under its scoring rule (rule-set points).

    Parameters
    ----------
    value : float
        The measure (a fraction: 1.05 for 105 %).
    points : float
        The indicator's points in the rule set.
    rule : mapping
        ``scoring`` = ``ceiling`` with ``limit`` and ``per_point``, or ``ratio`` with ``target``.

    Returns
    -------
    float
        Unrounded, in [0, points].

    Notes
    -----
    - **ceiling** (在职人员控制率, "三公经费"变动率, 预算调整率, 结转结余率 and its change):
      :math:`\\max(0, p - d \\cdot 100 \\cdot \\max(0, v - L))` — full points at or below the limit
      :math:`L`, :math:`d` points off per percentage point above (DOMAIN.md §13: e.g. 5 points
      and −0.5 per point, or 1 point and −0.1).
    - **ratio** (支出实际完成率, 政府采购执行率, 固定资产利用率, 重点工作完成率, 项目执行 and
      完成, 满意度): :math:`p \\cdot \\min(v / T, 1)`, as a positive indicator (DOMAIN.md §3).

    References
    ----------
    .. [1] 财政部《预算绩效评价共性指标体系框架》(财预〔2013〕53号), 部门整体支出绩效评价共性指标.
    .. [2] DOMAIN.md §13.

    Examples
    --------
    在职人员控制率 104 %, 5 points, −0.5 per point over 100 %: 5 − 0.5 × 4 = 3.

    >>> round(score_measure(1.04, 5, {"scoring": "ceiling", "limit": 1.0, "per_point": 0.5}), 9)
    3.0
    >>> score_measure(0.9253, 6, {"scoring": "ratio", "target": 1.0})
    5.5518
    """
    if rule["scoring"] == "ceiling":
        over = max(0.0, value - float(rule["limit"])) * 100.0
        return max(0.0, points - float(rule["per_point"]) * over)
    return points * min(value / float(rule["target"]), 1.0)


def _target_text(rule: Mapping[str, Any]) -> str:
    scoring = rule.get("scoring")
    if scoring == "ceiling":
        return f"≤{_pct(float(rule['limit']))}"
    if scoring == "ratio":
        return f"≥{_pct(float(rule['target']))}"
    return "达成"


def _pct(share: float) -> str:
    return f"{round(share * 100, 6):g}%"


# --------------------------------------------------------------------------------------------
# Measures of one unit
# --------------------------------------------------------------------------------------------


def _number(unit: Mapping[str, Any], column: str) -> float:
    value = unit.get(column, math.nan)
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def measure_values(unit: Mapping[str, Any], tasks: pd.DataFrame,
                   projects: pd.DataFrame) -> dict[str, float]:
    """Every quantitative measure of one unit, unrounded (NaN where it cannot exist).

    Parameters
    ----------
    unit : mapping
        The unit's row of the units table (see :data:`MEASURES` for the columns read).
    tasks : pandas.DataFrame
        The unit's key tasks (``target`` > 0, ``actual``); may be empty.
    projects : pandas.DataFrame
        The unit's project summary (:func:`evalkit.summary.summarize_projects`); may be empty.

    Returns
    -------
    dict
        Measure name → value as a fraction (see :data:`MEASURES` for the formulas).

    Raises
    ------
    InputError
        A column a measure needs is missing or blank (naming the unit and the column), other than
        the procurement budget and the satisfaction rate, whose absence makes the measure not
        applicable.

    Notes
    -----
    ``sangong_change`` with 上年 = 0: 0 when this year is 0 too, else +∞ (a new expense: no points).
    ``carryover_change`` is the change in percentage terms of 结转结余 / 支出完成数 on last year.
    ``task_completion`` averages each task's completion capped at 100 % [I]; ``project_*`` are the
    unit's part of the county figures (:func:`evalkit.summary.county_figures`): funds-weighted.

    Examples
    --------
    >>> unit = {"unit_id": "U1", "budget": 1000, "spent": 950, "staff": 52, "authorized_staff": 50,
    ...         "sangong": 9, "sangong_last": 10, "adjustment": 30, "carryover": 38,
    ...         "spent_last": 900, "carryover_last": 45, "procurement_budget": 200,
    ...         "procurement_spent": 180, "assets": 500, "assets_in_use": 480, "satisfaction": 92}
    >>> tasks = pd.DataFrame({"target": [10, 4], "actual": [9, 5]})
    >>> values = measure_values(unit, tasks, pd.DataFrame())
    >>> {k: round(v, 4) for k, v in values.items() if not math.isnan(v)}
    {'staff_rate': 1.04, 'sangong_change': -0.1, 'execution_rate': 0.95, 'adjustment_rate': 0.03, 'carryover_rate': 0.04, 'carryover_change': -0.01, 'procurement_rate': 0.9, 'asset_use_rate': 0.96, 'task_completion': 0.95, 'satisfaction': 0.92}
    """
    needed = {c for m, (_, cols) in MEASURES.items() if m not in _MAY_BE_ABSENT for c in cols}
    missing = [c for c in MEASURES["staff_rate"][1] + tuple(sorted(needed - {"staff",
               "authorized_staff"})) if math.isnan(_number(unit, c))]
    if missing:
        raise InputError(f"预算单位 {unit.get('unit_id')}：部门整体支出绩效评价需要"
                         f"{'、'.join(_LABELS[c] for c in missing)}，实际为空白或缺少该列 "
                         f"(units table: expected {', '.join(missing)})")
    n = {c: _number(unit, c) for c in _LABELS}
    if n["sangong_last"] > 0:
        sangong = (n["sangong"] - n["sangong_last"]) / n["sangong_last"]
    else:
        sangong = 0.0 if n["sangong"] == 0 else math.inf
    carry = n["carryover"] / n["spent"] if n["spent"] > 0 else math.nan
    carry_last = n["carryover_last"] / n["spent_last"] if n["spent_last"] > 0 else math.nan
    procurement = (n["procurement_spent"] / n["procurement_budget"]
                   if n["procurement_budget"] > 0 else math.nan)
    task = (float(np.minimum(tasks["actual"].to_numpy(float) / tasks["target"].to_numpy(float),
                             1.0).mean()) if len(tasks) else math.nan)
    figures = county_figures(projects) if len(projects) else {}
    return {
        "staff_rate": n["staff"] / n["authorized_staff"],
        "sangong_change": sangong,
        "execution_rate": n["spent"] / n["budget"],
        "adjustment_rate": n["adjustment"] / n["budget"],
        "carryover_rate": carry,
        "carryover_change": carry - carry_last,
        "procurement_rate": procurement,
        "asset_use_rate": n["assets_in_use"] / n["assets"] if n["assets"] > 0 else math.nan,
        "task_completion": task,
        "project_execution": figures.get("execution_rate", math.nan),
        "project_completion": figures.get("completion_rate", math.nan),
        "satisfaction": n["satisfaction"] / 100.0,
    }


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitEvalResult(StageResult):
    """One unit's department-wide evaluation, unrounded (a :class:`~evalkit.stages.StageResult`).

    Attributes
    ----------
    unit_id, unit_name : str
    view : str
        ``"self"`` (自评, the unit's own tiers) or ``"third_party"`` (评价, the evaluator's).
    table : pandas.DataFrame
        One row per indicator of the rule set, columns :data:`TABLE_COLUMNS`: ``value`` the
        measure (NaN for judged items), ``points`` the rule-set points, ``weight`` the effective
        points after not-applicable rescaling, ``score`` out of ``weight``, ``tier`` and
        ``evidence`` of judged items.
    level1 : pandas.DataFrame
        ``level1``, ``points``, ``weight``, ``score``, ``lost``, ``rate`` per level-1 name.
    figures : dict
        The unit's figures (budget, spent, staff …) as read.
    measures : dict
        :func:`measure_values`.
    tasks : pandas.DataFrame
        The unit's key tasks with their ``completion`` (actual / target, uncapped).
    projects : pandas.DataFrame
        The unit's projects as :func:`evalkit.summary.summarize_projects` scores them.
    total : float
    grade : str
    notes : tuple of str
        Not-applicable indicators and why.
    ruleset : dict
    """

    unit_id: Any
    unit_name: str
    view: str
    table: pd.DataFrame
    level1: pd.DataFrame
    figures: dict
    measures: dict
    tasks: pd.DataFrame
    projects: pd.DataFrame
    total: float
    grade: str
    notes: tuple[str, ...]
    ruleset: dict

    @property
    def project_id(self) -> Any:
        """The subject's id (the unit), under the name the StageResult base uses."""
        return self.unit_id

    def to_frame(self) -> pd.DataFrame:
        """The indicator table."""
        return self.table

    def funds(self) -> pd.DataFrame:
        """The funds block of the 自评表, one row: 年初预算数, 预算调整数, 支出完成数, 结转结余 (万元)
        and 支出实际完成率 (``budget``, ``adjustment``, ``spent``, ``carryover``,
        ``execution_rate``)."""
        f = self.figures
        return pd.DataFrame([{k: float(f[k]) for k in ("budget", "adjustment", "spent",
                                                        "carryover")}
                             | {"execution_rate": self.measures["execution_rate"]}])

    def goals(self) -> pd.DataFrame:
        """年度总体目标 and its 实际完成情况 as typed in the units table (``goal``,
        ``goal_result``; blank when not typed)."""
        return pd.DataFrame([{k: str(self.figures.get(k) or "") for k in ("goal", "goal_result")}])

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable record (floats unrounded).

        Keys: ``unit_id``, ``unit_name``, ``view``, ``total``, ``grade``, ``level1_scores``,
        ``indicator_scores`` ({name: score}), ``n_projects``, ``n_flagged_projects``,
        ``project_execution_rate``, ``project_completion_rate``, ``execution_rate``,
        ``staff_rate``, ``n_tasks``, ``n_not_applicable``, the rule-set record.
        """
        def num(x: float) -> float | None:
            return None if x is None or math.isnan(x) else float(x)

        return {
            "unit_id": plain(self.unit_id),
            "unit_name": self.unit_name,
            "view": self.view,
            "total": float(self.total),
            "grade": self.grade,
            "level1_scores": {str(r.level1): float(r.score) for r in self.level1.itertuples()},
            "indicator_scores": {str(r.name): float(r.score) for r in self.table.itertuples()},
            "n_projects": int(len(self.projects)),
            "n_flagged_projects": int(self.projects["rectification"].sum())
            if len(self.projects) else 0,
            "project_execution_rate": num(self.measures["project_execution"]),
            "project_completion_rate": num(self.measures["project_completion"]),
            "execution_rate": num(self.measures["execution_rate"]),
            "staff_rate": num(self.measures["staff_rate"]),
            "n_tasks": int(len(self.tasks)),
            "n_not_applicable": int((~self.table["applicable"]).sum()),
            **self.ruleset,
        }

    _html_digits = 2

    def _html_facts(self) -> list[tuple[str, object]]:
        label = VIEWS[self.view][1]
        return [("预算单位", f"{self.unit_name}（{self.unit_id}）"),
                (f"{label}得分", f"{self.total:.2f}"), (f"{label}等级", self.grade)]

    def _html_notes(self) -> list[tuple[str, object]]:
        return [("不适用", note) for note in self.notes]

    def _html_tables(self) -> list[pd.DataFrame]:
        return [self.level1, self.table[list(OFFICIAL_HEADERS)].rename(columns=OFFICIAL_HEADERS)]


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def framework(ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """The department-wide indicator framework of a rule set.

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``indicator_id``, ``level1``, ``level2``, ``name``, ``points``,
        ``measure``, ``formula``, ``target_text`` (the full-marks threshold).

    References
    ----------
    .. [1] 财预〔2013〕53号 部门整体支出绩效评价共性指标体系框架; DOMAIN.md §13.

    Examples
    --------
    >>> fw = framework("national")
    >>> fw.groupby("level1", sort=False)["points"].sum().to_dict()
    {'投入': 20.0, '过程': 30.0, '产出': 25.0, '效果': 25.0}
    >>> fw.loc[fw["name"] == "在职人员控制率", ["formula", "target_text"]].iloc[0].tolist()
    ['在职人员数 / 编制数', '≤100%']
    """
    section = load_ruleset(ruleset).section(RULESET_SECTION, needed_by="部门整体支出绩效评价")
    return pd.DataFrame([{
        "indicator_id": i["id"], "level1": i["level1"], "level2": i["level2"], "name": i["name"],
        "points": float(i["points"]), "measure": i["measure"],
        "formula": MEASURES[i["measure"]][0], "target_text": _target_text(i),
    } for i in section["indicators"]])


def assess(
    unit: pd.Series | Mapping[str, Any],
    tasks: pd.DataFrame,
    judgements: pd.DataFrame,
    projects: pd.DataFrame,
    *,
    view: str = "third_party",
    ruleset: str | Path | RuleSet = "national",
) -> UnitEvalResult:
    """Evaluate one budget unit as a whole on 投入 / 过程 / 产出 / 效果.

    Parameters
    ----------
    unit : pandas.Series or mapping
        The unit's row of the units table with the department-wide columns (in the
        schema :data:`evalkit.schemas.UNITS`).
    tasks : pandas.DataFrame
        The unit's key tasks (``task_id``, ``task``, ``target`` > 0, ``actual``, ``measure``);
        may be empty (重点工作完成率 is then not applicable).
    judgements : pandas.DataFrame
        The unit's judged items (``item_id``, ``self_tier``, ``tier``, ``evidence``, ``note``):
        one per judged indicator of the rule set.
    projects : pandas.DataFrame
        The unit's project summary (:func:`evalkit.summary.summarize_projects`); may be empty.
    view : {"third_party", "self"}
        Whose tiers the judged items take (:data:`VIEWS`).
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    UnitEvalResult

    Raises
    ------
    InputError
        A missing unit figure; a judged indicator without a judgement; an unknown view.

    Notes
    -----
    1. Each quantitative indicator's measure is :func:`measure_values`, scored by
       :func:`score_measure` with the rule-set points :math:`p_i`.
    2. A judged indicator earns :math:`p_i \\times` the default share of its tier
       (``scoring.qualitative_tiers``: 达成 1.0, 部分达成 0.7, 未达成 0.3 nationally) [C].
    3. A measure that cannot exist for the unit (no procurement budget, no key tasks, no
       projects, no survey) is not applicable; the remaining points are rescaled to 100:
       :math:`w_i = p_i \\cdot 100 / \\sum_{j\\ \\text{applicable}} p_j` and the score with them
       (DOMAIN.md §3, not-applicable indicators [P]).
    4. Total = Σ scores; grade by the rule set's half-open bands.

    References
    ----------
    .. [1] 财预〔2013〕53号, 部门整体支出绩效评价共性指标体系框架.
    .. [2] DOMAIN.md §3 and §13.
    """
    if view not in VIEWS:
        raise InputError(f"view: expected one of {list(VIEWS)}, found {view!r}")
    rs = load_ruleset(ruleset)
    section = rs.section(RULESET_SECTION, needed_by="部门整体支出绩效评价")
    unit = dict(unit)
    values = measure_values(unit, tasks, projects)
    tiers = {name: t for t in rs.qualitative_tiers for name in (t.tier, *t.aliases)}
    column = VIEWS[view][0]
    judged = judgements.set_index("item_id") if len(judgements) else pd.DataFrame(
        columns=[column, "evidence", "note"])
    rows, missing = [], []
    for item in section["indicators"]:
        points = float(item["points"])
        row = {"indicator_id": item["id"], "level1": item["level1"], "level2": item["level2"],
               "name": item["name"], "measure": item["measure"],
               "formula": MEASURES[item["measure"]][0], "scoring": item.get("scoring", "judged"),
               "target_text": _target_text(item), "points": points, "tier": "", "evidence": "",
               "note": ""}
        if item["measure"] == "judged":
            if item["id"] not in judged.index:
                missing.append(f"{item['id']} {item['name']}")
                continue
            j = judged.loc[item["id"]]
            tier = tiers[str(j[column])]
            # the note (评价说明) is the evaluator's: the unit's own view does not carry it
            row.update(value=math.nan, value_text=tier.tier, raw=points * tier.default,
                       applicable=True, tier=tier.tier, evidence=str(j.get("evidence", "")),
                       note=str(j.get("note", "") or "") if view == "third_party" else "")
        else:
            value = values[item["measure"]]
            applicable = not math.isnan(value)
            row.update(value=value, applicable=applicable,
                       value_text=_value_text(value, item["measure"]),
                       raw=score_measure(value, points, item) if applicable else 0.0)
        rows.append(row)
    if missing:
        raise InputError(f"预算单位 {unit.get('unit_id')}：定性指标 {'、'.join(missing)} 缺少评价"
                         f"（整体评价定性表），无法评分 (unit_judgements: expected a row per "
                         f"judged indicator)")
    table = pd.DataFrame(rows)
    applicable = table["applicable"].to_numpy()
    kept = table.loc[applicable, "points"].sum()
    scale = table["points"].sum() / kept
    table["weight"] = np.where(applicable, table["points"] * scale, 0.0)
    table["score"] = np.where(applicable, table["raw"] * scale, 0.0)
    table["lost"] = table["weight"] - table["score"]
    table = table[TABLE_COLUMNS]
    level1 = (table.groupby("level1", sort=False)[["points", "weight", "score", "lost"]].sum()
              .reindex(section["level1"]).reset_index())
    level1["rate"] = level1["score"] / level1["weight"].where(level1["weight"] > 0)
    total = float(table["score"].sum())
    notes = tuple(f"{r.name}：{_ABSENT[r.measure]}，不适用，其 {r.points:g} 分按比例分配给其他指标"
                  for r in table[~table["applicable"]].itertuples())
    task_table = tasks.assign(completion=tasks["actual"] / tasks["target"]) if len(tasks) \
        else tasks.assign(completion=pd.Series(dtype=float))
    return UnitEvalResult(
        unit_id=plain(unit["unit_id"]), unit_name=str(unit.get("unit_name", "")), view=view,
        table=table, level1=level1,
        figures={k: plain(v) for k, v in unit.items()}, measures=values,
        tasks=task_table.reset_index(drop=True),
        projects=projects.assign(flag=np.where(projects["rectification"].astype(bool),
                                               "需整改", "")).reset_index(drop=True),
        total=total, grade=str(band_of([total], rs.grades)[0]), notes=notes,
        ruleset=rs.to_record())


_ABSENT = {"procurement_rate": "无政府采购预算", "task_completion": "未填报重点工作",
           "project_execution": "无项目支出", "project_completion": "无项目支出",
           "satisfaction": "未开展服务对象满意度调查", "asset_use_rate": "无固定资产",
           "carryover_rate": "无支出完成数", "carryover_change": "无上年结转结余率"}


def _value_text(value: float, measure: str) -> str:
    if math.isnan(value):
        return "不适用"
    if math.isinf(value):
        return "上年为 0，本年新增"
    return f"{value * 100:.2f}%"


def _unit_parts(dataset: Dataset, unit_id: Any, rs: RuleSet, projects: pd.DataFrame
                ) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The unit's row, key tasks, judged items and project summary (from ``projects``)."""
    unit = dataset.row("units", "unit_id", unit_id)
    tables = dataset.tables
    tasks = tables.get("unit_tasks", pd.DataFrame(columns=["unit_id", "target", "actual"]))
    judged = tables.get("unit_judgements", pd.DataFrame(columns=["unit_id", "item_id"]))
    return (unit, tasks[tasks["unit_id"] == unit_id], judged[judged["unit_id"] == unit_id],
            projects[projects["unit_id"] == unit_id])


def project_summary(dataset: Dataset, unit_ids: list[Any], *,
                    ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """The units' projects scored by :func:`evalkit.summary.summarize_projects`, with ``unit_id``.

    The roll-up of project results a department-wide evaluation reads: each project's execution,
    target completion, grade and rectification flag (DOMAIN.md §1, §6). Ex-ante projects have no
    indicator sheet and are left out.
    """
    projects = dataset.projects
    mine = projects[projects["unit_id"].isin(unit_ids).to_numpy() & has_indicator_sheet(projects)]
    if mine.empty:
        return pd.DataFrame(columns=[*SUMMARY_HEADERS, "unit_id"])
    indicators = dataset.indicators
    summary = summarize_projects(mine, indicators[indicators["project_id"].isin(
        mine["project_id"])], ruleset=ruleset)
    unit_of = dict(zip(mine["project_id"], mine["unit_id"], strict=True))
    return summary.assign(unit_id=summary["project_id"].map(unit_of).to_numpy())


def evaluate(dataset: Dataset, unit_id: Any, *,
             ruleset: str | Path | RuleSet = "national") -> UnitEvalResult:
    """The third-party department-wide evaluation of one unit of a dataset (see :func:`assess`).

    The unit's row, key tasks, judged items (the evaluator's ``tier``) and project summary are
    selected by ``unit_id``; an unknown id lists known ones.
    """
    return _evaluate(dataset, unit_id, ruleset, "third_party")


def evaluate_self(dataset: Dataset, unit_id: Any, *,
                  ruleset: str | Path | RuleSet = "national") -> UnitEvalResult:
    """The unit's own department-wide self-evaluation (its ``self_tier`` on the judged items);
    otherwise as :func:`evaluate`."""
    return _evaluate(dataset, unit_id, ruleset, "self")


def _evaluate(dataset: Dataset, unit_id: Any, ruleset: str | Path | RuleSet,
              view: str) -> UnitEvalResult:
    rs = load_ruleset(ruleset)
    parts = _unit_parts(dataset, unit_id, rs, project_summary(dataset, [unit_id], ruleset=rs))
    return assess(*parts, view=view, ruleset=rs)


def evaluate_many(dataset: Dataset, *, ruleset: str | Path | RuleSet = "national",
                  view: str = "third_party") -> pd.DataFrame:
    """Evaluate every unit of a dataset; one row per unit, unrounded.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``unit_name``, ``total``, ``grade``, one score column per level-1 name,
        ``n_projects``, ``n_flagged_projects``, ``project_execution_rate``,
        ``project_completion_rate``.

    Raises
    ------
    InputError
        Every unit's problem at once (one message per unit).
    """
    rs = load_ruleset(ruleset)
    projects = project_summary(dataset, list(dataset.units["unit_id"]), ruleset=rs)
    rows, problems = [], []
    for unit_id in dataset.units["unit_id"]:
        try:
            result = assess(*_unit_parts(dataset, unit_id, rs, projects), view=view, ruleset=rs)
        except InputError as exc:
            problems.append(str(exc))
            continue
        s = result.summary()
        rows.append({"unit_id": s["unit_id"], "unit_name": s["unit_name"], "total": s["total"],
                     "grade": s["grade"], **s["level1_scores"],
                     **{k: s[k] for k in ("n_projects", "n_flagged_projects",
                                          "project_execution_rate",
                                          "project_completion_rate")}})
    if problems:
        raise InputError("\n".join(problems))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# The rule-set section
# --------------------------------------------------------------------------------------------


def check_ruleset(section: Mapping[str, Any], fail: Callable[[str, str, object], None]) -> None:
    """Validate a rule set's ``unitwide`` section; ``fail(key, expected, found)`` raises.

    Checks: :data:`REQUIRED_KEYS` present; every indicator has ``id`` (unique), ``level1`` (one
    of ``level1``), ``level2``, ``name``, ``points`` ≥ 0, a ``measure`` of :data:`MEASURES`;
    quantitative ones a ``scoring`` of ``ceiling`` (``limit``, ``per_point`` ≥ 0) or ``ratio``
    (``target`` > 0); the points sum to 100.

    Examples
    --------
    >>> from evalkit.rules import failer, load_ruleset
    >>> section = dict(load_ruleset("national").data["unitwide"])
    >>> check_ruleset(section, failer("national.yaml"))
    >>> bad = {**section, "indicators": [{**section["indicators"][2], "scoring": "cap"}]}
    >>> check_ruleset(bad, failer("national.yaml"))
    Traceback (most recent call last):
    ...
    evalkit.errors.RuleSetError: rule set national.yaml: key 'unitwide.indicators[0].scoring': expected one of ['ceiling', 'ratio'], found 'cap'
    """
    require_keys(section, RULESET_SECTION, REQUIRED_KEYS, fail)
    level1 = section["level1"]
    indicators = section["indicators"]
    if not isinstance(indicators, list) or not indicators:
        fail("unitwide.indicators", "a non-empty list of indicators", indicators)
    seen: set[str] = set()
    for i, item in enumerate(indicators):
        key = f"unitwide.indicators[{i}]"
        if not isinstance(item, Mapping):
            fail(key, "a mapping", item)
        for name in ("id", "level1", "level2", "name", "points", "measure"):
            if name not in item:
                fail(f"{key}.{name}", "a required key of the indicator", None)
        if item["id"] in seen:
            fail(f"{key}.id", "an id used once", item["id"])
        seen.add(item["id"])
        if item["level1"] not in level1:
            fail(f"{key}.level1", f"one of {list(level1)}", item["level1"])
        if not is_number(item["points"]) or item["points"] < 0:
            fail(f"{key}.points", "a number ≥ 0", item["points"])
        if item["measure"] not in MEASURES:
            fail(f"{key}.measure", f"one of {list(MEASURES)}", item["measure"])
        if item["measure"] == "judged":
            continue
        scoring = item.get("scoring")
        if scoring not in _SCORINGS:
            fail(f"{key}.scoring", f"one of {list(_SCORINGS)}", scoring)
        params = ("limit", "per_point") if scoring == "ceiling" else ("target",)
        for name in params:
            value = item.get(name)
            if not is_number(value) or value < 0 or (name == "target" and value == 0):
                fail(f"{key}.{name}", "a number > 0" if name == "target" else "a number ≥ 0",
                     value)
    check_sum([item["points"] for item in indicators], 100, "unitwide.indicators[].points",
              fail)


def _example(view: str = "third_party") -> UnitEvalResult:
    """The unit worked in :func:`measure_values`'s example, for the prose modules' doctests:
    every judged item 达成 except 资金使用合规性 (the evaluator: 部分达成), no projects."""
    unit = {"unit_id": "U1", "unit_name": "示例局", "budget": 1000, "spent": 950, "staff": 52,
            "authorized_staff": 50, "sangong": 9, "sangong_last": 10, "adjustment": 30,
            "carryover": 38, "spent_last": 900, "carryover_last": 45, "procurement_budget": 200,
            "procurement_spent": 180, "assets": 500, "assets_in_use": 480, "satisfaction": 92}
    tasks = pd.DataFrame({"task_id": ["RW01", "RW02"], "task": ["督导检查", "业务培训"],
                          "target": [10, 4], "actual": [9, 5]})
    judged = [i for i in load_ruleset("national").section(RULESET_SECTION)["indicators"]
              if i["measure"] == "judged"]
    judgements = pd.DataFrame({
        "item_id": [i["id"] for i in judged], "self_tier": "达成",
        "tier": ["部分达成" if i["name"] == "资金使用合规性" else "达成" for i in judged],
        "evidence": "示例佐证", "note": ""})
    return assess(unit, tasks, judgements, pd.DataFrame(columns=[*SUMMARY_HEADERS, "unit_id"]),
                  view=view)
