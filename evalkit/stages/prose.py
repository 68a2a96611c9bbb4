"""How every stage's prose writes numbers, thresholds, bands and lists (shared sentence helpers).

The prose modules (:mod:`~evalkit.stages.exante_prose`, :mod:`~evalkit.stages.keyproject_prose`,
:mod:`~evalkit.stages.selfeval_prose`) generate a report's Chinese sentences from a result; these
helpers are the parts of their wording that more than one stage uses. Numbers are formatted here,
for display only: scores with 2 decimals, shares as percentages with 2 decimals (the report's
one number-format policy, :data:`evalkit.report.DISPLAY_DECIMALS`), thresholds as the
rule set writes them; the results themselves stay unrounded. The sentences may hold Markdown
(numbered lists); renderers escape them for HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from evalkit.errors import InputError
from evalkit.rules import Band, RuleSet, load_ruleset

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.sensitivity import StabilityResult
    from evalkit.stages.base import StageResult

__all__ = ["FRAGILE", "MAX_SPECIFIC", "NOTHING_LOST", "ROBUST", "bands_text", "count",
           "lost_list", "numbered_suggestions", "percent", "points", "robustness", "ruleset_of",
           "threshold"]

#: Counts written in words ("去掉一个最高分", "五个维度"); larger counts stay in digits.
_COUNT_WORDS = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九",
                10: "十"}


#: Every suggestions list is topped up to this many items (:func:`numbered_suggestions`).
_MIN_SUGGESTIONS = 3
#: Below this many points an item counts as having lost nothing (float noise of averages and
#: rescaling).
NOTHING_LOST = 1e-9
#: At most this many suggestions (or weak indicators of a paragraph) come from the weakest parts
#: of a result, so that a list stays within five.
MAX_SPECIFIC = 3


#: How the robustness paragraph reads a probability that the verdict holds [I]: at or above
#: ROBUST the verdict is called robust, below FRAGILE sensitive to the weights (wording only; the
#: probability itself is always stated).
ROBUST, FRAGILE = 0.95, 0.80


def points(x: float) -> str:
    """A score for display: 2 decimals."""
    return f"{x:.2f}"


def percent(share: float) -> str:
    """A computed share for display: the report's percentage format
    (:data:`evalkit.report.DISPLAY_DECIMALS` decimals, the same as in its tables)."""
    from evalkit.report import percent as display_percent

    return display_percent(share)


def threshold(share: float) -> str:
    """A rule-set threshold share as written (0.6 → ``60%``)."""
    return f"{round(share * 100, 6):g}%"


def count(n: int) -> str:
    """A count in words up to ten (``五个维度``), in digits above."""
    return _COUNT_WORDS.get(n, str(n))


def ruleset_of(result: StageResult, ruleset: str | Path | RuleSet) -> RuleSet:
    """Load ``ruleset`` and check it is the one ``result`` was computed with (by sha256)."""
    rs = load_ruleset(ruleset)
    if rs.sha256 != result.ruleset.get("ruleset_sha256"):
        raise InputError(
            f"expected the rule set the result was computed with "
            f"({result.ruleset.get('ruleset_id')}, sha256 "
            f"{str(result.ruleset.get('ruleset_sha256'))[:12]}), found {rs.label}"
        )
    return rs


def bands_text(bands: tuple[Band, ...]) -> str:
    """Half-open bands, highest first, in words (``90 分及以上为“优”，80 分（含）至 90 分为“良”…``)."""
    parts = []
    for band in bands:
        if band.high == float("inf"):
            parts.append(f"{band.low:g} 分及以上为“{band.label}”")
        elif band.low <= 0:
            parts.append(f"低于 {band.high:g} 分为“{band.label}”")
        else:
            parts.append(f"{band.low:g} 分（含）至 {band.high:g} 分为“{band.label}”")
    return "，".join(parts)


def lost_list(frame: pd.DataFrame, top: int, nouns: tuple[str, str], describe) -> str:
    """The numbered list of the ``top`` largest lost points of ``frame`` (column ``lost``),
    each row described by ``describe(row)``, after a line with the total lost. ``nouns`` are
    the words for "every item" and "items" (各评分项, 评分项)."""
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InputError(f"expected top as an integer ≥ 1, found {top!r}")
    losing = frame[frame["lost"] > NOTHING_LOST]
    if losing.empty:
        return f"{nouns[0]}均得满分，无扣分。"
    largest = losing.sort_values("lost", ascending=False, kind="stable").head(top)
    lines = [f"{i}. {describe(row)}" for i, row in enumerate(largest.itertuples(index=False), 1)]
    which = "扣分最多的" if len(losing) > top else "扣分的"
    head = f"全部{nouns[1]}合计扣 {points(losing['lost'].sum())} 分，{which} {len(lines)} 项如下："
    return head + "\n\n" + "；\n".join(lines) + "。"


def numbered_suggestions(specific: list[str], general: Sequence[str]) -> str:
    """The project's own suggestions, topped up from ``general`` to at least
    ``_MIN_SUGGESTIONS``, as a numbered list (one per line)."""
    items = specific + list(general[: max(0, _MIN_SUGGESTIONS - len(specific))])
    return "\n".join(f"{i}. {text}" for i, text in enumerate(items, 1))


def robustness(stability: StabilityResult, project_id: object, noun: str,
               fixed_reason: str = "") -> str:
    """The robustness paragraph: probability the verdict holds, and distance to the band line.

    Parameters
    ----------
    stability : StabilityResult
        From :func:`evalkit.sensitivity.project_stability` (Dirichlet draws of the level-1
        weights around the rule set's).
    project_id : object
    noun : str
        What the verdict is called: 评价等级, 评估结论.
    fixed_reason : str, optional
        Why a fixed verdict cannot move (一票否决 …), said instead of the probability.

    Returns
    -------
    str

    Notes
    -----
    The probability is ``p_hold`` of :func:`evalkit.sensitivity.grade_stability` (SMAA
    acceptability of the verdict's band; Lahdelma & Salminen 2001), written with 1 decimal; the
    distance is ``min_b |total − b|`` over the band lines, with 2 decimals ("不足 0.01 分" below
    that). :data:`ROBUST` and :data:`FRAGILE` choose the closing words only.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from evalkit.rules import load_ruleset
    >>> from evalkit.sensitivity import WeightModel, grade_stability
    >>> m = WeightModel(("P1",), ("A", "B"), np.array([50.0, 50.0]),
    ...     pd.DataFrame({"level1": ["A", "B"], "level2": ["A1", "B1"], "parent": [0, 1]}),
    ...     np.array([[50.0, 50.0]]), np.array([[47.5, 47.5]]), np.array([95.0]), ("优",), ("",),
    ...     load_ruleset("national").grades)
    >>> print(robustness(grade_stability(m, draws=1000), "P1", "评价等级"))
    稳健性分析：以规则集的一级指标权重为中心，按 Dirichlet 分布（集中度 100）随机抽取 1000 组权重重新计分，评价等级保持“优”的概率为 100.00%；总分 95.00 分，距最近的分界线（90 分）5.00 分。评价等级对权重取值稳健。
    """
    row = stability.of(str(project_id))
    gap = float(row["distance"])
    distance = "不足 0.01 分" if gap < 0.005 else f"{points(gap)} 分"
    where = f"总分 {points(row['total'])} 分，距最近的分界线（{float(row['boundary']):g} 分）{distance}"
    if row["fixed"]:
        return (f"稳健性分析：{fixed_reason or '该结论不由总分决定'}，调整权重不改变{noun}"
                f"“{row['verdict']}”；{where}。")
    p = float(row["p_hold"])
    if p >= ROBUST:
        closing = f"{noun}对权重取值稳健。"
    elif p >= FRAGILE:
        closing = f"{noun}对权重取值较为稳健，但权重变化时存在改变的可能。"
    else:
        closing = (f"{noun}对权重取值较为敏感，总分接近分界线，使用该结论时宜结合各项指标得分"
                   f"综合判断。")
    concentration = ("" if stability.concentration is None
                     else f"（集中度 {stability.concentration:g}）")
    return (f"稳健性分析：以规则集的一级指标权重为中心，按 Dirichlet 分布{concentration}随机抽取 "
            f"{stability.draws} 组权重重新计分，{noun}保持“{row['verdict']}”的概率为 "
            f"{percent(p)}；{where}。{closing}")
