"""底稿 (working papers): one workbook per project tying each indicator's score to its data,
formula, evidence and judgement, with a blank reviewer field.

A report template builds the rows from its stage result (:func:`keyproject_rows`,
:func:`selfeval_rows`, :func:`exante_rows`, :func:`monitoring_rows`) and records them with :func:`record` in its hidden
summary cell; ```--format workpaper``` then writes ``<编码>_底稿.xlsx`` (:func:`workpaper_bytes`,
through :func:`evalkit.io.write_excel`, so formula-like text is neutralised). Scores stay
unrounded in the workbook; text columns hold the figures as the reports write them.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pandas as pd

from evalkit.errors import InputError

if TYPE_CHECKING:
    from evalkit.io import Dataset
    from evalkit.stages.exante import ExAnteResult
    from evalkit.stages.keyproject import KeyProjectResult
    from evalkit.stages.monitoring import MonitoringResult
    from evalkit.stages.selfeval import SelfEvalResult

__all__ = ["COLUMNS", "FILE_SUFFIX", "WORKPAPER_MIME", "exante_rows", "keyproject_rows",
           "monitoring_rows", "read", "record", "selfeval_rows", "workpaper_bytes"]

#: MIME type of the recorded working-paper rows in an executed notebook.
WORKPAPER_MIME = "application/vnd.evalkit.workpaper+json"
#: The working paper's file name after the subject id: ``XM-2020-003_底稿.xlsx``.
FILE_SUFFIX = "_底稿.xlsx"
#: Columns of a working paper and their Chinese headers, in order.
COLUMNS = {
    "code": "指标编码", "level1": "一级指标", "level2": "二级指标", "name": "三级指标",
    "weight": "分值", "source": "数据来源", "formula": "计算公式", "actual": "实际值",
    "target": "目标值", "score": "得分", "evidence": "佐证材料", "note": "判断说明",
    "reviewer": "复核人",
}


def _places(data: Dataset, table: str, mask: pd.Series) -> str:
    """Where the rows of ``table`` selected by ``mask`` are, as Excel shows them (file, sheet,
    rows); more than three rows as the first and last row and the count."""
    positions = [i for i, hit in enumerate(mask.to_numpy()) if hit]
    if not positions:
        return ""
    first = data.locate(table, positions[0])
    where = "，".join([first.file, *([f"工作表 {first.sheet}"] if first.sheet else [])])
    rows = [data.locate(table, i).row for i in positions]
    if len(rows) <= 10:
        return f"{where}，第 {'、'.join(map(str, rows))} 行"
    return f"{where}，第 {rows[0]}–{rows[-1]} 行（共 {len(rows)} 行）"


def _frame(rows: Iterable[dict]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(COLUMNS)).assign(reviewer="")


def keyproject_rows(result: KeyProjectResult, data: Dataset) -> pd.DataFrame:
    """The working paper of a key-project evaluation: one row per framework indicator.

    Parameters
    ----------
    result : KeyProjectResult
    data : Dataset
        The dataset the result was computed from (for the Excel rows of each input).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`. 数据来源: the judgements row (qualitative), the projects row
        (资金到位率, 预算执行率), the indicator-sheet rows (产出, 效益) or the survey rows;
        计算公式: the stage's formula in words with the figures; 实际值 / 目标值: the sheet's
        values, the ledger rate, the satisfaction rate or the tier; 判断说明: the evaluators'
        note, or the sheet's deviation explanations.
    """
    pid = result.project_id
    tables = data.tables
    rows = []
    for leaf in result.sheet.itertuples(index=False):
        source, actual, target, note = "", "", "", leaf.note
        sheet_rows = result.indicator_rows[result.indicator_rows["code"] == leaf.code]
        if leaf.tier:
            judged = tables["judgements"]
            source = _places(data, "judgements", (judged["project_id"] == pid)
                             & (judged["indicator_id"] == leaf.code))
            actual, target = leaf.tier, "—"
        elif leaf.source in ("funds_in_place", "budget_execution"):
            source = _places(data, "projects", tables["projects"]["project_id"] == pid)
            actual, target = f"{leaf.value:.2%}", "100%"
        elif leaf.source == "survey" and result.survey is not None:
            source = _places(data, "survey", tables["survey"]["project_id"] == pid)
            actual, target = f"{leaf.value:.2%}", f"{result.satisfaction_target:.0%}"
        elif not sheet_rows.empty:
            ind = tables["indicators"]
            source = _places(data, "indicators", (ind["project_id"] == pid)
                             & ind["indicator_id"].isin(sheet_rows["indicator_id"]))
            actual = "；".join(f"{r.name} {r.actual_tier or f'{r.actual:g}{r.unit or str()}'}"
                              for r in sheet_rows.itertuples())
            target = "；".join(f"{r.name} 定性" if r.comparator == "定性"
                              else f"{r.name} {r.comparator}{r.target:g}{r.unit or ''}"
                              for r in sheet_rows.itertuples())
            note = note or "；".join(e for e in sheet_rows["explanation"] if e)
        rows.append({"code": leaf.code, "level1": leaf.level1, "level2": leaf.level2,
                     "name": leaf.name, "weight": leaf.effective_weight, "source": source,
                     "formula": leaf.formula if leaf.applicable else f"不适用：{leaf.note}",
                     "actual": actual, "target": target,
                     "score": leaf.score if leaf.applicable else None,
                     "evidence": leaf.evidence, "note": note})
    return _frame(rows)


def selfeval_rows(result: SelfEvalResult, data: Dataset) -> pd.DataFrame:
    """The working paper of a self-evaluation: one row per row of the 自评表.

    Parameters
    ----------
    result : SelfEvalResult
    data : Dataset

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`. 数据来源: the indicator-sheet row (预算执行率: the projects
        row); 计算公式: the scoring rule in words, the ratio and ``得分 = 分值 × min(得分率, 1)``;
        判断说明: the 偏差原因分析及改进措施 and the flags.
    """
    pid = result.project_id
    ind, projects = data.tables["indicators"], data.tables["projects"]
    rows = []
    for r in result.table.itertuples(index=False):
        if r.level1 == "预算执行率":
            source = _places(data, "projects", projects["project_id"] == pid)
        else:
            source = _places(data, "indicators", (ind["project_id"] == pid)
                             & (ind["indicator_id"] == r.indicator_id))
        if not r.applicable:
            formula = "不适用，分值按比例分配至同级其余指标"
        else:
            formula = (f"{r.rule}：得分率 {r.ratio:.2%}，得分 = 分值 {r.weight:.2f} × "
                       f"{min(r.ratio, 1.0):.2%} = {r.score:.2f}")
        note = "；".join(t for t in (str(r.explanation or ""), str(r.flags or "")) if t)
        rows.append({"code": r.indicator_id, "level1": r.level1, "level2": r.level2,
                     "name": r.name, "weight": r.weight, "source": source, "formula": formula,
                     "actual": r.actual_text, "target": r.target_text,
                     "score": r.score if r.applicable else None, "evidence": r.evidence,
                     "note": note})
    return _frame(rows)


def exante_rows(result: ExAnteResult, data: Dataset) -> pd.DataFrame:
    """The working paper of an ex-ante assessment: one row per sub-item (评分项).

    Parameters
    ----------
    result : ExAnteResult
    data : Dataset

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`. 数据来源: the expert-score rows of the sub-item; 计算公式: the
        panel rule with the scores kept and dropped; 实际值: the experts' scores as written
        (trimmed ones marked （剔除）); 目标值: the sub-item's points; 判断说明: the experts'
        comments.
    """
    from evalkit.stages.exante_prose import TRIMMED_MARK

    pid = result.project_id
    scores = data.tables["expert_scores"]
    comments = result.comments.groupby("item_id")["comment"].apply(
        lambda c: "；".join(map(str, c)))
    rows = []
    for item in result.items.itertuples(index=False):
        audit = result.audit[result.audit["item_id"] == item.item_id]
        kept = audit[~audit["dropped"]]
        written = "、".join(f"{r.expert_id} {r.score_given:g}{TRIMMED_MARK if r.dropped else ''}"
                           for r in audit.itertuples())
        if audit["dropped"].any():
            formula = (f"截尾均值：剔除最高分、最低分各 {result.panel_rules['trim']} 个后，"
                       f"{len(kept)} 位专家评分的均值 = {item.score:.2f}")
        else:
            how = "中位数" if result.panel_rules["method"] == "median" else "均值"
            formula = f"{len(kept)} 位专家评分的{how} = {item.score:.2f}"
        rows.append({"code": item.item_id, "level1": item.dimension, "level2": "",
                     "name": item.name, "weight": item.points,
                     "source": _places(data, "expert_scores", (scores["project_id"] == pid)
                                       & (scores["item_id"] == item.item_id)),
                     "formula": formula, "actual": written, "target": f"{item.points:g}",
                     "score": item.score, "evidence": "专家评分表",
                     "note": comments.get(item.item_id, "")})
    return _frame(rows)


def monitoring_rows(result: MonitoringResult, data: Dataset) -> pd.DataFrame:
    """The working paper of a monitoring report: one row per monitored indicator (its light),
    then one per item of the monitoring review score (监控表审核评分).

    Parameters
    ----------
    result : MonitoringResult
    data : Dataset

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`. Indicator rows: 数据来源 the monitoring-indicator row; 计算公式
        the progress ratio of :mod:`evalkit.stages.monitoring` ((progress / target) / time
        progress for a cumulative ``≥`` indicator, the level ratio otherwise; a qualitative one
        its 完成目标可能性) and the light it falls in (``monitoring.indicator_lights``); 实际值
        the progress so far, 目标值 the annual target; 得分 blank (lights are not scored);
        判断说明 the likelihood, cause and explanation written by the department. Review rows:
        分值, share and 得分 of each review item, 数据来源 the monitoring form row.
    """
    pid = result.project_id
    rows_table, form = data.tables["monitoring_indicators"], data.tables["monitoring"]
    rows = []
    for r in result.indicators.itertuples(index=False):
        if r.comparator == "定性":
            formula = f"定性指标，按完成目标可能性“{r.likelihood or '未填报'}”，对应指标灯“{r.light}”"
        elif pd.isna(r.ratio):
            formula = f"未填报完成进度，按最差等级“{r.light}”"
        else:
            formula = (f"进度比 {r.ratio:.2%}（累计类指标为完成比例 ÷ 时间进度 "
                       f"{result.time_progress:.2%}，水平类指标为实际值与目标值之比），"
                       f"对应指标灯“{r.light}”")
        note = "；".join(t for t in (f"完成目标可能性：{r.likelihood}" if r.likelihood else "",
                                     str(r.cause or ""), str(r.explanation or "")) if t)
        rows.append({"code": r.indicator_id, "level1": r.level1, "level2": r.level2,
                     "name": r.name, "weight": None,
                     "source": _places(data, "monitoring_indicators",
                                       (rows_table["project_id"] == pid)
                                       & (rows_table["indicator_id"] == r.indicator_id)),
                     "formula": formula, "actual": r.progress_text or "未填报",
                     "target": r.target_text, "score": None, "evidence": r.evidence,
                     "note": note})
    place = _places(data, "monitoring", form["project_id"] == pid)
    for i, r in enumerate(result.review.itertuples(index=False), 1):
        rows.append({"code": f"审核{i}", "level1": "监控表审核评分", "level2": "", "name": r.item,
                     "weight": r.points, "source": place,
                     "formula": f"达标比例 {r.share:.2%}，得分 = 分值 {r.points:g} × {r.share:.2%} "
                                f"= {r.score:.2f}",
                     "actual": f"{r.share:.2%}", "target": "100%", "score": r.score,
                     "evidence": "", "note": ""})
    return _frame(rows)


def record(frame: pd.DataFrame) -> None:
    """Record a working paper in the executed notebook (for ```--format workpaper```); call it in
    the template's hidden summary cell."""
    from IPython.display import display

    rows = json.loads(frame.to_json(orient="records", force_ascii=False))
    display({WORKPAPER_MIME: {"columns": list(frame.columns), "rows": rows},
             "text/plain": "workpaper recorded"}, raw=True)


