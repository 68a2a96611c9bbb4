"""evalkit.sensitivity against hand computations on small cases, exact answers for the Monte
Carlo (probability 1 far from a boundary, ½ exactly on one, a Beta probability in between) and
the sample county (rule-set comparison, panel leave-one-out recomputed from the CSV)."""

import warnings
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from scipy import stats

from evalkit.errors import EvalkitWarning, InputError, RuleSetError
from evalkit.rules import band_index, derive_ruleset, load_ruleset
from evalkit.sensitivity import (
    WeightModel,
    compare_rulesets,
    grade_stability,
    panel_robustness,
    ruleset_differences,
    weight_model,
    weight_tornado,
)

CSV_DIR = Path(__file__).resolve().parents[1] / "data" / "sample" / "csv"

GRADES = load_ruleset("national").grades


def model(level1_weights, parts, projects, fixed=None, bands=GRADES):
    """parts: [(level1, level2)], projects: {id: [(weight, score) per part]}."""
    names = list(dict.fromkeys(p[0] for p in parts))
    comps = pd.DataFrame({"level1": [p[0] for p in parts], "level2": [p[1] for p in parts],
                          "parent": [names.index(p[0]) for p in parts]})
    w = np.array([[ws for ws, _ in v] for v in projects.values()], dtype=float)
    s = np.array([[sc for _, sc in v] for v in projects.values()], dtype=float)
    totals = s.sum(axis=1)
    labels = np.array([b.label for b in sorted(bands, key=lambda b: b.low)], dtype=object)
    verdicts = tuple(fixed[i] if fixed and fixed[i] else str(labels[band_index(t, bands)])
                     for i, t in enumerate(totals))
    return WeightModel(tuple(projects), tuple(names), np.array(level1_weights, dtype=float),
                       comps, w, s, totals, verdicts, tuple(fixed or [""] * len(projects)),
                       tuple(bands))


# --- one at a time -------------------------------------------------------------------------

def test_level1_tornado_renormalises_the_others_by_hand():
    """50/30/20 points at rates 1, 0.5, 0 → 65. +20 % on the first: 60, and 30, 20 scaled by
    40/50 → 24, 16: 60 + 12 + 0 = 72; −20 %: 40, 36, 24 → 40 + 18 = 58."""
    m = model([50, 30, 20], [("A", "A1"), ("B", "B1"), ("C", "C1")],
              {"P1": [(50, 50), (30, 15), (20, 0)]})
    t = weight_tornado(m, delta=0.2)
    a = t[(t["level"] == 1) & (t["level1"] == "A")].iloc[0]
    assert (a["weight_low"], a["weight_high"]) == pytest.approx((40, 60))
    assert (a["total_low"], a["total_high"]) == pytest.approx((58, 72), abs=1e-12)
    assert a["swing"] == pytest.approx(14) and a["verdict"] == "中" and a["flips"]
    assert t["swing"].is_monotonic_decreasing


def test_level2_tornado_stays_inside_its_parent_by_hand():
    """A = A1 30 (rate 1) + A2 30 (rate 0.5), B 40 at 0.5: 30 + 15 + 20 = 65. +20 % on A1 within
    A: 36 and 24 → 36 + 12 + 20 = 68; −20 %: 24 and 36 → 24 + 18 + 20 = 62. B1, an only child,
    cannot move."""
    m = model([60, 40], [("A", "A1"), ("A", "A2"), ("B", "B1")],
              {"P1": [(30, 30), (30, 15), (40, 20)]})
    t = weight_tornado(m, delta=0.2).set_index(["level", "level2"])
    assert (t.loc[(2, "A1"), "total_low"], t.loc[(2, "A1"), "total_high"]) == pytest.approx(
        (62, 68), abs=1e-12)
    assert t.loc[(2, "B1"), "swing"] == 0


@pytest.mark.parametrize("report_type", ["key_project_evaluation", "ex_ante_assessment"])
def test_the_model_reproduces_the_stage_totals(report_type):
    m = weight_model("sample", report_type=report_type)
    assert np.allclose(m.rescore()[0], m.totals, atol=1e-9, rtol=0)
    assert np.allclose(m.scores.sum(axis=1), m.totals, atol=1e-9, rtol=0)


