"""Sensitivity of scores and verdicts to the scoring assumptions (稳健性分析).

Four questions a reviewer asks of a portfolio, each one function:

- :func:`compare_rulesets` — what does another rule set give? Totals and verdicts side by side,
  the projects whose grade or tier changes, and which rule-set differences cause each change
  (each differing key of rule set *a* swapped for *b*'s value, one at a time).
- :func:`weight_tornado` — how far does one weight move a total? One-at-a-time perturbation of
  each level-1 and level-2 weight by ±δ, the others renormalised: tornado data.
- :func:`grade_stability` — how likely is the verdict to survive weight uncertainty? Monte Carlo
  over Dirichlet-distributed weights (or weights the caller draws, e.g. from experts' AHP
  judgements): per project the probability its grade or tier holds (SMAA acceptability) and
  the distance in points to the nearest band boundary.
- :func:`panel_robustness` — does an ex-ante conclusion rest on one expert or on the trimming
  rule? Leave-one-expert-out and trimming-rule variants.

The weight analyses work on a :class:`WeightModel`: every project's total written as a sum of
level-2 components (``StageResult.weight_components``), so a perturbed weight vector rescores a
whole portfolio with two matrix products — numpy over projects × draws, seeded, unrounded.

The weight model
----------------
For project p, level-2 component j (in level-1 group k(j)) carries ``w_pj`` points and scores
``s_pj``; ``E_pk = Σ_{j∈k} w_pj`` is the level-1 group's points and ``T_p = Σ_k E_pk`` the
project's total points (100). Level-1 multipliers ``a_k`` and level-2 multipliers ``b_pj`` move
the weights, which are then renormalised — within the project at level 1, within the parent at
level 2 — and the rates ``s_pj / w_pj`` are kept:

.. math::

    S'_{pk} = E_{pk} \\frac{\\sum_{j \\in k} b_{pj} s_{pj}}{\\sum_{j \\in k} b_{pj} w_{pj}}, \\qquad
    \\text{total}'_p = T_p \\frac{\\sum_k a_k S'_{pk}}{\\sum_k a_k E_{pk}}.

With every multiplier 1 this is the stage's own total. A nominal level-1 weight vector ``W``
moved to ``W'`` gives ``a = W' / W``, which keeps each project's own reallocations (a project
without a satisfaction indicator keeps its 满意度 points where the rule set put them).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalkit.errors import EvalkitWarning, InputError, RuleSetError
from evalkit.rules import Band, RuleSet, band_index, derive_ruleset, load_ruleset

__all__ = ["PANEL_VARIANTS", "RulesetComparison", "StabilityResult", "WeightModel",
           "compare_rulesets", "grade_stability", "model_of", "panel_robustness",
           "project_stability", "ruleset_differences", "weight_model", "weight_tornado"]

#: Top-level keys that name a rule set rather than state a rule.
_METADATA = ("id", "version", "name", "description")
#: Keys that only make sense swapped together (sub-item points must add up to their dimension).
_COUPLED = (("exante.dimensions", "exante.items"),)
#: Draws per block when level-2 weights are drawn too (bounds memory: block × projects × parts).
_BLOCK = 1000


# --------------------------------------------------------------------------------------------
# The weight model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WeightModel:
    """A portfolio's totals as weighted sums of level-2 components (see the module docstring).

    Attributes
    ----------
    project_ids : tuple of str
        P projects, in order.
    level1 : tuple of str
        K level-1 names, in framework order.
    level1_weights : numpy.ndarray
        (K,) the rule set's nominal level-1 points ``W``.
    components : pandas.DataFrame
        J rows: ``level1``, ``level2``, ``parent`` (position in ``level1``).
    weights, scores : numpy.ndarray
        (P, J) points ``w_pj`` each component carried for each project and its score ``s_pj``
        (0 where a project lacks the component).
    totals : numpy.ndarray
        (P,) the stage's totals (``scores.sum(axis=1)``).
    verdicts : tuple of str
        The stage's grade or tier per project.
    fixed : tuple of str
        A verdict no weight can move (an ex-ante veto), else ``""``.
    bands : tuple of Band
        The bands verdicts are read from (grades, or ex-ante conclusion tiers).
    report_type : str
    ruleset : dict
        The rule-set record (id, version, sha256) the model was built under.
    """

    project_ids: tuple[str, ...]
    level1: tuple[str, ...]
    level1_weights: np.ndarray
    components: pd.DataFrame
    weights: np.ndarray
    scores: np.ndarray
    totals: np.ndarray
    verdicts: tuple[str, ...]
    fixed: tuple[str, ...]
    bands: tuple[Band, ...]
    report_type: str = ""
    ruleset: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        p, j = len(self.project_ids), len(self.components)
        for name in ("weights", "scores"):
            array = np.array(getattr(self, name), dtype=float)
            if array.shape != (p, j):
                raise InputError(f"权重模型：{name} 应为 {p} × {j} 的数组，实际为 {array.shape}"
                                 f"(weight model: expected {name} of shape ({p}, {j}), found "
                                 f"{array.shape})")
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        for name in ("level1_weights", "totals"):
            array = np.array(getattr(self, name), dtype=float)
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        if (self.weights < 0).any() or (self.level1_weights <= 0).any():
            raise InputError("权重模型：分值应为非负数，一级指标名义分值应大于 0"
                             "(weight model: expected weights ≥ 0 and nominal level-1 weights > 0)")
        parent = self.components["parent"].to_numpy(dtype=int)
        object.__setattr__(self, "_onehot", np.eye(len(self.level1))[parent])

    @property
    def level1_points(self) -> np.ndarray:
        """(P, K) ``E_pk``: each project's points per level-1 group."""
        return self.weights @ self._onehot

    def rescore(self, a: np.ndarray | None = None, b: np.ndarray | None = None) -> np.ndarray:
        """Totals under level-1 multipliers ``a`` (D, K) and level-2 multipliers ``b``.

        Parameters
        ----------
        a : numpy.ndarray, optional
            (D, K) multipliers of the level-1 weights; default all 1 (D = 1).
        b : numpy.ndarray, optional
            (D, P, J) multipliers of each project's level-2 weights; default all 1.

        Returns
        -------
        numpy.ndarray
            (D, P) unrounded totals, by the formula of the module docstring.
        """
        m = self._onehot
        e = self.level1_points
        t = e.sum(axis=1)
        if b is None:
            s1 = self.scores @ m  # (P, K)
        else:
            num = (b * self.scores) @ m  # (D, P, K)
            den = (b * self.weights) @ m
            with np.errstate(divide="ignore", invalid="ignore"):
                s1 = np.where(den > 0, e * num / den, 0.0)  # (D, P, K)
        if a is None:
            a = np.ones((1 if b is None else b.shape[0], len(self.level1)))
        if s1.ndim == 2:
            num = a @ s1.T
        else:
            num = np.einsum("dk,dpk->dp", a, s1)
        den = a @ e.T
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, t * num / den, 0.0)

    def verdict_index(self, totals: np.ndarray) -> np.ndarray:
        """Band positions (0 = lowest band) of totals of any shape (see ``rules.band_index``)."""
        return band_index(totals, self.bands)

    def boundaries(self) -> np.ndarray:
        """The band lines that separate two bands (every band's ``low`` but the lowest)."""
        return np.array(sorted(b.low for b in self.bands)[1:])

    def labels(self) -> np.ndarray:
        """Band labels by position (lowest first)."""
        return np.array([b.label for b in sorted(self.bands, key=lambda b: b.low)], dtype=object)


