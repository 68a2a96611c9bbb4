"""Tests for evalkit.stages.keyproject: the 财预〔2020〕10号 framework scored from a project's
ledger."""

from __future__ import annotations

import copy
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.errors import EvalkitWarning, InputError, RuleSetError
from evalkit.io import Dataset
from evalkit.rules import _builtin_data, failer, load_ruleset
from evalkit.stages.keyproject import (
    SHEET,
    KeyProjectResult,
    assess,
    check_ruleset,
    evaluate,
    framework,
)

PROJECT = {"project_id": "P1", "project_name": "农村安居房建设项目", "unit_name": "县住建局",
           "budget": 1000.0, "received": 950.0, "spent": 900.0, "note": ""}

#: The project's indicator sheet (as typed in Excel).
SHEET_ROWS = [
    # indicator_id, level1, level2, name, comparator, target, unit, weight, actual, evidence
    ("I01", "产出指标", "数量指标", "新建安居房", "≥", "5000", "套", 20, "4800", "ZJ-01"),
    ("I02", "产出指标", "质量指标", "工程验收合格率", "≥", "100%", "%", 10, "98%", "ZJ-02"),
    ("I03", "产出指标", "质量指标", "竣工档案完整率", "≥", "95%", "%", 10, "100%", "ZJ-03"),
    ("I04", "产出指标", "时效指标", "工程完工时间", "≤", "180", "天", 10, "200", "ZJ-04"),
    ("I05", "产出指标", "成本指标", "户均建设成本", "≤", "4", "万元", 10, "3.8", "ZJ-05"),
    ("I06", "效益指标", "社会效益指标", "住房安全保障率", "≥", "100%", "%", 10, "100%", "ZJ-06"),
    ("I07", "效益指标", "可持续影响指标", "长效管护机制", "定性", "建立", "", 10, "达成", "ZJ-07"),
    ("I08", "满意度指标", "服务对象满意度指标", "受益群众满意度", "≥", "95%", "%", 10, "96%", ""),
]
COLUMNS = ["indicator_id", "level1", "level2", "name", "comparator", "target", "unit", "weight",
           "actual", "evidence"]

#: The evaluator's judgements: code → (tier, score in points or None, evidence).
JUDGED = {
    "A11": ("达成", None, "PJ-01"), "A12": ("达成", 1.8, "PJ-02"), "A21": ("部分达成", 2.1, "PJ-03"),
    "A22": ("优", None, "PJ-04"), "A31": ("部分达成", None, "PJ-05"), "A32": ("达成", None, "PJ-06"),
    "B13": ("达成", 3.6, "PJ-07"), "B21": ("达成", None, "PJ-08"), "B22": ("未达成", 2.0, "PJ-09"),
    "D11": ("部分达成", 3.5, "PJ-10"), "D13": ("达成", None, "PJ-11"),
}


def indicators(rows=SHEET_ROWS, project="P1") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS).assign(project_id=project)


def judgements(judged=JUDGED, project="P1") -> pd.DataFrame:
    return pd.DataFrame([{"project_id": project, "indicator_id": code, "tier": tier,
                          "score": np.nan if score is None else score, "evidence": evidence,
                          "note": ""}
                         for code, (tier, score, evidence) in judged.items()])


def survey(n_satisfied: int = 54, n_other: int = 6, project="P1") -> pd.DataFrame:
    """One question: n_satisfied respondents answer 5, the others 3."""
    n = n_satisfied + n_other
    return pd.DataFrame({"project_id": project, "respondent_id": [f"R{i:03d}" for i in range(n)],
                         "question": "总体满意度",
                         "response": [5] * n_satisfied + [3] * n_other})


def run(project=PROJECT, sheet=None, judged=None, answers=None, *, no_survey=False,
        **kwargs) -> KeyProjectResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        return assess(project, indicators() if sheet is None else sheet,
                        judgements() if judged is None else judged,
                        None if no_survey else (survey() if answers is None else answers),
                        **kwargs)


def scores(result: KeyProjectResult) -> dict[str, float]:
    return dict(zip(result.sheet["code"], result.sheet["score"], strict=True))


