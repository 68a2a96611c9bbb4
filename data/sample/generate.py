"""Generate the SYNTHETIC sample county dataset: 示例县（虚构）, a fictional county in 巴州.

The ledger imitates the one behind 且末县财政局's 2020 summary (DOMAIN.md §1; the seed document):
69 first-level budget units spending 117231 万元, and 77 projects with indicator sheets (31 本级财力
追加, 46 专项转移支付) worth 72230 万元, whose budget execution rate is 92.53 % and target completion
rate 93.34 %. Every name, number and indicator is invented; only those published totals are copied.

Run from the repository root::

    python data/sample/generate.py

It rewrites ``data/sample/csv/*.csv`` and ``data/sample/sample_county.xlsx`` byte for byte the same
on every run (fixed seed, no timestamps). How the values are made:

1. Draw units, projects and indicator sheets from the catalogues below with
   ``numpy.random.default_rng(20201118)``. Each indicator gets latent draws (a shortfall size, a
   margin of over-fulfilment) fixed once, so later steps only rescale them.
2. Execution: solve in closed form for the factor on the projects' spending shortfalls that makes
   Σ spent = 0.9253 × 72230 万元 to the yuan.
3. Completion: bisect on the factor λ scaling the indicators' shortfalls until the county completion
   rate of :func:`evalkit.summary.county_figures` is just above 93.34 %, then solve for the actual
   value of one quantity indicator of a large project (typed to 2 decimals) that lands it on 93.34 %.
4. Ex-ante assessments (事前绩效评估): 10 new projects asking for 2021 funds (``stage`` 事前评估,
   nothing received or spent), each scored by a panel of 5–7 experts from a pool of 12 on the 15
   sub-items of the national rule set's ex-ante framework. The draws use their own seed
   (:data:`EXANTE_SEED`), so the 2020 ledger above is untouched. Every score is a share of the
   item's points: the project's level, plus the item's latent quality (shared by the panel), the
   expert's leniency and noise, rounded to half points. Bisection on each project's level makes its
   panel total (trimmed mean per item, :func:`evalkit.panel.aggregate_panel`) the smallest at or
   above its target; :func:`evalkit.stages.exante.assess` then confirms each planned conclusion, veto,
   agreement and outlying expert, or the script stops.
5. Key projects (重点项目绩效评价, ``stage`` 重点评价): six ledger projects (:data:`KEY_PROJECTS`)
   get the evaluator's judgements of the framework's qualitative indicators (tier, a score inside
   the tier's range, evidence id, note) and a beneficiary survey (Likert 1–5, one row per answer;
   one survey too small, one with invalid answers). Each part draws from its own seed, so
   nothing above moves; only ``received`` of one project grows (explained in its ``note``),
   which the county figures do not read. Bisection on each survey's level brings its
   satisfaction rate (:func:`evalkit.survey.analyze_survey`) to the plan, and
   :func:`evalkit.stages.keyproject.assess` must give each project its planned grade, or the script
   stops.
6. Explanations (偏差原因分析及改进措施) for every deviating indicator of a key project and about
   half of the others', so a self-evaluation has some missing to list.

7. Monitoring (绩效运行监控, "双监控") at the end of July (:data:`MONITORING_MONTH`): a 绩效监控表
   for each of the 77 ledger projects, from its own seed (:data:`MONITORING_SEED`), so nothing
   above moves. The expected full-year spending and values are the year-end ``spent`` and
   actuals, so the expected execution and completion rates stay 92.53 % / 93.34 %; spending so
   far is the budget × year execution × 7/12 × a pace factor; progress values are the target ×
   7/12 × a pace factor for counted ≥ indicators and near the actual for levels (``%``, ≤, =);
   the form's quality (likelihoods, deviation causes and explanations, 纠偏措施, evidence) is
   drawn, two forms (:data:`POOR_FORMS`) are poor, and then a few cells are blanked so that the
   county's average monitoring review score (:func:`evalkit.stages.monitoring.evaluate_many`)
   is the seed's 95.05 (:func:`calibrate_review`).

The county figures are those of :func:`evalkit.summary.summarize_projects` with the national rule
set (which leaves the ex-ante projects out); this script calls it, :func:`aggregate_panel`,
:func:`assess`, :func:`analyze_survey` and the key-project evaluation rather than re-implementing
the formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter
from scipy.special import ndtr

from evalkit.errors import EvalkitWarning
from evalkit.panel import aggregate_panel
from evalkit.rules import RuleSet, grade, load_ruleset
from evalkit.schemas import (
    DIRECT_FUNDS,
    ENGAGEMENT,
    EXANTE_STAGE,
    EXPERT_SCORES,
    INDICATOR_ROUNDS,
    INDICATORS,
    JUDGEMENTS,
    KEYPROJECT_STAGE,
    MONITORING,
    MONITORING_INDICATORS,
    POVERTY_INDICATORS,
    POVERTY_PROJECTS,
    PRIOR_EVALUATIONS,
    PROJECTS,
    SELF_SCORES,
    SURVEY,
    TEAM,
    UNIT_JUDGEMENTS,
    UNIT_MONITORING,
    UNIT_TASK_MONITORING,
    UNIT_TASKS,
    UNITS,
    TableSpec,
    chinese_headers,
)
from evalkit.scoring import score_indicators
from evalkit.stages.exante import assess
from evalkit.stages.keyproject import assess as assess_keyproject
from evalkit.summary import county_figures, summarize_projects
from evalkit.survey import analyze_survey
from evalkit.values import normalize_text, parse_value

HERE = Path(__file__).resolve().parent

SEED = 20201118
COUNTY = "示例县（虚构）"
YEAR = 2020
RULESET = "national"
#: The seed's published figures the sample is calibrated to.
UNITS_TOTAL_WAN = 117231
PROJECTS_TOTAL_WAN = 72230
EXECUTION_RATE = 0.9253
COMPLETION_RATE = 0.9334
#: How close the calibrated rates must come (so rounding to 0.01 % is never in doubt).
TOLERANCE = 5e-6
YUAN_PER_WAN = 10_000
#: Fixed time stamp of the workbook properties and zip entries (the seed report's date).
STAMP = dt.datetime(2020, 11, 18)
#: Seed of the ex-ante part: its own stream, so the 2020 ledger's draws stay exactly as they were.
EXANTE_SEED = 20210315
#: Budget year the ex-ante projects ask money for.
EXANTE_YEAR = 2021

TRANSFER, LOCAL = "专项转移支付", "本级财力追加"
OUTPUT, BENEFIT, SATISFACTION = "产出指标", "效益指标", "满意度指标"
#: Level-2 names in sheet order, with their level-1 name.
LEVEL2 = {
    "数量指标": OUTPUT, "质量指标": OUTPUT, "时效指标": OUTPUT, "成本指标": OUTPUT,
    "经济效益指标": BENEFIT, "社会效益指标": BENEFIT, "生态效益指标": BENEFIT,
    "可持续影响指标": BENEFIT, "服务对象满意度指标": SATISFACTION,
}
#: Points per level-1 name; with 10 budget-execution points a sheet totals 100 (DOMAIN.md §3).
LEVEL1_POINTS = {OUTPUT: 50, BENEFIT: 30, SATISFACTION: 10}
#: Level-2 names every poverty-alleviation sheet must cover (the seed county's rule).
POVERTY_LEVEL2 = ("数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标", "服务对象满意度指标")
#: Level-2 names every other sheet covers.
BASIC_LEVEL2 = ("数量指标", "质量指标", "时效指标", "社会效益指标", "服务对象满意度指标")
QUALITATIVE_TIERS = ((0.9, "达成"), (0.6, "部分达成"), (0.0, "未达成"))

TOWNSHIPS = ("胡杨镇", "红柳镇", "绿洲镇", "玉泉镇", "沙枣乡", "白杨乡", "金沙乡", "清泉乡", "雪莲乡",
             "苜蓿乡", "东风乡", "团结乡")
#: County departments with a relative size of their basic (non-project) budget.
DEPARTMENTS = (
    ("县委办公室", 1.2), ("县人大常委会办公室", 0.8), ("县人民政府办公室", 1.2), ("县政协办公室", 0.6),
    ("县纪委监委机关", 1.0), ("县委组织部", 0.9), ("县委宣传部", 0.7), ("县委统战部", 0.5),
    ("县委政法委员会", 0.6), ("县委党校", 0.5), ("县发展和改革委员会", 0.8), ("县教育局", 12.0),
    ("县科学技术局", 0.3), ("县工业和信息化局", 0.5), ("县公安局", 5.0), ("县民政局", 1.5),
    ("县司法局", 0.6), ("县财政局", 1.0), ("县人力资源和社会保障局", 1.2), ("县自然资源局", 1.0),
    ("县生态环境局", 0.5), ("县住房和城乡建设局", 1.2), ("县交通运输局", 0.8), ("县水利局", 1.2),
    ("县农业农村局", 1.5), ("县畜牧兽医局", 1.0), ("县林业和草原局", 1.2), ("县商务局", 0.4),
    ("县文化体育广播电视和旅游局", 0.9), ("县卫生健康委员会", 3.0), ("县退役军人事务局", 0.4),
    ("县应急管理局", 0.6), ("县审计局", 0.4), ("县市场监督管理局", 0.8), ("县统计局", 0.3),
    ("县医疗保障局", 0.6), ("县扶贫开发办公室", 0.6), ("县人民法院", 1.0), ("县人民检察院", 0.8),
    ("县融媒体中心", 0.5), ("县档案馆", 0.2), ("县供销合作社联合社", 0.3), ("县总工会", 0.3),
    ("团县委", 0.15), ("县妇女联合会", 0.15), ("县残疾人联合会", 0.2), ("县科学技术协会", 0.12),
    ("县工商业联合会", 0.1), ("县机关事务服务中心", 0.6), ("县人民医院", 4.0), ("县维吾尔医医院", 1.5),
    ("县疾病预防控制中心", 0.8), ("县信访局", 0.3), ("县城市管理局", 1.0), ("县民族宗教事务委员会", 0.4),
    ("县粮食和物资储备局", 0.3), ("县红十字会", 0.1),
)
TOWNSHIP_SIZE = 1.5
#: Owner of a project type that is run by each township's own government.
TOWNSHIP_UNIT = "乡镇"


@dataclass(frozen=True)
class Measure:
    """Template of a level-3 indicator.

    ``target`` is a fixed target, or the target text of a qualitative (定性) indicator; when
    ``per_wan`` is set the target is instead ``per_wan`` units per 万元 of the project budget.
    """

    level2: str
    name: str
    comparator: str
    target: float | str = 0.0
    unit: str = ""
    per_wan: float = 0.0
    decimals: int = 0


@dataclass(frozen=True)
class ProjectType:
    """A kind of project: who runs it, how it is funded, its size and its own indicators."""

    stem: str
    unit: str
    category: str
    poverty: bool
    kind: str
    budget: float  # typical budget, 万元
    count: int  # instances, one per township when more than one
    measures: tuple[Measure, ...]


M = Measure
#: Indicators shared by every project of a kind (工程 works, 补助 subsidies, 购置 purchases …).
GENERIC = {
    "工程": (M("质量指标", "工程验收合格率", "≥", 100, "%"), M("质量指标", "安全事故发生次数", "=", 0, "次"),
             M("时效指标", "工程按期完工率", "≥", 95, "%"),
             M("可持续影响指标", "长效管护机制建立情况", "定性", "建立健全"),
             M("服务对象满意度指标", "受益群众满意度", "≥", 90, "%")),
    "补助": (M("质量指标", "补助对象识别准确率", "≥", 98, "%"),
             M("时效指标", "补助资金发放及时率", "≥", 95, "%"),
             M("可持续影响指标", "补助政策长效机制", "定性", "健全"),
             M("服务对象满意度指标", "补助对象满意度", "≥", 90, "%")),
    "购置": (M("质量指标", "设备验收合格率", "≥", 100, "%"), M("时效指标", "采购完成时限", "≤", 90, "天"),
             M("可持续影响指标", "设备正常使用年限", "≥", 5, "年"),
             M("服务对象满意度指标", "使用人员满意度", "≥", 90, "%")),
    "培训": (M("质量指标", "培训考核合格率", "≥", 90, "%"),
             M("时效指标", "培训计划按期完成率", "≥", 95, "%"),
             M("可持续影响指标", "培训成果持续应用", "定性", "持续发挥作用"),
             M("服务对象满意度指标", "参训人员满意度", "≥", 90, "%")),
    "服务": (M("质量指标", "服务达标率", "≥", 95, "%"), M("时效指标", "服务任务按时完成率", "≥", 95, "%"),
             M("可持续影响指标", "服务长效机制建立情况", "定性", "建立健全"),
             M("服务对象满意度指标", "服务对象满意度", "≥", 90, "%")),
    "产业": (M("质量指标", "扶持对象识别准确率", "≥", 100, "%"),
             M("时效指标", "扶持资金拨付及时率", "≥", 95, "%"),
             M("可持续影响指标", "产业持续发展能力", "定性", "稳步提升"),
             M("服务对象满意度指标", "受益群众满意度", "≥", 90, "%")),
}

P = ProjectType
PROJECT_TYPES = (
    # 专项转移支付: 46 projects, 33 of them poverty alleviation
    P("农村安居房建设", "县住房和城乡建设局", TRANSFER, True, "工程", 700, 5, (
        M("数量指标", "新建农村安居房", "≥", unit="户", per_wan=0.25),
        M("成本指标", "户均补助标准", "≤", 4, "万元/户", decimals=2),
        M("社会效益指标", "改善住房条件的脱贫户", "≥", unit="户", per_wan=0.2),
        M("可持续影响指标", "房屋设计使用年限", "≥", 30, "年"))),
    P("高效节水灌溉", "县水利局", TRANSFER, True, "工程", 800, 4, (
        M("数量指标", "新增高效节水灌溉面积", "≥", unit="亩", per_wan=6.5, decimals=1),
        M("成本指标", "亩均建设投资", "≤", 1500, "元/亩"),
        M("经济效益指标", "亩均节本增收", "≥", 200, "元"),
        M("社会效益指标", "受益农户", "≥", unit="户", per_wan=0.4),
        M("生态效益指标", "亩均节水量", "≥", 150, "立方米"))),
    P("农村饮水安全巩固提升", "县水利局", TRANSFER, True, "工程", 500, 3, (
        M("数量指标", "新建改造供水管网", "≥", unit="公里", per_wan=0.04, decimals=2),
        M("质量指标", "农村集中供水水质达标率", "≥", 95, "%"),
        M("成本指标", "每公里管网造价", "≤", 25, "万元/公里", decimals=2),
        M("社会效益指标", "受益人口", "≥", unit="人", per_wan=6))),
    P("乡村道路硬化", "县交通运输局", TRANSFER, True, "工程", 800, 5, (
        M("数量指标", "新建硬化道路", "≥", unit="公里", per_wan=1 / 60, decimals=2),
        M("数量指标", "新建涵洞", "≥", unit="座", per_wan=0.01),
        M("成本指标", "每公里建设成本", "≤", 60, "万元/公里", decimals=2),
        M("社会效益指标", "受益行政村", "≥", unit="个", per_wan=0.004),
        M("可持续影响指标", "道路设计使用年限", "≥", 10, "年"))),
    P("畜牧养殖产业扶持", "县畜牧兽医局", TRANSFER, True, "产业", 350, 4, (
        M("数量指标", "扶持养殖户", "≥", unit="户", per_wan=1.0),
        M("数量指标", "发放基础母羊", "≥", unit="只", per_wan=6),
        M("质量指标", "牲畜成活率", "≥", 95, "%"),
        M("成本指标", "户均扶持资金", "≤", 1, "万元/户", decimals=2),
        M("经济效益指标", "户均年增收", "≥", 3000, "元"),
        M("社会效益指标", "带动脱贫人口", "≥", unit="人", per_wan=3.5))),
    P("特色林果提质增效", "县林业和草原局", TRANSFER, True, "产业", 300, 2, (
        M("数量指标", "林果提质增效面积", "≥", unit="亩", per_wan=12.5, decimals=1),
        M("成本指标", "亩均补助", "≤", 800, "元/亩"),
        M("经济效益指标", "亩均增收", "≥", 300, "元"),
        M("社会效益指标", "受益林农", "≥", unit="户", per_wan=1.2),
        M("生态效益指标", "林木保存率", "≥", 90, "%"))),
    P("高标准农田建设", "县农业农村局", TRANSFER, False, "工程", 3500, 2, (
        M("数量指标", "建成高标准农田", "≥", unit="亩", per_wan=6.5, decimals=1),
        M("成本指标", "亩均投资", "≤", 1500, "元/亩"),
        M("经济效益指标", "粮食亩均增产", "≥", 50, "公斤"),
        M("社会效益指标", "受益农户", "≥", unit="户", per_wan=0.5))),
    P("易地扶贫搬迁后续扶持", "县扶贫开发办公室", TRANSFER, True, "产业", 1200, 1, (
        M("数量指标", "扶持搬迁户", "≥", unit="户", per_wan=0.8),
        M("成本指标", "户均扶持资金", "≤", 1.25, "万元/户", decimals=2),
        M("经济效益指标", "搬迁户人均年增收", "≥", 1000, "元"),
        M("社会效益指标", "搬迁劳动力就业", "≥", unit="人", per_wan=0.9))),
    P("农村人居环境整治", TOWNSHIP_UNIT, TRANSFER, True, "工程", 200, 3, (
        M("数量指标", "改造农村户厕", "≥", unit="户", per_wan=3),
        M("成本指标", "户均改厕成本", "≤", 3000, "元/户"),
        M("社会效益指标", "受益农户", "≥", unit="户", per_wan=3.5),
        M("生态效益指标", "村庄生活垃圾收集处理率", "≥", 90, "%"))),
    P("雨露计划职业教育补助", "县教育局", TRANSFER, True, "补助", 200, 1, (
        M("数量指标", "补助中高职在校学生", "≥", unit="人", per_wan=3.3),
        M("成本指标", "生均补助标准", "≤", 3000, "元/人"),
        M("社会效益指标", "受助学生按期毕业率", "≥", 95, "%"))),
    P("农村劳动力转移就业补助", "县人力资源和社会保障局", TRANSFER, True, "培训", 500, 1, (
        M("数量指标", "开展职业技能培训", "≥", unit="人次", per_wan=5),
        M("数量指标", "转移就业", "≥", unit="人", per_wan=4),
        M("成本指标", "人均培训补贴", "≤", 1500, "元/人"),
        M("社会效益指标", "培训后就业率", "≥", 80, "%"))),
    P("卫生院医疗设备购置", "县卫生健康委员会", TRANSFER, True, "购置", 250, 2, (
        M("数量指标", "购置医疗设备", "≥", unit="台(套)", per_wan=0.15),
        M("成本指标", "设备采购预算控制率", "≤", 100, "%"),
        M("社会效益指标", "卫生院门诊服务人次增长率", "≥", 10, "%"))),
    P("义务教育薄弱环节改善与能力提升", "县教育局", TRANSFER, False, "工程", 3000, 2, (
        M("数量指标", "改扩建校舍面积", "≥", unit="平方米", per_wan=4),
        M("成本指标", "校舍单位面积造价", "≤", 2500, "元/平方米"),
        M("社会效益指标", "受益学生", "≥", unit="人", per_wan=1.2))),
    P("农村义务教育学生营养改善计划", "县教育局", TRANSFER, False, "补助", 800, 1, (
        M("数量指标", "受益学生", "≥", unit="人", per_wan=12.5),
        M("质量指标", "食品安全事故发生次数", "=", 0, "次"),
        M("成本指标", "生均膳食补助标准", "≤", 800, "元/年"),
        M("社会效益指标", "学生营养健康状况改善", "定性", "明显改善"))),
    P("学前教育发展资金", "县教育局", TRANSFER, False, "补助", 1500, 1, (
        M("数量指标", "资助在园幼儿", "≥", unit="人", per_wan=5),
        M("社会效益指标", "学前三年毛入园率", "≥", 95, "%"))),
    P("基本公共卫生服务", "县卫生健康委员会", TRANSFER, False, "服务", 1500, 1, (
        M("数量指标", "居民电子健康档案建档人数", "≥", unit="人", per_wan=70),
        M("数量指标", "65岁及以上老年人健康管理", "≥", unit="人", per_wan=4),
        M("社会效益指标", "居民健康素养水平", "≥", 20, "%"))),
    P("县人民医院传染病区改造（抗疫特别国债）", "县人民医院", TRANSFER, False, "工程", 8000, 1, (
        M("数量指标", "改造传染病区建筑面积", "≥", unit="平方米", per_wan=2, decimals=2),
        M("数量指标", "新增负压隔离病床", "≥", 40, "张"),
        M("成本指标", "单位面积改造成本", "≤", 5000, "元/平方米"),
        M("社会效益指标", "传染病收治能力", "定性", "显著提升"))),
    P("公共卫生应急检测能力建设", "县疾病预防控制中心", TRANSFER, False, "购置", 2500, 1, (
        M("数量指标", "购置核酸检测设备", "≥", unit="台(套)", per_wan=0.05),
        M("数量指标", "日核酸检测能力", "≥", 5000, "份"),
        M("社会效益指标", "突发公共卫生事件处置及时率", "≥", 100, "%"))),
    P("草原生态保护补助奖励", "县林业和草原局", TRANSFER, False, "补助", 4000, 1, (
        M("数量指标", "落实禁牧面积", "≥", unit="亩", per_wan=1333),
        M("成本指标", "禁牧补助标准", "≤", 7.5, "元/亩", decimals=1),
        M("社会效益指标", "受益农牧户", "≥", unit="户", per_wan=1.6),
        M("生态效益指标", "草原综合植被盖度", "≥", 28, "%"))),
    P("退耕还林补助", "县林业和草原局", TRANSFER, True, "补助", 500, 1, (
        M("数量指标", "兑现退耕还林补助面积", "≥", unit="亩", per_wan=33, decimals=1),
        M("成本指标", "亩均补助标准", "≤", 300, "元/亩"),
        M("社会效益指标", "受益农户", "≥", unit="户", per_wan=3),
        M("生态效益指标", "退耕林木保存率", "≥", 85, "%"))),
    P("困难群众参加城乡居民医疗保险资助", "县医疗保障局", TRANSFER, True, "补助", 400, 1, (
        M("数量指标", "资助参保人数", "≥", unit="人", per_wan=40),
        M("成本指标", "人均资助标准", "≤", 250, "元/人"),
        M("社会效益指标", "建档立卡贫困人口参保率", "≥", 100, "%"))),
    P("残疾人康复服务补助", "县残疾人联合会", TRANSFER, False, "服务", 150, 1, (
        M("数量指标", "残疾人康复服务", "≥", unit="人次", per_wan=6),
        M("社会效益指标", "残疾人基本康复服务覆盖率", "≥", 80, "%"))),
    P("农机购置补贴", "县农业农村局", TRANSFER, False, "补助", 300, 1, (
        M("数量指标", "补贴农机具", "≥", unit="台", per_wan=0.6),
        M("社会效益指标", "主要农作物耕种收综合机械化率", "≥", 75, "%"))),
    P("公共文化服务体系建设", "县文化体育广播电视和旅游局", TRANSFER, False, "服务", 200, 1, (
        M("数量指标", "送文化下乡演出", "≥", unit="场次", per_wan=0.6),
        M("社会效益指标", "受益群众", "≥", unit="人次", per_wan=150))),
    # 本级财力追加: 31 projects, 7 of them poverty alleviation
    P("本级财政专项扶贫资金庭院经济发展", TOWNSHIP_UNIT, LOCAL, True, "产业", 120, 3, (
        M("数量指标", "扶持发展庭院经济", "≥", unit="户", per_wan=3.3),
        M("成本指标", "户均扶持资金", "≤", 3000, "元/户"),
        M("经济效益指标", "户均增收", "≥", 1500, "元"),
        M("社会效益指标", "带动脱贫人口", "≥", unit="人", per_wan=10))),
    P("生态护林员补助", "县林业和草原局", LOCAL, True, "补助", 250, 1, (
        M("数量指标", "聘用生态护林员", "≥", unit="人", per_wan=1),
        M("成本指标", "人均年补助", "≤", 1, "万元/人", decimals=2),
        M("社会效益指标", "带动贫困人口增收", "≥", unit="人", per_wan=1),
        M("生态效益指标", "管护林地面积", "≥", unit="亩", per_wan=400))),
    P("困难群众临时救助", "县民政局", LOCAL, True, "补助", 300, 1, (
        M("数量指标", "救助困难群众", "≥", unit="人次", per_wan=10),
        M("成本指标", "人均救助标准", "≤", 1000, "元/人次"),
        M("社会效益指标", "困难群众基本生活保障率", "≥", 100, "%"))),
    P("新冠肺炎疫情防控物资储备", "县卫生健康委员会", LOCAL, False, "购置", 1200, 1, (
        M("数量指标", "储备医用防护服", "≥", unit="套", per_wan=30),
        M("数量指标", "储备医用口罩", "≥", unit="万只", per_wan=0.5, decimals=1),
        M("社会效益指标", "疫情防控物资保障天数", "≥", 30, "天"))),
    P("县城供热管网改造", "县住房和城乡建设局", LOCAL, False, "工程", 5000, 1, (
        M("数量指标", "改造供热管网", "≥", unit="公里", per_wan=1 / 120, decimals=2),
        M("成本指标", "每公里改造成本", "≤", 120, "万元/公里", decimals=2),
        M("社会效益指标", "受益居民", "≥", unit="户", per_wan=4),
        M("生态效益指标", "供热管网热损失率", "≤", 15, "%"))),
    P("城镇老旧小区改造", "县住房和城乡建设局", LOCAL, False, "工程", 4500, 1, (
        M("数量指标", "改造老旧小区住户", "≥", unit="户", per_wan=1 / 3),
        M("数量指标", "改造小区", "≥", unit="个", per_wan=0.005),
        M("成本指标", "户均改造成本", "≤", 3, "万元/户", decimals=2),
        M("社会效益指标", "受益居民", "≥", unit="人", per_wan=1))),
    P("城区道路维修", "县城市管理局", LOCAL, False, "工程", 1500, 1, (
        M("数量指标", "维修城区道路", "≥", unit="平方米", per_wan=50),
        M("成本指标", "单位面积维修成本", "≤", 200, "元/平方米"),
        M("社会效益指标", "城区道路完好率", "≥", 90, "%"))),
    P("城乡环境卫生整治", "县城市管理局", LOCAL, False, "服务", 1200, 1, (
        M("数量指标", "清运生活垃圾", "≥", unit="吨", per_wan=50),
        M("社会效益指标", "城乡环境卫生达标率", "≥", 90, "%"),
        M("生态效益指标", "生活垃圾无害化处理率", "≥", 95, "%"))),
    P("县城绿化提升", "县林业和草原局", LOCAL, False, "工程", 1500, 1, (
        M("数量指标", "新增绿化面积", "≥", unit="亩", per_wan=1.6, decimals=1),
        M("质量指标", "苗木成活率", "≥", 90, "%"),
        M("社会效益指标", "受益居民", "≥", unit="人", per_wan=30),
        M("生态效益指标", "建成区绿化覆盖率", "≥", 35, "%"))),
    P("农村公路养护", "县交通运输局", LOCAL, False, "服务", 400, 1, (
        M("数量指标", "养护农村公路", "≥", unit="公里", per_wan=2, decimals=1),
        M("成本指标", "每公里养护成本", "≤", 5000, "元/公里"),
        M("社会效益指标", "农村公路优良中等路率", "≥", 75, "%"))),
    P("村级组织活动场所维修", "县委组织部", LOCAL, False, "工程", 350, 1, (
        M("数量指标", "维修村级组织活动场所", "≥", unit="个", per_wan=1 / 7),
        M("成本指标", "单个场所维修成本", "≤", 7, "万元/个", decimals=2),
        M("社会效益指标", "村级组织服务群众能力", "定性", "明显提升"))),
    P("公安执法装备购置", "县公安局", LOCAL, False, "购置", 1000, 1, (
        M("数量指标", "购置执法装备", "≥", unit="台(套)", per_wan=0.5),
        M("社会效益指标", "群众安全感", "≥", 95, "%"))),
    P("法律援助", "县司法局", LOCAL, False, "服务", 60, 1, (
        M("数量指标", "办理法律援助案件", "≥", unit="件", per_wan=8),
        M("成本指标", "每件案件补贴", "≤", 1200, "元/件"),
        M("社会效益指标", "受援群众合法权益维护", "定性", "有效维护"))),
    P("应急物资储备", "县应急管理局", LOCAL, False, "购置", 200, 1, (
        M("数量指标", "储备应急救灾物资", "≥", unit="件(套)", per_wan=20),
        M("社会效益指标", "受灾群众救助及时率", "≥", 100, "%"))),
    P("融媒体中心设备更新", "县融媒体中心", LOCAL, False, "购置", 180, 1, (
        M("数量指标", "更新采编播设备", "≥", unit="台(套)", per_wan=1 / 3),
        M("社会效益指标", "自办新闻节目播出", "≥", unit="期", per_wan=2))),
    P("全民健身设施建设", "县文化体育广播电视和旅游局", LOCAL, False, "工程", 250, 1, (
        M("数量指标", "建设健身场地", "≥", unit="个", per_wan=0.1),
        M("社会效益指标", "经常参加体育锻炼人口比例", "≥", 35, "%"))),
    P("食品安全监督抽检", "县市场监督管理局", LOCAL, False, "服务", 80, 1, (
        M("数量指标", "完成食品抽检", "≥", unit="批次", per_wan=12),
        M("成本指标", "每批次检测费用", "≤", 800, "元/批次"),
        M("社会效益指标", "食品安全抽检合格率", "≥", 97, "%"))),
    P("养老服务中心运营补助", "县民政局", LOCAL, False, "服务", 220, 1, (
        M("数量指标", "服务老年人", "≥", unit="人次", per_wan=50),
        M("社会效益指标", "特困老人集中供养率", "≥", 60, "%"))),
    P("退役军人服务站建设", "县退役军人事务局", LOCAL, False, "工程", 90, 1, (
        M("数量指标", "建设乡村退役军人服务站", "≥", unit="个", per_wan=0.6),
        M("社会效益指标", "退役军人服务覆盖率", "≥", 100, "%"))),
    P("基层干部培训", "县委党校", LOCAL, False, "培训", 120, 1, (
        M("数量指标", "培训基层干部", "≥", unit="人次", per_wan=25),
        M("成本指标", "人均培训费用", "≤", 400, "元/人次"),
        M("社会效益指标", "参训干部履职能力", "定性", "明显提升"))),
    P("乡村医生补助", "县卫生健康委员会", LOCAL, True, "补助", 180, 1, (
        M("数量指标", "补助在岗乡村医生", "≥", unit="人", per_wan=0.8),
        M("成本指标", "人均补助标准", "≤", 1.25, "万元/人", decimals=2),
        M("社会效益指标", "村卫生室医生配备率", "≥", 100, "%"))),
    P("农牧民职业技能培训", "县人力资源和社会保障局", LOCAL, True, "培训", 200, 1, (
        M("数量指标", "培训农牧民", "≥", unit="人次", per_wan=10),
        M("成本指标", "人均培训成本", "≤", 1000, "元/人次"),
        M("社会效益指标", "培训后就业率", "≥", 70, "%"))),
    P("防汛抗旱物资储备", "县水利局", LOCAL, False, "购置", 150, 1, (
        M("数量指标", "储备防汛物资", "≥", unit="件(套)", per_wan=20),
        M("社会效益指标", "汛期重大险情处置及时率", "≥", 100, "%"))),
    P("第七次全国人口普查", "县统计局", LOCAL, False, "服务", 260, 1, (
        M("数量指标", "完成普查登记", "≥", unit="户", per_wan=100),
        M("质量指标", "普查登记漏登率", "≤", 0.5, "%", decimals=2),
        M("社会效益指标", "普查数据按时上报率", "≥", 100, "%"))),
    P("数字档案馆建设", "县档案馆", LOCAL, False, "购置", 160, 1, (
        M("数量指标", "完成档案数字化", "≥", unit="页", per_wan=2500),
        M("成本指标", "每页数字化成本", "≤", 4, "元/页", decimals=1),
        M("社会效益指标", "档案查询利用", "≥", unit="人次", per_wan=10))),
    P("地方储备粮轮换", "县粮食和物资储备局", LOCAL, False, "服务", 500, 1, (
        M("数量指标", "轮换地方储备粮", "≥", unit="吨", per_wan=3.3),
        M("质量指标", "储备粮质量达标率", "≥", 100, "%"),
        M("社会效益指标", "粮食应急保障能力", "定性", "有效保障"))),
    P("校园安防设施配备", "县教育局", LOCAL, False, "购置", 300, 1, (
        M("数量指标", "配备校园安防设备", "≥", unit="台(套)", per_wan=0.7),
        M("社会效益指标", "校园安全事故发生次数", "=", 0, "次"))),
    P("旅游公共服务设施建设", "县文化体育广播电视和旅游局", LOCAL, False, "工程", 1200, 1, (
        M("数量指标", "新建旅游厕所", "≥", unit="座", per_wan=0.025),
        M("经济效益指标", "旅游收入增长率", "≥", 10, "%"),
        M("社会效益指标", "接待游客", "≥", unit="万人次", per_wan=0.05, decimals=1))),
    P("重大动物疫病强制免疫", "县畜牧兽医局", LOCAL, False, "服务", 260, 1, (
        M("数量指标", "免疫牲畜", "≥", unit="头(只)", per_wan=2000),
        M("质量指标", "免疫密度", "≥", 90, "%"),
        M("社会效益指标", "区域性重大动物疫情发生次数", "=", 0, "次"))),
)


@dataclass(frozen=True)
class Project:
    """One project of the ledger; money in yuan (integers), so totals are exact."""

    project_id: str
    project_name: str
    ptype: ProjectType
    unit_id: str
    unit_name: str
    budget: int
    received: int = 0
    spent: int = 0
    profile: str = "normal"  # normal | slow (low execution) | weak | failing (low completion)
    shortfall: float = 0.0  # latent spending shortfall of a normal project
    stage: str = ""  # 评价类型: blank, or KEYPROJECT_STAGE for a key project
    note: str = ""  # 说明, e.g. why more money arrived than was budgeted

    @property
    def category(self) -> str:
        """资金类别 of the project's type."""
        return self.ptype.category

    @property
    def is_poverty(self) -> bool:
        """Whether the project's type is poverty alleviation."""
        return self.ptype.poverty