def weight_model(dataset: Any, *, report_type: str, ruleset: str | Path | RuleSet = "national",
                 subjects: Iterable[str] | None = None) -> WeightModel:
    """Evaluate a portfolio once and write each total as a sum of weighted components.

    Parameters
    ----------
    dataset : Dataset, str or Path
        A loaded dataset, or what :func:`evalkit.io.load_dataset` accepts (``"sample"`` …).
    report_type : str
        A registered report type (``key_project_evaluation``, ``self_evaluation``,
        ``ex_ante_assessment``) whose stage result provides ``weight_components()``.
    ruleset : str, Path or RuleSet
    subjects : iterable of str, optional
        Default: every subject the report type applies to.

    Returns
    -------
    WeightModel

    Raises
    ------
    InputError
        An unknown report type or subject; a stage without a weight decomposition.

    Notes
    -----
    The stages' warnings are not repeated here (the reports show them).

    Examples
    --------
    >>> model = weight_model("sample", report_type="key_project_evaluation")
    >>> len(model.project_ids), model.level1, model.level1_weights.tolist()
    (6, ('决策', '过程', '产出', '效益'), [15.0, 20.0, 35.0, 30.0])
    >>> bool(np.allclose(model.rescore()[0], model.totals))
    True
    """
    from evalkit import registry

    rs = load_ruleset(ruleset)
    data = _dataset(dataset, rs)
    rt = registry.get(report_type)
    ids = [str(s) for s in (rt.subjects(data) if subjects is None else subjects)]
    if not ids:
        raise InputError(f"报告类型 {report_type} 在该数据集中没有适用的对象"
                         f"(report type {report_type}: no subjects in the dataset)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        results = [rt.run_evaluate(data, subject, ruleset=rs) for subject in ids]
    return model_of(results, rs, report_type=report_type)


def model_of(results: Sequence[Any], ruleset: str | Path | RuleSet, *,
             report_type: str = "") -> WeightModel:
    """The weight model of stage results already computed (a report's own result, say).

    Parameters
    ----------
    results : sequence of StageResult
        Results of one stage under ``ruleset``, each providing ``weight_components()``.
    ruleset : str, Path or RuleSet
        The rule set the results were computed under (its bands give the verdicts).
    report_type : str, optional
        Recorded on the model.

    Returns
    -------
    WeightModel
        Verdicts are the band of each total (``rules.band_index``) unless the result has a
        fixed verdict (a veto).
    """
    rs = load_ruleset(ruleset)
    if not results:
        raise InputError("没有可分析的评价结果(no results to build a weight model from)")
    parts = [r.weight_components() for r in results]
    level1 = list(dict.fromkeys(name for f in parts for name in f["level1"]))
    nominal: dict[str, float] = {}
    for f in parts:
        nominal.update({k: v for k, v in zip(f["level1"], f["level1_weight"], strict=True)
                        if k not in nominal})
    keys = list(dict.fromkeys((a, b) for f in parts for a, b in zip(f["level1"], f["level2"],
                                                                     strict=True)))
    position = {key: n for n, key in enumerate(keys)}
    weights = np.zeros((len(results), len(keys)))
    scores = np.zeros((len(results), len(keys)))
    for p, f in enumerate(parts):
        cols = [position[(a, b)] for a, b in zip(f["level1"], f["level2"], strict=True)]
        np.add.at(weights[p], cols, f["weight"].to_numpy(dtype=float))
        np.add.at(scores[p], cols, f["score"].to_numpy(dtype=float))
    components = pd.DataFrame({"level1": [k[0] for k in keys], "level2": [k[1] for k in keys],
                               "parent": [level1.index(k[0]) for k in keys]})
    bands = tuple(results[0].verdict_bands(rs))
    labels = np.array([b.label for b in sorted(bands, key=lambda b: b.low)], dtype=object)
    totals = np.array([float(r.total) for r in results])
    fixed = tuple(r.fixed_verdict() for r in results)
    verdicts = tuple(f or str(v) for f, v in zip(fixed, labels[band_index(totals, bands)],
                                                 strict=True))
    return WeightModel(
        project_ids=tuple(str(r.project_id) for r in results), level1=tuple(level1),
        level1_weights=np.array([nominal[k] for k in level1]), components=components,
        weights=weights, scores=scores, totals=totals, verdicts=verdicts, fixed=fixed,
        bands=bands, report_type=report_type, ruleset=rs.to_record())


def project_stability(result: Any, ruleset: str | Path | RuleSet, *, draws: int = 10_000,
                      concentration: float = 100.0, seed: int | None = 0) -> StabilityResult:
    """:func:`grade_stability` of one report's own result (level-1 weights), for its robustness
    paragraph: ``grade_stability(model_of([result], ruleset), ...)``.

    Examples
    --------
    >>> from evalkit.io import load_dataset
    >>> from evalkit.stages import keyproject
    >>> result = keyproject.evaluate(load_dataset("sample"), "XM-2020-031")
    >>> row = project_stability(result, "national").of("XM-2020-031")
    >>> row["verdict"], float(row["p_hold"]), float(row["boundary"])
    ('优', 1.0, 90.0)
    """
    return grade_stability(model_of([result], ruleset), draws=draws,
                           concentration=concentration, seed=seed)


def _dataset(dataset: Any, rs: RuleSet):
    from evalkit.io import Dataset, load_dataset

    return dataset if isinstance(dataset, Dataset) else load_dataset(dataset, rs)


# --------------------------------------------------------------------------------------------
# One weight at a time: tornado data
# --------------------------------------------------------------------------------------------


def weight_tornado(model: WeightModel, *, delta: float = 0.2) -> pd.DataFrame:
    """One-at-a-time perturbation of every level-1 and level-2 weight (tornado data).

    Parameters
    ----------
    model : WeightModel
    delta : float, default 0.2
        Relative change: each weight is set to ``(1 − δ)`` and ``(1 + δ)`` times its value.

    Returns
    -------
    pandas.DataFrame
        One row per project and weight, projects in model order, largest ``swing`` first:
        ``project_id``, ``level`` (1 or 2), ``level1``, ``level2`` (``""`` at level 1),
        ``weight`` (level 1: the nominal points; level 2: the project's points),
        ``weight_low``, ``weight_high``, ``total``, ``total_low``, ``total_high`` (unrounded),
        ``swing`` = ``|total_high − total_low|``, ``verdict``, ``verdict_low``, ``verdict_high``
        and ``flips`` (either side changes the verdict).

    Notes
    -----
    Level 1: ``W'_k = W_k (1 ± δ)`` and every other ``W'_i = W_i (ΣW − W'_k) / (ΣW − W_k)``, so
    the points still add up; the totals follow from ``a = W' / W``. Level 2, within its parent
    for each project: ``w'_j = w_j (1 ± δ)`` and its siblings scaled to keep the parent's points
    (an only child cannot move). A fixed verdict (a veto) stays. Saltelli et al., *Global
    Sensitivity Analysis: The Primer* (Wiley, 2008), §1.2.2 on one-at-a-time designs.

    Examples
    --------
    Two level-1 groups of 60 and 40 points scoring 100 % and 50 % (total 80); +20 % on the first
    gives 72 × 1 + 28 × 0.5 = 86, −20 % gives 48 + 26 = 74:

    >>> model = WeightModel(("P1",), ("A", "B"), np.array([60.0, 40.0]),
    ...     pd.DataFrame({"level1": ["A", "B"], "level2": ["A1", "B1"], "parent": [0, 1]}),
    ...     np.array([[60.0, 40.0]]), np.array([[60.0, 20.0]]), np.array([80.0]), ("良",), ("",),
    ...     load_ruleset("national").grades)
    >>> row = weight_tornado(model).iloc[0]
    >>> row = row.to_dict()
    >>> row["level1"], round(row["total_low"], 9), round(row["total_high"], 9), row["flips"]
    ('A', 74.0, 86.0, True)
    """
    if not 0 < delta < 1:
        raise InputError(f"扰动幅度 delta 应在 (0, 1) 之间，实际为 {delta!r}"
                         f"(expected delta in (0, 1), found {delta!r})")
    w_nom = model.level1_weights
    total_nom = w_nom.sum()
    rows = []
    base = model.totals
    for k, name in enumerate(model.level1):
        sides = []
        for sign in (-1.0, 1.0):
            moved = w_nom[k] * (1 + sign * delta)
            new = w_nom * (total_nom - moved) / (total_nom - w_nom[k])
            new[k] = moved
            sides.append((moved, model.rescore(a=(new / w_nom)[None, :])[0]))
        rows += _tornado_rows(model, 1, name, "", np.full(len(base), w_nom[k]), sides)
    w = model.weights
    e = model.level1_points
    parent = model.components["parent"].to_numpy(dtype=int)
    for j, (name1, name2) in enumerate(zip(model.components["level1"],
                                           model.components["level2"], strict=True)):
        siblings = parent == parent[j]
        rest = e[:, parent[j]] - w[:, j]
        sides = []
        for sign in (-1.0, 1.0):
            moved = w[:, j] * (1 + sign * delta)
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(rest > 0, (e[:, parent[j]] - moved) / rest, 1.0)
            b = np.where(siblings[None, :], scale[:, None], 1.0)
            b[:, j] = np.where(rest > 0, 1 + sign * delta, 1.0)
            sides.append((np.where(rest > 0, moved, w[:, j]), model.rescore(b=b[None])[0]))
        rows += _tornado_rows(model, 2, name1, name2, w[:, j], sides, present=w[:, j] > 0)
    out = pd.DataFrame(rows)
    order = {pid: n for n, pid in enumerate(model.project_ids)}
    out = out.sort_values(["project_id", "swing"], key=lambda c: c.map(order) if c.name ==
                          "project_id" else -c, kind="stable")
    return out.reset_index(drop=True)


def _tornado_rows(model: WeightModel, level: int, level1: str, level2: str, weight: np.ndarray,
                  sides: Sequence[tuple[Any, np.ndarray]],
                  present: np.ndarray | None = None) -> list[dict[str, Any]]:
    labels = model.labels()
    (w_low, low), (w_high, high) = sides
    w_low, w_high = np.broadcast_to(w_low, weight.shape), np.broadcast_to(w_high, weight.shape)
    fixed = np.array([f != "" for f in model.fixed])
    v_low = np.where(fixed, model.fixed, labels[model.verdict_index(low)])
    v_high = np.where(fixed, model.fixed, labels[model.verdict_index(high)])
    rows = []
    for p, pid in enumerate(model.project_ids):
        if present is not None and not present[p]:
            continue
        rows.append({
            "project_id": pid, "level": level, "level1": level1, "level2": level2,
            "weight": float(weight[p]), "weight_low": float(w_low[p]),
            "weight_high": float(w_high[p]), "total": float(model.totals[p]),
            "total_low": float(low[p]), "total_high": float(high[p]),
            "swing": float(abs(high[p] - low[p])), "verdict": model.verdicts[p],
            "verdict_low": str(v_low[p]), "verdict_high": str(v_high[p]),
            "flips": bool(v_low[p] != model.verdicts[p] or v_high[p] != model.verdicts[p]),
        })
    return rows


# --------------------------------------------------------------------------------------------
# Monte Carlo over weights: SMAA-style acceptability
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class StabilityResult:
    """How likely each project's verdict survives weight uncertainty (:func:`grade_stability`).

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per project: ``project_id``, ``total``, ``verdict``, ``fixed`` (a veto: the
        verdict cannot move), ``p_hold`` (share of draws giving the same verdict),
        ``boundary`` (the nearest band line), ``distance`` (``|total − boundary|``, points),
        ``total_p05``, ``total_p50``, ``total_p95`` (quantiles of the drawn totals).
    acceptability : pandas.DataFrame
        Projects × band labels (highest band first): the share of draws in each band (SMAA's
        acceptability indices ``b_i^r`` with bands for ranks); rows sum to 1.
    draws : int
    concentration : float or None
        The Dirichlet concentration, None when the caller supplied the weight draws.
    seed : int or None
    levels : tuple of int
        The levels whose weights were drawn.
    """

    frame: pd.DataFrame
    acceptability: pd.DataFrame
    draws: int
    concentration: float | None
    seed: int | None
    levels: tuple[int, ...]

    def to_frame(self) -> pd.DataFrame:
        """The per-project table (:attr:`frame`)."""
        return self.frame

    def of(self, project_id: str) -> pd.Series:
        """One project's row of :attr:`frame`."""
        match = self.frame[self.frame["project_id"] == str(project_id)]
        if match.empty:
            raise InputError(f"稳健性分析中没有项目 {project_id!r}"
                             f"(no project {project_id!r} in the stability result)")
        return match.iloc[0]

    def record(self, project_id: str) -> dict[str, Any]:
        """One project's figures as JSON-safe values, for a report's machine summary."""
        row = self.of(project_id)
        return {"p_hold": float(row["p_hold"]), "boundary": float(row["boundary"]),
                "distance": float(row["distance"]), "fixed": bool(row["fixed"]),
                "total_p05": float(row["total_p05"]), "total_p95": float(row["total_p95"]),
                "draws": self.draws, "concentration": self.concentration, "seed": self.seed}

    def _repr_html_(self) -> str:
        return self.frame.to_html(index=False, float_format=lambda x: f"{x:.4f}")


def grade_stability(model: WeightModel, *, draws: int = 10_000, concentration: float = 100.0,
                    seed: int | None = 0, level2: bool = False,
                    level1_draws: np.ndarray | None = None) -> StabilityResult:
    """Probability that each project's grade or tier holds when the weights are uncertain.

    Parameters
    ----------
    model : WeightModel
    draws : int, default 10_000
    concentration : float, default 100
        Dirichlet concentration ``c``: the level-1 weight shares are drawn from
        ``Dirichlet(c · W / ΣW)``, mean ``W / ΣW`` and variance ``ω(1 − ω) / (c + 1)`` for a
        share ω; at c = 100 a 30-point weight has a standard deviation of about 4.6 points.
    seed : int or None, default 0
        Seed of :func:`numpy.random.default_rng`: the same seed gives the same result.
    level2 : bool, default False
        Also draw each project's level-2 weights within their parent, ``Dirichlet(c · w / E)``.
    level1_draws : numpy.ndarray, optional
        (D, K) level-1 weight vectors to use instead of Dirichlet draws (any positive scale;
        each row is rescaled to ΣW), e.g. the weights of experts' AHP judgements resampled.

    Returns
    -------
    StabilityResult

    Notes
    -----
    For draw d the totals follow the weight model (module docstring) with ``a_d = W'_d / W``; a
    project's verdict holds in draw d when its total falls in the same band as the stage's total
    (``rules.band_index``, half-open bands, unrounded). ``p_hold = (1/D) Σ_d 1[band_d = band]``;
    the band shares are SMAA's acceptability indices [1]_ with grade bands in place of ranks.
    Dirichlet weight sampling around a reference vector follows [2]_. The distance to the
    nearest band line, ``min_b |total − b|``, is exact (no sampling). A vetoed ex-ante project
    holds with probability 1.

    Exact answers the Monte Carlo must reproduce: a project whose level-1 groups all score the
    same rate r totals ``T·r`` under every weight vector, so it holds with probability 1; a
    project of two equal-weight groups whose total lies exactly on a band line moves above or
    below it with the weight share of the better group, which is symmetric around ½, so it
    holds with probability ½.

    References
    ----------
    .. [1] Lahdelma, R., Hokkanen, J., Salminen, P. (1998). SMAA — Stochastic multiobjective
       acceptability analysis. *European Journal of Operational Research* 106(1), 137–143;
       Lahdelma, R., Salminen, P. (2001). SMAA-2. *Operations Research* 49(3), 444–454.
    .. [2] Tervonen, T., Lahdelma, R. (2007). Implementing stochastic multicriteria
       acceptability analysis. *European Journal of Operational Research* 178(2), 500–513.

    Examples
    --------
    >>> model = weight_model("sample", report_type="key_project_evaluation")
    >>> result = grade_stability(model, draws=2000, seed=1)
    >>> bool(((result.frame["p_hold"] >= 0) & (result.frame["p_hold"] <= 1)).all())
    True
    """
    if draws < 1 or concentration <= 0:
        raise InputError(f"抽样次数应 ≥ 1、集中度应 > 0，实际为 {draws!r}、{concentration!r}"
                         f"(expected draws ≥ 1 and concentration > 0, found {draws!r}, "
                         f"{concentration!r})")
    rng = np.random.default_rng(seed)
    w_nom = model.level1_weights
    if level1_draws is not None:
        drawn = np.asarray(level1_draws, dtype=float)
        if drawn.ndim != 2 or drawn.shape[1] != len(w_nom) or (drawn <= 0).any():
            raise InputError(f"一级权重抽样应为 D × {len(w_nom)} 的正数数组，实际为 "
                             f"{drawn.shape}(expected positive level-1 draws of shape "
                             f"(D, {len(w_nom)}), found {drawn.shape})")
        shares = drawn / drawn.sum(axis=1, keepdims=True)
    else:
        shares = rng.dirichlet(concentration * w_nom / w_nom.sum(), size=draws)
    a = shares * w_nom.sum() / w_nom
    if level2:
        totals = np.concatenate([model.rescore(a=a[i:i + _BLOCK],
                                               b=_level2_draws(model, len(a[i:i + _BLOCK]),
                                                               concentration, rng))
                                 for i in range(0, len(a), _BLOCK)])
    else:
        totals = model.rescore(a=a)
    return _stability(model, totals, None if level1_draws is not None else concentration, seed,
                      (1, 2) if level2 else (1,))


def _level2_draws(model: WeightModel, n: int, concentration: float,
                  rng: np.random.Generator) -> np.ndarray:
    """(n, P, J) multipliers ``b = w' / w`` with ``w'`` Dirichlet within each parent."""
    w = model.weights
    parent = model.components["parent"].to_numpy(dtype=int)
    e = model.level1_points[:, parent]  # (P, J) the parent's points
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(w > 0, concentration * w / e, 1.0)
    g = np.where(w > 0, rng.gamma(alpha, size=(n, *w.shape)), 0.0)
    onehot = np.eye(len(model.level1))[parent]
    sums = (g @ onehot)[..., parent]  # (n, P, J) Σ over each component's siblings
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w > 0, g / sums * e / w, 1.0)