# ---------------------------------------------------------------------------------------------
# Framework
# ---------------------------------------------------------------------------------------------


def test_framework_is_the_reference_tree_with_output_and_benefit_65():
    fw = framework()
    assert fw["code"].tolist() == ["A11", "A12", "A21", "A22", "A31", "A32", "B11", "B12", "B13",
                                   "B21", "B22", "C11", "C21", "C31", "C41", "D11", "D12", "D13",
                                   "D14", "D15"]
    assert fw["weight"].sum() == 100
    level1 = fw.groupby("level1", sort=False)["weight"].sum()
    assert level1["产出"] + level1["效益"] == 65
    row = fw.set_index("code").loc["C41"]
    assert (row["level2"], row["sheet_level2"], row["source"]) == ("产出成本", "成本指标", "sheet")
    assert fw.set_index("code").loc["A11", "sheet_level2"] == ""


def test_framework_sheet_leaf_without_level2_is_a_rule_set_error(tmp_path):
    data = copy.deepcopy(_builtin_data("national"))
    del data["keyproject"]["framework"][2]["children"][0]["children"][0]["level2"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSetError, match="C11 实际完成率.*level2"):
        framework(path)


# ---------------------------------------------------------------------------------------------
# End to end, worked by hand
# ---------------------------------------------------------------------------------------------


