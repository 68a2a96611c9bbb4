"""Tests for evalkit.stages.exante: framework, panel → dimensions → total → conclusion, vetoes,
warnings."""

from __future__ import annotations

import copy
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.errors import EvalkitWarning, InputError, RuleSetError
from evalkit.io import Dataset
from evalkit.panel import KendallW
from evalkit.rules import failer
from evalkit.stages.exante import (
    ExAnteResult,
    assess,
    assess_many,
    check_ruleset,
    evaluate,
    evaluate_many,
    framework,
)

EXPERTS7 = [f"E{k}" for k in range(1, 8)]

#: The hand-checked 7-expert panel (national framework; scores of E1 … E7 per item).
#:
#: Every item but B1 and E1 gets the seven scores b − 0.5, b − 0.5, b, b, b, b + 0.5, b + 0.5 in
#: some order: dropping one highest (b + 0.5) and one lowest (b − 0.5) leaves
#: (b − 0.5 + b + b + b + b + 0.5) / 5 = b.
#:   A1 (6 points) b = 5, A2 (7) 6, A3 (7) 6, B2 (6) 4, B3 (6) 4, C1 (7) 5, C2 (7) 5, C3 (6) 4,
#:   D1 (7) 6, D2 (7) 5, D3 (6) 4, E2 (6) 5, E3 (6) 5.
#: B1 (8): 6, 5, 8, 5, 6, 5, 1 → sorted 1 5 5 5 6 6 8 → drop 1 and 8 → (5+5+5+6+6)/5 = 27/5 = 5.4
#:   (the plain mean would be 36/7 = 5.142857…).
#: E1 (8): 8, 7, 8, 7, 3, 8, 7 → sorted 3 7 7 7 8 8 8 → drop 3 and one 8 → (7+7+7+8+8)/5 = 7.4.
#: Dimensions: 立项必要性 5 + 6 + 6 = 17; 投入经济性 5.4 + 4 + 4 = 13.4; 绩效目标合理性 5 + 5 + 4 = 14;
#:   实施方案可行性 6 + 5 + 4 = 15; 筹资合规性 7.4 + 5 + 5 = 17.4.
#: Total 17 + 13.4 + 14 + 15 + 17.4 = 76.8 → [70, 90) → 调整完善后予以支持; 筹资合规性 share
#:   17.4 / 20 = 0.87 ≥ 0.6, no veto.
HAND7 = {
    "A1": [5, 5.5, 4.5, 5, 5.5, 4.5, 5],
    "A2": [6.5, 6, 5.5, 6, 5.5, 6.5, 6],
    "A3": [6, 6.5, 6, 5.5, 6, 5.5, 6.5],
    "B1": [6, 5, 8, 5, 6, 5, 1],
    "B2": [4, 4, 3.5, 4.5, 4, 3.5, 4.5],
    "B3": [3.5, 4, 4.5, 4, 4, 4.5, 3.5],
    "C1": [5.5, 5, 5, 4.5, 5, 5.5, 4.5],
    "C2": [5, 4.5, 5, 5.5, 4.5, 5, 5.5],
    "C3": [4.5, 3.5, 4, 4, 4.5, 4, 3.5],
    "D1": [6, 6, 6.5, 5.5, 6.5, 6, 5.5],
    "D2": [4.5, 5.5, 5, 5, 4.5, 5, 5.5],
    "D3": [4, 4.5, 3.5, 4, 4, 3.5, 4.5],
    "E1": [8, 7, 8, 7, 3, 8, 7],
    "E2": [5.5, 5, 4.5, 5, 5, 5.5, 4.5],
    "E3": [5, 5.5, 5, 4.5, 5.5, 4.5, 5],
}
HAND7_ITEMS = {"A1": 5, "A2": 6, "A3": 6, "B1": 5.4, "B2": 4, "B3": 4, "C1": 5, "C2": 5, "C3": 4,
               "D1": 6, "D2": 5, "D3": 4, "E1": 7.4, "E2": 5, "E3": 5}
