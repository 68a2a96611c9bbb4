"""Tests for evalkit.stages.keyproject_prose (key-project sentences) on the hand-worked project of
test_keyproject, and survey_paragraph on the hand-counted survey of test_survey."""

from __future__ import annotations

import numpy as np
import pytest
from test_keyproject import JUDGED, SHEET_ROWS, indicators, judgements, run, survey
from test_survey import HAND10, quiet, table

from evalkit.errors import InputError
from evalkit.stages.keyproject_prose import (
    caveats,
    conclusion,
    level1,
    method,
    problems,
    suggestions,
    survey_paragraph,
)


def test_paragraphs_of_the_hand_worked_project():
    result = run()
    text = conclusion(result)
    assert text.startswith("经综合评价，该项目绩效评价得分为 91.97 分，评价等级为“优”。")
    assert "产出指标得 33.70 分（满分 35 分，得分率 96.29%）" in text
    benefit = level1(result, "效益")
    assert benefit.startswith("效益指标满分 30 分，得 28.08 分，得分率 93.60%。")
    assert "“经济效益”得 3.50 分（满分 5 分，得分率 70.00%）" in benefit
    listed = problems(result)
    assert listed.startswith(f"本次评价共扣 {100 - 91.968421:.2f} 分")
    assert listed.count("\n") == len(result.problems) + 1
    assert "\n1. 过程—“制度执行有效性”扣 2.00 分" in listed
    lines = suggestions(result).split("\n")
    assert 3 <= len(lines) <= 5 and lines[0].startswith("1. “制度执行有效性”（过程）")
    assert "加强对制度执行情况的监督检查" in lines[0]
    assert lines[-1].endswith("建议在以后年度预算安排中优先保障，并总结推广项目管理经验。")
    how = method(result, "national")
    assert "农村安居房建设项目" in how and "实施单位 县住建局" in how
    assert "设决策（15 分）、过程（20 分）、产出（35 分）、效益（30 分）四个一级指标" in how
    assert "下设 10 个二级指标、20 个三级指标" in how
    assert "有效样本不少于 60 人" in how
    assert caveats(result).startswith("本次评价所用数据完整")
    assert "有效样本 60 人，其中满意 54 人" in survey_paragraph(result.survey)


def test_paragraphs_of_a_project_with_gaps():
    rows = [r for r in SHEET_ROWS if r[1] != "产出指标"]
    judged = {**JUDGED, "A11": ("达成", None, "")}
    result = run(sheet=indicators(rows), judged=judgements(judged), no_survey=True)
    assert "产出指标不适用" in conclusion(result)
    assert "另有 5 项指标不适用" in conclusion(result)
    assert level1(result, "产出") == ("产出指标下的 4 项指标均不适用，未计分，"
                                      "其分值已按比例分配至其余指标。")
    assert "“服务对象满意度”不适用，未计分。" in level1(result, "效益")
    notes = caveats(result)
    assert "以下 5 项指标不适用" in notes and "“服务对象满意度”（D15）：未开展满意度调查" in notes
    assert "缺少佐证材料" in notes  # the warning is a data caveat
    advice = suggestions(result)
    assert "组织开展服务对象满意度调查" in advice and "补齐定性评价所需的佐证材料" in advice
    small = run(answers=survey(40, 10))
    assert "扩大满意度调查样本（本次有效样本 50 人，规则集要求不少于 60 人）" in (
        suggestions(small))


def test_bad_arguments_are_errors():
    result = run()
    with pytest.raises(InputError, match="expected a level-1 indicator \\(决策、过程、产出、效益\\), "
                                         "found '满意度'"):
        level1(result, "满意度")
    with pytest.raises(InputError, match="rule set the result was computed with"):
        method(result, "provincial")
    with pytest.raises(InputError, match="weak_share"):
        suggestions(result, weak_share=0)


def test_problems_top_and_notes():
    noted = judgements().assign(note=lambda t: np.where(t["indicator_id"] == "B22",
                                                        "验收制度未执行", ""))
    result = run(judged=noted, no_survey=True)
    n_lost = len(result.lost_ranked)
    text = problems(result, top=2)
    lines = [line for line in text.split("\n") if line[:1].isdigit()]
    assert len(lines) == 3  # two indicators that lost points, then the survey problem
    assert "验收制度未执行" in lines[0] and "未开展满意度调查" in lines[2]
    assert text.endswith(f"另有 {n_lost - 2} 项指标扣分较少，详见评分表。")
    assert "；验收制度未执行。" in level1(result, "过程")
    with pytest.raises(InputError, match="top"):
        problems(result, top=0)


def test_survey_paragraph_small_sample_and_no_valid_answers():
    text = survey_paragraph(quiet(table(HAND10)))
    assert "有效样本 10 人，其中满意 6 人" in text and "服务对象满意度为 60.00%" in text
    assert "95% 置信区间 31.27%–83.18%，Wilson 法" in text
    assert "样本量不足" in text and "2 条无效答案（超出 1–5 范围 1 条、空白 1 条）" in text
    assert "比例最高的是“Q1”（70.00%），最低的是“Q2”（50.00%）" in text
    assert "没有有效答卷" in survey_paragraph(quiet(table({"R1": ["x", 9]})))