def test_key_project_end_to_end_worked_by_hand():
    """农村安居房建设项目 under the national rule set; every indicator applicable.

    决策 (15): A11 达成, default 100% × 3 = 3; A12 达成 judged 1.8 (in [1.6, 2]) = 1.8;
      A21 部分达成 judged 2.1 (in [1.8, 2.4]) = 2.1; A22 优 (alias of 达成) 100% × 2 = 2;
      A31 部分达成 default 70% × 3 = 2.1; A32 达成 × 2 = 2 → 13.0.
    过程 (20): B11 资金到位率 950 / 1000 = 95% × 4 = 3.8; B12 预算执行率 900 / 950 = 94.7368% × 4
      = 3.789474; B13 达成 judged 3.6; B21 达成 4; B22 未达成 judged 2.0 (in [0, 2.4]) = 2
      → 17.189474.
    产出 (35): C11 数量 4800 / 5000 = 0.96 × 10 = 9.6; C21 质量: 98/100 = 0.98 (weight 10) and
      min(100/95, 1) = 1 (weight 10) → (9.8 + 10) / 20 = 0.99 × 10 = 9.9; C31 时效 ≤ 180 天,
      actual 200, convention A 180 / 200 = 0.9 × 8 = 7.2; C41 成本 ≤ 4 万元, actual 3.8 → 1 × 7
      = 7 (成本节约率 (4 − 3.8) / 4 = 5%) → 33.7.
    效益 (30): D11 no 经济效益 row → judgement 部分达成 3.5 (in [3, 4]); D12 100/100 = 1 × 8 = 8;
      D13 no row → 达成 × 4 = 4; D14 定性 row 达成 (default 100%) × 5 = 5; D15 54 of 60 satisfied
      = 90%, target 95% from the sheet → 0.9 / 0.95 = 0.947368 × 8 = 7.578947 → 28.078947.
    Total 13 + 17.189474 + 33.7 + 28.078947 = 91.968421 → 优 (≥ 90).
    """
    result = run()
    expected = {"A11": 3, "A12": 1.8, "A21": 2.1, "A22": 2, "A31": 2.1, "A32": 2, "B11": 3.8,
                "B12": 900 / 950 * 4, "B13": 3.6, "B21": 4, "B22": 2, "C11": 9.6, "C21": 9.9,
                "C31": 7.2, "C41": 7, "D11": 3.5, "D12": 8, "D13": 4, "D14": 5,
                "D15": 0.9 / 0.95 * 8}
    assert scores(result) == pytest.approx(expected, abs=1e-12)
    assert scores(result)["B12"] == pytest.approx(3.7895, abs=5e-5)
    assert result.level1["score"].tolist() == pytest.approx(
        [13.0, 17.189474, 33.7, 28.078947], abs=5e-7)
    assert result.level1["name"].tolist() == ["决策", "过程", "产出", "效益"]
    assert result.level1["rate"].tolist() == pytest.approx(
        [13 / 15, 17.189474 / 20, 33.7 / 35, 28.078947 / 30], abs=5e-8)
    assert result.total == pytest.approx(91.968421, abs=5e-7)
    assert result.grade == "优"
    assert result.not_applicable == ()
    assert result.sheet["effective_weight"].tolist() == result.sheet["weight"].tolist()
    assert list(result.sheet.columns) == SHEET

    sheet = result.sheet.set_index("code")
    assert sheet.loc["B11", "formula"] == "实际到位 950.00 / 预算 1000.00 = 95.00%"
    assert sheet.loc["B12", "formula"] == "实际支出 900.00 / 实际到位 950.00 = 94.74%"
    assert sheet.loc["B11", "value"] == 0.95 and sheet.loc["B12", "ratio"] == 900 / 950
    assert sheet.loc["C21", "value"] == pytest.approx(0.99)
    assert "按指标表分值加权：得分 19.80 / 分值 20.00 = 99.00%" in sheet.loc["C21", "formula"]
    assert "成本节约率 = (计划 4 − 实际 3.8) / 计划 4 = 5.00%" in sheet.loc["C41", "formula"]
    assert "满意人数 54 / 有效样本 60 = 90.00%" in sheet.loc["D15", "formula"]
    assert "目标值 95%（指标表“受益群众满意度”）" in sheet.loc["D15", "formula"]
    assert sheet.loc["A21", "tier"] == "部分达成" and sheet.loc["A22", "tier"] == "达成"
    assert sheet.loc["A21", "formula"] == ("评价等级 部分达成（得分区间 60%–80%），"
                                           "评定得分 2.10 / 分值 3.00 = 70.00%")
    assert sheet.loc["C21", "evidence"] == "ZJ-02、ZJ-03"
    assert sheet.loc["D11", "evidence"] == "PJ-10"

    rows = result.indicator_rows.set_index("indicator_id")
    assert rows.loc["I05", "saving_rate"] == pytest.approx(0.05)
    assert np.isnan(rows.loc["I04", "saving_rate"])  # a ≤ time row is not a cost row
    assert "I08" not in rows.index  # the satisfaction row only sets the target
    assert result.satisfaction_target == pytest.approx(0.95)

    assert result.lost_ranked["code"].tolist()[:2] == ["B22", "D11"]  # 2.0 and 5 − 3.5 = 1.5
    assert result.lost_ranked["lost"].iloc[0] == pytest.approx(2.0)
    assert result.problems[0].startswith("过程—“制度执行有效性”扣 2.00 分（满分 4.00 分，得分率 50.00%）")
    assert len(result.problems) == len(result.lost_ranked)  # no data problem in this ledger
    assert result.warnings == ()


def test_summary_html_and_provincial_rules():
    result = run()
    summary = json.loads(json.dumps(result.summary(), ensure_ascii=False))
    assert summary["total"] == pytest.approx(91.968421, abs=5e-7)
    assert summary["grade"] == "优"
    assert summary["level1_scores"]["产出"] == pytest.approx(33.7)
    assert summary["satisfaction"]["rate"] == pytest.approx(0.9)
    assert summary["satisfaction"]["n_valid"] == 60 and summary["satisfaction"]["target"] == 0.95
    assert summary["ruleset_id"] == "cn-national" and len(summary["ruleset_sha256"]) == 64
    assert summary["project_name"] == "农村安居房建设项目"
    assert result.to_frame() is result.sheet
    page = result._repr_html_()
    assert "91.97" in page and "优" in page and "<table" in page
    # provincial: 时效 by convention B, 1 − (200 − 180)/180 = 0.8889 × 8; fixed qualitative tiers
    # score the tier's value: a judged 1.8 of 2 for 达成 scores 1.0 × 2 = 2 there (range [2, 2])
    judged = {**JUDGED, "A12": ("达成", None, "PJ-02"), "A21": ("部分达成", None, "PJ-03"),
              "B13": ("达成", None, "PJ-07"), "B22": ("未达成", None, "PJ-09"),
              "D11": ("部分达成", None, "PJ-10")}
    provincial = run(judged=judgements(judged), ruleset="provincial")
    assert scores(provincial)["C31"] == pytest.approx((1 - 20 / 180) * 8)
    assert scores(provincial)["B22"] == pytest.approx(0.5 * 4)
    carried = run(ruleset="provincial")
    assert scores(carried)["A12"] == pytest.approx(2.0)
    formula = carried.sheet.set_index("code").loc["A12", "formula"]
    assert "评定得分 1.80 / 分值 2.00 = 90.00%" in formula and "按区间端点 100.00% 计分" in formula