HAND7_DIMENSIONS = {"立项必要性": 17, "投入经济性": 13.4, "绩效目标合理性": 14, "实施方案可行性": 15,
                    "筹资合规性": 17.4}


def long_table(by_item: dict[str, list[float]], project: str = "P1",
               comments: dict[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """Long expert_scores table from {item: [score of E1, E2, …]}."""
    rows = [(project, f"E{k}", item, score, (comments or {}).get((f"E{k}", item)))
            for item, scores in by_item.items() for k, score in enumerate(scores, 1)]
    return pd.DataFrame(rows, columns=["project_id", "expert_id", "item_id", "score", "comment"])


def hand7(**kwargs) -> pd.DataFrame:
    return long_table(HAND7, **kwargs)


def per_item(scores_of, ruleset: str = "national") -> dict[str, list[float]]:
    """``{item_id: scores_of(item_id, points)}`` over a rule set's framework."""
    fw = framework(ruleset)
    return {i: scores_of(i, p) for i, p in zip(fw["item_id"], fw["points"], strict=True)}


def uniform(scores_of, experts: int = 5, ruleset: str = "national", project: str = "P1"):
    """Every expert gives item i the score ``scores_of(item_id, points)``."""
    return long_table(per_item(lambda i, p: [scores_of(i, p)] * experts, ruleset), project=project)


def random_panel(seed: int = 7) -> pd.DataFrame:
    """Seven experts drawing integer scores uniformly in [0, points]: poor agreement."""
    rng = np.random.default_rng(seed)
    return long_table(per_item(lambda i, p: rng.integers(0, int(p) + 1, size=7).tolist()))


#: The veto case: five experts give every item full marks except 筹资合规性: E1 4/8, E2 4/6,
#: E3 3/6 → 11/20 = 55% < 60%. Total 80 + 11 = 91 ≥ 90 (予以支持 before the veto) → 不予支持.
VETO = {"E1": 4, "E2": 4, "E3": 3}


def veto_table() -> pd.DataFrame:
    return uniform(lambda item, points: VETO.get(item, points))


def quiet_assess(table, **kwargs) -> ExAnteResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        return assess(table, **kwargs)


# ---------------------------------------------------------------------------------------------
# Framework
# ---------------------------------------------------------------------------------------------


def test_framework_national_is_the_20x5_table_in_rule_set_order():
    fw = framework("national")
    assert list(fw.columns) == ["item_id", "dimension", "name", "points", "guidance",
                                "dimension_points"]
    assert fw["item_id"].tolist() == list(HAND7)
    assert fw.groupby("dimension", sort=False)["points"].sum().to_dict() == {
        d: 20.0 for d in HAND7_DIMENSIONS}
    assert (fw["dimension_points"] == 20).all()
    assert fw["guidance"].str.len().gt(0).all()


def test_framework_provincial_has_its_own_points():
    fw = framework("provincial")
    assert fw.set_index("item_id").loc["A1", "points"] == 8
    assert fw.groupby("dimension", sort=False)["points"].sum().tolist() == [25, 15, 20, 20, 20]
    assert fw["points"].sum() == 100


# ---------------------------------------------------------------------------------------------
# Hand-checked panels
# ---------------------------------------------------------------------------------------------


def test_hand_checked_seven_expert_panel():
    """See HAND7: trimmed means per item, subtotals 17/13.4/14/15/17.4, total 76.8, middle tier."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", EvalkitWarning)  # a clean panel: no warning at all
        result = assess(hand7())
    assert result.project_id == "P1" and result.n_experts == 7
    items = result.items.set_index("item_id")
    assert items["score"].to_dict() == pytest.approx(HAND7_ITEMS, abs=1e-12)
    assert items.loc["B1", "mean"] == pytest.approx(36 / 7)
    assert items.loc["B1", "lost"] == pytest.approx(8 - 5.4)
    assert items.loc["E1", "share"] == pytest.approx(7.4 / 8)
    assert (items["n"] == 7).all()
    assert items.loc["B1", "trimmed"] == "E3,E7"
    # E1: highest score 8 given by E1, E3 and E6 — the id sorting last (E6) is dropped.
    assert items.loc["E1", "trimmed"] == "E5,E6"
    dims = result.dimensions.set_index("dimension")
    assert dims["score"].to_dict() == pytest.approx(HAND7_DIMENSIONS, abs=1e-12)
    assert dims["lost"].to_dict() == pytest.approx(
        {d: 20 - s for d, s in HAND7_DIMENSIONS.items()}, abs=1e-12)
    assert dims.loc["投入经济性", "share"] == pytest.approx(0.67)
    assert result.total == pytest.approx(76.8, abs=1e-12)
    assert result.conclusion == result.conclusion_before_veto == "调整完善后予以支持"
    assert result.vetoes == ()
    assert result.warnings == ()
    assert isinstance(result.kendall, KendallW)
    assert (result.kendall.m, result.kendall.n, result.kendall.df) == (7, 15, 14)
    assert result.agreement_ok


def test_hand_checked_audit_ties_every_panel_score_to_raw_scores():
    result = quiet_assess(hand7())
    audit = result.audit
    assert len(audit) == 7 * 15
    assert audit[["item_id", "expert_id"]].drop_duplicates().shape[0] == 105
    assert list(audit["item_id"].unique()) == list(HAND7)  # framework order
    for item, scores in HAND7.items():
        rows = audit[audit["item_id"] == item]
        assert rows["score"].tolist() == scores
        assert rows["dropped"].sum() == 2
        assert rows.loc[~rows["dropped"], "score"].mean() == pytest.approx(HAND7_ITEMS[item])
        assert (rows["panel_score"] == result.items.set_index("item_id").loc[item, "score"]).all()
    b1 = audit[audit["item_id"] == "B1"].set_index("expert_id")
    assert b1.loc["E7", "outlier"]  # 1 of 8 while the others give 5 to 8
    assert b1.loc["E7", "points"] == 8 and b1.loc["E7", "dimension"] == "投入经济性"
    assert b1.loc["E7", "share"] == pytest.approx(1 / 8)
    assert result.experts.set_index("expert_id").loc["E7", "n_outliers"] >= 1


def test_five_expert_panel_is_not_trimmed_under_national():
    """National trims only with more than 5 experts: the panel score is the plain mean.

    B1 (8): 8, 6, 5, 5, 1 → mean 25/5 = 5 (trimming would give 16/3). Every other item: b − 0.5,
    b, b, b, b + 0.5 → mean b, with b = points − 1 → 立项必要性 17, 投入经济性 5 + 5 + 5 = 15,
    others 17 → total 17 + 15 + 17 + 17 + 17 = 83 → 调整完善后予以支持.
    """
    table = per_item(lambda i, p: [p - 1.5, p - 1, p - 1, p - 1, p - 0.5])
    table["B1"] = [8, 6, 5, 5, 1]
    result = quiet_assess(long_table(table))
    items = result.items.set_index("item_id")
    assert items.loc["B1", "score"] == pytest.approx(5.0)
    assert (items["trimmed"] == "").all()
    assert not result.audit["dropped"].any()
    assert result.dimensions.set_index("dimension")["score"].to_dict() == pytest.approx(
        {"立项必要性": 17, "投入经济性": 15, "绩效目标合理性": 17, "实施方案可行性": 17,
         "筹资合规性": 17})
    assert result.total == pytest.approx(83)
    assert result.conclusion == "调整完善后予以支持"


def test_veto_financing_non_compliant_overrides_a_total_above_90():
    """See VETO: total 91 would be 予以支持, 筹资合规性 at 55% < 60% vetoes it to 不予支持."""
    result = quiet_assess(veto_table())
    assert result.total == pytest.approx(91)
    assert result.conclusion_before_veto == "予以支持"
    assert result.conclusion == "不予支持"
    assert result.vetoes == ("筹资不合规",)
    checks = result.veto_checks.set_index("dimension")
    assert checks.loc["筹资合规性", "share"] == pytest.approx(0.55)
    assert checks.loc["筹资合规性", "triggered"]
    summary = result.summary()
    assert summary["vetoes"] == ["筹资不合规"] and summary["conclusion"] == "不予支持"


def test_veto_line_itself_does_not_veto():
    """12/20 = 60% is not below the 60% line (half-open, as the tiers)."""
    result = quiet_assess(uniform(lambda item, points: {"E1": 4, "E2": 4, "E3": 4}.get(item, points)))
    assert result.dimensions.set_index("dimension").loc["筹资合规性", "share"] == pytest.approx(0.6)
    assert result.vetoes == () and result.conclusion == "予以支持"


def test_tier_line_is_half_open_despite_float_averages():
    """Panel scores such as 5.8 (not exact in binary) adding up to exactly 90 give 予以支持."""
    fw = framework()
    lost = dict(zip(fw["item_id"], [0.8, 0.6, 0.9, 0.7, 0.9, 0.8, 0.7, 0.9, 0.8, 0.4, 0.3, 0.5,
                                    0.6, 0.6, 0.5], strict=True))  # 10 points in all
    result = quiet_assess(uniform(lambda item, points: points - lost[item]))
    assert result.total == pytest.approx(90)
    assert result.total < 90  # 89.99999999999999 in binary
    assert result.conclusion == "予以支持"


def test_provincial_rule_set_gives_a_different_tier_for_the_same_scores():
    """Every expert takes one point off every item: 100 − 15 = 85 under both frameworks.

    National tiers 90/70 → 调整完善后予以支持; provincial tiers 80/60 → 予以支持. The provincial
    framework has other points (A1 8, B3 4, …) so its table is built from its own points.
    """
    national = quiet_assess(uniform(lambda item, points: points - 1))
    provincial = quiet_assess(uniform(lambda item, points: points - 1, ruleset="provincial"),
                              ruleset="provincial")
    assert national.total == pytest.approx(85) and provincial.total == pytest.approx(85)
    assert national.conclusion == "调整完善后予以支持"
    assert provincial.conclusion == "予以支持"
    assert provincial.dimensions["points"].tolist() == [25, 15, 20, 20, 20]
    assert provincial.dimensions["score"].tolist() == pytest.approx([22, 12, 17, 17, 17])
    assert provincial.ruleset["ruleset_id"] == "province-example"
    assert national.ruleset["ruleset_id"] == "cn-national"


def test_provincial_trims_only_with_more_than_six_experts():
    fw = framework("provincial")
    six = per_item(lambda i, p: [p, p - 1, p - 1, p - 1, p - 1, p - 4], "provincial")
    result = quiet_assess(long_table(six), ruleset="provincial")
    assert (result.items["trimmed"] == "").all()
    # the mean (6p − 8)/6 = p − 4/3, not the trimmed p − 1
    assert result.items["score"].tolist() == pytest.approx((fw["points"] - 4 / 3).tolist())


# ---------------------------------------------------------------------------------------------
# Project selection and validation
# ---------------------------------------------------------------------------------------------


def test_project_id_filters_a_table_of_several_projects():
    table = pd.concat([hand7(), veto_table().assign(project_id="P2")], ignore_index=True)
    assert quiet_assess(table, project_id="P2").conclusion == "不予支持"
    assert quiet_assess(table, project_id="P1").total == pytest.approx(76.8)


def test_unknown_project_lists_known_ids():
    table = pd.concat([hand7(), veto_table().assign(project_id="P2")], ignore_index=True)
    with pytest.raises(InputError, match=r"project 'P9', found none; known projects: 'P1', 'P2'"):
        assess(table, project_id="P9")


def test_several_projects_without_project_id():
    table = pd.concat([hand7(), veto_table().assign(project_id="P2")], ignore_index=True)
    with pytest.raises(InputError, match="expected the scores of one project .* found 2 projects"):
        assess(table)


@pytest.mark.parametrize("bad", [None, "not a table"])
def test_not_a_dataframe(bad):
    with pytest.raises(InputError, match="expected expert_scores as a long DataFrame"):
        assess(bad)


def test_missing_columns_and_empty_table():
    with pytest.raises(InputError, match=r"missing \['score'\]"):
        assess(hand7().drop(columns="score"))
    with pytest.raises(InputError, match="found an empty table"):
        assess(hand7().iloc[:0])


def test_score_above_points_names_project_expert_and_item():
    table = hand7()
    table.loc[(table["item_id"] == "A1") & (table["expert_id"] == "E3"), "score"] = 7
    with pytest.raises(InputError) as error:
        assess(table)
    assert ("project 'P1', expert 'E3', item 'A1': expected a score in [0, 6] for item A1 "
            "(政策相符性), found 7") in str(error.value)


def test_negative_score():
    table = hand7()
    table.loc[(table["item_id"] == "B2") & (table["expert_id"] == "E1"), "score"] = -0.5
    with pytest.raises(InputError, match=r"expert 'E1', item 'B2': expected a score in \[0, 6\] "
                                         r"for item B2 \(预算编制规范性\), found -0.5"):
        assess(table)


def test_non_numeric_and_empty_scores():
    table = hand7().astype({"score": object})
    table.loc[(table["item_id"] == "A2") & (table["expert_id"] == "E2"), "score"] = "七"
    table.loc[(table["item_id"] == "C1") & (table["expert_id"] == "E4"), "score"] = None
    with pytest.raises(InputError) as error:
        assess(table)
    message = str(error.value)
    assert "2 problem(s)" in message
    assert ("expert 'E2', item 'A2': expected a number in [0, 7] for item A2 (需求迫切性), "
            "found '七'") in message
    assert ("expert 'E4', item 'C1': expected a score in [0, 7] for item C1 (目标明确性), "
            "found an empty cell") in message


def test_unknown_item():
    table = pd.concat([hand7(), pd.DataFrame([{"project_id": "P1", "expert_id": "E2",
                                               "item_id": "F1", "score": 3}])])
    with pytest.raises(InputError, match=r"project 'P1', expert 'E2', item 'F1': expected an item "
                                         r"of the framework \(A1, A2, .*E3\), found unknown item"):
        assess(table)


def test_missing_score_of_a_framework_item():
    table = hand7()
    table = table[~((table["item_id"] == "D3") & (table["expert_id"] == "E5"))]
    with pytest.raises(InputError, match=r"project 'P1', expert 'E5', item 'D3': expected a score "
                                         r"for item D3 \(风险识别与应对\), found none"):
        assess(table)


def test_item_scored_twice_and_missing_ids():
    table = hand7()
    extra = pd.DataFrame([{"project_id": "P1", "expert_id": "E1", "item_id": "A1", "score": 4},
                          {"project_id": "P1", "expert_id": None, "item_id": "A1", "score": 4}])
    with pytest.raises(InputError) as error:
        assess(pd.concat([table, extra], ignore_index=True))
    message = str(error.value)
    assert "expert 'E1', item 'A1': expected one score per expert and item, found 2 (5, 4)" in message
    assert "expected expert_id and item_id filled in, found expert_id an empty cell" in message


def test_expert_ids_of_mixed_types():
    table = hand7().astype({"expert_id": object})
    table.loc[table["expert_id"] == "E2", "expert_id"] = 2
    with pytest.raises(InputError, match="expected expert ids of one type .* found int, str"):
        assess(table)


def test_every_problem_is_reported_at_once():
    table = hand7()
    table.loc[0, "score"] = 99
    table.loc[1, "item_id"] = "Z9"  # also leaves E2 without A1
    with pytest.raises(InputError, match=r"3 problem\(s\) found") as error:
        assess(table)
    assert "found 99" in str(error.value) and "'Z9'" in str(error.value)


def test_invalid_outlier_share():
    with pytest.raises(InputError, match=r"outlier_share in \(0, 1\], found 0"):
        assess(hand7(), outlier_share=0)


def test_input_table_is_not_modified():
    table = hand7()
    before = table.copy()
    quiet_assess(table)
    pd.testing.assert_frame_equal(table, before)


# ---------------------------------------------------------------------------------------------
# Warnings
# ---------------------------------------------------------------------------------------------


def emitted(table, **kwargs) -> tuple[ExAnteResult, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = assess(table, **kwargs)
    return result, [str(w.message) for w in caught if issubclass(w.category, EvalkitWarning)]


def test_each_warning_is_emitted_once_in_chinese():
    table = hand7()
    table.loc[table["expert_id"] == "E7", "score"] = 3.5  # a constant expert
    result, messages = emitted(table)
    assert len(messages) == len(result.warnings) >= 1
    assert messages == [f"项目 P1：{w}" for w in result.warnings]


def test_constant_expert_same_score():
    table = hand7()
    table.loc[table["expert_id"] == "E7", "score"] = 3.5
    result, _ = emitted(table)
    assert any("专家 E7 对全部 15 个评分项给出了相同的分数" in w for w in result.warnings)
    assert result.experts.set_index("expert_id")["constant"].to_dict() == {
        e: e == "E7" for e in EXPERTS7}


def test_constant_expert_same_share():
    table = hand7()
    full = table["item_id"].map(framework().set_index("item_id")["points"])
    table.loc[table["expert_id"] == "E1", "score"] = full[table["expert_id"] == "E1"]
    result, _ = emitted(table)
    assert any(w.startswith("专家 E1 对全部 15 个评分项") for w in result.warnings)


def test_low_agreement_warning_for_random_scores():
    result, _ = emitted(random_panel())
    assert result.kendall.w < 0.5
    assert not result.agreement_ok
    assert any(w.startswith("专家评分一致性较弱：Kendall 协调系数 W = ") for w in result.warnings)
    assert result.summary()["agreement_ok"] is False


def test_too_few_experts():
    result, _ = emitted(long_table(per_item(lambda i, p: [p - 1, p - 2, p])))
    assert result.n_experts == 3
    assert "评审专家 3 名，少于规则集要求的 5 名，评审结论的代表性不足。" in result.warnings


def test_expert_flagged_as_outlier_on_more_than_a_third_of_items():
    by_item = {item: list(scores) for item, scores in HAND7.items()}
    for item in list(by_item)[:6]:  # 6 of 15 items > 1/3
        by_item[item][2] = 0  # E3 scores 0 where the others give b ± 0.5
    result, _ = emitted(long_table(by_item))
    experts = result.experts.set_index("expert_id")
    assert experts.loc["E3", "n_outliers"] == 6 and experts.loc["E3", "flagged"]
    assert any(w.startswith("专家 E3 在 15 个评分项中有 6 项评分明显偏离") for w in result.warnings)
    relaxed, _ = emitted(long_table(by_item), outlier_share=0.5)
    assert not any("明显偏离" in w for w in relaxed.warnings)


def test_agreement_cannot_be_measured_when_every_expert_gives_full_marks():
    result, _ = emitted(uniform(lambda item, points: points))
    assert result.kendall is None and not result.agreement_ok
    assert any(w.startswith("无法计算 Kendall 协调系数") for w in result.warnings)
    assert result.summary()["kendall_w"] is None


def test_one_expert_has_no_agreement_statistic():
    result, _ = emitted(long_table(per_item(lambda i, p: [p - 1])))
    assert result.kendall is None and result.total == pytest.approx(85)


# ---------------------------------------------------------------------------------------------
# Result object
# ---------------------------------------------------------------------------------------------


def test_result_frames_and_summary():
    result = quiet_assess(hand7(comments={("E2", "B1"): " 测算依据不足 ", ("E1", "A1"): "  "}))
    assert result.to_frame() is result.items
    assert list(result.items.columns) == ["item_id", "dimension", "name", "points", "score", "lost",
                                          "share", "n", "mean", "median", "sd", "cv", "min", "max",
                                          "trimmed"]
    assert list(result.dimensions.columns) == ["dimension", "points", "score", "lost", "share"]
    assert result.comments.to_dict("records") == [
        {"expert_id": "E2", "item_id": "B1", "dimension": "投入经济性", "comment": "测算依据不足"}]
    summary = result.summary()
    assert json.loads(json.dumps(summary, ensure_ascii=False)) == summary
    assert summary["total"] == result.total  # unrounded
    assert summary["dimension_scores"] == pytest.approx(HAND7_DIMENSIONS)
    assert summary["kendall_w"] == result.kendall.w and summary["n_experts"] == 7
    assert set(summary) >= {"project_id", "conclusion", "conclusion_before_veto", "vetoes",
                            "kendall_p", "agreement_ok", "warnings", "ruleset_id",
                            "ruleset_version", "ruleset_sha256"}
    page = result._repr_html_()
    assert "76.80" in page and "调整完善后予以支持" in page and "<table" in page


def test_comments_column_is_optional():
    result = quiet_assess(hand7().drop(columns="comment"))
    assert result.comments.empty
    assert list(result.comments.columns) == ["expert_id", "item_id", "dimension", "comment"]


def test_integer_ids_and_project_summary():
    table = hand7().assign(project_id=2021001)
    table["expert_id"] = table["expert_id"].str[1:].astype(int)
    result = quiet_assess(table, project_id=2021001)
    assert result.total == pytest.approx(76.8)
    assert json.dumps(result.summary())


# ---------------------------------------------------------------------------------------------
# Batch
# ---------------------------------------------------------------------------------------------


def test_assess_many_one_row_per_project():
    table = pd.concat([veto_table().assign(project_id="P2"), hand7()], ignore_index=True)
    batch = quiet_assess_many(table)
    assert batch["project_id"].tolist() == ["P1", "P2"]
    assert batch["total"].tolist() == pytest.approx([76.8, 91])
    assert batch["conclusion"].tolist() == ["调整完善后予以支持", "不予支持"]
    assert batch["vetoes"].tolist() == ["", "筹资不合规"]
    assert list(batch.columns) == ["project_id", "total", "conclusion", "vetoes", "n_experts",
                                   "kendall_w", "kendall_p", "agreement_ok", "n_warnings"]


def quiet_assess_many(table, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        return assess_many(table, **kwargs)


def test_assess_many_reports_every_project_problem():
    p2 = veto_table().assign(project_id="P2")
    p2.loc[0, "score"] = 50
    p3 = hand7(project="P3")
    p3.loc[0, "score"] = -1
    with pytest.raises(InputError) as error:
        quiet_assess_many(pd.concat([hand7(), p2, p3], ignore_index=True))
    assert "project 'P2', expert 'E1', item 'A1'" in str(error.value)
    assert "project 'P3', expert 'E1', item 'A1'" in str(error.value)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

POINTS = framework()["points"].astype(int).tolist()


@st.composite
def panels(draw):
    """A valid national panel of 2–8 experts with half-point scores."""
    m = draw(st.integers(2, 8))
    halves = draw(st.lists(st.integers(0, 16), min_size=15 * m, max_size=15 * m))
    by_item = {item: [halves[k * 15 + i] % (2 * POINTS[i] + 1) / 2 for k in range(m)]
               for i, item in enumerate(HAND7)}
    return long_table(by_item)


@pytest.mark.filterwarnings("ignore::evalkit.errors.EvalkitWarning")
@settings(max_examples=20, deadline=None)
@given(panels(), st.integers(0, 2**32 - 1))
def test_total_is_the_sum_of_dimensions_and_order_does_not_matter(table, seed):
    result = assess(table)
    assert result.total == pytest.approx(result.dimensions["score"].sum(), abs=1e-9)
    assert result.total == pytest.approx(result.items["score"].sum(), abs=1e-9)
    assert 0 <= result.total <= 100
    assert (result.dimensions["score"] <= result.dimensions["points"] + 1e-9).all()
    assert (result.items["lost"] >= -1e-9).all()
    shuffled = table.sample(frac=1, random_state=np.random.default_rng(seed))
    again = assess(shuffled)
    assert again.summary() == result.summary()
    pd.testing.assert_frame_equal(again.items, result.items)
    pd.testing.assert_frame_equal(again.audit, result.audit)


# ---------------------------------------------------------------------------------------------
# The rule-set section and the dataset-level verbs
# ---------------------------------------------------------------------------------------------


def exante_section(ruleset: str = "national") -> dict:
    from evalkit.rules import load_ruleset

    return copy.deepcopy(dict(load_ruleset(ruleset).data["exante"]))


@pytest.mark.parametrize("ruleset", ["national", "provincial"])
def test_check_ruleset_accepts_the_shipped_section(ruleset):
    assert check_ruleset(exante_section(ruleset), failer(ruleset)) is None


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s["veto"][0].update(dimension="不存在"),
     r"key 'exante.veto\[0\].dimension': expected one of \['实施方案可行性'.*found '不存在'"),
    (lambda s: s["items"][3].update(points=-1), r"key 'exante.items\[3\].points': expected a "
                                                 r"number > 0, found -1"),
    (lambda s: s["items"][0].update(points=5), r"key 'exante.items': expected sub-items of "
                                                r"立项必要性 summing to 20"),
    (lambda s: s["items"][1].update(item_id="A1"), r"key 'exante.items\[1\].item_id': expected "
                                                    r"a unique item id, found 'A1'"),
    (lambda s: s["items"][2].update(dimension="其他"), r"key 'exante.items\[2\].dimension'"),
    (lambda s: s["dimensions"][0].update(points=30), r"key 'exante.dimensions \(points\)': "
                                                      r"expected values summing to 100"),
    (lambda s: s["conclusion_tiers"][0].update(max=100),
     r"key 'exante.conclusion_tiers': expected a top band with max: null"),
    (lambda s: s.pop("veto"), r"key 'exante.veto': expected a required key of the section"),
])
def test_check_ruleset_names_the_broken_key(edit, message):
    section = exante_section()
    edit(section)
    with pytest.raises(RuleSetError, match=rf"^rule set broken.yaml: {message}"):
        check_ruleset(section, failer("broken.yaml"))


def test_evaluate_and_evaluate_many_read_the_datasets_expert_scores():
    table = pd.concat([hand7(), veto_table().assign(project_id="P2")], ignore_index=True)
    data = Dataset({"projects": pd.DataFrame({"project_id": ["P1", "P2"]}),
                    "expert_scores": table}, "memory", {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        one = evaluate(data, "P2")
        many = evaluate_many(data)
        direct = assess_many(table)
    assert one.summary() == quiet_assess(table, project_id="P2").summary()
    pd.testing.assert_frame_equal(many, direct)
    with pytest.raises(InputError, match=r"expected scores for project 'P9', found none"):
        evaluate(data, "P9")
    with pytest.raises(InputError, match=r"expected a table .*expert_scores"):
        evaluate(Dataset({"projects": pd.DataFrame({"project_id": ["P1"]})}, "memory", {}), "P1")
