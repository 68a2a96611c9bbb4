"""How every stage's prose writes numbers, thresholds, bands and lists (shared sentence helpers).

The prose modules (:mod:`~evalkit.stages.exante_prose`, :mod:`~evalkit.stages.keyproject_prose`,
:mod:`~evalkit.stages.selfeval_prose`) generate a report's Chinese sentences from a result; these
helpers are the parts of their wording that more than one stage uses. Numbers are formatted here,
for display only: scores with 2 decimals, shares as percentages with 1 decimal, thresholds as the
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

    from evalkit.stages.base import StageResult

__all__ = ["MAX_SPECIFIC", "NOTHING_LOST", "bands_text", "count", "lost_list",
           "numbered_suggestions", "percent", "points", "ruleset_of", "threshold"]

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


def points(x: float) -> str:
    """A score for display: 2 decimals."""
    return f"{x:.2f}"


def percent(share: float) -> str:
    """A computed share for display: a percentage with 1 decimal."""
    return f"{share * 100:.1f}%"


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
