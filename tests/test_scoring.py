"""Scoring rules against DOMAIN.md §3 worked examples, plus properties of the roll-up."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit import InputError, grade, load_ruleset, score_indicators
from evalkit.scoring import SHEET_COLUMNS


def sheet(rows):
    """Build an indicators table from (comparator, target, weight, actual) tuples."""
    return pd.DataFrame([
        {"project_id": p, "indicator_id": f"I{i}", "level1": l1, "level2": "数量指标",
         "name": f"指标{i}", "comparator": c, "target": t, "weight": w, "actual": a}
        for i, (p, l1, c, t, w, a) in enumerate(rows)])


def one(comparator, target, weight, actual, ruleset="national", **extra):
    df = sheet([("P1", "产出指标", comparator, target, weight, actual)])
    for k, v in extra.items():
        df[k] = v
    return score_indicators(df, ruleset=ruleset).sheet.iloc[0]


def test_domain_positive_example_487_of_500():
    """DOMAIN.md §3: target ≥ 500 人次, actual 487, weight 8 → 487/500 × 8 = 7.792 (7.79)."""
    row = one("≥", "500", 8, "487")
    assert row["score"] == pytest.approx(7.792, abs=1e-12)
    assert round(row["score"], 2) == 7.79
    assert row["lost"] == pytest.approx(0.208)


@pytest.mark.parametrize(("ruleset", "expected"), [
    ("national", 90 / 99 * 8),          # convention A: 90/99 × 8 = 7.2727 → 7.27
    ("provincial", (1 - 9 / 90) * 8),   # convention B: (1 − 9/90) × 8 = 7.2 → 7.20
])
def test_domain_reverse_example_99_against_90(ruleset, expected):
    row = one("≤", "90", 8, "99", ruleset=ruleset)
    assert row["score"] == pytest.approx(expected, abs=1e-12)
    assert round(row["score"], 2) == {"national": 7.27, "provincial": 7.20}[ruleset]


def test_reverse_b_reaches_zero_at_twice_target_and_a_does_not():
    assert one("≤", "90", 8, "180", ruleset="provincial")["score"] == 0
    assert one("≤", "90", 8, "200", ruleset="provincial")["score"] == 0
    assert one("≤", "90", 8, "180")["score"] == pytest.approx(4.0)
    assert one("≤", "90", 8, "80")["score"] == 8


def test_positive_is_capped_and_over_achievement_flagged():
    row = one("≥", "100", 10, "130")
    assert row["score"] == 10 and row["over_achieved"]
    assert "超额完成" in row["flags"]
    below = one("≥", "100", 10, "129.99")
    assert not below["over_achieved"]


def test_equality_zero_target_met_only_by_nonpositive_actual():
    assert one("=", "0", 5, "0")["score"] == 5
    assert one("=", "0", 5, "1")["score"] == 0
    assert one("=", "100%", 5, "100%")["score"] == 5
    assert one("=", "100%", 5, "98%")["score"] == 0


def test_qualitative_default_share_and_judged_score_range():
    assert one("定性", "", 10, "达成")["score"] == 10
    assert one("定性", "", 10, "部分达成")["score"] == pytest.approx(7.0)
    assert one("定性", "", 10, "部分达成", ruleset="provincial")["score"] == pytest.approx(8.0)
    assert one("定性", "", 10, "部分达成", judged_score=[6.5])["score"] == 6.5
    with pytest.raises(InputError, match="expected a judged score in \\[0, 10\\], found 11"):
        one("定性", "", 10, "部分达成", judged_score=[11])
    with pytest.raises(InputError, match="expected a qualitative tier"):
        one("定性", "", 10, "还行")


def test_judged_score_carries_into_the_target_rule_sets_tier_range():
    # national 部分达成 is [60 %, 80 %]: 9 of 10 lies above it and scores the range's end, 8;
    # provincial 部分达成 is fixed at 80 %: a judged 6.5 (national-valid) scores 8 there.
    above = one("定性", "", 10, "部分达成", judged_score=[9])
    assert above["score"] == pytest.approx(8.0)
    assert "评定得分按本规则集等级区间计分" in above["flags"]
    fixed = one("定性", "", 10, "部分达成", judged_score=[6.5], ruleset="provincial")
    assert fixed["score"] == pytest.approx(8.0) and "区间端点" in fixed["rule"]
    kept = one("定性", "", 10, "部分达成", judged_score=[6.5])
    assert kept["score"] == 6.5 and kept["flags"] == ""


def test_not_applicable_rescales_to_the_sheet_total():
    df = sheet([("P1", "产出指标", "≥", "100", 50, "100"),
                ("P1", "效益指标", "≥", "100", 30, "50"),
                ("P1", "满意度指标", "≥", "90", 20, "不适用")])
    res = score_indicators(df)
    s = res.sheet
    # 100 points over 80 applicable: scale 1.25 → weights 62.5 and 37.5; score 62.5 + 18.75.
    assert s["effective_weight"].tolist() == pytest.approx([62.5, 37.5, 0.0])
    assert res.totals["score"].iat[0] == pytest.approx(81.25)
    assert res.totals["n_not_applicable"].iat[0] == 1
    assert not s["applicable"].iat[2]


def test_missing_actual_scores_zero_and_is_flagged():
    row = one("≥", "100", 10, None)
    assert row["score"] == 0 and row["missing_actual"] and "缺少实际值" in row["flags"]


def test_execution_rate_row_is_capped_by_ruleset():
    df = sheet([("P1", "产出指标", "≥", "1", 90, "1"), ("P2", "产出指标", "≥", "1", 90, "1")])
    res = score_indicators(df, execution_rate=pd.Series({"P1": 0.9253, "P2": 1.2}))
    totals = res.totals.set_index("project_id")["score"]
    assert totals["P1"] == pytest.approx(90 + 9.253)
    assert totals["P2"] == pytest.approx(100)


def test_sheet_has_documented_columns_and_ruleset_record():
    res = score_indicators(sheet([("P1", "产出指标", "≥", "1", 1, "1")]), ruleset="provincial")
    assert list(res.sheet.columns) == SHEET_COLUMNS
    rs = load_ruleset("provincial")
    assert res.ruleset == {"ruleset_id": rs.id, "ruleset_version": rs.version,
                           "ruleset_sha256": rs.sha256}


def test_input_is_not_mutated():
    df = sheet([("P1", "产出指标", "≥", "500", 8, "487")])
    before = df.copy()
    score_indicators(df)
    pd.testing.assert_frame_equal(df, before)


def test_unparseable_cell_names_the_row_and_column():
    with pytest.raises(InputError, match="row 0: column actual: expected .*'约500'"):
        score_indicators(sheet([("P1", "产出指标", "≥", "500", 8, "约500")]))


# --- properties --------------------------------------------------------------------------------

rows_strategy = st.lists(
    st.tuples(st.sampled_from(["P1", "P2", "P3"]), st.sampled_from(["产出指标", "效益指标"]),
              st.sampled_from(["≥", "≤", "="]),
              st.floats(0, 1000, allow_nan=False), st.floats(0.5, 20),
              st.one_of(st.floats(0, 2000, allow_nan=False), st.just("不适用"))),
    min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(rows_strategy, st.sampled_from(["national", "provincial"]), st.randoms())
def test_scores_bounded_and_row_order_invariant(rows, ruleset, rnd):
    df = sheet(rows)
    res = score_indicators(df, ruleset=ruleset)
    s = res.sheet
    assert (s["score"] >= 0).all()
    assert (s["score"] <= s["effective_weight"] + 1e-9).all()
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10**6))
    res2 = score_indicators(shuffled, ruleset=ruleset)
    a = res.totals.set_index("project_id").sort_index()
    b = res2.totals.set_index("project_id").sort_index()
    np.testing.assert_allclose(a["score"], b["score"], rtol=1e-12, atol=1e-12)


@given(st.floats(0, 150, allow_nan=False), st.floats(0, 150, allow_nan=False),
       st.sampled_from(["national", "provincial"]))
def test_grades_monotone_in_score(x, y, ruleset):
    order = [b.label for b in load_ruleset(ruleset).grades]  # best first
    lo, hi = sorted((x, y))
    assert order.index(grade(hi, ruleset)) <= order.index(grade(lo, ruleset))


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 1000), st.floats(0.01, 1000), st.floats(0.1, 10))
def test_positive_score_monotone_in_actual(a, t, w):
    s1 = one("≥", t, w, a)["score"]
    s2 = one("≥", t, w, a * 1.1 + 0.01)["score"]
    assert s2 >= s1 - 1e-12


def test_execution_row_is_not_rescaled_with_not_applicable_indicators():
    """N/A rescaling keeps the sheet at its 90 points; the execution row stays at 10 × rate."""
    df = sheet([("P1", "产出指标", "≥", "100", 50, "100"), ("P1", "效益指标", "≥", "100", 30, "100"),
                ("P1", "满意度指标", "≥", "90", 10, "不适用")])
    res = score_indicators(df, execution_rate=pd.Series({"P1": 1.0}))
    s = res.sheet.set_index("indicator_id")
    assert s.loc["I0", "effective_weight"] == pytest.approx(50 * 90 / 80)
    assert s.loc["预算执行率", "effective_weight"] == 10 and s.loc["预算执行率", "score"] == 10
    assert res.totals["score"].iat[0] == pytest.approx(100)


def test_all_not_applicable_sheet_gets_no_grade():
    res = score_indicators(sheet([("P1", "产出指标", "≥", "100", 50, "不适用")]))
    assert res.totals["grade"].iat[0] == ""


def test_floating_point_noise_does_not_cross_a_grade_boundary():
    """15/80 rescaled by 95/95 … an exact 90 computed as 89.99999999999999 is still 优."""
    assert grade(89.99999999999999) == "优"
    assert grade(89.9999) == "良"


def test_blank_qualitative_actual_is_missing_not_an_error():
    row = one("定性", "", 10, None)
    assert row["score"] == 0 and row["missing_actual"]


def test_pandas_na_is_blank():
    df = sheet([("P1", "产出指标", "≥", "500", 8, "487")]).astype("string")
    df.loc[0, "actual"] = pd.NA
    assert score_indicators(df).sheet["missing_actual"].iat[0]
