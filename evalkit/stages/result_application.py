"""Result application (评价结果应用): each evaluated project's grade → next year's budget action.

DOMAIN.md §7 [P]: 优 → funded first; 良 → as justified; 中 → cut (10–20 % is common); 差 → cut
heavily or cancel; two consecutive years of 差 → cancel. **Every part is policy**, read from the
rule set's ``result_application`` section (labelled there as policy parameters):

- ``actions``: per grade of the rule set, the action (``action``, e.g. 优先保障) and the change
  of the project's budget (``change``, a share: −0.15 = cut by 15 %);
- ``consecutive_poor``: ``grade`` (差), ``years`` (2) and the action and change that replace the
  grade's when the project was graded so in each of the ``years`` − 1 previous years too (the
  earlier grades come from the 以前年度自评 table, ``project_id`` = 本年项目编码).

The grade of a project is its self-evaluation grade (:func:`evalkit.stages.selfeval.evaluate_many`)
under the same rule set. Suggested budget = budget × (1 + change); adjustment = budget × change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.errors import RuleSetError
from evalkit.io import Dataset
from evalkit.rules import RuleSet, is_number, load_ruleset
from evalkit.schemas import PRIOR_EVALUATIONS
from evalkit.stages.base import StageResult, require_keys
from evalkit.stages.county_year import county_years, year_of

RULESET_SECTION = "result_application"
REQUIRED_KEYS = ("actions", "consecutive_poor")

#: Adjustment-list column → Chinese header (调整建议清单).
ADJUSTMENT_HEADERS = {
    "project_id": "项目编码", "project_name": "项目名称", "unit_name": "预算单位",
    "budget": "本年预算数（万元）", "total": "自评得分", "grade": "评价等级",
    "prior_grades": "以前年度等级", "action": "次年预算安排建议", "change": "调整比例",
    "adjustment": "调整金额（万元）", "suggested": "建议次年安排（万元）", "basis": "应用依据",
}
#: The adjustment list as printed (HTML, PDF, Word): the columns a budget office acts on; the
#: workbook of a batch (``summary.xlsx``) and :meth:`ResultApplication.to_frame` keep them all.
LIST_HEADERS = {
    "project_name": "项目名称", "unit_name": "预算单位", "budget": "本年预算（万元）",
    "grade": "等级", "prior_grades": "以前年度", "action": "建议", "adjustment": "调整（万元）",
    "suggested": "次年安排（万元）",
}
#: The appendix of every project as printed.
APPENDIX_HEADERS = {
    "project_name": "项目名称", "unit_name": "预算单位", "budget": "本年预算（万元）",
    "total": "自评得分", "grade": "等级", "action": "建议", "suggested": "次年安排（万元）",
}
#: Per-unit totals column → Chinese header.
UNIT_HEADERS = {
    "unit_id": "单位编码", "unit_name": "预算单位", "n_projects": "项目数", "budget": "本年预算数（万元）",
    "adjustment": "调整金额（万元）", "suggested": "建议次年安排（万元）", "n_cut": "压减或取消（个）",
}


@dataclass(frozen=True)
class ResultApplication(StageResult):
    """Result application of one county-year.

    Attributes
    ----------
    project_id : str
        The county-year (``"2020"``): the report's subject.
    year : int
    projects : DataFrame
        One row per evaluated project (:data:`ADJUSTMENT_HEADERS`), unrounded.
    units : DataFrame
        Totals by budget unit (:data:`UNIT_HEADERS`).
    actions : DataFrame
        The rule set's table as applied: grade, action, change, and the two-years rule's row.
    ruleset : dict
    """

    project_id: str
    year: int
    projects: pd.DataFrame
    units: pd.DataFrame
    actions: pd.DataFrame
    ruleset: dict

    def summary(self) -> dict[str, Any]:
        """Counts per action, totals (budget, adjustment, suggested) and the rule set."""
        p = self.projects
        return {"year": self.year, "n_projects": int(len(p)),
                "budget": float(p["budget"].sum()), "adjustment": float(p["adjustment"].sum()),
                "suggested": float(p["suggested"].sum()),
                "n_adjusted": int((p["change"] != 0).sum()),
                "n_cancelled": int((p["suggested"] <= 0).sum()),
                "by_action": {str(k): int(v) for k, v in p["action"].value_counts().items()},
                "by_grade": {str(k): int(v) for k, v in p["grade"].value_counts().items()},
                "conclusion": f"建议调整 {int((p['change'] != 0).sum())} 个项目", **self.ruleset}

    def to_frame(self) -> pd.DataFrame:
        """The adjustment list (调整建议清单), one row per project."""
        return self.projects

    def adjustments(self) -> pd.DataFrame:
        """The projects whose budget the rule set changes (change ≠ 0), largest cut first."""
        out = self.projects[self.projects["change"] != 0]
        return out.sort_values(["adjustment", "project_id"]).reset_index(drop=True)

    def _html_facts(self) -> list[tuple[str, object]]:
        return [("年度", self.year), ("评价项目", len(self.projects))]

    def _html_tables(self) -> list[pd.DataFrame]:
        return [self.actions, self.adjustments(), self.units]


def action_table(ruleset: RuleSet) -> pd.DataFrame:
    """The rule set's grade → action table, in the rule set's grade order, then the two-years row.

    Raises
    ------
    RuleSetError
        When a grade of the rule set's bands has no action.
    """
    s = ruleset.section(RULESET_SECTION, needed_by="评价结果应用报告")
    rows = []
    for band in ruleset.grades:
        if band.label not in s["actions"]:
            raise RuleSetError(f"规则集 {ruleset.source}：result_application.actions 应为每个等级"
                               f"给出应用规则，实际缺少 {band.label} (expected an action for grade "
                               f"{band.label})")
        rule = s["actions"][band.label]
        rows.append({"grade": band.label, "rule": f"评价等级为{band.label}",
                     "action": rule["action"], "change": float(rule["change"])})
    poor = s["consecutive_poor"]
    rows.append({"grade": poor["grade"], "rule": f"连续 {poor['years']} 年评价等级为{poor['grade']}",
                 "action": poor["action"], "change": float(poor["change"])})
    return pd.DataFrame(rows)


def _prior_grades(dataset: Dataset, year: int) -> dict[str, dict[int, str]]:
    """This year's project id → {earlier year: grade} from the 以前年度自评 table."""
    if PRIOR_EVALUATIONS.name not in dataset.tables:
        return {}
    prior = dataset.table(PRIOR_EVALUATIONS.name)
    linked = prior[(prior["kind"] == "项目") & (prior["project_id"].fillna("") != "")
                   & (prior["year"] < year)]
    out: dict[str, dict[int, str]] = {}
    for row in linked.itertuples(index=False):
        out.setdefault(str(row.project_id), {})[int(row.year)] = str(row.grade)
    return out


