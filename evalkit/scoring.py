"""Score indicator sheets: one rule per comparator, roll-ups, totals and grades.

Every level-3 indicator is scored as ``score = clip(ratio, 0, 1) × effective weight`` where the
ratio follows its comparator (DOMAIN.md §3):

======== ==================================================================================
``≥``    ratio = actual / target (a target ≤ 0 is met by any actual ≥ target)
``≤``    convention A: target / actual when actual > target;
         convention B: 1 − (actual − target) / target, reaching 0 at actual ≥ 2 × target
``=``    1 when met (|actual − target| ≤ tolerance × |target|; a zero target only by actual ≤ 0),
         else 0 (or min/max ratio under ``equality_unmet: proportional``)
``定性``  the share of the qualitative tier (达成 / 部分达成 / 未达成), or the judged score
         carried into the tier's range
======== ==================================================================================

**Rule-set independence of judged tiers.** The tier the evaluator names is the fact the data
records; the judged score (评定得分) only places the project inside that tier. Under another rule
set the tier scores by that set's convention: a judged share inside the set's range for the tier
is kept, one outside it scores at the nearest end of the range (a fixed-value tier such as the
provincial 100/80/50 scores its value), and the row is flagged 评定得分按本规则集等级区间计分.
So one dataset scores under every rule set, and no judged score is changed unseen.

Not-applicable indicators (``不适用``) are dropped and the others' weights rescaled so the sheet
keeps its total. The whole table is scored with numpy in one pass — no per-row Python loop — so a
province's million indicator rows score in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.errors import CellError, InputError
from evalkit.phrasebook import phrasebook
from evalkit.rules import RuleSet, band_of, load_ruleset, validation_options
from evalkit.values import NOT_APPLICABLE, IndicatorCells, parse_indicator_cells, parse_value

#: Columns of the score sheet, in order.
SHEET_COLUMNS = [
    "project_id", "indicator_id", "level1", "level2", "name", "comparator", "target", "actual",
    "actual_tier", "unit", "weight", "applicable", "effective_weight", "rule", "ratio", "score", "lost",
    "over_achieved", "missing_actual", "flags", "evidence",
]
_REQUIRED = ["project_id", "indicator_id", "level1", "level2", "name", "comparator", "target",
             "weight", "actual"]
#: Level-1 name of the budget-execution row added by ``execution_rate``.
EXECUTION_LEVEL1 = "预算执行率"


@dataclass(frozen=True)
class ScoreResult:
    """Scores of one or many indicator sheets, unrounded.

    Attributes
    ----------
    sheet : DataFrame
        One row per indicator, columns :data:`SHEET_COLUMNS`.
    level1, level2 : DataFrame
        Roll-ups per project and level-1 (and level-2) name: weight, effective_weight, score,
        lost, score_rate (score / effective weight).
    totals : DataFrame
        One row per project: weight, score, lost, score_rate, grade, n_indicators,
        n_not_applicable, n_over_achieved, n_missing_actual.
    ruleset : dict
        ``ruleset_id``, ``ruleset_version``, ``ruleset_sha256`` of the rules applied.
    """

    sheet: pd.DataFrame
    level1: pd.DataFrame
    level2: pd.DataFrame
    totals: pd.DataFrame
    ruleset: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The score sheet (one row per indicator)."""
        return self.sheet

    def _repr_html_(self) -> str:
        head = "".join(f"<b>{k}</b>: {v}<br>" for k, v in self.ruleset.items())
        return head + self.totals.to_html(max_rows=20)


def prepare_indicators(indicators: pd.DataFrame) -> pd.DataFrame:
    """Turn a raw indicators table (values as typed in Excel) into the numeric form scoring uses.

    Adds ``actual_text`` (the cell as typed, for qualitative tiers and ``不适用``) and makes
    ``target``, ``actual``, ``weight`` floats and ``comparator`` canonical (``≥ ≤ = 定性``); a
    comparator typed into the target cell (``≥90%``) is used when the comparator column is blank.
    Tables read with :func:`evalkit.read_dataset` are already in this form.

    Raises
    ------
    InputError
        For the first cell that cannot be parsed (dataset readers report all of them at once).

    >>> raw = pd.DataFrame({"project_id": ["P1"], "indicator_id": ["I1"], "level1": ["产出指标"],
    ...     "level2": ["数量指标"], "name": ["培训人次"], "comparator": [""], "target": ["≥500人次"],
    ...     "weight": ["8"], "actual": ["487"]})
    >>> prepare_indicators(raw)[["comparator", "target", "unit", "actual", "weight"]]
      comparator  target unit  actual  weight
    0          ≥   500.0   人次   487.0     8.0
    """
    missing = [c for c in _REQUIRED if c not in indicators.columns]
    if missing:
        raise InputError(f"indicators table: expected columns {missing}, found "
                         f"{list(indicators.columns)}")
    out = indicators.copy()
    if "actual_text" in out.columns and pd.api.types.is_float_dtype(out["target"]):
        return out
    unit_col = out["unit"] if "unit" in out.columns else pd.Series("", index=out.index)
    rows = []
    for idx, cells in zip(out.index, zip(out["comparator"], out["target"], unit_col,
                                         out["actual"], strict=True), strict=True):
        try:
            rows.append(parse_indicator_cells(*cells))
        except CellError as exc:
            raise InputError(f"indicators row {idx!r}: {exc}") from None
    parsed = pd.DataFrame(rows, index=out.index, columns=list(IndicatorCells.__annotations__))
    for col in parsed.columns:
        out[col] = parsed[col]
    out["weight"] = [_weight(w, idx) for idx, w in zip(out.index, out["weight"], strict=True)]
    return out


