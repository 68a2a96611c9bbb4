"""Tests for evalkit.panel: Kendall's W and expert-panel aggregation."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from evalkit.errors import EvalkitWarning, InputError
from evalkit.panel import (
    KendallW,
    PanelResult,
    aggregate_panel,
    kendall_w,
    kendall_w_from_rank_sums,
)

# ---------------------------------------------------------------------------------------------
# Kendall's W
# ---------------------------------------------------------------------------------------------

#: DOMAIN.md §8: m = 3 raters, n = 12 items.
DOMAIN_RANK_SUMS = [14.5, 21, 30.5, 6, 11, 3.5, 20, 11.5, 29, 28.5, 22.5, 36]

#: A 3 × 12 score table whose rank sums are DOMAIN_RANK_SUMS (score = 60 + 2 × rank), with ties:
#: E1 ties items 1 and 7 (rank 5.5); E2 ties items 1, 2 and 11 (rank 6), items 4 and 8 (2.5) and
#: items 3 and 9 (10.5); E3 ties items 4 and 6 (1.5), items 7 and 11 (6.5) and items 9 and 10 (10.5).
DOMAIN_SCORES = pd.DataFrame(
    [
        [71, 74, 82, 64, 66, 62, 71, 68, 76, 78, 80, 84],
        [72, 72, 81, 65, 68, 62, 76, 65, 81, 78, 72, 84],
        [66, 76, 78, 63, 68, 63, 73, 70, 81, 81, 73, 84],
    ],
    index=["E1", "E2", "E3"],
    columns=[f"item{i}" for i in range(1, 13)],
)


def test_kendall_w_domain_section8_rank_sums():
    """DOMAIN.md §8: S = 1175.5 and W = 0.9134 (no tie correction), χ² = m (n − 1) W."""
    result = kendall_w_from_rank_sums(DOMAIN_RANK_SUMS, m=3)
    assert result.s == 1175.5
    assert result.w == pytest.approx(0.9134, abs=5e-5)
    assert result.chi2 == pytest.approx(3 * 11 * result.w, rel=1e-12)
    assert result.chi2 == pytest.approx(30.141, abs=5e-4)
    assert result.df == 11
    assert result.p_value == pytest.approx(stats.chi2.sf(result.chi2, 11), rel=1e-12)
    assert (result.m, result.n, result.tie_correction) == (3, 12, 0.0)


def test_kendall_w_domain_section8_score_table():
    """The score table reproduces the published rank sums; tie correction by hand.

    Tie groups: E1 one pair → T = 2³ − 2 = 6; E2 one triple and two pairs → 24 + 6 + 6 = 36;
    E3 three pairs → 18. Σ T_j = 60.
    Uncorrected: W = 12 × 1175.5 / (3² × (12³ − 12)) = 14106 / 15444 = 0.91336.
    Corrected:   W = 14106 / (15444 − 3 × 60) = 14106 / 15264 = 0.92414.
    """
    plain = kendall_w(DOMAIN_SCORES, correct_ties=False)
    assert plain.rank_sums.tolist() == DOMAIN_RANK_SUMS
    assert plain.rank_sums.index.tolist() == DOMAIN_SCORES.columns.tolist()
    assert plain.s == 1175.5
    assert plain.w == pytest.approx(14106 / 15444, rel=1e-12)
    assert plain.w == pytest.approx(kendall_w_from_rank_sums(DOMAIN_RANK_SUMS, m=3).w, rel=1e-12)

    corrected = kendall_w(DOMAIN_SCORES)
    assert corrected.tie_correction == 60
    assert corrected.s == 1175.5
    assert corrected.w == pytest.approx(14106 / 15264, rel=1e-12)
    assert corrected.w > plain.w
    assert corrected.chi2 == pytest.approx(3 * 11 * 14106 / 15264, rel=1e-12)
    from_sums = kendall_w_from_rank_sums(DOMAIN_RANK_SUMS, m=3, tie_correction=60)
    assert from_sums.w == pytest.approx(corrected.w, rel=1e-12)


def test_kendall_w_direction_of_ranking_does_not_matter():
    flipped = kendall_w(-DOMAIN_SCORES)
    assert flipped.w == pytest.approx(kendall_w(DOMAIN_SCORES).w, rel=1e-12)


def test_kendall_w_does_not_mutate_input():
    before = DOMAIN_SCORES.copy()
    kendall_w(DOMAIN_SCORES)
    pd.testing.assert_frame_equal(DOMAIN_SCORES, before)


def test_kendall_w_all_tied_is_undefined_with_warning():
    scores = pd.DataFrame([[5, 5, 5], [3, 3, 3]], index=["E1", "E2"], columns=["A", "B", "C"])
    with pytest.warns(EvalkitWarning, match="all scores are tied"):
        result = kendall_w(scores)
    assert np.isnan(result.w) and np.isnan(result.chi2) and np.isnan(result.p_value)
    assert result.s == 0


def test_kendall_w_all_tied_uncorrected_is_zero():
    scores = pd.DataFrame([[5, 5, 5], [3, 3, 3]], index=["E1", "E2"], columns=["A", "B", "C"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = kendall_w(scores, correct_ties=False)
    assert result.w == 0


def test_kendall_w_from_rank_sums_all_tied_warns():
    with pytest.warns(EvalkitWarning, match="all scores are tied"):
        result = kendall_w_from_rank_sums([4, 4, 4], m=2, tie_correction=2 * (27 - 3))
    assert np.isnan(result.w)


def test_kendall_w_result_frame_and_html():
    result = kendall_w(DOMAIN_SCORES)
    assert isinstance(result, KendallW)
    frame = result.to_frame()
    assert frame.columns.tolist() == ["w", "chi2", "df", "p_value", "m", "n", "s",
                                      "tie_correction"]
    assert frame.iloc[0]["w"] == result.w
    assert "<table" in result._repr_html_() and "item12" in result._repr_html_()


@pytest.mark.parametrize(
    ("scores", "match"),
    [
        (pd.DataFrame([[1, 2, 3]], index=["E1"]), "at least 2 raters and 2 items, found 1 rater"),
        (pd.DataFrame([[1], [2]], index=["E1", "E2"]), "found 2 rater.* and 1 item"),
        (pd.DataFrame({"A": [1, np.nan], "B": [2, 3]}, index=["E1", "E2"]),
         "expert 'E2', item 'A': expected a number, found nan"),
        (pd.DataFrame({"A": [1, 2], "B": [2, "好"]}, index=["E1", "E2"]),
         "expert 'E2', item 'B': expected a number, found '好'"),
        ([[1, 2], [2, 1]], "expected a DataFrame"),
    ],
)
def test_kendall_w_rejects_bad_input(scores, match):
    with pytest.raises(InputError, match=match):
        kendall_w(scores)


def test_kendall_w_reports_every_missing_cell():
    scores = pd.DataFrame({"A": [np.nan, 2], "B": [2, np.nan], "C": [1, 1]}, index=["E1", "E2"])
    with pytest.raises(InputError) as error:
        kendall_w(scores)
    assert "expert 'E1', item 'A'" in str(error.value)
    assert "expert 'E2', item 'B'" in str(error.value)


@pytest.mark.parametrize(
    ("sums", "m", "tie_correction", "match"),
    [
        ([14.5, 21, 30.5, 6, 11, 3.5, 20, 11.5, 29, 28.5, 22.5, 35], 3, 0.0,
         "adding up to m n \\(n \\+ 1\\) / 2 = 234, found 233"),
        ([1, 5], 2, 0.0, "in \\[2, 4\\].*item 0: 1, item 1: 5"),
        ([3, 3], 1, 0.0, "at least 2 raters"),
        ([3, 3], 2, 13.0, "\\[0, 12\\], found 13.0"),
        ([3, 3], 2, -1.0, "found -1.0"),
        (["a", "b"], 2, 0.0, "expected numeric rank sums"),
    ],
)
def test_kendall_w_from_rank_sums_rejects_bad_input(sums, m, tie_correction, match):
    with pytest.raises(InputError, match=match):
        kendall_w_from_rank_sums(sums, m, tie_correction=tie_correction)


def test_kendall_w_from_rank_sums_keeps_labels():
    sums = pd.Series([5.0, 3.0, 4.0], index=["A", "B", "C"])
    result = kendall_w_from_rank_sums(sums, m=2)
    assert result.rank_sums.index.tolist() == ["A", "B", "C"]


tied_tables = st.integers(2, 6).flatmap(
    lambda m: st.integers(2, 7).flatmap(
        lambda n: st.lists(st.lists(st.integers(0, 4), min_size=n, max_size=n),
                           min_size=m, max_size=m)
    )
)


def _permutations(m: int, n: int):
    return st.lists(st.permutations(range(n)), min_size=m, max_size=m)


tie_free_tables = st.integers(2, 6).flatmap(lambda m: st.integers(2, 8).flatmap(
    lambda n: _permutations(m, n)))


@settings(max_examples=60, deadline=None)
@given(tied_tables, st.booleans())
def test_kendall_w_lies_in_unit_interval(rows, correct_ties):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        result = kendall_w(pd.DataFrame(rows), correct_ties=correct_ties)
    if not np.isnan(result.w):
        assert -1e-12 <= result.w <= 1 + 1e-12


@settings(max_examples=60, deadline=None)
@given(tied_tables, st.randoms(use_true_random=False))
def test_kendall_w_invariant_to_permuting_raters_and_items(rows, rnd):
    scores = pd.DataFrame(rows)
    raters, items = list(scores.index), list(scores.columns)
    rnd.shuffle(raters)
    rnd.shuffle(items)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        original = kendall_w(scores)
        permuted = kendall_w(scores.loc[raters, items])
    if np.isnan(original.w):
        assert np.isnan(permuted.w)
    else:
        assert permuted.w == pytest.approx(original.w, rel=1e-9, abs=1e-12)
    pd.testing.assert_series_equal(permuted.rank_sums.sort_index(), original.rank_sums)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), st.permutations(range(8)))
def test_kendall_w_is_one_for_identical_rankings(m, ranking):
    scores = pd.DataFrame([ranking] * m)
    assert kendall_w(scores).w == pytest.approx(1.0, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 5), st.lists(st.integers(0, 3), min_size=3, max_size=7))
def test_tie_corrected_kendall_w_is_one_for_identical_tied_scores(m, row):
    if len(set(row)) < 2:
        return  # every item tied: W undefined, tested separately
    assert kendall_w(pd.DataFrame([row] * m)).w == pytest.approx(1.0, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(tie_free_tables)
def test_kendall_w_matches_mean_pairwise_spearman(rows):
    """Without ties, the mean pairwise Spearman rho equals (m W − 1) / (m − 1)."""
    m = len(rows)
    result = kendall_w(pd.DataFrame(rows))
    rhos = [stats.spearmanr(rows[a], rows[b]).statistic for a, b in
            itertools.combinations(range(m), 2)]
    assert np.mean(rhos) == pytest.approx((m * result.w - 1) / (m - 1), abs=1e-9)


# ---------------------------------------------------------------------------------------------
# aggregate_panel
# ---------------------------------------------------------------------------------------------


def _long(scores: dict[str, float], item: str = "A1", **extra: object) -> pd.DataFrame:
    """A long expert_scores table for one item from {expert_id: score}."""
    return pd.DataFrame({**extra, "expert_id": list(scores), "item_id": item,
                         "score": list(scores.values())})


SEVEN = {"E1": 15, "E2": 18, "E3": 17, "E4": 20, "E5": 12, "E6": 17, "E7": 16}


def test_aggregate_panel_seven_experts_hand_computed():
    """Seven experts on one item (20 points), default rule: more than 5 experts → trim one each.

    Sorted: 12 (E5), 15 (E1), 16 (E7), 17 (E3), 17 (E6), 18 (E2), 20 (E4).
    Drop E5 (lowest) and E4 (highest): (15 + 16 + 17 + 17 + 18) / 5 = 83 / 5 = 16.6.
    Mean 115 / 7 = 16.428571; median 17; Σx² = 1927, so
    sd = sqrt((1927 − 115² / 7) / 6) = sqrt(6.285714) = 2.507133; cv = 2.507133 / 16.428571.
    Outliers (leave one out, z = 2):
      E5 = 12: others 15, 18, 17, 20, 17, 16 → mean 103/6 = 17.1667, sd sqrt(2.96667) = 1.7224;
               |12 − 17.1667| = 5.1667 > 2 × 1.7224 = 3.4448 → outlier.
      E4 = 20: others 15, 18, 17, 12, 17, 16 → mean 95/6 = 15.8333,
               sd sqrt((1527 − 95²/6) / 5) = sqrt(4.56667) = 2.1370;
               |20 − 15.8333| = 4.1667 ≤ 4.2740 → not an outlier.
    """
    result = aggregate_panel(_long(SEVEN))
    assert isinstance(result, PanelResult)
    row = result.items.iloc[0]
    assert row["aggregate"] == pytest.approx(16.6, rel=1e-12)
    assert row["n"] == 7
    assert row["mean"] == pytest.approx(115 / 7, rel=1e-12)
    assert row["median"] == 17
    assert row["sd"] == pytest.approx(np.sqrt((1927 - 115**2 / 7) / 6), rel=1e-12)
    assert row["cv"] == pytest.approx(np.sqrt((1927 - 115**2 / 7) / 6) / (115 / 7), rel=1e-12)
    assert (row["min"], row["max"]) == (12, 20)
    assert row["trimmed"] == "E4,E5"
    assert row["method"] == "trimmed"

    scores = result.scores.set_index("expert_id")
    assert scores.loc["E5", "others_mean"] == pytest.approx(103 / 6, rel=1e-12)
    assert scores.loc["E5", "others_sd"] == pytest.approx(np.sqrt(2.966666666666667), rel=1e-12)
    assert scores.loc["E4", "others_sd"] == pytest.approx(np.sqrt((1527 - 95**2 / 6) / 5),
                                                          rel=1e-12)
    assert scores.index[scores["outlier"]].tolist() == ["E5"]
    assert scores.index[scores["dropped"]].tolist() == ["E4", "E5"]
    assert (scores["n_others"] == 6).all()


def test_aggregate_panel_five_experts_are_not_trimmed_by_default():
    """Five experts: 5 is not more than 5, so the panel score is the mean (80 / 5 = 16)."""
    five = {"E1": 15, "E2": 18, "E3": 17, "E4": 20, "E5": 10}
    row = aggregate_panel(_long(five)).items.iloc[0]
    assert row["aggregate"] == 16
    assert row["trimmed"] == ""
    stricter = aggregate_panel(_long(five), trim_when_more_than=4).items.iloc[0]
    assert stricter["aggregate"] == pytest.approx((15 + 18 + 17) / 3, rel=1e-12)
    assert stricter["trimmed"] == "E4,E5"


def test_aggregate_panel_trims_exactly_one_of_tied_extremes():
    """E2 and E5 share the highest score 19, E1 and E6 the lowest 10.

    Sorted by (score, expert id): 10 E1, 10 E6, 14 E3, 15 E4, 19 E2, 19 E5. The lowest position
    is E1 and the highest E5, so exactly those two are dropped: (10 + 14 + 15 + 19) / 4 = 14.5.
    """
    tied = {"E1": 10, "E2": 19, "E3": 14, "E4": 15, "E5": 19, "E6": 10}
    result = aggregate_panel(_long(tied))
    row = result.items.iloc[0]
    assert row["aggregate"] == 14.5
    assert row["trimmed"] == "E1,E5"
    assert result.scores["dropped"].sum() == 2


def test_aggregate_panel_trims_two_each_when_asked():
    """trim = 2 with 7 experts: drop 12, 15 and 18, 20 → (16 + 17 + 17) / 3."""
    row = aggregate_panel(_long(SEVEN), trim=2).items.iloc[0]
    assert row["aggregate"] == pytest.approx(50 / 3, rel=1e-12)
    assert row["trimmed"] == "E1,E2,E4,E5"


@pytest.mark.parametrize(("method", "expected"), [("mean", 115 / 7), ("median", 17.0)])
def test_aggregate_panel_other_methods(method, expected):
    row = aggregate_panel(_long(SEVEN), method=method).items.iloc[0]
    assert row["aggregate"] == pytest.approx(expected, rel=1e-12)
    assert row["trimmed"] == ""
    assert row["method"] == method


def test_outlier_needs_three_other_experts():
    """With three experts nobody has three others, so even a wild score is not flagged."""
    result = aggregate_panel(_long({"E1": 18, "E2": 18.5, "E3": 2}))
    assert not result.scores["outlier"].any()
    assert (result.scores["n_others"] == 2).all()


def test_outlier_not_flagged_when_others_agree():
    """Others all give 0.1 (their float mean is not exactly 0.1): SD is 0, nothing flagged."""
    result = aggregate_panel(_long({"E1": 0.1, "E2": 0.1, "E3": 0.1, "E4": 0.1, "E5": 0.5}))
    e5 = result.scores.set_index("expert_id").loc["E5"]
    assert e5["others_sd"] == 0
    assert not result.scores["outlier"].any()


def test_outlier_threshold_is_a_parameter():
    """E4 in the seven-expert example is 4.1667 from the others' mean, 1.95 of their SD."""
    strict = aggregate_panel(_long(SEVEN), outlier_z=1.9).scores
    assert strict.loc[strict["outlier"], "expert_id"].tolist() == ["E4", "E5"]


