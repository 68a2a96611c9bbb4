"""Monitoring report and rectification notice sentences (绩效运行监控, 整改通知书), from a
:class:`~evalkit.stages.monitoring.MonitoringResult`.

:func:`conclusion` and :func:`deviations` for the monitoring report; :func:`findings`,
:func:`required_measures` and :func:`deadline` for the 整改通知书. Numbers are formatted for
display only (:mod:`evalkit.stages.prose`); the result stays unrounded.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from evalkit.stages.monitoring import MonitoringResult
from evalkit.stages.prose import percent, points

__all__ = ["conclusion", "deadline", "deviations", "findings", "opening", "required_measures"]


def _date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def _light(light: str) -> str:
    return f"“{light}灯”"


def _off_track(result: MonitoringResult) -> pd.DataFrame:
    """Indicators not on the best light, worst first (sheet order within a light)."""
    order = result.rules["light_order"]
    table = result.indicators[result.indicators["deviating"]]
    return table.assign(_rank=table["light"].map(order.index)).sort_values(
        "_rank", kind="stable").drop(columns="_rank")


def conclusion(result: MonitoringResult) -> str:
    """The conclusion paragraph: time progress, budget light, indicator lights, the expected
    gap, the review score and whether a rectification notice is due.

    Examples
    --------
    >>> from evalkit.stages.monitoring import evaluate
    >>> from evalkit.io import load_dataset
    >>> print(conclusion(evaluate(load_dataset("sample"), "XM-2020-008")))  # doctest: +ELLIPSIS
    截至 2020年7月31日（第 7 月，时间进度 58.33%），项目支出 ... 万元，预算执行率 ...，执行进度为时间进度的 ...，预算执行亮“红灯”。...
    """
    b, p = result.budget, result.projection
    counts = "、".join(f"{light}灯 {n} 条" for light, n in result.light_counts().items())
    relative = ("" if pd.isna(p["relative_gap"])
                else f"，相对偏差 {percent(p['relative_gap'])}")
    verdict = ("按规则须下发整改通知书：" + "；".join(result.reasons) + "。") if result.flagged \
        else (f"偏差未超过 {result.rules['gap_points']:g} 个百分点，监控审核得分不低于 "
              f"{result.rules['min_score']:g} 分，无需下发整改通知书。")
    return (f"截至 {_date(result.checkpoint)}（第 {result.month} 月，时间进度 "
            f"{percent(result.time_progress)}），项目支出 {b['spent_ytd']:.2f} 万元，预算执行率 "
            f"{percent(b['execution_ytd'])}，执行进度为时间进度的 {percent(b['ratio'])}，预算执行亮"
            f"{_light(b['light'])}。{len(result.indicators)} 条三级指标中{counts}，"
            f"项目绩效目标亮{_light(result.light)}。预计全年预算执行率 {percent(p['execution_rate'])}，"
            f"绩效目标完成率 {percent(p['completion_rate'])}，相差 {abs(p['gap_points']):.2f} 个百分点"
            f"{relative}。监控表审核得分 {points(result.review_score)} 分。{verdict}")


def deviations(result: MonitoringResult) -> str:
    """The indicators off track (worst light first), each with its progress and whether the
    department explained it."""
    off = _off_track(result)
    if off.empty:
        return "全部三级指标进度正常，无需说明偏差。"
    lines = []
    for i, row in enumerate(off.itertuples(index=False), 1):
        progress = row.progress_text or "未填报"
        told = (f"偏差原因：{row.cause}，{row.explanation}" if row.cause and row.explanation
                else "未说明偏差原因")
        lines.append(f"{i}. {row.name}（{row.target_text}）截至监控月 {progress}，"
                     f"亮{_light(row.light)}；{told}")
    return f"进度偏离的指标 {len(off)} 条：\n\n" + "；\n".join(lines) + "。"


def opening(result: MonitoringResult, unit_name: str, project_name: str) -> str:
    """The notice's first paragraph: to whom, about what, on which checkpoint and rule."""
    return (f"{unit_name}：根据预算绩效运行监控（“双监控”）工作安排，经对你单位“{project_name}”"
            f"截至 {_date(result.checkpoint)} 的绩效监控表进行审核，该项目存在以下问题（预计全年预算"
            f"执行率与绩效目标完成率偏差超过 {result.rules['gap_points']:g} 个百分点或监控审核得分"
            f"低于 {result.rules['min_score']:g} 分的项目须整改），现将整改事项通知如下。")