@dataclass(frozen=True)
class Draft:
    """One level-3 indicator before its actual value is typed.

    ``mode`` says how the actual is made: ``full`` (target met, by ``margin``), ``short`` (missed by
    λ × ``shortfall``), ``fixed`` (a ratio to target independent of λ) or ``tune`` (the calibration
    indicator, set by the solver). ``special`` is ``blank`` or ``na`` (不适用) for imperfect rows;
    ``altered`` marks a row already given another imperfection, so that each row has at most one.
    """

    project_id: str
    indicator_id: str
    measure: Measure
    target: float | str
    weight: int
    mode: str = "full"
    shortfall: float = 0.0
    margin: float = 0.0
    ratio: float = 1.0
    special: str = ""
    percent_sign: bool = True
    comma: bool = False
    comparator_in_target: bool = False
    full_width: bool = False
    judged_share: float = math.nan
    altered: bool = False


# --- drawing the ledger ------------------------------------------------------------------------

def _yuan(wan: float, step_yuan: int = 100) -> int:
    """Round an amount in 万元 to whole multiples of ``step_yuan`` yuan."""
    return int(round(wan * YUAN_PER_WAN / step_yuan)) * step_yuan


def _fix_total(amounts: list[int], total: int) -> list[int]:
    """Put the rounding residual on the largest amount so the list sums to ``total`` exactly."""
    out = list(amounts)
    out[int(np.argmax(out))] += total - sum(out)
    return out


def draw_projects(rng: np.random.Generator) -> list[Project]:
    """Instantiate the project types: township names, budgets summing to 72230 万元, owners."""
    drafts = []
    for ptype in PROJECT_TYPES:
        towns = rng.choice(len(TOWNSHIPS), ptype.count, replace=False)
        for town in (TOWNSHIPS[t] for t in towns):
            place = town if ptype.count > 1 or ptype.unit == TOWNSHIP_UNIT else ""
            unit = f"{town}人民政府" if ptype.unit == TOWNSHIP_UNIT else ptype.unit
            wan = ptype.budget * math.exp(rng.normal(0.0, 0.3))
            drafts.append((ptype, f"{place}{ptype.stem}项目", unit, wan))
    scale = PROJECTS_TOTAL_WAN / sum(d[3] for d in drafts)
    steps = rng.choice([100, YUAN_PER_WAN], len(drafts), p=[0.6, 0.4])
    budgets = _fix_total([_yuan(d[3] * scale, int(s)) for d, s in zip(drafts, steps, strict=True)],
                         PROJECTS_TOTAL_WAN * YUAN_PER_WAN)
    unit_ids = {name: f"DW{i:03d}" for i, name in enumerate(_unit_names(), start=1)}
    rows = sorted(zip(drafts, budgets, strict=True), key=lambda r: unit_ids[r[0][2]])
    return [Project(f"XM-{YEAR}-{i:03d}", name, ptype, unit_ids[unit], unit, budget)
            for i, ((ptype, name, unit, _), budget) in enumerate(rows, start=1)]


def _unit_names() -> list[str]:
    return [name for name, _ in DEPARTMENTS] + [f"{t}人民政府" for t in TOWNSHIPS]


def draw_units(rng: np.random.Generator, projects: list[Project]) -> list[tuple[str, str, int]]:
    """69 units (id, name, budget in yuan): projects' budgets plus a basic budget; 117231 万元."""
    names = _unit_names()
    sizes = np.array([s for _, s in DEPARTMENTS] + [TOWNSHIP_SIZE] * len(TOWNSHIPS))
    sizes = sizes * np.exp(rng.normal(0.0, 0.2, len(sizes)))
    basic_total = (UNITS_TOTAL_WAN - PROJECTS_TOTAL_WAN) * YUAN_PER_WAN
    basic_wan = (UNITS_TOTAL_WAN - PROJECTS_TOTAL_WAN) * sizes / sizes.sum()
    basic = _fix_total([_yuan(x) for x in basic_wan], basic_total)
    in_projects = dict.fromkeys(names, 0)
    for p in projects:
        in_projects[p.unit_name] += p.budget
    return [(f"DW{i:03d}", name, b + in_projects[name])
            for i, (name, b) in enumerate(zip(names, basic, strict=True), start=1)]


