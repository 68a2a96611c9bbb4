"""Tests for evalkit.stages.selfeval_prose (self-evaluation sentences) on the sheets of
test_selfeval."""

import pytest
from test_selfeval import PROJECT, WORKED, sheet

from evalkit.errors import InputError
from evalkit.stages.selfeval import assess
from evalkit.stages.selfeval_prose import (
    FUNDS_HEADERS,
    annual_goal,
    conclusion,
    deviations,
    funds_block,
    lost_points,
    missing_explanations,
    rectification,
)


def test_missing_explanations_says_why_each_is_needed():
    s = sheet([("产出指标", "≥", "100", 50, "150"), ("效益指标", "≥", "80%", 30, "70%"),
               ("满意度指标", "≥", "90%", 10, None)])
    text = missing_explanations(assess(PROJECT, s))
    assert text.startswith("3 个指标需要填写偏差原因分析及改进措施但尚未填写")
    assert "为年度指标值（≥100）的 150.00%，达到 130% 的超额完成标准" in text
    assert "年度指标值 ≥80%，实际完成值 70%，未完成目标" in text
    assert "实际完成值未填报，按 0 分计" in text
    full = sheet([("产出指标", "≥", "100", 50, "100")])
    assert missing_explanations(assess(PROJECT, full)).startswith("各项指标均按")
    explained = sheet([("产出指标", "≥", "100", 50, "90", "材料涨价；已调整采购计划")])
    assert missing_explanations(assess(PROJECT, explained)) == (
        "需要说明偏差的 1 个指标均已填写偏差原因分析及改进措施。")


def test_conclusion_and_lost_points():
    result = assess(PROJECT, WORKED)
    text = conclusion(result)
    assert text.startswith("该项目绩效自评得分为 89.10 分，自评等级为“良”。")
    assert "满意度指标得" not in text and "分值调整：无满意度指标" in text
    assert lost_points(result, top=1).startswith("全部指标合计扣 10.90 分，扣分最多的 1 项")
    with pytest.raises(InputError, match="expected top as an integer ≥ 1, found 0"):
        lost_points(result, top=0)
    perfect = assess({**PROJECT, "spent": 100.0}, sheet([("产出指标", "≥", "1", 1, "1")]))
    assert lost_points(perfect) == "各项指标均得满分，无扣分。"


# ---------------------------------------------------------------------------------------------
# The official 自评表 layout on the sample county (issue 10)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    import warnings

    from evalkit.io import load_dataset
    from evalkit.summary import summarize_projects
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_dataset("sample")
        return data, summarize_projects(data.projects, data.indicators).set_index("project_id")


def sample_result(data, pid):
    import warnings

    from evalkit.stages.selfeval import evaluate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate(data, pid)


def test_funds_block_values_recomputed_from_the_projects_table(sample):
    data, _ = sample
    project = data.project("XM-2020-008")
    block = funds_block(project, sample_result(data, "XM-2020-008")).iloc[0]
    budget, spent = float(project["budget"]), float(project["spent"])
    assert block["budget"] == budget and block["budget_annual"] == budget  # no 全年预算数 column
    assert block["spent"] == spent and block["points"] == 10
    assert block["execution_rate"] == pytest.approx(spent / budget, abs=1e-15)
    assert block["execution_rate"] == pytest.approx(0.4569, abs=5e-5)
    assert block["score"] == pytest.approx(10 * min(spent / budget, 1), abs=1e-12)
    adjusted = funds_block({**project, "budget_annual": 200.0}, sample_result(data, "XM-2020-008"))
    assert adjusted["budget_annual"].iat[0] == 200.0
    assert list(FUNDS_HEADERS.values()) == ["年初预算数（万元）", "全年预算数（万元）",
                                            "全年执行数（万元）", "分值", "执行率", "得分"]


def test_rectification_sentence_for_the_flagged_projects(sample):
    data, summary = sample
    flagged = summary.index[summary["rectification"]].tolist()
    assert len(flagged) == 6
    for pid in summary.index[:20].tolist() + flagged:
        result = sample_result(data, pid)
        text = rectification(summary.loc[pid], result, "national")
        if pid in flagged:
            assert "按规定列入整改清单。整改要求：" in text
        else:
            assert text.endswith("未超过 20 个百分点，不需专项整改。")
    result = sample_result(data, "XM-2020-008")
    assert result.grade == "优"
    text = rectification(summary.loc["XM-2020-008"], result, "national")
    row = summary.loc["XM-2020-008"]
    gap = (row["completion_rate"] - row["spent"] / row["budget"]) * 100
    assert text.startswith(f"该项目预算执行率为 {row['spent'] / row['budget']:.2%}，绩效目标完成率为 "
                           f"{row['completion_rate']:.2%}，两者相差 {gap:.1f} 个百分点，超过 20 个百分点。"
                           "自评等级为“优”，但资金支出进度明显滞后于目标完成进度")
    low = rectification(summary.loc["XM-2020-002"], sample_result(data, "XM-2020-002"),
                        "national")
    assert "资金已基本支出但绩效目标未能相应完成" in low


def test_annual_goal_and_deviations_from_the_sheet():
    s = sheet([("产出指标", "≥", "100", 50, "90", "材料涨价"),
               ("效益指标", "定性", "", 30, "达成")])
    result = assess(PROJECT, s)
    goal = annual_goal(PROJECT, result, "national").iloc[0]
    assert goal["planned"] == "按年度绩效目标完成指标1≥100；指标2达到预期。"
    assert goal["actual"] == "实际完成指标190；指标2达成。"
    given = annual_goal({**PROJECT, "goal": "完成 100 套", "goal_result": "完成 90 套"}, result,
                        "national").iloc[0]
    assert (given["planned"], given["actual"]) == ("完成 100 套", "完成 90 套")
    assert deviations(result, "national") == "1. “指标1”：材料涨价"
    full = assess(PROJECT, sheet([("产出指标", "≥", "100", 50, "100")]))
    assert deviations(full, "national") == "各项指标均按年度指标值完成，未发生需要说明的偏差。"