# ---------------------------------------------------------------------------------------------
# Funds: received > budget, spent > received, nothing received
# ---------------------------------------------------------------------------------------------


def test_received_above_budget_without_note_is_warned_and_listed():
    project = {**PROJECT, "received": 1050.0}
    with pytest.warns(EvalkitWarning, match="资金到位数超过预算数且未说明原因"):
        result = assess(project, indicators(), judgements(), survey())
    row = result.sheet.set_index("code").loc["B11"]
    assert row["value"] == pytest.approx(1.05) and row["ratio"] == 1.0 and row["score"] == 4.0
    assert "实际到位 1050.00 / 预算 1000.00 = 105.00%" in row["formula"]
    assert any("资金到位数超过预算数且未说明原因" in p for p in result.problems)
    assert any("资金到位数超过预算数且未说明原因" in w for w in result.warnings)


def test_received_above_budget_with_a_note_is_fine():
    project = pd.Series({**PROJECT, "received": 1050.0, "note": "追加中央补助资金 50 万元"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", EvalkitWarning)
        result = assess(project, indicators(), judgements(), survey())
    row = result.sheet.set_index("code").loc["B11"]
    assert row["ratio"] == 1.0 and "追加中央补助资金" in row["note"]
    assert not any("超过预算" in p for p in result.problems)


def test_spent_above_received_is_an_error_naming_project_and_numbers():
    with pytest.raises(InputError, match="project P1.*spent 980 > received 950"):
        assess({**PROJECT, "spent": 980.0}, indicators(), judgements())


def test_nothing_received_scores_execution_zero_with_a_problem():
    result = run({**PROJECT, "received": 0.0, "spent": 0.0})
    row = result.sheet.set_index("code").loc["B12"]
    assert row["ratio"] == 0.0 and row["score"] == 0.0 and np.isnan(row["value"])
    assert any("资金未到位" in p and "预算执行率无法计算" in p for p in result.problems)


@pytest.mark.parametrize("change, message", [
    ({"budget": 0}, "budget\\) > 0"), ({"received": "约50万"}, "到位数 \\(received\\)"),
    ({"spent": -1}, "执行数 \\(spent\\) as a number ≥ 0, found -1"),
    ({"project_id": ""}, "expected a project_id"),
])
def test_ledger_errors(change, message):
    with pytest.raises(InputError, match=message):
        assess({**PROJECT, **change}, indicators(), judgements())


# ---------------------------------------------------------------------------------------------
# Qualitative judgements
# ---------------------------------------------------------------------------------------------


def test_score_outside_the_tier_range_scores_the_ranges_end_and_says_so():
    # 部分达成 of 3 points is [1.8, 2.4] nationally: a judged 2.7 scores 2.4, the formula says why
    result = run(judged=judgements({**JUDGED, "A21": ("部分达成", 2.7, "PJ-03")}))
    assert scores(result)["A21"] == pytest.approx(2.4)
    formula = result.sheet.set_index("code").loc["A21", "formula"]
    assert "= 90.00%，超出本规则集该等级区间，按区间端点 80.00% 计分" in formula


def test_score_above_the_points_is_an_error_naming_everything():
    with pytest.raises(InputError) as info:
        run(judged=judgements({**JUDGED, "A21": ("部分达成", 3.5, "PJ-03")}))
    message = str(info.value)
    for part in ("project P1", "A21", "绩效目标合理性", "[0, 3] points", "found 3.5"):
        assert part in message


def test_judgement_problems_are_reported_together():
    table = judgements({k: v for k, v in JUDGED.items() if k != "A11"})
    extra = pd.DataFrame([
        {"project_id": "P1", "indicator_id": "Z99", "tier": "达成", "evidence": "x"},
        {"project_id": "P1", "indicator_id": "A12", "tier": "达成", "evidence": "x"},
        {"project_id": "P1", "indicator_id": "B11", "tier": "达成", "evidence": "x"},
        {"project_id": "P1", "indicator_id": "A22", "tier": "很好", "evidence": "x"},
    ])
    table = pd.concat([table[table["indicator_id"] != "A22"], extra], ignore_index=True)
    with pytest.raises(InputError) as info:
        run(judged=table)
    message = str(info.value)
    assert "expected a framework code" in message and "'Z99'" in message
    assert "A12 (立项程序规范性): expected one judgement per indicator" in message
    assert "B11 (资金到位率): expected judgements only for qualitative indicators" in message
    assert "A22 (绩效指标明确性): expected a tier" in message and "'很好'" in message
    assert "expected a judgement for qualitative indicator A11 (立项依据充分性), found none" in message
    assert "A22 (" in message and "indicator A22" not in message.split("很好")[-1]
    assert "指标 A22（绩效指标明确性）：应为评价等级" in message  # Chinese first, English in brackets


def test_missing_qualitative_judgement_names_the_code():
    with pytest.raises(InputError, match="qualitative indicator B13 \\(资金使用合规性\\)"):
        run(judged=judgements({k: v for k, v in JUDGED.items() if k != "B13"}))


def test_blank_evidence_warns_and_lists_the_problem():
    judged = {**JUDGED, "A32": ("达成", None, " ")}
    with pytest.warns(EvalkitWarning, match="资金分配合理性.*缺少佐证材料"):
        result = assess(PROJECT, indicators(), judgements(judged), survey())
    assert any("A32" in p and "缺少佐证材料" in p for p in result.problems)


def test_sheet_rows_win_over_a_judgement_for_sheet_or_qualitative():
    judged = {**JUDGED, "D12": ("未达成", None, "PJ-12")}
    row = run(judged=judgements(judged)).sheet.set_index("code").loc["D12"]
    assert row["score"] == 8 and "定性评价未采用" in row["note"]


# ---------------------------------------------------------------------------------------------
# Not applicable, survey, rescaling
# ---------------------------------------------------------------------------------------------


def test_no_survey_is_not_applicable_and_weights_are_rescaled_to_100():
    """Without D15 (8 points) the other 92 points are scaled by 100 / 92: C11 9.6 × 100/92."""
    result = run(no_survey=True)
    assert result.not_applicable == ("D15",)
    sheet = result.sheet.set_index("code")
    assert not sheet.loc["D15", "applicable"] and sheet.loc["D15", "effective_weight"] == 0
    assert sheet["effective_weight"].sum() == pytest.approx(100)
    assert sheet.loc["C11", "effective_weight"] == pytest.approx(10 * 100 / 92)
    assert sheet.loc["C11", "score"] == pytest.approx(9.6 * 100 / 92)
    assert result.total == pytest.approx((91.968421 - 0.9 / 0.95 * 8) * 100 / 92, abs=5e-7)
    assert any("未开展满意度调查" in p for p in result.problems)
    assert result.survey is None and result.summary()["satisfaction"] is None


def test_sheet_without_rows_of_a_level2_drops_the_indicator():
    rows = [r for r in SHEET_ROWS if r[2] != "成本指标"]
    result = run(sheet=indicators(rows))
    assert result.not_applicable == ("C41",)
    assert "成本指标" in result.sheet.set_index("code").loc["C41", "note"]
    assert result.sheet["effective_weight"].sum() == pytest.approx(100)
    # sheet rows typed 不适用 count as no rows
    na = [(*r[:8], "不适用", r[9]) if r[2] == "成本指标" else r for r in SHEET_ROWS]
    assert run(sheet=indicators(na)).not_applicable == ("C41",)


def test_survey_target_from_rule_set_and_small_sample():
    rows = [r for r in SHEET_ROWS if r[1] != "满意度指标"]
    result = run(sheet=indicators(rows), answers=survey(40, 10))
    row = result.sheet.set_index("code").loc["D15"]
    # 40 / 50 = 0.8 against the rule set's 0.9 → 0.8889 × 8
    assert row["ratio"] == pytest.approx(0.8 / 0.9) and result.satisfaction_target == 0.9
    assert "规则集默认值" in row["formula"]
    assert any("样本量不足" in p for p in result.problems)
    assert any("少于规则集要求的 60 人" in w for w in result.warnings)
    with pytest.warns(EvalkitWarning) as record:  # the survey's warning is emitted once
        assess(PROJECT, indicators(rows), judgements(), survey(40, 10))
    assert sum("60 人" in str(w.message) for w in record) == 1


def test_survey_with_invalid_answers_and_full_marks_capped():
    answers = survey(60, 0)
    answers.loc[0, "response"] = 7
    result = run(answers=answers)
    assert result.survey.n_invalid == 1
    assert result.sheet.set_index("code").loc["D15", "ratio"] == 1.0
    assert any("无效答案" in w for w in result.warnings)


def test_sheet_rows_outside_the_framework_are_warned_about():
    rows = [*SHEET_ROWS, ("I09", "产出指标", "其他指标", "宣传册", "≥", "10", "册", 5, "10", "")]
    with pytest.warns(EvalkitWarning, match="宣传册.*其他指标.*未计入评分"):
        assess(PROJECT, indicators(rows), judgements(), survey())


def test_missing_actual_and_over_achievement_are_problems():
    rows = [(*r[:8], "", r[9]) if r[0] == "I01" else r for r in SHEET_ROWS]
    rows = [(*r[:8], "140%", r[9]) if r[0] == "I03" else r for r in rows]
    result = run(sheet=indicators(rows))
    assert scores(result)["C11"] == 0
    assert any("新建安居房" in p and "未填报实际完成值" in p for p in result.problems)
    assert any("竣工档案完整率" in p and "目标值设定可能偏低" in p for p in result.problems)


def test_output_plus_benefit_below_60_warns(tmp_path):
    """Move 20 points from 产出 (C11, C21 to 0) to 决策 (A11 23): 产出 15 + 效益 30 = 45 < 60."""
    data = copy.deepcopy(_builtin_data("national"))
    decision, output = data["keyproject"]["framework"][0], data["keyproject"]["framework"][2]
    decision["weight"], decision["children"][0]["weight"] = 35, 25
    decision["children"][0]["children"][0]["weight"] = 23
    output["weight"] = 15
    for child in output["children"][:2]:
        child["weight"], child["children"][0]["weight"] = 0, 0
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.warns(EvalkitWarning, match="产出、效益指标合计 45 分，低于规则集要求的 60 分"):
        result = assess(PROJECT, indicators(), judgements(), survey(), ruleset=load_ruleset(path))
    assert any("45 分" in w for w in result.warnings)
    assert result.total == pytest.approx(result.level1["score"].sum())


# ---------------------------------------------------------------------------------------------
# Tables of other projects, datasets
# ---------------------------------------------------------------------------------------------


def test_tables_with_other_projects_are_rejected():
    with pytest.raises(InputError, match="indicators: expected rows of project 'P1' only.*'P2'"):
        assess(PROJECT, pd.concat([indicators(), indicators(project="P2")]), judgements())


def test_evaluate_filters_the_dataset():
    data = Dataset({
        "projects": pd.DataFrame([PROJECT, {**PROJECT, "project_id": "P2", "spent": 100.0}]),
        "indicators": pd.concat([indicators(), indicators(project="P2")], ignore_index=True),
        "judgements": pd.concat([judgements(), judgements(project="P2")], ignore_index=True),
        "survey": pd.concat([survey(), survey(1, 59, project="P2")], ignore_index=True),
    }, "memory", {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        result = evaluate(data, "P1")
        other = evaluate(data, "P2")
    assert result.total == pytest.approx(91.968421, abs=5e-7)
    assert other.total < result.total
    with pytest.raises(InputError, match="expected project 'P9'.*known projects: 'P1', 'P2'"):
        evaluate(data, "P9")
    no_survey = Dataset({k: v for k, v in data.tables.items() if k != "survey"}, "memory", {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        assert evaluate(no_survey, "P1").not_applicable == ("D15",)


def test_inputs_not_mutated():
    sheet, judged, answers = indicators(), judgements(), survey()
    before = [t.copy() for t in (sheet, judged, answers)]
    run(sheet=sheet, judged=judged, answers=answers)
    for table, copy_ in zip((sheet, judged, answers), before, strict=True):
        pd.testing.assert_frame_equal(table, copy_)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

_TIERS = {"达成": (0.8, 1.0), "部分达成": (0.6, 0.8), "未达成": (0.0, 0.6)}


@st.composite
def cases(draw):
    budget = draw(st.floats(1, 1e5))
    received = draw(st.floats(0, 2 * budget))
    spent = draw(st.floats(0, 1)) * received
    fw = framework().set_index("code")
    judged = {}
    for code in fw.index[fw["source"] == "qualitative"]:
        tier = draw(st.sampled_from(sorted(_TIERS)))
        low, high = _TIERS[tier]
        share = draw(st.none() | st.floats(low, high))
        judged[code] = (tier, None if share is None else share * fw.loc[code, "weight"], "E")
    rows = [(*r[:8], f"{draw(st.floats(0, 3)) * float(r[5].rstrip('%')):.4f}", r[9])
            if r[4] != "定性" else r
            for r in SHEET_ROWS if draw(st.booleans())]
    n_satisfied, n_other = draw(st.integers(0, 70)), draw(st.integers(0, 30))
    answers = survey(n_satisfied, n_other) if n_satisfied + n_other else None
    return ({**PROJECT, "budget": budget, "received": received, "spent": spent},
            indicators(rows) if rows else None, judgements(judged), answers)


@settings(max_examples=30, deadline=None)
@given(case=cases())
def test_properties_total_in_range_and_sum_of_level1(case):
    project, sheet, judged, answers = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        result = assess(project, sheet, judged, answers)
    assert -1e-9 <= result.total <= 100 + 1e-9
    assert result.total == pytest.approx(result.level1["score"].sum(), abs=1e-9)
    assert result.sheet["effective_weight"].sum() == pytest.approx(100)
    ratio = result.sheet["ratio"].dropna()
    assert ((ratio >= 0) & (ratio <= 1)).all()
    assert result.grade == load_ruleset().grades[
        [b.low <= round(result.total, 9) < b.high for b in load_ruleset().grades].index(True)].label


# ---------------------------------------------------------------------------------------------
# The rule-set section
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ruleset", ["national", "provincial"])
def test_check_ruleset_accepts_the_shipped_section(ruleset):
    assert check_ruleset(_builtin_data(ruleset)["keyproject"], failer(ruleset)) is None


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s["framework"][0]["children"][0]["children"][0].update(source="guess"),
     r"key 'keyproject.framework \(A11\)': expected source in \['budget_execution', .*found "
     r"'guess'"),
    (lambda s: s["framework"][0].update(weight=99),
     r"key 'keyproject.framework': expected a valid three-level indicator tree"),
    (lambda s: s.pop("satisfaction_target"),
     r"key 'keyproject.satisfaction_target': expected a required key of the section"),
])
def test_check_ruleset_names_the_broken_key(edit, message):
    section = copy.deepcopy(_builtin_data("national")["keyproject"])
    edit(section)
    with pytest.raises(RuleSetError, match=rf"^rule set broken.yaml: {message}"):
        check_ruleset(section, failer("broken.yaml"))