def test_constant_expert_is_flagged_and_warned():
    table = pd.concat([
        _long({"E1": 16, "E2": 15, "E3": 18}, item="A1"),
        _long({"E1": 16, "E2": 12, "E3": 9}, item="A2"),
        _long({"E1": 16, "E2": 14, "E3": 10}, item="A3"),
    ])
    with pytest.warns(EvalkitWarning, match="1 expert\\(s\\) gave every item the same score: "
                                            "expert_id 'E1'"):
        result = aggregate_panel(table)
    experts = result.experts.set_index("expert_id")
    assert experts["constant"].tolist() == [True, False, False]
    assert experts["n_items"].tolist() == [3, 3, 3]


def test_expert_summary_share_of_outliers():
    """E5 is the outlier on A1 and scores normally on A2: 1 of 2 items flagged."""
    table = pd.concat([
        _long(SEVEN, item="A1"),
        _long({"E1": 8, "E2": 9, "E3": 8, "E4": 9, "E5": 8.5, "E6": 9, "E7": 8}, item="A2"),
    ])
    experts = aggregate_panel(table).experts.set_index("expert_id")
    assert experts.loc["E5", "n_outliers"] == 1
    assert experts.loc["E5", "share_outliers"] == 0.5
    assert experts.drop(index="E5")["n_outliers"].eq(0).all()
    assert not experts["constant"].any()


