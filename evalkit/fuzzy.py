"""Fuzzy comprehensive evaluation (模糊综合评价).

A panel judges each factor (e.g. the sub-items of an ex-ante assessment) on a grade scale such as
优/良/中/差. The share of experts choosing each grade gives the membership matrix R (factors ×
grades, :func:`membership_from_votes`); the factor weights A are composed with R into the grade
vector B = A ∘ R (:func:`fuzzy_evaluate`), and B is turned into a score with the grade values of
the rule set (:func:`fuzzy_score`). DOMAIN.md §8 has the worked example this module reproduces.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from evalkit.errors import InputError

__all__ = ["fuzzy_evaluate", "fuzzy_score", "membership_from_votes"]

FuzzyOperator = Literal["max-min", "product-max", "bounded-min", "weighted-average"]

#: How far the weights may sum from 1 before they are rejected.
_WEIGHT_SUM_TOLERANCE = 1e-9


def _supremum(z: np.ndarray) -> np.ndarray:
    """∨ over the factors: b_j = max_i z_ij."""
    return z.max(axis=0)


def _bounded_sum(z: np.ndarray) -> np.ndarray:
    """⊕ over the factors: b_j = min(1, Σ_i z_ij)."""
    return np.minimum(1.0, z.sum(axis=0))


#: Each operator M(combine, aggregate): how a weight meets a membership, how factors are pooled.
_OPERATORS: dict[str, tuple[Callable[..., np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "max-min": (np.minimum, _supremum),  # M(∧, ∨)
    "product-max": (np.multiply, _supremum),  # M(·, ∨)
    "bounded-min": (np.minimum, _bounded_sum),  # M(∧, ⊕)
    "weighted-average": (np.multiply, _bounded_sum),  # M(·, ⊕)
}


def _compose(a: np.ndarray, r: np.ndarray, operator: str) -> np.ndarray:
    """Return B = A ∘ R for weights ``a`` (k,) and memberships ``r`` (k, g)."""
    combine, aggregate = _OPERATORS[operator]
    return aggregate(combine(a[:, None], r))


def _aligned_weights(weights: pd.Series | Sequence[float], factors: pd.Index) -> pd.Series:
    """Return the weights as a Series indexed like the membership rows.

    A Series is matched by label (order does not matter); anything else is taken in row order.
    """
    if isinstance(weights, pd.Series):
        if not factors.is_unique:
            raise InputError(
                f"expected distinct factor labels in the membership rows to match weights by "
                f"label, found repeats {factors[factors.duplicated()].tolist()}"
            )
        missing = factors.difference(weights.index).tolist()
        extra = weights.index.difference(factors).tolist()
        if missing or extra:
            raise InputError(
                f"expected weights labelled like the membership rows {factors.tolist()}; "
                f"missing {missing}, unexpected {extra}"
            )
        return weights.reindex(factors)
    values = list(np.ravel(np.asarray(weights, dtype=object)))
    if len(values) != len(factors):
        raise InputError(
            f"expected {len(factors)} weights (one per membership row), found {len(values)}"
        )
    return pd.Series(values, index=factors)


def fuzzy_evaluate(
    weights: pd.Series | Sequence[float],
    membership: pd.DataFrame,
    *,
    operator: FuzzyOperator = "weighted-average",
    normalize: bool = False,
) -> pd.Series:
    """Compose factor weights with a membership matrix: B = A ∘ R.

    Parameters
    ----------
    weights : pandas.Series or sequence of float
        The factor weights A (length k), non-negative and summing to 1. A Series is matched to the
        membership rows by label; a plain sequence is taken in row order.
    membership : pandas.DataFrame
        The membership matrix R, k × g: rows are factors, columns are grades (the column labels,
        e.g. 优/良/中/差, label the result). Entries must lie in [0, 1]; rows need not sum to 1.
    operator : {"weighted-average", "max-min", "product-max", "bounded-min"}
        The composition operator, see Notes. Default ``"weighted-average"``, M(·, ⊕), which uses
        every factor's weight and every membership.
    normalize : bool, default False
        Rescale B to sum to 1. Common after the ∨ operators (``"max-min"``, ``"product-max"``),
        whose B does not sum to 1 even when A and the rows of R do.

    Returns
    -------
    pandas.Series
        B, indexed by grade, named ``"B"``.

    Raises
    ------
    InputError
        Unknown operator (the four names are listed); weights that are negative, not numbers, or
        do not sum to 1 within 1e-9 (the sum found is shown); memberships outside [0, 1] or not
        numbers (factor and grade named); weights whose labels or length do not match R's rows;
        ``normalize`` when B is all zeros.

    Notes
    -----
    With ``a_i`` the weight of factor i and ``r_ij`` its membership in grade j:

    ============================  ===================  ======================================
    operator                      notation             b_j
    ============================  ===================  ======================================
    ``"max-min"``                 M(∧, ∨)              max_i min(a_i, r_ij)
    ``"product-max"``             M(·, ∨)              max_i a_i r_ij
    ``"bounded-min"``             M(∧, ⊕)              min(1, Σ_i min(a_i, r_ij))
    ``"weighted-average"``        M(·, ⊕)              min(1, Σ_i a_i r_ij)
    ============================  ===================  ======================================

    The bound ``min(1, ·)`` is part of the ⊕ definition; with weights summing to 1 it never binds,
    because ``Σ_i a_i r_ij ≤ Σ_i a_i = 1``. With ``normalize`` the result is ``b_j / Σ_j b_j``.

    References
    ----------
    .. [1] 汪培庄 (1983). 《模糊集合论及其应用》. 上海科学技术出版社 (fuzzy comprehensive
       evaluation and its composition operators).
    .. [2] DOMAIN.md §8, fuzzy comprehensive evaluation worked example.

    Examples
    --------
    The DOMAIN.md §8 example:

    >>> import pandas as pd
    >>> R = pd.DataFrame([[0.7, 0.2, 0.1, 0.0], [0.2, 0.3, 0.4, 0.1], [0.3, 0.4, 0.2, 0.1]],
    ...                  index=["necessity", "economy", "feasibility"],
    ...                  columns=["优", "良", "中", "差"])
    >>> fuzzy_evaluate([0.5, 0.3, 0.2], R).round(4).tolist()
    [0.47, 0.27, 0.21, 0.05]
    >>> fuzzy_evaluate([0.5, 0.3, 0.2], R, operator="max-min", normalize=True).round(4).tolist()
    [0.4167, 0.25, 0.25, 0.0833]
    """
    if operator not in _OPERATORS:
        raise InputError(f"expected operator in {list(_OPERATORS)}, found {operator!r}")
    if not isinstance(membership, pd.DataFrame):
        membership = pd.DataFrame(membership)
    if membership.empty:
        raise InputError(
            f"expected a non-empty factors × grades membership matrix, found shape {membership.shape}"
        )
    a = _aligned_weights(weights, membership.index)
    a_values = pd.to_numeric(a, errors="coerce").astype(float)
    r_values = membership.apply(pd.to_numeric, errors="coerce").astype(float)

    shown_a, shown_r = a.astype(object), membership.astype(object)  # print cells as typed
    problems = [
        f"weight of factor {f!r}: expected a number ≥ 0, found {shown_a[f]!r}"
        for f in a.index[~(np.isfinite(a_values) & (a_values >= 0))]
    ]
    bad = ~((r_values >= 0) & (r_values <= 1)).to_numpy()
    problems += [
        f"membership of factor {membership.index[i]!r} in grade {membership.columns[j]!r}: "
        f"expected a number in [0, 1], found {shown_r.iat[i, j]!r}"
        for i, j in zip(*np.nonzero(bad), strict=True)
    ]
    if not problems and abs(a_values.sum() - 1) > _WEIGHT_SUM_TOLERANCE:
        problems.append(f"expected weights summing to 1, found a sum of {float(a_values.sum())!r}")
    if problems:
        raise InputError("fuzzy evaluation inputs rejected:\n  " + "\n  ".join(problems))

    b = _compose(a_values.to_numpy(), r_values.to_numpy(), operator)
    if normalize:
        if b.sum() == 0:
            raise InputError("cannot normalise B: every grade's membership is 0")
        b = b / b.sum()
    return pd.Series(b, index=membership.columns, name="B")


def fuzzy_score(
    b: pd.Series | Mapping[Hashable, float], grade_values: Mapping[Hashable, float]
) -> float:
    """Turn a grade vector B into a score with the rule set's grade values.

    Parameters
    ----------
    b : pandas.Series or mapping
        The grade vector B from :func:`fuzzy_evaluate`, indexed by grade label; non-negative, not
        all zero.
    grade_values : mapping of grade label to float
        The value of each grade, from the rule set (e.g. 优 95, 良 85, 中 70, 差 50). Its labels
        must be exactly B's labels.

    Returns
    -------
    float
        The score, between the lowest and the highest grade value.

    Raises
    ------
    InputError
        Labels that do not match (missing and unexpected ones are listed); a negative or
        non-numeric entry of B or grade value; B all zeros.

    Notes
    -----
    .. math:: \\text{score} = \\frac{\\sum_j b_j v_j}{\\sum_j b_j}

    with ``v_j`` the value of grade j. Dividing by ``Σ b_j`` makes the score a weighted mean of the
    grade values, so it also holds for a B that was not normalised.

    References
    ----------
    .. [1] 汪培庄 (1983). 《模糊集合论及其应用》. 上海科学技术出版社 (weighted-mean scoring of the
       evaluation vector).

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.Series({"优": 0.47, "良": 0.27, "中": 0.21, "差": 0.05})
    >>> round(fuzzy_score(b, {"优": 95, "良": 85, "中": 70, "差": 50}), 4)
    84.8
    """
    b = pd.Series(b)
    values = pd.Series(grade_values)
    missing = b.index.difference(values.index).tolist()
    extra = values.index.difference(b.index).tolist()
    if missing or extra:
        raise InputError(
            f"expected grade values for exactly B's grades {b.index.tolist()}; "
            f"missing {missing}, unexpected {extra}"
        )
    b_values = pd.to_numeric(b, errors="coerce").astype(float)
    v = pd.to_numeric(values.reindex(b.index), errors="coerce").astype(float)
    shown_b, shown_v = b.astype(object), values.astype(object)  # print entries as typed
    problems = [f"B[{g!r}]: expected a number ≥ 0, found {shown_b[g]!r}"
                for g in b.index[~(np.isfinite(b_values) & (b_values >= 0))]]
    problems += [f"value of grade {g!r}: expected a number, found {shown_v[g]!r}"
                 for g in v.index[~np.isfinite(v)]]
    if not problems and b_values.sum() == 0:
        problems.append("expected B with at least one positive membership, found all zeros")
    if problems:
        raise InputError("fuzzy score inputs rejected:\n  " + "\n  ".join(problems))
    return float(np.dot(b_values, v) / b_values.sum())


def _vote_shares(codes: np.ndarray, n_grades: int) -> np.ndarray:
    """Share of the votes for each grade per row; ``codes`` holds grade positions, -1 = no vote."""
    counts = (codes[..., None] == np.arange(n_grades)).sum(axis=1)
    return counts / counts.sum(axis=1, keepdims=True)


def _wide_votes(votes: pd.DataFrame, factor: str, expert: str, grade: str) -> pd.DataFrame:
    """Pivot a long vote table to factors × experts, in order of first appearance."""
    needed = [factor, expert, grade]
    missing = [c for c in needed if c not in votes.columns]
    if missing:
        raise InputError(
            f"votes: expected columns {needed}, missing {missing}; found {list(votes.columns)}"
        )
    blank = votes[votes[[factor, expert]].isna().any(axis=1)]
    repeated = votes[votes.duplicated([factor, expert], keep=False)].drop_duplicates([factor, expert])
    problems = [f"row {label!r}: expected {factor} and {expert} filled in, found "
                f"{row[factor]!r} and {row[expert]!r}" for label, row in blank.iterrows()]
    problems += [f"expert {row[expert]!r}, factor {row[factor]!r}: expected one vote, found several"
                 for _, row in repeated.iterrows()]
    if problems:
        raise InputError("votes rejected:\n  " + "\n  ".join(problems))
    return votes.pivot(index=factor, columns=expert, values=grade).reindex(
        index=pd.unique(votes[factor]), columns=pd.unique(votes[expert])
    )


def membership_from_votes(
    votes: pd.DataFrame,
    grades: Sequence[Hashable],
    *,
    factor: str | None = None,
    expert: str = "expert_id",
    grade: str = "grade",
) -> pd.DataFrame:
    """Membership matrix R from the experts' grade choices: the share choosing each grade.

    Parameters
    ----------
    votes : pandas.DataFrame
        Either wide, factors × experts, each cell the grade label the expert chose for the factor
        (the default); or, when ``factor`` is given, a long table with one row per (factor,
        expert) vote. A blank cell (or a missing long row) is an abstention, e.g. an expert who
        recused: the shares are taken over the experts who voted on the factor.
    grades : sequence of labels
        The grade scale in order, e.g. ``["优", "良", "中", "差"]``; every grade becomes a column,
        with share 0 when nobody chose it.
    factor : str, optional
        Name of the factor column; giving it means ``votes`` is long.
    expert, grade : str
        Names of the expert and grade columns of a long table (ignored for a wide table).

    Returns
    -------
    pandas.DataFrame
        R, one row per factor and one column per grade; every row sums to 1.

    Raises
    ------
    InputError
        A grade label not in ``grades`` (every such vote is named by expert and factor); a factor
        with no votes; an empty or repeated grade list; in a long table, missing columns, a blank
        factor or expert, or an expert voting twice on a factor.

    Notes
    -----
    ``r_ij = (number of experts choosing grade j for factor i) / (number of experts voting on
    factor i)``.

    References
    ----------
    .. [1] 汪培庄 (1983). 《模糊集合论及其应用》. 上海科学技术出版社 (membership degrees from
       expert votes).

    Examples
    --------
    >>> import pandas as pd
    >>> votes = pd.DataFrame({"E1": ["优", "良"], "E2": ["优", "中"], "E3": ["良", "良"],
    ...                       "E4": ["优", "差"]}, index=["necessity", "economy"])
    >>> membership_from_votes(votes, ["优", "良", "中", "差"])
    grade        优     良     中     差
    necessity  0.75  0.25  0.00  0.00
    economy    0.00  0.50  0.25  0.25
    """
    if not isinstance(votes, pd.DataFrame):
        raise InputError(f"expected votes as a DataFrame, found {type(votes).__name__}")
    grade_index = pd.Index(list(grades), name="grade")
    if grade_index.empty or not grade_index.is_unique:
        raise InputError(f"expected a non-empty list of distinct grades, found {list(grades)}")
    wide = votes if factor is None else _wide_votes(votes, factor, expert, grade)
    if wide.empty:
        raise InputError("expected at least one factor and one expert's vote, found none")

    codes = wide.apply(grade_index.get_indexer)  # -1 for a blank or an unknown label
    unknown = (wide.notna() & (codes == -1)).to_numpy()
    problems = [
        f"expert {wide.columns[j]!r}, factor {wide.index[i]!r}: expected a grade in "
        f"{grade_index.tolist()}, found {wide.iat[i, j]!r}"
        for i, j in zip(*np.nonzero(unknown), strict=True)
    ]
    problems += [f"factor {f!r}: expected at least one vote, found none"
                 for f in wide.index[wide.notna().sum(axis=1) == 0]]
    if problems:
        raise InputError("votes rejected:\n  " + "\n  ".join(problems))
    shares = _vote_shares(codes.to_numpy(), len(grade_index))
    return pd.DataFrame(shares, index=wide.index, columns=grade_index)
