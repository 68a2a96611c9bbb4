"""Tests for evalkit.stages.selfeval_prose (self-evaluation sentences) on the sheets of
test_selfeval."""

import pytest
from test_selfeval import PROJECT, WORKED, sheet

from evalkit.errors import InputError
from evalkit.stages.selfeval import assess
from evalkit.stages.selfeval_prose import conclusion, lost_points, missing_explanations


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