def test_small_panels_warn_once_listing_items():
    table = pd.concat([
        _long({"E1": 10, "E2": 12}, item="A1"),
        _long({"E1": 8}, item="A2"),
        _long({"E1": 8, "E2": 9, "E3": 7}, item="A3"),
    ])
    with pytest.warns(EvalkitWarning) as record:
        aggregate_panel(table)
    small = [str(w.message) for w in record if "fewer than 3 experts" in str(w.message)]
    assert len(small) == 1
    assert "item_id 'A1' (2 expert(s))" in small[0] and "item_id 'A2' (1 expert(s))" in small[0]
    assert "A3" not in small[0]


def test_aggregate_panel_by_project_matches_separate_calls():
    p1 = _long(SEVEN, project_id="P1")
    p2 = _long({"E8": 14, "E9": 18, "E1": 17}, project_id="P2")
    both = aggregate_panel(pd.concat([p2, p1]), by="project_id")
    assert both.items["project_id"].tolist() == ["P1", "P2"]
    for project, part in (("P1", p1), ("P2", p2)):
        alone = aggregate_panel(part.drop(columns="project_id")).items
        mine = both.items[both.items["project_id"] == project].drop(columns="project_id")
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), alone)
    assert both.experts.columns[:2].tolist() == ["project_id", "expert_id"]
    assert len(both.experts) == 10


