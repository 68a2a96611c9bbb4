"""The county's year (全面实施预算绩效管理工作总结): every figure of the seed's summary, computed.

One result per county-year (``"2020"``). Each figure is a :class:`Fact` holding the unrounded
value and a note saying how it was computed (the report's footnotes); the prose
(:mod:`evalkit.stages.annual_summary_prose`) writes the sentences from them. Sources, in the
seed's order (DOMAIN.md §1):

==============================  ==============================================================
figure                          computed as
==============================  ==============================================================
69 units, 117231 万元             rows and Σ 预算数 of the units table (预算单位)
2 ex-ante, 104 万元               projects with 评价类型 = 事前评估 and 评估年度 = the year
77 projects (31 + 46), 72230    projects of the year with an indicator sheet, by 资金类别
92.53 %, 93.34 %, 0.81          :func:`evalkit.summary.county_figures` (funds-weighted)
95.05                           mean 监控审核得分 of the monitoring forms (stages.monitoring)
69 units monitored, 117231      units with a 单位监控 form, Σ their 预算数
51 poverty, 21629, ≥ 7          扶贫项目 rows, Σ 资金总额, min count of 扶贫绩效目标 per project
28784.55, 10000                 Σ 下达金额 of 直达资金, of it 是否特别国债 = 是 (stages.direct_funds)
69 / 101002, 169 / 50421        以前年度自评 rows of year − 1 by 评价对象, Σ 涉及金额
==============================  ==============================================================
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalkit.errors import EvalkitWarning
from evalkit.io import Dataset
from evalkit.rules import RuleSet, is_number, load_ruleset
from evalkit.schemas import (
    DIRECT_FUNDS,
    EXANTE_STAGE,
    POVERTY_INDICATORS,
    POVERTY_PROJECTS,
    PRIOR_EVALUATIONS,
    UNIT_MONITORING,
    has_indicator_sheet,
)
from evalkit.stages import direct_funds
from evalkit.stages.base import StageResult, require_keys
from evalkit.stages.county_year import county_years, year_of
from evalkit.summary import county_figures, summarize_projects

RULESET_SECTION = "annual_summary"
REQUIRED_KEYS = ("direct_funds_behind_ratio",)
__all__ = ["COVERAGE_HEADERS", "AnnualSummary", "Fact", "check_ruleset", "county_years", "coverage", "evaluate",
           "evaluate_many"]


@dataclass(frozen=True)
class Fact:
    """One figure of the summary.

    Attributes
    ----------
    key : str
    value : float
        Unrounded.
    unit : str
        ``万元``, ``%`` (value a fraction), ``个``, ``笔``, ``分``, ``百分点``, ``条``.
    note : str
        How it was computed, in Chinese (the footnote).
    """

    key: str
    value: float
    unit: str
    note: str


@dataclass(frozen=True)
class AnnualSummary(StageResult):
    """The figures and tables of one county-year.

    Attributes
    ----------
    project_id : str
        The county-year (``"2020"``), the report's subject.
    year : int
    facts : mapping
        key → :class:`Fact` (see the module table; ``n_category:<资金类别>`` per category).
    projects : DataFrame
        The year's projects (:func:`evalkit.summary.summarize_projects`) with ``review_score``
        and ``flagged`` of monitoring and ``selfeval_grade``.
    categories, exante, poverty, funds, grades : DataFrame
        Projects and budget per 资金类别; the year's ex-ante projects; poverty projects per
        项目类型; direct funds per fund (:func:`evalkit.stages.direct_funds.fund_totals`); grade
        distribution of this year's (and, when present, last year's) project self-evaluations.
    ledger : DataFrame or None
        The direct-funds ledger (None without a 直达资金 table).
    comparison : DataFrame or None
        Year-on-year comparison (None without last year's self-evaluations).
    ruleset : dict
    """

    project_id: str
    year: int
    facts: Mapping[str, Fact]
    projects: pd.DataFrame
    categories: pd.DataFrame
    exante: pd.DataFrame
    poverty: pd.DataFrame
    funds: pd.DataFrame
    ledger: pd.DataFrame | None
    grades: pd.DataFrame
    comparison: pd.DataFrame | None
    ruleset: dict

    def summary(self) -> dict[str, Any]:
        """Every fact's value (unrounded) under its key, the year and the rule set."""
        return {"year": self.year, "n_facts": len(self.facts),
                "conclusion": f"{self.year}年度工作总结",
                **{k: f.value for k, f in self.facts.items()}, **self.ruleset}

    def to_frame(self) -> pd.DataFrame:
        """The facts: key, value, unit and how each was computed."""
        return pd.DataFrame([vars(f) for f in self.facts.values()])

    def has(self, key: str) -> bool:
        """Whether the data gave this fact (poverty, direct funds, last year are optional)."""
        return key in self.facts

    def _html_facts(self) -> list[tuple[str, object]]:
        return [("年度", self.year), ("数字", len(self.facts))]


def _fact(facts: dict[str, Fact], key: str, value: float, unit: str, note: str) -> None:
    facts[key] = Fact(key, float(value), unit, note)


def _ledger_facts(facts: dict[str, Fact], dataset: Dataset, year: int, rs: RuleSet,
                  projects: pd.DataFrame) -> pd.DataFrame:
    """Target setting, monitoring and categories of the year's projects; returns the project
    table with monitoring's review score and flag and the self-evaluation grade."""
    from evalkit.stages import monitoring, selfeval

    summary = summarize_projects(projects, dataset.indicators, ruleset=rs)
    county = county_figures(summary)
    where = f"项目表中 {year} 年度、有绩效指标表的项目（评价类型为{EXANTE_STAGE}的除外）"
    _fact(facts, "n_projects", county["n_projects"], "个", f"{where}的个数")
    _fact(facts, "projects_budget", county["budget"], "万元", "上述项目“预算数”之和")
    for category, n in summary["category"].value_counts(sort=False).items():
        _fact(facts, f"n_category:{category}", n, "个", f"上述项目中“资金类别”为{category}的个数")
    _fact(facts, "execution_rate", county["execution_rate"], "%",
          "预算执行率 = Σ执行数 ÷ Σ预算数（上述项目，按资金加权）")
    _fact(facts, "completion_rate", county["completion_rate"], "%",
          "绩效目标完成率：每个项目 Σ三级指标得分 ÷ Σ有效分值（满分封顶、不适用指标剔除），"
          "再以预算数为权数加权平均")
    _fact(facts, "gap_points", abs(county["gap_points"]), "百分点",
          "偏差 = |绩效目标完成率 − 预算执行率|，以百分点计（未经四舍五入的两率相减）")
    limit = rs.section("monitoring")
    forms = monitoring.evaluate_many(dataset, ruleset=rs)
    forms = forms[forms["project_id"].isin(set(projects["project_id"]))]
    if len(forms):
        _fact(facts, "n_monitored", len(forms), "个", "有绩效监控表（绩效监控）的上述项目个数")
        _fact(facts, "monitored_budget", forms["budget"].sum(), "万元", "这些项目“预算数”之和")
        _fact(facts, "review_score", forms["review_score"].mean(), "分",
              f"{len(forms)} 张绩效监控表审核得分的算术平均（审核评分表：填报完整性、偏差原因说明、"
              f"纠偏措施、佐证材料等，分值见所用规则集的监控审核评分表）")
        _fact(facts, "n_flagged", int(forms["flagged"].sum()), "个",
              f"全年预计执行率与完成率偏差超过 {limit['gap_points']} 个百分点或监控审核得分低于 "
              f"{limit['min_score']} 分的项目个数（两项阈值均为所用规则集的参数）")
    grades = selfeval.evaluate_many(dataset, ruleset=rs).set_index("project_id")["grade"]
    review = forms.set_index("project_id")
    return summary.assign(
        review_score=summary["project_id"].map(review["review_score"]),
        flagged=summary["project_id"].map(review["flagged"]).fillna(False).astype(bool),
        selfeval_grade=summary["project_id"].map(grades))


def _poverty_facts(facts: dict[str, Fact], dataset: Dataset, rs: RuleSet) -> pd.DataFrame:
    """The 扶贫 platform's projects, amounts and indicator counts (rule: target_review)."""
    if POVERTY_PROJECTS.name not in dataset.tables:
        return pd.DataFrame(columns=["kind", "n", "budget"])
    pov = dataset.table(POVERTY_PROJECTS.name)
    sheets = (dataset.table(POVERTY_INDICATORS.name) if POVERTY_INDICATORS.name in dataset.tables
              else pd.DataFrame(columns=["poverty_id", "level2"]))
    counts = sheets.groupby("poverty_id").size().reindex(pov["poverty_id"], fill_value=0)
    tr = rs.section("target_review")
    minimum = int(tr["poverty_min_indicators"])
    _fact(facts, "n_poverty", len(pov), "个", "扶贫项目表（全国扶贫绩效动态监控平台）的项目个数")
    _fact(facts, "poverty_budget", pov["budget"].sum(), "万元", "扶贫项目“资金总额”之和")
    _fact(facts, "poverty_min_indicators", counts.min() if len(counts) else 0, "条",
          "各扶贫项目在扶贫绩效目标表中三级指标条数的最小值")
    _fact(facts, "n_poverty_short", int((counts < minimum).sum()), "个",
          f"三级指标少于 {minimum} 条的扶贫项目个数（最低条数为所用规则集的目标审核参数）")
    covered = sheets.groupby("poverty_id")["level2"].agg(set)
    needed = [set(c["level2"]) for c in tr["poverty_required_categories"]]
    complete = pov["poverty_id"].map(
        lambda p: all(covered.get(p, set()) & need for need in needed))
    _fact(facts, "n_poverty_incomplete", int((~complete).sum()), "个",
          "未覆盖数量、质量、时效、成本、社会效益和满意度全部类别的扶贫项目个数（必备类别为所用规则集"
          "的目标审核参数）")
    linked = pov["project_id"].fillna("") != ""
    _fact(facts, "n_poverty_linked", int(linked.sum()), "个", "其中列入本年项目表（关联项目编码）的个数")
    by_kind = pov.groupby("kind", sort=False).agg(n=("poverty_id", "size"),
                                                  budget=("budget", "sum")).reset_index()
    return by_kind.sort_values(["n", "budget"], ascending=False).reset_index(drop=True)


def _prior_facts(facts: dict[str, Fact], dataset: Dataset, year: int,
                 current: pd.DataFrame, units_budget: float, rs: RuleSet
                 ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Last year's self-evaluations; the grade distribution and the year-on-year comparison."""
    order = [b.label for b in rs.grades]
    grades = pd.DataFrame({"grade": order})
    grades[f"{year}"] = grades["grade"].map(current["selfeval_grade"].value_counts()).fillna(0)
    if PRIOR_EVALUATIONS.name not in dataset.tables:
        return grades, None
    prior = dataset.table(PRIOR_EVALUATIONS.name)
    prior = prior[prior["year"] == year - 1]
    if prior.empty:
        return grades, None
    units, projects = prior[prior["kind"] == "部门整体"], prior[prior["kind"] == "项目"]
    where = f"以前年度自评表中 {year - 1} 年度、评价对象为"
    _fact(facts, "prior_units", len(units), "个", f"{where}部门整体的单位个数")
    _fact(facts, "prior_units_amount", units["amount"].sum(), "万元", "这些单位“涉及金额”之和")
    _fact(facts, "prior_projects", len(projects), "个", f"{where}项目的项目个数")
    _fact(facts, "prior_projects_amount", projects["amount"].sum(), "万元", "这些项目“涉及金额”之和")
    grades.insert(1, f"{year - 1}", grades["grade"].map(projects["grade"].value_counts()).fillna(0))
    good = set(order[:2])
    comparison = pd.DataFrame([
        {"item": "部门整体自评单位（个）", "prior": len(units), "current": facts["n_units"].value},
        {"item": "部门整体涉及金额（万元）", "prior": units["amount"].sum(), "current": units_budget},
        {"item": "项目自评（个）", "prior": len(projects), "current": len(current)},
        {"item": "项目涉及金额（万元）", "prior": projects["amount"].sum(),
         "current": current["budget"].sum()},
        {"item": "项目优良率（%）", "prior": projects["grade"].isin(good).mean() * 100,
         "current": current["selfeval_grade"].isin(good).mean() * 100},
    ])
    comparison["change"] = comparison["current"] - comparison["prior"]
    return grades, comparison


def evaluate(dataset: Dataset, year: Any, *,
             ruleset: str | Path | RuleSet = "national") -> AnnualSummary:
    """Compute every figure of the year's summary from the dataset.

    Parameters
    ----------
    dataset : Dataset
    year : str or int
        A county-year of :func:`county_years` (``"2020"``).
    ruleset : RuleSet or str

    Examples
    --------
    >>> import evalkit as ek
    >>> s = evaluate(ek.load_dataset("sample"), "2020")
    >>> int(s.facts["n_units"].value), round(s.facts["units_budget"].value)
    (69, 117231)
    """
    rs = load_ruleset(ruleset)
    rs.section(RULESET_SECTION, needed_by="全面实施预算绩效管理工作总结")
    y = year_of(dataset, year)
    facts: dict[str, Fact] = {}
    units = dataset.units
    _fact(facts, "n_units", len(units), "个", "预算单位表的一级预算单位个数")
    _fact(facts, "units_budget", units["budget"].sum(), "万元", "预算单位表“预算数”之和")
    all_projects = dataset.projects
    exante_mask = ~has_indicator_sheet(all_projects)
    assessed = (all_projects["assessed_year"] if "assessed_year" in all_projects
                else pd.Series(np.nan, index=all_projects.index))
    exante = all_projects[exante_mask & (assessed == y).to_numpy()]
    _fact(facts, "n_exante", len(exante), "个",
          f"项目表中评价类型为{EXANTE_STAGE}、评估年度为 {y} 的新增项目个数")
    _fact(facts, "exante_budget", exante["budget"].sum(), "万元", "这些项目“预算数”（申请金额）之和")
    projects = all_projects[~exante_mask & (all_projects["year"] == y).to_numpy()]
    current = _ledger_facts(facts, dataset, y, rs, projects)
    categories = current.groupby("category", sort=False).agg(
        n=("project_id", "size"), budget=("budget", "sum")).reset_index()
    if UNIT_MONITORING.name in dataset.tables:
        monitored = units[units["unit_id"].isin(set(dataset.table(UNIT_MONITORING.name)["unit_id"]))]
        _fact(facts, "n_units_monitored", len(monitored), "个", "有部门整体监控表（单位监控）的单位个数")
        _fact(facts, "units_monitored_budget", monitored["budget"].sum(), "万元",
              "这些单位“预算数”之和")
    poverty = _poverty_facts(facts, dataset, rs)
    book, funds = None, pd.DataFrame(columns=list(direct_funds.FUND_HEADERS))
    if DIRECT_FUNDS.name in dataset.tables:
        book = direct_funds.ledger(dataset, ruleset=rs)
        funds = direct_funds.fund_totals(book)
        f = direct_funds.figures(book)
        ratio = rs.section(RULESET_SECTION)["direct_funds_behind_ratio"]
        _fact(facts, "direct_n_allocations", f["n_allocations"], "笔", "直达资金表的分配明细笔数")
        _fact(facts, "direct_amount", f["amount"], "万元", "直达资金表“下达金额”之和")
        _fact(facts, "direct_bond", f["bond"], "万元", "其中“是否特别国债”为是的下达金额之和")
        _fact(facts, "direct_allocated", f["allocated"], "万元", "已分配到具体单位和项目（单位编码、"
              "项目名称均已填写）的下达金额之和")
        _fact(facts, "direct_paid", f["paid"], "万元", "“已支付金额”之和")
        _fact(facts, "direct_progress", f["payment_progress"], "%", "支付进度 = Σ已支付 ÷ Σ下达")
        _fact(facts, "direct_time_progress", f["time_progress"], "%", "时间进度 = 截至月份 ÷ 12")
        for key, label in (("unallocated", "未分配到具体单位和项目"), ("undisclosed", "未公开"),
                           ("behind", "支付进度低于时间进度" if ratio == 1
                            else f"支付进度低于时间进度的 {ratio * 100:g}%")):
            _fact(facts, f"direct_n_{key}", f[f"n_{key}"], "笔", f"{label}的分配明细笔数")
    grades, comparison = _prior_facts(facts, dataset, y, current, float(units["budget"].sum()), rs)
    return AnnualSummary(str(y), y, facts, current, categories, _assessments(dataset, exante, rs),
                         poverty, funds, book, grades, comparison, rs.to_record())


def _assessments(dataset: Dataset, exante: pd.DataFrame, rs: RuleSet) -> pd.DataFrame:
    """The year's ex-ante projects with their assessment's total and conclusion tier
    (:func:`evalkit.stages.exante.evaluate`; blank when a project has no expert scores)."""
    from evalkit.stages import exante as stage

    out = exante[["project_id", "project_name", "unit_name", "budget"]].reset_index(drop=True)
    scored = set(dataset.table("expert_scores")["project_id"]) if (
        "expert_scores" in dataset.tables) else set()
    with warnings.catch_warnings():  # a panel's doubts belong to its own ex-ante report
        warnings.simplefilter("ignore", EvalkitWarning)
        results = [stage.evaluate(dataset, pid, ruleset=rs).summary() if pid in scored else {}
                   for pid in out["project_id"]]
    return out.assign(total=[r.get("total") for r in results],
                      conclusion=[r.get("conclusion", "") for r in results])


def check_ruleset(section: Mapping[str, Any], fail: Callable[[str, str, object], None]) -> None:
    """Validate a rule set's ``annual_summary`` section: ``direct_funds_behind_ratio`` > 0.

    >>> from evalkit.rules import failer
    >>> check_ruleset({"direct_funds_behind_ratio": 1.0}, failer("x.yaml"))
    >>> check_ruleset({"direct_funds_behind_ratio": 0}, failer("x.yaml"))
    Traceback (most recent call last):
    ...
    evalkit.errors.RuleSetError: rule set x.yaml: key 'annual_summary.direct_funds_behind_ratio': expected a number > 0, found 0
    """
    require_keys(section, RULESET_SECTION, REQUIRED_KEYS, fail)
    ratio = section["direct_funds_behind_ratio"]
    if not is_number(ratio) or ratio <= 0:
        fail(f"{RULESET_SECTION}.direct_funds_behind_ratio", "a number > 0", ratio)


#: Coverage table column → Chinese header.
COVERAGE_HEADERS = {"stage": "环节", "subject": "对象", "n": "个数", "amount": "涉及资金（万元）"}
#: The coverage rows: stage, subject, count fact, amount fact (a row shows when both exist).
_COVERAGE = (
    ("预算支出全覆盖", "一级预算单位", "n_units", "units_budget"),
    ("事前绩效评估", "新增项目", "n_exante", "exante_budget"),
    ("绩效目标管理", "项目", "n_projects", "projects_budget"),
    ("项目绩效监控", "项目", "n_monitored", "monitored_budget"),
    ("部门整体监控", "一级预算单位", "n_units_monitored", "units_monitored_budget"),
    ("扶贫项目绩效管理", "扶贫项目", "n_poverty", "poverty_budget"),
    ("直达资金管理", "分配明细（笔）", "direct_n_allocations", "direct_amount"),
    ("上年部门整体自评", "一级预算单位", "prior_units", "prior_units_amount"),
    ("上年项目自评", "项目", "prior_projects", "prior_projects_amount"),
)


def coverage(result: AnnualSummary) -> pd.DataFrame:
    """Coverage by stage of the annual cycle (DOMAIN.md §1): count and amount of each stage the
    data holds (:data:`COVERAGE_HEADERS`)."""
    rows = [{"stage": stage, "subject": subject, "n": result.facts[n].value,
             "amount": result.facts[amount].value}
            for stage, subject, n, amount in _COVERAGE if result.has(n) and result.has(amount)]
    return pd.DataFrame(rows, columns=list(COVERAGE_HEADERS))


def evaluate_many(dataset: Dataset, *,
                  ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """One row per county-year of the dataset: ``year``, ``n_facts`` and ``conclusion`` (the
    stage protocol: the portfolio of a batch and the rule-set independence check read it)."""
    rows = [evaluate(dataset, y, ruleset=ruleset).summary() for y in county_years(dataset)]
    return pd.DataFrame([{"year": str(r["year"]), "n_facts": r["n_facts"],
                          "conclusion": r["conclusion"]} for r in rows],
                        columns=["year", "n_facts", "conclusion"])