def test_self_evaluation_model_keeps_reallocations():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        m = weight_model("sample", report_type="self_evaluation", ruleset="provincial")
    assert m.level1_weights.tolist() == [50, 30, 10, 10]
    assert np.allclose(m.rescore()[0], m.totals, atol=1e-9, rtol=0)
    assert np.allclose(m.level1_points.sum(axis=1), 100)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
       st.lists(st.floats(0.2, 5.0), min_size=3, max_size=3))
def test_weighted_total_stays_between_the_lowest_and_highest_rate(rates, multipliers):
    m = model([50, 30, 20], [("A", "A1"), ("B", "B1"), ("C", "C1")],
              {"P1": [(w, w * r) for w, r in zip((50, 30, 20), rates, strict=True)]})
    total = m.rescore(a=np.array([multipliers]))[0, 0]
    assert 100 * min(rates) - 1e-9 <= total <= 100 * max(rates) + 1e-9


# --- Monte Carlo ---------------------------------------------------------------------------

def test_equal_rates_hold_with_probability_one_far_from_a_boundary():
    """Every group at 95 %: 95 under any weights; 5 points from the 优 line at 90."""
    m = model([50, 30, 20], [("A", "A1"), ("B", "B1"), ("C", "C1")],
              {"P1": [(50, 47.5), (30, 28.5), (20, 19)]})
    row = grade_stability(m, draws=10_000, concentration=5, seed=3).of("P1")
    assert row["p_hold"] == 1.0 and row["boundary"] == 90 and row["distance"] == pytest.approx(5)
    assert row["total_p05"] == pytest.approx(95) and row["total_p95"] == pytest.approx(95)


def test_a_total_exactly_on_a_boundary_holds_with_probability_one_half():
    """50/50 at rates 1.0 and 0.8 → exactly 90; the share of the first group is Beta(50, 50),
    symmetric about ½, and the total is ≥ 90 exactly when it is ≥ ½."""
    m = model([50, 50], [("A", "A1"), ("B", "B1")], {"P1": [(50, 50), (50, 40)]})
    result = grade_stability(m, draws=10_000, concentration=100, seed=11)
    row = result.of("P1")
    assert row["distance"] == 0 and row["verdict"] == "优"
    assert abs(row["p_hold"] - 0.5) < 4 * np.sqrt(0.25 / 10_000)
    assert result.acceptability.loc["P1"].sum() == pytest.approx(1)
    assert list(result.acceptability.columns) == ["优", "良", "中", "差"]


def test_probability_between_two_lines_matches_the_beta_distribution():
    """50/50 at 1.0 and 0.7 → 85 (良 in [80, 90)): holds iff the first share a ∈ [1/3, 2/3),
    a ~ Beta(50, 50) at concentration 100."""
    m = model([50, 50], [("A", "A1"), ("B", "B1")], {"P1": [(50, 50), (50, 35)]})
    exact = stats.beta.cdf(2 / 3, 50, 50) - stats.beta.cdf(1 / 3, 50, 50)
    p = grade_stability(m, draws=10_000, concentration=100, seed=5).of("P1")["p_hold"]
    assert abs(p - exact) < 4 * np.sqrt(exact * (1 - exact) / 10_000) + 1e-4


def test_dirichlet_spread_follows_the_concentration():
    """Rates 1 and 0 at 50/50: total = 100 a, Var = 100² · ¼ / (c + 1) = 24.75 at c = 100."""
    m = model([50, 50], [("A", "A1"), ("B", "B1")], {"P1": [(50, 50), (50, 0)]})
    result = grade_stability(m, draws=20_000, concentration=100, seed=2)
    spread = (result.frame.iloc[0]["total_p95"] - result.frame.iloc[0]["total_p05"]) / (
        2 * stats.norm.ppf(0.95))
    assert spread == pytest.approx(np.sqrt(2500 / 101), rel=0.05)


