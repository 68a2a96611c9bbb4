"""Sentences of the result-application report (评价结果应用报告), generated from its figures."""

from __future__ import annotations

from evalkit.stages.annual_summary_prose import wan
from evalkit.stages.result_application import ResultApplication


def conclusion(result: ResultApplication) -> str:
    """The conclusion: projects per grade, how many are adjusted, the total change."""
    s = result.summary()
    grades = "、".join(f"{g}{n}个" for g, n in s["by_grade"].items())
    cut = result.projects[result.projects["change"] < 0]
    up = result.projects[result.projects["change"] > 0]
    text = (f"{result.year}年度共{s['n_projects']}个项目完成绩效自评，评价等级为{grades}。"
            f"按规则集的评价结果应用规则，建议次年预算压减或取消{len(cut)}个项目")
    if len(up):
        text += f"、增加{len(up)}个项目"
    text += (f"，其中取消{s['n_cancelled']}个；本年预算合计{wan(s['budget'])}万元，建议次年安排"
             f"{wan(s['suggested'])}万元，调整{wan(s['adjustment'])}万元。")
    return text


def rules(result: ResultApplication) -> str:
    """The rule table in words, labelled as policy (each line one rule)."""
    lines = ["以下应用规则均为政策参数（所用规则集的“评价结果应用”部分），应按本地区评价结果应用办法设定："]
    for row in result.actions.itertuples(index=False):
        change = ("预算不变" if row.change == 0 else f"按本年预算{'增加' if row.change > 0 else '压减'}"
                  f"{abs(row.change) * 100:g}%")
        lines.append(f"{row.rule}：{row.action}（{change}）。")
    return "\n".join(lines)


def units(result: ResultApplication) -> str:
    """Which units' budgets change, largest cut first."""
    changed = result.units[result.units["adjustment"] != 0].sort_values("adjustment")
    if changed.empty:
        return "各单位次年项目预算均按本年安排，无需调整。"
    listed = "、".join(f"{r.unit_name}（{wan(r.adjustment)}万元）"
                       for r in changed.itertuples(index=False))
    return f"涉及调整的预算单位{len(changed)}个：{listed}。"
