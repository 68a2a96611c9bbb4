"""Sentences of the annual summary (全面实施预算绩效管理工作总结), generated from its figures.

The structure is the seed's (一、总体开展情况; 二、具体工作措施 with its numbered parts;
三、下一步工作计划). Every number comes from an :class:`~evalkit.stages.annual_summary.Fact`
and is formatted here, for display only; :func:`notes` writes the footnote of each figure (how
it was computed). Parts with no figure behind them (the county's own documents, its training)
are marked 【待补充：…】 for the consultant: the report is a draft to edit.
"""

from __future__ import annotations

from collections.abc import Sequence

from evalkit.stages.annual_summary import AnnualSummary
from evalkit.stages.result_application import ResultApplication

#: A part of the draft the data cannot write.
TO_FILL = "【待补充：{}】"


def number(summary: AnnualSummary, key: str) -> str:
    """A fact for display: 万元 with up to 2 decimals (no trailing zeros), shares as percentages
    with 2 decimals, scores and points with 2 decimals, counts as integers.

    >>> from evalkit.stages.annual_summary import Fact
    >>> class S: facts = {"a": Fact("a", 28784.55, "万元", ""), "r": Fact("r", 0.92529, "%", "")}
    >>> number(S, "a"), number(S, "r")
    ('28784.55', '92.53%')
    """
    fact = summary.facts[key]
    if fact.unit == "万元":
        return wan(fact.value)
    if fact.unit == "%":
        return f"{fact.value * 100:.2f}%"
    if fact.unit in ("分", "百分点"):
        return f"{fact.value:.2f}"
    return f"{fact.value:.0f}"


def wan(value: float) -> str:
    """An amount in 万元 as the seed writes it: 2 decimals at most, no trailing zeros.

    >>> wan(117230.99999999997), wan(104.0), wan(-536.7835)
    ('117231', '104', '-536.78')
    """
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def notes(summary: AnnualSummary, keys: Sequence[str]) -> str:
    """The footnotes of a paragraph: one line per figure present, "注n  figure unit：how"."""
    lines = []
    for i, key in enumerate((k for k in keys if summary.has(k)), start=1):
        fact = summary.facts[key]
        unit = "" if fact.unit == "%" else f" {fact.unit}"
        lines.append(f"注{i}  {number(summary, key)}{unit}：{fact.note}。")
    return "\n".join(lines)


def title(county: str, year: int) -> str:
    """The summary's title."""
    return f"{county}{year}年全面实施预算绩效管理工作总结"


def letter(county: str, year: int, bureau: str, addressee: str, date: str) -> str:
    """The covering 请示 to the county government (optional): who asks, for what, the annex."""
    return "\n".join([
        f"关于上报{year}年度全面实施预算绩效管理总结报告的请示",
        f"{addressee}：",
        f"根据《中共中央 国务院关于全面实施预算绩效管理的意见》及上级财政部门关于报送年度全面实施"
        f"预算绩效管理工作总结的要求，现将{county}{year}年全面实施预算绩效管理工作总结随文报上，"
        f"请审定后按程序报送上级党委、人民政府，并抄送上级财政部门。",
        "妥否，请批示。",
        f"附件：{title(county, year)}",
        bureau, date or TO_FILL.format("成文日期")])


def introduction() -> str:
    """The opening paragraph (the seed's purpose statement, no figures)."""
    return ("为规范和加强财政预算资金的管理，推动财政预算资金聚力增效，提高公共服务供给质量，增强政府"
            "的公信力和执行力，进一步发挥绩效评价对财政预算资金使用的导向和激励作用，全面提升财政资源"
            "配置效率，现将相关情况总结如下：")


def overview(s: AnnualSummary) -> str:
    """一、总体开展情况: coverage of the units and what has been completed."""
    y = s.year
    done = [f"{number(s, 'n_units')}家一级预算单位项目绩效目标制定"]
    if s.has("prior_units"):
        done.append(f"{y - 1}年整体及项目自评")
    if s.has("n_units_monitored"):
        done.append("部门整体支出监控")
    if s.has("n_monitored"):
        done.append("部门项目支出监控")
    return (f"{y}年，通过全面实施预算绩效管理，将财政支出全部纳入绩效管理范围，实现全县"
            f"{number(s, 'n_units')}个一级预算单位、共计{number(s, 'units_budget')}万元财政支出"
            f"全覆盖。截至目前，已完成{'、'.join(done)}等工作任务。")