def assign_profiles(rng: np.random.Generator, projects: list[Project]) -> list[Project]:
    """Pick the projects that run late or miss targets (the seed's rectification cases).

    Among the smaller half of the projects: 3 ``slow`` (spent little, targets met: gap > +20
    points), 5 ``weak`` and 2 ``failing`` (targets missed). Everyone else gets a latent spending
    shortfall (0 for 40 %, else uniform on [0, 0.25]) that the execution calibration rescales.
    """
    median = np.median([p.budget for p in projects])
    small = [i for i, p in enumerate(projects) if p.budget <= median]
    picked = rng.permutation(small).tolist()
    profiles = dict.fromkeys(picked[:3], "slow") | dict.fromkeys(picked[3:8], "weak")
    profiles |= dict.fromkeys(picked[8:10], "failing")
    out = []
    for i, p in enumerate(projects):
        shortfall = 0.0 if rng.random() < 0.4 else rng.uniform(0.0, 0.25)
        out.append(replace(p, profile=str(profiles.get(i, "normal")), shortfall=shortfall))
    return out


def draw_received(rng: np.random.Generator, projects: list[Project]) -> list[Project]:
    """Funds arrived in full for most projects; 5 transfers (and the slow ones) got part of it."""
    transfers = [i for i, p in enumerate(projects) if p.category == TRANSFER]
    partial = set(rng.choice(transfers, 5, replace=False).tolist())
    out = []
    for i, p in enumerate(projects):
        share = rng.uniform(0.8, 0.9) if p.profile == "slow" else 1.0
        share = rng.uniform(0.85, 0.97) if i in partial else share
        out.append(replace(p, received=min(p.budget, _yuan(p.budget * share / YUAN_PER_WAN))))
    return out


def calibrate_spending(rng: np.random.Generator, projects: list[Project]) -> list[Project]:
    """Set spent so that Σ spent = 92.53 % of Σ budget exactly (to the yuan).

    Slow projects spend a fixed 45–65 % of the funds received, weak ones 60–90 %, one failing
    project 40 % (the other spends like a normal one, so its gap is large); the others spend
    ``received × (1 − μ × shortfall)`` with μ solved in closed form; the rounding residual goes to
    the largest normal project that is not already at 100 %.
    """
    target = round(EXECUTION_RATE * YUAN_PER_WAN) * PROJECTS_TOTAL_WAN  # exact integer yuan
    failing = [i for i, p in enumerate(projects) if p.profile == "failing"]
    share = {"slow": (0.45, 0.65), "weak": (0.6, 0.9)}
    fixed = {i: rng.uniform(*share[p.profile]) for i, p in enumerate(projects) if p.profile in share}
    fixed[failing[-1]] = 0.4
    fixed_spent = {i: _yuan(projects[i].received * r / YUAN_PER_WAN) for i, r in fixed.items()}
    free = [i for i in range(len(projects)) if i not in fixed]
    received = np.array([projects[i].received for i in free], dtype=float)
    shortfall = np.array([projects[i].shortfall for i in free])
    mu = (received.sum() - (target - sum(fixed_spent.values()))) / (received * shortfall).sum()
    if not 0 <= mu * shortfall.max() < 1:
        raise RuntimeError(f"spending calibration needs shortfall factor {mu:.3f}: redraw")
    spent = dict(fixed_spent)
    spent |= {i: _yuan(r * (1 - mu * s) / YUAN_PER_WAN)
              for i, r, s in zip(free, received, shortfall, strict=True)}
    room = [i for i in free if projects[i].shortfall > 0]
    largest = max(room, key=lambda i: projects[i].budget)
    spent[largest] += target - sum(spent.values())
    if any(not 0 <= spent[i] <= p.received for i, p in enumerate(projects)):
        raise RuntimeError("spending calibration left a project spending more than it received")
    return [replace(p, spent=spent[i]) for i, p in enumerate(projects)]


def _nice_target(value: float, decimals: int) -> float:
    """A target as a planner would set it: 3 significant figures from 1000 up, else rounded."""
    if value >= 1000:
        step = 10 ** (math.floor(math.log10(value)) - 2)
        return float(round(value / step) * step)
    if decimals == 0:
        return float(max(1, round(value)))
    return round(value, decimals)


def draw_indicators(rng: np.random.Generator, projects: list[Project]) -> list[Draft]:
    """Indicator sheets: the mandatory level-2 names, then optional ones up to 5–9 (poverty 7–10)."""
    drafts: list[Draft] = []
    for p in projects:
        pool = list(p.ptype.measures) + list(GENERIC[p.ptype.kind])
        required = POVERTY_LEVEL2 if p.is_poverty else BASIC_LEVEL2
        first = [next(m for m in pool if m.level2 == level2) for level2 in required]
        optional = [m for m in pool if m not in first]
        low, high = (7, 10) if p.is_poverty else (5, 9)
        n = min(len(pool), int(rng.integers(low, high + 1)))
        extra = rng.choice(len(optional), max(0, n - len(first)), replace=False)
        chosen = first + [optional[i] for i in sorted(extra)]
        order = list(LEVEL2)
        chosen.sort(key=lambda m: (order.index(m.level2), pool.index(m)))
        weights = _weights(rng, chosen)
        for k, (m, w) in enumerate(zip(chosen, weights, strict=True), start=1):
            drafts.append(_draft(rng, p, f"ZB{k:02d}", m, w))
    return drafts


def _weights(rng: np.random.Generator, chosen: list[Measure]) -> list[int]:
    """Split each level-1 name's points over its indicators (whole points, roughly even)."""
    weights = [0] * len(chosen)
    for level1, points in LEVEL1_POINTS.items():
        idx = [i for i, m in enumerate(chosen) if LEVEL2[m.level2] == level1]
        share = rng.uniform(0.8, 1.2, len(idx))
        split = _fix_total([int(x) for x in np.floor(points * share / share.sum())], points)
        for i, w in zip(idx, split, strict=True):
            weights[i] = w
    return weights


def _draft(rng: np.random.Generator, p: Project, indicator_id: str, m: Measure,
           weight: int) -> Draft:
    """Draw the latent values of one indicator for its project's profile."""
    if m.per_wan:
        target: float | str = _nice_target(p.budget / YUAN_PER_WAN * m.per_wan, m.decimals)
    else:
        target = m.target
    short = rng.random()
    # how far a missed target is missed (before λ): rates such as 95% by little, counts by more
    limit = 0.1 if m.unit == "%" else 0.2 if m.comparator == "≤" else 0.3
    shortfall = rng.uniform(0.01, limit)
    margin = rng.random()
    low_ratio = {"weak": rng.uniform(0.6, 0.95), "failing": rng.uniform(0.35, 0.65)}
    percent_sign = bool(rng.random() < 0.75)
    comma = bool(rng.random() < 0.5)
    base = Draft(p.project_id, indicator_id, m, target, weight, percent_sign=percent_sign,
                 comma=comma, margin=margin)
    if p.profile in low_ratio and short < (0.7 if p.profile == "weak" else 0.85):
        return replace(base, mode="fixed", ratio=low_ratio[p.profile])
    if m.comparator == "定性":
        # qualitative tiers do not follow λ, so the completion rate stays continuous in it
        return replace(base, mode="fixed", ratio=1 - shortfall if short < 0.35 else 1.0)
    if (m.comparator == "≥" and short < 0.5) or (m.comparator == "≤" and short < 0.25):
        return replace(base, mode="short", shortfall=shortfall)
    return base


def mark_imperfections(rng: np.random.Generator, projects: list[Project],
                       drafts: list[Draft]) -> list[Draft]:
    """The deliberately imperfect but valid rows a real ledger has.

    Blank actuals on weak and failing sheets; 不适用 on two optional benefit indicators; four
    over-achieved quantities (≥ 130 % of target); four targets typed ``≥95%`` with the comparator
    column blank; two actuals in full-width digits; two qualitative rows with a judged score; one
    calibration indicator (``tune``) on a large project.
    """
    profile = {p.project_id: p.profile for p in projects}
    out = list(drafts)

    def pick(condition: Callable[[Draft], bool], k: int) -> list[int]:
        candidates = [i for i, d in enumerate(out) if not d.altered and condition(d)]
        return sorted(rng.choice(candidates, k, replace=False).tolist())

    def normal(d: Draft) -> bool:
        return profile[d.project_id] == "normal"

    def quantitative(d: Draft) -> bool:
        return d.measure.comparator != "定性"

    def tunable(d: Draft) -> bool:  # a ≥ quantity typed to 2 decimals (公里, 平方米)
        return d.measure.level2 == "数量指标" and d.measure.decimals == 2

    by_budget = sorted(projects, key=lambda p: -p.budget)
    tune_project = next(p for p in by_budget if p.profile == "normal" and any(
        d.project_id == p.project_id and tunable(d) for d in out))
    tune = next(i for i, d in enumerate(out)
                if d.project_id == tune_project.project_id and tunable(d))
    out[tune] = replace(out[tune], mode="tune", altered=True)
    for i in pick(lambda d: profile[d.project_id] in ("weak", "failing")
                  and d.measure.level2 != "服务对象满意度指标" and quantitative(d), 5):
        out[i] = replace(out[i], special="blank", altered=True)
    for i in pick(lambda d: normal(d) and d.measure.level2 in ("经济效益指标", "生态效益指标")
                  and quantitative(d), 2):
        out[i] = replace(out[i], special="na", altered=True)
    for i in pick(lambda d: normal(d) and d.measure.comparator == "≥" and d.measure.unit != "%"
                  and d.measure.level2 == "数量指标", 4):
        out[i] = replace(out[i], mode="fixed", ratio=rng.uniform(1.3, 1.7), altered=True)
    for i in pick(lambda d: normal(d) and d.measure.comparator == "≥" and d.measure.unit == "%"
                  and d.measure.target != 100, 4):
        out[i] = replace(out[i], comparator_in_target=True, percent_sign=True, altered=True)
    for i in pick(lambda d: normal(d) and quantitative(d) and d.mode == "full", 2):
        out[i] = replace(out[i], full_width=True, altered=True)
    partial = pick(lambda d: d.measure.comparator == "定性" and _tier(d.ratio) == "部分达成", 1)
    achieved = pick(lambda d: d.measure.comparator == "定性" and _tier(d.ratio) == "达成", 1)
    for i, share in ((partial[0], 0.7), (achieved[0], 0.9)):
        out[i] = replace(out[i], judged_share=share)
    return out


# --- typing the values as a person would -------------------------------------------------------

_FULL_WIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")


def _tier(ratio: float) -> str:
    return next(name for low, name in QUALITATIVE_TIERS if ratio >= low)


def _number_text(value: float, decimals: int, comma: bool) -> str:
    """``1,234.5``-style text with trailing zeros dropped."""
    text = f"{value:,.{decimals}f}" if comma else f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _floor(value: float, decimals: int) -> float:
    scale = 10 ** decimals
    return math.floor(value * scale + 1e-9) / scale


def _ceil(value: float, decimals: int) -> float:
    scale = 10 ** decimals
    return math.ceil(value * scale - 1e-9) / scale


def _decimals(m: Measure) -> int:
    """Decimals a value is typed with: rates to 0.1 %, other units as the measure says."""
    return max(m.decimals, 1) if m.unit == "%" else m.decimals


def _actual(d: Draft, lam: float, tune: float) -> float:
    """The actual value: the target scaled by the draft's achievement, rounded as typed."""
    m, t = d.measure, float(d.target)
    decimals = _decimals(m)
    if d.mode == "tune":
        return tune
    ratio = {"full": 1.0, "short": 1.0 - lam * d.shortfall}.get(d.mode, d.ratio)
    if m.comparator == "=":
        return t if ratio >= 1 else t + 1
    if m.comparator == "≤":
        if ratio >= 1:
            return round(t * (1 - 0.15 * d.margin), decimals)
        return _ceil(t / max(ratio, 0.05), decimals)
    if ratio < 1:
        return _floor(t * max(ratio, 0.0), decimals)
    if m.unit == "%":
        return round(t + min(100 - t, 0.2 * t) * d.margin, decimals)
    return _ceil(t * max(ratio, 1 + 0.1 * max(d.margin - 0.6, 0.0)), decimals)


def _typed(value: float, d: Draft) -> str:
    m = d.measure
    text = _number_text(value, _decimals(m), d.comma)
    return text + "%" if m.unit == "%" and d.percent_sign else text


def _row(d: Draft, lam: float, tune: float) -> dict[str, object]:
    """One indicators-table row with target and actual typed as text."""
    m = d.measure
    if m.comparator == "定性":
        target, actual = str(d.target), _tier(d.ratio)
    else:
        target = _typed(float(d.target), d)
        actual = _typed(_actual(d, lam, tune), d)
    if d.comparator_in_target:
        target = m.comparator + target
    if d.full_width:
        actual = actual.translate(_FULL_WIDTH)
    if d.special == "blank":
        actual = ""
    elif d.special == "na":
        actual = "不适用"
    judged = math.floor(d.judged_share * d.weight * 2) / 2 if d.judged_share >= 0 else math.nan
    number = d.project_id.rsplit("-", 1)[1]
    return {
        "project_id": d.project_id, "indicator_id": d.indicator_id,
        "level1": LEVEL2[m.level2], "level2": m.level2, "name": m.name,
        "comparator": "" if d.comparator_in_target else m.comparator, "target": target,
        "unit": m.unit, "weight": d.weight, "actual": actual, "judged_score": judged,
        "evidence": "" if d.special == "blank" else f"ZJ-{YEAR}-{number}-{d.indicator_id[2:]}",
    }


def indicator_table(drafts: list[Draft], lam: float, tune: float) -> pd.DataFrame:
    """The indicators table (text cells as typed) for shortfall factor ``lam`` and the tuning actual."""
    columns = [c.name for c in INDICATORS.columns]
    return pd.DataFrame([_row(d, lam, tune) for d in drafts], columns=columns)


def project_table(projects: list[Project]) -> pd.DataFrame:
    """The projects table with money in 万元 (floats) and is_poverty as bool, for evalkit."""
    return pd.DataFrame({
        "project_id": [p.project_id for p in projects],
        "project_name": [p.project_name for p in projects],
        "unit_id": [p.unit_id for p in projects], "unit_name": [p.unit_name for p in projects],
        "year": YEAR, "category": [p.category for p in projects],
        "is_poverty": [p.is_poverty for p in projects],
        **{col: [getattr(p, col) / YUAN_PER_WAN for p in projects]
           for col in ("budget", "received", "spent")},
        "stage": [p.stage for p in projects], "note": [p.note for p in projects],
    })


# --- calibrating the completion rate -----------------------------------------------------------

def completion_rate(projects: pd.DataFrame, indicators: pd.DataFrame, rules: RuleSet) -> float:
    """The county completion rate as :func:`evalkit.summary.county_figures` defines it."""
    summary = summarize_projects(projects, indicators, ruleset=rules)
    return county_figures(summary)["completion_rate"]


def calibrate_completion(projects: pd.DataFrame, drafts: list[Draft]) -> tuple[float, float]:
    """Solve for λ (shortfall factor) and the tuning actual that give a 93.34 % completion rate.

    Bisection on λ with the tuning indicator at 97 % of its target brackets the rate from above;
    the tuning indicator's actual (a ``≥`` quantity typed to 2 decimals, scored linearly below
    its target) then closes the remaining gap by one secant step.
    """
    d = next(x for x in drafts if x.mode == "tune")
    target = float(d.target)
    start = _floor(0.97 * target, 2)

    rules = load_ruleset(RULESET)  # parsed once: the solver scores the sheets ~30 times

    def rate(lam: float, tune: float) -> float:
        return completion_rate(projects, indicator_table(drafts, lam, tune), rules)

    low, high = 0.0, 3.0
    if not rate(low, start) > COMPLETION_RATE > rate(high, start):
        raise RuntimeError("completion calibration: the rate is not bracketed by λ in [0, 3]")
    for _ in range(24):
        mid = (low + high) / 2
        low, high = (mid, high) if rate(mid, start) > COMPLETION_RATE else (low, mid)
    lower = _floor(0.92 * target, 2)
    base, other = rate(low, start), rate(low, lower)
    tune = round(start + (COMPLETION_RATE - base) * (start - lower) / (base - other), 2)
    if not 0.8 * target <= tune < target:
        raise RuntimeError(f"completion calibration: tuning actual {tune} outside its range")
    achieved = rate(low, tune)
    if abs(achieved - COMPLETION_RATE) >= TOLERANCE:
        raise RuntimeError(f"completion calibration missed: {achieved:.7f}")
    return low, tune


# --- ex-ante assessments ----------------------------------------------------------------------

SUPPORT, REVISE, REJECT = "予以支持", "调整完善后予以支持", "不予支持"
#: The county's expert pool (专家库), E01…E12; each panel draws 5–7 of them.
EXPERT_POOL = 12
#: Standard deviations, in shares of an item's points: an expert's leniency (kept across panels),
#: an item's latent quality (shared by the panel), one score's noise, and the noise of a panel whose
#: experts score independently of each other.
EXPERT_BIAS_SD, ITEM_SD, NOISE_SD, DISAGREE_SD = 0.03, 0.1, 0.045, 0.12
#: The outlying expert of an ``outlier`` panel scores this share of the points below the others on
#: this many items: more than a third of the 15, so evalkit flags the expert.
OUTLIER_OFFSET, OUTLIER_ITEMS = 0.45, 6
#: Chance that an expert writes a comment on a score below 60 % of the points, below 80 %, or above.
COMMENT_CHANCE = ((0.6, 0.45), (0.8, 0.15), (math.inf, 0.03))


@dataclass(frozen=True)
class Proposal:
    """A new project asking for 2021 funds (事前评估), and what its expert panel should conclude.

    ``target`` is the panel total the calibration aims at (it lands at or just above it);
    ``tilt`` shifts the five dimensions' shares (rule-set order: 立项必要性, 投入经济性,
    绩效目标合理性, 实施方案可行性, 筹资合规性) around the project's level and sums to 0.
    ``panel`` is ``agree`` (experts share each item's latent quality, plus small noise),
    ``disagree`` (each expert scores independently: Kendall's W is low) or ``outlier`` (as
    ``agree``, but one expert scores far below the others on a few items). ``veto`` says the
    筹资合规性 veto must apply although the total alone would pass.
    """

    name: str
    unit: str
    category: str
    poverty: bool
    budget: float  # requested funds, 万元
    n_experts: int
    target: float
    tilt: tuple[float, float, float, float, float]
    conclusion: str
    panel: str = "agree"
    veto: bool = False


X = Proposal
#: The ex-ante projects SQ-2021-001 … 010. SQ-2021-002 and 005 total 104 万元, the seed county's
#: two ex-ante assessments.
PROPOSALS = (
    X("2021年红柳镇农村饮水安全巩固提升工程", "县水利局", TRANSFER, True, 385.6, 7, 93,
      (0.03, -0.02, 0.0, -0.02, 0.01), SUPPORT),
    X("2021年乡镇卫生院医疗设备购置项目", "县卫生健康委员会", LOCAL, False, 46, 5, 91.5,
      (0.02, 0.0, -0.03, 0.0, 0.01), SUPPORT),
    X("2021年中小学校舍维修改造项目", "县教育局", LOCAL, False, 267.85, 6, 92,
      (0.04, -0.02, -0.01, -0.02, 0.01), SUPPORT),
    X("2021年县城老旧小区改造项目", "县住房和城乡建设局", LOCAL, False, 745, 7, 84,
      (0.06, -0.06, -0.02, -0.01, 0.03), REVISE),
    X("2021年数字乡村建设试点项目", "县农业农村局", LOCAL, False, 58, 7, 78,
      (0.02, 0.0, -0.06, -0.02, 0.06), REVISE, panel="outlier"),
    X("2021年冬季清洁取暖改造项目", "县生态环境局", LOCAL, False, 520, 6, 80,
      (0.0, 0.0, 0.0, 0.0, 0.0), REVISE, panel="disagree"),
    X("2021年白杨乡乡村振兴示范村人居环境提升项目", "白杨乡人民政府", LOCAL, True, 150, 6, 73,
      (0.05, -0.04, -0.03, -0.03, 0.05), REVISE),
    X("2021年智慧城管平台建设项目", "县城市管理局", LOCAL, False, 312.4, 6, 62,
      (-0.22, 0.02, -0.05, 0.05, 0.2), REJECT),
    X("2021年县城景观亮化提升工程", "县城市管理局", LOCAL, False, 430, 7, 54,
      (-0.12, -0.1, -0.14, 0.06, 0.3), REJECT),
    X("2021年胡杨镇特色小镇旅游基础设施建设项目", "县文化体育广播电视和旅游局", LOCAL, False,
      680, 7, 80, (0.08, 0.06, 0.08, 0.08, -0.3), REJECT, veto=True),
)

