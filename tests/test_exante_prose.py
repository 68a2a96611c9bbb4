"""Tests for evalkit.stages.exante_prose (ex-ante sentences) on the hand-checked panels of
test_exante."""

from __future__ import annotations

import pytest
from test_exante import HAND7, hand7, long_table, quiet_assess, random_panel, uniform, veto_table

from evalkit.errors import InputError
from evalkit.stages.exante import framework
from evalkit.stages.exante_prose import (
    agreement,
    conclusion,
    dimensions,
    lost_points,
    method,
    raw_scores,
    raw_scores_note,
    suggestions,
)


@pytest.fixture(scope="module")
def hand():
    """HAND7 of test_exante: total 76.8, 调整完善后予以支持, dimensions 17/13.4/14/15/17.4."""
    return quiet_assess(hand7())


@pytest.fixture(scope="module")
def vetoed():
    """VETO of test_exante: total 91, 筹资合规性 11/20 = 55% < 60% → 不予支持."""
    return quiet_assess(veto_table())


def numbered(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:1].isdigit()]


# ---------------------------------------------------------------------------------------------
# Conclusion
# ---------------------------------------------------------------------------------------------


def test_conclusion_hand_checked(hand):
    assert conclusion(hand) == (
        "经专家评审，该项目事前绩效评估综合得分为 76.80 分，评估结论为“调整完善后予以支持”。")


def test_conclusion_veto(vetoed):
    assert conclusion(vetoed) == (
        "经专家评审，该项目事前绩效评估综合得分为 91.00 分，评估结论为“予以支持”。"
        "其中“筹资合规性”得分率为 55.00%，低于 60% 的否决线，触发一票否决（筹资不合规），"
        "评估结论调整为“不予支持”。")


def test_conclusion_veto_of_a_project_already_in_the_lowest_tier():
    result = quiet_assess(uniform(lambda item, points: points / 2))
    text = conclusion(result)
    assert "综合得分为 50.00 分，评估结论为“不予支持”" in text
    assert text.endswith("触发一票否决（筹资不合规），评估结论仍为“不予支持”。")


def test_conclusion_provincial_two_vetoes():
    """立项必要性 10/25 = 40% < 50% and 筹资合规性 8/20 = 40% < 60% under the provincial rules."""
    fw = framework("provincial")
    dims = fw.set_index("item_id")["dimension"]
    result = quiet_assess(
        uniform(lambda item, points: points * (0.4 if dims[item] in ("立项必要性", "筹资合规性")
                                              else 1.0), ruleset="provincial"),
        ruleset="provincial")
    text = conclusion(result)
    assert ("其中“筹资合规性”得分率为 40.00%，低于 60% 的否决线，触发一票否决（筹资不合规）；"
            "“立项必要性”得分率为 40.00%，低于 50% 的否决线，触发一票否决（立项依据不足），"
            "评估结论调整为“不予支持”。") in text
    assert result.vetoes == ("筹资不合规", "立项依据不足")  # rule-set order


# ---------------------------------------------------------------------------------------------
# Dimensions and lost points
# ---------------------------------------------------------------------------------------------


def test_dimensions_hand_checked(hand):
    assert dimensions(hand) == (
        "分维度看，“筹资合规性”得分率最高，得 17.40 分（满分 20 分，得分率 87.00%）；"
        "“投入经济性”得分率最低，得 13.40 分（满分 20 分，得分率 67.00%）。")


def test_dimensions_all_equal():
    result = quiet_assess(uniform(lambda item, points: points * 0.8))
    assert dimensions(result) == "分维度看，五个维度的得分率均为 80.00%。"


def test_lost_points_hand_checked_largest_first(hand):
    """B1 lost 8 − 5.4 = 2.6; then 2 points each, in rule-set order: B2, B3, C1, C2."""
    text = lost_points(hand)
    assert text.startswith("全部评分项合计扣 23.20 分，扣分最多的 5 项如下：")
    assert numbered(text) == [
        "1. “成本测算合理性”（投入经济性，满分 8 分）：得 5.40 分，扣 2.60 分；",
        "2. “预算编制规范性”（投入经济性，满分 6 分）：得 4.00 分，扣 2.00 分；",
        "3. “投入产出比较”（投入经济性，满分 6 分）：得 4.00 分，扣 2.00 分；",
        "4. “目标明确性”（绩效目标合理性，满分 7 分）：得 5.00 分，扣 2.00 分；",
        "5. “指标可衡量性”（绩效目标合理性，满分 7 分）：得 5.00 分，扣 2.00 分。",
    ]
    assert len(numbered(lost_points(hand, top=2))) == 2


