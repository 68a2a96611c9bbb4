"""Tests for evalkit.stages.keyproject_prose (key-project sentences) on the hand-worked project of
test_keyproject, and survey_paragraph on the hand-counted survey of test_survey."""

from __future__ import annotations

import copy
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from test_keyproject import JUDGED, PROJECT, SHEET_ROWS, indicators, judgements, run, survey
from test_survey import HAND10, quiet, table

from evalkit.errors import InputError, RuleSetError
from evalkit.rules import _builtin_data
from evalkit.stages.keyproject_prose import (
    background,
    caveats,
    conclusion,
    findings,
    level1,
    method,
    problems,
    strengths,
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
    listed = problems(result, "national")
    assert listed.startswith(f"本次评价共扣 {100 - 91.968421:.2f} 分")
    decision = listed.split("（一）决策方面\n\n")[1].split("\n\n")[0]
    assert "“绩效目标合理性”扣 0.90 分（满分 3 分）" in decision
    assert "“预算编制科学性”扣 0.90 分（满分 3 分）。原因：评价组评为“部分达成”，但未记录判断依据。" in decision
    assert "（二）过程方面\n\n1. “制度执行有效性”扣 2.00 分（满分 4 分）" in listed
    lines = suggestions(result, "national").split("\n")
    assert 3 <= len(lines) <= 6
    assert lines[0] == ("1. 服务对象满意度为 90.00%，低于目标值 95%，建议梳理问卷中满意度较低的事项，"
                        "逐项整改并向服务对象反馈。")
    assert lines[1].startswith("2. “制度执行有效性”（过程）得分率为 50.00%，建议加强对制度执行情况的监督检查")
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
    advice = suggestions(result, "national")
    assert "组织开展服务对象满意度调查" in advice and "补齐定性评价所需的佐证材料" in advice
    assert "“立项依据充分性”缺少佐证材料" in advice
    small = run(answers=survey(40, 10))
    assert "扩大满意度调查样本（本次有效样本 50 人，规则集要求不少于 60 人）" in (
        suggestions(small, "national"))


def test_bad_arguments_are_errors():
    result = run()
    with pytest.raises(InputError, match="expected a level-1 indicator \\(决策、过程、产出、效益\\), "
                                         "found '满意度'"):
        level1(result, "满意度")
    with pytest.raises(InputError, match="rule set the result was computed with"):
        method(result, "provincial")
    for paragraph in (problems, strengths, suggestions):
        with pytest.raises(InputError, match="rule set the result was computed with"):
            paragraph(result, "provincial")


def test_survey_paragraph_small_sample_and_no_valid_answers():
    text = survey_paragraph(quiet(table(HAND10)))
    assert "有效样本 10 人，其中满意 6 人" in text and "服务对象满意度为 60.00%" in text
    assert "95% 置信区间 31.27%–83.18%，Wilson 法" in text
    assert "样本量不足" in text and "2 条无效答案（超出 1–5 范围 1 条、空白 1 条）" in text
    assert "比例最高的是“Q1”（70.00%），最低的是“Q2”（50.00%）" in text
    assert "没有有效答卷" in survey_paragraph(quiet(table({"R1": ["x", 9]})))


# ---------------------------------------------------------------------------------------------
# 存在问题 (material findings only), 主要成效, 建议 by kind of finding (issue 10)
# ---------------------------------------------------------------------------------------------


def noted(notes: dict[str, str]):
    return judgements().assign(note=lambda t: t["indicator_id"].map(notes).fillna(""))


def problem_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line[:1].isdigit()]


def test_only_material_findings_are_problems_and_positive_ones_never():
    """A12 达成 judged 1.8 / 2 lost 0.2 = 10 % of its points (the share threshold) yet is a
    positive finding; B11 lost 0.2 of 4 (5 %) and C11 0.4 of 10 (4 %) are immaterial."""
    result = run(judged=noted({"A12": "立项程序规范", "B22": "验收制度未执行"}))
    found = findings(result, "national").set_index("code")
    assert found.loc["A12", "positive"] and not found.loc["A12", "material"]
    assert found.loc["A12", "share"] == pytest.approx(0.1)
    assert not found.loc[["B11", "C11"], "material"].any()
    assert found["material"].tolist() == [
        (not p) and (lost >= 0.5 - 1e-9 or share >= 0.1 - 1e-9)
        for p, lost, share in zip(found["positive"], found["lost"], found["share"], strict=True)]
    text = problems(result, "national")
    assert "立项程序规范" not in text and "“立项程序规范性”" not in text
    assert "“资金到位率”" not in text and "“实际完成率”" not in text
    assert "“制度执行有效性”扣 2.00 分（满分 4 分）。原因：验收制度未执行。" in text
    assert len(problem_lines(text)) == int(found["material"].sum())
    n_minor = len(found) - int(found["material"].sum())
    assert text.endswith(f"另有 {n_minor} 项指标扣分较少，未列为问题，详见评分表。")
    assert "“立项程序规范性”：立项程序规范。" in strengths(result, "national")