def apply_rules(grades: pd.DataFrame, prior: Mapping[str, Mapping[int, str]], year: int,
                ruleset: RuleSet) -> pd.DataFrame:
    """The action of each project from its grade and earlier grades (the policy table).

    Parameters
    ----------
    grades : DataFrame
        ``project_id``, ``budget`` and ``grade`` (plus any other columns, kept).
    prior : mapping
        project id → {year: grade} of earlier years.
    year : int
        The evaluated year; the two-years rule looks at ``year − 1`` … ``year − (years − 1)``.
    ruleset : RuleSet

    Returns
    -------
    DataFrame
        ``grades`` with ``prior_grades`` (text), ``action``, ``change``, ``adjustment`` =
        budget × change, ``suggested`` = budget + adjustment and ``basis`` (the rule applied).

    Examples
    --------
    >>> rs = load_ruleset("national")
    >>> g = pd.DataFrame({"project_id": ["A", "B"], "budget": [100.0, 100.0], "grade": ["差", "差"]})
    >>> apply_rules(g, {"B": {2019: "差"}}, 2020, rs)[["action", "suggested"]].values.tolist()
    [['大幅压减', 50.0], ['取消', 0.0]]
    """
    table = action_table(ruleset).set_index("rule")
    poor = ruleset.section(RULESET_SECTION)["consecutive_poor"]
    earlier = range(year - int(poor["years"]) + 1, year)
    out = grades.copy()
    actions, changes, bases, shown = [], [], [], []
    for pid, grade in zip(out["project_id"], out["grade"], strict=True):
        history = prior.get(str(pid), {})
        shown.append("；".join(f"{y}年{g}" for y, g in sorted(history.items())))
        twice = grade == poor["grade"] and all(history.get(y) == poor["grade"] for y in earlier)
        rule = (f"连续 {poor['years']} 年评价等级为{poor['grade']}" if twice
                else f"评价等级为{grade}")
        actions.append(table.at[rule, "action"])
        changes.append(float(table.at[rule, "change"]))
        bases.append(rule)
    out["prior_grades"], out["action"], out["change"], out["basis"] = shown, actions, changes, bases
    out["adjustment"] = out["budget"] * out["change"]
    out["suggested"] = out["budget"] + out["adjustment"]
    return out


