"""Self-evaluation re-check (自评复核): a department's scores on its 项目支出绩效自评表, re-scored.

A third party re-checks the self-evaluation forms departments file (DOMAIN.md §11): it re-scores
every row under the rule set and lists each discrepancy between the department's score and its
own, per indicator and in total, with its kind and the evidence, then writes a 复核意见 per
project. The department's scores come from the ``self_scores`` table (自评得分), which
:func:`evalkit.forms.read_forms` fills from the forms (``evalkit import-forms``).

The stage protocol (:mod:`evalkit.stages`):

- :func:`framework` lists the kinds of discrepancy looked for.
- :func:`evaluate` re-checks one project of a dataset into a :class:`RecheckResult`.
- :func:`evaluate_many` re-checks every project with self-scores, one row per project.
- :func:`check_ruleset` validates the rule set's ``recheck`` section.
- :func:`checked_projects` lists the projects with self-scores (the report type's subjects).

On plain tables: :func:`assess`.

**How a row is re-scored.** Each indicator row is scored at the points printed on the form (the
department's 分值), by :func:`evalkit.scoring.score_indicators` (≥, ≤ by the rule set's convention,
=, qualitative tiers); the 预算执行率 row is ``points × rate`` with the rate's budget chosen by
``selfeval.budget_basis`` (:func:`evalkit.stages.selfeval.execution_denominators`), capped when
``selfeval.budget_execution_cap``; each row is rounded as ``recheck.row_rounding`` says
(half up) and the total is the sum of the rows. Whether the printed points themselves follow the
rule set (its ``selfeval.level1_weights``) is a check of its own (分值设置不符).
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
from evalkit.rules import RuleSet, band_of, derive_ruleset, load_ruleset
from evalkit.schemas import SELF_SCORE_EXECUTION, SELF_SCORE_LEVEL1, SELF_SCORE_TOTAL
from evalkit.scoring import score_indicators
from evalkit.stages.base import StageResult, plain, project_row, require_keys
from evalkit.stages.selfeval import budget_basis, execution_denominators

if TYPE_CHECKING:
    from evalkit.io import Dataset

__all__ = ["KINDS", "REQUIRED_KEYS", "RULESET_SECTION", "RecheckResult", "assess",
           "check_ruleset", "checked_projects", "evaluate", "evaluate_many", "framework"]

RULESET_SECTION = "recheck"
REQUIRED_KEYS = ("row_rounding", "tolerance", "alternatives", "text_tiers", "completion_words",
                 "met_tier", "unmet_tier", "ge_words", "le_words", "reverse_words",
                 "default_comparator")
#: ``recheck.row_rounding`` → decimals a row score is rounded to (half up); None: unrounded.
ROUNDINGS = {"none": None, "one_decimal": 1, "whole": 0}

#: The kinds of discrepancy (DOMAIN.md §11), key → Chinese name, in the order they are checked.
KINDS = {
    "weights": "分值设置不符",
    "above_points": "得分高于分值",
    "unexplained_deduction": "目标已完成仍扣分且无说明",
    "rounding": "取整口径不同",
    "convention": "计分口径不同",
    "score": "得分与复核不符",
    "missing_score": "未填自评得分",
    "confirm": "指标方向待确认",
    "sum": "总分不等于各项得分之和",
    "total": "总分与复核不符",
}

#: Columns of :attr:`RecheckResult.rows`.
ROW_COLUMNS = ["row_id", "item", "level1", "points", "self_score", "score", "difference",
               "ratio", "rule", "explanation", "cell", "kinds"]
#: Columns of :attr:`RecheckResult.discrepancies`.
DISCREPANCY_COLUMNS = ["row_id", "item", "kind", "self_score", "score", "evidence", "cell"]
#: Conclusions of a re-check (the report's verdict).
CONCLUSIONS = ("自评无误", "自评需修正")


@dataclass(frozen=True)
class RecheckResult(StageResult):
    """One project's re-check, unrounded except as ``recheck.row_rounding`` says.

    Attributes
    ----------
    project_id : object
    rows : pandas.DataFrame
        The form's rows (indicators, then 预算执行率), columns :data:`ROW_COLUMNS`: the printed
        ``points``, the department's ``self_score``, evalkit's ``score``, their ``difference``
        (self − evalkit), the comparator ``ratio`` (≥ 1: target met), the ``rule`` applied, the
        form's ``explanation``, the ``cell`` of the department's score and the ``kinds`` of
        discrepancy found on the row (joined by ``；``).
    discrepancies : pandas.DataFrame
        One row per discrepancy, columns :data:`DISCREPANCY_COLUMNS`; ``kind`` is a value of
        :data:`KINDS`, ``evidence`` says what was compared.
    self_total, total : float
        The department's 总分 (NaN when not filled) and evalkit's.
    self_grade, grade : str
        Their grade bands under the rule set.
    conclusion : str
        One of :data:`CONCLUSIONS`.
    rules : dict
        ``row_rounding``, ``tolerance``, ``budget_basis``.
    ruleset : dict
    """

    project_id: Any
    rows: pd.DataFrame
    discrepancies: pd.DataFrame
    self_total: float
    total: float
    self_grade: str
    grade: str
    conclusion: str
    rules: dict
    ruleset: dict

    def to_frame(self) -> pd.DataFrame:
        """The discrepancies."""
        return self.discrepancies

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable record: ``project_id``, ``total``, ``self_total``, ``grade``,
        ``self_grade``, ``n_discrepancies``, ``kinds`` ({kind: count}), ``conclusion``, the
        rule-set record."""
        counts = self.discrepancies["kind"].value_counts()
        return {
            "project_id": plain(self.project_id),
            "total": float(self.total),
            "self_total": None if math.isnan(self.self_total) else float(self.self_total),
            "grade": self.grade, "self_grade": self.self_grade,
            "n_discrepancies": int(len(self.discrepancies)),
            "kinds": {str(k): int(v) for k, v in counts.items()},
            "conclusion": self.conclusion,
            **self.ruleset,
        }

    _html_digits = 2

    def _html_facts(self) -> list[tuple[str, object]]:
        return [("项目", self.project_id), ("自评总分", _fmt(self.self_total)),
                ("复核总分", _fmt(self.total)), ("差异", f"{len(self.discrepancies)} 处"),
                ("复核结论", self.conclusion)]

    def _html_tables(self) -> list[pd.DataFrame]:
        return [self.rows, self.discrepancies]