def test_problems_are_grouped_by_level1_in_framework_order():
    result = run()
    text = problems(result, "national")
    headings = [line for line in text.split("\n") if line.startswith("（")]
    assert headings == ["（一）决策方面", "（二）过程方面", "（三）产出方面", "（四）效益方面"]
    found = findings(result, "national")
    blocks = re.split(r"（[一二三四]）", text)[1:]
    for heading, block in zip(headings, blocks, strict=True):
        level1_name = heading[3:5]
        names = found.loc[found["material"] & (found["level1"] == level1_name), "name"]
        assert all(f"“{n}”" in block for n in names)


def test_materiality_threshold_is_a_rule_set_parameter(tmp_path):
    data = copy.deepcopy(_builtin_data("national"))
    data["prose"]["materiality"] = {"min_lost_points": 1.0, "min_lost_share": 0.5}
    path = tmp_path / "strict.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run(ruleset=path)
    found = findings(result, path)
    assert set(found.loc[found["material"], "code"]) == {"B22", "D11"}  # lost 2.0 and 1.5
    lines = problem_lines(problems(result, path))
    assert len(lines) == 2 and "“制度执行有效性”" in lines[0] and "“经济效益”" in lines[1]
    data["prose"]["materiality"]["typo"] = 1
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSetError, match="prose.materiality.typo"):
        problems(run(ruleset=path), path)


def test_cause_comes_from_the_sheet_explanation_and_the_ledger_note():
    sheet = indicators().assign(explanation=lambda t: np.where(
        t["indicator_id"] == "I04", "雨季停工 20 天，已调整施工计划", ""))
    project = {**PROJECT, "spent": 600.0, "note": "部分工程款待竣工决算后支付"}
    result = run(project=project, sheet=sheet)
    text = problems(result, "national")
    assert ("“完成及时性”扣 0.80 分（满分 8 分）。原因：“工程完工时间”年度指标值 ≤180天，"
            "实际完成 200天；雨季停工 20 天，已调整施工计划。") in text
    assert ("原因：实际支出 600.00 万元，为到位资金 950.00 万元的 63.16%，资金支付进度滞后"
            "（项目单位说明：部分工程款待竣工决算后支付）。") in text
    assert "正向" not in text and "目标值/实际值" not in text


def test_each_kind_of_suggestion_is_triggered_by_its_case():
    quiet_case = suggestions(run(answers=survey(58, 2)), "national")  # 96.7 % ≥ 95 %
    for phrase in ("预算执行率仅为", "年度指标值设定偏低", "目标设定偏低", "低于目标值",
                   "扩大满意度调查样本", "缺少佐证材料"):
        assert phrase not in quiet_case
    low_exec = suggestions(run(project={**PROJECT, "spent": 649.23}), "national")
    assert "1. 项目预算执行率仅为 68.34%，低于 90%，建议加快项目实施和资金支付进度" in low_exec
    rows = [r if r[0] != "I01" else (*r[:8], "6600", *r[9:]) for r in SHEET_ROWS]  # 132 %
    over = suggestions(run(sheet=indicators(rows)), "national")
    assert "“新建安居房”实际完成值达到年度指标值的 130% 以上，反映绩效目标设定偏低" in over
    low_sat = suggestions(run(answers=survey(48, 12)), "national")  # 80 % against 95 %
    assert "服务对象满意度为 80.00%，低于目标值 95%" in low_sat
    small = suggestions(run(answers=survey(40, 10)), "national")
    assert "扩大满意度调查样本（本次有效样本 50 人，规则集要求不少于 60 人）" in small
    bare = judgements().assign(evidence=lambda t: np.where(t["indicator_id"] == "B21", "",
                                                           t["evidence"]))
    assert "“管理制度健全性”缺少佐证材料" in suggestions(run(judged=bare), "national")


def test_strengths_list_full_marks_and_best_tier_by_level1():
    result = run(judged=noted({"A11": "列入县重点项目库"}))
    text = strengths(result, "national")
    assert text.startswith("（一）决策方面\n\n1. “立项依据充分性”、“立项程序规范性”")
    assert "“立项依据充分性”：列入县重点项目库。" in text
    assert "“制度执行有效性”" not in text  # 未达成
    assert "“成本节约率”" in text.split("（三）产出方面")[1]


def test_background_states_funds_targets_and_the_optional_texts():
    project = {**PROJECT, "category": "专项转移支付", "is_poverty": True, "year": 2020,
               "background": "全县仍有 512 户住房安全不达标", "content": "新建安居房 5000 套",
               "goal": "年内完成 5000 套安居房建设"}
    text = background(pd.Series(project), run(project=project))
    assert text.startswith("“农村安居房建设项目”由县住建局组织实施，资金类别为专项转移支付，属扶贫项目。"
                           "项目 2020 年度预算 1,000.00 万元，实际到位 950.00 万元（到位率 95.00%），"
                           "实际支出 900.00 万元（预算执行率 94.74%）。")
    assert "立项背景：全县仍有 512 户住房安全不达标。主要内容：新建安居房 5000 套。" in text
    assert "项目年度总体目标：年内完成 5000 套安居房建设。" in text
    assert "数量指标：新建安居房≥5000套；" in text and "长效管护机制（定性）" in text
    plain = background(pd.Series({**project, "background": "", "content": None, "goal": ""}),
                       run(project=project))
    assert "立项背景" not in plain and "主要内容" not in plain and "总体目标：" not in plain
