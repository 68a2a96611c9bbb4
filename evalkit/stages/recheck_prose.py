"""Self-evaluation re-check sentences (自评复核意见), from a
:class:`~evalkit.stages.recheck.RecheckResult`.

:func:`conclusion`, :func:`findings` and :func:`opinion`. Numbers are formatted for display only;
the result stays unrounded.
"""

from __future__ import annotations

import math

from evalkit.stages.prose import points
from evalkit.stages.recheck import KINDS, RecheckResult

__all__ = ["conclusion", "findings", "opinion"]

#: What the department is asked to do, per kind of discrepancy.
REQUESTS = {
    KINDS["weights"]: "按规则集核对各级指标分值，使一级指标分值与三级指标分值合计一致、总分为 100 分",
    KINDS["above_points"]: "将超过分值的得分调整至不超过该指标分值",
    KINDS["unexplained_deduction"]: "目标已完成的指标应得满分；确需扣分的，补充偏差原因分析及改进措施",
    KINDS["rounding"]: "按规则集的取整口径重新计算各行得分",
    KINDS["convention"]: "按规则集的计分口径重新计算得分",
    KINDS["score"]: "按实际完成值与年度指标值重新计算得分，并补充佐证材料",
    KINDS["missing_score"]: "补填自评得分",
    KINDS["confirm"]: "确认指标方向（正向或反向）并在指标性质中注明",
    KINDS["sum"]: "重新汇总总分，使其等于各项得分之和",
    KINDS["total"]: "按复核后的各项得分更正总分",
}


def conclusion(result: RecheckResult) -> str:
    """The conclusion: the department's total, evalkit's, and how many discrepancies of which kind.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.stages.recheck import assess
    >>> ind = pd.DataFrame({"project_id": "P1", "indicator_id": ["I01"], "level1": "产出指标",
    ...     "level2": "数量指标", "name": "培训人次", "comparator": "≥", "target": [500],
    ...     "unit": "人次", "weight": [90], "actual": [520], "explanation": ""})
    >>> scores = pd.DataFrame({"project_id": "P1", "row_id": ["I01", "预算执行率", "总分"],
    ...     "item": ["培训人次", "预算执行率", "总分"], "points": [90, 10, 100],
    ...     "score": [90, 10, 100], "cell": ["H12", "I7", "H13"]})
    >>> print(conclusion(assess({"project_id": "P1", "budget": 50.0, "spent": 50.0}, ind, scores)))
    部门自评总分 100.00 分（优），复核总分 100.00 分（优）。复核未发现自评得分与评分规则不符之处，自评无误。
    """
    mine = ("未填" if math.isnan(result.self_total)
            else f"{points(result.self_total)} 分（{result.self_grade}）")
    text = f"部门自评总分 {mine}，复核总分 {points(result.total)} 分（{result.grade}）。"
    found = result.discrepancies
    if found.empty:
        return text + "复核未发现自评得分与评分规则不符之处，自评无误。"
    counts = found["kind"].value_counts()
    kinds = "、".join(f"{kind} {n} 处" for kind, n in counts.items())
    return text + f"复核发现差异 {len(found)} 处：{kinds}，自评需修正。"


def findings(result: RecheckResult) -> list[str]:
    """One sentence per discrepancy: where (the row and its cell), its kind and the evidence."""
    out = []
    for i, row in enumerate(result.discrepancies.itertuples(index=False), 1):
        where = f"（单元格 {row.cell}）" if row.cell else ""
        out.append(f"{i}. “{row.item}”{where}：{row.kind}。{row.evidence}。")
    return out


def opinion(result: RecheckResult) -> str:
    """The 复核意见: what the department should correct, one request per kind found."""
    found = result.discrepancies
    if found.empty:
        return "经复核，该项目自评得分符合评分规则，同意自评结果。"
    asks = [REQUESTS[k] for k in dict.fromkeys(found["kind"])]
    return ("经复核，该项目自评存在以下需修正的问题，请主管部门组织实施单位：" +
            "；".join(f"（{i}）{a}" for i, a in enumerate(asks, 1)) +
            f"。复核总分为 {points(result.total)} 分（{result.grade}）。")
