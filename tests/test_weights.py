"""Tests for evalkit.weights: golden examples from DOMAIN.md §8, independent recomputations,
hypothesis properties, and one test per validation error."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.errors import EvalkitWarning, InconsistentMatrixError, InputError
from evalkit.weights import (
    CONSTANT_RTOL,
    SAATY_RI,
    TEXTBOOK_RI,
    ahp,
    ahp_hierarchy,
    combine_weights,
    critic_weights,
    entropy_weights,
)

FAST = settings(max_examples=40, deadline=None)

# DOMAIN.md §8, AHP example 1 (5 × 5) and example 2 (3 × 3).
DOMAIN_5X5 = [
    [1, 1 / 2, 1 / 3, 1 / 3, 1 / 5],
    [2, 1, 1 / 2, 1 / 2, 1 / 3],
    [3, 2, 1, 1, 1 / 2],
    [3, 2, 1, 1, 1],
    [5, 3, 2, 1, 1],
]
DOMAIN_3X3 = [[1, 2, 6], [1 / 2, 1, 4], [1 / 6, 1 / 4, 1]]
SAATY_SCALE = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 1, 2, 3, 5, 7, 9]


def eig_weights(matrix) -> tuple[np.ndarray, float]:
    """Principal eigenvector (normalised) and eigenvalue, computed here independently."""
    values, vectors = np.linalg.eig(np.asarray(matrix, dtype=float))
    k = np.argmax(values.real)
    w = np.abs(vectors[:, k].real)
    return w / w.sum(), float(values[k].real)


@st.composite
def reciprocal_matrices(draw, min_n=1, max_n=6):
    n = draw(st.integers(min_n, max_n))
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            a[i, j] = draw(st.sampled_from(SAATY_SCALE))
            a[j, i] = 1 / a[i, j]
    return a


@st.composite
def indicator_tables(draw, min_rows=2):
    """Small integer-valued tables (projects × indicators), some columns possibly constant."""
    m = draw(st.integers(min_rows, 7))
    k = draw(st.integers(1, 4))
    cells = draw(st.lists(st.lists(st.integers(0, 50), min_size=k, max_size=k),
                          min_size=m, max_size=m))
    directions = draw(st.lists(st.sampled_from(["+", "-"]), min_size=k, max_size=k))
    frame = pd.DataFrame(cells, columns=[f"c{j}" for j in range(k)],
                         index=[f"P{i}" for i in range(m)], dtype=float)
    return frame, directions


# ----------------------------------------------------------------------------------------------
# AHP: golden examples
# ----------------------------------------------------------------------------------------------

def test_domain_5x5_matrix_is_reciprocal():
    """The brief suspected the DOMAIN.md 5 × 5 matrix was not reciprocal; every pair is
    (a_34 = a_43 = 1 and a_45 = a_54 = 1 are their own reciprocals), so strict validation
    accepts it unchanged."""
    a = np.array(DOMAIN_5X5)
    assert np.allclose(a * a.T, 1.0, rtol=0, atol=1e-15)


def test_ahp_domain_md_5x5_geometric_published():
    res = ahp(DOMAIN_5X5, method="geometric")
    assert res.weights.tolist() == pytest.approx([0.0706, 0.1214, 0.2164, 0.2486, 0.3430],
                                                 abs=5e-5)
    assert res.cr == pytest.approx(0.011, abs=5e-4)  # published to 3 decimals
    assert res.n == 5 and res.method == "geometric"


def test_ahp_domain_md_5x5_eigen():
    res = ahp(DOMAIN_5X5, method="eigen")
    assert res.weights.tolist() == pytest.approx([0.0702, 0.1204, 0.2156, 0.2497, 0.3441],
                                                 abs=5e-5)
    assert res.lambda_max == pytest.approx(5.0492, abs=5e-5)
    assert res.ci == pytest.approx((res.lambda_max - 5) / 4)
    assert res.cr == pytest.approx(res.ci / 1.12)


def test_ahp_domain_md_3x3_eigen():
    res = ahp(DOMAIN_3X3)
    assert res.weights.tolist() == pytest.approx([0.5876, 0.3234, 0.0890], abs=5e-5)
    assert res.lambda_max == pytest.approx(3.0092, abs=5e-5)
    assert res.cr == pytest.approx(0.0079, abs=5e-5)
    assert res.is_consistent()


def test_ahp_arithmetic_method_matches_independent_computation():
    a = np.array(DOMAIN_5X5)
    expected = (a / a.sum(axis=0)).mean(axis=1)
    res = ahp(DOMAIN_5X5, method="arithmetic")
    assert res.weights.to_numpy() == pytest.approx(expected, rel=1e-12)
    assert res.lambda_max == pytest.approx(np.mean(a @ expected / expected), rel=1e-12)


@pytest.mark.parametrize("method", ["eigen", "geometric", "arithmetic"])
def test_ahp_lambda_max_is_mean_of_aw_over_w_for_every_method(method):
    res = ahp(DOMAIN_5X5, method=method)
    a, w = np.array(DOMAIN_5X5), res.weights.to_numpy()
    assert res.lambda_max == pytest.approx(np.mean(a @ w / w), rel=1e-12)
    assert res.to_frame()["aw_over_w"].mean() == pytest.approx(res.lambda_max, rel=1e-12)


def test_ahp_eigen_lambda_max_equals_principal_eigenvalue():
    w, lam = eig_weights(DOMAIN_5X5)
    res = ahp(DOMAIN_5X5)
    assert res.weights.to_numpy() == pytest.approx(w, rel=1e-10)
    assert res.lambda_max == pytest.approx(lam, rel=1e-12)


# ----------------------------------------------------------------------------------------------
# AHP: RI tables, small n, labels, parsing
# ----------------------------------------------------------------------------------------------

def test_ri_tables_match_domain_md():
    saaty = [0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59]
    assert [SAATY_RI[n] for n in range(1, 16)] == saaty
    assert [TEXTBOOK_RI[n] for n in range(1, 16)] == saaty[:10] + [1.52, 1.54, 1.56, 1.58, 1.59]


def test_ri_tables_cannot_be_modified():
    with pytest.raises(TypeError):
        SAATY_RI[3] = 0.5  # type: ignore[index]


def test_textbook_and_saaty_ri_differ_from_n_11():
    rng = np.random.default_rng(1)
    a = np.ones((12, 12))
    for i, j in zip(*np.triu_indices(12, k=1), strict=True):
        a[i, j] = rng.choice(SAATY_SCALE)
        a[j, i] = 1 / a[i, j]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        saaty, textbook = ahp(a), ahp(a, ri="textbook")
    assert saaty.ci == textbook.ci
    assert saaty.cr == pytest.approx(saaty.ci / 1.48)
    assert textbook.cr == pytest.approx(textbook.ci / 1.54)
    assert textbook.ri_table is TEXTBOOK_RI


def test_ahp_custom_ri_mapping_is_used_as_given():
    res = ahp(DOMAIN_3X3, ri={3: 0.52})
    assert res.cr == pytest.approx(res.ci / 0.52)
    assert dict(res.ri_table) == {3: 0.52} and res.ri == 0.52


def test_ahp_custom_ri_mapping_lacking_n_is_an_error():
    with pytest.raises(InputError, match=r"entry for n = 3.*\[4, 5\]"):
        ahp(DOMAIN_3X3, ri={4: 0.9, 5: 1.12})


def test_ahp_custom_ri_mapping_with_zero_for_n_3_is_an_error():
    with pytest.raises(InputError, match="n = 3: expected a positive number, found 0"):
        ahp(DOMAIN_3X3, ri={3: 0})


@pytest.mark.parametrize("matrix", [[[1]], [[1, 3], [1 / 3, 1]], [[1, 0.33], [3, 1]]])
def test_ahp_n_at_most_2_has_zero_ci_and_cr(matrix):
    res = ahp(matrix)
    assert res.ci == 0.0 and res.cr == 0.0 and res.is_consistent()
    assert res.weights.sum() == pytest.approx(1.0)


def test_ahp_array_weights_are_labelled_from_0():
    assert ahp(DOMAIN_3X3).weights.index.tolist() == [0, 1, 2]


def test_ahp_dataframe_with_fraction_strings_as_read_from_excel():
    labels = ["决策", "过程", "产出"]
    frame = pd.DataFrame([[1, "2", "6"], ["1/2", 1, 4], ["１／６", " 1/4 ", 1.0]],
                         index=labels, columns=labels)
    before = frame.copy()
    res = ahp(frame)
    assert res.weights.index.tolist() == labels
    assert res.weights.to_numpy() == pytest.approx(ahp(DOMAIN_3X3).weights.to_numpy())
    pd.testing.assert_frame_equal(frame, before)  # input not mutated
    assert res.matrix.loc["产出", "决策"] == pytest.approx(1 / 6)


def test_ahp_accepts_two_decimal_one_third_at_default_rtol():
    res = ahp([[1, 3, 0.5], [0.33, 1, 0.2], [2, 5, 1]])
    assert res.weights.sum() == pytest.approx(1.0)


def test_ahp_rounded_one_sixth_needs_larger_rtol():
    matrix = [[1, 6], [0.17, 1]]
    with pytest.raises(InconsistentMatrixError, match="row 2, column 1.*rounded decimal"):
        ahp(matrix)
    assert ahp(matrix, rtol=0.05).n == 2


def test_ahp_result_is_frozen_and_renders():
    res = ahp(DOMAIN_3X3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.cr = 0.5  # type: ignore[misc]
    html = res._repr_html_()
    assert "CR = 0.0079" in html and "<table" in html
    assert res.to_frame().columns.tolist() == ["weight", "aw", "aw_over_w"]
    assert res.summary()["ri"] == 0.58


def test_ahp_is_consistent_compares_strictly_below_limit():
    res = ahp(DOMAIN_3X3)
    assert res.is_consistent(limit=0.01)
    assert not res.is_consistent(limit=res.cr)


def test_ahp_warns_above_nine_elements():
    with pytest.warns(EvalkitWarning, match="10 elements.*at most 9"):
        ahp(np.ones((10, 10)))


# ----------------------------------------------------------------------------------------------
# AHP: validation errors
# ----------------------------------------------------------------------------------------------

LABELS = list("ABCD")


def labelled(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, index=LABELS, columns=LABELS, dtype=object)


GOOD_4X4 = [[1, 2, 3, 4], [1 / 2, 1, 2, 3], [1 / 3, 1 / 2, 1, 2], [1 / 4, 1 / 3, 1 / 2, 1]]


def with_cell(i, j, value, rows=GOOD_4X4):
    rows = [list(r) for r in rows]
    rows[i][j] = value
    return labelled(rows)


@pytest.mark.parametrize("cell, value, message", [
    ((1, 3), "约3", r"row 2, column 4 \(labels B, D\): expected a positive number or a fraction "
                   r"such as '1/3', found '约3'"),
    ((1, 3), "1/0", r"row 2, column 4 \(labels B, D\): expected a positive number.*found '1/0'"),
    ((1, 3), None, r"row 2, column 4 \(labels B, D\): expected.*found an empty cell"),
    ((1, 3), np.nan, r"row 2, column 4 \(labels B, D\): expected a positive finite number, "
                     r"found an empty cell"),
    ((1, 3), np.inf, r"row 2, column 4 \(labels B, D\): expected a positive finite number"),
    ((1, 3), -3, r"row 2, column 4 \(labels B, D\): expected a positive finite number, found -3"),
    ((1, 3), 0, r"row 2, column 4 \(labels B, D\): expected a positive finite number, found 0"),
    ((1, 3), True, r"row 2, column 4 \(labels B, D\): expected a positive number.*found True"),
    ((2, 2), 2, r"row 3, column 3 \(labels C, C\): expected 1 on the diagonal, found 2"),
    ((3, 1), 3, r"row 4, column 2 \(labels D, B\): expected the reciprocal of row 2, column 4, "
                r"1/3 = 0.3333 \(within rtol = 0.01\), found 3$"),
])
def test_ahp_invalid_cell_is_named(cell, value, message):
    with pytest.raises(InconsistentMatrixError, match=message):
        ahp(with_cell(*cell, value))


def test_ahp_reports_every_invalid_cell_at_once():
    rows = [list(r) for r in GOOD_4X4]
    rows[0][1], rows[2][3], rows[3][0] = "x", -1, 4
    with pytest.raises(InconsistentMatrixError, match=r"\(3 problems\)") as info:
        ahp(labelled(rows))
    text = str(info.value)
    assert "row 1, column 2 (labels A, B)" in text
    assert "row 3, column 4 (labels C, D)" in text
    assert "row 4, column 1 (labels D, A)" in text


def test_ahp_unlabelled_matrix_names_row_and_column_only():
    with pytest.raises(InconsistentMatrixError, match=r"row 2, column 1: expected the recip"):
        ahp([[1, 2], [2, 1]])


@pytest.mark.parametrize("matrix, message", [
    ([[1, 2, 3], [1 / 2, 1, 2]], r"expected a square matrix, found shape \(2, 3\)"),
    ([[1, 2], [1 / 2]], r"expected a square matrix, found shape \(2,\)"),
    ([], r"expected a square matrix, found shape \(0,\)"),
    (np.ones((16, 16)), "expected 1 to 15 rows, found 16"),
])
def test_ahp_rejects_bad_shapes(matrix, message):
    with pytest.raises(InconsistentMatrixError, match=message):
        ahp(matrix)


def test_ahp_dataframe_columns_must_repeat_index():
    frame = pd.DataFrame(DOMAIN_3X3, index=list("abc"), columns=list("acb"))
    with pytest.raises(InconsistentMatrixError, match="column labels to repeat the row labels"):
        ahp(frame)


def test_ahp_dataframe_labels_must_be_distinct():
    frame = pd.DataFrame(DOMAIN_3X3, index=list("aab"), columns=list("aab"))
    with pytest.raises(InconsistentMatrixError, match=r"distinct labels, found \['a'\]"):
        ahp(frame)


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "power"}, "method: expected one of 'eigen', 'geometric', 'arithmetic', found "
                          "'power'"),
    ({"ri": "chinese"}, "ri: expected one of 'saaty', 'textbook', found 'chinese'"),
])
def test_ahp_rejects_unknown_options(kwargs, message):
    with pytest.raises(InputError, match=message):
        ahp(DOMAIN_3X3, **kwargs)


# ----------------------------------------------------------------------------------------------
# AHP: properties
# ----------------------------------------------------------------------------------------------

@FAST
@given(w=st.lists(st.floats(0.1, 10), min_size=1, max_size=8),
       method=st.sampled_from(["eigen", "geometric", "arithmetic"]))
def test_ahp_recovers_weights_of_a_perfectly_consistent_matrix(w, method):
    w = np.array(w) / sum(w)
    res = ahp(np.outer(w, 1 / w), method=method)
    assert res.weights.to_numpy() == pytest.approx(w, rel=1e-9)
    assert res.lambda_max == pytest.approx(len(w), rel=1e-9)
    assert res.cr == pytest.approx(0.0, abs=1e-9)


@FAST
@given(a=reciprocal_matrices(), method=st.sampled_from(["eigen", "geometric", "arithmetic"]))
def test_ahp_weights_are_a_positive_distribution_and_lambda_max_at_least_n(a, method):
    # For a reciprocal A and any positive w, Σ_i (Aw)_i / w_i = n + Σ_{i<j} (x + 1/x) ≥ n², so
    # λmax ≥ n (and CR ≥ 0) whichever method produced w.
    res = ahp(a, method=method)
    assert (res.weights > 0).all()
    assert res.weights.sum() == pytest.approx(1.0)
    assert res.lambda_max >= res.n - 1e-9
    assert res.cr >= -1e-9


# ----------------------------------------------------------------------------------------------
# AHP hierarchy
# ----------------------------------------------------------------------------------------------

CRITERIA = pd.DataFrame([[1, 3], [1 / 3, 1]], index=["产出", "效益"], columns=["产出", "效益"])
SUB_OUTPUT = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]
SUB_BENEFIT = [[1, 1 / 2, 4], [2, 1, 5], [1 / 4, 1 / 5, 1]]


def test_ahp_hierarchy_hand_computed_two_criteria_of_three_items():
    a, _ = eig_weights(CRITERIA)  # [0.75, 0.25]
    w1, lam1 = eig_weights(SUB_OUTPUT)
    w2, lam2 = eig_weights(SUB_BENEFIT)
    ci1, ci2 = (lam1 - 3) / 2, (lam2 - 3) / 2
    expected_global = np.concatenate([a[0] * w1, a[1] * w2])
    expected_cr = (a[0] * ci1 + a[1] * ci2) / (a[0] * 0.58 + a[1] * 0.58)

    res = ahp_hierarchy(CRITERIA, {"效益": SUB_BENEFIT, "产出": SUB_OUTPUT})
    assert a == pytest.approx([0.75, 0.25])
    assert res.global_weights.to_numpy() == pytest.approx(expected_global, rel=1e-10)
    assert res.global_weights.index.names == ["criterion", "item"]
    assert res.global_weights.index.tolist()[:2] == [("产出", 0), ("产出", 1)]
    assert res.cr == pytest.approx(expected_cr, rel=1e-10)
    assert res.alternatives["效益"].cr == pytest.approx(ci2 / 0.58, rel=1e-10)
    assert res.is_consistent()
    frame = res.to_frame()
    assert frame.columns.tolist() == ["criterion", "item", "criterion_weight", "local_weight",
                                      "global_weight", "sub_cr"]
    assert frame["global_weight"].to_numpy() == pytest.approx(expected_global, rel=1e-10)
    assert "combined CR" in res._repr_html_()


def test_ahp_hierarchy_sub_items_may_differ_per_criterion():
    subs = {
        "产出": pd.DataFrame([[1, 2], [1 / 2, 1]], index=["数量", "质量"], columns=["数量", "质量"]),
        "效益": pd.DataFrame([[1]], index=["社会效益"], columns=["社会效益"]),
    }
    res = ahp_hierarchy(CRITERIA, subs)
    assert res.global_weights.to_dict() == pytest.approx(
        {("产出", "数量"): 0.5, ("产出", "质量"): 0.25, ("效益", "社会效益"): 0.25})
    assert res.cr == 0.0  # every sub-matrix has n ≤ 2, so Σ a_j RI_j = 0


def test_ahp_hierarchy_is_not_consistent_when_one_sub_matrix_fails():
    bad = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]  # intransitive
    res = ahp_hierarchy(CRITERIA, {"产出": bad, "效益": SUB_BENEFIT})
    assert res.criteria.is_consistent()
    assert not res.alternatives["产出"].is_consistent()
    assert not res.is_consistent()


def test_ahp_hierarchy_keys_must_be_the_criterion_labels():
    with pytest.raises(InputError, match=r"found none for \['效益'\] and matrices for unknown "
                                         r"criteria \['影响'\]"):
        ahp_hierarchy(CRITERIA, {"产出": SUB_OUTPUT, "影响": SUB_BENEFIT})


def test_ahp_hierarchy_names_the_matrix_of_each_invalid_cell():
    bad = [list(r) for r in SUB_BENEFIT]
    bad[2][0] = 3
    with pytest.raises(InconsistentMatrixError) as info:
        ahp_hierarchy([[1, 3], [3, 1]], {0: SUB_OUTPUT, 1: bad})
    text = str(info.value)
    assert "criteria matrix, row 2, column 1" in text
    assert "matrix under criterion 1, row 3, column 1" in text


def test_ahp_hierarchy_alternatives_must_be_a_mapping():
    with pytest.raises(InputError, match="expected a mapping criterion label"):
        ahp_hierarchy(CRITERIA, [SUB_OUTPUT, SUB_BENEFIT])


@FAST
@given(top=reciprocal_matrices(max_n=4), data=st.data())
def test_ahp_hierarchy_global_weights_sum_to_one(top, data):
    subs = {j: data.draw(reciprocal_matrices(max_n=5)) for j in range(len(top))}
    res = ahp_hierarchy(top, subs, method=data.draw(st.sampled_from(["eigen", "geometric"])))
    assert res.global_weights.sum() == pytest.approx(1.0)
    assert res.cr >= -1e-12


def test_ahp_hierarchy_three_levels_multiplies_down_the_tree_by_hand():
    # Criteria [[1, 3], [1/3, 1]] → a = (0.75, 0.25); under 产出: [[1, 2], [1/2, 1]] → (2/3, 1/3);
    # under 效益 one item. Leaves: (产出, 0) judged SUB_OUTPUT; (产出, 1) given 3 : 1 points;
    # (效益, 0) judged DOMAIN_3X3.
    w_out, lam_out = eig_weights(SUB_OUTPUT)
    w_3, lam_3 = eig_weights(DOMAIN_3X3)
    res = ahp_hierarchy(CRITERIA, {"产出": [[1, 2], [1 / 2, 1]], "效益": [[1]]}, leaves={
        ("产出", 0): SUB_OUTPUT, ("产出", 1): pd.Series({"x": 3.0, "y": 1.0}),
        ("效益", 0): DOMAIN_3X3})
    expected = np.concatenate([0.75 * 2 / 3 * w_out, 0.75 * 1 / 3 * np.array([0.75, 0.25]),
                               0.25 * 1.0 * w_3])
    assert res.global_weights.to_numpy() == pytest.approx(expected, rel=1e-10)
    assert res.global_weights.sum() == pytest.approx(1.0)
    assert res.global_weights.index.names == ["criterion", "item", "leaf"]
    assert res.global_weights.index[3] == ("产出", 1, "x")
    # leaf CR: parents' global weights 0.5 and 0.25 weigh the two judged 3 × 3 matrices; the
    # given weights enter neither sum
    ci_out, ci_3 = (lam_out - 3) / 2, (lam_3 - 3) / 2
    assert res.leaf_cr == pytest.approx((0.5 * ci_out + 0.25 * ci_3) / (0.75 * 0.58), rel=1e-9)
    assert res.leaves[("产出", 1)].method == "given"
    assert res.leaves[("产出", 1)].cr == 0.0
    assert set(res.results()) == {(), ("产出",), ("效益",), ("产出", 0), ("产出", 1), ("效益", 0)}
    frame = res.to_frame()
    assert frame.columns.tolist() == ["criterion", "item", "leaf", "criterion_weight",
                                      "local_weight", "leaf_weight", "global_weight", "sub_cr",
                                      "leaf_cr"]
    assert frame["global_weight"].to_numpy() == pytest.approx(expected, rel=1e-10)
    assert res.is_consistent()
    assert "leaf CR" in res._repr_html_()


def test_ahp_hierarchy_leaf_level_inconsistency_fails_the_hierarchy():
    bad = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    res = ahp_hierarchy(CRITERIA, {"产出": [[1]], "效益": [[1]]},
                        leaves={("产出", 0): bad, ("效益", 0): [[1]]})
    assert res.criteria.is_consistent() and res.cr == 0.0
    assert res.leaf_cr > 0.10 and not res.is_consistent()


def test_ahp_hierarchy_leaves_must_cover_every_pair_and_name_bad_cells():
    with pytest.raises(InputError, match=r"found none for \[\('效益', 0\)\] and entries for "
                                         r"unknown pairs \[\('影响', 0\)\]"):
        ahp_hierarchy(CRITERIA, {"产出": [[1]], "效益": [[1]]},
                      leaves={("产出", 0): [[1]], ("影响", 0): [[1]]})
    with pytest.raises(InconsistentMatrixError, match=r"matrix under \('产出', 0\), row 2, "
                                                      r"column 1"):
        ahp_hierarchy(CRITERIA, {"产出": [[1]], "效益": [[1]]},
                      leaves={("产出", 0): [[1, 2], [2, 1]], ("效益", 0): [[1]]})
    with pytest.raises(InconsistentMatrixError, match="expected a finite weight ≥ 0, found -1"):
        ahp_hierarchy(CRITERIA, {"产出": [[1]], "效益": [[1]]},
                      leaves={("产出", 0): pd.Series([1.0, -1.0]), ("效益", 0): [[1]]})


@FAST
@given(top=reciprocal_matrices(max_n=3), data=st.data())
def test_ahp_hierarchy_three_level_global_weights_sum_to_one(top, data):
    subs = {j: data.draw(reciprocal_matrices(max_n=3)) for j in range(len(top))}
    leaves = {(j, i): data.draw(reciprocal_matrices(max_n=4))
              for j, sub in subs.items() for i in range(len(sub))}
    res = ahp_hierarchy(top, subs, leaves=leaves)
    assert res.global_weights.sum() == pytest.approx(1.0)
    two = ahp_hierarchy(top, subs).global_weights
    assert res.global_weights.groupby(level=[0, 1]).sum().to_numpy() == pytest.approx(
        two.to_numpy())


# ----------------------------------------------------------------------------------------------
# entropy weights
# ----------------------------------------------------------------------------------------------

# 5 projects × 3 indicators; 单位成本 is a cost indicator.
PROJECTS = pd.DataFrame(
    {"完成率": [0.95, 0.80, 1.00, 0.70, 0.88],
     "单位成本": [120.0, 100.0, 95.0, 110.0, 130.0],
     "满意度": [85.0, 90.0, 88.0, 92.0, 79.0]},
    index=["P1", "P2", "P3", "P4", "P5"])
COST = {"单位成本": "-"}


def entropy_by_hand(z: np.ndarray) -> np.ndarray:
    """DOMAIN.md §8 step by step: p = z / Σz, e = −Σ p ln p / ln m (0 ln 0 = 0), w ∝ 1 − e."""
    m = z.shape[0]
    p = z / z.sum(axis=0)
    terms = np.zeros_like(p)
    positive = p > 0
    terms[positive] = p[positive] * np.log(p[positive])
    e = -terms.sum(axis=0) / np.log(m)
    return (1 - e) / (1 - e).sum()


def test_entropy_minmax_matches_domain_md_formula_step_by_step():
    x = PROJECTS.to_numpy()
    z = np.empty_like(x)
    for j, benefit in enumerate([True, False, True]):
        low, high = x[:, j].min(), x[:, j].max()
        z[:, j] = (x[:, j] - low) / (high - low) if benefit else (high - x[:, j]) / (high - low)
    result = entropy_weights(PROJECTS, directions=COST)
    assert result.index.tolist() == ["完成率", "单位成本", "满意度"]
    assert result.to_numpy() == pytest.approx(entropy_by_hand(z), rel=1e-12)


def test_entropy_sum_uses_raw_proportions_and_max_minus_x_for_costs():
    x = PROJECTS.to_numpy()
    z = x.copy()
    z[:, 1] = x[:, 1].max() - x[:, 1]
    result = entropy_weights(PROJECTS, directions=COST, normalization="sum")
    assert result.to_numpy() == pytest.approx(entropy_by_hand(z), rel=1e-12)


def test_entropy_sum_and_minmax_differ():
    minmax = entropy_weights(PROJECTS, directions=COST)
    by_sum = entropy_weights(PROJECTS, directions=COST, normalization="sum")
    assert np.abs(minmax - by_sum).max() > 0.1


@pytest.mark.parametrize("normalization", ["minmax", "sum"])
def test_entropy_constant_column_gets_zero(normalization):
    data = PROJECTS.assign(全覆盖=1.0)
    result = entropy_weights(data, directions=COST, normalization=normalization)
    assert result["全覆盖"] == 0.0
    expected = entropy_weights(PROJECTS, directions=COST, normalization=normalization)
    assert result.drop("全覆盖").to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-12)


def test_entropy_reciprocal_cost_transform_by_hand():
    # cost column 单位成本 becomes 1/x, then a benefit column under either normalisation
    x = PROJECTS.to_numpy().copy()
    x[:, 1] = 1 / x[:, 1]
    z = (x - x.min(axis=0)) / (x.max(axis=0) - x.min(axis=0))
    got = entropy_weights(PROJECTS, directions=COST, cost_transform="reciprocal")
    assert got.to_numpy() == pytest.approx(entropy_by_hand(z), rel=1e-10)
    got_sum = entropy_weights(PROJECTS, directions=COST, normalization="sum",
                              cost_transform="reciprocal")
    assert got_sum.to_numpy() == pytest.approx(entropy_by_hand(x), rel=1e-10)
    default = entropy_weights(PROJECTS, directions=COST, normalization="sum")
    assert not np.allclose(got_sum.to_numpy(), default.to_numpy(), atol=1e-3)


def test_entropy_reciprocal_cost_transform_needs_positive_costs():
    data = PROJECTS.assign(单位成本=[120.0, 0.0, 95.0, -3.0, 130.0])
    with pytest.raises(InputError, match=r"column 单位成本, row P2: expected a value > 0, found 0"):
        entropy_weights(data, directions=COST, cost_transform="reciprocal")
    entropy_weights(data, directions=COST)  # max − x handles zeros and negatives
    with pytest.raises(InputError, match="cost_transform: expected one of"):
        entropy_weights(PROJECTS, cost_transform="inverse")


@pytest.mark.parametrize("weigh", [entropy_weights, critic_weights])
def test_near_constant_column_from_excel_noise_counts_as_constant(weigh):
    # 0.1 + 0.2 typed in Excel as 0.3 in one row: a spread of 5.6e-17, far below the tolerance
    noisy = PROJECTS.assign(满意度=[0.3, 0.1 + 0.2, 0.3, 0.3, 0.3])
    clean = PROJECTS.assign(满意度=0.3)
    got, expected = weigh(noisy, directions=COST), weigh(clean, directions=COST)
    assert got["满意度"] == 0.0
    assert got.to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-12)
    # a real spread just above the stated tolerance still counts
    spread = PROJECTS.assign(满意度=[90.0, 90.0 + 100 * CONSTANT_RTOL, 90.0, 90.0, 90.0])
    assert weigh(spread, directions=COST)["满意度"] > 0


def test_entropy_zeros_do_not_crash():
    data = pd.DataFrame({"a": [0.0, 0.0, 5.0, 1.0], "b": [0.0, 2.0, 0.0, 0.0]})
    for normalization in ["minmax", "sum"]:
        result = entropy_weights(data, normalization=normalization)
        assert np.isfinite(result).all() and result.sum() == pytest.approx(1.0)


def test_entropy_negative_values_are_fine_under_minmax():
    data = PROJECTS.assign(完成率=PROJECTS["完成率"] - 0.9)
    assert entropy_weights(data).sum() == pytest.approx(1.0)


def test_entropy_negative_values_under_sum_name_column_and_first_row():
    data = PROJECTS.assign(利润=[3.0, -1.0, 2.0, -4.0, 1.0])
    with pytest.raises(InputError, match=r"(?s)normalization='minmax'.*column 利润, row P2: "
                                         r"expected a value ≥ 0, found -1"):
        entropy_weights(data, normalization="sum")


def test_entropy_direction_spellings_agree():
    spellings = [{"单位成本": "cost"}, {"单位成本": "负向"}, {"单位成本": "逆向"},
                 {"单位成本": "－"}, pd.Series({"单位成本": "-", "完成率": "正向"}),
                 ["+", "-", "benefit"]]
    expected = entropy_weights(PROJECTS, directions=COST)
    for directions in spellings:
        result = entropy_weights(PROJECTS, directions=directions)
        assert result.to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-12)


def test_entropy_input_is_not_mutated():
    before = PROJECTS.copy()
    entropy_weights(PROJECTS, directions=COST, normalization="sum")
    pd.testing.assert_frame_equal(PROJECTS, before)


# ----------------------------------------------------------------------------------------------
# entropy and CRITIC: shared validation
# ----------------------------------------------------------------------------------------------

WEIGHTERS = [entropy_weights, critic_weights]


@pytest.mark.parametrize("weigh", WEIGHTERS)
def test_missing_and_text_cells_name_column_and_row(weigh):
    data = PROJECTS.astype(object)
    data.loc["P2", "满意度"] = np.nan
    data.loc["P4", "完成率"] = "约0.7"
    with pytest.raises(InputError, match=r"\(2 problems\)") as info:
        weigh(data)
    text = str(info.value)
    assert "column 满意度, row P2: expected a finite number, found an empty cell" in text
    assert "column 完成率, row P4: expected a finite number, found '约0.7'" in text


@pytest.mark.parametrize("weigh", WEIGHTERS)
@pytest.mark.parametrize("directions, message", [
    ({"单位成本": "lower"}, r"directions, column 单位成本: expected one of .*found 'lower'"),
    ({"成本": "-"}, r"directions: expected a column of the data .*found 成本"),
    (["+", "-"], "directions: expected 3 entries, one per column, found 2"),
    ("-", "directions: expected a mapping column → direction or a list"),
    ({"单位成本": -1}, r"directions, column 单位成本: expected one of .*found -1"),
])
def test_bad_directions_are_input_errors(weigh, directions, message):
    with pytest.raises(InputError, match=message):
        weigh(PROJECTS, directions=directions)


@pytest.mark.parametrize("weigh", WEIGHTERS)
def test_fewer_than_two_rows_is_an_error(weigh):
    with pytest.raises(InputError, match="expected at least 2 rows"):
        weigh(PROJECTS.iloc[:1])


@pytest.mark.parametrize("weigh", WEIGHTERS)
def test_all_constant_columns_is_an_error(weigh):
    with pytest.raises(InputError, match="every column constant: there is no information"):
        weigh(pd.DataFrame({"a": [1, 1, 1], "b": [2.5, 2.5, 2.5]}))


@pytest.mark.parametrize("weigh", WEIGHTERS)
def test_data_must_be_a_dataframe(weigh):
    with pytest.raises(InputError, match="expected a DataFrame .* found list"):
        weigh([[1, 2], [3, 4]])


@pytest.mark.parametrize("weigh", WEIGHTERS)
def test_duplicate_columns_are_an_error(weigh):
    data = pd.DataFrame([[1, 2], [3, 5], [4, 4]], columns=["a", "a"])
    with pytest.raises(InputError, match=r"distinct column labels, found \['a'\] repeated"):
        weigh(data)


def test_unknown_normalization_is_an_error():
    with pytest.raises(InputError, match="normalization: expected one of 'minmax', 'sum'"):
        entropy_weights(PROJECTS, normalization="zscore")


# ----------------------------------------------------------------------------------------------
# CRITIC
# ----------------------------------------------------------------------------------------------

def critic_by_hand(z: np.ndarray) -> np.ndarray:
    sigma = z.std(axis=0, ddof=1)
    r = np.corrcoef(z, rowvar=False)
    c = sigma * (1 - r).sum(axis=0)
    return c / c.sum()


def test_critic_matches_independent_numpy_computation():
    x = PROJECTS.to_numpy()
    low, high = x.min(axis=0), x.max(axis=0)
    z = (x - low) / (high - low)
    z[:, 1] = (high[1] - x[:, 1]) / (high[1] - low[1])
    result = critic_weights(PROJECTS, directions=COST)
    assert result.to_numpy() == pytest.approx(critic_by_hand(z), rel=1e-12)


def test_critic_diakoulaki1995_data_matches_scikit_criteria():
    """Data of Diakoulaki, Mavrotas & Papayannakis (1995) as reproduced in scikit-criteria's
    ``test_CRITIC_diakoulaki1995determining``; the expected weights are scikit-criteria's
    (an independent implementation with min-max scaling and Pearson r), not figures checked
    against the paper itself."""
    data = pd.DataFrame(
        [[61, 1.08, 4.33], [20.7, 0.26, 4.34], [16.3, 1.98, 2.53], [9.0, 3.29, 1.65],
         [5.4, 2.77, 2.33], [4.0, 4.12, 1.21], [-6.1, 3.52, 2.10], [-34.6, 3.31, 0.98]],
        columns=["c1", "c2", "c3"])
    result = critic_weights(data)
    assert result.to_numpy() == pytest.approx([0.20222554, 0.48090173, 0.31687273], abs=1e-8)


def test_critic_constant_column_gets_zero_and_counts_as_uncorrelated():
    data = PROJECTS.assign(全覆盖=7.0)
    x = PROJECTS.to_numpy()
    low, high = x.min(axis=0), x.max(axis=0)
    z = (x - low) / (high - low)
    z[:, 1] = (high[1] - x[:, 1]) / (high[1] - low[1])
    sigma = z.std(axis=0, ddof=1)
    conflict = (1 - np.corrcoef(z, rowvar=False)).sum(axis=0) + 1  # + (1 − r) with r = 0
    expected = sigma * conflict / (sigma * conflict).sum()
    result = critic_weights(data, directions=COST)
    assert result["全覆盖"] == 0.0
    assert result.drop("全覆盖").to_numpy() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("data", [
    pd.DataFrame({"a": [1.0, 2.3], "b": [0.1, 0.7], "c": [5.0, 9.0]}),  # 2 rows: all r = 1
    pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [2.0, 4.0, 8.0]}),
    pd.DataFrame({"only": [3.0, 1.0, 2.0]}),
])
def test_critic_perfectly_correlated_columns_are_an_error(data):
    with pytest.raises(InputError, match="perfectly correlated"):
        critic_weights(data)


def test_critic_cost_direction_turns_negative_correlation_into_agreement():
    data = pd.DataFrame({"a": [1.0, 2.0, 3.0, 5.0], "b": [9.0, 7.0, 6.0, 1.0],
                         "c": [2.0, 1.0, 4.0, 3.0]})
    both_benefit = critic_weights(data)
    b_cost = critic_weights(data, directions={"b": "cost"})
    assert b_cost["b"] < both_benefit["b"]


# ----------------------------------------------------------------------------------------------
# entropy and CRITIC: properties
# ----------------------------------------------------------------------------------------------

def weigh_or_none(weigh, data, **kwargs):
    """The weights, or None when the data legitimately carry no information to weight."""
    try:
        return weigh(data, **kwargs)
    except InputError as error:
        assert "constant" in str(error) or "perfectly correlated" in str(error)
        return None


@FAST
@given(table=indicator_tables(), normalization=st.sampled_from(["minmax", "sum"]))
def test_entropy_weights_are_a_distribution(table, normalization):
    data, directions = table
    result = weigh_or_none(entropy_weights, data, directions=directions,
                           normalization=normalization)
    if result is not None:
        assert (result >= 0).all()
        assert result.sum() == pytest.approx(1.0)
        assert (result[data.nunique() == 1] == 0).all()


@FAST
@given(table=indicator_tables(), seed=st.integers(0, 2**32 - 1),
       normalization=st.sampled_from(["minmax", "sum"]))
def test_entropy_weights_do_not_depend_on_row_order(table, seed, normalization):
    data, directions = table
    shuffled = data.sample(frac=1, random_state=seed)
    result = weigh_or_none(entropy_weights, data, directions=directions,
                           normalization=normalization)
    if result is not None:
        again = entropy_weights(shuffled, directions=directions, normalization=normalization)
        assert again.to_numpy() == pytest.approx(result.to_numpy(), rel=1e-9, abs=1e-12)


@FAST
@given(table=indicator_tables(), scale=st.floats(0.01, 1000), column=st.integers(0, 3))
def test_entropy_minmax_is_invariant_to_scaling_a_column(table, scale, column):
    data, directions = table
    scaled = data.copy()
    scaled.iloc[:, column % data.shape[1]] *= scale
    result = weigh_or_none(entropy_weights, data, directions=directions)
    if result is not None:
        again = entropy_weights(scaled, directions=directions)
        assert again.to_numpy() == pytest.approx(result.to_numpy(), rel=1e-9, abs=1e-12)


@FAST
@given(table=indicator_tables(min_rows=3))
def test_critic_weights_are_a_distribution(table):
    data, directions = table
    result = weigh_or_none(critic_weights, data, directions=directions)
    if result is not None:
        assert (result >= 0).all()
        assert result.sum() == pytest.approx(1.0)


@FAST
@given(table=indicator_tables(min_rows=3), seed=st.integers(0, 2**32 - 1))
def test_critic_weights_do_not_depend_on_row_order(table, seed):
    data, directions = table
    result = weigh_or_none(critic_weights, data, directions=directions)
    if result is not None:
        again = critic_weights(data.sample(frac=1, random_state=seed), directions=directions)
        assert again.to_numpy() == pytest.approx(result.to_numpy(), rel=1e-9, abs=1e-12)


# ----------------------------------------------------------------------------------------------
# combined weights
# ----------------------------------------------------------------------------------------------

SUBJECTIVE = pd.Series({"产出": 0.5, "效益": 0.3, "满意度": 0.2})
OBJECTIVE = pd.Series({"满意度": 0.2, "产出": 0.3, "效益": 0.5})


def test_combine_multiplicative_by_hand():
    # products 0.15, 0.15, 0.04 over their sum 0.34
    result = combine_weights(SUBJECTIVE, OBJECTIVE)
    assert result.index.tolist() == ["产出", "效益", "满意度"]
    assert result.to_numpy() == pytest.approx([0.15 / 0.34, 0.15 / 0.34, 0.04 / 0.34])


def test_combine_linear_by_hand():
    result = combine_weights(SUBJECTIVE, OBJECTIVE, method="linear", alpha=0.6)
    assert result.to_numpy() == pytest.approx([0.42, 0.38, 0.20])


def test_combine_renormalises_inputs_first():
    points = SUBJECTIVE * 100  # weights given as points out of 100
    for method in ["multiplicative", "linear"]:
        assert combine_weights(points, dict(OBJECTIVE * 7), method=method).to_numpy() == \
            pytest.approx(combine_weights(SUBJECTIVE, OBJECTIVE, method=method).to_numpy())


def test_combine_label_mismatch_lists_missing_labels():
    with pytest.raises(InputError, match=r"objective missing \['满意度'\] and subjective missing "
                                         r"\['时效'\]"):
        combine_weights(SUBJECTIVE, OBJECTIVE.rename({"满意度": "时效"}))


@pytest.mark.parametrize("alpha", [-0.1, 1.5, float("nan"), "0.5"])
def test_combine_alpha_outside_unit_interval(alpha):
    with pytest.raises(InputError, match="expected alpha between 0 and 1"):
        combine_weights(SUBJECTIVE, OBJECTIVE, method="linear", alpha=alpha)


def test_combine_negative_weights_are_named():
    with pytest.raises(InputError, match=r"(?s)subjective, label 效益: expected a finite weight "
                                         r"≥ 0, found -0.3.*objective, label 产出"):
        combine_weights(SUBJECTIVE * [1, -1, 1], OBJECTIVE.replace(0.3, np.nan))


def test_combine_all_zero_side_is_an_error():
    with pytest.raises(InputError, match="objective: expected at least one positive weight"):
        combine_weights(SUBJECTIVE, OBJECTIVE * 0)


def test_combine_disjoint_supports_have_no_product():
    with pytest.raises(InputError, match="positive weight on both sides"):
        combine_weights({"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 1.0})


def test_combine_unknown_method_and_non_series():
    with pytest.raises(InputError, match="method: expected one of 'multiplicative', 'linear'"):
        combine_weights(SUBJECTIVE, OBJECTIVE, method="geometric")
    with pytest.raises(InputError, match="subjective: expected a Series or mapping"):
        combine_weights([0.5, 0.5], OBJECTIVE)


@FAST
@given(pairs=st.lists(st.tuples(st.floats(0.01, 100), st.floats(0.01, 100)), min_size=1,
                      max_size=6),
       method=st.sampled_from(["multiplicative", "linear"]), alpha=st.floats(0, 1))
def test_combined_weights_are_a_distribution(pairs, method, alpha):
    labels = [f"w{i}" for i in range(len(pairs))]
    s = pd.Series([p[0] for p in pairs], index=labels)
    o = pd.Series([p[1] for p in pairs], index=labels[::-1])
    result = combine_weights(s, o, method=method, alpha=alpha)
    assert (result >= 0).all()
    assert result.sum() == pytest.approx(1.0)
    assert result.index.tolist() == labels