def _weight(cell: object, idx: object) -> float:
    value = parse_value(cell).value
    if not value >= 0:
        raise InputError(f"indicators row {idx!r}: expected a weight ≥ 0, found {cell!r}")
    return value


def score_indicators(
    indicators: pd.DataFrame,
    *,
    ruleset: RuleSet | str = "national",
    execution_rate: pd.Series | None = None,
) -> ScoreResult:
    """Score indicator sheets with a rule set's conventions.

    Parameters
    ----------
    indicators : DataFrame
        The indicators table (one row per level-3 indicator, any number of projects): columns
        project_id, indicator_id, level1, level2, name, comparator, target, weight, actual, and
        optionally unit, evidence, judged_score (points an evaluator gave a qualitative
        indicator). Raw Excel text is parsed by :func:`prepare_indicators`.
    ruleset : RuleSet or str
        Supplies the reverse convention, equality rule, qualitative tiers, over-achievement ratio
        and grade bands.
    execution_rate : Series, optional
        Budget execution rate per project_id (spent / budget, as a fraction). When given, each
        project gets a 预算执行率 row worth ``selfeval.budget_execution_points`` scored
        ``points × rate`` (capped at the points when ``budget_execution_cap``).

    Returns
    -------
    ScoreResult
        Score sheet, level-1 and level-2 roll-ups, per-project totals and grades; all unrounded.

    Notes
    -----
    ``score = clip(ratio, 0, 1) × w_eff`` with the ratios of the module docstring and
    ``w_eff = w × Σ w / Σ_applicable w`` within a project (not-applicable rescaling); under the
    rule-set option ``validation.weight_sum_policy: rescale`` the numerator is the declared
    ``validation.indicator_weight_total`` instead of ``Σ w``, so a sheet whose weights do not add
    up (warned by :func:`evalkit.io.read_dataset`) keeps the declared total. Over-achievement
    is flagged on ``≥`` indicators when ``actual ≥ ratio × target`` (default ratio 1.3). A blank
    actual scores 0 and is flagged. Sources: DOMAIN.md §3; 财预〔2020〕10号.

    Examples
    --------
    The DOMAIN.md examples: ≥ 500 人次 with 487 achieved, weight 8; ≤ 90 with 99, weight 8.

    >>> sheet = pd.DataFrame({"project_id": ["P1", "P1"], "indicator_id": ["I1", "I2"],
    ...     "level1": ["产出指标"] * 2, "level2": ["数量指标", "成本指标"],
    ...     "name": ["培训人次", "人均成本"], "comparator": ["≥", "≤"], "target": ["500", "90"],
    ...     "weight": [8, 8], "actual": ["487", "99"]})
    >>> score_indicators(sheet).sheet["score"].round(4).tolist()
    [7.792, 7.2727]
    >>> score_indicators(sheet, ruleset="provincial").sheet["score"].round(4).tolist()
    [7.792, 7.2]
    """
    rs = load_ruleset(ruleset)
    df = prepare_indicators(indicators)
    if execution_rate is not None:
        df = pd.concat([df, _execution_rows(df, execution_rate, rs)], ignore_index=True)
    sheet = _score_frame(df, rs)
    return ScoreResult(sheet, *_rollups(sheet, rs), ruleset=rs.to_record())


def _execution_rows(df: pd.DataFrame, rate: pd.Series, rs: RuleSet) -> pd.DataFrame:
    points = float(rs.section("selfeval")["budget_execution_points"])
    projects = pd.unique(df["project_id"])
    r = pd.Series(rate, dtype=float).reindex(projects).to_numpy()
    return pd.DataFrame({
        "project_id": projects, "indicator_id": EXECUTION_LEVEL1, "level1": EXECUTION_LEVEL1,
        "level2": EXECUTION_LEVEL1, "name": EXECUTION_LEVEL1, "comparator": "执行率",
        "target": 100.0, "unit": "%", "weight": points, "actual": r * 100.0,
        "actual_text": "", "evidence": "",
    })


