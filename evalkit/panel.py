"""Expert panels: aggregate expert scores, flag outlying experts, measure agreement.

Ex-ante assessments (事前绩效评估) and many key-project evaluations are scored by a panel: each
expert scores each sub-item, the panel score is usually the mean after dropping the highest and the
lowest score when the panel is large enough, and the panel's agreement is checked with Kendall's
coefficient of concordance W (DOMAIN.md §4 and §8). Every expert's raw score is kept in the result,
because reviewers ask for it.

- :func:`aggregate_panel` turns the long ``expert_scores`` table into one panel score per item,
  with the spread, the experts dropped by trimming, leave-one-out outlier flags and experts who
  gave every item the same score.
- :func:`kendall_w` measures the agreement of a rater × item score table (tie-corrected);
  :func:`kendall_w_from_rank_sums` does the same from published rank sums.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from evalkit.errors import EvalkitWarning, InputError

__all__ = [
    "KendallW",
    "PanelResult",
    "aggregate_panel",
    "check_score_table",
    "kendall_w",
    "kendall_w_from_rank_sums",
]

PanelMethod = Literal["mean", "median", "trimmed"]
_METHODS: tuple[str, ...] = ("mean", "median", "trimmed")
#: Below this many experts an item's panel is too small to judge (a warning, not an error).
_SMALL_PANEL = 3
#: Leave-one-out outlier flags need at least this many other experts on the item.
_MIN_OTHERS = 3


# --------------------------------------------------------------------------------------------
# Kendall's W
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KendallW:
    """Kendall's coefficient of concordance for a panel of ``m`` raters and ``n`` items.

    Attributes
    ----------
    w : float
        Kendall's W in [0, 1]; NaN when every rater tied every item (tie-corrected W undefined).
    chi2 : float
        Friedman's chi-square, ``m (n - 1) W``.
    df : int
        Degrees of freedom, ``n - 1``.
    p_value : float
        Upper tail of the chi-square distribution at ``chi2``.
    m, n : int
        Number of raters and of items.
    s : float
        Sum of squared deviations of the rank sums from their mean.
    rank_sums : pandas.Series
        Rank sum ``R_i`` of each item, indexed by item.
    tie_correction : float
        ``Σ_j T_j`` used in the denominator (0 when no correction was applied).
    """

    w: float
    chi2: float
    df: int
    p_value: float
    m: int
    n: int
    s: float
    rank_sums: pd.Series
    tie_correction: float

    def to_frame(self) -> pd.DataFrame:
        """Return the statistics as a one-row DataFrame (the rank sums are in ``rank_sums``)."""
        return pd.DataFrame(
            {
                "w": [self.w], "chi2": [self.chi2], "df": [self.df], "p_value": [self.p_value],
                "m": [self.m], "n": [self.n], "s": [self.s],
                "tie_correction": [self.tie_correction],
            },
            index=["Kendall's W"],
        )

    def _repr_html_(self) -> str:
        return (
            self.to_frame().to_html(float_format=lambda x: f"{x:.4f}")
            + self.rank_sums.to_frame().T.to_html(float_format=lambda x: f"{x:g}")
        )


def _kendall_w(
    rank_sums: np.ndarray, m: int, tie_correction: float
) -> tuple[float, float, float, float]:
    """Return ``(S, W, chi2, p)`` from the rank sums of ``m`` raters (NaN W when undefined)."""
    n = rank_sums.size
    s = float(np.sum((rank_sums - rank_sums.mean()) ** 2))
    denominator = m**2 * (n**3 - n) - m * tie_correction
    w = 12.0 * s / denominator if denominator > 0 else np.nan
    chi2 = m * (n - 1) * w
    from scipy.special import chdtrc  # here: validating a dataset needs no scipy

    return s, w, chi2, float(chdtrc(n - 1, chi2))  # χ² survival function, n − 1 df


def _kendall_result(rank_sums: pd.Series, m: int, tie_correction: float) -> KendallW:
    """Run the core on labelled rank sums and package the result (shared by both entry points)."""
    s, w, chi2, p_value = _kendall_w(rank_sums.to_numpy(dtype=float), m, tie_correction)
    if np.isnan(w):
        warnings.warn(
            "Kendall's W is undefined: every rater gave every item the same score, so agreement "
            "cannot be measured because all scores are tied; W, chi2 and p_value are NaN.",
            EvalkitWarning,
            stacklevel=3,
        )
    return KendallW(
        w=w, chi2=chi2, df=rank_sums.size - 1, p_value=p_value, m=m, n=rank_sums.size, s=s,
        rank_sums=rank_sums, tie_correction=tie_correction,
    )


def _row_ranks(values: np.ndarray, method: str) -> np.ndarray:
    """Ranks 1…n within each row, ties by ``method`` (as ``scipy.stats.rankdata(axis=1)``).

    pandas' ranking keeps ``scipy.stats`` (≈1 s to import) out of every report kernel.
    """
    return pd.DataFrame(values).rank(axis=1, method=method).to_numpy()


def _tie_sums(ranks: np.ndarray) -> np.ndarray:
    """Return ``T_j = Σ (t³ - t)`` over the tie groups of each row of a score matrix.

    A tie group of size t contributes t (t² − 1); summing ``t_e² − 1`` over its t elements gives the
    same, and each element's group size is its max rank minus its min rank plus one.
    """
    group_size = _row_ranks(ranks, "max") - _row_ranks(ranks, "min") + 1
    return np.sum(group_size**2 - 1, axis=1)


def kendall_w(scores: pd.DataFrame, *, correct_ties: bool = True) -> KendallW:
    """Kendall's coefficient of concordance W of a panel's scores.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per rater (index = expert id), one column per item, numeric scores. From the long
        ``expert_scores`` table: ``expert_scores.pivot(index="expert_id", columns="item_id",
        values="score")``. Each rater's row is ranked within the rater, the highest score getting
        the highest rank and ties their average rank; ranking the other way round gives the same W.
    correct_ties : bool, default True
        Apply the tie correction ``m Σ T_j`` to the denominator (the DOMAIN.md §4 practice).

    Returns
    -------
    KendallW
        W, chi-square, degrees of freedom, p-value, S, the rank sums and ``Σ T_j``.

    Raises
    ------
    InputError
        Fewer than 2 raters or 2 items; a missing or non-numeric score (every such cell is named
        by expert and item).

    Warns
    -----
    EvalkitWarning
        When ``correct_ties`` is True and every rater tied every item: the denominator is zero and
        agreement cannot be measured, so W, chi2 and p_value are NaN.

    Notes
    -----
    With ``R_i`` the rank sum of item i over the m raters and ``R̄ = m (n + 1) / 2``:

    .. math::

        S = \\sum_i (R_i - \\bar R)^2, \\qquad
        W = \\frac{12 S}{m^2 (n^3 - n) - m \\sum_j T_j}, \\qquad
        T_j = \\sum_{\\text{tie groups of rater } j} (t^3 - t),

    where the ``T_j`` term is dropped when ``correct_ties`` is False. The significance test uses
    ``χ² = m (n − 1) W`` with ``n − 1`` degrees of freedom. Reversing every rater's ranking maps
    ``R_i`` to ``m (n + 1) − R_i``, which leaves S and hence W unchanged. W ≥ 0.5 with a significant
    χ² is a common acceptance bar for a panel (DOMAIN.md §4).

    References
    ----------
    .. [1] Kendall, M. G. and Babington Smith, B. (1939). The problem of m rankings. *Annals of
       Mathematical Statistics* 10(3), 275–287.
    .. [2] Siegel, S. and Castellan, N. J. (1988). *Nonparametric Statistics for the Behavioral
       Sciences*, 2nd ed. McGraw-Hill (the tie-corrected W).

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame(
    ...     [[9, 7, 8, 4, 5], [8, 6, 9, 5, 4], [9, 8, 7, 5, 5], [7, 7, 8, 3, 6]],
    ...     index=["E1", "E2", "E3", "E4"], columns=["A", "B", "C", "D", "E"])
    >>> result = kendall_w(scores)
    >>> round(result.w, 4), round(result.chi2, 4), result.df, result.tie_correction
    (0.8333, 13.3333, 4, 12.0)
    >>> result.rank_sums.tolist()
    [17.5, 13.5, 17.0, 5.5, 6.5]
    """
    if not isinstance(scores, pd.DataFrame):
        raise InputError(
            f"expected a DataFrame of scores (rows = experts, columns = items), "
            f"found {type(scores).__name__}"
        )
    m, n = scores.shape
    if m < 2 or n < 2:
        raise InputError(
            f"Kendall's W needs at least 2 raters and 2 items, found {m} rater(s) and {n} item(s)"
        )
    values = scores.apply(pd.to_numeric, errors="coerce")
    bad = values.isna().to_numpy()
    if bad.any():
        found = scores.astype(object)  # plain Python scalars print as typed
        problems = [
            f"expert {scores.index[i]!r}, item {scores.columns[j]!r}: expected a number, "
            f"found {found.iat[i, j]!r}"
            for i, j in zip(*np.nonzero(bad), strict=True)
        ]
        raise InputError("scores cannot be ranked:\n  " + "\n  ".join(problems))
    ranks = _row_ranks(values.to_numpy(dtype=float), "average")
    rank_sums = pd.Series(ranks.sum(axis=0), index=scores.columns, name="rank_sum")
    tie_correction = float(_tie_sums(ranks).sum()) if correct_ties else 0.0
    return _kendall_result(rank_sums, m, tie_correction)


def kendall_w_from_rank_sums(
    rank_sums: pd.Series | Sequence[float], m: int, *, tie_correction: float = 0.0
) -> KendallW:
    """Kendall's W from the items' rank sums, for published examples that give only those.

    Parameters
    ----------
    rank_sums : pandas.Series or sequence of float
        Rank sum ``R_i`` of each of the n items over the m raters (ranks 1..n, ties averaged). A
        Series keeps its item labels.
    m : int
        Number of raters (at least 2).
    tie_correction : float, default 0.0
        ``Σ_j T_j`` over the raters' tie groups; 0 gives the uncorrected W.

    Returns
    -------
    KendallW

    Raises
    ------
    InputError
        Fewer than 2 raters or items; a rank sum outside ``[m, m n]``; rank sums that do not add up
        to ``m n (n + 1) / 2`` (usually a typo in the source); a tie correction outside
        ``[0, m (n³ − n)]``.

    Warns
    -----
    EvalkitWarning
        When ``tie_correction`` equals ``m (n³ − n)`` (every rater tied every item): W is NaN.

    Notes
    -----
    The same computation as :func:`kendall_w`: ``S = Σ (R_i − R̄)²``,
    ``W = 12 S / (m² (n³ − n) − m Σ T_j)``, ``χ² = m (n − 1) W`` on ``n − 1`` degrees of freedom.

    References
    ----------
    .. [1] Kendall, M. G. and Babington Smith, B. (1939). The problem of m rankings. *Annals of
       Mathematical Statistics* 10(3), 275–287.

    Examples
    --------
    The DOMAIN.md §8 example: 3 raters, 12 items, no tie correction.

    >>> sums = [14.5, 21, 30.5, 6, 11, 3.5, 20, 11.5, 29, 28.5, 22.5, 36]
    >>> result = kendall_w_from_rank_sums(sums, m=3)
    >>> result.s, round(result.w, 4), round(result.chi2, 4)
    (1175.5, 0.9134, 30.141)
    """
    try:
        sums = pd.Series(rank_sums, dtype=float, name="rank_sum")
    except (TypeError, ValueError) as error:
        raise InputError(f"expected numeric rank sums, found {rank_sums!r}") from error
    n = sums.size
    if not isinstance(m, (int, np.integer)) or m < 2 or n < 2:
        raise InputError(
            f"Kendall's W needs at least 2 raters and 2 items, found m = {m!r} and {n} rank sum(s)"
        )
    out_of_range = sums[~sums.between(m, m * n)]
    if not out_of_range.empty:
        listed = ", ".join(f"item {k!r}: {v:g}" for k, v in out_of_range.items())
        raise InputError(f"expected every rank sum in [{m}, {m * n}] (m = {m}, n = {n}), found "
                         f"{listed}")
    expected_total = m * n * (n + 1) / 2
    if not np.isclose(sums.sum(), expected_total, rtol=0.0, atol=1e-9 * expected_total):
        raise InputError(
            f"expected rank sums adding up to m n (n + 1) / 2 = {expected_total:g}, "
            f"found {sums.sum():g}"
        )
    most_ties = m * (n**3 - n)
    if not 0 <= tie_correction <= most_ties:
        raise InputError(
            f"expected a tie correction Σ T_j in [0, m (n³ − n)] = [0, {most_ties}], "
            f"found {tie_correction!r}"
        )
    return _kendall_result(sums, int(m), float(tie_correction))


# --------------------------------------------------------------------------------------------
# Panel aggregation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelResult:
    """A panel's aggregated scores, with every raw score and the experts' flags.

    Attributes
    ----------
    items : pandas.DataFrame
        One row per item (per ``by`` group): the ``by`` columns, the item column, then
        ``aggregate`` (the panel score), ``n`` (experts scoring it), ``mean``, ``median``, ``sd``
        (sample, ddof = 1; NaN for one expert), ``cv`` (sd / mean; NaN when the mean is 0), ``min``,
        ``max``, ``trimmed`` (comma-joined ids of the experts dropped from the aggregate, ``""`` if
        none) and ``method``.
    scores : pandas.DataFrame
        One row per raw score (per ``by`` group, item, expert): the ``by``, item, expert and score
        columns, then ``others_mean`` and ``others_sd`` (mean and sample SD of the other experts on
        the item), ``n_others``, ``outlier`` (bool) and ``dropped`` (bool, removed by trimming).
    experts : pandas.DataFrame
        One row per expert (per ``by`` group): ``n_items``, ``n_outliers``, ``share_outliers``
        and ``constant`` (True when the expert gave every item of the group the same score,
        counted only for experts who scored at least two items).
    method : str
        ``"mean"``, ``"median"`` or ``"trimmed"``.
    trim_when_more_than, trim : int
        The trimming rule: drop ``trim`` highest and lowest scores when an item has more than
        ``trim_when_more_than`` experts.
    outlier_z : float
        The leave-one-out outlier threshold, in SDs of the other experts.
    """

    items: pd.DataFrame
    scores: pd.DataFrame
    experts: pd.DataFrame
    method: str
    trim_when_more_than: int
    trim: int
    outlier_z: float

    def to_frame(self) -> pd.DataFrame:
        """Return the per-item table."""
        return self.items

    def _repr_html_(self) -> str:
        caption = (
            f"<p>method: {self.method}; trimming: drop {self.trim} highest and lowest when more "
            f"than {self.trim_when_more_than} experts; outlier: |x − others' mean| > "
            f"{self.outlier_z:g} × others' SD</p>"
        )
        return (
            caption
            + self.items.to_html(index=False, float_format=lambda x: f"{x:.4f}")
            + self.experts.to_html(index=False, float_format=lambda x: f"{x:.4f}")
        )


def _row_statistics(
    x: np.ndarray, method: str, trim_when_more_than: int, trim: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per-row panel statistics of a NaN-padded item × expert-slot score matrix.

    Returns the statistics (aggregate, n, mean, median, sd, cv, min, max) and the boolean mask of
    scores dropped by trimming. Within a row, slots are in expert-id order, so a stable sort on the
    scores orders ties by expert id: among equal scores the expert listed first counts as lower.
    Every row must hold at least one score.
    """
    valid = ~np.isnan(x)
    n = valid.sum(axis=1)
    filled = np.where(valid, x, 0.0)
    mean = filled.sum(axis=1) / n
    squares = np.where(valid, x - mean[:, None], 0.0) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.where(n > 1, np.sqrt(squares.sum(axis=1) / (n - 1)), np.nan)
        cv = np.where(mean != 0, sd / mean, np.nan)
    stats_ = {
        "n": n,
        "mean": mean,
        "median": np.nanmedian(x, axis=1),
        "sd": sd,
        "cv": cv,
        "min": np.nanmin(x, axis=1),
        "max": np.nanmax(x, axis=1),
    }
    dropped = np.zeros_like(valid)
    if method == "trimmed":
        order = np.argsort(x, axis=1, kind="stable")  # NaN padding sorts last
        position = np.empty_like(order)
        np.put_along_axis(position, order, np.broadcast_to(np.arange(x.shape[1]), x.shape), axis=1)
        trimming = (n > trim_when_more_than)[:, None]
        dropped = valid & trimming & ((position < trim) | (position >= n[:, None] - trim))
        kept = valid & ~dropped
        stats_["aggregate"] = np.where(kept, x, 0.0).sum(axis=1) / kept.sum(axis=1)
    else:
        stats_["aggregate"] = stats_[method]
    return stats_, dropped