def _stability(model: WeightModel, totals: np.ndarray, concentration: float | None,
               seed: int | None, levels: tuple[int, ...]) -> StabilityResult:
    labels = model.labels()
    base = model.verdict_index(model.totals)
    drawn = model.verdict_index(totals)  # (D, P)
    fixed = np.array([f != "" for f in model.fixed])
    counts = np.stack([(drawn == i).mean(axis=0) for i in range(len(labels))], axis=1)
    position = {label: i for i, label in enumerate(labels)}
    for p in np.flatnonzero(fixed):
        counts[p] = 0.0
        counts[p, position[model.fixed[p]]] = 1.0
    p_hold = np.where(fixed, 1.0, counts[np.arange(len(base)), base])
    lines = model.boundaries()
    gaps = np.abs(model.totals[:, None] - lines[None, :])
    nearest = gaps.argmin(axis=1)
    q = np.quantile(totals, [0.05, 0.5, 0.95], axis=0)
    frame = pd.DataFrame({
        "project_id": list(model.project_ids), "total": model.totals,
        "verdict": list(model.verdicts), "fixed": fixed, "p_hold": p_hold,
        "boundary": lines[nearest], "distance": gaps[np.arange(len(base)), nearest],
        "total_p05": q[0], "total_p50": q[1], "total_p95": q[2],
    })
    acceptability = pd.DataFrame(counts[:, ::-1], columns=list(labels[::-1]),
                                 index=pd.Index(list(model.project_ids), name="project_id"))
    return StabilityResult(frame, acceptability, int(totals.shape[0]), concentration, seed,
                           levels)


