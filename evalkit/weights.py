"""Indicator weights: AHP (one matrix or a two-level hierarchy), entropy, CRITIC, and combinations.

Subjective weights come from expert pairwise comparisons (:func:`ahp`, :func:`ahp_hierarchy`);
objective weights come from the spread of the indicator values across projects
(:func:`entropy_weights`, :func:`critic_weights`); :func:`combine_weights` merges one of each.

Each method is a plain numpy core (``_name``) behind a thin public wrapper that validates the input
once, reports every problem it finds in one error, and labels the result. Nothing is rounded.

Labels: a DataFrame keeps its own labels; a nested list or numpy array is labelled ``0 .. n-1``
(the pandas default), while error messages count rows and columns from 1 as a spreadsheet does.
"""

from __future__ import annotations

import html
import math
import numbers
import unicodedata
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from evalkit.errors import EvalkitWarning, InconsistentMatrixError, InputError

__all__ = [
    "SAATY_RI",
    "TEXTBOOK_RI",
    "CONSTANT_RTOL",
    "AHPResult",
    "HierarchyResult",
    "ahp",
    "ahp_hierarchy",
    "entropy_weights",
    "critic_weights",
    "combine_weights",
]

MatrixLike = pd.DataFrame | np.ndarray | Sequence[Sequence[float | str]]
AHPMethod = Literal["eigen", "geometric", "arithmetic"]
RISpec = Literal["saaty", "textbook"] | Mapping[int, float]
Directions = Mapping[Hashable, str] | pd.Series | Sequence[str] | None

#: Saaty's random consistency index RI for n = 1..15 (Saaty 1980/2001).
SAATY_RI: Mapping[int, float] = MappingProxyType(dict(enumerate(
    [0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59],
    start=1)))
#: The RI table of Chinese textbooks: Saaty's up to n = 10, then 1.52, 1.54, 1.56, 1.58, 1.59.
TEXTBOOK_RI: Mapping[int, float] = MappingProxyType(
    {**SAATY_RI, 11: 1.52, 12: 1.54, 13: 1.56, 14: 1.58, 15: 1.59})
_RI_TABLES = {"saaty": SAATY_RI, "textbook": TEXTBOOK_RI}

_MAX_AHP_SIZE = 15  # the largest n both RI tables cover
_SAATY_ADVISED_SIZE = 9  # Saaty's "7 ± 2": more items than this per matrix are judged poorly
_FLOAT_SLACK = 1e-12  # lets 0.33 × 3 = 0.99 pass at rtol = 0.01 despite binary rounding
_ROUNDED_RECIPROCAL = 0.05  # two-decimal reciprocals of 1..9 are at most 4 % off (0.13 for 1/8)
_MAX_LISTED = 20  # problems listed in one error message before "… and N more"
#: A column counts as constant when max − min ≤ CONSTANT_RTOL × max(1, max |x|): values typed
#: equal but stored with Excel's floating-point noise (15 significant digits, e.g.
#: 0.1 + 0.2 = 0.30000000000000004) carry no information and must not get a weight.
CONSTANT_RTOL = 1e-9

# Spellings of an indicator direction, after NFKC folding, stripping and lower-casing.
_DIRECTION_WORDS = {
    "+": True, "benefit": True, "正向": True,
    "-": False, "−": False, "cost": False, "负向": False, "逆向": False,
}


# ----------------------------------------------------------------------------------------------
# shared helpers
# ----------------------------------------------------------------------------------------------