def exante(s: AnnualSummary) -> str:
    """1. 加强绩效事前评估."""
    if not s.facts["n_exante"].value:
        return f"1. 加强绩效事前评估。{s.year}年度未开展新增项目事前绩效评估。"
    return (f"1. 加强绩效事前评估。{s.year}年度开展新增项目事前绩效评估{number(s, 'n_exante')}个，"
            f"编写项目事前绩效评估报告，涉及资金{number(s, 'exante_budget')}万元。从项目必要性、投入"
            f"经济性、绩效目标合理性、实施方案可行性、筹资合规性等方面进行评估，将绩效管理关口前移"
            f"{_conclusions(s)}。")


def _conclusions(s: AnnualSummary) -> str:
    """", 其中予以支持 n 个、…" from the assessments' conclusion tiers (empty without any)."""
    tiers = s.exante["conclusion"][s.exante["conclusion"] != ""].value_counts(sort=False)
    return ("；评估结论为" + "、".join(f"{tier}{n}个" for tier, n in tiers.items())) if len(tiers) else ""


def targets(s: AnnualSummary, gap_points: float, min_score: float) -> str:
    """2. 财政支出项目绩效实现全覆盖: targets, dual monitoring, the rectification rule."""
    categories = [k.split(":", 1)[1] for k in s.facts if k.startswith("n_category:")]
    split = "、".join(f"{c}项目{number(s, f'n_category:{c}')}个" for c in categories)
    text = (f"2. 财政支出项目绩效实现全覆盖。{s.year}年共计完成{number(s, 'n_projects')}个项目绩效"
            f"目标填报工作（{split}），涉及资金{number(s, 'projects_budget')}万元。")
    if s.has("n_monitored"):
        text += (f"在执行过程中对绩效目标实现程度和预算执行进度实行“双监控”，完成"
                 f"{number(s, 'n_monitored')}个项目的绩效监控，涉及资金{number(s, 'monitored_budget')}"
                 f"万元，其中预算执行率{number(s, 'execution_rate')}，绩效目标总体完成率"
                 f"{number(s, 'completion_rate')}，二者相差{number(s, 'gap_points')}个百分点，"
                 f"绩效监控审核结果平均分{number(s, 'review_score')}分")
    if s.has("n_units_monitored"):
        text += (f"；完成{number(s, 'n_units_monitored')}家一级预算部门单位的整体绩效监控，涉及资金"
                 f"{number(s, 'units_monitored_budget')}万元")
    if s.has("n_flagged"):
        text += (f"。对预算执行率与项目总体完成率偏差超过{gap_points:g}个百分点及监控审核得分小于"
                 f"{min_score:g}分的{number(s, 'n_flagged')}个项目及时提出整改意见，督促项目实施单位"
                 f"整改和纠偏")
    return text + "。"


def poverty(s: AnnualSummary, minimum: int) -> str:
    """3. 扶贫项目资金绩效管理."""
    if not s.has("n_poverty"):
        return "3. 扶贫项目资金绩效管理。" + TO_FILL.format("数据集中无扶贫项目表")
    kinds = "、".join(s.poverty["kind"].head(3))
    text = (f"3. 扶贫项目资金绩效管理。截至目前，我县开展扶贫绩效管理目标项目共"
            f"{number(s, 'n_poverty')}项，主要涉及{kinds}等项目，扶贫项目资金总额为"
            f"{number(s, 'poverty_budget')}万元，每个项目设置三级目标指标不少于"
            f"{number(s, 'poverty_min_indicators')}条，主要为数量指标、时效指标、质量指标、成本指标、"
            f"社会效益指标及服务对象满意度指标等。")
    short, incomplete = s.facts["n_poverty_short"].value, s.facts["n_poverty_incomplete"].value
    if short or incomplete:
        text += (f"其中{short:.0f}个项目三级指标少于{minimum}条、{incomplete:.0f}个项目未覆盖全部"
                 f"指标类别，需补充完善。")
    return text