# --------------------------------------------------------------------------------------------
# Two rule sets side by side
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RulesetComparison:
    """A portfolio under two rule sets (:func:`compare_rulesets`).

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per subject: ``project_id``, ``total_a``, ``verdict_a``, ``total_b``,
        ``verdict_b``, ``delta`` (b − a, unrounded), ``changed`` (the verdicts differ) and
        ``causes`` (the keys whose swap alone changes a changed verdict, ``、``-joined; when no
        single key does, ``多项规则共同作用``).
    attribution : pandas.DataFrame
        One row per subject and differing key: ``project_id``, ``key``, ``total`` (rule set a
        with that key from b), ``verdict``, ``delta`` (from total_a), ``flips`` (verdict differs
        from verdict_a). A key that cannot be swapped alone has its row only in ``skipped``.
    keys : tuple of str
        The differing keys tried (dotted; coupled keys joined with ``+``); keys of other report
        types' sections are left out.
    skipped : Mapping
        Key → why it could not be swapped alone (the rule-set check's message).
    a, b : dict
        The two rule sets' records (id, version, sha256).
    report_type : str
    """

    frame: pd.DataFrame
    attribution: pd.DataFrame
    keys: tuple[str, ...]
    skipped: Mapping[str, str]
    a: Mapping[str, str]
    b: Mapping[str, str]
    report_type: str

    def to_frame(self) -> pd.DataFrame:
        """The side-by-side table (:attr:`frame`)."""
        return self.frame

    def changed(self) -> pd.DataFrame:
        """The rows whose verdict changes."""
        return self.frame[self.frame["changed"]].reset_index(drop=True)

    def _repr_html_(self) -> str:
        return self.frame.to_html(index=False, float_format=lambda x: f"{x:.4f}")


