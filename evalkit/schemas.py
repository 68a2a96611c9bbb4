"""Canonical input tables: their columns, Chinese header aliases, file and sheet names.

A dataset is a folder of CSV files or one ``.xlsx`` workbook with one sheet per table. Headers may
be the English column names or their Chinese aliases below; sheets and files may use either name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a canonical table.

    ``kind`` is how cells are parsed: ``text``, ``number`` (plain number, may be typed ``1,234.5``
    or ``12万元``), ``value`` (indicator target/actual as typed: ``≥90%``, ``不适用``, a tier name),
    ``comparator``, ``bool`` (是/否), ``int`` or ``prose`` (display text kept as written, Chinese
    punctuation intact: names, evidence, comments, explanations; ``text`` is folded with NFKC,
    for codes and categories that are compared). ``required`` columns must be present and, unless
    ``allow_blank``, filled in every row.
    """

    name: str
    chinese: str
    kind: str = "text"
    required: bool = True
    aliases: tuple[str, ...] = ()
    allow_blank: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its name, Chinese sheet name, columns and primary key."""

    name: str
    chinese: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    required: bool = True

    def column(self, name: str) -> ColumnSpec:
        """The spec of one column by its canonical name."""
        return next(c for c in self.columns if c.name == name)


C = ColumnSpec

#: ``stage`` (评价类型) of a new project awaiting ex-ante assessment: it has expert scores and no
#: indicator sheet yet, so county summaries of indicator sheets leave it out.
EXANTE_STAGE = "事前评估"
#: ``stage`` of a project selected for a third-party key-project evaluation (重点项目绩效评价); it
#: keeps its indicator sheet and is self-evaluated like every other project.
KEYPROJECT_STAGE = "重点评价"


def has_indicator_sheet(projects: pd.DataFrame) -> np.ndarray:
    """Which projects have an indicator sheet: all but those awaiting ex-ante assessment.

    The one place of the rule "a 事前评估 project has no indicator sheet yet"; validation, the
    county summary, self-evaluation and the report registry read it here.

    >>> import pandas as pd
    >>> has_indicator_sheet(pd.DataFrame({"stage": ["事前评估", "", None]})).tolist()
    [False, True, True]
    """
    import numpy as np

    if "stage" not in projects:
        return np.ones(len(projects), dtype=bool)
    return (projects["stage"].fillna("") != EXANTE_STAGE).to_numpy()

UNITS = TableSpec("units", "预算单位", (
    C("unit_id", "单位编码"),
    C("unit_name", "预算单位", "prose", aliases=("单位名称",)),
    C("budget", "预算数", "number", aliases=("年度预算数", "年初预算数", "预算数(万元)")),
    *(C(name, chinese, kind, required=False, aliases=aliases)
      for name, chinese, kind, aliases in (
          # --- department-wide evaluation (部门整体支出绩效评价, DOMAIN.md §13): optional, so a
          # dataset without them still loads; the unit report types name any that are missing.
          ("staff", "在职人员数", "int", ("实有在职人数",)),
          ("authorized_staff", "编制数", "int", ("核定编制数",)),
          ("spent", "支出完成数", "number", ("全年执行数", "执行数")),
          ("adjustment", "预算调整数", "number", ()),
          ("carryover", "结转结余", "number", ("结转结余资金",)),
          ("spent_last", "上年支出完成数", "number", ()),
          ("carryover_last", "上年结转结余", "number", ()),
          ("sangong", "三公经费", "number", ("本年三公经费",)),
          ("sangong_last", "上年三公经费", "number", ()),
          ("procurement_budget", "政府采购预算数", "number", ()),
          ("procurement_spent", "政府采购执行数", "number", ("实际政府采购金额",)),
          ("assets", "固定资产总额", "number", ()),
          ("assets_in_use", "在用固定资产", "number", ("实际在用固定资产",)),
          ("satisfaction", "服务对象满意度(%)", "number", ("服务对象满意度",)),
          ("goal", "年度总体目标", "prose", ()),
          ("goal_result", "总体目标完成情况", "prose", ("实际完成情况",)),
      )),
), key=("unit_id",))

PROJECTS = TableSpec("projects", "项目", (
    C("project_id", "项目编码"),
    C("project_name", "项目名称", "prose"),
    C("unit_id", "单位编码"),
    C("unit_name", "预算单位", "prose", aliases=("单位名称",)),
    C("year", "年度", "int"),
    C("category", "资金类别"),
    C("is_poverty", "是否扶贫项目", "bool"),
    C("budget", "预算数", "number", aliases=("预算数(万元)", "年初预算数", "年初预算")),
    # blank allowed: the self-evaluation forms (evalkit import-forms) do not report it
    C("received", "到位数", "number", aliases=("到位数(万元)", "资金到位数"), allow_blank=True),
    # blank allowed: a 绩效目标申报表 (evalkit import-forms --targets) declares targets before
    # anything is spent; the self-evaluation and the county summary refuse such projects
    C("spent", "执行数", "number", allow_blank=True,
      aliases=("执行数(万元)", "实际支出", "全年执行数", "全年执行数(B)", "预算执行数")),
    C("stage", "评价类型", required=False),
    C("note", "说明", "prose", required=False, aliases=("备注",)),
    # the year a 事前评估 project was assessed in (the annual summary counts that year's)
    C("assessed_year", "评估年度", "int", required=False, allow_blank=True),
    # the self-evaluation form's other budget bases (DOMAIN.md §3, §10): the execution rate's
    # denominator is chosen by the rule set's selfeval.budget_basis; absent → 预算数 (年初)
    C("budget_annual", "全年预算数", "number", required=False, aliases=("全年预算数(A)",)),
    C("budget_adjusted", "调整后预算数", "number", required=False, aliases=("调整后预算",)),
    # 年度总体目标 of the forms (预期目标 / 实际完成情况), kept as written
    C("goal", "年度总体目标", "prose", required=False, aliases=("预期目标",)),
    C("goal_result", "总体目标完成情况", "prose", required=False),
), key=("project_id",))

INDICATORS = TableSpec("indicators", "绩效指标", (
    C("project_id", "项目编码"),
    C("indicator_id", "指标编码"),
    C("level1", "一级指标"),
    C("level2", "二级指标"),
    C("name", "三级指标", "prose", aliases=("指标名称",)),
    # 指标性质 (正向/反向/定性, or a sign) of the provincial exports (DOMAIN.md §10)
    C("comparator", "指标方向", "comparator", aliases=("比较符", "指标性质")),
    C("target", "目标值", "value", aliases=("年度指标值", "年度目标值", "指标值", "年度指标值(A)")),
    C("unit", "计量单位", required=False, aliases=("度量单位",)),
    C("weight", "分值", "number", aliases=("权重",)),
    # the official forms' headings of the actual value (财预〔2020〕10号 and provincial versions)
    C("actual", "实际完成值", "value", required=False,
      aliases=("实际值", "全年实际值", "全年实际值(B)", "实际完成值(B)", "完成值", "全年完成值")),
    C("judged_score", "评定得分", "number", required=False),
    C("evidence", "佐证材料", "prose", required=False),
    C("explanation", "偏差原因分析及改进措施", "prose", required=False,
      aliases=("偏差原因", "偏差原因分析", "未完成原因分析", "未完成原因及拟采取的改进措施",
               "偏差原因分析及改进措施说明")),
), key=("project_id", "indicator_id"))

EXPERT_SCORES = TableSpec("expert_scores", "专家评分", (
    C("project_id", "项目编码"),
    C("expert_id", "专家", aliases=("专家编号",)),
    C("item_id", "评分项编码"),
    C("score", "得分", "number"),
    # the item's points the expert scored against (the 分值 of the scoring sheet): the score
    # carries to another rule set's item table as the share score / points (stages.exante)
    C("points", "分值", "number", required=False, aliases=("满分",)),
    C("comment", "意见", "prose", required=False, aliases=("专家意见",)),
), key=("project_id", "expert_id", "item_id"), required=False)

SURVEY = TableSpec("survey", "满意度调查", (
    C("project_id", "项目编码"),
    C("respondent_id", "问卷编号"),
    C("question", "题目"),
    # kept as typed text (blank, 7, 满意 …): the survey module excludes invalid answers with a reason
    C("response", "选项", allow_blank=True),
), key=("project_id", "respondent_id", "question"), required=False)

JUDGEMENTS = TableSpec("judgements", "定性评价", (
    C("project_id", "项目编码"),
    C("indicator_id", "指标编码"),
    C("tier", "评价等级", aliases=("等级",)),
    C("score", "得分", "number", required=False),
    C("evidence", "佐证材料", "prose"),
    C("note", "评价说明", "prose", required=False, aliases=("说明",)),
), key=("project_id", "indicator_id"), required=False)

# --- department-wide evaluation (部门整体支出绩效评价): a unit's key tasks and judged items ---------

UNIT_TASKS = TableSpec("unit_tasks", "重点工作", (
    C("unit_id", "单位编码"),
    C("task_id", "任务编码"),
    C("task", "重点工作任务", "prose", aliases=("重点工作",)),
    C("target", "目标值", "number", aliases=("年度目标",)),
    C("actual", "完成值", "number", aliases=("实际完成值",)),
    C("measure", "计量单位", required=False),
    C("evidence", "佐证材料", "prose", required=False),
    C("note", "说明", "prose", required=False, aliases=("备注",)),
), key=("unit_id", "task_id"), required=False)

UNIT_JUDGEMENTS = TableSpec("unit_judgements", "整体评价定性", (
    C("unit_id", "单位编码"),
    C("item_id", "指标编码", aliases=("评价项编码",)),
    C("self_tier", "自评等级"),
    C("tier", "评价等级", aliases=("复核等级",)),
    C("evidence", "佐证材料", "prose"),
    C("note", "评价说明", "prose", required=False, aliases=("说明",)),
), key=("unit_id", "item_id"), required=False)

# --- target review (绩效目标审核) ---------------------------------------------------------------
#: The indicator sheets as filed in each review round ("三下三上"): one row per indicator and
#: round. Targets stay as typed (``有所提高`` is a finding, not a reading error); ``last_year`` is
#: the indicator's actual value of the year before, where known.
INDICATOR_ROUNDS = TableSpec("indicator_rounds", "目标审核轮次", (
    C("project_id", "项目编码"),
    C("round", "审核轮次", "int", aliases=("轮次",)),
    C("indicator_id", "指标编码"),
    C("level1", "一级指标"),
    C("level2", "二级指标"),
    C("name", "三级指标", "prose", aliases=("指标名称",)),
    C("comparator", "指标方向", "comparator", aliases=("比较符",), allow_blank=True),
    C("target", "年度指标值", aliases=("目标值", "年度目标值"), allow_blank=True),
    C("unit", "计量单位", required=False),
    C("weight", "分值", "number", aliases=("权重",)),
    C("last_year", "上年实际完成值", "number", required=False, aliases=("上年实际值",)),
), key=("project_id", "round", "indicator_id"), required=False)
# --- end target review ---------------------------------------------------------------------

# --- 绩效运行监控 (dual monitoring): the 绩效监控表 at a checkpoint, DOMAIN.md §6 and §10 -------

#: 完成目标可能性 on the official 绩效监控表 (DOMAIN.md §10).
MONITORING_LIKELIHOODS = ("确定能", "有可能", "完全不可能")
#: 偏差原因 categories on the official 绩效监控表 (DOMAIN.md §10).
MONITORING_CAUSES = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")

MONITORING = TableSpec("monitoring", "绩效监控", (
    C("project_id", "项目编码"),
    C("month", "监控月份", "int", aliases=("截至月份",)),
    C("spent_ytd", "截至监控月执行数", "number",
      aliases=("累计执行数", "1-7月执行数", "1—7月执行数", "1至7月执行数")),
    C("expected_spent", "全年预计执行数", "number"),
    C("measures", "纠偏措施", "prose", required=False, aliases=("整改措施",)),
), key=("project_id",), required=False)

MONITORING_INDICATORS = TableSpec("monitoring_indicators", "监控指标", (
    C("project_id", "项目编码"),
    C("indicator_id", "指标编码"),
    # typed like 实际完成值 (91.1%, 1,200, 达成); parsed against the indicator's target by io
    C("progress", "截至监控月完成值", allow_blank=True,
      aliases=("执行情况", "1-7月执行情况", "1—7月执行情况", "1至7月执行情况")),
    C("expected", "全年预计完成值", allow_blank=True, aliases=("全年预计完成情况",)),
    C("likelihood", "完成目标可能性", required=False),
    C("cause", "偏差原因", required=False),
    C("explanation", "原因说明", "prose", required=False),
    C("evidence", "佐证材料", "prose", required=False),
), key=("project_id", "indicator_id"), required=False)

# --- 部门整体支出监控 (unit monitoring): a budget unit's 绩效监控表 at a checkpoint ---------------
#: The unit as a whole at the checkpoint: its spending so far against the units table's budget.
UNIT_MONITORING = TableSpec("unit_monitoring", "单位监控", (
    C("unit_id", "单位编码"),
    C("month", "监控月份", "int", aliases=("截至月份",)),
    C("spent_ytd", "截至监控月执行数", "number", aliases=("累计执行数",)),
    C("expected_spent", "全年预计执行数", "number"),
    C("measures", "纠偏措施", "prose", required=False, aliases=("整改措施",)),
), key=("unit_id",), required=False)

#: Progress of each key task (``unit_tasks``) of a monitored unit at the checkpoint.
UNIT_TASK_MONITORING = TableSpec("unit_task_monitoring", "重点工作监控", (
    C("unit_id", "单位编码"),
    C("task_id", "任务编码"),
    C("progress", "截至监控月完成值", "number", allow_blank=True),
    C("expected", "全年预计完成值", "number", allow_blank=True),
    C("likelihood", "完成目标可能性", required=False),
    C("cause", "偏差原因", required=False),
    C("explanation", "原因说明", "prose", required=False),
    C("evidence", "佐证材料", "prose", required=False),
), key=("unit_id", "task_id"), required=False)
# --- end unit monitoring -----------------------------------------------------------------------

# --- the county's year (issue 15): poverty platform, last year's self-evaluations, direct funds -
#: 扶贫项目: the projects of the poverty-alleviation platform (全国扶贫绩效动态监控平台), managed
#: apart from the budget ledger; ``project_id`` links one that is also in the projects table.
POVERTY_PROJECTS = TableSpec("poverty_projects", "扶贫项目", (
    C("poverty_id", "扶贫项目编码"),
    C("project_name", "项目名称"),
    C("unit_id", "单位编码"),
    C("kind", "项目类型", aliases=("项目类别",)),
    C("budget", "资金总额", "number", aliases=("扶贫资金", "资金总额(万元)")),
    C("project_id", "关联项目编码", required=False, allow_blank=True),
), key=("poverty_id",), required=False)

#: 扶贫绩效目标: the level-3 indicators each platform project filed (三级目标指标).
POVERTY_INDICATORS = TableSpec("poverty_indicators", "扶贫绩效目标", (
    C("poverty_id", "扶贫项目编码"),
    C("indicator_id", "指标编码"),
    C("level1", "一级指标"),
    C("level2", "二级指标"),
    C("name", "三级指标", aliases=("指标名称",)),
    C("target", "指标值", aliases=("目标值", "年度指标值")),
), key=("poverty_id", "indicator_id"), required=False)

#: 以前年度自评结果: earlier years' self-evaluations of units (部门整体) and projects (项目);
#: ``project_id`` names this year's project a former one continues (two years of 差 → cancel).
PRIOR_EVALUATIONS = TableSpec("prior_evaluations", "以前年度自评", (
    C("year", "年度", "int"),
    C("kind", "评价对象", aliases=("对象类型",)),
    C("code", "编码", aliases=("项目编码", "单位编码")),
    C("name", "名称"),
    C("unit_id", "单位编码", aliases=("所属单位编码",)),
    C("amount", "涉及金额", "number", aliases=("金额", "涉及金额(万元)")),
    C("score", "自评得分", "number"),
    C("grade", "自评等级"),
    C("project_id", "本年项目编码", required=False, allow_blank=True),
), key=("year", "kind", "code"), required=False)
#: 评价对象 of :data:`PRIOR_EVALUATIONS`.
PRIOR_KINDS = ("部门整体", "项目")

#: 直达资金: one row per allocation of a directly allocated fund (allocation → issue to a unit
#: and project → payment → monitoring → disclosure); blank unit or project = not allocated yet.
DIRECT_FUNDS = TableSpec("direct_funds", "直达资金", (
    C("allocation_id", "明细编码"),
    C("fund_id", "资金编码"),
    C("fund_name", "资金名称"),
    C("bond", "是否特别国债", "bool"),
    C("amount", "下达金额", "number", aliases=("分配金额", "下达金额(万元)")),
    C("unit_id", "单位编码", allow_blank=True),
    C("project_name", "项目名称", allow_blank=True),
    C("targets_issued", "绩效目标随文下达", "bool"),
    C("month", "截至月份", "int", aliases=("统计月份",)),
    C("paid", "已支付金额", "number", aliases=("支付金额", "已支付金额(万元)")),
    C("monitored", "是否监控", "bool"),
    C("disclosed", "是否公开", "bool", aliases=("是否信息公开",)),
), key=("allocation_id",), required=False)
# --- end county year ---------------------------------------------------------------------------

# --- 自评复核 (re-check): the department's own scores on its 项目支出绩效自评表 (DOMAIN.md §11) ---
#: ``row_id`` of the budget-execution row and of the total; a level-1 group's printed points are
#: ``一级:<name>`` (``一级:产出指标``); other rows are indicator ids of the indicators table.
SELF_SCORE_EXECUTION = "预算执行率"
SELF_SCORE_TOTAL = "总分"
SELF_SCORE_LEVEL1 = "一级:"

SELF_SCORES = TableSpec("self_scores", "自评得分", (
    C("project_id", "项目编码"),
    C("row_id", "行编码"),
    C("item", "自评项目", aliases=("指标名称",)),
    C("points", "分值", "number", required=False),
    C("score", "自评得分", "number", required=False, aliases=("得分",)),
    C("file", "来源文件", required=False),
    C("sheet", "来源工作表", required=False),
    C("cell", "得分单元格", required=False, aliases=("单元格",)),
    C("note", "说明", "prose", required=False),
), key=("project_id", "row_id"), required=False)

# --- engagement (项目委托信息, 评价组): who commissioned the evaluation and who signs it ----------
#: One row: the engagement's identity on every report's cover, signature page and 报告编号
#: (:mod:`evalkit.engagement`). Every column is optional: a blank shows 【待填】 in the reports
#: (a 正式稿 refuses to render then); ``report_date`` is an Excel date or text such as 2021-03-15.
ENGAGEMENT = TableSpec("engagement", "项目委托信息", tuple(
    C(name, chinese, kind, required=False, allow_blank=True, aliases=aliases)
    for name, chinese, kind, aliases in (
        ("client", "委托方", "prose", ("委托单位",)),
        ("agency", "评价机构", "prose", ("第三方机构",)),
        ("agency_short", "机构简称", "text", ()),
        ("lead", "项目负责人", "prose", ()),
        ("period", "评价期间", "prose", ()),
        ("year", "评价年度", "int", ("年度",)),
        ("report_date", "报告日期", "value", ()),
        ("status", "稿件状态", "text", ()),
        ("number_pattern", "报告编号规则", "prose", ()),
        ("confidentiality", "保密提示", "prose", ()),
        ("word_template", "Word模板", "prose", ("Word 模板",)),
    )), key=(), required=False)

#: The evaluation team (评价组) listed with signature lines on every report's signature page.
TEAM = TableSpec("team", "评价组", (
    C("name", "姓名"),
    C("role", "角色", "prose", aliases=("分工",)),
    C("title", "职称/资格", "prose", required=False, aliases=("职称", "资格")),
), key=("name",), required=False)
# --- end engagement ----------------------------------------------------------------------------

#: All canonical tables, in reading order.
TABLES: tuple[TableSpec, ...] = (UNITS, PROJECTS, INDICATORS, EXPERT_SCORES, SURVEY, JUDGEMENTS,
                                 UNIT_TASKS, UNIT_JUDGEMENTS, INDICATOR_ROUNDS, MONITORING,
                                 MONITORING_INDICATORS, UNIT_MONITORING, UNIT_TASK_MONITORING,
                                 POVERTY_PROJECTS, POVERTY_INDICATORS, PRIOR_EVALUATIONS,
                                 DIRECT_FUNDS, SELF_SCORES, ENGAGEMENT, TEAM)


def header_key(header: object) -> str:
    """A header as it is matched: full-width forms folded (NFKC) and every space removed, so
    ``全年实际值（B）`` and ``全年实际值\\n(B)`` both read as ``全年实际值(B)``.

    >>> header_key(" 全年实际值\\n（B） ")
    '全年实际值(B)'
    """
    import re

    from evalkit.values import normalize_text

    return re.sub(r"\s+", "", normalize_text(header))


def header_map(table: TableSpec) -> dict[str, str]:
    """Map every accepted header (English, Chinese, aliases; as :func:`header_key` reads them)
    to the canonical column name.

    >>> header_map(PROJECTS)["预算数"], header_map(PROJECTS)["budget"]
    ('budget', 'budget')
    >>> header_map(INDICATORS)["全年实际值(B)"]
    'actual'
    """
    out: dict[str, str] = {}
    for col in table.columns:
        for header in (col.name, col.chinese, *col.aliases):
            out[header_key(header)] = col.name
    return out


def chinese_headers(table: TableSpec) -> dict[str, str]:
    """Canonical column name → Chinese header, for writing workbooks Excel users read."""
    return {c.name: c.chinese for c in table.columns}
