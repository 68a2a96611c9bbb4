"""Target-sheet review sentences (绩效目标审核), from a
:class:`~evalkit.stages.target_review.TargetReviewResult`.

:func:`conclusion` (the review's verdict and the last round's findings by rule) and
:func:`rounds` (how the comments moved from round to round). Rules are named in Chinese words;
the rule codes never reach the prose.
"""

from __future__ import annotations

from evalkit.stages.target_review import NEW, OPEN, RESOLVED, RULES, TargetReviewResult

__all__ = ["conclusion", "rounds"]


def conclusion(result: TargetReviewResult) -> str:
    """The conclusion paragraph: rounds, the last round's findings by rule, the verdict.

    Parameters
    ----------
    result : TargetReviewResult

    Returns
    -------
    str

    References
    ----------
    .. [1] DOMAIN.md §12, target review.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.stages.target_review import assess
    >>> sheets = pd.DataFrame({"round": [1, 1, 2, 2], "indicator_id": ["I1", "I2"] * 2,
    ...     "level1": ["产出指标", "满意度指标"] * 2, "level2": ["数量指标", "服务对象满意度指标"] * 2,
    ...     "name": ["培训人次", "学员满意度"] * 2, "comparator": "≥",
    ...     "target": ["500", "有所提高", "500", "90"], "unit": ["人次", "", "人次", "%"],
    ...     "weight": [80, 10, 80, 10]})
    >>> result = assess({"project_id": "P1", "project_name": "培训项目", "is_poverty": False},
    ...                 sheets)
    >>> print(conclusion(result))
    该项目绩效目标表共审核 2 轮，第 2 轮仍有审核意见 3 条：必备指标类别缺失 3 条。审核结论：修改完善后重新报送。
    """
    final = result.final
    head = f"该项目绩效目标表共审核 {len(result.rounds)} 轮"
    if final.empty:
        return f"{head}，第 {result.last_round} 轮未发现问题。审核结论：{result.conclusion}。"
    by_rule = [f"{name} {int((final['rule'] == name).sum())} 条" for name in RULES.values()
               if (final["rule"] == name).any()]
    return (f"{head}，第 {result.last_round} 轮仍有审核意见 {len(final)} 条："
            f"{'，'.join(by_rule)}。审核结论：{result.conclusion}。")


def rounds(result: TargetReviewResult) -> str:
    """One sentence per round: its comments, and from round 2 on how many were resolved, are
    still open and are new, and how many indicators were changed.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.stages.target_review import assess
    >>> sheets = pd.DataFrame({"round": [1, 2], "indicator_id": "I1", "level1": "产出指标",
    ...     "level2": "数量指标", "name": "培训人次", "comparator": "≥",
    ...     "target": ["有所提高", "500"], "unit": ["", "人次"], "weight": 90})
    >>> result = assess({"project_id": "P1", "project_name": "培训项目", "is_poverty": False},
    ...                 sheets)
    >>> print(rounds(result))
    第 1 轮：提出审核意见 6 条。
    第 2 轮：修改指标 1 项；上轮意见已解决 2 条、仍未解决 4 条，新增意见 0 条，本轮共 4 条。
    """
    lines = []
    for r in result.rounds:
        counts = result.status_counts(r)
        if r == result.rounds[0]:
            lines.append(f"第 {r} 轮：提出审核意见 {counts[NEW]} 条。")
            continue
        changed = result.changes.loc[result.changes["round"] == r, "indicator_id"].nunique()
        lines.append(f"第 {r} 轮：修改指标 {changed} 项；上轮意见已解决 {counts[RESOLVED]} 条、"
                     f"仍未解决 {counts[OPEN]} 条，新增意见 {counts[NEW]} 条，"
                     f"本轮共 {counts[OPEN] + counts[NEW]} 条。")
    return "\n".join(lines)
