"""Tests for evalkit.fuzzy: fuzzy comprehensive evaluation (模糊综合评价)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.errors import InputError
from evalkit.fuzzy import fuzzy_evaluate, fuzzy_score, membership_from_votes

GRADES = ["优", "良", "中", "差"]
GRADE_VALUES = {"优": 95, "良": 85, "中": 70, "差": 50}

#: DOMAIN.md §8 example: A = (0.5, 0.3, 0.2) and R (factors × grades).
DOMAIN_A = pd.Series([0.5, 0.3, 0.2], index=["F1", "F2", "F3"])
DOMAIN_R = pd.DataFrame(
    [[0.7, 0.2, 0.1, 0.0], [0.2, 0.3, 0.4, 0.1], [0.3, 0.4, 0.2, 0.1]],
    index=["F1", "F2", "F3"],
    columns=GRADES,
)


def test_fuzzy_evaluate_domain_section8_weighted_average():
    """DOMAIN.md §8: M(·, ⊕) = (0.47, 0.27, 0.21, 0.05)."""
    b = fuzzy_evaluate(DOMAIN_A, DOMAIN_R)
    assert b.index.tolist() == GRADES
    assert b.name == "B"
    assert b.tolist() == pytest.approx([0.47, 0.27, 0.21, 0.05], abs=5e-5)


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("max-min", [0.5, 0.3, 0.3, 0.1]),
        ("product-max", [0.35, 0.10, 0.12, 0.03]),
        ("bounded-min", [0.9, 0.7, 0.6, 0.2]),
        ("weighted-average", [0.47, 0.27, 0.21, 0.05]),
    ],
)
def test_fuzzy_evaluate_domain_section8_all_operators(operator, expected):
    """The DOMAIN.md §8 example under each operator, by hand (columns 优, 良, 中, 差).

    a = (0.5, 0.3, 0.2); R rows (0.7, 0.2, 0.1, 0), (0.2, 0.3, 0.4, 0.1), (0.3, 0.4, 0.2, 0.1).

    max-min M(∧, ∨), b_j = max_i min(a_i, r_ij):
      优 max(min(.5,.7), min(.3,.2), min(.2,.3)) = max(.5, .2, .2) = .5
      良 max(min(.5,.2), min(.3,.3), min(.2,.4)) = max(.2, .3, .2) = .3
      中 max(min(.5,.1), min(.3,.4), min(.2,.2)) = max(.1, .3, .2) = .3
      差 max(min(.5,0),  min(.3,.1), min(.2,.1)) = max(0, .1, .1)  = .1
    product-max M(·, ∨), b_j = max_i a_i r_ij:
      优 max(.35, .06, .06) = .35;  良 max(.10, .09, .08) = .10
      中 max(.05, .12, .04) = .12;  差 max(0, .03, .02)    = .03
    bounded-min M(∧, ⊕), b_j = min(1, Σ_i min(a_i, r_ij)):
      优 .5 + .2 + .2 = .9;  良 .2 + .3 + .2 = .7;  中 .1 + .3 + .2 = .6;  差 0 + .1 + .1 = .2
    weighted-average M(·, ⊕), b_j = min(1, Σ_i a_i r_ij):
      优 .35 + .06 + .06 = .47;  良 .10 + .09 + .08 = .27
      中 .05 + .12 + .04 = .21;  差 0 + .03 + .02   = .05
    """
    b = fuzzy_evaluate(DOMAIN_A, DOMAIN_R, operator=operator)
    assert b.tolist() == pytest.approx(expected, abs=1e-12)


def test_fuzzy_evaluate_normalize_after_max_min():
    """max-min B = (.5, .3, .3, .1) sums to 1.2; normalised (.5, .3, .3, .1) / 1.2."""
    b = fuzzy_evaluate(DOMAIN_A, DOMAIN_R, operator="max-min", normalize=True)
    assert b.tolist() == pytest.approx([0.5 / 1.2, 0.3 / 1.2, 0.3 / 1.2, 0.1 / 1.2], rel=1e-12)
    assert b.sum() == pytest.approx(1.0, rel=1e-12)


def test_fuzzy_evaluate_matches_weights_by_label():
    shuffled = DOMAIN_A[["F3", "F1", "F2"]]
    pd.testing.assert_series_equal(fuzzy_evaluate(shuffled, DOMAIN_R),
                                   fuzzy_evaluate(DOMAIN_A, DOMAIN_R))


def test_fuzzy_evaluate_accepts_plain_arrays():
    b = fuzzy_evaluate(np.array([0.5, 0.3, 0.2]), DOMAIN_R.to_numpy())
    assert b.index.tolist() == [0, 1, 2, 3]
    assert b.tolist() == pytest.approx([0.47, 0.27, 0.21, 0.05], abs=1e-12)


def test_fuzzy_evaluate_does_not_mutate_inputs():
    a, r = DOMAIN_A.copy(), DOMAIN_R.copy()
    fuzzy_evaluate(DOMAIN_A, DOMAIN_R, normalize=True)
    pd.testing.assert_series_equal(DOMAIN_A, a)
    pd.testing.assert_frame_equal(DOMAIN_R, r)


@pytest.mark.parametrize(
    ("weights", "membership", "kwargs", "match"),
    [
        ([0.5, 0.3, 0.3], DOMAIN_R, {}, "expected weights summing to 1, found a sum of 1.1"),
        ([0.9, 0.3, -0.2], DOMAIN_R, {}, "weight of factor 'F3': expected a number ≥ 0, found -0.2"),
        ([0.5, "x", 0.5], DOMAIN_R, {}, "weight of factor 'F2': expected a number ≥ 0, found 'x'"),
        ([0.5, 0.5], DOMAIN_R, {}, "expected 3 weights \\(one per membership row\\), found 2"),
        (pd.Series([0.5, 0.5], index=["F1", "F9"]), DOMAIN_R.iloc[:2], {},
         "missing \\['F2'\\], unexpected \\['F9'\\]"),
        (DOMAIN_A, DOMAIN_R.assign(中=[0.1, 1.4, 0.2]), {},
         "membership of factor 'F2' in grade '中': expected a number in \\[0, 1\\], found 1.4"),
        (DOMAIN_A, DOMAIN_R.assign(差=[0.0, np.nan, 0.1]), {},
         "membership of factor 'F2' in grade '差': expected a number in \\[0, 1\\], found nan"),
        (DOMAIN_A, DOMAIN_R, {"operator": "min-max"},
         "expected operator in \\['max-min', 'product-max', 'bounded-min', 'weighted-average'\\], "
         "found 'min-max'"),
        (DOMAIN_A, DOMAIN_R * 0, {"normalize": True}, "cannot normalise B"),
        ([], pd.DataFrame(), {}, "non-empty factors × grades"),
        (DOMAIN_A, pd.concat([DOMAIN_R.iloc[:2], DOMAIN_R.iloc[:1]]), {},
         "distinct factor labels.*repeats \\['F1'\\]"),
    ],
)
def test_fuzzy_evaluate_rejects_bad_input(weights, membership, kwargs, match):
    with pytest.raises(InputError, match=match):
        fuzzy_evaluate(weights, membership, **kwargs)


def test_fuzzy_evaluate_weight_sum_tolerance():
    fuzzy_evaluate([0.5, 0.3, 0.2 + 5e-10], DOMAIN_R)  # within 1e-9: accepted
    with pytest.raises(InputError, match="summing to 1"):
        fuzzy_evaluate([0.5, 0.3, 0.2 + 2e-9], DOMAIN_R)


def test_fuzzy_score_domain_example():
    """B = (0.47, 0.27, 0.21, 0.05) with 95/85/70/50: 44.65 + 22.95 + 14.7 + 2.5 = 84.8."""
    b = fuzzy_evaluate(DOMAIN_A, DOMAIN_R)
    assert fuzzy_score(b, GRADE_VALUES) == pytest.approx(84.8, abs=1e-12)


def test_fuzzy_score_divides_by_sum_of_b():
    """max-min B = (.5, .3, .3, .1): (47.5 + 25.5 + 21 + 5) / 1.2 = 99 / 1.2 = 82.5, normalised or not."""
    raw = fuzzy_evaluate(DOMAIN_A, DOMAIN_R, operator="max-min")
    scaled = fuzzy_evaluate(DOMAIN_A, DOMAIN_R, operator="max-min", normalize=True)
    assert fuzzy_score(raw, GRADE_VALUES) == pytest.approx(82.5, rel=1e-12)
    assert fuzzy_score(scaled, GRADE_VALUES) == pytest.approx(82.5, rel=1e-12)


def test_fuzzy_score_matches_labels_not_order():
    b = pd.Series({"差": 0.05, "中": 0.21, "良": 0.27, "优": 0.47})
    assert fuzzy_score(b, GRADE_VALUES) == pytest.approx(84.8, abs=1e-12)


@pytest.mark.parametrize(
    ("b", "values", "match"),
    [
        (pd.Series({"优": 0.5, "良": 0.5}), GRADE_VALUES, "missing \\[\\], unexpected \\['中', '差'\\]"),
        (pd.Series({"优": 0.5, "好": 0.5}), {"优": 95, "良": 85}, "missing \\['好'\\]"),
        (pd.Series({"优": 0.0, "良": 0.0}), {"优": 95, "良": 85}, "found all zeros"),
        (pd.Series({"优": -0.1, "良": 1.1}), {"优": 95, "良": 85},
         "B\\['优'\\]: expected a number ≥ 0, found -0.1"),
        (pd.Series({"优": 0.5, "良": 0.5}), {"优": 95, "良": "八十五"},
         "value of grade '良': expected a number, found '八十五'"),
        ([0.5, 0.5], {"优": 95, "良": 85}, "missing \\[0, 1\\]"),
    ],
)
def test_fuzzy_score_rejects_bad_input(b, values, match):
    with pytest.raises(InputError, match=match):
        fuzzy_score(b, values)


WIDE_VOTES = pd.DataFrame(
    {"E1": ["优", "良", "优"], "E2": ["优", "中", "良"], "E3": ["良", "良", "优"],
     "E4": ["优", "差", "中"]},
    index=pd.Index(["necessity", "economy", "feasibility"], name="factor"),
)


def test_membership_from_votes_wide():
    """necessity: 优 ×3, 良 ×1 → (.75, .25, 0, 0); economy: 良 ×2, 中, 差 → (0, .5, .25, .25);
    feasibility: 优 ×2, 良, 中 → (.5, .25, .25, 0)."""
    r = membership_from_votes(WIDE_VOTES, GRADES)
    expected = pd.DataFrame(
        [[0.75, 0.25, 0, 0], [0, 0.5, 0.25, 0.25], [0.5, 0.25, 0.25, 0]],
        index=WIDE_VOTES.index, columns=pd.Index(GRADES, name="grade"),
    )
    pd.testing.assert_frame_equal(r, expected)


def test_membership_from_votes_long_equals_wide():
    long = (WIDE_VOTES.reset_index()
            .melt(id_vars="factor", var_name="expert_id", value_name="grade")
            .sample(frac=1.0, random_state=3))
    from_long = membership_from_votes(long, GRADES, factor="factor")
    pd.testing.assert_frame_equal(from_long.loc[WIDE_VOTES.index],
                                  membership_from_votes(WIDE_VOTES, GRADES))


def test_membership_from_votes_abstention_counts_only_voters():
    """E4 recused on economy: 良, 中, 良 → (0, 2/3, 1/3, 0)."""
    votes = WIDE_VOTES.copy()
    votes.loc["economy", "E4"] = None
    r = membership_from_votes(votes, GRADES)
    assert r.loc["economy"].tolist() == pytest.approx([0, 2 / 3, 1 / 3, 0], rel=1e-12)


def test_votes_to_score_end_to_end():
    """R from the votes, equal weights, weighted average, then the grade values.

    B = mean of the rows = (1.25/3, 1.0/3, 0.5/3, 0.25/3);
    score = (1.25 × 95 + 1.0 × 85 + 0.5 × 70 + 0.25 × 50) / 3 = 251.25 / 3 = 83.75.
    """
    r = membership_from_votes(WIDE_VOTES, GRADES)
    b = fuzzy_evaluate(pd.Series(1 / 3, index=r.index), r)
    assert fuzzy_score(b, GRADE_VALUES) == pytest.approx(83.75, rel=1e-12)


@pytest.mark.parametrize(
    ("votes", "grades", "kwargs", "match"),
    [
        (WIDE_VOTES.replace({"差": "较差"}), GRADES, {},
         "expert 'E4', factor 'economy': expected a grade in \\['优', '良', '中', '差'\\], "
         "found '较差'"),
        (WIDE_VOTES.assign(E1=None, E2=None, E3=None, E4=[None, "良", "优"]), GRADES, {},
         "factor 'necessity': expected at least one vote, found none"),
        (WIDE_VOTES, ["优", "优"], {}, "distinct grades"),
        (WIDE_VOTES, [], {}, "non-empty list of distinct grades"),
        (pd.DataFrame({"factor": ["F1", "F1"], "expert_id": ["E1", "E1"], "grade": ["优", "良"]}),
         GRADES, {"factor": "factor"}, "expert 'E1', factor 'F1': expected one vote, found several"),
        (pd.DataFrame({"factor": ["F1"], "expert_id": ["E1"]}), GRADES, {"factor": "factor"},
         "missing \\['grade'\\]"),
        (pd.DataFrame({"factor": [None], "expert_id": ["E1"], "grade": ["优"]}), GRADES,
         {"factor": "factor"}, "row 0: expected factor and expert_id filled in"),
        (WIDE_VOTES.iloc[:0], GRADES, {}, "found none"),
        (["优", "良"], GRADES, {}, "expected votes as a DataFrame"),
    ],
)
def test_membership_from_votes_rejects_bad_input(votes, grades, kwargs, match):
    with pytest.raises(InputError, match=match):
        membership_from_votes(votes, grades, **kwargs)


def test_membership_from_votes_names_every_unknown_vote():
    votes = WIDE_VOTES.replace({"差": "较差", "中": "一般"})
    with pytest.raises(InputError) as error:
        membership_from_votes(votes, GRADES)
    message = str(error.value)
    assert "expert 'E4', factor 'economy'" in message
    assert "expert 'E2', factor 'economy'" in message
    assert "expert 'E4', factor 'feasibility'" in message


@st.composite
def evaluation_inputs(draw):
    """Weights summing to 1 and a membership matrix whose rows sum to 1."""
    k = draw(st.integers(1, 6))
    g = draw(st.integers(2, 5))
    positive = st.floats(0.01, 1.0)
    raw_a = np.array(draw(st.lists(positive, min_size=k, max_size=k)))
    raw_r = np.array(draw(st.lists(st.lists(st.floats(0.0, 1.0) | st.just(0.0), min_size=g,
                                            max_size=g), min_size=k, max_size=k)))
    raw_r[:, 0] += 0.01  # keep every row's sum positive
    grades = [f"G{j}" for j in range(g)]
    membership = pd.DataFrame(raw_r / raw_r.sum(axis=1, keepdims=True), columns=grades)
    return raw_a / raw_a.sum(), membership


@settings(max_examples=60, deadline=None)
@given(evaluation_inputs())
def test_weighted_average_preserves_total_membership(inputs):
    weights, membership = inputs
    assert fuzzy_evaluate(weights, membership).sum() == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(evaluation_inputs(), st.sampled_from(["max-min", "product-max", "bounded-min",
                                             "weighted-average"]),
       st.lists(st.floats(0, 100), min_size=5, max_size=5))
def test_fuzzy_score_lies_within_grade_values(inputs, operator, values):
    weights, membership = inputs
    b = fuzzy_evaluate(weights, membership, operator=operator)
    grade_values = dict(zip(membership.columns, values, strict=False))
    score = fuzzy_score(b, grade_values)
    low, high = min(grade_values.values()), max(grade_values.values())
    assert low - 1e-9 <= score <= high + 1e-9
    assert all(0 <= x <= 1 for x in b)
