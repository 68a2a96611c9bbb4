"""Tests for evalkit.workpaper (底稿): the rows of each stage tied to the sample's Excel rows and
the stage results, the recorded workbook, and the error for a report without indicator-level
results."""

from __future__ import annotations

import io
import warnings

import nbformat
import openpyxl
import pandas as pd
import pytest

from evalkit.batch.manifest import file_name
from evalkit.errors import InputError
from evalkit.io import load_dataset
from evalkit.render.pipeline import check_formats
from evalkit.stages import exante, keyproject, selfeval
from evalkit.workpaper import (
    COLUMNS,
    WORKPAPER_MIME,
    exante_rows,
    keyproject_rows,
    monitoring_rows,
    read,
    selfeval_rows,
    workpaper_bytes,
)


@pytest.fixture(scope="module")
def data():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dataset("sample")


def quiet(evaluate, data, pid):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate(data, pid)


def notebook_with(frame: pd.DataFrame | None) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    if frame is not None:
        rows = frame.to_dict("records")
        cell.outputs = [nbformat.v4.new_output("display_data", data={
            WORKPAPER_MIME: {"columns": list(frame.columns), "rows": rows},
            "text/plain": "workpaper recorded"})]
    nb.cells = [cell]
    return nb


def test_keyproject_workpaper_row_matches_the_stage_result(data):
    result = quiet(keyproject.evaluate, data, "XM-2020-003")
    paper = keyproject_rows(result, data)
    assert list(paper.columns) == list(COLUMNS) and len(paper) == len(result.sheet)
    assert (paper["reviewer"] == "").all()
    row = paper.set_index("code").loc["B12"]
    leaf = result.sheet.set_index("code").loc["B12"]
    project = data.project("XM-2020-003")
    assert row["score"] == leaf["score"] and row["weight"] == leaf["effective_weight"]
    assert row["formula"] == leaf["formula"] == "实际支出 89.53 / 实际到位 131.00 = 68.34%"
    assert row["actual"] == f"{float(project['spent']) / float(project['received']):.2%}"
    # the project is the 3rd data row of 项目, so Excel row 4
    position = data.projects.index[data.projects["project_id"] == "XM-2020-003"][0]
    assert row["source"] == f"sample_county.xlsx，工作表 项目，第 {position + 2} 行"
    judged = paper.set_index("code").loc["A11"]
    assert judged["source"].startswith("sample_county.xlsx，工作表 定性评价，第 ")
    assert judged["note"] == result.sheet.set_index("code").loc["A11", "note"]
    assert judged["evidence"] == "PJ-2020-003-A11"
    assert paper.set_index("code").loc["D15", "source"].endswith("（共 140 行）")


def test_selfeval_workpaper_row_matches_the_stage_result(data):
    result = quiet(selfeval.evaluate, data, "XM-2020-008")
    paper = selfeval_rows(result, data).set_index("code")
    row, scored = paper.loc["ZB02"], result.table.set_index("indicator_id").loc["ZB02"]
    assert row["score"] == scored["score"] and row["weight"] == scored["weight"]
    assert (row["actual"], row["target"]) == ("89%", "≥100%")
    assert row["formula"] == ("正向指标，按实际值与目标值之比计分：得分率 89.00%，得分 = 分值 19.00 × "
                              f"89.00% = {scored['score']:.2f}")
    ind = data.indicators
    position = ind.index[(ind["project_id"] == "XM-2020-008") & (ind["indicator_id"] == "ZB02")][0]
    assert row["source"] == f"sample_county.xlsx，工作表 绩效指标，第 {position + 2} 行"
    assert row["note"].startswith("质量抽查发现部分问题")
    assert paper.loc["预算执行率", "source"].startswith("sample_county.xlsx，工作表 项目，")


def test_exante_workpaper_marks_trimmed_scores(data):
    result = quiet(exante.evaluate, data, "SQ-2021-001")
    paper = exante_rows(result, data).set_index("code")
    assert len(paper) == len(result.items)
    row = paper.loc["A1"]
    audit = result.audit[result.audit["item_id"] == "A1"]
    assert row["actual"].count("（剔除）") == int(audit["dropped"].sum()) == 2
    assert row["score"] == result.items.set_index("item_id").loc["A1", "score"]
    assert row["formula"] == f"截尾均值：剔除最高分、最低分各 1 个后，5 位专家评分的均值 = {row['score']:.2f}"


def test_workbook_has_chinese_headers_and_neutralised_text(data):
    paper = keyproject_rows(quiet(keyproject.evaluate, data, "XM-2020-003"), data)
    paper.loc[0, "note"] = "=HYPERLINK(\"x\")"
    nb = notebook_with(paper)
    assert read(nb)["code"].tolist() == paper["code"].tolist()
    book = openpyxl.load_workbook(io.BytesIO(workpaper_bytes(nb, "报告")))
    sheet = book["底稿"]
    assert [c.value for c in sheet[1]] == list(COLUMNS.values())
    assert sheet.max_row == len(paper) + 1
    assert sheet.cell(2, 12).data_type == "s"  # text, never a formula
    assert file_name("XM-2020-003", "workpaper") == "XM-2020-003_底稿.xlsx"
    assert file_name("XM-2020-003", "pdf") == "XM-2020-003.pdf"
    assert check_formats(["html", "workpaper"]) == ["html", "workpaper"]


def test_a_report_without_indicator_results_has_no_workpaper():
    with pytest.raises(InputError, match="报告“部门整体支出绩效评价报告”没有指标级评分结果，不能生成底稿"):
        workpaper_bytes(notebook_with(None), "部门整体支出绩效评价报告")


def test_monitoring_workpaper_rows_are_the_lights_then_the_review_score(data):
    from evalkit.stages import monitoring

    result = quiet(monitoring.evaluate, data, "XM-2020-045")
    paper = monitoring_rows(result, data)
    n = len(result.indicators)
    assert paper["code"].tolist()[:n] == result.indicators["indicator_id"].tolist()
    assert paper["score"].iloc[:n].isna().all()  # lights are not scored
    assert all(f"对应指标灯“{light}”" in f or f"最差等级“{light}”" in f
               for f, light in zip(paper["formula"].iloc[:n], result.indicators["light"],
                                   strict=True))
    review = paper.iloc[n:]
    assert review["score"].sum() == pytest.approx(result.review_score, abs=1e-9)
    assert review["weight"].tolist() == result.review["points"].tolist()
    rows = data.tables["monitoring_indicators"]
    position = rows.index[(rows["project_id"] == "XM-2020-045")
                          & (rows["indicator_id"] == "ZB02")][0]
    assert paper.loc[1, "source"] == f"sample_county.xlsx，工作表 监控指标，第 {position + 2} 行"