def evaluate(dataset: Dataset, year: Any, *,
             ruleset: str | Path | RuleSet = "national") -> ResultApplication:
    """Apply the rule set's result-application table to the year's self-evaluated projects."""
    from evalkit.stages import selfeval

    rs = load_ruleset(ruleset)
    y = year_of(dataset, year)
    scored = selfeval.evaluate_many(dataset, ruleset=rs)
    projects = dataset.projects.set_index("project_id")
    scored = scored[projects.loc[scored["project_id"], "year"].to_numpy() == y]
    grades = scored[["project_id", "project_name", "total", "grade"]].assign(
        unit_id=projects.loc[scored["project_id"], "unit_id"].to_numpy(),
        unit_name=projects.loc[scored["project_id"], "unit_name"].to_numpy(),
        budget=projects.loc[scored["project_id"], "budget"].to_numpy(dtype=float))
    applied = apply_rules(grades, _prior_grades(dataset, y), y, rs).reset_index(drop=True)
    units = applied.assign(cut=applied["change"] < 0).groupby(
        ["unit_id", "unit_name"], sort=True).agg(
        n_projects=("project_id", "size"), budget=("budget", "sum"),
        adjustment=("adjustment", "sum"), suggested=("suggested", "sum"),
        n_cut=("cut", "sum")).reset_index()
    return ResultApplication(str(y), y, applied[[*ADJUSTMENT_HEADERS, "unit_id"]], units,
                             action_table(rs), rs.to_record())


def workbook_sheets(result: ResultApplication) -> dict[str, pd.DataFrame]:
    """The 调整建议清单 workbook: the adjusted projects, every project, totals by unit (Chinese
    headers, unrounded amounts)."""
    return {"调整建议清单": result.adjustments()[list(ADJUSTMENT_HEADERS)].rename(
                columns=ADJUSTMENT_HEADERS),
            "全部项目": result.projects[list(ADJUSTMENT_HEADERS)].rename(columns=ADJUSTMENT_HEADERS),
            "按单位汇总": result.units[list(UNIT_HEADERS)].rename(columns=UNIT_HEADERS),
            "应用规则（政策参数）": result.actions.rename(columns={
                "grade": "等级", "rule": "适用情形", "action": "次年预算安排", "change": "调整比例"})}


def evaluate_many(dataset: Dataset, *,
                  ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """One row per county-year: ``year``, ``n_projects``, ``adjustment``, ``suggested``,
    ``n_adjusted``, ``conclusion`` (the stage protocol)."""
    keys = ("n_projects", "adjustment", "suggested", "n_adjusted", "conclusion")
    rows = [evaluate(dataset, y, ruleset=ruleset).summary() for y in county_years(dataset)]
    return pd.DataFrame([{"year": str(r["year"]), **{k: r[k] for k in keys}} for r in rows],
                        columns=["year", *keys])


def check_ruleset(section: Mapping[str, Any], fail: Callable[[str, str, object], None]) -> None:
    """Validate a rule set's ``result_application`` section; ``fail(key, expected, found)`` raises.

    ``actions``: a mapping grade → ``{action: text, change: number ≥ −1}``;
    ``consecutive_poor``: ``grade`` (text), ``years`` (whole number ≥ 2), ``action``, ``change``.
    That every grade band has an action is checked when the report runs (:func:`action_table`).

    >>> from evalkit.rules import failer, load_ruleset
    >>> section = dict(load_ruleset("national").data["result_application"])
    >>> check_ruleset(section, failer("national.yaml"))
    >>> check_ruleset({**section, "consecutive_poor": {**section["consecutive_poor"], "years": 1}},
    ...               failer("national.yaml"))
    Traceback (most recent call last):
    ...
    evalkit.errors.RuleSetError: rule set national.yaml: key 'result_application.consecutive_poor.years': expected a whole number ≥ 2, found 1
    """
    require_keys(section, RULESET_SECTION, REQUIRED_KEYS, fail)

    def rule(value: Any, key: str) -> None:
        if not isinstance(value, Mapping) or not isinstance(value.get("action"), str):
            fail(key, "a mapping with 'action' (text) and 'change' (a share ≥ -1)", value)
        if not is_number(value.get("change")) or value["change"] < -1:
            fail(f"{key}.change", "a number ≥ -1 (a share of the budget)", value.get("change"))

    actions = section["actions"]
    if not isinstance(actions, Mapping) or not actions:
        fail(f"{RULESET_SECTION}.actions", "a mapping grade → rule", actions)
    for grade, value in actions.items():
        rule(value, f"{RULESET_SECTION}.actions.{grade}")
    poor = section["consecutive_poor"]
    rule(poor, f"{RULESET_SECTION}.consecutive_poor")
    if not isinstance(poor.get("grade"), str):
        fail(f"{RULESET_SECTION}.consecutive_poor.grade", "a grade label", poor.get("grade"))
    years = poor.get("years")
    if not isinstance(years, int) or isinstance(years, bool) or years < 2:
        fail(f"{RULESET_SECTION}.consecutive_poor.years", "a whole number ≥ 2", years)
