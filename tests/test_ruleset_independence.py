"""One dataset, every rule set (issue 13, part 1): the sample county scores under both shipped rule
sets for every registered report type, judged tiers carry by the target rule set's tier
convention and expert scores carry as shares of the 分值 they were given against.

Expected values are worked by hand from the sample CSV rows quoted in each test."""

import importlib
import inspect
import warnings
from shutil import copytree

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import given, settings

from evalkit import registry
from evalkit.batch import run_report
from evalkit.bundle import sample_folder
from evalkit.errors import DatasetError, EvalkitWarning
from evalkit.io import load_dataset, read_dataset
from evalkit.rules import load_ruleset
from evalkit.stages import exante, keyproject, selfeval

RULESETS = ("national", "provincial")
TYPES = [t.name for t in registry.report_types()]


def stage_of(report_type: registry.ReportType):
    """The stage module whose ``evaluate`` the report type calls (it holds ``evaluate_many``)."""
    ref = report_type.evaluate
    if isinstance(ref, str):
        return importlib.import_module(ref.partition(":")[0])
    return inspect.getmodule(ref)


@pytest.fixture(scope="module", params=RULESETS)
def scored(request):
    rules = load_ruleset(request.param)
    return rules, load_dataset("sample", rules)


@pytest.mark.parametrize("name", TYPES)
def test_every_report_type_scores_the_whole_sample_under_both_rule_sets(scored, name):
    rules, data = scored
    report_type = registry.get(name)
    subjects = report_type.subjects(data, rules)
    total_key, verdict_key = report_type.verdict_keys
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        many = stage_of(report_type).evaluate_many(data, ruleset=rules)
        one = report_type.run_evaluate(data, subjects[0], ruleset=rules)
    assert len(subjects) > 0
    scored_ids = set(map(str, many[report_type.subject.id_column]))
    assert one.summary()["ruleset_id"] == rules.id
    if report_type.applies_by_ruleset:  # the notices: the flagged ones among those monitored
        assert set(subjects) <= scored_ids and one.summary()[total_key] is not None
        return
    assert scored_ids == set(subjects)
    assert many[total_key].notna().all() and (many[verdict_key] != "").all()
    bands = (rules.conclusion_tiers if name == "ex_ante_assessment"
             else rules.grades if verdict_key == "grade" else None)
    if bands is not None:
        assert set(many[verdict_key]) <= {b.label for b in bands}
    assert one.summary()["ruleset_id"] == rules.id


def test_the_builtin_types_are_all_checked():
    assert {"ex_ante_assessment", "key_project_evaluation", "self_evaluation"} <= set(TYPES)


def test_judged_tier_scores_under_the_target_tier_convention():
    """indicators.csv: XM-2020-057 ZB06 部分达成, judged 8 of 12 points; XM-2020-015 ZB08 达成,
    judged 8 of 9. National ranges [0.6, 0.8] and [0.8, 1] keep 8/12 and 8/9; provincial's fixed
    tiers score 0.8 and 1.0, and the rows say so."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        for pid, code, national, provincial in (("XM-2020-057", "ZB06", 8 / 12, 0.8),
                                                ("XM-2020-015", "ZB08", 8 / 9, 1.0)):
            for rs, share in (("national", national), ("provincial", provincial)):
                data = load_dataset("sample", rs)
                row = selfeval.evaluate(data, pid, ruleset=rs).table.set_index(
                    "indicator_id").loc[code]
                assert row["ratio"] == pytest.approx(share, abs=1e-12)
                assert ("评定得分按本规则集等级区间计分" in row["flags"]) == (rs == "provincial")


def test_key_project_judgement_carries_to_a_fixed_tier():
    """judgements.csv: XM-2020-003 A11 达成, score 2.7 of 3: national 0.9, provincial 1.0 × 3."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        for rs, points in (("national", 2.7), ("provincial", 3.0)):
            result = keyproject.evaluate(load_dataset("sample", rs), "XM-2020-003", ruleset=rs)
            assert result.sheet.set_index("code").loc["A11", "score"] == pytest.approx(points)


def test_expert_scores_carry_as_shares_of_the_points_given():
    """expert_scores.csv: SQ-2021-001, E03, A1 scored 5.5 against 6 points. Provincial gives A1
    8 points: 5.5 / 6 × 8 = 7.3333…; the audit keeps the raw 5.5 and its 6."""
    data = load_dataset("sample", "provincial")
    result = exante.evaluate(data, "SQ-2021-001", ruleset="provincial")
    row = result.audit.set_index(["expert_id", "item_id"]).loc[("E03", "A1")]
    assert row["score"] == pytest.approx(5.5 / 6 * 8, abs=1e-12)
    assert (row["score_given"], row["points_given"], row["points"]) == (5.5, 6.0, 8.0)
    national = exante.evaluate(load_dataset("sample"), "SQ-2021-001")
    assert national.audit.set_index(["expert_id", "item_id"]).loc[("E03", "A1"), "score"] == 5.5


def _panel(points_factor: float, score_factor: float) -> pd.DataFrame:
    items = exante.framework("national")
    rows = [("P1", f"E{k}", item, (points - (i + k) % 3 * 0.5) * score_factor,
             points * points_factor)
            for k in range(1, 6) for i, (item, points)
            in enumerate(zip(items["item_id"], items["points"], strict=True))]
    return pd.DataFrame(rows, columns=["project_id", "expert_id", "item_id", "score", "points"])


@settings(max_examples=8, deadline=None)
@pytest.mark.filterwarnings("ignore::evalkit.errors.EvalkitWarning")
@given(st.floats(0.25, 4.0))
def test_scoring_against_other_points_scales_out(factor):
    """A panel written against points × f with scores × f assesses exactly as the original."""
    base = exante.assess(_panel(1.0, 1.0), project_id="P1").total
    assert exante.assess(_panel(factor, factor), project_id="P1").total == pytest.approx(base, abs=1e-9)


def test_points_given_must_be_positive_and_bound_the_score(tmp_path):
    folder = tmp_path / "d"
    copytree(sample_folder(), folder)
    scores = pd.read_csv(folder / "expert_scores.csv", encoding="utf-8-sig", dtype=str,
                         keep_default_na=False)
    scores.loc[0, "points"] = "0"
    scores.loc[1, "score"] = "9"  # A2 given against 7 points
    scores.to_csv(folder / "expert_scores.csv", index=False, encoding="utf-8-sig")
    with pytest.raises(DatasetError) as info:
        read_dataset(folder, ruleset="provincial")
    found = {(p.row, p.column, p.expected) for p in info.value.problems}
    assert (2, "points", "大于 0 的分值（评分时该项的满分）") in found
    assert (3, "score", "0 至 7 之间的得分（A2 需求迫切性），按本行分值") in found


@pytest.mark.parametrize("name", TYPES)
def test_one_notebook_per_type_runs_under_provincial(tmp_path, name):
    report_type = registry.get(name)
    data = load_dataset("sample", "provincial")
    subject = report_type.subjects(data, "provincial")[0]
    out = run_report(name, dataset="sample", subject_id=subject, out_dir=tmp_path,
                     formats=["html"], ruleset="provincial")
    assert out.summary["ruleset_id"] == "province-example"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        expected = report_type.run_evaluate(data, subject, ruleset="provincial").summary()
    total = report_type.verdict_keys[0]
    assert out.summary[total] == pytest.approx(expected[total], abs=1e-12)