def test_lost_points_veto_lists_only_items_that_lost(vetoed):
    text = lost_points(vetoed)
    assert text.startswith("全部评分项合计扣 9.00 分，扣分的 3 项如下：")
    assert numbered(text)[0] == "1. “资金来源合规性”（筹资合规性，满分 8 分）：得 4.00 分，扣 4.00 分；"


def test_lost_points_full_marks():
    assert lost_points(quiet_assess(uniform(lambda item, points: points))) == (
        "各评分项均得满分，无扣分。")


@pytest.mark.parametrize("top", [0, -1, 2.5, True])
def test_lost_points_invalid_top(hand, top):
    with pytest.raises(InputError, match="expected top as an integer ≥ 1"):
        lost_points(hand, top=top)


# ---------------------------------------------------------------------------------------------
# Agreement
# ---------------------------------------------------------------------------------------------


def test_agreement_hand_checked(hand):
    k = hand.kendall
    text = agreement(hand)
    assert (f"W = {k.w:.3f}，χ² = {k.chi2:.2f}，自由度 14，p < 0.001。" in text)
    assert "W 不低于 0.5 且 χ² 检验在 0.05 水平上显著" in text and "一致性良好" in text
    # E7 gave B1 a 1 and E5 gave E1 a 3: one outlying score each, below the 1/3 threshold.
    assert "专家 E5（1 项）、E7（1 项）的部分评分偏离其他专家均值超过 2 倍标准差，属个别差异。" in text


def test_agreement_weak_for_random_scores():
    result = quiet_assess(random_panel())
    text = agreement(result)
    assert f"W = {result.kendall.w:.3f}" in text
    assert "W 低于 0.5 的标准" in text and "一致性较弱" in text


def test_agreement_not_computable():
    full = quiet_assess(uniform(lambda item, points: points))
    assert agreement(full).startswith("由于专家少于 2 名或每位专家对所有评分项给出的得分率均相同")


def test_agreement_names_experts_over_the_outlier_threshold():
    by_item = {item: list(scores) for item, scores in HAND7.items()}
    for item in list(by_item)[:6]:
        by_item[item][2] = 0
    text = agreement(quiet_assess(long_table(by_item)))
    assert "其中专家 E3 偏离的评分项超过评分项总数的 33%，建议复核其评分依据。" in text


# ---------------------------------------------------------------------------------------------
# Suggestions
# ---------------------------------------------------------------------------------------------


def test_suggestions_hand_checked(hand):
    """Dimensions below 80%: 投入经济性 67%, 绩效目标合理性 70%, 实施方案可行性 75%; then the tier."""
    lines = numbered(suggestions(hand))
    assert 3 <= len(lines) <= 5
    assert lines[0].startswith("1. “投入经济性”得分率为 67.00%（其中“预算编制规范性”得分率为 66.67%），"
                               "建议细化成本测算")
    assert "完善绩效指标" in lines[1] and "完善实施方案和风险应对" in lines[2]
    assert lines[-1] == "4. 建议项目单位根据专家意见修改完善申报材料，经财政部门复核后再纳入预算安排。"


def test_suggestions_veto(vetoed):
    lines = numbered(suggestions(vetoed))
    assert len(lines) == 3
    assert lines[0].startswith("1. “筹资合规性”得分率为 55.00%")
    assert "触发一票否决，建议落实资金来源" in lines[0]
    assert lines[1] == "2. 建议本年度暂不安排该项目预算；项目单位可针对上述问题补充完善后重新申报评估。"