def test_aggregate_panel_same_item_ids_in_two_projects_are_not_mixed():
    table = pd.concat([_long({"E1": 10, "E2": 12, "E3": 14}, project_id="P1"),
                       _long({"E1": 20, "E2": 20, "E3": 20}, project_id="P2")])
    items = aggregate_panel(table, by=["project_id"]).items
    assert items["aggregate"].tolist() == [12, 20]


def test_aggregate_panel_custom_column_names_and_extra_columns():
    table = _long(SEVEN).rename(columns={"expert_id": "专家", "item_id": "评分项编码",
                                         "score": "得分"}).assign(意见="ok")
    result = aggregate_panel(table, expert="专家", item="评分项编码", score="得分")
    assert result.items["评分项编码"].tolist() == ["A1"]
    assert result.items["aggregate"].iloc[0] == pytest.approx(16.6, rel=1e-12)


def test_aggregate_panel_does_not_mutate_input_and_renders():
    table = _long(SEVEN).assign(score=lambda d: d["score"].astype(object))
    before = table.copy()
    result = aggregate_panel(table)
    pd.testing.assert_frame_equal(table, before)
    assert result.to_frame() is result.items
    html = result._repr_html_()
    assert "<table" in html and "E4,E5" in html


@pytest.mark.parametrize(
    ("table", "match"),
    [
        (_long(SEVEN).drop(columns="score"), "missing \\['score'\\]"),
        (_long({"E1": 10, "E2": "约15"}), "expert_id 'E2', item_id 'A1': expected a number ≥ 0, "
                                          "found '约15'"),
        (_long({"E1": 10, "E2": np.nan}), "expert_id 'E2', item_id 'A1': expected a number ≥ 0, "
                                          "found nan"),
        (_long({"E1": 10, "E2": -3}), "expert_id 'E2', item_id 'A1': expected a number ≥ 0, "
                                      "found -3"),
        (pd.DataFrame({"expert_id": ["E1", "E1"], "item_id": ["A1", "A1"], "score": [10, 12]}),
         "expert_id 'E1', item_id 'A1': expected one score per expert and item, found 2 "
         "\\(10, 12\\)"),
        (pd.DataFrame({"expert_id": ["E1", None], "item_id": ["A1", "A1"], "score": [10, 12]}),
         "row 1: expected expert_id, item_id filled in"),
        (_long(SEVEN).iloc[:0], "empty table"),
        ("not a table", "expected expert_scores as a long DataFrame"),
    ],
)
def test_aggregate_panel_rejects_bad_tables(table, match):
    with pytest.raises(InputError, match=match):
        aggregate_panel(table)