def _fmt(x: float) -> str:
    return "未填" if math.isnan(x) else f"{x:.2f}"


def framework(ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """The kinds of discrepancy a re-check looks for, with the rule-set options it applies.

    Returns
    -------
    pandas.DataFrame
        ``kind`` (key of :data:`KINDS`), ``name`` (Chinese); the rule set's ``row_rounding``
        and ``budget_basis`` are in every row's ``options``.

    Examples
    --------
    >>> framework()["name"].tolist()[:3]
    ['分值设置不符', '得分高于分值', '目标已完成仍扣分且无说明']
    """
    rs = load_ruleset(ruleset)
    options = (f"row_rounding={rs.section(RULESET_SECTION)['row_rounding']}, "
               f"budget_basis={budget_basis(rs)}")
    return pd.DataFrame({"kind": list(KINDS), "name": list(KINDS.values()), "options": options})


def checked_projects(dataset: Dataset) -> list[str]:
    """The projects of a dataset with self-scores (自评得分), in projects-table order."""
    if "self_scores" not in dataset.tables:
        return []
    have = set(dataset.tables["self_scores"]["project_id"])
    return [p for p in dataset.projects["project_id"] if p in have]


def evaluate(dataset: Dataset, project_id: Any, *,
             ruleset: str | Path | RuleSet = "national") -> RecheckResult:
    """Re-check one project of a dataset (see :func:`assess`).

    Raises
    ------
    InputError
        An unknown project, or one without self-scores.
    """
    project = project_row(dataset, project_id)
    scores = dataset.table("self_scores")
    mine = scores[scores["project_id"] == project_id]
    if mine.empty:
        raise InputError(f"项目 {project_id}：应有自评得分（自评得分表），实际没有 "
                         f"(expected self-scores for project {project_id!r}, found none)")
    ind = dataset.indicators
    return assess(project, ind[ind["project_id"] == project_id], mine, ruleset=ruleset)


def evaluate_many(dataset: Dataset, *,
                  ruleset: str | Path | RuleSet = "national") -> pd.DataFrame:
    """Re-check every project with self-scores: one row per project.

    Returns
    -------
    pandas.DataFrame
        ``project_id``, ``project_name``, ``unit_name``, ``self_total``, ``total``,
        ``n_discrepancies``, ``conclusion`` and one count column per kind of :data:`KINDS`
        (Chinese names).
    """
    rs = load_ruleset(ruleset)
    rows = []
    for pid in checked_projects(dataset):
        result = evaluate(dataset, pid, ruleset=rs)
        project = dataset.project(pid)
        counts = result.discrepancies["kind"].value_counts()
        rows.append({"project_id": pid, "project_name": project["project_name"],
                     "unit_name": project["unit_name"], "self_total": result.self_total,
                     "total": result.total, "n_discrepancies": len(result.discrepancies),
                     "conclusion": result.conclusion,
                     **{name: int(counts.get(name, 0)) for name in KINDS.values()}})
    return pd.DataFrame(rows, columns=["project_id", "project_name", "unit_name", "self_total",
                                       "total", "n_discrepancies", "conclusion",
                                       *KINDS.values()])


def check_ruleset(section: Mapping[str, Any], fail: Callable[[str, str, object], None]) -> None:
    """Validate the ``recheck`` section; ``fail(key, expected, found)`` raises.

    Checks: every key of :data:`REQUIRED_KEYS`; ``row_rounding`` one of :data:`ROUNDINGS`;
    ``tolerance`` ≥ 0; ``alternatives`` a list of ``{label, changes}`` with a mapping of dotted
    keys; ``text_tiers`` a mapping; ``default_comparator`` one of ≥ ≤ =.

    Examples
    --------
    >>> from evalkit.rules import failer, load_ruleset
    >>> section = dict(load_ruleset("national").data["recheck"])
    >>> check_ruleset(section, failer("national.yaml"))
    >>> check_ruleset({**section, "row_rounding": "half"}, failer("national.yaml"))
    Traceback (most recent call last):
    ...
    evalkit.errors.RuleSetError: rule set national.yaml: key 'recheck.row_rounding': expected one of ['none', 'one_decimal', 'whole'], found 'half'
    """
    require_keys(section, RULESET_SECTION, REQUIRED_KEYS, fail)
    if section["row_rounding"] not in ROUNDINGS:
        fail("recheck.row_rounding", f"one of {list(ROUNDINGS)}", section["row_rounding"])
    tol = section["tolerance"]
    if not isinstance(tol, (int, float)) or isinstance(tol, bool) or tol < 0:
        fail("recheck.tolerance", "a number ≥ 0 (points)", tol)
    alternatives = section["alternatives"]
    if not isinstance(alternatives, list):
        fail("recheck.alternatives", "a list of {label, changes}", alternatives)
    for i, alt in enumerate(alternatives):
        if not (isinstance(alt, Mapping) and isinstance(alt.get("label"), str)
                and isinstance(alt.get("changes"), Mapping)):
            fail(f"recheck.alternatives[{i}]", "{label: text, changes: {dotted key: value}}", alt)
    if not isinstance(section["text_tiers"], Mapping):
        fail("recheck.text_tiers", "a mapping of text to tier", section["text_tiers"])
    if section["default_comparator"] not in ("≥", "≤", "="):
        fail("recheck.default_comparator", "≥, ≤ or =", section["default_comparator"])


# --- the re-check ------------------------------------------------------------------------------


def round_half_up(x: np.ndarray, decimals: int | None) -> np.ndarray:
    """Round as the forms do (half up, not half to even); ``None`` leaves ``x`` unrounded.

    >>> round_half_up(np.array([7.5, 8.5, 7.25]), 0).tolist(), round_half_up(np.array([7.25]), 1).tolist()
    ([8.0, 9.0, 7.0], [7.3])
    """
    if decimals is None:
        return np.asarray(x, dtype=float)
    f = 10.0 ** decimals
    return np.floor(np.asarray(x, dtype=float) * f + 0.5 + 1e-9) / f


def _rescore(project: pd.Series, indicators: pd.DataFrame, rs: RuleSet,
             points: float) -> tuple[pd.DataFrame, str]:
    """Evalkit's score of each form row at its printed points, and the execution row."""
    frame = pd.DataFrame([dict(project)])
    denominator, used = execution_denominators(frame, budget_basis(rs))
    spent = float(pd.to_numeric(frame["spent"], errors="coerce").iat[0])
    rate = spent / denominator[0] if denominator[0] > 0 else math.nan
    pid = project["project_id"]
    result = score_indicators(indicators, ruleset=rs,
                              execution_rate=pd.Series({pid: rate}))
    sheet = result.sheet.copy()
    is_exec = sheet["indicator_id"] == "预算执行率"
    sheet.loc[is_exec, "indicator_id"] = SELF_SCORE_EXECUTION
    # the execution row at the form's points (the rule set's points when the form prints none)
    if not math.isnan(points):
        cap = bool(rs.section("selfeval")["budget_execution_cap"])
        share = min(rate, 1.0) if cap else rate
        sheet.loc[is_exec, ["weight", "effective_weight", "score"]] = [points, points,
                                                                       points * share]
    digits = ROUNDINGS[rs.section(RULESET_SECTION)["row_rounding"]]
    sheet["score"] = round_half_up(sheet["score"].to_numpy(dtype=float), digits)
    return sheet, used[0]


def assess(project: pd.Series | Mapping[str, Any], indicators: pd.DataFrame,
           self_scores: pd.DataFrame, *,
           ruleset: str | Path | RuleSet = "national") -> RecheckResult:
    """Re-check one project's self-evaluation form.

    Parameters
    ----------
    project : pandas.Series or mapping
        Its projects-table row (``project_id``, ``budget``, ``spent`` and optionally
        ``budget_annual``, ``budget_adjusted``).
    indicators : pandas.DataFrame
        Its indicator rows (weights = the points printed on the form), with ``explanation``.
    self_scores : pandas.DataFrame
        Its ``self_scores`` rows: one per indicator id, ``预算执行率``, ``总分`` and the printed
        level-1 points (``一级:产出指标``).
    ruleset : str, Path or RuleSet, default "national"

    Returns
    -------
    RecheckResult

    Notes
    -----
    Discrepancies, each a :data:`KINDS` value (DOMAIN.md §11):

    - **分值设置不符**: a level-1 group's printed points ≠ the sum of its rows' points; the
      printed level-1 points plus the execution points ≠ the 总分's points (110 against 100);
      the rows' points plus the execution points ≠ the 总分's points; a group's points ≠ the rule
      set's ``selfeval.level1_weights`` (when the form has every group the rule set weights).
    - **得分高于分值**: a row's score above its points.
    - For a row whose score differs from evalkit's by more than ``recheck.tolerance``:
      **目标已完成仍扣分且无说明** when the target was met (ratio ≥ 1), points were deducted and
      the explanation is blank; else **取整口径不同** when the score is evalkit's rounded to whole
      points or one decimal; else **计分口径不同** when it is evalkit's score under one of
      ``recheck.alternatives`` (named in the evidence); else **得分与复核不符**.
    - **未填自评得分**, **指标方向待确认** (a direction the reader could only guess from the
      indicator's meaning), **总分不等于各项得分之和** (beyond ``tolerance``), **总分与复核不符**
      (beyond ``tolerance`` × the number of rows: each printed row may be off by its rounding).

    Examples
    --------
    A row scored 7 of 10 although its target was met, and a total that is not the sum of its rows:

    >>> ind = pd.DataFrame({"project_id": "P1", "indicator_id": ["I01", "I02"],
    ...     "level1": ["产出指标", "效益指标"], "level2": ["数量指标", "社会效益指标"],
    ...     "name": ["培训人次", "就业率"], "comparator": "≥", "target": [500, 80],
    ...     "unit": ["人次", "%"], "weight": [80, 10], "actual": [520, 85], "explanation": ""})
    >>> scores = pd.DataFrame({"project_id": "P1",
    ...     "row_id": ["I01", "I02", "预算执行率", "总分"], "item": ["培训人次", "就业率", "预算执行率", "总分"],
    ...     "points": [80, 10, 10, 100], "score": [80, 7, 10, 98], "cell": ["H12", "H13", "I7", "H14"]})
    >>> r = assess({"project_id": "P1", "budget": 100.0, "spent": 100.0}, ind, scores)
    >>> r.discrepancies[["row_id", "kind"]].values.tolist()
    [['I02', '目标已完成仍扣分且无说明'], ['总分', '总分不等于各项得分之和'], ['总分', '总分与复核不符']]
    """
    rs = load_ruleset(ruleset)
    opts = rs.section(RULESET_SECTION)
    tol = float(opts["tolerance"]) + 1e-9  # a score printed to 2 decimals: 14.875 → 14.88
    pid = project["project_id"]
    filled = self_scores.reindex(columns=["row_id", "item", "points", "score", "cell", "note"])
    by_id = {r.row_id: r for r in filled.itertuples(index=False)}
    exec_row = by_id.get(SELF_SCORE_EXECUTION)
    exec_points = float(exec_row.points) if exec_row is not None else math.nan
    sheet, used = _rescore(pd.Series(dict(project)), indicators, rs, exec_points)
    explanations = (dict(zip(indicators["indicator_id"], indicators["explanation"].fillna(""),
                             strict=True)) if "explanation" in indicators else {})
    alternatives = _alternative_scores(project, indicators, rs, exec_points)
    found: list[dict] = []

    def add(row_id: str, item: str, kind: str, self_score: float, score: float,
            evidence: str, cell: str) -> None:
        found.append({"row_id": row_id, "item": item, "kind": KINDS[kind],
                      "self_score": self_score, "score": score, "evidence": evidence,
                      "cell": cell})

    found += _weight_checks(sheet, by_id, rs, exec_points)
    rows = []
    for r in sheet.itertuples(index=False):
        mine = by_id.get(r.indicator_id)
        self_score = float(mine.score) if mine is not None else math.nan
        points = float(mine.points) if mine is not None and not _nan(mine.points) else r.weight
        cell = str(mine.cell) if mine is not None and isinstance(mine.cell, str) else ""
        explanation = str(explanations.get(r.indicator_id, "") or "")
        before = len(found)
        if mine is not None and isinstance(mine.note, str) and "确认" in mine.note:
            add(r.indicator_id, r.name, "confirm", self_score, r.score,
                f"“{r.name}”未注明指标方向，按 {r.comparator} 计分；请确认是否为反向指标", cell)
        if math.isnan(self_score):
            add(r.indicator_id, r.name, "missing_score", self_score, r.score,
                f"得分单元格空白；复核得分 {_p(r.score)}", cell)
        else:
            above = self_score > points + tol
            if above:
                add(r.indicator_id, r.name, "above_points", self_score, r.score,
                    f"自评得分 {_p(self_score)} 高于分值 {_p(points)}；复核得分 {_p(r.score)}", cell)
            if abs(self_score - r.score) > tol and not (above and abs(r.score - points) <= tol):
                kind, why = _why(self_score, r, points, explanation, alternatives, tol)
                add(r.indicator_id, r.name, kind, self_score, r.score, why, cell)
        rows.append({"row_id": r.indicator_id, "item": r.name, "level1": r.level1,
                     "points": points, "self_score": self_score, "score": r.score,
                     "difference": self_score - r.score, "ratio": r.ratio, "rule": r.rule,
                     "explanation": explanation, "cell": cell,
                     "kinds": "；".join(f["kind"] for f in found[before:])})
    rows_frame = pd.DataFrame(rows, columns=ROW_COLUMNS)
    total = float(rows_frame["score"].sum())
    total_row = by_id.get(SELF_SCORE_TOTAL)
    self_total = float(total_row.score) if total_row is not None else math.nan
    total_cell = str(total_row.cell) if total_row is not None and isinstance(total_row.cell,
                                                                             str) else ""
    if not math.isnan(self_total):
        row_sum = float(rows_frame["self_score"].fillna(0.0).sum())
        if abs(self_total - row_sum) > tol:
            add(SELF_SCORE_TOTAL, SELF_SCORE_TOTAL, "sum", self_total, row_sum,
                f"自评总分 {_p(self_total)}，各项自评得分合计 {_p(row_sum)}", total_cell)
        # each printed row may differ from evalkit's by its display rounding: so may the total
        if abs(self_total - total) > tol * len(rows_frame):
            n_rows = sum(1 for f in found if f["row_id"] not in (SELF_SCORE_TOTAL,)
                         and f["kind"] not in (KINDS["weights"], KINDS["confirm"]))
            add(SELF_SCORE_TOTAL, SELF_SCORE_TOTAL, "total", self_total, total,
                f"自评总分 {_p(self_total)}，复核总分 {_p(total)}，相差 {_p(self_total - total)} 分"
                f"（分项差异 {n_rows} 处）", total_cell)
    else:
        add(SELF_SCORE_TOTAL, SELF_SCORE_TOTAL, "missing_score", self_total, total,
            f"总分未填；复核总分 {_p(total)}", total_cell)
    discrepancies = pd.DataFrame(found, columns=DISCREPANCY_COLUMNS)
    grade = str(band_of([total], rs.grades)[0])
    self_grade = "" if math.isnan(self_total) else str(band_of([self_total], rs.grades)[0])
    return RecheckResult(
        project_id=plain(pid), rows=rows_frame, discrepancies=discrepancies,
        self_total=self_total, total=total, self_grade=self_grade, grade=grade,
        conclusion=CONCLUSIONS[0] if discrepancies.empty else CONCLUSIONS[1],
        rules={"row_rounding": str(opts["row_rounding"]), "tolerance": float(opts["tolerance"]),
               "budget_basis": used},
        ruleset=rs.to_record())


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _p(x: float) -> str:
    """Points in evidence: up to 2 decimals, no trailing zeros (display only)."""
    return "未填" if _nan(x) else f"{round(float(x), 2):g}"


def _why(self_score: float, r: Any, points: float, explanation: str,
         alternatives: list[tuple[str, dict]], tol: float) -> tuple[str, str]:
    """The kind of a row's score difference and its evidence."""
    base = f"自评得分 {_p(self_score)}，复核得分 {_p(r.score)}（{r.rule}）"
    met = isinstance(r.ratio, float) and not math.isnan(r.ratio) and r.ratio >= 1 - 1e-12
    if met and self_score < points - tol and not explanation.strip():
        return "unexplained_deduction", (f"目标已完成（完成比例 {r.ratio:.2%}），扣 "
                                         f"{_p(points - self_score)} 分，未填偏差原因；{base}")
    for digits, label in ((0, "整数"), (1, "一位小数")):
        if abs(self_score - float(round_half_up(np.array([r.score]), digits)[0])) <= tol:
            return "rounding", f"{base}；自评按{label}取整"
    for label, scores in alternatives:
        alt = scores.get(r.indicator_id)
        if alt is not None and abs(self_score - alt) <= tol:
            return "convention", f"{base}；与“{label}”的得分 {_p(alt)} 一致"
    return "score", base


def _alternative_scores(project: Mapping[str, Any], indicators: pd.DataFrame, rs: RuleSet,
                        exec_points: float) -> list[tuple[str, dict]]:
    """Each row's score under each of ``recheck.alternatives`` that changes the rule set."""
    out = []
    for i, alt in enumerate(rs.section(RULESET_SECTION)["alternatives"]):
        changes = dict(alt["changes"])
        if all(_current(rs, key) == value for key, value in changes.items()):
            continue
        key = (rs.sha256, i)
        if key not in _DERIVED:
            _DERIVED[key] = derive_ruleset(rs, changes, label=alt["label"])
        sheet, _ = _rescore(pd.Series(dict(project)), indicators, _DERIVED[key], exec_points)
        out.append((alt["label"], dict(zip(sheet["indicator_id"], sheet["score"], strict=True))))
    return out


#: The rule sets of ``recheck.alternatives`` derived so far: (rule-set hash, index) → RuleSet.
_DERIVED: dict[tuple[str, int], RuleSet] = {}


def _current(rs: RuleSet, dotted: str) -> object:
    node: Any = rs.data
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    if node is None and dotted == "selfeval.budget_basis":
        return budget_basis(rs)
    return node


def _weight_checks(sheet: pd.DataFrame, by_id: dict, rs: RuleSet,
                   exec_points: float) -> list[dict]:
    """分值设置不符: printed level-1 points, rows' points and the 总分's points that disagree."""
    out = []

    def add(row_id: str, item: str, evidence: str, cell: str = "") -> None:
        out.append({"row_id": row_id, "item": item, "kind": KINDS["weights"],
                    "self_score": math.nan, "score": math.nan, "evidence": evidence,
                    "cell": cell})

    rows = sheet[sheet["indicator_id"] != SELF_SCORE_EXECUTION]
    sums = rows.groupby("level1", sort=False)["weight"].sum()
    printed = {k[len(SELF_SCORE_LEVEL1):]: v for k, v in by_id.items()
               if str(k).startswith(SELF_SCORE_LEVEL1)}
    for name, r in printed.items():
        got = float(sums.get(name, 0.0))
        if abs(float(r.points) - got) > 1e-9:
            add(SELF_SCORE_LEVEL1 + name, name, f"{name}印制分值 {_p(r.points)} 分，其三级指标分值"
                f"合计 {_p(got)} 分", str(r.cell or ""))
    total = by_id.get(SELF_SCORE_TOTAL)
    declared = float(total.points) if total is not None and not _nan(total.points) else 100.0
    execution = 0.0 if math.isnan(exec_points) else exec_points
    if printed:
        printed_sum = sum(float(r.points) for r in printed.values()) + execution
        if abs(printed_sum - declared) > 1e-9:
            add(SELF_SCORE_TOTAL, SELF_SCORE_TOTAL, f"一级指标印制分值与预算执行率分值合计 "
                f"{_p(printed_sum)} 分，总分应为 {_p(declared)} 分")
    row_sum = float(rows["weight"].sum()) + execution
    if abs(row_sum - declared) > 1e-9:
        add(SELF_SCORE_TOTAL, SELF_SCORE_TOTAL, f"三级指标分值与预算执行率分值合计 {_p(row_sum)} 分，"
            f"总分应为 {_p(declared)} 分")
    weights = {str(k): float(v) for k, v in rs.section("selfeval")["level1_weights"].items()
               if k != "预算执行率"}
    if set(weights) <= set(sums.index):
        for name, expected in weights.items():
            if abs(float(sums[name]) - expected) > 1e-9:
                add(SELF_SCORE_LEVEL1 + name, name, f"{name}分值 {_p(sums[name])} 分，规则集 "
                    f"{rs.id} 为 {_p(expected)} 分")
    return out