def ruleset_differences(a: str | Path | RuleSet, b: str | Path | RuleSet) -> list[str]:
    """The dotted keys (``section.key``, or a top-level key) whose values differ between two rule
    sets, metadata (id, version, name, description) excluded; coupled keys joined by ``+``.

    >>> ruleset_differences("national", "provincial")[:3]
    ['grades', 'scoring.reverse_convention', 'scoring.qualitative_tiers']
    """
    da, db = load_ruleset(a).data, load_ruleset(b).data
    keys: list[str] = []
    for top in dict.fromkeys([*da, *db]):
        if top in _METADATA:
            continue
        va, vb = da.get(top), db.get(top)
        if isinstance(va, Mapping) and isinstance(vb, Mapping):
            keys += [f"{top}.{k}" for k in dict.fromkeys([*va, *vb]) if va.get(k) != vb.get(k)]
        elif va != vb:
            keys.append(top)
    for group in _COUPLED:
        present = [k for k in group if k in keys]
        if len(present) > 1:
            at = keys.index(present[0])
            keys = [k for k in keys if k not in present]
            keys.insert(at, "+".join(present))
    return keys


def compare_rulesets(dataset: Any, a: str | Path | RuleSet, b: str | Path | RuleSet, *,
                     report_type: str, subjects: Iterable[str] | None = None
                     ) -> RulesetComparison:
    """A portfolio scored under rule sets a and b, with the cause of every changed verdict.

    Parameters
    ----------
    dataset : Dataset, str or Path
        A dataset that scores under both rule sets (DOMAIN-independent representation: judged
        tiers and expert shares carry, see :mod:`evalkit.scoring` and
        :mod:`evalkit.stages.exante`).
    a, b : str, Path or RuleSet
        The rule set in use and the alternative.
    report_type : str
        A registered report type.
    subjects : iterable of str, optional
        Default: every subject the report type applies to under rule set a.

    Returns
    -------
    RulesetComparison

    Notes
    -----
    Attribution swaps one key at a time: for every key k of :func:`ruleset_differences`, rule
    set ``a`` with k set to b's value (:func:`evalkit.rules.derive_ruleset`) rescores the
    portfolio; k is a cause of a changed verdict when that swap alone changes it. Effects need
    not add up (bands are thresholds, and keys interact); a change no single key explains is
    labelled 多项规则共同作用. Keys that must move together (sub-item points and dimension
    points) are swapped together. The stage's ``evaluate_many`` scores the portfolio when it has
    one (else ``evaluate`` per subject). The stages' warnings are not repeated.

    Examples
    --------
    >>> cmp = compare_rulesets("sample", "national", "provincial",
    ...                        report_type="key_project_evaluation")
    >>> list(cmp.frame.columns)
    ['project_id', 'total_a', 'verdict_a', 'total_b', 'verdict_b', 'delta', 'changed', 'causes']
    """
    from evalkit import registry

    ra, rb = load_ruleset(a), load_ruleset(b)
    rt = registry.get(report_type)
    data = _dataset(dataset, ra)
    ids = [str(s) for s in (rt.subjects(data) if subjects is None else subjects)]
    total_key, verdict_key = rt.verdict_keys

    many = getattr(_stage_module(rt), "evaluate_many", None)

    def score(rs: RuleSet) -> tuple[np.ndarray, np.ndarray]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EvalkitWarning)
            if many is not None:  # the stage's portfolio function: one pass, same numbers
                table = many(data, ruleset=rs)
                table = table.set_index(table[rt.subject.id_column].astype(str)).loc[ids]
                return (table[total_key].to_numpy(dtype=float),
                        table[verdict_key].astype(str).to_numpy(dtype=object))
            summaries = [rt.run_evaluate(data, s, ruleset=rs).summary() for s in ids]
        return (np.array([float(x[total_key]) for x in summaries]),
                np.array([str(x[verdict_key]) for x in summaries], dtype=object))

    total_a, verdict_a = score(ra)
    total_b, verdict_b = score(rb)
    changed = verdict_a != verdict_b
    # keys of other report types' sections cannot change this type's verdicts
    others = {t.ruleset_section for t in registry.report_types()} - {rt.ruleset_section}
    keys = [k for k in ruleset_differences(ra, rb) if k.split(".")[0] not in others]
    rows, skipped, flips_by_key = [], {}, {}
    for key in keys:
        parts = key.split("+")
        try:
            swapped = derive_ruleset(ra, {k: _get(rb.data, k) for k in parts},
                                     label=f"{key} 取自 {rb.id}")
        except RuleSetError as error:
            skipped[key] = str(error)
            continue
        total_k, verdict_k = score(swapped)
        flips_by_key[key] = verdict_k != verdict_a
        rows += [{"project_id": pid, "key": key, "total": float(total_k[p]),
                  "verdict": str(verdict_k[p]), "delta": float(total_k[p] - total_a[p]),
                  "flips": bool(verdict_k[p] != verdict_a[p])} for p, pid in enumerate(ids)]
    causes = []
    for p in range(len(ids)):
        if not changed[p]:
            causes.append("")
            continue
        named = [k for k, flips in flips_by_key.items() if flips[p]]
        causes.append("、".join(named) if named else "多项规则共同作用")
    frame = pd.DataFrame({"project_id": ids, "total_a": total_a, "verdict_a": verdict_a,
                          "total_b": total_b, "verdict_b": verdict_b,
                          "delta": total_b - total_a, "changed": changed, "causes": causes})
    attribution = pd.DataFrame(rows, columns=["project_id", "key", "total", "verdict", "delta",
                                              "flips"])
    return RulesetComparison(frame, attribution, tuple(keys), dict(skipped), ra.to_record(),
                             rb.to_record(), report_type)


