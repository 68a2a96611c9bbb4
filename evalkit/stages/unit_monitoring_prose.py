"""Sentences of the unit monitoring report (部门整体支出绩效运行监控报告), from a
:class:`~evalkit.stages.unit_monitoring.UnitMonitoringResult`.

Numbers are formatted for display only (:mod:`evalkit.stages.prose`); the result stays unrounded.
"""

from __future__ import annotations

from evalkit.stages.monitoring_prose import _date, _light
from evalkit.stages.prose import percent, points
from evalkit.stages.unit_monitoring import UnitMonitoringResult

__all__ = ["conclusion", "projects", "tasks"]


def _spread(counts: dict[str, int], noun: str) -> str:
    return "、".join(f"{light}灯 {n} {noun}" for light, n in counts.items() if n) or "无"


def conclusion(result: UnitMonitoringResult) -> str:
    """The conclusion paragraph: time progress, the budget light, the key-task lights, the
    unit's light and the review score.

    Examples
    --------
    >>> from evalkit.stages.unit_monitoring import evaluate
    >>> from evalkit.io import load_dataset
    >>> print(conclusion(evaluate(load_dataset("sample"), "DW001")))  # doctest: +ELLIPSIS
    截至 2020年7月31日（第 7 月，时间进度 58.33%），县委办公室支出 281.13 万元，预算执行率 31.37%，执行进度为时间进度的 53.78%，预算执行亮“红灯”。...
    """
    b = result.budget
    return (f"截至 {_date(result.checkpoint)}（第 {result.month} 月，时间进度 "
            f"{percent(result.time_progress)}），{result.unit_name}支出 {b['spent_ytd']:.2f} 万元，"
            f"预算执行率 {percent(b['execution_ytd'])}，执行进度为时间进度的 {percent(b['ratio'])}，"
            f"预算执行亮{_light(b['light'])}。{len(result.tasks)} 项重点工作中"
            f"{_spread(result.light_counts(), '项')}，单位重点工作亮{_light(result.light)}。预计全年"
            f"执行 {b['expected_spent']:.2f} 万元（执行率 {percent(b['expected_spent'] / b['budget'])}）。"
            f"单位监控表审核得分 {points(result.review_score)} 分。")


def tasks(result: UnitMonitoringResult) -> str:
    """The key tasks off track (in table order), each with its progress and whether the unit
    explained it."""
    off = result.tasks[result.tasks["deviating"]]
    if off.empty:
        return "全部重点工作进度正常，无需说明偏差。"
    lines = []
    for i, row in enumerate(off.itertuples(index=False), 1):
        told = (f"偏差原因：{row.cause}，{row.explanation}" if row.cause and row.explanation
                else "未说明偏差原因")
        lines.append(f"{i}. {row.task}（{row.target_text}）截至监控月 {row.progress_text or '未填报'}，"
                     f"亮{_light(row.light)}；{told}")
    return f"进度偏离的重点工作 {len(off)} 项：\n\n" + "；\n".join(lines) + "。"


def projects(result: UnitMonitoringResult) -> str:
    """The roll-up of the unit's monitored projects."""
    n = len(result.projects)
    if n == 0:
        return "本单位无纳入绩效监控的项目。"
    notices = (f"其中 {result.n_project_notices} 个项目须下发整改通知书。"
               if result.n_project_notices else "没有须下发整改通知书的项目。")
    return (f"本单位纳入绩效监控的项目 {n} 个：目标完成{_spread(result.project_light_counts(), '个')}；"
            f"预算执行{_spread(result.project_budget_light_counts(), '个')}。{notices}")