def _leave_one_out(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, sample SD and count of the OTHER scores in each cell's row of a NaN-padded matrix.

    The SD is set to exactly 0 when the other scores are all equal (so rounding in the mean cannot
    fake a tiny spread) and is NaN with fewer than two others.
    """
    k = x.shape[1]
    others = ~np.isnan(x)[:, None, :] & ~np.eye(k, dtype=bool)  # [row, cell, other]
    values = np.broadcast_to(x[:, None, :], others.shape)
    count = others.sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(others, values, 0.0).sum(axis=2) / count
        squares = np.where(others, values - mean[..., None], 0.0) ** 2
        sd = np.where(count > 1, np.sqrt(squares.sum(axis=2) / (count - 1)), np.nan)
    highest = np.where(others, values, -np.inf).max(axis=2)
    spread = highest - np.where(others, values, np.inf).min(axis=2)
    return mean, np.where(spread == 0, 0.0, sd), count


def _describe(row: pd.Series, columns: Sequence[str]) -> str:
    """Name a place in the long table: ``project_id 'P1', expert_id 'E3', item_id 'A1'``.

    ``row`` should come from a frame cast to object, so ids print as typed (``3``, not ``3.0``).
    """
    return ", ".join(f"{c} {row[c]!r}" for c in columns)


def check_score_table(expert_scores: pd.DataFrame, needed: list[str], note: str = "") -> None:
    """Check that ``expert_scores`` is a non-empty long DataFrame holding the ``needed`` columns.

    Raises
    ------
    InputError
        Naming the missing columns and the columns found (``note`` is appended to the expected
        list, e.g. "(comment optional)").
    """
    if not isinstance(expert_scores, pd.DataFrame):
        raise InputError(
            f"expected expert_scores as a long DataFrame, found {type(expert_scores).__name__}"
        )
    missing = [c for c in needed if c not in expert_scores.columns]
    if missing:
        raise InputError(
            f"expert_scores: expected columns {needed}{note}, missing {missing}; "
            f"found columns {list(expert_scores.columns)}"
        )
    if expert_scores.empty:
        raise InputError("expert_scores: expected at least one score, found an empty table")


def _validated_scores(
    expert_scores: pd.DataFrame, keys: list[str], item: str, expert: str, score: str
) -> pd.DataFrame:
    """Check the long table and return a sorted copy of its key and score columns (scores float).

    Every problem is collected and reported in one :class:`InputError`.
    """
    place = [*keys, expert, item]
    needed = [*place, score]
    if len(set(needed)) < len(needed):
        raise InputError(
            f"expected distinct column names for by, expert, item and score, found {needed}"
        )
    check_score_table(expert_scores, needed)

    table = expert_scores[needed].copy()
    raw = table[score].astype(object)  # plain Python scalars print as typed
    table[score] = pd.to_numeric(raw, errors="coerce").astype(float)
    where = table[place].astype(object)
    problems = []
    for label, row in where[where.isna().any(axis=1)].iterrows():
        problems.append(f"row {label!r}: expected {', '.join(place)} filled in, found "
                        f"{_describe(row, place)}")
    for label in table.index[~(np.isfinite(table[score]) & (table[score] >= 0))]:
        problems.append(
            f"{_describe(where.loc[label], place)}: expected a number ≥ 0, found {raw[label]!r}"
        )
    repeated = table[table.duplicated(place, keep=False)]
    for _, group in repeated.groupby(place, sort=False):
        problems.append(
            f"{_describe(where.loc[group.index[0]], place)}: expected one score per expert and "
            f"item, found {len(group)} ({', '.join(repr(v) for v in raw[group.index])})"
        )
    if problems:
        lines = [f"  {i}. {p}" for i, p in enumerate(problems, 1)]
        raise InputError(f"expert_scores: {len(problems)} problem(s) found:\n" + "\n".join(lines))
    try:
        return table.sort_values([*keys, item, expert], kind="stable", ignore_index=True)
    except TypeError as error:
        raise InputError(
            f"expert_scores: expected ids of one type in each of {place} so they can be sorted, "
            f"found mixed types ({error})"
        ) from None


def aggregate_panel(
    expert_scores: pd.DataFrame,
    *,
    method: PanelMethod = "trimmed",
    trim_when_more_than: int = 5,
    trim: int = 1,
    outlier_z: float = 2.0,
    item: str = "item_id",
    expert: str = "expert_id",
    score: str = "score",
    by: str | Sequence[str] | None = None,
) -> PanelResult:
    """Aggregate a panel's scores per item, and flag outlying and constant experts.

    Parameters
    ----------
    expert_scores : pandas.DataFrame
        Long table, one row per (expert, item) score, as the dataset's ``expert_scores`` table
        (``project_id, expert_id, item_id, score, comment``); other columns are ignored.
    method : {"trimmed", "mean", "median"}, default "trimmed"
        The panel score: the trimmed mean described below (the usual practice, DOMAIN.md §4), the
        plain mean, or the median.
    trim_when_more_than : int, default 5
        Trim only items scored by more than this many experts; others get the plain mean.
    trim : int, default 1
        How many highest and how many lowest scores to drop. Both numbers come from the
        jurisdiction's rule set; ``trim_when_more_than`` must be at least ``2 * trim`` so that a
        trimmed item keeps at least one score.
    outlier_z : float, default 2.0
        Flag a score more than this many SDs of the other experts away from their mean.
    item, expert, score : str
        Column names in ``expert_scores``.
    by : str or sequence of str, optional
        Grouping columns (e.g. ``"project_id"``) so a whole portfolio is aggregated in one call.

    Returns
    -------
    PanelResult
        ``items`` (one row per item), ``scores`` (every raw score with its flags) and ``experts``
        (per-expert summary); see :class:`PanelResult` for the columns.

    Raises
    ------
    InputError
        Missing columns; a missing, non-numeric, infinite or negative score; an expert scoring the
        same item twice; a missing id. All problems are listed at once, each naming the expert and
        item. Scores are not checked against the items' points: the caller knows them.

    Warns
    -----
    EvalkitWarning
        Once per call, listing the items scored by fewer than 3 experts (too small a panel to
        judge), and once listing the experts who gave every item the same score.

    Notes
    -----
    *Trimmed mean.* For an item with ``n > trim_when_more_than`` scores sorted ascending
    ``x_(1) ≤ … ≤ x_(n)``, the panel score is ``Σ_{k = trim+1}^{n-trim} x_(k) / (n − 2 trim)``;
    otherwise it is the mean. Ties are broken by expert id: the scores are sorted by (score,
    expert id), so when several experts share the highest score the one whose id sorts last is
    dropped, and when several share the lowest the one whose id sorts first. The ``trimmed`` column
    records who was dropped.

    *Outliers (leave-one-out).* Expert e's score x on an item is an outlier when
    ``|x − m_{−e}| > outlier_z · s_{−e}``, with ``m_{−e}`` and ``s_{−e}`` the mean and sample SD
    (ddof = 1) of the OTHER experts' scores on that item. Leaving the expert out keeps one extreme
    score from inflating the SD it is judged by. The rule is undefined, and the score not flagged,
    when fewer than 3 other experts scored the item or when the others all agree (``s_{−e} = 0``).

    References
    ----------
    .. [1] DOMAIN.md §4, expert panels: the panel score is usually the mean after dropping one
       highest and one lowest score when there are enough experts (practice that varies by
       jurisdiction, hence the parameters).

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({
    ...     "expert_id": ["E1", "E2", "E3", "E4", "E5", "E6"],
    ...     "item_id": ["A1"] * 6,
    ...     "score": [18, 17, 16, 19, 12, 17]})
    >>> result = aggregate_panel(long)
    >>> result.items[["item_id", "aggregate", "n", "mean", "trimmed"]]
      item_id  aggregate  n  mean trimmed
    0      A1       17.0  6  16.5   E4,E5
    >>> result.scores.loc[result.scores["outlier"], "expert_id"].tolist()
    ['E5']
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    if method not in _METHODS:
        raise InputError(f"expected method in {list(_METHODS)}, found {method!r}")
    if not isinstance(trim, (int, np.integer)) or trim < 1:
        raise InputError(f"expected trim as an integer ≥ 1, found {trim!r}")
    if not isinstance(trim_when_more_than, (int, np.integer)) or trim_when_more_than < 2 * trim:
        raise InputError(
            f"expected trim_when_more_than as an integer ≥ 2 × trim = {2 * trim} so that a trimmed "
            f"item keeps a score, found {trim_when_more_than!r}"
        )
    if not outlier_z > 0:
        raise InputError(f"expected outlier_z > 0, found {outlier_z!r}")
    table = _validated_scores(expert_scores, keys, item, expert, score)

    # Lay the scores out as an item × expert-slot matrix (slots in expert-id order, NaN padding).
    row_keys = [*keys, item]
    grouped = table.groupby(row_keys, sort=False)
    row, slot = grouped.ngroup().to_numpy(), grouped.cumcount().to_numpy()
    x = np.full((row.max() + 1, slot.max() + 1), np.nan)
    x[row, slot] = table[score].to_numpy()

    statistics, dropped = _row_statistics(x, method, trim_when_more_than, trim)
    others_mean, others_sd, n_others = _leave_one_out(x)
    scores = table.assign(
        others_mean=others_mean[row, slot],
        others_sd=others_sd[row, slot],
        n_others=n_others[row, slot],
        dropped=dropped[row, slot],
    )
    scores["outlier"] = (
        (scores["n_others"] >= _MIN_OTHERS)
        & (scores["others_sd"] > 0)
        & ((scores[score] - scores["others_mean"]).abs() > outlier_z * scores["others_sd"])
    )
    scores = scores[[*row_keys, expert, score, "others_mean", "others_sd", "n_others", "outlier",
                     "dropped"]]

    items = table[row_keys].drop_duplicates(ignore_index=True)
    items = items.assign(**{name: statistics[name] for name in
                            ("aggregate", "n", "mean", "median", "sd", "cv", "min", "max")})
    dropped_ids = (
        scores.loc[scores["dropped"]].groupby(row_keys, sort=False)[expert]
        .agg(lambda ids: ",".join(str(i) for i in ids))
        .astype(str)
        .rename("trimmed")
    )
    items = items.join(dropped_ids, on=row_keys)
    items["trimmed"] = items["trimmed"].fillna("")
    items["method"] = method

    experts = (
        scores.groupby([*keys, expert], sort=True)
        .agg(n_items=(score, "size"), n_outliers=("outlier", "sum"),
             share_outliers=("outlier", "mean"), low=(score, "min"), high=(score, "max"))
        .reset_index()
    )
    experts["constant"] = (experts["n_items"] >= 2) & (experts["low"] == experts["high"])
    experts = experts.drop(columns=["low", "high"])

    _warn_about_panel(items[items["n"] < _SMALL_PANEL], experts[experts["constant"]], row_keys,
                      [*keys, expert])
    return PanelResult(
        items=items, scores=scores, experts=experts, method=method,
        trim_when_more_than=int(trim_when_more_than), trim=int(trim), outlier_z=float(outlier_z),
    )


def _warn_about_panel(
    small: pd.DataFrame, constant: pd.DataFrame, item_keys: list[str], expert_keys: list[str]
) -> None:
    """Emit one warning for items with too few experts and one for constant experts."""
    if not small.empty:
        listed = "; ".join(_describe(r, item_keys) + f" ({r['n']} expert(s))"
                           for _, r in small[[*item_keys, "n"]].astype(object).iterrows())
        warnings.warn(
            f"{len(small)} item(s) scored by fewer than {_SMALL_PANEL} experts, too small a panel "
            f"to judge: {listed}",
            EvalkitWarning,
            stacklevel=3,
        )
    if not constant.empty:
        listed = "; ".join(_describe(r, expert_keys)
                           for _, r in constant[expert_keys].astype(object).iterrows())
        warnings.warn(
            f"{len(constant)} expert(s) gave every item the same score: {listed}",
            EvalkitWarning,
            stacklevel=3,
        )