def test_aggregate_panel_reports_all_problems_at_once():
    table = pd.DataFrame({"project_id": ["P1"] * 4, "expert_id": ["E1", "E2", "E3", "E3"],
                          "item_id": ["A1", "A1", "A1", "A1"], "score": [-1, "x", 3, 4]})
    with pytest.raises(InputError) as error:
        aggregate_panel(table, by="project_id")
    message = str(error.value)
    assert "3 problem(s)" in message
    assert "project_id 'P1', expert_id 'E1', item_id 'A1'" in message
    assert "expert_id 'E2', item_id 'A1': expected a number ≥ 0, found 'x'" in message
    assert "expert_id 'E3', item_id 'A1': expected one score per expert and item" in message


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "winsorised"}, "expected method in \\['mean', 'median', 'trimmed'\\]"),
        ({"trim": 0}, "expected trim as an integer ≥ 1, found 0"),
        ({"trim": 3, "trim_when_more_than": 5}, "≥ 2 × trim = 6 .*found 5"),
        ({"outlier_z": 0}, "expected outlier_z > 0, found 0"),
        ({"by": "expert_id"}, "expected distinct column names"),
    ],
)
def test_aggregate_panel_rejects_bad_parameters(kwargs, match):
    with pytest.raises(InputError, match=match):
        aggregate_panel(_long(SEVEN), **kwargs)