#: Comments experts write per sub-item of the national framework: (concerns, praise).
ITEM_COMMENTS = {
    "A1": (("与县“十四五”规划衔接的依据不充分", "未说明属于政府支出责任的依据"),
           ("符合乡村振兴和县“十四五”规划方向",)),
    "A2": (("缺少需求调研数据，迫切性论证不足", "受益群众诉求材料不足"), ("需求调研扎实，群众诉求迫切",)),
    "A3": (("与已有项目内容部分重复，建议整合", "可引入社会资本参与，财政全额投入的必要性不足"),
           ("与申报单位职能直接相关",)),
    "B1": (("测算依据不足，建议补充询价材料", "单价偏高，未提供定额或市场询价依据"),
           ("单价有询价和定额支撑",)),
    "B2": (("预算未细化到具体支出内容", "其他费用占比偏高，需说明"), ("预算编制细化规范",)),
    "B3": (("未比较替代方案", "预期产出与投入不够相称"), ("比较了两套方案，选择合理",)),
    "C1": (("绩效目标表述笼统，与项目内容对应不够", "年度目标与总体目标未区分"), ("目标清晰具体",)),
    "C2": (("缺少成本指标和满意度指标", "部分指标无法量化考核"), ("指标体系完整、可考核",)),
    "C3": (("目标值偏低", "目标值与资金规模不匹配，建议参考历史水平调整"), ("目标值与投入匹配",)),
    "D1": (("进度安排过于乐观", "技术路线不够明确"), ("实施方案完整，进度安排合理",)),
    "D2": (("项目管理制度有待健全", "未明确监督机制"), ("组织机构健全",)),
    "D3": (("未识别征地拆迁等实施风险", "风险应对措施不具体"), ("风险应对措施可行",)),
    "E1": (("资金来源未落实，拟由平台公司融资，不符合规定", "配套资金来源不明确"), ("资金来源已落实",)),
    "E2": (("申请资金规模偏大，建议核减", "自筹资金未落实"), ("筹资规模与项目需要相符",)),
    "E3": (("存在新增隐性债务风险", "超出财政承受能力，建议分年度实施"),
           ("不新增政府债务，财政风险可控",)),
}


@dataclass(frozen=True)
class Panel:
    """Latent draws of one ex-ante project's panel (arrays are expert × item, framework order).

    A score is ``offsets`` plus the project's level, as a share of the item's points, clipped to
    [0, 1] and rounded to half points. ``comment_draws`` (uniform) decide whether the expert writes a
    comment on the item, ``comment_picks`` which one.
    """

    project_id: str
    experts: tuple[str, ...]
    offsets: np.ndarray
    comment_draws: np.ndarray
    comment_picks: np.ndarray


def exante_items(rules: RuleSet) -> pd.DataFrame:
    """The sub-items experts score (item_id, dimension, points), from the rule set's framework."""
    section = rules.section("exante")
    items = pd.DataFrame(section["items"])[["item_id", "dimension", "points"]]
    if set(items["item_id"]) != set(ITEM_COMMENTS):
        raise RuntimeError("ITEM_COMMENTS does not cover the rule set's ex-ante sub-items")
    return items


def draw_panels(rng: np.random.Generator, items: pd.DataFrame, dimensions: list[str]) -> list[Panel]:
    """Each proposal's experts and the latent offsets of their scores (see :class:`Proposal`)."""
    bias = rng.normal(0.0, EXPERT_BIAS_SD, EXPERT_POOL)
    which = items["dimension"].map(dimensions.index).to_numpy()
    k = len(items)
    panels = []
    for number, proposal in enumerate(PROPOSALS, start=1):
        n = proposal.n_experts
        chosen = np.sort(rng.choice(EXPERT_POOL, n, replace=False))
        tilt = np.asarray(proposal.tilt)[which]
        if proposal.panel == "disagree":
            offsets = tilt + rng.normal(0.0, DISAGREE_SD, (n, k))
        else:
            offsets = tilt + rng.normal(0.0, ITEM_SD, k) + rng.normal(0.0, NOISE_SD, (n, k))
        offsets += bias[chosen][:, None]
        if proposal.panel == "outlier":
            odd = int(rng.integers(n))
            offsets[odd, rng.choice(k, OUTLIER_ITEMS, replace=False)] -= OUTLIER_OFFSET
        panels.append(Panel(f"SQ-{EXANTE_YEAR}-{number:03d}",
                            tuple(f"E{e + 1:02d}" for e in chosen), offsets,
                            rng.random((n, k)), rng.integers(0, 6, (n, k))))
    return panels