def findings(result: MonitoringResult) -> str:
    """The numbered 存在问题 of a rectification notice."""
    items = list(result.reasons)
    b = result.budget
    if b["light"] != result.rules["light_order"][-1]:
        items.append(f"预算执行进度滞后：执行率 {percent(b['execution_ytd'])}，仅为时间进度的 "
                     f"{percent(b['ratio'])}（亮{_light(b['light'])}）")
    off = _off_track(result)
    if not off.empty:
        named = "、".join(f"{r.name}（{r.light}灯）" for r in off.head(5).itertuples(index=False))
        more = f"等 {len(off)} 条" if len(off) > 5 else ""
        items.append(f"绩效目标进度偏离：{named}{more}")
    lost = result.review[result.review["lost"] > 1e-9]
    if not lost.empty:
        items.append("监控表填报质量不足：" + "、".join(
            f"{r.item}扣 {points(r.lost)} 分" for r in lost.itertuples(index=False)))
    if not items:
        return "该项目未触发整改条件，无需整改。"
    return "\n".join(f"{i}. {text}。" for i, text in enumerate(items, 1))


def required_measures(result: MonitoringResult) -> str:
    """The numbered 整改要求 that answer the findings."""
    items = []
    p = result.projection
    if abs(p["gap_points"]) > result.rules["gap_points"]:
        if p["completion_rate"] < p["execution_rate"]:
            items.append("对照绩效目标逐项核查产出和效益，分析资金已支出而目标未达成的原因，"
                         "提出确保全年目标完成的具体措施")
        else:
            items.append("核查预算执行滞后的原因，加快资金拨付和支付进度，或按程序调整预算")
    if result.budget["light"] != result.rules["light_order"][-1]:
        items.append("制定分月用款计划，按时间进度推进预算执行")
    off = _off_track(result)
    if (off["light"] == result.rules["light_order"][0]).any():
        items.append("对亮红灯的指标逐项分析偏差原因，制定纠偏措施并明确责任人和完成时限")
    if (off["light"] == result.rules["over_run"]).any():
        items.append(f"对超进度（{result.rules['over_run']}灯）指标说明原因，目标值明显偏低的在下一"
                     f"年度申报时据实调整")
    lost = set(result.review.loc[result.review["lost"] > 1e-9, "measure"])
    fixes = {"completeness": "补齐监控表中未填报的完成值和完成目标可能性",
             "deviations_explained": "补充偏差指标的偏差原因和原因说明",
             "measures": "填写纠偏措施",
             "evidence": "补充佐证材料"}
    items += [text for measure, text in fixes.items() if measure in lost]
    if not items:
        return "无。"
    return "\n".join(f"{i}. {text}。" for i, text in enumerate(items, 1))


def deadline(result: MonitoringResult) -> str:
    """The deadline sentence of a notice (rule set ``rectification_days`` after the checkpoint).

    Examples
    --------
    >>> from evalkit.stages.monitoring import evaluate
    >>> from evalkit.io import load_dataset
    >>> print(deadline(evaluate(load_dataset("sample"), "XM-2020-008")))
    请于 2020年8月30日 前完成整改（监控时点后 30 日内），并将整改情况和佐证材料书面报送财政部门。
    """
    return (f"请于 {_date(result.deadline)} 前完成整改（监控时点后 "
            f"{result.rules['rectification_days']} 日内），并将整改情况和佐证材料书面报送财政部门。")