def _score_frame(df: pd.DataFrame, rs: RuleSet) -> pd.DataFrame:
    n = len(df)
    cmp = df["comparator"].to_numpy(dtype=object)
    target = df["target"].to_numpy(dtype=float)
    actual = df["actual"].to_numpy(dtype=float)
    weight = df["weight"].to_numpy(dtype=float)
    text = df.get("actual_text", pd.Series("", index=df.index)).fillna("").astype(str).to_numpy()
    is_ge, is_le, is_eq = cmp == "≥", cmp == "≤", cmp == "="
    is_q, is_exec = cmp == "定性", cmp == "执行率"
    typed = text != ""
    applicable = np.ones(n, dtype=bool)
    applicable[typed] = ~pd.Series(text[typed]).str.lower().isin(NOT_APPLICABLE).to_numpy()

    ratio = np.full(n, np.nan)
    rule = np.full(n, "", dtype=object)
    words = phrasebook(rs)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # ≥: actual / target; a target ≤ 0 is met by any actual ≥ target.
        ge = np.where(target > 0, actual / target, np.where(actual >= target, 1.0, 0.0))
        ratio = np.where(is_ge, ge, ratio)
        rule[is_ge] = words.text("rules.ge")
        # ≤: full marks at or below target; above it convention A or B.
        if rs.reverse_convention == "A":
            above = np.where(target > 0, target / actual, 0.0)
            rule[is_le] = words.text("rules.le_A")
        else:
            above = np.where(target > 0, 1.0 - (actual - target) / target, 0.0)
            rule[is_le] = words.text("rules.le_B")
        le = np.where(actual <= target, 1.0, above)
        ratio = np.where(is_le, le, ratio)
        # =: met within tolerance; a zero target is met only by actual ≤ 0.
        scoring = rs.section("scoring")
        tol = float(scoring["equality_tolerance"])
        met = np.where(target == 0, actual <= 0, np.abs(actual - target) <= tol * np.abs(target))
        if scoring["equality_unmet"] == "proportional":
            unmet = np.minimum(actual, target) / np.maximum(actual, target)
            rule[is_eq] = words.text("rules.eq_proportional")
        else:
            unmet = np.zeros(n)
            rule[is_eq] = words.text("rules.eq_zero")
        ratio = np.where(is_eq, np.where(met, 1.0, unmet), ratio)
        # execution: rate capped at 1 when the rule set caps it.
        cap = bool(rs.section("selfeval")["budget_execution_cap"])
        ratio = np.where(is_exec, actual / 100.0, ratio)
        rule[is_exec] = words.text("rules.execution_capped" if cap else "rules.execution")
    judged_tier = is_q & applicable & (text != "")
    q_ratio, q_rule, q_moved = _qualitative(df, text, weight, judged_tier, rs)
    ratio = np.where(is_q, q_ratio, ratio)
    rule[is_q] = q_rule[is_q]

    missing = applicable & np.where(is_q, text == "", np.isnan(actual))
    ratio = np.where(missing, 0.0, ratio)
    ratio = np.where(applicable, ratio, np.nan)
    over = is_ge & applicable & (target > 0) & (actual >= rs.over_achievement_ratio * target)

    pid = df["project_id"].to_numpy()
    codes, uniques = pd.factorize(pid)
    # N/A rescaling runs over the indicator rows only; the execution row keeps its points.
    sheet_w = np.where(is_exec, 0.0, weight)
    w_all = np.bincount(codes, weights=sheet_w, minlength=len(uniques))
    validation = validation_options(rs)
    if validation["weight_sum_policy"] == "rescale":  # to the declared total (a warned sheet)
        w_all = np.where(w_all > 0, float(validation["indicator_weight_total"]), w_all)
    w_app = np.bincount(codes, weights=np.where(applicable, sheet_w, 0.0), minlength=len(uniques))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(w_app > 0, w_all / w_app, np.nan)[codes]
    eff = np.where(is_exec, weight, np.where(applicable, weight * scale, 0.0))
    clipped = np.clip(ratio, 0.0, np.where(is_exec & ~cap, np.inf, 1.0))
    score = np.where(applicable, clipped * eff, 0.0)

    flags = np.full(n, "", dtype=object)
    for mask, label in ((~applicable, "不适用(权重已重分配)"), (missing, "缺少实际值"),
                        (over, f"超额完成≥{rs.over_achievement_ratio:.0%}，需说明目标设定"),
                        (q_moved, "评定得分按本规则集等级区间计分")):
        flags = np.where(mask, np.where(flags == "", label, flags + "；" + label), flags)

    sheet = pd.DataFrame({
        "project_id": pid, "indicator_id": df["indicator_id"].to_numpy(),
        "level1": df["level1"].to_numpy(), "level2": df["level2"].to_numpy(),
        "name": df["name"].to_numpy(), "comparator": cmp, "target": target,
        "actual": np.where(is_q, np.nan, actual), "actual_tier": np.where(is_q, text, ""),
        "unit": df["unit"].to_numpy() if "unit" in df else "",
        "weight": weight, "applicable": applicable, "effective_weight": eff, "rule": rule,
        "ratio": ratio, "score": score, "lost": eff - score, "over_achieved": over,
        "missing_actual": missing, "flags": flags,
        "evidence": df["evidence"].fillna("").to_numpy() if "evidence" in df else "",
    })
    return sheet