@pytest.mark.parametrize("dimension, advice", [
    ("立项必要性", "补充需求调研和政策依据"),
    ("投入经济性", "细化成本测算"),
    ("绩效目标合理性", "完善绩效指标"),
    ("实施方案可行性", "完善实施方案和风险应对"),
    ("筹资合规性", "落实资金来源"),
])
def test_suggestion_for_each_weak_dimension(dimension, advice):
    dims = framework().set_index("item_id")["dimension"]
    result = quiet_assess(uniform(lambda item, points: points * (0.7 if dims[item] == dimension
                                                                 else 1.0)))
    first = numbered(suggestions(result))[0]
    assert first.startswith(f"1. “{dimension}”得分率为 70.00%") and advice in first


def test_suggestions_low_agreement_and_limits():
    result = quiet_assess(random_panel())
    lines = numbered(suggestions(result))
    assert len(lines) == 5
    assert any("组织复议" in line for line in lines)
    full = numbered(suggestions(quiet_assess(uniform(lambda item, points: points))))
    assert len(full) == 3 and "建议按程序将项目纳入预算安排" in full[1]
    with pytest.raises(InputError, match=r"weak_share in \(0, 1\]"):
        suggestions(result, weak_share=1.5)


# ---------------------------------------------------------------------------------------------
# Method
# ---------------------------------------------------------------------------------------------


def test_method_hand_checked(hand):
    text = method(hand, "national")
    assert text.startswith("本次评估依据“全国参考规则集”（cn-national，版本 2020.1）")
    assert "评审专家共 7 名" in text
    assert "每个评分项的专家评分去掉一个最高分和一个最低分后取平均" in text
    assert ("90 分及以上为“予以支持”，70 分（含）至 90 分为“调整完善后予以支持”，"
            "低于 70 分为“不予支持”。") in text
    assert "“筹资合规性”得分率低于 60% 的，一票否决（筹资不合规）" in text


def test_method_five_experts_arithmetic_mean(vetoed):
    text = method(vetoed, "national")
    assert "评审专家共 5 名" in text and "算术平均" in text and "去掉一个最高分" not in text


def test_method_provincial_tiers():
    result = quiet_assess(uniform(lambda item, points: points - 1, ruleset="provincial"),
                          ruleset="provincial")
    text = method(result, "provincial")
    assert "80 分及以上为“予以支持”，60 分（含）至 80 分为“调整完善后予以支持”" in text
    assert "“立项必要性”得分率低于 50% 的，一票否决（立项依据不足）" in text


def test_method_rejects_another_rule_set(hand):
    with pytest.raises(InputError, match="expected the rule set the result was computed with"):
        method(hand, "provincial")


def test_raw_score_appendix_lists_every_score_with_the_trimmed_ones_marked():
    """Every row of expert_scores.csv for SQ-2021-001 (7 experts, so the national rule drops one
    highest and one lowest per item) is in the appendix at (item, expert), as written; exactly
    two per item carry （剔除）, one at the item's maximum and one at its minimum."""
    import warnings
    from pathlib import Path

    import pandas as pd

    from evalkit.io import load_dataset
    from evalkit.stages import exante

    raw = pd.read_csv(Path(__file__).parents[1] / "data/sample/csv/expert_scores.csv",
                      encoding="utf-8-sig", dtype=str)
    raw = raw[raw["project_id"] == "SQ-2021-001"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = exante.evaluate(load_dataset("sample"), "SQ-2021-001")
    table = raw_scores(result).set_index("编码")
    experts = sorted(raw["expert_id"].unique())
    assert list(table.columns) == ["评估维度", "评分项", "分值", *experts, "评审得分"]
    assert len(raw) == len(table) * len(experts)
    for row in raw.itertuples():
        cell = table.loc[row.item_id, row.expert_id]
        assert cell.removesuffix("（剔除）") == f"{float(row.score):g}"
    for item_id, group in raw.groupby("item_id"):
        scores = group["score"].astype(float).to_numpy()
        cells = table.loc[item_id, experts]
        marked = [float(c.removesuffix("（剔除）")) for c in cells if c.endswith("（剔除）")]
        assert len(marked) == 2 and sorted(marked) == [scores.min(), scores.max()]
        kept = [float(c) for c in cells if not c.endswith("（剔除）")]
        assert table.loc[item_id, "评审得分"] == f"{sum(kept) / len(kept):.2f}"
    assert "标注“（剔除）”的评分不计入评审得分" in raw_scores_note(result)