@st.composite
def long_tables(draw):
    """A long table for 1–3 projects × 1–3 items × up to 8 experts, some scores missing."""
    rows = []
    for project in range(draw(st.integers(1, 3))):
        for item in range(draw(st.integers(1, 3))):
            experts = draw(st.lists(st.integers(1, 8), min_size=1, max_size=8, unique=True))
            for expert in experts:
                score = draw(st.floats(0, 20, allow_nan=False) | st.integers(0, 20))
                rows.append((f"P{project}", f"E{expert}", f"A{item}", score))
    return pd.DataFrame(rows, columns=["project_id", "expert_id", "item_id", "score"])


@pytest.mark.filterwarnings("ignore::evalkit.errors.EvalkitWarning")
@settings(max_examples=25, deadline=None)
@given(long_tables(), st.sampled_from(["mean", "median", "trimmed"]))
def test_aggregate_lies_within_min_and_max(table, method):
    items = aggregate_panel(table, method=method, by="project_id").items
    tolerance = 1e-9 * (1 + items["max"].abs())
    assert (items["aggregate"] >= items["min"] - tolerance).all()
    assert (items["aggregate"] <= items["max"] + tolerance).all()


@pytest.mark.filterwarnings("ignore::evalkit.errors.EvalkitWarning")
@settings(max_examples=25, deadline=None)
@given(long_tables(), st.randoms(use_true_random=False))
def test_aggregate_panel_invariant_to_row_order(table, rnd):
    order = list(range(len(table)))
    rnd.shuffle(order)
    original = aggregate_panel(table, by="project_id")
    shuffled = aggregate_panel(table.iloc[order], by="project_id")
    pd.testing.assert_frame_equal(shuffled.items, original.items)
    pd.testing.assert_frame_equal(shuffled.scores, original.scores)
    pd.testing.assert_frame_equal(shuffled.experts, original.experts)


@pytest.mark.filterwarnings("ignore::evalkit.errors.EvalkitWarning")
@settings(max_examples=25, deadline=None)
@given(long_tables())
def test_mean_method_equals_groupby_mean(table):
    items = aggregate_panel(table, method="mean", by="project_id").items
    expected = table.groupby(["project_id", "item_id"])["score"].mean()
    got = items.set_index(["project_id", "item_id"])["aggregate"]
    pd.testing.assert_series_equal(got, expected, check_names=False, rtol=1e-12)