def _qualitative(df: pd.DataFrame, text: np.ndarray, weight: np.ndarray, mask: np.ndarray,
                 rs: RuleSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shares for qualitative rows: the judged score / weight carried into the tier's range
    (:meth:`evalkit.rules.QualitativeTier.carry`), or the tier's default share; with the rule
    text and the mask of judged shares the tier's range moved."""
    n = len(df)
    tiers = list(rs.qualitative_tiers)
    lookup = {name: i for i, t in enumerate(tiers) for name in (t.tier, *t.aliases)}
    code = pd.Series(text).map(lookup).to_numpy(dtype=float)
    unknown = mask & np.isnan(code)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        spelled = "/".join(t.tier for t in tiers)
        raise InputError(f"{_where(df, i)}：应为定性等级（{spelled}），实际为 {text[i]!r}"
                         f"（expected a qualitative tier ({spelled}), found {text[i]!r}）")
    idx = np.where(mask, code, 0).astype(int)
    low, high, default = (np.array([getattr(t, a) for t in tiers])[idx]
                          for a in ("low", "high", "default"))
    names = np.array([t.tier for t in tiers], dtype=object)[idx]
    judged = (pd.to_numeric(df["judged_score"], errors="coerce").to_numpy(dtype=float)
              if "judged_score" in df else np.full(n, np.nan))
    has_judged = mask & ~np.isnan(judged)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(weight > 0, judged / weight, 0.0)
    outside = has_judged & ((share < -1e-12) | (share > 1 + 1e-12))
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise InputError(
            f"{_where(df, i)}：评定得分应在 0 至分值 {weight[i]:g} 之间，实际为 {judged[i]:g}"
            f"（expected a judged score in [0, {weight[i]:g}], found {judged[i]:g}）")
    # QualitativeTier.carry, vectorised: a judged share carries within the tier's range.
    carried = np.clip(share, low, high)
    moved = has_judged & (np.abs(carried - share) > 1e-12)
    ratio = np.where(mask, np.where(has_judged, carried, default), np.nan)
    words = phrasebook(rs)

    def phrase(key: str) -> np.ndarray:
        by_tier = {t.tier: words.text(key, tier=t.tier) for t in tiers}
        return pd.Series(names).map(by_tier).to_numpy(dtype=object)

    rule = np.where(moved, phrase("rules.qualitative_moved"),
                    np.where(has_judged, phrase("rules.qualitative_judged"),
                             phrase("rules.qualitative")))
    return ratio, np.where(mask, rule, ""), moved


def _where(df: pd.DataFrame, i: int) -> str:
    return f"项目 {df['project_id'].iat[i]}，指标 {df['indicator_id'].iat[i]}"


def _rollups(sheet: pd.DataFrame, rs: RuleSet) -> tuple[pd.DataFrame, ...]:
    sums = ["weight", "effective_weight", "score", "lost"]
    out = []
    for keys in (["project_id", "level1"], ["project_id", "level1", "level2"]):
        g = sheet.groupby(keys, sort=False, observed=True)[sums].sum().reset_index()
        g["score_rate"] = g["score"] / g["effective_weight"]
        out.append(g)
    g = sheet.groupby("project_id", sort=False)
    totals = g[sums].sum()
    totals["score_rate"] = totals["score"] / totals["effective_weight"]
    # a sheet whose every indicator is not applicable has nothing to grade
    gradable = totals["effective_weight"].to_numpy() > 0
    totals["grade"] = np.where(gradable, band_of(totals["score"].to_numpy(), rs.grades), "")
    totals["n_indicators"] = g.size()
    totals["n_not_applicable"] = g["applicable"].sum().rsub(totals["n_indicators"])
    totals["n_over_achieved"] = g["over_achieved"].sum()
    totals["n_missing_actual"] = g["missing_actual"].sum()
    out.append(totals.reset_index())
    return tuple(out)