def direct(s: AnnualSummary) -> str:
    """4. 直达资金项目资金管理: received, bonds, allocation, payment, disclosure, flags."""
    if not s.has("direct_amount"):
        return "4. 直达资金项目资金管理。" + TO_FILL.format("数据集中无直达资金表")
    f = s.facts
    text = (f"4. 直达资金项目资金管理。我县共收到直达资金{number(s, 'direct_amount')}万元"
            f"（包含特别国债资金{number(s, 'direct_bond')}万元），")
    if f["direct_n_unallocated"].value == 0:
        text += "资金全部分配到具体单位具体项目"
    else:
        text += (f"已分配到具体单位具体项目{number(s, 'direct_allocated')}万元，尚有"
                 f"{number(s, 'direct_n_unallocated')}笔未分配到具体单位和项目")
    text += ("，并在政府网站公开" if f["direct_n_undisclosed"].value == 0
             else f"，{number(s, 'direct_n_undisclosed')}笔尚未公开")
    text += (f"。截至统计月份已支付{number(s, 'direct_paid')}万元，支付进度"
             f"{number(s, 'direct_progress')}，时间进度{number(s, 'direct_time_progress')}")
    behind = f["direct_n_behind"].value
    text += (f"，其中{behind:.0f}笔资金支付进度滞后，需督促加快支付" if behind
             else "，各笔资金支付进度均不低于时间进度")
    return text + "。从资金分配下达、资金支付使用到资金监控和信息公开，建立直达资金支付台账，实行全过程闭环管理。"


def prior(s: AnnualSummary) -> str:
    """5. 完成上年项目支出及整体绩效自评工作."""
    y = s.year - 1
    if not s.has("prior_units"):
        return f"5. 完成{y}年项目支出及整体绩效自评工作。" + TO_FILL.format("数据集中无上年自评结果")
    return (f"5. 完成{y}年项目支出及整体绩效自评工作。上报{y}年{number(s, 'prior_units')}家一级预算"
            f"单位绩效自评和整体支出绩效自评报告，涉及金额{number(s, 'prior_units_amount')}万元；"
            f"{y}年度{number(s, 'prior_projects')}个县级项目支出绩效评价，涉及金额"
            f"{number(s, 'prior_projects_amount')}万元。")


def comparison(s: AnnualSummary) -> str:
    """The year-on-year sentence (when last year's self-evaluations are in the data)."""
    if s.comparison is None:
        return ""
    c = s.comparison.set_index("item")
    rate = c.loc["项目优良率（%）"]
    direction = "提高" if rate["change"] > 0 else "下降" if rate["change"] < 0 else "持平"
    rate = rate / 100  # the table holds the rate in %
    return (f"与{s.year - 1}年相比，项目自评个数由{c.loc['项目自评（个）', 'prior']:.0f}个变为"
            f"{c.loc['项目自评（个）', 'current']:.0f}个，涉及金额由{wan(c.loc['项目涉及金额（万元）', 'prior'])}"
            f"万元变为{wan(c.loc['项目涉及金额（万元）', 'current'])}万元；项目自评优良率由"
            f"{rate['prior'] * 100:.2f}%变为{rate['current'] * 100:.2f}%，{direction}"
            f"{abs(rate['change']) * 100:.2f}个百分点。")


def application(result: ResultApplication) -> str:
    """三（一）强化绩效评价结果应用, with the result-application figures of the year."""
    r = result.summary()
    adjusted = result.adjustments()
    text = ("（一）强化绩效评价结果应用。将绩效评价结果作为编制年度预算和安排财政资金的重要依据，"
            "建立项目支出绩效评价结果与次年部门单位项目预算安排挂钩机制。")
    if len(adjusted):
        text += (f"按评价结果应用规则，{result.year}年自评的{r['n_projects']}个项目中，"
                 f"{len(adjusted)}个项目建议在次年预算中压减或取消（其中取消{r['n_cancelled']}个），"
                 f"合计{'压减' if r['adjustment'] < 0 else '增加'}{wan(abs(r['adjustment']))}万元，"
                 f"详见评价结果应用报告及调整建议清单。")
    return text


def assessment() -> str:
    """三（二）强化绩效管理考核 (no figures: the county's policy)."""
    return ("（二）强化绩效管理考核。将预算绩效结果纳入政府绩效和干部政绩考核体系，建立考核结果通报"
            "制度，做到“花钱必问效、无效必问责”。推进绩效信息公开，重要绩效目标、绩效评价结果与预算"
            "草案同步报送同级人大、同步向社会主动公开，自觉接受人大和社会各界监督。")


def mechanism() -> str:
    """二（一）建立工作机制，继续完善制度保障 (no figures: the county's documents and organisation)."""
    return (TO_FILL.format("本年度制定或完善的绩效管理制度文件名称和个数、领导小组及分工、绩效培训情况"))