def test_seeded_and_reproducible():
    m = weight_model("sample", report_type="key_project_evaluation")
    one = grade_stability(m, draws=3000, seed=7).frame
    pd.testing.assert_frame_equal(one, grade_stability(m, draws=3000, seed=7).frame)
    other = grade_stability(m, draws=3000, seed=8).frame
    assert not one["total_p50"].equals(other["total_p50"])


def test_level2_draws_change_nothing_when_siblings_score_alike():
    """Within each parent every child scores the same rate, so level-2 weights cannot matter;
    the level-1 draws come first from the generator, so both runs see the same ones."""
    m = model([60, 40], [("A", "A1"), ("A", "A2"), ("B", "B1")],
              {"P1": [(30, 27), (30, 27), (40, 30)], "P2": [(20, 10), (40, 20), (40, 40)]})
    one = grade_stability(m, draws=2000, seed=4).frame
    two = grade_stability(m, draws=2000, seed=4, level2=True).frame
    assert np.allclose(one["total_p50"], two["total_p50"], atol=1e-9)
    assert one["p_hold"].tolist() == two["p_hold"].tolist()


def test_supplied_level1_draws_and_vetoes():
    m = model([50, 50], [("A", "A1"), ("B", "B1")],
              {"P1": [(50, 50), (50, 40)], "P2": [(50, 10), (50, 10)]}, fixed=["", "差"])
    same = grade_stability(m, level1_draws=np.full((500, 2), 7.0))
    assert same.of("P1")["p_hold"] == 1.0 and same.concentration is None
    assert same.of("P2")["p_hold"] == 1.0 and same.acceptability.loc["P2", "差"] == 1.0
    with pytest.raises(InputError, match="expected positive level-1 draws"):
        grade_stability(m, level1_draws=np.ones((5, 3)))


# --- rule sets side by side ----------------------------------------------------------------