def read(nb: nbformat.NotebookNode) -> pd.DataFrame | None:
    """The working paper a template recorded (the last one), or None."""
    found = [out["data"][WORKPAPER_MIME] for cell in nb.cells if cell.cell_type == "code"
             for out in cell.get("outputs", []) if WORKPAPER_MIME in out.get("data", {})]
    if not found:
        return None
    return pd.DataFrame(found[-1]["rows"], columns=found[-1]["columns"])


def workpaper_bytes(nb: nbformat.NotebookNode, report: str = "") -> bytes:
    """The 底稿 workbook of an executed report: sheet 底稿 with the Chinese headers.

    Raises
    ------
    InputError
        The report recorded no working paper (its report type has no indicator-level results).
    """
    from evalkit.io import write_excel

    frame = read(nb)
    if frame is None:
        raise InputError(f"报告“{report}”没有指标级评分结果，不能生成底稿"
                         f"（format workpaper: the report recorded no working paper; it exists for "
                         f"ex_ante_assessment, key_project_evaluation, self_evaluation and "
                         f"monitoring）")
    with tempfile.TemporaryDirectory() as tmp:
        path = write_excel({"底稿": frame.rename(columns=COLUMNS)}, Path(tmp) / "workpaper.xlsx")
        return path.read_bytes()