def _half_points(share: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Scores as experts give them: the share of the points, clipped, to the nearest half point."""
    return np.floor(np.clip(share, 0.0, 1.0) * points * 2 + 0.5) / 2


def _comment(item_id: str, share: float, draw: float, pick: int) -> str:
    concerns, praise = ITEM_COMMENTS[item_id]
    chance = next(c for below, c in COMMENT_CHANCE if share < below)
    pool = concerns if share < 0.8 else praise
    return pool[pick % len(pool)] if draw < chance else ""


def expert_score_table(panels: list[Panel], levels: np.ndarray,
                       items: pd.DataFrame) -> pd.DataFrame:
    """The long ``expert_scores`` table (project, expert, item in framework order) at these levels."""
    points = items["points"].to_numpy(dtype=float)
    rows = []
    for panel, level in zip(panels, levels, strict=True):
        scores = _half_points(level + panel.offsets, points)
        for e, expert in enumerate(panel.experts):
            for i, item in enumerate(items["item_id"]):
                # points: the item's 分值 scored against, so the panel carries to any item table
                rows.append((panel.project_id, expert, item, scores[e, i], points[i],
                             _comment(item, scores[e, i] / points[i], panel.comment_draws[e, i],
                                      int(panel.comment_picks[e, i]))))
    return pd.DataFrame(rows, columns=[c.name for c in EXPERT_SCORES.columns])


def calibrate_panels(panels: list[Panel], items: pd.DataFrame, rules: RuleSet) -> np.ndarray:
    """Bisect each project's level so its panel total is the smallest at or above its target.

    A score never falls when the level rises, nor does a trimmed mean when a score rises, so each
    project's total is a non-decreasing step function of its level and the projects are solved
    side by side, one :func:`aggregate_panel` call per step.
    """
    panel_rules = rules.section("panel")
    ids = [p.project_id for p in panels]
    targets = np.array([p.target for p in PROPOSALS])

    def totals(levels: np.ndarray) -> np.ndarray:
        table = expert_score_table(panels, levels, items)
        with warnings.catch_warnings():  # constant experts at the bracket ends are expected
            warnings.simplefilter("ignore", EvalkitWarning)
            result = aggregate_panel(table, method=panel_rules["method"],
                                     trim_when_more_than=panel_rules["trim_when_more_than"],
                                     trim=panel_rules["trim"], by="project_id")
        return result.items.groupby("project_id")["aggregate"].sum().reindex(ids).to_numpy()

    low, high = np.zeros(len(panels)), np.full(len(panels), 1.5)
    if not ((totals(low) < targets) & (totals(high) >= targets)).all():
        raise RuntimeError("panel calibration: a target is not bracketed by levels in [0, 1.5]")
    for _ in range(20):
        mid = (low + high) / 2
        reached = totals(mid) >= targets
        low, high = np.where(reached, low, mid), np.where(reached, mid, high)
    return high


def check_panels(expert_scores: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """Assess every project with :func:`evalkit.stages.exante.assess` and check the plan came true.

    Returns one row per project: project_id, n_experts, total, conclusion, vetoes, kendall_w,
    agreement_ok and flagged (experts evalkit flags as outlying).
    """
    rows = []
    for proposal, (pid, scores) in zip(PROPOSALS, expert_scores.groupby("project_id"),
                                       strict=True):
        with warnings.catch_warnings():  # the planned low agreement and outlier warn, as they should
            warnings.simplefilter("ignore", EvalkitWarning)
            result = assess(scores, ruleset=rules)
        flagged = result.experts.loc[result.experts["flagged"], "expert_id"].tolist()
        planned = (proposal.conclusion, proposal.veto, proposal.panel != "disagree",
                   proposal.panel == "outlier")
        found = (result.conclusion, bool(result.vetoes), result.agreement_ok, bool(flagged))
        if planned != found:
            raise RuntimeError(f"ex-ante panel {pid}: planned (conclusion, veto, agreement, "
                               f"outlier) {planned}, found {found}")
        rows.append({"project_id": pid, "n_experts": result.n_experts, "total": result.total,
                     "conclusion": result.conclusion, "vetoes": "；".join(result.vetoes),
                     "kendall_w": result.kendall.w, "agreement_ok": result.agreement_ok,
                     "flagged": ",".join(flagged)})
    return pd.DataFrame(rows)


def build_exante() -> tuple[list[list[object]], pd.DataFrame, pd.DataFrame]:
    """Draw and calibrate the ex-ante projects and their panels.

    Returns the projects' rows (as :func:`output_tables` writes them), the ``expert_scores`` table
    and the assessment of every project (:func:`check_panels`).
    """
    rules = load_ruleset(RULESET)
    items = exante_items(rules)
    dimensions = [d["dimension"] for d in rules.section("exante")["dimensions"]]
    panels = draw_panels(np.random.default_rng(EXANTE_SEED), items, dimensions)
    scores = expert_score_table(panels, calibrate_panels(panels, items, rules), items)
    unit_ids = {name: f"DW{i:03d}" for i, name in enumerate(_unit_names(), start=1)}
    rows = [[panel.project_id, p.name, unit_ids[p.unit], p.unit, EXANTE_YEAR, p.category,
             "是" if p.poverty else "否", _wan(_yuan(p.budget, 1)), 0, 0, EXANTE_STAGE, None,
             YEAR if panel.project_id in EXANTE_ASSESSED_2020 else EXANTE_YEAR]
            for panel, p in zip(panels, PROPOSALS, strict=True)]
    return rows, scores, check_panels(scores, rules)


# --- key projects (重点项目绩效评价) and deviation explanations ---------------------------------

#: Seeds of the parts added after the ledger, one stream each, so that neither the ledger nor the
#: ex-ante panels above move, and each part stays put when another changes.
JUDGEMENT_SEED, SURVEY_SEED, EXPLANATION_SEED = 20201201, 20201202, 20201203
TIERS = tuple(name for _, name in QUALITATIVE_TIERS)
ACHIEVED, PARTIAL, MISSED = TIERS
#: Where a judged score falls inside its tier's range of shares, as fractions of that range: away
#: from the ends, so that no score rounded to 0.1 point sits on a bound two tiers share.
JUDGED_POSITION = (0.25, 0.85)
#: Survey answers (Likert 1–5): a respondent's answers share a latent attitude with this
#: correlation (Gaussian copula); each question's satisfied share strays from the project's level
#: with this SD; the unsatisfied share splits over 1, 2, 3 and the satisfied share over 4, 5 thus.
ANSWER_CORRELATION, QUESTION_SD = 0.5, 0.03
UNSATISFIED_SPLIT, SATISFIED_SPLIT = (0.1, 0.3, 0.6), (0.45, 0.55)
#: Most respondents a survey has (the least is the rule set's ``survey.min_sample``).
MAX_RESPONDENTS = 200
#: Answers typed wrongly into the ``invalid`` survey: out of the 1–5 scale, a half point, text.
INVALID_ANSWERS = (7, 7, 7, 0, 3.5, "满意")
#: Share of the other projects' deviating indicators that come with an explanation
#: (偏差原因分析及改进措施); a key project explains every one.
EXPLAINED_SHARE = 0.5


@dataclass(frozen=True)
class KeyProject:
    """A ledger project a third party evaluates in depth (``stage`` 重点评价), and its plan.

    ``keyword`` must appear in the project's name (after ``rename``, if any). ``tiers`` is the
    evaluator's tier for each judged leaf of the rule set's key-project framework that is not
    达成. The beneficiary survey has ``respondents`` who answer every question (the last is the
    overall one); their answers are calibrated to the satisfaction rate ``satisfaction`` (as
    :func:`evalkit.survey.analyze_survey` computes it: 满意人数 / 有效样本). ``survey`` is
    ``normal``, ``small`` (fewer respondents than the rule set's ``survey.min_sample``) or
    ``invalid`` (:data:`INVALID_ANSWERS` typed in among the answers). ``extra_received`` 万元
    arrived on top of the budget, which ``note`` (说明) explains. ``grade`` is the grade
    :func:`evalkit.stages.keyproject.assess` must give the project under the national rule set.
    """

    project_id: str
    keyword: str
    grade: str
    tiers: dict[str, str]
    respondents: int
    satisfaction: float
    questions: tuple[str, ...]
    survey: str = "normal"
    rename: str = ""
    extra_received: int = 0
    note: str = ""


K = KeyProject
#: The key projects, one per kind the issue names; all poverty projects whose sheets cover the six
#: mandatory level-2 names. XM-2020-031 is planned 优; XM-2020-042, which spent 62 % of the funds
#: received and is flagged for rectification, 中; the others 良.
KEY_PROJECTS = (
    K("XM-2020-003", "职业教育", "良",
      {"A21": PARTIAL, "A31": PARTIAL, "B22": PARTIAL, "D11": PARTIAL},
      35, 0.90, ("您对补助标准是否满意", "您对补助资金发放及时性是否满意",
                 "您对申请手续便捷程度是否满意", "总体满意度"), survey="small"),
    K("XM-2020-017", "农村安居房", "良",
      {"A21": PARTIAL, "A31": PARTIAL, "B13": PARTIAL, "B21": PARTIAL, "B22": MISSED,
       "D11": PARTIAL},
      150, 0.90, ("您对住房安全改善情况是否满意", "您对施工质量是否满意",
                  "您对补助资金发放是否满意", "您对工程进度是否满意", "总体满意度"),
      survey="invalid"),
    K("XM-2020-022", "乡村道路", "良",
      {"A21": PARTIAL, "A22": PARTIAL, "A31": PARTIAL, "A32": PARTIAL, "B13": PARTIAL,
       "B21": PARTIAL, "B22": PARTIAL, "D11": PARTIAL},
      180, 0.88, ("您对道路通行条件改善是否满意", "您对道路施工质量是否满意",
                  "您对施工期间交通组织是否满意", "您对道路养护情况是否满意",
                  "您对出行时间节省情况是否满意", "总体满意度"),
      extra_received=50, note="上级追加资金50万元已于12月到位，结转2021年使用"),
    K("XM-2020-031", "高效节水灌溉", "优", {},
      120, 0.95, ("您对灌溉用水保障情况是否满意", "您对节水设施工程质量是否满意",
                  "您对节水增收效果是否满意", "您对设施管护情况是否满意", "总体满意度")),
    K("XM-2020-032", "供水管网改造", "良",
      {"A21": PARTIAL, "A22": PARTIAL, "B13": PARTIAL, "B22": PARTIAL, "D11": PARTIAL},
      96, 0.86, ("您对供水水质是否满意", "您对供水稳定性是否满意",
                 "您对施工后路面恢复情况是否满意", "总体满意度"),
      rename="玉泉镇农村供水管网改造项目"),
    K("XM-2020-042", "畜牧养殖", "中",
      {"A11": PARTIAL, "A12": PARTIAL, "A21": MISSED, "A22": PARTIAL, "A31": MISSED,
       "A32": PARTIAL, "B13": MISSED, "B21": MISSED, "B22": MISSED, "D13": PARTIAL},
      80, 0.72, ("您对扶持对象确定的公平性是否满意", "您对发放的基础母羊质量是否满意",
                 "您对养殖技术指导服务是否满意", "您对养殖增收效果是否满意", "总体满意度")),
)

#: The evaluator's note (评价说明) per judged leaf of the framework, for 达成, 部分达成, 未达成.
JUDGEMENT_NOTES = {
    "A11": ("项目列入县委常委会议定事项和脱贫攻坚项目库，立项依据充分",
            "立项依据基本充分，但需求调研资料不完整", "缺少需求调研，未纳入项目库即立项"),
    "A12": ("经可行性研究、专家论证和集体决策，立项程序规范",
            "履行了集体决策程序，但可行性研究报告晚于批复", "未履行集体决策程序即开工实施"),
    "A21": ("绩效目标与项目内容和资金规模相匹配", "部分目标值设定偏保守，与资金规模不够匹配",
            "绩效目标与实际工作内容脱节"),
    "A22": ("三级指标细化量化，可衡量、可考核", "个别指标表述笼统，难以量化考核",
            "指标未量化，无法考核"),
    "A31": ("预算经询价和定额测算，编制科学", "预算测算依据不够充分，年中调整较大",
            "预算未经测算，执行中大幅调整"),
    "A32": ("资金按因素法分配到村到户，分配合理", "资金分配结果公示不够充分",
            "资金分配未与任务量挂钩"),
    "B13": ("资金拨付手续完备，专款专用，未发现违规使用", "个别支出报账资料不全，已补正",
            "存在超范围列支和报账不及时问题"),
    "B21": ("制定了项目和资金管理办法，制度健全", "项目管理制度基本建立，验收制度不够完善",
            "未制定项目管理制度"),
    "B22": ("严格执行招投标、监理和验收制度", "部分资料归档不及时，制度执行有待加强",
            "制度执行流于形式，未按规定验收"),
    "D11": ("带动受益群众增收，经济效益明显", "经济效益初步显现，尚需持续跟踪",
            "未产生预期经济效益"),
    "D12": ("群众生产生活条件明显改善", "社会效益初步显现", "社会效益不明显"),
    "D13": ("项目实施未对生态环境造成不利影响", "施工对周边植被有一定影响，已基本恢复",
            "造成植被破坏，未按要求恢复"),
    "D14": ("建立了长效管护机制，可持续发挥效益", "管护责任已明确，但管护经费尚未落实",
            "未建立管护机制，可持续性差"),
}

#: Explanations (偏差原因分析及改进措施) by kind of deviation, two wordings each.
EXPLANATIONS = {
    "over": ("年初目标值设定偏保守，实际需求大于预期；下年度参照历史完成情况合理设定目标值",
             "上级追加任务，实际完成量超出年初目标；下年度编报目标时充分考虑追加因素"),
    "quantity": ("受新冠肺炎疫情影响实施推迟，部分任务结转至2021年完成；已督促实施单位加快进度",
                 "实际申报对象少于计划，按实际需求实施；下年度据实测算目标值"),
    "quality": ("质量抽查发现部分问题，已责令整改；将加强过程监管和验收把关",
                "部分环节执行标准不统一；将完善质量标准并加强指导"),
    "time": ("资金下达较晚，实施进度推迟；下年度提前做好项目前期准备",
             "招标程序耗时较长，影响实施进度；将提前启动采购程序"),
    "cost": ("建材和人工价格上涨，单位成本超出计划；下年度加强成本测算和市场询价",
             "实施内容调整导致单位成本增加；将严格控制设计变更"),
    "benefit": ("项目效益需要一定周期才能显现，将持续跟踪监测",
                "受市场价格波动影响，预期效益未完全实现；将加强后续帮扶"),
    "satisfaction": ("部分群众对实施进度有意见；将加强沟通和政策宣传",
                     "服务覆盖面不足，部分群众未及时受益；将扩大服务范围"),
    "qualitative": ("相关工作机制仍在完善中，效果尚未充分显现；下年度细化措施并跟踪落实",
                    "相关制度尚在制定中；将于下年度出台管理办法并明确责任"),
    "equality": ("发生1起一般安全事故，已按规定处理并整改；将加强安全生产管理",
                 "发生的事故已妥善处置；将加强日常检查和安全培训"),
}
_KIND_OF_LEVEL2 = {"数量指标": "quantity", "质量指标": "quality", "时效指标": "time",
                   "成本指标": "cost", "服务对象满意度指标": "satisfaction"}


def _number(project_id: str) -> str:
    """The 3-digit number of a project id (``XM-2020-017`` → ``017``)."""
    return project_id.rsplit("-", 1)[1]


def _sheet_level2(indicators: pd.DataFrame, project_id: str) -> set[str]:
    return set(indicators.loc[indicators["project_id"] == project_id, "level2"])


def mark_key_projects(projects: list[Project], indicators: pd.DataFrame) -> list[Project]:
    """Give the :data:`KEY_PROJECTS` their stage, name, extra funds and note.

    Budgets and spending stay as calibrated: only ``received`` grows, which neither the
    execution rate (Σ spent / Σ budget) nor the completion rate reads.
    """
    plans = {k.project_id: k for k in KEY_PROJECTS}
    out = []
    for p in projects:
        k = plans.get(p.project_id)
        if k is None:
            out.append(p)
            continue
        name = k.rename or p.project_name
        if k.keyword not in name or not p.is_poverty or not (
                set(POVERTY_LEVEL2) <= _sheet_level2(indicators, p.project_id)):
            raise RuntimeError(f"key project {p.project_id} ({name}): expected a poverty project "
                               f"named …{k.keyword}… with the six mandatory level-2 names")
        out.append(replace(p, project_name=name, stage=KEYPROJECT_STAGE, note=k.note,
                           received=p.received + k.extra_received * YUAN_PER_WAN))
    return out


def _framework_leaves(nodes: list[dict]) -> list[dict]:
    """The level-3 leaves of a key-project framework tree, in order."""
    return [leaf for node in nodes
            for leaf in (_framework_leaves(node["children"]) if "children" in node else [node])]


def judged_leaves(rules: RuleSet, level2: set[str]) -> list[dict]:
    """The framework leaves an evaluator judges for a sheet covering ``level2``: the qualitative
    ones, and those read from the sheet when the sheet has no row of their level-2 name."""
    return [leaf for leaf in _framework_leaves(rules.section("keyproject")["framework"])
            if leaf["source"] == "qualitative"
            or (leaf["source"] == "sheet_or_qualitative" and leaf["level2"] not in level2)]


def judgement_table(rng: np.random.Generator, indicators: pd.DataFrame,
                    rules: RuleSet) -> pd.DataFrame:
    """The ``judgements`` table: every key project's tier, score, evidence id and note per judged
    leaf. A score is a share of the leaf's weight inside its tier's range (rule set
    ``scoring.qualitative_tiers``), at :data:`JUDGED_POSITION` of that range, to 0.1 point."""
    ranges = {t.tier: (t.low, t.high) for t in rules.qualitative_tiers}
    rows = []
    for k in KEY_PROJECTS:
        leaves = judged_leaves(rules, _sheet_level2(indicators, k.project_id))
        unknown = set(k.tiers) - {leaf["code"] for leaf in leaves}
        if unknown:
            raise RuntimeError(f"key project {k.project_id}: tiers planned for {sorted(unknown)}, "
                               "which the evaluator does not judge")
        for leaf in leaves:
            tier = k.tiers.get(leaf["code"], ACHIEVED)
            low, high = (bound * leaf["weight"] for bound in ranges[tier])
            score = round(low + (high - low) * rng.uniform(*JUDGED_POSITION), 1)
            if not low < score < high:
                raise RuntimeError(f"{k.project_id} {leaf['code']}: score {score} on the edge "
                                   f"of {tier} [{low}, {high}]")
            rows.append((k.project_id, leaf["code"], tier, score,
                         f"PJ-{YEAR}-{_number(k.project_id)}-{leaf['code']}",
                         JUDGEMENT_NOTES[leaf["code"]][TIERS.index(tier)]))
    return pd.DataFrame(rows, columns=_columns(JUDGEMENTS))


@dataclass(frozen=True)
class SurveyDraws:
    """Latent draws of one key project's survey, fixed while its level is calibrated.

    Each question's satisfied share is the level plus ``offsets`` (clipped); ``uniforms``
    (respondent × question, from a Gaussian copula with :data:`ANSWER_CORRELATION`) are cut at the
    question's cumulative answer shares to give answers 1–5; ``invalid_cells`` (flat indices) get
    :data:`INVALID_ANSWERS`.
    """

    project: KeyProject
    offsets: np.ndarray
    uniforms: np.ndarray
    invalid_cells: np.ndarray


def draw_surveys(rng: np.random.Generator, rules: RuleSet) -> list[SurveyDraws]:
    """Each key project's survey draws; checks the planned sizes against the rule set."""
    min_sample = rules.section("survey")["min_sample"]
    out = []
    for k in KEY_PROJECTS:
        if (k.survey == "small") != (k.respondents < min_sample) or k.respondents > MAX_RESPONDENTS:
            raise RuntimeError(f"key project {k.project_id}: {k.respondents} respondents for a "
                               f"{k.survey} survey (min_sample {min_sample})")
        n, q = k.respondents, len(k.questions)
        offsets = rng.normal(0.0, QUESTION_SD, q)
        latent = (math.sqrt(ANSWER_CORRELATION) * rng.standard_normal((n, 1))
                  + math.sqrt(1 - ANSWER_CORRELATION) * rng.standard_normal((n, q)))
        cells = (rng.choice(n * q, len(INVALID_ANSWERS), replace=False) if k.survey == "invalid"
                 else np.array([], dtype=int))
        out.append(SurveyDraws(k, offsets, ndtr(latent), cells))
    return out


def survey_answers(draws: SurveyDraws, level: float) -> pd.DataFrame:
    """One project's ``survey`` rows at this level: respondent ``WJ-<number>-<n>``, question,
    answer as typed (1–5, or an invalid answer where planted)."""
    k = draws.project
    satisfied = np.clip(level + draws.offsets, 0.05, 0.995)
    shares = np.column_stack([np.outer(1 - satisfied, UNSATISFIED_SPLIT),
                              np.outer(satisfied, SATISFIED_SPLIT)])
    cuts = np.cumsum(shares, axis=1)[:, :-1]
    answers = (1 + (draws.uniforms[:, :, None] > cuts[None, :, :]).sum(axis=2)).astype(object)
    if draws.invalid_cells.size:
        answers.flat[draws.invalid_cells] = np.array(INVALID_ANSWERS, dtype=object)
    n, q = answers.shape
    respondents = [f"WJ-{_number(k.project_id)}-{r:03d}" for r in range(1, n + 1)]
    return pd.DataFrame({"project_id": k.project_id, "respondent_id": np.repeat(respondents, q),
                         "question": np.tile(k.questions, n), "response": answers.ravel()},
                        columns=_columns(SURVEY))


def calibrate_survey(draws: SurveyDraws, rules: RuleSet) -> float:
    """Bisect the level so the satisfaction rate of :func:`evalkit.survey.analyze_survey` is at or
    just above the planned ``satisfaction``: the rate never falls as the level rises, and the
    level is found to within 2⁻¹⁴."""
    target = draws.project.satisfaction

    def rate(level: float) -> float:
        with warnings.catch_warnings():  # the small and the invalid survey warn, as they should
            warnings.simplefilter("ignore", EvalkitWarning)
            return analyze_survey(survey_answers(draws, level), ruleset=rules).rate

    low, high = 0.0, 1.0
    if not rate(low) < target <= rate(high):
        raise RuntimeError(f"survey calibration {draws.project.project_id}: the planned rate "
                           f"{target} is not bracketed by levels in [0, 1]")
    for _ in range(14):
        mid = (low + high) / 2
        low, high = (low, mid) if rate(mid) >= target else (mid, high)
    return high


def survey_table(rng: np.random.Generator, rules: RuleSet) -> pd.DataFrame:
    """The ``survey`` table: every key project's answers at its calibrated level."""
    return pd.concat([survey_answers(d, calibrate_survey(d, rules))
                      for d in draw_surveys(rng, rules)], ignore_index=True)


def _deviation_kind(row) -> str:
    if row.over_achieved:
        return "over"
    if row.comparator == "定性":
        return "qualitative"
    if row.comparator == "=":
        return "equality"
    return _KIND_OF_LEVEL2.get(row.level2, "benefit")


def explain_deviations(rng: np.random.Generator, indicators: pd.DataFrame,
                       rules: RuleSet) -> pd.DataFrame:
    """Fill ``explanation`` for deviating indicators: every one of a key project's, and about
    :data:`EXPLAINED_SHARE` of the others'; the rest stay blank for the self-evaluation to list.

    A row deviates when it scores below its weight (a blank or 不适用 actual excepted) or is
    flagged as over-achieved, as :func:`evalkit.scoring.score_indicators` scores it.
    """
    sheet = score_indicators(indicators, ruleset=rules).sheet
    keys = {k.project_id for k in KEY_PROJECTS}
    short = (sheet["applicable"] & ~sheet["missing_actual"]
             & (sheet["score"] < sheet["effective_weight"]))
    deviates = (short | sheet["over_achieved"]).to_numpy()
    draws, picks = rng.random(len(sheet)), rng.integers(0, 2, len(sheet))
    text = {(row.project_id, row.indicator_id): EXPLANATIONS[_deviation_kind(row)][picks[i]]
            for i, row in enumerate(sheet.itertuples(index=False))
            if deviates[i] and (row.project_id in keys or draws[i] < EXPLAINED_SHARE)}
    out = indicators.copy()
    out["explanation"] = [text.get(key, "") for key in
                          zip(out["project_id"], out["indicator_id"], strict=True)]
    return out


def check_key_projects(projects: list[Project], indicators: pd.DataFrame,
                       judgements: pd.DataFrame, survey: pd.DataFrame,
                       rules: RuleSet) -> pd.DataFrame:
    """Evaluate every key project with :func:`evalkit.stages.keyproject.assess` and check its grade.

    Returns one row per key project: project_id, total, grade, the survey's respondents,
    satisfaction rate, invalid answers and whether it meets the rule set's minimum sample.
    """
    ledger = project_table(projects).set_index("project_id", drop=False)
    rows = []
    for k in KEY_PROJECTS:
        own = (t[t["project_id"] == k.project_id] for t in (indicators, judgements, survey))
        with warnings.catch_warnings():  # the small and the invalid survey warn, as they should
            warnings.simplefilter("ignore", EvalkitWarning)
            result = assess_keyproject(ledger.loc[k.project_id], *own, ruleset=rules)
        if result.grade != k.grade:
            raise RuntimeError(f"key project {k.project_id}: planned grade {k.grade}, evalkit "
                               f"gives {result.total:.2f} {result.grade}")
        s = result.survey
        rows.append({"project_id": k.project_id, "total": result.total, "grade": result.grade,
                     "respondents": s.n_respondents, "rate": s.rate, "n_invalid": s.n_invalid,
                     "meets_min_sample": s.meets_min_sample})
    return pd.DataFrame(rows)


def build_keyprojects(projects: list[Project], indicators: pd.DataFrame
                      ) -> tuple[list[Project], pd.DataFrame, pd.DataFrame, pd.DataFrame,
                                 pd.DataFrame]:
    """Mark the key projects, add their judgements and surveys and the explanations, and check.

    Returns the projects, the indicators (with ``explanation``), ``judgements``, ``survey`` and
    the evaluation of every key project (:func:`check_key_projects`).
    """
    rules = load_ruleset(RULESET)
    projects = mark_key_projects(projects, indicators)
    judgements = judgement_table(np.random.default_rng(JUDGEMENT_SEED), indicators, rules)
    survey = survey_table(np.random.default_rng(SURVEY_SEED), rules)
    indicators = explain_deviations(np.random.default_rng(EXPLANATION_SEED), indicators, rules)
    evaluated = check_key_projects(projects, indicators, judgements, survey, rules)
    return projects, indicators, judgements, survey, evaluated


# --- department-wide evaluation (部门整体支出绩效评价): unit figures, key tasks, judged items -----

#: Seed of the department-wide part: its own stream, so nothing drawn above moves.
UNITWIDE_SEED = 20201204
#: Units with no government procurement budget (政府采购执行率 not applicable) and units that ran
#: no satisfaction survey (服务对象满意度 not applicable): every 13th and every 17th unit.
NO_PROCUREMENT_EVERY, NO_SURVEY_EVERY = 13, 17
#: Generic key tasks (重点工作): name, measure, typical target.
UNIT_TASKS_CATALOGUE = (
    ("完成年度重点工作任务", "项", 12), ("开展业务督导检查", "次", 24), ("办理群众诉求和建议", "件", 150),
    ("组织业务培训", "人次", 300), ("出台或修订内部管理制度", "项", 6), ("完成政务信息公开", "条", 80),
    ("开展政策宣传活动", "场次", 20), ("完成上级交办事项", "件", 40),
)
#: Judged indicators of the rule set's ``unitwide`` section, with a note per tier.
UNIT_TIERS = ("达成", "部分达成", "未达成")
UNIT_TIER_NOTES = {"达成": "佐证资料齐全且符合要求", "部分达成": "基本符合要求但个别环节佐证资料不全",
                   "未达成": "未按要求落实且佐证资料缺失"}


def unit_wide_tables(units: list[tuple[str, str, int]], projects: list[Project],
                     rules: RuleSet) -> tuple[dict[str, list[object]], pd.DataFrame,
                                              pd.DataFrame]:
    """Department-wide figures of every unit, its key tasks and its judged items (synthetic).

    Money in yuan, derived from the unit's budget (which stays as drawn, so the 69 units still
    total 117231 万元): 支出完成数 = its projects' spending + 88–100 % of its basic budget; 预算调整数
    0–12 % of the budget; 结转结余 50–100 % of what was not spent; last year's spending and
    carry-over around this year's; 三公经费 0.3–0.8 % of the basic budget, last year's ±15 %;
    政府采购 5–30 % of the budget (none for every 13th unit), executed 80–100 %; 固定资产 0.5–3 ×
    the budget, 88–100 % in use. 编制数 grows with the basic budget; 在职人员数 is 90–106 % of it
    (rounded), so some units are over their establishment. 服务对象满意度 82–98 % (no survey for
    every 17th unit). 2–4 key tasks per unit from :data:`UNIT_TASKS_CATALOGUE`, completed
    80–115 %. The evaluator's tier of each judged item is drawn 达成 / 部分达成 / 未达成 with
    probabilities 0.6 / 0.3 / 0.1; the unit's own tier is one better with probability 0.5 (units
    are lenient with themselves), so the self-evaluation scores at least as high.
    """
    rng = np.random.default_rng(UNITWIDE_SEED)
    judged = [i for i in rules.section("unitwide")["indicators"] if i["measure"] == "judged"]
    in_projects = {u: 0 for u, _, _ in units}
    spent_projects = dict(in_projects)
    for p in projects:
        in_projects[p.unit_id] += p.budget
        spent_projects[p.unit_id] += p.spent
    figures, tasks, judgements = {}, [], []
    for k, (unit_id, name, budget) in enumerate(units, start=1):
        basic = budget - in_projects[unit_id]
        spent = spent_projects[unit_id] + _yuan(basic * rng.uniform(0.88, 1.0) / YUAN_PER_WAN)
        spent_last = _yuan(spent * rng.uniform(0.85, 1.1) / YUAN_PER_WAN)
        sangong = _yuan(basic * rng.uniform(0.003, 0.008) / YUAN_PER_WAN)
        procurement = (0 if k % NO_PROCUREMENT_EVERY == 0
                       else _yuan(budget * rng.uniform(0.05, 0.3) / YUAN_PER_WAN))
        assets = _yuan(budget * rng.uniform(0.5, 3.0) / YUAN_PER_WAN)
        authorized = int(round(10 + basic / YUAN_PER_WAN / 20 * rng.uniform(0.8, 1.2)))
        n_tasks = int(rng.integers(2, 5))
        figures[unit_id] = [
            int(round(authorized * rng.uniform(0.9, 1.06))), authorized, _wan(spent),
            _wan(_yuan(budget * rng.uniform(0.0, 0.12) / YUAN_PER_WAN)),
            _wan(_yuan(max(budget - spent, 0) * rng.uniform(0.5, 1.0) / YUAN_PER_WAN)),
            _wan(spent_last), _wan(_yuan(spent_last * rng.uniform(0.02, 0.12) / YUAN_PER_WAN)),
            _wan(sangong), _wan(_yuan(sangong * rng.uniform(0.85, 1.15) / YUAN_PER_WAN)),
            _wan(procurement) if procurement else None,
            _wan(_yuan(procurement * rng.uniform(0.8, 1.0) / YUAN_PER_WAN)) if procurement
            else None,
            _wan(assets), _wan(_yuan(assets * rng.uniform(0.88, 1.0) / YUAN_PER_WAN)),
            None if k % NO_SURVEY_EVERY == 0 else round(float(rng.uniform(82, 98)), 1),
            f"履行{name}年度职责、完成重点工作{n_tasks}项、保障所属项目按计划实施",
            f"重点工作{n_tasks}项大部分按期完成、所属项目总体按计划推进",
        ]
        for t, j in enumerate(rng.choice(len(UNIT_TASKS_CATALOGUE), n_tasks, replace=False), 1):
            task, measure, typical = UNIT_TASKS_CATALOGUE[j]
            target = max(2, int(round(typical * rng.uniform(0.6, 1.4))))
            tasks.append([unit_id, f"RW{t:02d}", task, target,
                          int(round(target * rng.uniform(0.8, 1.15))), measure,
                          f"{unit_id}-RW{t:02d}-台账", None])
        for item in judged:
            tier = int(rng.choice(3, p=[0.6, 0.3, 0.1]))
            own = max(0, tier - 1) if rng.uniform() < 0.5 else tier
            judgements.append([unit_id, item["id"], UNIT_TIERS[own], UNIT_TIERS[tier],
                               f"{unit_id}-{item['id']}-佐证", UNIT_TIER_NOTES[UNIT_TIERS[tier]]])
    return figures, pd.DataFrame(tasks), pd.DataFrame(judgements)
# --- target review rounds (绩效目标审核, "三下三上") ------------------------------------------------

#: Seed of the review rounds' draws (its own, so nothing above moves).
REVIEW_SEED = 20200315
#: How many problems a round-1 sheet gets (drawn uniformly), the chance that round 2 fixes each,
#: and the chance that round 2 brings a new one.
ROUND1_PROBLEMS = (1, 4)
ROUND2_FIX_CHANCE = 0.7
ROUND2_NEW_CHANCE = 0.15
#: Share of the ≥/≤ quantity and quality indicators whose last-year actual is on the sheet.
LAST_YEAR_SHARE = 0.3
VAGUE_TARGETS = ("有所提高", "进一步提高", "明显提升", "有所提升")
LOW_SATISFACTION = ("70%", "75%", "78%")
ROUND_COLUMNS = [c.name for c in INDICATOR_ROUNDS.columns]
#: The national rule set's poverty-sheet minimum and categories (DOMAIN.md §2).
REVIEW_POVERTY_MIN = 7
REVIEW_POVERTY_LEVEL2 = ("数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标", "服务对象满意度指标")


def _pick(sheet: pd.DataFrame, mask: pd.Series, u: float) -> int | None:
    """The index label of the row that draw ``u`` picks among ``mask``'s rows, or None."""
    rows = sheet.index[mask.to_numpy()]
    return None if len(rows) == 0 else rows[min(int(u * len(rows)), len(rows) - 1)]


def _quantitative(sheet: pd.DataFrame) -> pd.Series:
    return sheet["comparator"].fillna("").isin(["≥", "≤", "="]) | sheet["target"].str.match("^[≥≤]")


def _drop(sheet: pd.DataFrame, row: int | None) -> pd.DataFrame | None:
    """The sheet without ``row``, its weight moved to the first other row of its level 1."""
    if row is None:
        return None
    same = sheet.index[(sheet["level1"] == sheet.at[row, "level1"]).to_numpy() & (sheet.index != row)]
    if len(same) == 0:
        return None
    out = sheet.copy()
    out.at[same[0], "weight"] = out.at[same[0], "weight"] + out.at[row, "weight"]
    return out.drop(index=row)


def _set(sheet: pd.DataFrame, row: int | None, **cells: object) -> pd.DataFrame | None:
    if row is None:
        return None
    out = sheet.copy()
    for column, value in cells.items():
        out.at[row, column] = value
    return out


def _vague(sheet, project, u):
    row = _pick(sheet, _quantitative(sheet) & (sheet["level2"] != "服务对象满意度指标"), u)
    return _set(sheet, row, target=VAGUE_TARGETS[int(u * 97) % len(VAGUE_TARGETS)], unit="")


def _no_unit(sheet, project, u):
    numeric = sheet["comparator"].isin(["≥", "≤", "="]) & (sheet["unit"].fillna("") != "")
    row = _pick(sheet, numeric, u)
    if row is None:
        return None
    return _set(sheet, row, target=f"{parse_value(sheet.at[row, 'target']).value:g}", unit="")


def _time_without_date(sheet, project, u):
    row = _pick(sheet, sheet["level2"] == "时效指标", u)
    return _set(sheet, row, name="项目实施进度", comparator="定性", target="按计划推进", unit="")


def _low_satisfaction(sheet, project, u):
    row = _pick(sheet, sheet["level2"] == "服务对象满意度指标", u)
    return _set(sheet, row, target=LOW_SATISFACTION[int(u * 89) % len(LOW_SATISFACTION)],
                unit="%")


def _missing_category(sheet, project, u):
    level2 = "成本指标" if project.is_poverty else "质量指标"
    if (sheet["level2"] == level2).sum() != 1:
        return None
    return _drop(sheet, _pick(sheet, sheet["level2"] == level2, u))


def _too_few(sheet, project, u):
    """A poverty sheet cut below 7 indicators, dropping only spare ones (a second indicator of
    a level 2, or one of a level 2 a poverty sheet need not have)."""
    if not project.is_poverty:
        return None
    out = sheet
    while len(out) >= REVIEW_POVERTY_MIN:
        counts = out["level2"].map(out["level2"].value_counts())
        spare = (counts > 1) | ~out["level2"].isin(REVIEW_POVERTY_LEVEL2)
        out = _drop(out, _pick(out, spare, u))
        if out is None:
            return None
    return out


def _weights_off(sheet, project, u):
    row = _pick(sheet, sheet["weight"] > 5, u)
    return _set(sheet, row, weight=sheet.at[row, "weight"] + 5) if row is not None else None


def _copied_name(sheet, project, u):
    return _set(sheet, _pick(sheet, sheet["level2"] == "数量指标", u), name=project.project_name)


def _below_last_year(sheet, project, u):
    has = sheet["last_year"].notna() & (sheet["comparator"] == "≥")
    row = _pick(sheet, has, u)
    if row is None:
        return None
    unit = "%" if str(sheet.at[row, "target"]).endswith("%") else ""
    return _set(sheet, row, target=f"{sheet.at[row, 'last_year']:g}{unit}")


#: The problems a round's sheet may have, each a change of the approved (round-3) sheet; a
#: problem returns None where it does not apply.
PROBLEMS: dict[str, Callable] = {
    "missing_category": _missing_category, "too_few": _too_few, "vague": _vague,
    "no_unit": _no_unit, "time_without_date": _time_without_date,
    "low_satisfaction": _low_satisfaction, "weights_off": _weights_off,
    "copied_name": _copied_name, "below_last_year": _below_last_year,
}


def _with_problems(final: pd.DataFrame, project: Project,
                   problems: list[tuple[str, float]]) -> pd.DataFrame:
    """The approved sheet with ``problems`` (name, draw) applied in :data:`PROBLEMS` order."""
    sheet = final
    order = list(PROBLEMS)
    for name, u in sorted(problems, key=lambda p: order.index(p[0])):
        changed = PROBLEMS[name](sheet, project, u)
        if changed is not None:
            sheet = changed
    return sheet


def _last_year(rng: np.random.Generator, final: pd.DataFrame) -> list[float]:
    """Last year's actual of some ≥/≤ quantity and quality indicators, below (≥) or above (≤)
    this year's target, typed like it (whole numbers or one decimal)."""
    values = []
    for comparator, target, level2 in zip(final["comparator"], final["target"], final["level2"],
                                          strict=True):
        draw, ratio = rng.random(), rng.uniform(0.85, 0.97)
        if level2 not in ("数量指标", "质量指标") or comparator == "定性" or draw > LAST_YEAR_SHARE:
            values.append(math.nan)
            continue
        parsed = parse_value(target)
        cmp = comparator or parsed.comparator
        if cmp not in ("≥", "≤") or not parsed.value:
            values.append(math.nan)
            continue
        value = parsed.value * (ratio if cmp == "≥" else 2 - ratio)
        value = math.floor(value * 10) / 10 if cmp == "≥" else math.ceil(value * 10) / 10
        values.append(value if value != parsed.value else math.nan)
    return values


def review_rounds(projects: list[Project], indicators: pd.DataFrame) -> pd.DataFrame:
    """The indicator sheets of the three review rounds ("三下三上") of every project.

    Round 3 is the approved sheet: the indicators table's cells as typed (no actuals), plus last
    year's actual of some indicators (:data:`LAST_YEAR_SHARE`). Round 1 is that sheet with
    1–3 problems drawn among those of :data:`PROBLEMS` that apply to it; round 2 keeps each with chance
    1 − :data:`ROUND2_FIX_CHANCE` and sometimes has a new one. Problems the approved sheets
    themselves keep (vague qualitative targets such as 明显提升) stay open in round 3.
    """
    rng = np.random.default_rng(REVIEW_SEED)
    frames = []
    for project in projects:
        final = indicators[indicators["project_id"] == project.project_id].reset_index(drop=True)
        final = final.assign(comparator=final["comparator"].fillna(""),
                             unit=final["unit"].fillna(""), last_year=_last_year(rng, final))
        names = [n for n, problem in PROBLEMS.items() if problem(final, project, 0.5) is not None]
        k = min(int(rng.integers(*ROUND1_PROBLEMS)), len(names))
        first = [(names[i], float(u)) for i, u in
                 zip(rng.choice(len(names), size=k, replace=False), rng.random(k), strict=True)]
        second = [p for p in first if rng.random() > ROUND2_FIX_CHANCE]
        new_draw, new_pick, new_u = rng.random(), int(rng.integers(len(names))), float(rng.random())
        if new_draw < ROUND2_NEW_CHANCE and names[new_pick] not in {n for n, _ in first}:
            second.append((names[new_pick], new_u))
        for round_, sheet in ((1, _with_problems(final, project, first)),
                              (2, _with_problems(final, project, second)), (3, final)):
            frames.append(sheet.assign(round=round_))
    return pd.concat(frames, ignore_index=True)[ROUND_COLUMNS]
# --- monitoring (绩效运行监控) at the end of July -------------------------------------------------

MONITORING_SEED = 20200731
MONITORING_MONTH = 7
#: The seed's average monitoring review score (监控审核结果平均分).
REVIEW_AVERAGE = 95.05
#: How close the average must come (it shows as 95.05000): every reachable total is a multiple of
#: 1/756 point (points 40/30/10 shared over 5–10 rows), so exactly 95.05 is out of reach.
REVIEW_TOLERANCE = 1e-5
#: Ledger projects whose monitoring form is poor (no likelihoods, explanations, measures or
#: evidence, half the progress values missing): their review score falls below the rule set's 60.
POOR_FORMS = ("XM-2020-017", "XM-2020-058")
#: Chances: a deviating row explained (cause and explanation), a row with evidence, 纠偏措施
#: written when needed.
EXPLAIN_CHANCE, EVIDENCE_CHANCE, MEASURES_CHANCE = 0.9, 0.97, 0.92
#: Pace factors of spending and of counted ≥ indicators: (cumulative chance, low, high).
PACE = ((0.06, 0.35, 0.6), (0.18, 0.6, 0.8), (0.9, 0.8, 1.18), (1.0, 1.2, 1.45))
MONITORING_CAUSES_TEXT = {
    "经费保障": "资金拨付滞后，部分款项待结算", "制度保障": "实施细则尚未出台，审批流程较长",
    "人员保障": "专业技术人员不足，进度受影响", "硬件条件保障": "受气候和施工条件影响，工期顺延",
    "其他": "受疫情防控影响，部分工作延后开展",
}
MEASURES_TEXT = ("加快资金拨付和项目结算，按月调度进度", "倒排工期，增加施工力量，确保年底前完成",
                 "完善实施细则，压实责任，加强督导检查")
QUALITATIVE_PROGRESS = {"达成": ("按计划推进", "确定能"), "部分达成": ("推进较慢", "有可能"),
                        "未达成": ("尚未启动", "完全不可能")}


def _pace(rng: np.random.Generator) -> float:
    u = rng.random()
    _, low, high = next(p for p in PACE if u < p[0])
    return float(rng.uniform(low, high))


def _progress_text(value: float, unit: str, target: float) -> str:
    if unit == "%":
        return f"{min(value, 100.0):.1f}%"
    if float(target).is_integer() and abs(value) >= 10:
        return str(int(round(value)))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def monitoring_tables(projects: list[Project], indicators: pd.DataFrame
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 绩效监控 and 监控指标 tables before calibration (canonical columns, cells as typed)."""
    from evalkit.values import parse_indicator_cells

    rng = np.random.default_rng(MONITORING_SEED)
    t = MONITORING_MONTH / 12
    forms, rows = [], []
    for p in projects:
        poor = p.project_id in POOR_FORMS
        year_rate = p.spent / p.budget
        spent_ytd = _yuan(p.budget / YUAN_PER_WAN * year_rate * t * min(_pace(rng), 1.6))
        forms.append({"project_id": p.project_id, "month": MONITORING_MONTH,
                      "spent_ytd": _wan(min(spent_ytd, p.spent)), "expected_spent": _wan(p.spent),
                      "measures": "" if poor else MEASURES_TEXT[int(rng.integers(0, 3))]})
        sheet = indicators[indicators["project_id"] == p.project_id]
        for r in sheet.itertuples(index=False):
            cells = parse_indicator_cells(r.comparator, r.target, r.unit, r.actual)
            actual = "" if pd.isna(r.actual) else str(r.actual)
            if cells.comparator == "定性":
                progress, likely = QUALITATIVE_PROGRESS.get(actual, ("按计划推进", "确定能"))
            elif math.isnan(cells.actual):
                progress, likely = "", ""
            elif cells.comparator == "≥" and cells.unit not in ("%", "‰"):
                progress = _progress_text(cells.target * t * _pace(rng), cells.unit, cells.target)
                likely = "确定能" if cells.actual >= cells.target else "有可能"
            else:
                jitter = 1.0 if cells.comparator == "=" else float(rng.uniform(0.97, 1.03))
                progress = _progress_text(cells.actual * jitter, cells.unit, cells.target)
                likely = "确定能"
            if poor:  # no likelihoods, and every other progress value missing
                likely = ""
                progress = "" if len(rows) % 2 and cells.comparator != "定性" else progress
            cause = str(rng.choice(list(MONITORING_CAUSES_TEXT)))
            rows.append({"project_id": p.project_id, "indicator_id": r.indicator_id,
                         "progress": progress, "expected": actual, "likelihood": likely,
                         "cause": cause, "explanation": MONITORING_CAUSES_TEXT[cause],
                         "evidence": ("" if poor or rng.random() > EVIDENCE_CHANCE
                                      else f"JK-{p.project_id[3:]}-{r.indicator_id[2:]}")})
    forms_frame = pd.DataFrame(forms, columns=_columns(MONITORING))
    return forms_frame, pd.DataFrame(rows, columns=_columns(MONITORING_INDICATORS))


def _explain_deviating(rows: pd.DataFrame, lights: dict[tuple[str, str], bool]) -> pd.DataFrame:
    """Keep cause and explanation on about :data:`EXPLAIN_CHANCE` of the deviating rows (none on a
    poor form) and blank them on rows on track (nothing to explain)."""
    rng = np.random.default_rng(MONITORING_SEED + 1)
    out = rows.copy()
    for i, r in enumerate(out.itertuples(index=False)):
        deviating = lights[(r.project_id, r.indicator_id)]
        keep = deviating and r.project_id not in POOR_FORMS and rng.random() < EXPLAIN_CHANCE
        if not keep:
            out.iat[i, out.columns.get_loc("cause")] = ""
            out.iat[i, out.columns.get_loc("explanation")] = ""
    return out


def _monitor(tables: dict[TableSpec, list[list[object]]]):
    """Read the tables back through evalkit.io and monitor every project (the stage's own code)."""
    import tempfile

    from evalkit.io import read_dataset
    from evalkit.stages import monitoring

    with tempfile.TemporaryDirectory() as tmp:
        write_csv(Path(tmp), tables)
        ds = read_dataset(tmp, ruleset=RULESET)
    return ds, [monitoring.evaluate(ds, pid, ruleset=RULESET)
                for pid in monitoring.monitored(ds)]


def _closest_sum(rest: float, candidates: list[tuple[float, int, str]],
                 most: int = 6) -> list[tuple[int, str]]:
    """At most ``most`` candidates (cost, row, column) whose costs sum closest to ``rest``:
    dynamic programming over the exact fractions of the distinct costs."""
    from collections import Counter
    from fractions import Fraction

    by_cost: dict[Fraction, list[tuple[int, str]]] = {}
    for cost, i, col in candidates:
        by_cost.setdefault(Fraction(cost).limit_denominator(1000), []).append((i, col))
    goal = Fraction(rest).limit_denominator(10**9)
    states: dict[Fraction, tuple[Fraction, ...]] = {Fraction(0): ()}
    frontier = dict(states)
    for _ in range(most):
        grown: dict[Fraction, tuple[Fraction, ...]] = {}
        for total, used in frontier.items():
            counts = Counter(used)
            for cost, cells in by_cost.items():
                new = total + cost
                if new <= goal + 1 and new not in states and counts[cost] < len(cells):
                    grown[new] = (*used, cost)
        states.update(grown)
        frontier = grown
    best = min(states, key=lambda total: (abs(goal - total), len(states[total])))
    picked = Counter(states[best])
    return [cell for cost, k in sorted(picked.items()) for cell in by_cost[cost][:k]]


def _blanking(rest: float, candidates: list[tuple[float, int, str]],
              seed: int) -> tuple[list[tuple[int, str]], float]:
    """Cells to blank, in an order drawn from ``seed``, while more than 6 points remain, then
    the closest set of at most six more; and the points then left over."""
    order = np.random.default_rng(seed).permutation(len(candidates))
    chosen, used = [], set()
    for k in order:
        cost, i, column = candidates[k]
        if rest - cost > 6:
            chosen.append((i, column))
            used.add((i, column))
            rest -= cost
    left = [c for c in candidates if (c[1], c[2]) not in used]
    closing = _closest_sum(rest, left)
    costs = {(i, column): cost for cost, i, column in left}
    return chosen + closing, rest - sum(costs[cell] for cell in closing)


def calibrate_review(tables: dict[TableSpec, list[list[object]]], forms: pd.DataFrame,
                     rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Blank a few evidence, likelihood and explanation cells so the average review score is
    95.05 (within :data:`REVIEW_TOLERANCE`).

    Blanking one cell of project p costs ``10 / n_p`` (evidence), ``40 / (3 n_p)`` (a likelihood)
    or ``30 / d_p`` (the explanation of one of its d_p deviating rows) points, n_p its indicators
    (the national review table). Blank cells in a fixed random order while more than 6 points
    remain, then the set of at most six remaining cells whose costs come closest
    (:func:`_closest_sum`).
    """
    def measure(forms: pd.DataFrame, rows: pd.DataFrame):
        return _monitor({**tables, MONITORING: _rows(forms), MONITORING_INDICATORS: _rows(rows)})

    _, results = measure(forms, rows)
    lights = {(r.project_id, i): bool(d) for r in results
              for i, d in zip(r.indicators["indicator_id"], r.indicators["deviating"],
                              strict=True)}
    qualitative = {(r.project_id, i) for r in results
                   for i, c in zip(r.indicators["indicator_id"], r.indicators["comparator"],
                                   strict=True) if c == "定性"}
    rows = _explain_deviating(rows, lights)
    _, results = measure(forms, rows)
    rest = sum(100 - r.review_score for r in results) - len(results) * (100 - REVIEW_AVERAGE)
    rest = -rest  # points still to take off
    if rest < 0:
        raise SystemExit(f"monitoring forms already average below {REVIEW_AVERAGE}: {rest}")
    n = rows.groupby("project_id").size()
    deviating = pd.Series(lights).groupby(level=0).sum()
    candidates = []
    for i, r in enumerate(rows.itertuples(index=False)):
        if r.project_id in POOR_FORMS:
            continue
        if r.evidence:
            candidates.append((10 / n[r.project_id], i, "evidence"))
        if r.likelihood and (r.project_id, r.indicator_id) not in qualitative:
            candidates.append((40 / (3 * n[r.project_id]), i, "likelihood"))
        if r.explanation:
            candidates.append((30 / deviating[r.project_id], i, "explanation"))
    chosen = min((_blanking(rest, candidates, MONITORING_SEED + k) for k in range(2, 12)),
                 key=lambda found: abs(found[1]))[0]
    out = rows.copy()
    for i, column in chosen:
        out.iat[i, out.columns.get_loc(column)] = ""
    _, results = measure(forms, out)
    average = float(np.mean([r.review_score for r in results]))
    if abs(average - REVIEW_AVERAGE) > REVIEW_TOLERANCE:
        raise SystemExit(f"review score calibration missed: {average!r}")
    return forms, out


# --- unit monitoring (部门整体支出监控) at the end of July -----------------------------------------

#: Seed of the units' monitoring forms (its own, so nothing above moves).
UNIT_MONITORING_SEED = 20200801
#: Chance that a unit's deviating key task is explained, that a task row has evidence, that a
#: unit writes 纠偏措施.
UNIT_EXPLAIN_CHANCE, UNIT_EVIDENCE_CHANCE, UNIT_MEASURES_CHANCE = 0.85, 0.95, 0.9


def unit_monitoring_tables(tables: dict[TableSpec, list[list[object]]]
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 单位监控 and 重点工作监控 tables of the 69 units at the end of July (synthetic).

    Spending so far = the unit's year spending (支出完成数) × 7/12 × a pace factor drawn like the
    projects' (:data:`PACE`), at most the year's spending; expected full-year spending = the year
    spending. Each key task's progress = target × 7/12 × a pace factor (whole numbers), its
    expected value its year result (完成值); 完成目标可能性 确定能 when the result meets the target,
    else 有可能. Deviating tasks (ratio outside the green band of the national rule set) are
    explained with chance :data:`UNIT_EXPLAIN_CHANCE`.
    """
    rng = np.random.default_rng(UNIT_MONITORING_SEED)
    t = MONITORING_MONTH / 12
    green = next(b for b in load_ruleset(RULESET).section("monitoring")["indicator_lights"]
                 if b["light"] == "绿")
    forms, rows = [], []
    for unit in tables[UNITS]:
        unit_id, spent = unit[0], unit[5]
        spent_ytd = _yuan(min(spent * t * _pace(rng), spent))
        forms.append({"unit_id": unit_id, "month": MONITORING_MONTH, "spent_ytd": _wan(spent_ytd),
                      "expected_spent": spent,
                      "measures": MEASURES_TEXT[int(rng.integers(0, 3))]
                      if rng.random() < UNIT_MEASURES_CHANCE else ""})
        for task in (r for r in tables[UNIT_TASKS] if r[0] == unit_id):
            _, task_id, _, target, actual = task[:5]
            progress = int(round(target * t * _pace(rng)))
            ratio = progress / target / t
            deviating = not (green["min"] <= ratio < green["max"])
            cause = str(rng.choice(list(MONITORING_CAUSES_TEXT)))
            explained = deviating and rng.random() < UNIT_EXPLAIN_CHANCE
            rows.append({"unit_id": unit_id, "task_id": task_id, "progress": progress,
                         "expected": actual, "likelihood": "确定能" if actual >= target else "有可能",
                         "cause": cause if explained else "",
                         "explanation": MONITORING_CAUSES_TEXT[cause] if explained else "",
                         "evidence": (f"JK-{unit_id}-{task_id}"
                                      if rng.random() < UNIT_EVIDENCE_CHANCE else "")})
    return (pd.DataFrame(forms, columns=_columns(UNIT_MONITORING)),
            pd.DataFrame(rows, columns=_columns(UNIT_TASK_MONITORING)))


# --- writing -----------------------------------------------------------------------------------

def _wan(yuan: int) -> int | float:
    """A yuan amount in 万元: an int when whole, else the float nearest the exact decimal."""
    whole, frac = divmod(yuan, YUAN_PER_WAN)
    return whole if frac == 0 else yuan / YUAN_PER_WAN


def _cell(value: object) -> object:
    """None for an empty cell (blank text or NaN), a whole float as int, else the value."""
    if isinstance(value, np.generic):
        value = value.item()
    if value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value) if isinstance(value, float) and value.is_integer() else value


def output_tables(units: list[tuple[str, str, int]], projects: list[Project],
                  indicators: pd.DataFrame, exante_rows: list[list[object]],
                  expert_scores: pd.DataFrame, survey: pd.DataFrame,
                  judgements: pd.DataFrame,
                  unit_wide: tuple[dict[str, list[object]], pd.DataFrame, pd.DataFrame],
                  indicator_rounds: pd.DataFrame) -> dict[TableSpec, list[list[object]]]:
    """Rows of every table as written: money as exact 万元 numbers, is_poverty as 是/否.

    The projects table lists the 2020 ledger (``stage`` blank, or 重点评价 for the key projects)
    then the ex-ante projects. Survey answers stay as typed (numbers, or text when typed so).
    """
    unit_figures, unit_tasks, unit_judgements = unit_wide
    unit_rows = [[u, n, _wan(b), *unit_figures[u]] for u, n, b in units]
    project_rows = [[p.project_id, p.project_name, p.unit_id, p.unit_name, YEAR, p.category,
                     "是" if p.is_poverty else "否", _wan(p.budget), _wan(p.received),
                     _wan(p.spent), _cell(p.stage), _cell(p.note), None] for p in projects]
    indicator_rows = _rows(indicators)
    width = len(PROJECTS.columns)  # the optional columns (全年预算数 …) are left blank
    project_rows = [row + [None] * (width - len(row)) for row in project_rows + exante_rows]
    return {UNITS: unit_rows, PROJECTS: project_rows, INDICATORS: indicator_rows,
            EXPERT_SCORES: _rows(expert_scores), SURVEY: _rows(survey),
            JUDGEMENTS: _rows(judgements), UNIT_TASKS: _rows(unit_tasks),
            UNIT_JUDGEMENTS: _rows(unit_judgements),
            INDICATOR_ROUNDS: _rows(indicator_rounds)}


def _rows(table: pd.DataFrame) -> list[list[object]]:
    """A table's rows as cells (see :func:`_cell`)."""
    return [[_cell(v) for v in row] for row in table.itertuples(index=False)]


def _columns(spec: TableSpec) -> list[str]:
    """The canonical column names of ``spec``, in order."""
    return [c.name for c in spec.columns]


def write_csv(folder: Path, tables: dict[TableSpec, list[list[object]]]) -> None:
    """One UTF-8-with-BOM CSV per table, English canonical headers, LF line ends."""
    folder.mkdir(parents=True, exist_ok=True)
    for spec, rows in tables.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(_columns(spec))
        for row in rows:
            writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else str(v)
                             for v in row])
        (folder / f"{spec.name}.csv").write_bytes(buffer.getvalue().encode("utf-8-sig"))


def notes_rows(figures: dict[str, float], lam: float,
               tables: dict[TableSpec, list[list[object]]], exante: pd.DataFrame,
               evaluated: pd.DataFrame, units: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    """The 说明 sheet: what the workbook is, the calibration, the ex-ante part, the key projects,
    the imperfections."""
    names = {row[0]: row[1] for row in tables[PROJECTS]}
    key_projects = "；".join(
        f"{r.project_id} {names[r.project_id]} {r.total:.2f}分 {r.grade}（问卷{r.respondents}份，"
        f"满意度{r.rate:.2%}" + ("，样本量不足" if not r.meets_min_sample else "")
        + (f"，无效答案{r.n_invalid}条" if r.n_invalid else "")
        + (f"，{k.note}" if k.note else "") + "）"
        for k, r in zip(KEY_PROJECTS, evaluated.itertuples(index=False), strict=True))
    outcomes = "；".join(f"{r.project_id} {r.total:.2f}分 {r.conclusion}"
                        + (f"（{r.vetoes}，一票否决）" if r.vetoes else "")
                        for r in exante.itertuples(index=False))
    return [
        ("数据性质", "【虚构示例数据 SYNTHETIC】本工作簿由程序生成，仅用于演示和测试 evalkit，"
                     "不是任何真实县、单位或项目的数据。"),
        ("虚构县名", f"{COUNTY}，设定为新疆巴音郭楞蒙古自治州（巴州）所辖的一个县；乡镇名称亦为虚构。"),
        ("校准依据", "汇总数按且末县财政局《且末县2020年全面实施预算绩效管理工作总结》公布的数字校准："
                     "69个一级预算单位、117231万元；77个项目（本级财力追加31个、专项转移支付46个）、"
                     "72230万元；预算执行率92.53%，绩效目标总体完成率93.34%，偏差0.81个百分点。"),
        ("复核结果", f"evalkit（全国参考规则集）复算：预算执行率{figures['execution_rate']:.4%}，"
                     f"目标完成率{figures['completion_rate']:.4%}，偏差{figures['gap_points']:.2f}"
                     f"个百分点；扶贫项目{figures['n_poverty']}个、"
                     f"{figures['poverty_budget']:.2f}万元；需整改项目{figures['n_rectification']}个。"),
        ("生成方式", f"python data/sample/generate.py（随机种子 {SEED}，缺口系数 λ={lam:.6f}；"
                     f"事前评估部分随机种子 {EXANTE_SEED}；定性评价、满意度调查、偏差原因分别为 "
                     f"{JUDGEMENT_SEED}、{SURVEY_SEED}、{EXPLANATION_SEED}），"
                     "每次运行逐字节重写本工作簿和 csv 文件夹。"),
        ("工作表", f"预算单位：一级预算单位及年度预算数；项目：项目台账；"
                   f"绩效指标：三级指标{len(tables[INDICATORS])}条；"
                   f"专家评分：事前绩效评估专家打分{len(tables[EXPERT_SCORES])}条；"
                   f"满意度调查：重点评价项目的问卷答案{len(tables[SURVEY])}条（每题一行）；"
                   f"定性评价：重点评价项目定性指标的评价等级、得分和佐证{len(tables[JUDGEMENTS])}条；"
                   f"重点工作：各单位部门整体支出绩效评价的重点工作任务{len(tables[UNIT_TASKS])}条；"
                   f"整体评价定性：各单位定性指标的自评等级和评价等级{len(tables[UNIT_JUDGEMENTS])}条。"
                   f"目标审核轮次：77个项目绩效目标表三轮审核（三下三上）各轮报送的指标"
                   f"{len(tables[INDICATOR_ROUNDS])}条。"
                   "每个工作表只有一行表头。"),
        ("事前评估项目", f"{len(exante)}个2021年申请资金的新项目（SQ-2021-001至"
                         f"SQ-2021-{len(exante):03d}，评价类型为“事前评估”，预算数为申请金额，"
                         "到位数、执行数为0），不计入上述77个项目的汇总。每个项目由专家库"
                         f"{EXPERT_POOL}名专家中的5–7名按全国参考规则集的事前评估框架"
                         "（5个维度、15个评分项）逐项打分，"
                         "0.5分一档，部分评分附意见。"),
        ("事前评估结果", f"evalkit（全国参考规则集，去掉一个最高分和一个最低分后取平均，"
                         f"专家多于5名时适用）复算：{outcomes}。"),
        ("重点评价项目", f"{len(KEY_PROJECTS)}个项目（评价类型为“{KEYPROJECT_STAGE}”）按全国参考规则集的"
                         "重点项目绩效评价框架（决策、过程、产出、效益）评价：定性指标逐项给出评价等级"
                         "（达成/部分达成/未达成）、等级区间内的得分、佐证材料编号和评价说明；"
                         "服务对象满意度来自受益群众问卷（1–5分，答卷平均分不低于4分为满意）。"
                         f"evalkit（全国参考规则集）复算：{key_projects}。"),
        ("部门整体评价", "预算单位表另含部门整体支出绩效评价所需的在职人员数、编制数、支出完成数、预算调整数、"
                         "结转结余（本年及上年）、三公经费（本年及上年）、政府采购预算数与执行数、固定资产总额与在用数、"
                         "服务对象满意度和年度总体目标，均为虚构（随机种子 "
                         f"{UNITWIDE_SEED}）；每{NO_PROCUREMENT_EVERY}个单位中有一个无政府采购预算，"
                         f"每{NO_SURVEY_EVERY}个单位中有一个未开展满意度调查（相应指标不适用）。"),
        ("绩效监控", f"77个项目截至{YEAR}年{MONITORING_MONTH}月底的绩效监控表（“双监控”）："
                     f"绩效监控工作表为截至监控月执行数、全年预计执行数和纠偏措施，监控指标工作表"
                     f"为{len(tables[MONITORING_INDICATORS])}条指标的截至监控月完成值、全年预计完成值、"
                     "完成目标可能性、偏差原因、原因说明和佐证材料。全年预计数取年末执行数和实际完成值，"
                     "故预计执行率、完成率仍为92.53%、93.34%；监控审核平均分按且末县公布的95.05分校准；"
                     f"{'、'.join(POOR_FORMS)}两个项目的监控表填报质量差（审核得分低于60分）。"),
        ("单位监控", f"69个预算单位截至{YEAR}年{MONITORING_MONTH}月底的部门整体支出监控表：单位监控工作表为"
                     "截至监控月执行数、全年预计执行数（取支出完成数）和纠偏措施，重点工作监控工作表为"
                     f"{len(tables[UNIT_TASK_MONITORING])}项重点工作的截至监控月完成值、全年预计完成值"
                     f"（取完成值）、完成目标可能性、偏差原因、原因说明和佐证材料（随机种子 "
                     f"{UNIT_MONITORING_SEED}）。"),
        ("县级年度", f"工作总结和评价结果应用所用的表（随机种子 {COUNTY_YEAR_SEED}）：扶贫项目为扶贫平台的"
                     f"{len(tables[POVERTY_PROJECTS])}个项目（其中40个即本年项目表中的扶贫项目，"
                     f"{POVERTY_PLATFORM_ONLY}个仅在平台管理），资金总额{POVERTY_TOTAL_WAN}万元；扶贫绩效目标为"
                     f"其三级指标{len(tables[POVERTY_INDICATORS])}条（每项不少于7条）；以前年度自评为"
                     f"{PRIOR_YEAR}年{len(units)}个单位（{PRIOR_UNITS_WAN}万元）和{PRIOR_PROJECTS}个项目"
                     f"（{PRIOR_PROJECTS_WAN}万元）的自评结果，{PRIOR_CONTINUED}个项目以本年项目编码接续"
                     f"（{POOR_TWICE}连续两年为差）；直达资金为截至{DIRECT_MONTH}月底"
                     f"{len(tables[DIRECT_FUNDS])}笔分配明细，合计{DIRECT_FUNDS_WAN}万元（含特别国债"
                     f"{DIRECT_BOND_WAN}万元），{DIRECT_BEHIND}笔支付进度滞后；项目表的评估年度标明"
                     f"{'、'.join(EXANTE_ASSESSED_2020)}两个事前评估项目于{YEAR}年评估（计入{YEAR}年总结）。"
                     "各数字均由工作总结从这些表计算得出。"),
        ("金额单位", "万元（预算数、到位数、执行数；事前评估项目的预算数为申请金额）。目标值、实际完成值按填表习惯保存为文本。"),
        ("刻意保留的瑕疵", "部分实际完成值空白；不适用指标；定性指标（达成/部分达成/未达成，个别带评定得分）；"
                          "超额完成≥130%的指标；目标值写成“≥95%”而指标方向列空白；千分位数字；"
                          "个别全角数字；部分偏差指标未填写偏差原因分析及改进措施；一个项目到位数超过预算数（附说明）；"
                          "满意度问卷中个别答案超出1–5分或为文字。均为合法输入，用于检验读取、评分和提示。"),
    ]


def write_workbook(path: Path, tables: dict[TableSpec, list[list[object]]],
                   notes: list[tuple[str, str]]) -> None:
    """The workbook: 说明 first, then one sheet per table with Chinese headers; no time stamps."""
    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["项目", "内容"])
    for row in notes:
        ws.append(list(row))
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 100
    for cell in ws["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for spec, rows in tables.items():
        sheet = wb.create_sheet(spec.chinese)
        headers = chinese_headers(spec)
        columns = _columns(spec)
        sheet.append([headers[c] for c in columns])
        for row in rows:
            sheet.append(row)
        for j, col in enumerate(columns, start=1):
            width = max(len(str(r[j - 1] or "")) for r in rows[:200]) * 1.8 + 2
            sheet.column_dimensions[get_column_letter(j)].width = min(max(width, 10), 48)
            if col in ("budget", "received", "spent"):
                for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = "#,##0.00##"
        sheet.freeze_panes = "A2"
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    wb.properties.creator = "evalkit data/sample/generate.py"
    wb.properties.title = (f"{COUNTY} 2020 年预算绩效监控、重点项目评价及 2021 年事前评估"
                           "示例数据（虚构）")
    wb.properties.created = wb.properties.modified = STAMP
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # not Workbook.save, which stamps the current time
    _write_fixed_zip(buffer, path)


def _write_fixed_zip(source: io.BytesIO, path: Path) -> None:
    """Copy a zip with every entry's date set to :data:`STAMP`, so the bytes never change."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=STAMP.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 0
            fixed.external_attr = info.external_attr
            zout.writestr(fixed, zin.read(info))
    path.write_bytes(out.getvalue())



# --- the county's year (issue 15): 扶贫 platform, 2019 self-evaluations, direct funds -----------

COUNTY_YEAR_SEED = 20201231
#: The two ex-ante projects assessed in 2020 (2021 budget requests): the seed's "2020 年度开展新增
#: 项目事前绩效评估 2 个 … 涉及资金 104 万元"; the other eight were assessed in 2021.
EXANTE_ASSESSED_2020 = ("SQ-2021-002", "SQ-2021-005")
#: The 扶贫 platform's projects: the 40 poverty projects of the ledger plus this many managed on
#: the platform only, 21629 万元 in all (seed).
POVERTY_PLATFORM_ONLY = 11
POVERTY_TOTAL_WAN = 21629
#: Level-2 names (with their level 1) of a platform-only project's sheet: one of each, then extras.
POVERTY_SHEET = (("产出指标", "数量指标", "受益农户数", "≥{n}户"), ("产出指标", "质量指标", "工程验收合格率", "≥95%"),
                 ("产出指标", "时效指标", "项目完工及时率", "100%"), ("产出指标", "成本指标", "亩均补助标准", "≤{c}元"),
                 ("效益指标", "社会效益指标", "带动脱贫人口增收", "≥{m}元/人"),
                 ("满意度指标", "服务对象满意度指标", "受益群众满意度", "≥90%"))
POVERTY_EXTRAS = (("产出指标", "数量指标", "建设面积", "≥{a}亩"), ("效益指标", "经济效益指标", "户均增收", "≥{m}元"),
                  ("效益指标", "可持续影响指标", "设施正常使用年限", "≥10年"))
POVERTY_PLATFORM_STEMS = ("农村安居房建设", "高效节水灌溉", "特色林果提质增效", "庭院经济发展",
                          "农村饮水安全巩固提升", "设施农业大棚建设", "畜牧养殖产业发展")
POVERTY_KINDS = (("安居", "农村安居房建设"), ("住房", "农村安居房建设"), ("水", "农业发展水利设施"),
                 ("灌溉", "农业发展水利设施"), ("渠", "农业发展水利设施"), ("教育", "教育和就业扶贫"),
                 ("培训", "教育和就业扶贫"), ("雨露", "教育和就业扶贫"), ("就业", "教育和就业扶贫"))
#: 2019 self-evaluations (seed): 69 units, 101002 万元; 169 projects, 50421 万元.
PRIOR_YEAR = 2019
PRIOR_UNITS_WAN = 101002
PRIOR_PROJECTS = 169
PRIOR_PROJECTS_WAN = 50421
#: 2019 projects continued by a 2020 project (本年项目编码); the first is 差 in both years (two
#: years of 差 → cancel), the second 差 in 2020 only.
POOR_TWICE = "XM-2020-045"
POOR_ONCE = "XM-2020-002"
PRIOR_CONTINUED = 30
PRIOR_TOPICS = ("业务运转", "专项工作", "设备购置", "业务培训", "维修改造", "宣传教育", "信息化建设",
                "补助发放", "基础设施建设", "环境整治")
#: 直达资金 (seed): 28784.55 万元 received, 10000 万元 of it special treasury bonds; ledger at the
#: end of October 2020, a few allocations paid behind time progress.
DIRECT_FUNDS_WAN = 28784.55
DIRECT_BOND_WAN = 10000
DIRECT_MONTH = 10
DIRECT_BEHIND = 3
#: (资金编码, 资金名称, 特别国债, share of the non-bond total, (purpose, unit) of its allocations)
DIRECT_CATALOGUE = (
    ("ZD01", "抗疫特别国债资金", True, 0.0, (
        ("城镇老旧小区改造", "县住房和城乡建设局"), ("公共卫生体系建设", "县卫生健康委员会"),
        ("农村饮水安全工程", "县水利局"), ("县城排水管网改造", "县城市管理局"),
        ("应急物资储备设施建设", "县应急管理局"))),
    ("ZD02", "特殊转移支付资金", False, 0.24, (
        ("稳就业补贴", "县人力资源和社会保障局"), ("市场主体纾困补助", "县商务局"),
        ("基层“三保”支出", "县财政局"))),
    ("ZD03", "义务教育补助经费", False, 0.2, (
        ("学生营养改善计划", "县教育局"), ("校舍维修改造", "县教育局"), ("公用经费补助", "县教育局"))),
    ("ZD04", "城乡居民基本医疗保险补助", False, 0.22, (("城乡居民医保补助", "县医疗保障局"),)),
    ("ZD05", "困难群众救助补助资金", False, 0.16, (
        ("城乡低保", "县民政局"), ("特困人员救助供养", "县民政局"), ("临时救助", "县民政局"))),
    ("ZD06", "农业生产发展资金", False, 0.18, (
        ("耕地地力保护补贴", "县农业农村局"), ("农机购置补贴", "县农业农村局"))),
)


def _poverty_kind(name: str) -> str:
    """项目类型 of a poverty project from its name (the seed's three kinds, plus 教育和就业扶贫)."""
    return next((kind for word, kind in POVERTY_KINDS if word in name), "产业发展")


def poverty_tables(rng: np.random.Generator, projects: list[Project], indicators: pd.DataFrame
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 扶贫 platform: the ledger's poverty projects (linked by 关联项目编码, their sheets as
    filed) and :data:`POVERTY_PLATFORM_ONLY` platform-only ones, 21629 万元 in all."""
    linked = [p for p in projects if p.is_poverty]
    rest = POVERTY_TOTAL_WAN * YUAN_PER_WAN - sum(p.budget for p in linked)
    shares = rng.dirichlet(np.full(POVERTY_PLATFORM_ONLY, 4.0))
    budgets = _fix_total([_yuan(rest * s / YUAN_PER_WAN) for s in shares], rest)
    towns = rng.choice(len(TOWNSHIPS), POVERTY_PLATFORM_ONLY)
    unit_ids = {name: f"DW{i:03d}" for i, name in enumerate(_unit_names(), start=1)}
    rows, sheets = [], []
    for i, p in enumerate(linked, start=1):
        rows.append([f"FP-{YEAR}-{i:03d}", p.project_name, p.unit_id, _poverty_kind(p.project_name),
                     _wan(p.budget), p.project_id])
        sheet = indicators[indicators["project_id"] == p.project_id]
        for r in sheet.itertuples(index=False):
            # as the platform shows it: ≥/≤ before the value, the unit once; never a leading '='
            sign = r.comparator if r.comparator in ("≥", "≤") else ""
            unit = r.unit if isinstance(r.unit, str) and not str(r.target).endswith(r.unit) else ""
            typed = f"{sign}{r.target}{unit}"
            sheets.append([f"FP-{YEAR}-{i:03d}", r.indicator_id, r.level1, r.level2, r.name, typed])
    for j, (budget, town) in enumerate(zip(budgets, towns, strict=True), start=len(linked) + 1):
        stem = POVERTY_PLATFORM_STEMS[j % len(POVERTY_PLATFORM_STEMS)]
        town_name = TOWNSHIPS[int(town)]
        pid = f"FP-{YEAR}-{j:03d}"
        rows.append([pid, f"{town_name}{stem}项目", unit_ids[f"{town_name}人民政府"],
                     _poverty_kind(stem), _wan(budget), None])
        extras = POVERTY_EXTRAS[: int(rng.integers(1, len(POVERTY_EXTRAS) + 1))]
        fill = {"n": int(rng.integers(5, 40)) * 10, "c": int(rng.integers(3, 12)) * 100,
                "m": int(rng.integers(5, 20)) * 100, "a": int(rng.integers(10, 80)) * 10}
        for k, (l1, l2, name, target) in enumerate(POVERTY_SHEET + extras, start=1):
            sheets.append([pid, f"FI{k:02d}", l1, l2, name, target.format(**fill)])
    return (pd.DataFrame(rows, columns=_columns(POVERTY_PROJECTS)),
            pd.DataFrame(sheets, columns=_columns(POVERTY_INDICATORS)))


def prior_table(rng: np.random.Generator, units: list[tuple[str, str, int]],
                projects: list[Project]) -> pd.DataFrame:
    """2019 self-evaluations: the 69 units (部门整体, 101002 万元) and 169 projects (50421 万元),
    :data:`PRIOR_CONTINUED` of them continued by a 2020 project; scores drawn, grades by the
    national bands."""
    rules = load_ruleset(RULESET)
    unit_wan = np.array([b for _, _, b in units], dtype=float) * np.exp(rng.normal(-0.15, 0.1, len(units)))
    unit_amounts = _fix_total([_yuan(x / YUAN_PER_WAN * PRIOR_UNITS_WAN * YUAN_PER_WAN / unit_wan.sum())
                               for x in unit_wan], PRIOR_UNITS_WAN * YUAN_PER_WAN)
    unit_scores = np.round(np.clip(rng.normal(88, 5, len(units)), 62, 99), 1)
    rows = [[PRIOR_YEAR, "部门整体", u, name, u, _wan(a), float(s), str(grade(s, rules)), None]
            for (u, name, _), a, s in zip(units, unit_amounts, unit_scores, strict=True)]
    by_id = {p.project_id: p for p in projects}
    others = [p.project_id for p in projects if p.project_id not in (POOR_TWICE, POOR_ONCE)]
    picked = [POOR_TWICE, POOR_ONCE, *rng.choice(others, PRIOR_CONTINUED - 2, replace=False)]
    continued = [by_id[str(pid)] for pid in picked]
    pairs = rng.choice(len(units) * len(PRIOR_TOPICS), PRIOR_PROJECTS - PRIOR_CONTINUED, replace=False)
    fresh = [(units[int(k) // len(PRIOR_TOPICS)], PRIOR_TOPICS[int(k) % len(PRIOR_TOPICS)]) for k in pairs]
    wan = np.exp(rng.normal(5.3, 0.8, PRIOR_PROJECTS))
    amounts = _fix_total([_yuan(x * PRIOR_PROJECTS_WAN / wan.sum()) for x in wan],
                         PRIOR_PROJECTS_WAN * YUAN_PER_WAN)
    scores = np.round(np.clip(rng.normal(86, 7, PRIOR_PROJECTS), 61, 99), 1)
    scores[0], scores[1] = 54.5, 84.0  # POOR_TWICE 差 in 2019 too; POOR_ONCE 良 in 2019
    entries = ([(p.project_name, p.unit_id, p.project_id) for p in continued]
               + [(f"{name}{topic}项目", u, None) for (u, name, _), topic in fresh])
    for i, ((name, unit, pid), a, s) in enumerate(zip(entries, amounts, scores, strict=True), start=1):
        rows.append([PRIOR_YEAR, "项目", f"XM-{PRIOR_YEAR}-{i:03d}", name, unit, _wan(a), float(s),
                     str(grade(s, rules)), pid])
    return pd.DataFrame(rows, columns=_columns(PRIOR_EVALUATIONS))


def direct_fund_table(rng: np.random.Generator, units: list[tuple[str, str, int]]) -> pd.DataFrame:
    """直达资金 at the end of :data:`DIRECT_MONTH`: every allocation issued to a unit and project
    with its targets, monitored and disclosed (the seed's county); 28784.55 万元 including 10000
    万元 of special treasury bonds; :data:`DIRECT_BEHIND` allocations paid behind time progress."""
    rest = _yuan(DIRECT_FUNDS_WAN - DIRECT_BOND_WAN, 1)
    shares = np.array([c[3] for c in DIRECT_CATALOGUE])
    totals = [DIRECT_BOND_WAN * YUAN_PER_WAN,
              *_fix_total([_yuan(rest * s / YUAN_PER_WAN) for s in shares[1:]], rest)]
    unit_ids = {name: u for u, name, _ in units}
    rows = []
    for (fund_id, name, bond, _, purposes), total in zip(DIRECT_CATALOGUE, totals, strict=True):
        shares = rng.dirichlet(np.full(len(purposes), 3.0))
        parts = _fix_total([_yuan(total * s / YUAN_PER_WAN) for s in shares], total)
        for k, ((purpose, unit_name), part) in enumerate(zip(purposes, parts, strict=True), start=1):
            unit_id = unit_ids[unit_name]
            rows.append([f"{fund_id}-{k:02d}", fund_id, name, "是" if bond else "否", part, unit_id,
                         f"{purpose}项目", "是", DIRECT_MONTH, 0, "是", "是"])
    progress = rng.uniform(0.86, 1.0, len(rows))
    progress[rng.choice(len(rows), DIRECT_BEHIND, replace=False)] = rng.uniform(0.45, 0.75, DIRECT_BEHIND)
    for row, share in zip(rows, progress, strict=True):
        row[9] = _wan(min(_yuan(row[4] * share / YUAN_PER_WAN), row[4]))
        row[4] = _wan(row[4])
    return pd.DataFrame(rows, columns=_columns(DIRECT_FUNDS))


def county_year_tables(units: list[tuple[str, str, int]], projects: list[Project],
                       indicators: pd.DataFrame) -> dict[TableSpec, list[list[object]]]:
    """The tables of the county's year, one seeded stream so the other parts stay put."""
    rng = np.random.default_rng(COUNTY_YEAR_SEED)
    platform, sheets = poverty_tables(rng, projects, indicators)
    return {POVERTY_PROJECTS: _rows(platform), POVERTY_INDICATORS: _rows(sheets),
            PRIOR_EVALUATIONS: _rows(prior_table(rng, units, projects)),
            DIRECT_FUNDS: _rows(direct_fund_table(rng, units))}

# --- 自评复核: departments' filled self-evaluation forms, with their typical mistakes -----------

#: The mistakes the synthetic forms carry (DOMAIN.md §11), one project each, in ledger order of
#: the first project that can carry it; ``clean`` forms are scored right.
FORM_MISTAKES = ("clean", "unexplained_deduction", "above_points", "sum", "rounding", "weights",
                 "convention", "clean")
FORMS_FOLDER = "forms"


def _form_rows(project: pd.Series, sheet: pd.DataFrame, scores: np.ndarray) -> list[dict]:
    """The indicator rows of a project's form as a department types them (≥24个, 91.1%, 达成)."""
    rows = []
    sums = sheet.groupby("level1", sort=False)["weight"].sum()
    for r, score in zip(sheet.itertuples(index=False), scores, strict=True):
        unit = "" if r.unit is None or (isinstance(r.unit, float) and math.isnan(r.unit)) else r.unit
        target = "定性" if r.target is None else str(r.target)
        actual = "" if r.actual is None else str(r.actual)
        if r.comparator != "定性":
            sign = "" if pd.isna(r.comparator) else r.comparator
            target = f"{sign}{target}{'' if normalize_text(target).endswith(unit) else unit}"
            if actual and actual != "不适用" and not normalize_text(actual).endswith(unit):
                actual += unit
        rows.append({"level1": f"{r.level1}({sums[r.level1]:g}分)", "level2": r.level2,
                     "name": r.name, "target": target, "actual": actual, "weight": r.weight,
                     "score": round(float(score), 2),
                     "explanation": "" if pd.isna(r.explanation) else r.explanation})
    return rows


def _mistake(kind: str, rows: list[dict], result, alt) -> bool:
    """Put one mistake into a form's rows (in place); False when this form cannot carry it."""
    met = [i for i, r in enumerate(result.rows.itertuples(index=False))
           if r.row_id != "预算执行率" and r.ratio >= 1 and r.points >= 4
           and not rows[i]["explanation"]]
    if kind == "clean":
        return True
    if kind in ("unexplained_deduction", "above_points"):
        if not met:
            return False
        rows[met[0]]["score"] += -3 if kind == "unexplained_deduction" else 2
        return True
    if kind == "rounding":
        fractional = [r for r in rows if r["score"] != round(r["score"])]
        for r in rows:
            r["score"] = float(np.floor(r["score"] + 0.5))
        return len(fractional) >= 2
    if kind == "weights":
        first = rows[0]["level1"]
        name, points = first[:first.index("(")], float(first[first.index("(") + 1:-2])
        for r in rows:
            if r["level1"] == first:
                r["level1"] = f"{name}({points + 10:g}分)"
        return True
    if kind == "convention":
        hits = [i for i, (a, b, rule) in enumerate(zip(alt.rows["score"], result.rows["score"],
                                                       result.rows["rule"], strict=True))
                if abs(a - b) > 0.01 and rule.startswith("反向")]
        for i in hits:
            if i < len(rows):
                rows[i]["score"] = round(float(alt.rows["score"].iat[i]), 2)
        return bool(hits) and all(i < len(rows) for i in hits)
    return kind == "sum"


def sample_self_scores(tables: dict[TableSpec, list[list[object]]],
                       folder: Path) -> list[list[object]]:
    """Write departments' filled 项目支出绩效自评表 for some ledger projects and read them back.

    One form per project of :data:`FORM_MISTAKES` (two workbooks in the official layout, two
    forms per sheet), each scored as the department would — evalkit's national re-score rounded
    to 2 decimals — with its mistake put in; :func:`evalkit.forms.read_forms` reads them (as the
    main job's ``evalkit import-forms`` does) and the self-scores go into the sample's 自评得分
    table, row ids mapped to the sample's indicator ids by their order on the sheet.
    """
    from evalkit.forms import read_forms, write_forms
    from evalkit.stages.recheck import assess as recheck

    projects = pd.DataFrame(tables[PROJECTS], columns=_columns(PROJECTS))
    indicators = pd.DataFrame(tables[INDICATORS], columns=_columns(INDICATORS))
    blank = pd.DataFrame(columns=_columns(SELF_SCORES))
    ledger = projects[projects["stage"].isna()].reset_index(drop=True)
    forms, order, used = [], {}, set()
    for kind in FORM_MISTAKES:
        for p in ledger.itertuples(index=False):
            if p.project_id in used:
                continue
            project = pd.Series(p._asdict())
            sheet = indicators[indicators["project_id"] == p.project_id]
            if sheet["actual"].isna().any():
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EvalkitWarning)
                result = recheck(project, sheet, blank, ruleset=RULESET)
                alt = recheck(project, sheet, blank, ruleset="provincial")
            rows = _form_rows(project, sheet, result.rows["score"].to_numpy()[:-1])
            if not _mistake(kind, rows, result, alt):
                continue
            execution = round(float(result.rows["score"].iat[-1]), 2)
            total = sum(r["score"] for r in rows) + execution + (5 if kind == "sum" else 0)
            forms.append({
                "year": YEAR, "code": p.project_id, "project_name": p.project_name,
                "department": p.unit_name, "implementer": p.unit_name,
                "funds": {"budget": p.budget, "budget_annual": p.budget, "spent": p.spent,
                          "points": 10, "rate": f"{p.spent / p.budget:.2%}", "score": execution,
                          "parts": [("其中：当年财政拨款", {"budget": p.budget, "budget_annual": p.budget,
                                                          "spent": p.spent}),
                                    ("上年结转资金", {}), ("其他资金", {})]},
                "goal": f"完成{p.project_name}年度建设任务", "goal_result": "基本完成年度目标",
                "indicators": rows, "total": {"points": 100, "score": round(total, 2)}})
            order[p.project_id] = list(sheet["indicator_id"])
            used.add(p.project_id)
            break
    folder.mkdir(parents=True, exist_ok=True)
    paths = [write_forms(forms[:4], folder / "自评表_第一批.xlsx", per_sheet=2),
             write_forms(forms[4:], folder / "自评表_第二批.xlsx", per_sheet=2)]
    scores = read_forms(paths, ruleset=RULESET).tables["self_scores"]
    ids = [order[p][int(r[1:]) - 1] if r.startswith("I") and r[1:].isdigit() else r
           for p, r in zip(scores["project_id"], scores["row_id"], strict=True)]
    return _rows(scores.assign(row_id=ids))

# --- engagement (项目委托信息, 评价组): the identity every report's cover and signature page show --

#: The sample engagement, one value per column of ENGAGEMENT (a draft: 征求意见稿). Word模板 is
#: blank, so reports use evalkit's default template.
ENGAGEMENT_ROW = {
    "client": "示例县财政局", "agency": "示例绩效评价咨询有限公司（虚构）", "agency_short": "SLPJ",
    "lead": "王明", "period": "2020年1月1日至2020年12月31日", "year": 2020,
    "report_date": "2021-03-15", "status": "征求意见稿",
    "number_pattern": "{机构简称}-{年度}-{类型代码}-{序号:03d}",
    "confidentiality": "本报告仅供委托方内部使用；未经评价机构书面同意，不得向第三方提供。",
    "word_template": "",
}
#: The sample evaluation team (评价组): name, role, title or qualification.
TEAM_ROWS = [
    ["王明", "项目负责人", "高级会计师"],
    ["李华", "主评人", "注册会计师"],
    ["张伟", "评价人员", "中级经济师"],
    ["陈静", "质量复核", "高级审计师"],
]


def engagement_tables() -> dict[TableSpec, list[list[object]]]:
    """The 项目委托信息 row and the 评价组 rows of the sample."""
    return {ENGAGEMENT: [[ENGAGEMENT_ROW[c] for c in _columns(ENGAGEMENT)]],
            TEAM: [list(r) for r in TEAM_ROWS]}


# --- entry point -------------------------------------------------------------------------------

def build() -> tuple[list[tuple[str, str, int]], list[Project], pd.DataFrame, float]:
    """Draw and calibrate the whole dataset; returns units, projects, indicators and λ."""
    rng = np.random.default_rng(SEED)
    projects = draw_projects(rng)
    units = draw_units(rng, projects)
    projects = assign_profiles(rng, projects)
    projects = draw_received(rng, projects)
    projects = calibrate_spending(rng, projects)
    drafts = mark_imperfections(rng, projects, draw_indicators(rng, projects))
    lam, tune = calibrate_completion(project_table(projects), drafts)
    return units, projects, indicator_table(drafts, lam, tune), lam


def main(out_dir: Path | str = HERE) -> dict[str, float]:
    """Write ``csv/*.csv`` and ``sample_county.xlsx`` under ``out_dir``; return the county figures."""
    out_dir = Path(out_dir)
    units, projects, indicators, lam = build()
    projects, indicators, judgements, survey, evaluated = build_keyprojects(projects, indicators)
    figures = county_figures(summarize_projects(project_table(projects), indicators,
                                                ruleset=RULESET))
    exante_rows, expert_scores, exante = build_exante()
    rounds = review_rounds(projects, indicators)
    tables = output_tables(units, projects, indicators, exante_rows, expert_scores, survey,
                           judgements, unit_wide_tables(units, projects, load_ruleset(RULESET)), rounds)
    forms, rows = calibrate_review(tables, *monitoring_tables(projects, indicators))
    tables = {**tables, MONITORING: _rows(forms), MONITORING_INDICATORS: _rows(rows)}
    unit_forms, unit_rows = unit_monitoring_tables(tables)
    tables = {**tables, UNIT_MONITORING: _rows(unit_forms), UNIT_TASK_MONITORING: _rows(unit_rows),
              **county_year_tables(units, projects, indicators)}
    tables[SELF_SCORES] = sample_self_scores(tables, out_dir / FORMS_FOLDER)
    tables = {**tables, **engagement_tables()}
    write_csv(out_dir / "csv", tables)
    write_workbook(out_dir / "sample_county.xlsx", tables,
                   notes_rows(figures, lam, tables, exante, evaluated, units))
    return figures


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}: {value}")