def test_ruleset_comparison_on_the_sample_self_evaluations():
    """Swapping the grade bands alone never moves a total, and gives each project the
    provincial band of its national total (优 ≥ 85, 良 ≥ 75, 中 ≥ 60)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        cmp = compare_rulesets("sample", "national", "provincial", report_type="self_evaluation")
    grades = cmp.attribution[cmp.attribution["key"] == "grades"].set_index("project_id")
    assert (grades["delta"] == 0).all()
    by_hand = cmp.frame.set_index("project_id")["total_a"].map(
        lambda t: "优" if t >= 85 else "良" if t >= 75 else "中" if t >= 60 else "差")
    assert grades["verdict"].equals(by_hand.loc[grades.index])
    row = cmp.frame.set_index("project_id").loc["XM-2020-019"]  # 86.70: 良 → 优 on bands alone
    assert (row["verdict_a"], row["verdict_b"], row["causes"]) == ("良", "优", "grades")
    assert cmp.frame["changed"].equals(cmp.frame["verdict_a"] != cmp.frame["verdict_b"])
    assert not any(k.startswith("exante") for k in cmp.keys)


def test_ruleset_differences_and_a_set_against_itself():
    keys = ruleset_differences("national", "provincial")
    assert "exante.dimensions+exante.items" in keys and "id" not in keys
    assert ruleset_differences("national", "national") == []
    cmp = compare_rulesets("sample", "national", "national",
                           report_type="key_project_evaluation")
    assert not cmp.frame["changed"].any() and (cmp.frame["delta"] == 0).all()


def test_derived_rule_sets_are_validated():
    with pytest.raises(RuleSetError):
        derive_ruleset("national", {"exante.items": load_ruleset("provincial").data["exante"][
            "items"]})
    with pytest.raises(RuleSetError, match="no section 'nosuch'"):
        derive_ruleset("national", {"nosuch.key": 1})


# --- expert panels -------------------------------------------------------------------------

def test_leave_one_expert_out_recomputed_from_the_csv():
    """SQ-2021-001 without E03: each item's 6 remaining scores, more than 5, so the highest and
    lowest are dropped and the middle 4 averaged (national panel rule); the total is their sum."""
    raw = pd.read_csv(CSV_DIR / "expert_scores.csv", encoding="utf-8-sig")
    raw = raw[(raw["project_id"] == "SQ-2021-001") & (raw["expert_id"] != "E03")]
    by_hand = sum(np.mean(sorted(g["score"])[1:-1]) for _, g in raw.groupby("item_id"))
    table = panel_robustness("sample", subjects=["SQ-2021-001"]).set_index("variant")
    assert table.loc["去掉专家 E03", "total"] == pytest.approx(by_hand, abs=1e-12)
    assert table.loc["去掉专家 E03", "n_experts"] == 6
    raw_all = pd.read_csv(CSV_DIR / "expert_scores.csv", encoding="utf-8-sig")
    mean = raw_all[raw_all["project_id"] == "SQ-2021-001"].groupby("item_id")["score"].mean()
    assert table.loc["算术平均（不去掉最高最低分）", "total"] == pytest.approx(mean.sum(), abs=1e-12)
    assert set(table["kind"]) == {"base", "leave_one_out", "trimming"}
    assert not table["changed"].any()


# --- the robustness paragraph (reports) ----------------------------------------------------

def test_robustness_paragraph_wording_by_case():
    from evalkit.stages.prose import robustness

    on_line = model([50, 50], [("A", "A1"), ("B", "B1")], {"P1": [(50, 50), (50, 40)]})
    text = robustness(grade_stability(on_line, draws=4000, seed=1), "P1", "评价等级")
    assert "距最近的分界线（90 分）不足 0.01 分" in text and "对权重取值较为敏感" in text
    vetoed = model([50, 50], [("A", "A1"), ("B", "B1")], {"P1": [(50, 50), (50, 10)]},
                   fixed=["不予支持"], bands=load_ruleset("national").conclusion_tiers)
    text = robustness(grade_stability(vetoed, draws=100), "P1", "评估结论",
                      fixed_reason="因筹资不合规（一票否决）")
    assert text.startswith("稳健性分析：因筹资不合规（一票否决），调整权重不改变评估结论“不予支持”")


def test_key_project_report_records_and_states_its_robustness(tmp_path):
    """XM-2020-003 totals 84.9968 under national rules: 良 in [80, 90), 4.9968 above 80 and
    5.0032 below 90, so the nearest line is 80."""
    import json

    from evalkit.batch import run_report
    from evalkit.io import load_dataset
    from evalkit.sensitivity import project_stability
    from evalkit.stages import keyproject

    out = run_report("key_project_evaluation", dataset="sample", subject_id="XM-2020-003",
                     out_dir=tmp_path, formats=["html"],
                     parameters={"draws": 5000, "seed": 3})
    recorded = json.loads(out.files["json"].read_text(encoding="utf-8"))["robustness"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        result = keyproject.evaluate(load_dataset("sample"), "XM-2020-003")
    expected = project_stability(result, "national", draws=5000, seed=3).record("XM-2020-003")
    assert recorded == pytest.approx(expected)
    assert recorded["boundary"] == 80 and recorded["distance"] == pytest.approx(
        result.total - 80, abs=1e-12)
    html = out.files["html"].read_text(encoding="utf-8")
    assert f"评价等级保持“良”的概率为 {recorded['p_hold']:.2%}" in html


@settings(max_examples=15, deadline=None)
@given(st.permutations(range(4)))
def test_reordering_projects_only_reorders_the_results(order):
    """The weight draws do not depend on the projects, so a permuted portfolio gives the same
    rows, permuted (seeded)."""
    projects = {f"P{i}": [(50, 50 * r), (50, 50 * q)]
                for i, (r, q) in enumerate([(1, 0.8), (0.9, 0.7), (0.6, 1), (0.95, 0.95)])}
    parts = [("A", "A1"), ("B", "B1")]
    base = grade_stability(model([50, 50], parts, projects), draws=2000, seed=9).frame
    permuted = {f"P{i}": projects[f"P{i}"] for i in order}
    again = grade_stability(model([50, 50], parts, permuted), draws=2000, seed=9).frame
    pd.testing.assert_frame_equal(again.set_index("project_id").loc[base["project_id"]],
                                  base.set_index("project_id"))