def _choice(what: str, value: object, options: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``options``, else raise an InputError naming them."""
    if isinstance(value, str) and value in options:
        return value
    raise InputError(f"{what}: expected one of {', '.join(map(repr, options))}, found {value!r}")


def _describe(value: object) -> str:
    """Show a cell value in a message: strings quoted, blanks named, numbers plain."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "an empty cell"
    return repr(value) if isinstance(value, str) else str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _raise(error: type[InputError], header: str, problems: list[str]) -> None:
    """Raise ``error`` listing the problems (at most ``_MAX_LISTED``) under ``header``."""
    if not problems:
        return
    lines = [f"{header} ({len(problems)} problem{'s' if len(problems) > 1 else ''}):"]
    lines += [f"  {p}" for p in problems[:_MAX_LISTED]]
    if len(problems) > _MAX_LISTED:
        lines.append(f"  … and {len(problems) - _MAX_LISTED} more")
    raise error("\n".join(lines))


def _summary_html(title: str, frame: pd.DataFrame) -> str:
    return f"<p>{html.escape(title)}</p>" + frame.to_html(float_format=lambda x: f"{x:.4f}")


# ----------------------------------------------------------------------------------------------
# AHP
# ----------------------------------------------------------------------------------------------

def _eigen_weights(a: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eig(a)
    return np.abs(vectors[:, np.argmax(values.real)].real)


def _geometric_weights(a: np.ndarray) -> np.ndarray:
    return np.exp(np.log(a).mean(axis=1))


def _arithmetic_weights(a: np.ndarray) -> np.ndarray:
    return (a / a.sum(axis=0)).mean(axis=1)


_AHP_METHODS = {
    "eigen": _eigen_weights,
    "geometric": _geometric_weights,
    "arithmetic": _arithmetic_weights,
}


def _ahp_core(a: np.ndarray, method: str, ri: float) -> tuple[np.ndarray, float, float, float]:
    """Weights, λmax, CI and CR of a validated positive matrix ``a``."""
    n = a.shape[0]
    w = _AHP_METHODS[method](a)
    w = w / w.sum()
    lambda_max = float(np.mean(a @ w / w))
    if n <= 2:
        return w, lambda_max, 0.0, 0.0
    ci = (lambda_max - n) / (n - 1)
    return w, lambda_max, ci, ci / ri


def _parse_entry(value: object) -> float:
    """A matrix cell as a float: a number, or a string holding a number or a fraction ``a/b``.

    Raises ValueError (without a message; the caller names the cell) for anything else.
    """
    if _is_number(value):
        return float(value)
    if not isinstance(value, str):
        raise ValueError
    text = unicodedata.normalize("NFKC", value).strip()
    numerator, slash, denominator = text.partition("/")
    if not slash:
        return float(text)
    bottom = float(denominator)
    if bottom == 0:
        raise ValueError
    return float(numerator) / bottom


def _ri_table(ri: RISpec) -> Mapping[int, float]:
    if isinstance(ri, Mapping):
        return MappingProxyType(dict(ri))
    return _RI_TABLES[_choice("ri", ri, list(_RI_TABLES))]


def _ri_value(table: Mapping[int, float], n: int, where: str) -> float:
    """RI for a matrix of size ``n``; InputError if the table cannot supply a usable one."""
    if n not in table:
        raise InputError(f"{where}ri table: expected an entry for n = {n}, found entries for "
                         f"n = {sorted(table)}")
    value = table[n]
    if not _is_number(value) or (n >= 3 and not (math.isfinite(value) and value > 0)):
        raise InputError(f"{where}ri table, n = {n}: expected a positive number, found "
                         f"{_describe(value)}")
    return float(value)


def _read_matrix(matrix: MatrixLike, rtol: float,
                 where: str) -> tuple[np.ndarray | None, pd.Index, list[str]]:
    """Parse and check a pairwise comparison matrix.

    Returns the float matrix (None when its shape is unusable), its labels, and every problem
    found, each naming its cell as ``where`` + ``row i, column j (labels a, b)``.
    """
    if isinstance(matrix, pd.DataFrame):
        labels, named = matrix.index, True
        cells = matrix.to_numpy(dtype=object)
        if not matrix.index.equals(matrix.columns):
            return None, labels, [
                f"{where}expected the column labels to repeat the row labels in the same order, "
                f"found rows {list(matrix.index)} and columns {list(matrix.columns)}"]
        if matrix.index.has_duplicates:
            return None, labels, [f"{where}expected distinct labels, found "
                                  f"{list(matrix.index[matrix.index.duplicated()])} repeated"]
    else:
        cells = np.array(matrix, dtype=object)
        labels, named = pd.RangeIndex(len(cells)), False
    if cells.ndim != 2 or cells.shape[0] != cells.shape[1]:
        return None, labels, [f"{where}expected a square matrix, found shape {cells.shape}"]
    n = cells.shape[0]
    if not 1 <= n <= _MAX_AHP_SIZE:
        return None, labels, [f"{where}expected 1 to {_MAX_AHP_SIZE} rows, found {n}"]

    def place(i: int, j: int) -> str:
        names = f" (labels {labels[i]}, {labels[j]})" if named else ""
        return f"{where}row {i + 1}, column {j + 1}{names}"

    problems: list[str] = []
    a = np.full((n, n), np.nan)
    for (i, j), cell in np.ndenumerate(cells):
        try:
            value = _parse_entry(cell)
        except ValueError:
            problems.append(f"{place(i, j)}: expected a positive number or a fraction such as "
                            f"'1/3', found {_describe(cell)}")
            continue
        if not (math.isfinite(value) and value > 0):
            problems.append(f"{place(i, j)}: expected a positive finite number, found "
                            f"{_describe(cell)}")
        elif i == j and abs(value - 1) > rtol + _FLOAT_SLACK:
            problems.append(f"{place(i, j)}: expected 1 on the diagonal, found {_describe(cell)}")
        else:
            a[i, j] = value
    for i, j in zip(*np.triu_indices(n, k=1), strict=True):
        upper, lower = a[i, j], a[j, i]
        off = abs(upper * lower - 1)
        if math.isfinite(off) and off > rtol + _FLOAT_SLACK:
            hint = ("; if it is a rounded decimal, type it as a fraction such as '1/6' or pass a "
                    "larger rtol" if off <= _ROUNDED_RECIPROCAL else "")
            problems.append(
                f"{place(j, i)}: expected the reciprocal of row {i + 1}, column {j + 1}, "
                f"1/{upper:g} = {1 / upper:.4g} (within rtol = {rtol:g}), found "
                f"{_describe(cells[j, i])}{hint}")
    return (None if problems else a), labels, problems


def _warn_if_large(n: int, where: str) -> None:
    if n > _SAATY_ADVISED_SIZE:
        warnings.warn(
            f"{where}{n} elements in one comparison matrix: Saaty advises at most "
            f"{_SAATY_ADVISED_SIZE}, judgements beyond that are unreliable; consider grouping "
            "them into a hierarchy", EvalkitWarning, stacklevel=4)


def _ahp_result(a: np.ndarray, labels: pd.Index, method: str, table: Mapping[int, float],
                where: str) -> AHPResult:
    n = a.shape[0]
    ri = _ri_value(table, n, where)
    _warn_if_large(n, where)
    w, lambda_max, ci, cr = _ahp_core(a, method, ri)
    return AHPResult(
        weights=pd.Series(w, index=labels, name="weight"),
        lambda_max=lambda_max, ci=ci, cr=cr, method=method, ri_table=table, n=n,
        matrix=pd.DataFrame(a, index=labels, columns=labels),
    )


# eq=False: the generated __eq__ would compare Series and DataFrames, whose == is elementwise.
@dataclass(frozen=True, eq=False)
class AHPResult:
    """Weights and consistency of one pairwise comparison matrix, unrounded.

    Attributes
    ----------
    weights : Series
        Priority weights summing to 1, labelled by the matrix labels (``0 .. n-1`` for arrays).
    lambda_max : float
        λmax, the mean of (A w)_i / w_i.
    ci, cr : float
        Consistency index and ratio; both 0 for n ≤ 2.
    method : str
        ``"eigen"``, ``"geometric"`` or ``"arithmetic"``; ``"given"`` for local weights supplied
        to :func:`ahp_hierarchy` rather than judged (CI = CR = 0, ``matrix`` = w_i / w_j).
    ri_table : Mapping[int, float]
        The RI table used (n → RI).
    n : int
        Number of elements compared.
    matrix : DataFrame
        The comparison matrix as parsed to floats, with the labels of ``weights``.
    """

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float
    method: str
    ri_table: Mapping[int, float]
    n: int
    matrix: pd.DataFrame

    @property
    def ri(self) -> float:
        """The random index used for this matrix, ``ri_table[n]``."""
        return float(self.ri_table[self.n])

    def is_consistent(self, limit: float = 0.10) -> bool:
        """True when CR < ``limit`` (0.10 is Saaty's acceptance bar)."""
        return self.cr < limit

    def to_frame(self) -> pd.DataFrame:
        """One row per element: ``weight``, ``aw`` = (A w)_i and ``aw_over_w`` = (A w)_i / w_i.

        These are the columns of the textbook consistency table; λmax is the mean of the last.
        """
        aw = self.matrix.to_numpy() @ self.weights.to_numpy()
        return pd.DataFrame({"weight": self.weights, "aw": aw, "aw_over_w": aw / self.weights},
                            index=self.weights.index)

    def summary(self) -> pd.Series:
        """n, method, λmax, CI, RI and CR as one labelled Series."""
        return pd.Series({"n": self.n, "method": self.method, "lambda_max": self.lambda_max,
                          "ci": self.ci, "ri": self.ri, "cr": self.cr})

    def _repr_html_(self) -> str:
        verdict = "consistent" if self.is_consistent() else "NOT consistent"
        title = (f"AHP ({self.method}), n = {self.n}: λmax = {self.lambda_max:.4f}, "
                 f"CI = {self.ci:.4f}, RI = {self.ri:.2f}, CR = {self.cr:.4f} "
                 f"({verdict} at CR < 0.10)")
        return _summary_html(title, self.to_frame())


def ahp(matrix: MatrixLike, *, method: AHPMethod = "eigen", ri: RISpec = "saaty",
        rtol: float = 1e-2) -> AHPResult:
    """Priority weights and consistency ratio of a pairwise comparison matrix (层次分析法).

    Parameters
    ----------
    matrix : DataFrame, ndarray or nested list, n × n with 1 ≤ n ≤ 15
        Saaty-scale judgements: ``matrix[i][j]`` says how much more important element i is than
        element j. Cells are positive numbers or strings such as ``"1/3"`` / ``"3"`` (as read
        from Excel; full-width characters are folded). A DataFrame's index labels the weights and
        its columns must repeat the index in the same order; arrays are labelled ``0 .. n-1``.
    method : {"eigen", "geometric", "arithmetic"}
        ``"eigen"``: principal right eigenvector (Saaty); ``"geometric"``: normalised row
        geometric means (方根法); ``"arithmetic"``: normalise each column to sum 1, then average
        the rows (和法).
    ri : {"saaty", "textbook"} or Mapping[int, float]
        RI table: :data:`SAATY_RI`, :data:`TEXTBOOK_RI`, or a mapping n → RI used as given.
    rtol : float
        Relative tolerance of the reciprocal check ``|a_ij · a_ji − 1| ≤ rtol`` (and of the
        diagonal ``|a_ii − 1| ≤ rtol``). The default 0.01 accepts 0.33 typed for 1/3; two-decimal
        entries for 1/6, 1/7 or 1/8 (0.17, 0.14, 0.13) are 2–4 % off and need ``rtol=0.05`` or,
        better, fractions. The matrix is used exactly as typed, never symmetrised.

    Returns
    -------
    AHPResult
        ``weights``, ``lambda_max``, ``ci``, ``cr``, ``method``, ``ri_table``, ``n``, ``matrix``;
        ``is_consistent(limit)`` applies the CR < limit bar. ``ahp`` itself does not judge.

    Raises
    ------
    InconsistentMatrixError
        When the matrix is not square, has more than 15 rows, or any cell is unreadable, not a
        positive finite number, off the diagonal value 1, or not the reciprocal of its mirror;
        every such cell is listed, e.g. ``row 4, column 2 (labels D, B)``.
    InputError
        For an unknown ``method`` or ``ri`` name, or an RI mapping lacking a positive entry for n.

    Warns
    -----
    EvalkitWarning
        When n > 9: Saaty advises at most 9 elements (7 ± 2) per matrix.

    Notes
    -----
    With weights w from any of the three methods,

    .. math:: \\lambda_{max} = \\frac{1}{n} \\sum_i \\frac{(A w)_i}{w_i}, \\quad
              CI = \\frac{\\lambda_{max} - n}{n - 1}, \\quad CR = \\frac{CI}{RI_n}.

    λmax is computed by this same formula for all methods (for ``"eigen"`` it equals the
    principal eigenvalue), so CR differs slightly between methods. For n ≤ 2 a reciprocal matrix
    is always consistent and RI is 0, so CI = CR = 0 by definition. Accept the judgements when
    CR < 0.10.

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
    .. [2] Saaty, T. L. (1977). A scaling method for priorities in hierarchical structures.
       *Journal of Mathematical Psychology*, 15(3), 234–281.

    Examples
    --------
    >>> res = ahp([[1, 2, 6], [1/2, 1, 4], [1/6, 1/4, 1]])
    >>> res.weights.round(4).tolist()
    [0.5876, 0.3234, 0.089]
    >>> round(res.lambda_max, 4), round(res.cr, 4), res.is_consistent()
    (3.0092, 0.0079, True)
    >>> labels = ["产出", "效益", "满意度"]
    >>> m = pd.DataFrame([[1, "2", "6"], ["1/2", 1, 4], ["1/6", "1/4", 1]], index=labels,
    ...                  columns=labels)
    >>> ahp(m, method="geometric").weights.round(4).to_dict()
    {'产出': 0.5876, '效益': 0.3234, '满意度': 0.089}
    """
    method = _choice("method", method, list(_AHP_METHODS))
    table = _ri_table(ri)
    a, labels, problems = _read_matrix(matrix, rtol, "")
    _raise(InconsistentMatrixError, "pairwise comparison matrix: not a valid reciprocal matrix",
           problems)
    return _ahp_result(a, labels, method, table, "")


# eq=False for the same reason as AHPResult.
@dataclass(frozen=True, eq=False)
class HierarchyResult:
    """A two- or three-level AHP: criterion weights, the weights of each criterion's sub-items,
    optionally the weights of each sub-item's leaves, and all of them combined down the tree.

    Attributes
    ----------
    criteria : AHPResult
        The criterion-level matrix (weights a_j).
    alternatives : Mapping[label, AHPResult]
        For each criterion label, the result of the matrix of its sub-items (weights w_ij).
    global_weights : Series
        Products down the tree, summing to 1: a_j × w_ij indexed by ``(criterion, item)`` for two
        levels; a_j × w_ij × v_ijk indexed by ``(criterion, item, leaf)`` when ``leaves`` is given.
    cr : float
        Combined consistency ratio of the sub-item level, Σ a_j CI_j / Σ a_j RI_j (0 when every
        sub-matrix has n ≤ 2).
    leaves : Mapping[(criterion, item), AHPResult]
        The level-3 results per ``(criterion, item)``; empty for a two-level hierarchy. A result
        with ``method == "given"`` holds local weights that were supplied, not judged.
    leaf_cr : float
        Combined consistency ratio of the leaf level, Σ g_ij CI_ij / Σ g_ij RI_ij over the judged
        leaf matrices, g_ij = a_j w_ij (0 when there is none with n ≥ 3).
    """

    criteria: AHPResult
    alternatives: Mapping[Hashable, AHPResult]
    global_weights: pd.Series
    cr: float
    leaves: Mapping[tuple[Hashable, Hashable], AHPResult] = field(
        default_factory=lambda: MappingProxyType({}))
    leaf_cr: float = 0.0

    def results(self) -> dict[tuple[Hashable, ...], AHPResult]:
        """Every matrix result by its path in the tree: ``()`` for the criteria, ``(j,)`` for the
        sub-items of criterion j, ``(j, i)`` for the leaves of sub-item i of j."""
        return {(): self.criteria, **{(c,): r for c, r in self.alternatives.items()},
                **dict(self.leaves)}

    def is_consistent(self, limit: float = 0.10) -> bool:
        """True when every matrix CR and the combined CRs of each level are all < limit."""
        return (all(r.is_consistent(limit) for r in self.results().values())
                and self.cr < limit and self.leaf_cr < limit)

    def to_frame(self) -> pd.DataFrame:
        """One row per sub-item (two levels) or per leaf (three levels): criterion, item,
        [leaf,] criterion_weight, local_weight (of the item), [leaf_weight,] global_weight, and
        the CR of the matrix each comes from (sub_cr, [leaf_cr])."""
        rows = []
        for criterion, result in self.alternatives.items():
            for item, local in result.weights.items():
                row = {"criterion": criterion, "item": item,
                       "criterion_weight": self.criteria.weights[criterion],
                       "local_weight": local, "sub_cr": result.cr}
                if not self.leaves:
                    rows.append({**row, "global_weight": self.global_weights[(criterion, item)]})
                    continue
                leaves = self.leaves[(criterion, item)]
                rows += [{**row, "leaf": leaf, "leaf_weight": v, "leaf_cr": leaves.cr,
                          "global_weight": self.global_weights[(criterion, item, leaf)]}
                         for leaf, v in leaves.weights.items()]
        columns = (["criterion", "item", "criterion_weight", "local_weight", "global_weight",
                    "sub_cr"] if not self.leaves else
                   ["criterion", "item", "leaf", "criterion_weight", "local_weight",
                    "leaf_weight", "global_weight", "sub_cr", "leaf_cr"])
        return pd.DataFrame(rows, columns=columns)

    def _repr_html_(self) -> str:
        verdict = "consistent" if self.is_consistent() else "NOT consistent"
        levels = 3 if self.leaves else 2
        title = (f"{levels}-level AHP ({self.criteria.method}): criterion CR = "
                 f"{self.criteria.cr:.4f}, combined CR = {self.cr:.4f}"
                 + (f", leaf CR = {self.leaf_cr:.4f}" if self.leaves else "")
                 + f" ({verdict} at CR < 0.10)")
        return _summary_html(title, self.to_frame())


def ahp_hierarchy(criteria: MatrixLike, alternatives: Mapping[Hashable, MatrixLike], *,
                  leaves: Mapping[tuple[Hashable, Hashable], MatrixLike | pd.Series] | None = None,
                  method: AHPMethod = "eigen", ri: RISpec = "saaty",
                  rtol: float = 1e-2) -> HierarchyResult:
    """Global weights of a two- or three-level indicator tree by AHP (层次总排序).

    Parameters
    ----------
    criteria : DataFrame, ndarray or nested list
        The k × k comparison matrix of the criteria (as for :func:`ahp`).
    alternatives : Mapping[label, matrix]
        For each criterion label (every one, no others), the comparison matrix of the sub-items
        under it. Sub-items may differ from one criterion to the next, as in an indicator tree;
        a criterion with a single sub-item takes ``[[1]]``.
    leaves : Mapping[(criterion, item), matrix or Series], optional
        A third level: for every ``(criterion, item)`` pair of the tree (every one, no others),
        either the comparison matrix of the leaves under that sub-item, or a Series of given
        non-negative local weights (for example a framework's points, renormalised to sum 1)
        when that group was not judged pairwise. Labelled like ``alternatives``.
    method, ri, rtol
        As for :func:`ahp`, applied to every matrix.

    Returns
    -------
    HierarchyResult
        ``criteria``, ``alternatives`` (per-criterion :class:`AHPResult`), ``leaves``,
        ``global_weights``, combined ``cr`` and ``leaf_cr``, ``is_consistent(limit)``,
        ``results()`` and ``to_frame()``.

    Raises
    ------
    InconsistentMatrixError
        Listing every invalid cell of every matrix, each prefixed by the matrix it is in.
    InputError
        When the keys of ``alternatives`` are not exactly the criterion labels, the keys of
        ``leaves`` not exactly the ``(criterion, item)`` pairs, a given leaf weight is negative
        or not finite, or as for :func:`ahp`.

    Notes
    -----
    With criterion weights a_j, local weights w_ij of sub-item i under criterion j and, for three
    levels, local weights v_ijk of leaf k under sub-item i, the global weight is the product down
    the tree, a_j w_ij (two levels) or a_j w_ij v_ijk (three levels). The combined consistency
    ratio of each level weighs every matrix by the global weight of its parent:

    .. math:: CR = \\frac{\\sum_j a_j CI_j}{\\sum_j a_j RI_j}, \\qquad
              CR_{leaf} = \\frac{\\sum_{ij} a_j w_{ij} CI_{ij}}{\\sum_{ij} a_j w_{ij} RI_{ij}},

    each taken as 0 when its denominator is 0 (every matrix of the level has n ≤ 2). Given leaf
    weights are not judgements: they enter neither sum. Some textbooks add the levels' CRs
    together; here they are kept separate and ``is_consistent`` requires each to be below the
    limit.

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
    .. [2] 许树柏 (1988). 《实用决策方法：层次分析法原理》. 天津大学出版社.

    Examples
    --------
    >>> res = ahp_hierarchy([[1, 3], [1/3, 1]],
    ...                     {0: [[1, 2], [1/2, 1]], 1: [[1, 1, 4], [1, 1, 4], [1/4, 1/4, 1]]})
    >>> res.global_weights.round(4).tolist()
    [0.5, 0.25, 0.1111, 0.1111, 0.0278]
    >>> round(res.cr, 4)
    0.0
    >>> three = ahp_hierarchy([[1, 3], [1/3, 1]], {0: [[1, 2], [1/2, 1]], 1: [[1]]},
    ...                       leaves={(0, 0): [[1, 3], [1/3, 1]], (0, 1): pd.Series([1.0]),
    ...                               (1, 0): pd.Series([3.0, 1.0])})
    >>> three.global_weights.round(4).tolist()
    [0.375, 0.125, 0.25, 0.1875, 0.0625]
    """
    method = _choice("method", method, list(_AHP_METHODS))
    table = _ri_table(ri)
    if not isinstance(alternatives, Mapping):
        raise InputError(f"alternatives: expected a mapping criterion label → matrix, found "
                         f"{type(alternatives).__name__}")
    if leaves is not None and not isinstance(leaves, Mapping):
        raise InputError(f"leaves: expected a mapping (criterion, item) → matrix or weights, "
                         f"found {type(leaves).__name__}")
    top, labels, problems = _read_matrix(criteria, rtol, "criteria matrix, ")
    subs = {}
    for criterion, matrix in alternatives.items():
        where = f"matrix under criterion {criterion}, "
        sub, sub_labels, sub_problems = _read_matrix(matrix, rtol, where)
        subs[criterion] = (sub, sub_labels, where)
        problems += sub_problems
    low: dict[Hashable, tuple[np.ndarray | None, pd.Index, str]] = {}
    for key, matrix in (leaves or {}).items():
        where = f"matrix under {key}, "
        if isinstance(matrix, pd.Series):
            given, more = _read_weights(matrix, f"leaf weights under {key}")
            low[key] = (None, given, where)
        else:
            sub, sub_labels, more = _read_matrix(matrix, rtol, where)
            low[key] = (sub, sub_labels, where)
        problems += more
    _raise(InconsistentMatrixError, "AHP hierarchy: invalid comparison matrices", problems)

    missing = [c for c in labels if c not in alternatives]
    extra = [c for c in alternatives if c not in labels]
    if missing or extra:
        raise InputError(f"alternatives: expected one matrix per criterion {list(labels)}, "
                         f"found none for {missing} and matrices for unknown criteria {extra}")

    top_result = _ahp_result(top, labels, method, table, "criteria matrix, ")
    sub_results = {}
    for c in labels:
        sub, sub_labels, where = subs[c]
        sub_results[c] = _ahp_result(sub, sub_labels, method, table, where)
    a = top_result.weights
    global_weights = pd.concat({c: a[c] * sub_results[c].weights for c in labels},
                               names=["criterion", "item"]).rename("global_weight")
    ci_sum = sum(a[c] * sub_results[c].ci for c in labels)
    ri_sum = sum(a[c] * sub_results[c].ri for c in labels)
    leaf_results, leaf_cr = {}, 0.0
    if leaves is not None:
        leaf_results = _leaf_results(low, global_weights, method, table)
        global_weights = pd.concat(
            {key: global_weights[key] * r.weights for key, r in leaf_results.items()},
            names=["criterion", "item", "leaf"]).rename("global_weight")
        judged = [key for key, r in leaf_results.items() if r.method != "given"]
        leaf_ri = sum(global_weights[key].sum() * leaf_results[key].ri for key in judged)
        leaf_ci = sum(global_weights[key].sum() * leaf_results[key].ci for key in judged)
        leaf_cr = float(leaf_ci / leaf_ri) if leaf_ri > 0 else 0.0
    return HierarchyResult(
        criteria=top_result, alternatives=MappingProxyType(sub_results),
        global_weights=global_weights, cr=float(ci_sum / ri_sum) if ri_sum > 0 else 0.0,
        leaves=MappingProxyType(leaf_results), leaf_cr=leaf_cr,
    )


def _leaf_results(low: Mapping[Hashable, tuple[np.ndarray | None, pd.Index | pd.Series, str]],
                  parents: pd.Series, method: str,
                  table: Mapping[int, float]) -> dict[tuple[Hashable, Hashable], AHPResult]:
    """The leaf level of :func:`ahp_hierarchy`, in the order of ``parents`` (criterion, item)."""
    missing = [key for key in parents.index if key not in low]
    extra = [key for key in low if key not in parents.index]
    if missing or extra:
        raise InputError(f"leaves: expected one matrix or weight Series per (criterion, item) "
                         f"{list(parents.index)}, found none for {missing} and entries for "
                         f"unknown pairs {extra}")
    results = {}
    for key in parents.index:
        matrix, labels, where = low[key]
        if matrix is not None:
            results[key] = _ahp_result(matrix, labels, method, table, where)
            continue
        v = labels.to_numpy(dtype=float)  # given weights, already normalised
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = np.divide.outer(v, v)  # the consistent matrix v_i / v_j they stand for
        results[key] = AHPResult(
            weights=labels.rename("weight"), lambda_max=float(len(v)), ci=0.0, cr=0.0,
            method="given", ri_table=table, n=len(v),
            matrix=pd.DataFrame(ratios, index=labels.index, columns=labels.index))
    return results


# ----------------------------------------------------------------------------------------------
# objective weights: entropy and CRITIC
# ----------------------------------------------------------------------------------------------

def _finite(cell: object) -> bool:
    return _is_number(cell) and math.isfinite(cell)


def _parse_directions(columns: pd.Index, directions: Directions) -> tuple[np.ndarray, list[str]]:
    """Benefit mask per column (True = benefit, the default) and every problem in ``directions``."""
    benefit = np.ones(len(columns), dtype=bool)
    if directions is None:
        return benefit, []
    if isinstance(directions, Mapping | pd.Series):
        given = list(directions.items())
    elif isinstance(directions, str) or not isinstance(directions, Sequence | np.ndarray):
        return benefit, [f"directions: expected a mapping column → direction or a list with one "
                         f"direction per column, found {_describe(directions)}"]
    elif len(directions) != len(columns):
        return benefit, [f"directions: expected {len(columns)} entries, one per column, found "
                         f"{len(directions)}"]
    else:
        given = list(zip(columns, directions, strict=True))
    problems = []
    for column, word in given:
        key = unicodedata.normalize("NFKC", word).strip().lower() if isinstance(word, str) else None
        if column not in columns:
            problems.append(f"directions: expected a column of the data {list(columns)}, found "
                            f"{column}")
        elif key not in _DIRECTION_WORDS:
            problems.append(f"directions, column {column}: expected one of "
                            f"{' '.join(_DIRECTION_WORDS)}, found {_describe(word)}")
        else:
            benefit[columns.get_loc(column)] = _DIRECTION_WORDS[key]
    return benefit, problems


# eq=False: numpy arrays make the generated __eq__ ambiguous.
@dataclass(frozen=True, eq=False)
class _Table:
    """A validated indicator table: finite floats, with direction and constancy per column."""

    values: np.ndarray
    index: pd.Index
    columns: pd.Index
    benefit: np.ndarray
    constant: np.ndarray


def _read_table(data: pd.DataFrame, directions: Directions, what: str) -> _Table:
    """Validate ``data`` (rows = projects, columns = indicators) and ``directions`` at once."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{what}: expected a DataFrame with one row per project and one column "
                         f"per indicator, found {type(data).__name__}")
    m, k = data.shape
    problems = []
    if m < 2:
        problems.append(f"expected at least 2 rows (projects), found {m}")
    if k < 1:
        problems.append("expected at least 1 column (indicator), found none")
    if data.columns.has_duplicates:
        problems.append(f"expected distinct column labels, found "
                        f"{list(data.columns[data.columns.duplicated()].unique())} repeated")
    cells = data.to_numpy(dtype=object)
    values = np.zeros((m, k))
    for (i, j), cell in np.ndenumerate(cells):
        if _finite(cell):
            values[i, j] = cell
        else:
            problems.append(f"column {data.columns[j]}, row {data.index[i]}: expected a finite "
                            f"number, found {_describe(cell)}")
    benefit, direction_problems = _parse_directions(data.columns, directions)
    _raise(InputError, f"{what}: the data cannot be weighted", problems + direction_problems)
    constant = _constant_columns(values)
    if constant.all():
        raise InputError(f"{what}: expected at least one column whose values differ between "
                         f"projects, found every column constant: there is no information to "
                         f"weight")
    return _Table(values, data.index, data.columns, benefit, constant)


def _constant_columns(values: np.ndarray) -> np.ndarray:
    """Columns whose spread is within :data:`CONSTANT_RTOL` of their magnitude (at least 1)."""
    span = values.max(axis=0) - values.min(axis=0)
    return span <= CONSTANT_RTOL * np.maximum(1.0, np.abs(values).max(axis=0))


def _minmax(table: _Table) -> np.ndarray:
    """Direction-aware min–max normalisation to [0, 1]; constant columns become 0."""
    x = table.values
    low, high = x.min(axis=0), x.max(axis=0)
    span = np.where(table.constant, 1.0, high - low)
    return np.where(table.constant, 0.0, np.where(table.benefit, x - low, high - x) / span)


def _to_weights(scores: np.ndarray, table: _Table, what: str, why_zero: str) -> pd.Series:
    """Normalise per-column scores to weights; ``why_zero`` explains an all-zero result."""
    if not scores.sum() > 0:
        raise InputError(f"{what}: {why_zero}")
    return pd.Series(scores / scores.sum(), index=table.columns, name="weight")


def _entropy_core(z: np.ndarray, constant: np.ndarray) -> np.ndarray:
    """Degrees of diversification d_j = 1 − e_j of non-negative columns; 0 for constant ones."""
    totals = np.where(constant, 1.0, z.sum(axis=0))
    p = z / totals
    p_log_p = p * np.log(np.where(p > 0, p, 1.0))  # 0 · ln 0 = 0
    e = -p_log_p.sum(axis=0) / np.log(z.shape[0])
    # e ≤ 1 in exact arithmetic; the clip only removes rounding below zero.
    return np.where(constant, 0.0, np.clip(1 - e, 0.0, None))


def _critic_core(z: np.ndarray, constant: np.ndarray) -> np.ndarray:
    """CRITIC information C_j = σ_j Σ_k (1 − r_jk); r with a constant column taken as 0."""
    varying = ~constant
    r = np.zeros((z.shape[1], z.shape[1]))
    r[np.ix_(varying, varying)] = np.corrcoef(z[:, varying], rowvar=False)
    np.fill_diagonal(r, 1.0)
    conflict = (1 - r).sum(axis=0)
    # A column perfectly correlated with all others has conflict 0 up to rounding noise (~1e-16);
    # zero the noise so that it cannot end up as a weight.
    conflict[conflict < _FLOAT_SLACK] = 0.0
    return np.where(constant, 0.0, z.std(axis=0, ddof=1) * conflict)


def entropy_weights(data: pd.DataFrame, *, directions: Directions = None,
                    normalization: Literal["minmax", "sum"] = "minmax",
                    cost_transform: Literal["max_minus", "reciprocal"] = "max_minus",
                    ) -> pd.Series:
    """Objective weights of the indicators (columns) by the entropy method (熵权法).

    Parameters
    ----------
    data : DataFrame
        One row per project (alternative, at least 2), one column per indicator, finite numbers.
    directions : mapping, Series or list, optional
        Direction of each indicator: ``"+"``, ``"benefit"``, ``"正向"`` (more is better) or
        ``"-"``, ``"cost"``, ``"负向"``, ``"逆向"`` (less is better). A mapping or Series gives
        column → direction and columns it leaves out are benefit; a list gives one direction per
        column. None (default): every column is benefit.
    normalization : {"minmax", "sum"}
        How proportions p_ij are formed; see Notes. The two give very different weights, so a
        report must say which one it used.
    cost_transform : {"max_minus", "reciprocal"}
        How a cost column is turned into a benefit one, the two conventions in use:
        ``"max_minus"`` (default) uses max − x (inside the min–max formula under ``"minmax"``);
        ``"reciprocal"`` replaces x by 1/x, which needs every cost value > 0, and then treats
        the column as benefit. They weigh differently (1/x is not linear in x).

    Returns
    -------
    Series
        Weights ≥ 0 summing to 1, indexed by the columns of ``data``, named ``"weight"``.

    Raises
    ------
    InputError
        Listing every non-finite or missing cell (column and row label), unknown direction or
        direction for a column not in ``data``; for fewer than 2 rows; for negative values under
        ``normalization="sum"`` or cost values ≤ 0 under ``cost_transform="reciprocal"``
        (naming the column and its first offending row); when every column is constant (no
        information to weight).

    Notes
    -----
    With m projects, ``"minmax"`` normalises each column by direction,

    .. math:: z_{ij} = \\frac{x_{ij} - \\min_i x_{ij}}{\\max_i x_{ij} - \\min_i x_{ij}}
              \\text{ (benefit)}, \\qquad
              z_{ij} = \\frac{\\max_i x_{ij} - x_{ij}}{\\max_i x_{ij} - \\min_i x_{ij}}
              \\text{ (cost)},

    then :math:`p_{ij} = z_{ij} / \\sum_i z_{ij}`,
    :math:`e_j = -\\frac{1}{\\ln m} \\sum_i p_{ij} \\ln p_{ij}` with 0 ln 0 = 0,
    :math:`d_j = 1 - e_j` and :math:`w_j = d_j / \\sum_k d_k`.

    ``"sum"`` takes proportions of the raw values, :math:`p_{ij} = x_{ij} / \\sum_i x_{ij}`, so
    the values must be non-negative amounts; for cost columns it uses
    :math:`p_{ij} \\propto \\max_i x_{ij} - x_{ij}` (the worst project gets p = 0), the one
    convention evalkit applies. Zeros are fine under both.

    With ``cost_transform="reciprocal"`` a cost column x is first replaced by
    :math:`x'_{ij} = 1 / x_{ij}` and then handled as a benefit column by either normalisation.

    A constant column carries no information: its d is defined as 0, so its weight is 0. A
    column counts as constant when :math:`\\max - \\min \\le` :data:`CONSTANT_RTOL`
    :math:`\\times \\max(1, \\max |x|)` (after the cost transform), so Excel's floating-point
    noise on equal values does not become information. Under ``"minmax"`` a column whose z sums
    to 0 can only be a constant column.

    References
    ----------
    .. [1] Zeleny, M. (1982). *Multiple Criteria Decision Making*. McGraw-Hill.
    .. [2] Shannon, C. E. (1948). A mathematical theory of communication. *Bell System
       Technical Journal*, 27(3), 379–423.

    Examples
    --------
    >>> data = pd.DataFrame({"完成率": [0.9, 0.8, 1.0, 0.7], "单位成本": [120, 100, 95, 110],
    ...                      "满意度": [85, 90, 88, 92]}, index=["P1", "P2", "P3", "P4"])
    >>> entropy_weights(data, directions={"单位成本": "-"}).round(4).to_dict()
    {'完成率': 0.3512, '单位成本': 0.328, '满意度': 0.3209}
    >>> entropy_weights(data, directions={"单位成本": "-"}, normalization="sum").round(4).to_dict()
    {'完成率': 0.0242, '单位成本': 0.9746, '满意度': 0.0012}
    >>> entropy_weights(data, directions={"单位成本": "-"}, normalization="sum",
    ...                 cost_transform="reciprocal").round(4).to_dict()
    {'完成率': 0.6648, '单位成本': 0.3026, '满意度': 0.0326}
    """
    what = "entropy_weights"
    normalization = _choice("normalization", normalization, ["minmax", "sum"])
    cost_transform = _choice("cost_transform", cost_transform, ["max_minus", "reciprocal"])
    table = _read_table(data, directions, what)
    if cost_transform == "reciprocal":
        table = _reciprocal_costs(table, what)
    x = table.values
    if normalization == "minmax":
        z = _minmax(table)
    else:
        negative = x < 0
        _raise(InputError, f"{what}: normalization='sum' takes proportions of raw values, which "
                           f"must be ≥ 0; use normalization='minmax' for data with negatives", [
            f"column {column}, row {table.index[negative[:, j].argmax()]}: expected a value ≥ 0, "
            f"found {x[negative[:, j].argmax(), j]:g}"
            for j, column in enumerate(table.columns) if negative[:, j].any()])
        z = np.where(table.benefit, x, x.max(axis=0) - x)
    return _to_weights(_entropy_core(z, table.constant), table, what,
                       "expected a column whose values are not all (nearly) equal, found every "
                       "column with entropy 1: there is no information to weight")


def _reciprocal_costs(table: _Table, what: str) -> _Table:
    """``table`` with every cost column x replaced by 1/x and marked benefit (x > 0 checked)."""
    x = table.values
    bad = ~table.benefit & (x <= 0)
    _raise(InputError, f"{what}: cost_transform='reciprocal' takes 1/x of cost columns, which "
                       f"must be > 0; use cost_transform='max_minus' for data with zeros", [
        f"column {column}, row {table.index[bad[:, j].argmax()]}: expected a value > 0, "
        f"found {x[bad[:, j].argmax(), j]:g}"
        for j, column in enumerate(table.columns) if bad[:, j].any()])
    values = np.where(table.benefit, x, 1 / np.where(table.benefit, 1.0, x))
    constant = _constant_columns(values)
    if constant.all():
        raise InputError(f"{what}: expected at least one column whose values differ between "
                         f"projects, found every column constant: there is no information to "
                         f"weight")
    return _Table(values, table.index, table.columns, np.ones_like(table.benefit), constant)


def critic_weights(data: pd.DataFrame, *, directions: Directions = None) -> pd.Series:
    """Objective weights of the indicators (columns) by CRITIC (contrast and conflict).

    Parameters
    ----------
    data : DataFrame
        One row per project (at least 2), one column per indicator, finite numbers.
    directions : mapping, Series or list, optional
        As for :func:`entropy_weights`; None means every column is benefit.

    Returns
    -------
    Series
        Weights ≥ 0 summing to 1, indexed by the columns of ``data``, named ``"weight"``.

    Raises
    ------
    InputError
        As for :func:`entropy_weights`, and when no column has positive information C (every
        varying column perfectly correlated with every other, e.g. a single varying column).

    Notes
    -----
    Each column is min–max normalised by direction as in :func:`entropy_weights`, giving
    :math:`z_{ij} \\in [0, 1]`. With :math:`\\sigma_j` the sample standard deviation
    (ddof = 1) of column j and :math:`r_{jk}` Pearson's correlation of columns j and k,

    .. math:: C_j = \\sigma_j \\sum_k (1 - r_{jk}), \\qquad w_j = C_j / \\sum_k C_k.

    A constant column has σ = 0, hence weight 0; its correlation with any other column is
    undefined and is taken as 0 (its covariance is 0), so it adds 1 to the conflict sum of every
    other column instead of making it NaN. Note that this shifts the other weights slightly
    compared with dropping the constant column.

    References
    ----------
    .. [1] Diakoulaki, D., Mavrotas, G., & Papayannakis, L. (1995). Determining objective weights
       in multiple criteria problems: the CRITIC method. *Computers & Operations Research*,
       22(7), 763–770.

    Examples
    --------
    >>> data = pd.DataFrame({"完成率": [0.9, 0.8, 1.0, 0.7], "单位成本": [120, 100, 95, 110],
    ...                      "满意度": [85, 90, 88, 92]}, index=["P1", "P2", "P3", "P4"])
    >>> critic_weights(data, directions={"单位成本": "cost"}).round(4).to_dict()
    {'完成率': 0.3989, '单位成本': 0.2218, '满意度': 0.3794}
    """
    what = "critic_weights"
    table = _read_table(data, directions, what)
    return _to_weights(_critic_core(_minmax(table), table.constant), table, what,
                       "expected a column in conflict with another, found every varying column "
                       "perfectly correlated (r = 1 after direction normalisation) with every "
                       "other column: CRITIC has nothing to weight")


# ----------------------------------------------------------------------------------------------
# combined weights
# ----------------------------------------------------------------------------------------------

def _read_weights(weights: pd.Series | Mapping[Hashable, float],
                  what: str) -> tuple[pd.Series, list[str]]:
    """``weights`` as a float Series summing to 1, and every problem found in it."""
    if not isinstance(weights, pd.Series | Mapping):
        return pd.Series(dtype=float), [f"{what}: expected a Series or mapping label → weight, "
                                        f"found {type(weights).__name__}"]
    series = pd.Series(weights)
    problems = [f"{what}, label {label}: expected a finite weight ≥ 0, found {_describe(value)}"
                for label, value in series.items() if not (_finite(value) and value >= 0)]
    if series.index.has_duplicates:
        problems.append(f"{what}: expected distinct labels, found "
                        f"{list(series.index[series.index.duplicated()].unique())} repeated")
    if problems:
        return series, problems
    values = series.astype(float)
    if not values.sum() > 0:
        return values, [f"{what}: expected at least one positive weight, found none"]
    return values / values.sum(), []


def combine_weights(subjective: pd.Series | Mapping[Hashable, float],
                    objective: pd.Series | Mapping[Hashable, float], *,
                    method: Literal["multiplicative", "linear"] = "multiplicative",
                    alpha: float = 0.5) -> pd.Series:
    """Combine subjective (e.g. AHP) and objective (e.g. entropy) weights (组合赋权).

    Parameters
    ----------
    subjective, objective : Series or mapping label → weight
        Non-negative weights over the same set of labels (order may differ: they are aligned by
        label). Each is renormalised to sum 1 before combining.
    method : {"multiplicative", "linear"}
        See Notes.
    alpha : float
        Share of the subjective weights in the linear combination, 0 ≤ alpha ≤ 1 (checked but
        unused by ``"multiplicative"``).

    Returns
    -------
    Series
        Weights summing to 1, in the order of ``subjective``, named ``"weight"``.

    Raises
    ------
    InputError
        When the label sets differ (listing the labels each side lacks), a weight is negative,
        missing or not finite, a side has no positive weight, alpha is outside [0, 1], or no
        label is positive in both under ``"multiplicative"``.

    Notes
    -----
    With s and o renormalised to sum 1,

    .. math:: w_i = \\frac{s_i o_i}{\\sum_k s_k o_k} \\text{ (multiplicative)}, \\qquad
              w_i = \\alpha s_i + (1 - \\alpha) o_i \\text{ (linear)}.

    The linear combination already sums to 1; it is renormalised anyway to absorb rounding.

    References
    ----------
    .. [1] 郭亚军 (2007). 《综合评价理论、方法及应用》. 科学出版社.

    Examples
    --------
    >>> s = pd.Series({"产出": 0.5, "效益": 0.3, "满意度": 0.2})
    >>> o = pd.Series({"满意度": 0.2, "产出": 0.3, "效益": 0.5})
    >>> combine_weights(s, o).round(4).to_dict()
    {'产出': 0.4412, '效益': 0.4412, '满意度': 0.1176}
    >>> combine_weights(s, o, method="linear", alpha=0.6).round(4).to_dict()
    {'产出': 0.42, '效益': 0.38, '满意度': 0.2}
    """
    what = "combine_weights"
    method = _choice("method", method, ["multiplicative", "linear"])
    if not (_finite(alpha) and 0 <= alpha <= 1):
        raise InputError(f"{what}: expected alpha between 0 and 1, found {_describe(alpha)}")
    s, problems = _read_weights(subjective, "subjective")
    o, more = _read_weights(objective, "objective")
    _raise(InputError, f"{what}: the weights cannot be combined", problems + more)
    only_s = [label for label in s.index if label not in o.index]
    only_o = [label for label in o.index if label not in s.index]
    if only_s or only_o:
        raise InputError(f"{what}: expected the same labels on both sides, found objective "
                         f"missing {only_s} and subjective missing {only_o}")
    o = o.reindex(s.index)
    combined = s * o if method == "multiplicative" else alpha * s + (1 - alpha) * o
    if not combined.sum() > 0:
        raise InputError(f"{what}: expected at least one label with a positive weight on both "
                         f"sides, found none, so the product has nothing to normalise")
    return (combined / combined.sum()).rename("weight")