def _stage_module(report_type: Any) -> Any:
    """The module of a report type's ``evaluate`` (where a stage keeps ``evaluate_many``)."""
    import importlib
    import inspect

    ref = report_type.evaluate
    if isinstance(ref, str):
        return importlib.import_module(ref.partition(":")[0])
    return inspect.getmodule(ref)


def _get(data: Mapping[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


# --------------------------------------------------------------------------------------------
# Expert panels: leave one out, trimming rules
# --------------------------------------------------------------------------------------------

#: Trimming-rule variants tried by :func:`panel_robustness`: label → panel-section changes.
PANEL_VARIANTS: Mapping[str, Mapping[str, Any]] = {
    "算术平均（不去掉最高最低分）": {"panel.method": "mean"},
    "中位数": {"panel.method": "median"},
    "去掉一个最高分和一个最低分": {"panel.method": "trimmed", "panel.trim_when_more_than": 2,
                                  "panel.trim": 1},
    "去掉两个最高分和两个最低分": {"panel.method": "trimmed", "panel.trim_when_more_than": 4,
                                  "panel.trim": 2},
}


def panel_robustness(dataset: Any, *, ruleset: str | Path | RuleSet = "national",
                     subjects: Iterable[str] | None = None,
                     variants: Mapping[str, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """Ex-ante conclusions with one expert left out, and under other trimming rules.

    Parameters
    ----------
    dataset : Dataset, str or Path
        With an ``expert_scores`` table.
    ruleset : str, Path or RuleSet
    subjects : iterable of str, optional
        Default: every project with expert scores.
    variants : mapping, optional
        Label → ``panel.*`` changes (:func:`evalkit.rules.derive_ruleset`); default
        :data:`PANEL_VARIANTS`. A variant needing more experts than a panel has is skipped for
        that panel.

    Returns
    -------
    pandas.DataFrame
        One row per project and variant, the rule set's own rule first: ``project_id``,
        ``variant`` (``规则集规则``, ``去掉专家 E03``, a trimming label), ``kind`` (``base``,
        ``leave_one_out``, ``trimming``), ``n_experts``, ``total``, ``conclusion``, ``delta``
        (from the base total, unrounded) and ``changed`` (the conclusion differs).

    Notes
    -----
    Leave-one-expert-out (a jackknife over the panel, Efron & Stein 1981) rescores each sub-item
    without expert e under the rule set's panel rule; a conclusion that changes when one expert
    is dropped rests on that expert. The trimming variants are the rules in use (DOMAIN.md §4:
    mean after dropping the highest and lowest, only with enough experts). Whether the ex-ante
    conclusion holds: ``not changed.any()`` per project.

    Examples
    --------
    >>> table = panel_robustness("sample", subjects=["SQ-2021-001"])
    >>> first = table.iloc[0].to_dict()
    >>> first["variant"], first["kind"], first["conclusion"], bool(first["changed"])
    ('规则集规则', 'base', '予以支持', False)
    """
    from evalkit.stages import exante

    rs = load_ruleset(ruleset)
    data = _dataset(dataset, rs)
    scores = data.table("expert_scores")
    ids = [str(s) for s in (sorted(scores["project_id"].astype(str).unique())
                            if subjects is None else subjects)]
    derived = {label: derive_ruleset(rs, changes, label=label)
               for label, changes in (PANEL_VARIANTS if variants is None else variants).items()}
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        for pid in ids:
            own = scores[scores["project_id"].astype(str) == pid]
            experts = sorted(own["expert_id"].astype(str).unique())
            base = exante.assess(own, project_id=own["project_id"].iloc[0], ruleset=rs)
            runs: list[tuple[str, str, pd.DataFrame, RuleSet]] = [("规则集规则", "base", own, rs)]
            runs += [(f"去掉专家 {e}", "leave_one_out", own[own["expert_id"].astype(str) != e],
                      rs) for e in experts]
            runs += [(label, "trimming", own, variant) for label, variant in derived.items()
                     if _enough(variant, len(experts))]
            for label, kind, table, variant in runs:
                result = (base if kind == "base" else
                          exante.assess(table, project_id=own["project_id"].iloc[0],
                                        ruleset=variant))
                rows.append({"project_id": pid, "variant": label, "kind": kind,
                             "n_experts": result.n_experts, "total": result.total,
                             "conclusion": result.conclusion,
                             "delta": result.total - base.total,
                             "changed": result.conclusion != base.conclusion})
    return pd.DataFrame(rows, columns=["project_id", "variant", "kind", "n_experts", "total",
                                       "conclusion", "delta", "changed"])


def _enough(rs: RuleSet, n_experts: int) -> bool:
    """A trimming variant applies when the panel is large enough for it to trim."""
    panel = rs.section("panel")
    return panel["method"] != "trimmed" or n_experts > int(panel["trim_when_more_than"])

