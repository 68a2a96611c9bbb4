"""Project self-evaluation (项目支出绩效自评) against hand-worked cases and DOMAIN.md §3 rules."""

import copy
import json

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from evalkit.errors import InputError, RuleSetError
from evalkit.io import Dataset, read_dataset
from evalkit.rules import failer, load_ruleset
from evalkit.schemas import EXANTE_STAGE
from evalkit.scoring import prepare_indicators
from evalkit.stages.selfeval import (
    OFFICIAL_HEADERS,
    TABLE_COLUMNS,
    assess,
    check_ruleset,
    evaluate,
    evaluate_many,
)

PROJECT = {"project_id": "P1", "budget": 100.0, "received": 100.0, "spent": 92.53}


def sheet(rows, project_id="P1"):
    """An indicators table from (level1, comparator, target, weight, actual[, explanation])."""
    records = []
    for i, row in enumerate(rows, 1):
        level1, comparator, target, weight, actual, *rest = row
        records.append({
            "project_id": project_id, "indicator_id": f"I{i}", "level1": level1,
            "level2": {"产出指标": "数量指标", "效益指标": "社会效益指标"}.get(level1, "满意度"),
            "name": f"指标{i}", "comparator": comparator, "target": target, "weight": weight,
            "actual": actual, "explanation": rest[0] if rest else ""})
    return pd.DataFrame(records)


#: The hand-worked sheet: 产出 20 + 20, 效益 20 + 10 (the 10 not applicable), no satisfaction.
WORKED = sheet([
    ("产出指标", "≥", "500人次", 20, "487"),
    ("产出指标", "≥", "95%", 20, "98%"),
    ("效益指标", "定性", "", 20, "部分达成"),
    ("效益指标", "≥", "80%", 10, "不适用"),
])


def by_id(result):
    return result.table.set_index("indicator_id")


# --- hand-worked cases ------------------------------------------------------------------------

def test_selfeval_worked_example_national_reallocation_and_not_applicable():
    """National rules (DOMAIN.md §3), worked by hand.

    1. Level-1 weights: 产出 typed 20 + 20 = 40 → 50 points: 25 and 25. No 满意度指标 row, so its
       10 points go to 效益指标 (no_satisfaction_to: 效益指标): 效益 30 + 10 = 40, typed 20 + 10
       → 20 × 40/30 = 80/3 and 10 × 40/30 = 40/3.
    2. I4 is 不适用: the sheet (90 points) is rescaled over the 50 + 80/3 = 230/3 applicable
       points, factor 90 / (230/3) = 27/23: I1 = I2 = 25 × 27/23 = 675/23 = 29.3478,
       I3 = 80/3 × 27/23 = 720/23 = 31.3043; sum 2070/23 = 90.
    3. Scores: I1 487/500 = 0.974 → 0.974 × 675/23 = 28.5848; I2 98 ≥ 95 → 675/23 = 29.3478;
       I3 部分达成, default share 0.7 → 504/23 = 21.9130; indicators 1836.45/23 = 79.8457.
    4. Budget execution 92.53 / 100 = 92.53 % → 10 × 0.9253 = 9.253.
    5. Total 79.8457 + 9.253 = 89.0987 → 良 ([80, 90)).
    """
    result = assess(PROJECT, WORKED)
    t = by_id(result)
    assert t["allocated_weight"][["I1", "I2", "I3", "I4"]].tolist() == pytest.approx(
        [25, 25, 80 / 3, 40 / 3], abs=1e-12)
    assert t["weight"][["I1", "I2", "I3", "I4"]].tolist() == pytest.approx(
        [675 / 23, 675 / 23, 720 / 23, 0], abs=1e-12)
    assert t["score"][["I1", "I2", "I3", "I4"]].tolist() == pytest.approx(
        [0.974 * 675 / 23, 675 / 23, 504 / 23, 0], abs=1e-12)
    assert t.loc["预算执行率", "score"] == pytest.approx(9.253, abs=1e-12)
    assert result.total == pytest.approx(1836.45 / 23 + 9.253, abs=1e-9)
    assert round(result.total, 4) == 89.0987
    assert result.grade == "良"
    level1 = result.level1.set_index("level1")
    assert level1["ruleset_weight"].tolist() == [50, 30, 10, 10]
    assert level1["allocated_weight"].tolist() == pytest.approx([50, 40, 0, 10])
    assert level1["weight"].tolist() == pytest.approx([1350 / 23, 720 / 23, 0, 10])
    assert np.isnan(level1.loc["满意度指标", "rate"])
    assert result.reallocation == (
        "无满意度指标，其 10 分按规则集分配给效益指标（效益指标 30 → 40 分）",
        "1 个三级指标不适用（“指标4”），其分值 13.33 分按比例分配给全表其余适用指标",
    )
    assert result.budget == pytest.approx({"budget": 100.0, "received": 100.0, "spent": 92.53,
                                           "execution_rate": 0.9253, "points": 10.0,
                                           "score": 9.253})


def test_selfeval_worked_example_provincial_proportional_reallocation():
    """Provincial rules: the satisfaction points go to 产出 and 效益 in proportion 50 : 30.

    产出 50 + 10 × 50/80 = 56.25 → I1 = I2 = 28.125; 效益 30 + 10 × 30/80 = 33.75 → I3 =
    20 × 33.75/30 = 22.5, I4 = 11.25 (不适用). Rescale 90 / 78.75 = 8/7: I1 = I2 = 225/7 = 32.1429,
    I3 = 180/7 = 25.7143. Scores 0.974 × 225/7 + 225/7 + 0.8 × 180/7 (部分达成 is a fixed 80 %
    provincially) = 588.15/7 = 84.0214; + 9.253 = 93.2744 → 优 (provincial 优 ≥ 85).
    """
    result = assess(PROJECT, WORKED, ruleset="provincial")
    t = by_id(result)
    assert t["allocated_weight"][["I1", "I2", "I3", "I4"]].tolist() == pytest.approx(
        [28.125, 28.125, 22.5, 11.25], abs=1e-12)
    assert t["weight"][["I1", "I2", "I3"]].tolist() == pytest.approx(
        [225 / 7, 225 / 7, 180 / 7], abs=1e-12)
    assert result.total == pytest.approx(588.15 / 7 + 9.253, abs=1e-9)
    assert round(result.total, 4) == 93.2744
    assert result.grade == "优"
    assert result.reallocation[0] == ("无满意度指标，其 10 分按规则集按比例分配给产出指标、效益指标"
                                      "（产出指标 50 → 56.25 分，效益指标 30 → 33.75 分）")
    assert result.ruleset["ruleset_id"] == "province-example"


def test_effective_weights_of_the_worked_example_sum_to_90_plus_execution():
    t = assess(PROJECT, WORKED).table
    indicators = t[t["level1"] != "预算执行率"]
    assert indicators["weight"].sum() == pytest.approx(90)
    assert indicators["allocated_weight"].sum() == pytest.approx(90)
    assert t["weight"].sum() == pytest.approx(100)


def test_sheet_typed_50_30_10_is_unchanged():
    s = sheet([("产出指标", "≥", "10", 50, "10"), ("效益指标", "≥", "10", 30, "10"),
               ("满意度指标", "≥", "90%", 10, "95%")])
    result = assess(PROJECT, s)
    assert by_id(result)["weight"][["I1", "I2", "I3"]].tolist() == [50, 30, 10]
    assert result.reallocation == ()
    assert result.total == pytest.approx(99.253)


def test_satisfaction_rows_all_not_applicable_count_as_no_satisfaction():
    s = sheet([("产出指标", "≥", "10", 50, "10"), ("效益指标", "≥", "10", 30, "10"),
               ("满意度指标", "≥", "90%", 10, "不适用")])
    result = assess(PROJECT, s)
    t = by_id(result)
    assert t["weight"][["I1", "I2", "I3"]].tolist() == pytest.approx([50, 40, 0])
    assert result.reallocation[0].startswith("满意度指标均不适用，其 10 分按规则集分配给效益指标")
    assert len(result.reallocation) == 1  # the N/A satisfaction row is not rescaled a second time


def test_level1_group_all_not_applicable_goes_to_the_others_in_proportion():
    """效益 (30) all 不适用: 产出 50 → 50 × 90/60 = 75, 满意度 10 → 15."""
    s = sheet([("产出指标", "≥", "10", 50, "10"), ("效益指标", "≥", "10", 30, "不适用"),
               ("满意度指标", "≥", "90%", 10, "95%")])
    result = assess(PROJECT, s)
    assert result.level1.set_index("level1")["weight"].tolist() == pytest.approx([75, 0, 15, 10])
    assert result.reallocation == ("效益指标的三级指标均不适用，其 30 分按比例分配给其他一级指标",)


def test_no_satisfaction_and_no_benefit_gives_everything_to_output():
    s = sheet([("产出指标", "≥", "10", 7, "10"), ("产出指标", "≥", "10", 3, "5")])
    result = assess(PROJECT, s)
    assert by_id(result)["weight"][["I1", "I2"]].tolist() == pytest.approx([63, 27])
    assert result.total == pytest.approx(63 + 13.5 + 9.253)
    assert len(result.reallocation) == 2


def test_judged_score_keeps_its_share_of_the_rescaled_weight():
    """达成 judged 27 of a typed 30 (90 %); 效益 becomes 40 points, so the score is 36."""
    s = sheet([("产出指标", "≥", "10", 50, "10"), ("效益指标", "定性", "", 30, "达成")])
    s["judged_score"] = [None, 27]
    assert by_id(assess(PROJECT, s)).loc["I2", "score"] == pytest.approx(36)


def test_over_achievement_requires_an_explanation():
    """DOMAIN.md §3: actual ≥ 130 % of a ≥ target is flagged for an explanation."""
    s = sheet([("产出指标", "≥", "100", 25, "130"), ("产出指标", "≥", "100", 25, "129.99"),
               ("效益指标", "≥", "100", 30, "140", "目标按上年实际设定，偏低；下年将调高"),
               ("满意度指标", "≥", "90%", 10, "95%")])
    result = assess(PROJECT, s)
    t = by_id(result)
    assert t["over_achieved"][["I1", "I2", "I3"]].tolist() == [True, False, True]
    assert t["deviation"][["I1", "I2", "I3"]].tolist() == ["超额完成", "", "超额完成"]
    assert t["needs_explanation"][["I1", "I2", "I3", "I4"]].tolist() == [True, False, True, False]
    assert t["explanation_missing"][["I1", "I3"]].tolist() == [True, False]
    assert result.missing_explanations["indicator_id"].tolist() == ["I1"]
    assert result.over_achieved["indicator_id"].tolist() == ["I1", "I3"]
    assert result.summary()["n_over_achieved"] == 2


def test_under_achievement_and_missing_actual_require_an_explanation():
    s = sheet([("产出指标", "≥", "500", 50, "487"), ("效益指标", "≥", "80%", 30, None),
               ("满意度指标", "≥", "90%", 10, "95%")])
    t = by_id(assess(PROJECT, s))
    assert t["deviation"][["I1", "I2", "I3"]].tolist() == ["未完成目标", "缺少实际值", ""]
    assert t["explanation_missing"][["I1", "I2", "I3"]].tolist() == [True, True, False]
    assert "缺少实际值" in t.loc["I2", "flags"]
    # the budget row has no explanation column in the official table
    assert not t.loc["预算执行率", "needs_explanation"]


def test_execution_points_are_capped_at_10():
    s = sheet([("产出指标", "≥", "10", 50, "10")])
    result = assess({**PROJECT, "spent": 120.0}, s)
    assert result.budget["execution_rate"] == pytest.approx(1.2)
    assert result.budget["score"] == 10
    assert result.total == pytest.approx(100)


def test_official_table_layout_and_texts():
    result = assess(PROJECT, WORKED)
    assert list(result.table.columns) == TABLE_COLUMNS
    assert set(OFFICIAL_HEADERS) <= set(TABLE_COLUMNS)
    t = by_id(result)
    assert t["target_text"].tolist() == ["≥500 人次", "≥95%", "定性", "≥80%", "100%"]
    assert t["actual_text"].tolist() == ["487 人次", "98%", "部分达成", "不适用", "92.53%"]
    assert result.table["level1"].iloc[-1] == "预算执行率"


def test_table_follows_ruleset_level1_order():
    s = sheet([("满意度指标", "≥", "90%", 10, "95%"), ("效益指标", "≥", "1", 30, "1"),
               ("产出指标", "≥", "1", 50, "1")])
    table = assess(PROJECT, s).table
    assert table["level1"].tolist() == ["产出指标", "效益指标", "满意度指标", "预算执行率"]


def test_raw_and_parsed_indicators_give_the_same_result():
    raw = assess(PROJECT, WORKED)
    parsed = assess(pd.Series(PROJECT), prepare_indicators(WORKED))
    assert parsed.total == raw.total
    pd.testing.assert_frame_equal(parsed.table, raw.table)


def test_inputs_are_not_mutated():
    before = WORKED.copy()
    assess(PROJECT, WORKED)
    pd.testing.assert_frame_equal(WORKED, before)


def test_summary_is_json_serialisable_and_records_the_ruleset():
    result = assess(PROJECT, WORKED)
    summary = json.loads(json.dumps(result.summary(), ensure_ascii=False))
    rs = load_ruleset("national")
    assert summary["ruleset_sha256"] == rs.sha256
    assert summary["total"] == pytest.approx(result.total)
    assert summary["level1_scores"]["预算执行率"] == pytest.approx(9.253)
    assert summary["execution_rate"] == pytest.approx(0.9253)
    assert summary["n_missing_explanations"] == 2  # I1 (487 of 500) and I3 (部分达成)
    assert summary["n_not_applicable"] == 1
    assert len(summary["reallocation"]) == 2
    assert "89.10" in result._repr_html_() and "偏差原因分析及改进措施" in result._repr_html_()
    assert result.to_frame() is result.table


# --- errors -------------------------------------------------------------------------------------

def test_unknown_level1_name_is_an_error_naming_it():
    s = sheet([("产出指标", "≥", "10", 50, "10"), ("产出", "≥", "10", 30, "10")])
    with pytest.raises(InputError, match=r"column level1: expected .*产出指标, 效益指标, 满意度指标"
                                         r".*indicator 'I2': '产出'"):
        assess(PROJECT, s)


def test_execution_level1_on_the_sheet_is_an_error():
    s = sheet([("产出指标", "≥", "10", 50, "10"), ("预算执行率", "≥", "90%", 10, "95%")])
    with pytest.raises(InputError, match="预算执行率 is computed from the ledger"):
        assess(PROJECT, s)


@pytest.mark.parametrize(("project", "message"), [
    ({**PROJECT, "budget": 0}, r"project 'P1', column budget: expected a number > 0.*found 0"),
    ({**PROJECT, "spent": None}, r"项目 P1：未填执行数（全年执行数），无法计算预算执行率"),
    ({**PROJECT, "spent": -1}, r"project 'P1', column spent: expected a number ≥ 0"),
    ({"project_id": "P1", "budget": 1}, r"expected fields project_id, budget and spent"),
])
def test_bad_project_ledger_is_an_error(project, message):
    with pytest.raises(InputError, match=message):
        assess(project, WORKED)


def test_every_indicator_not_applicable_is_an_error():
    s = sheet([("产出指标", "≥", "10", 50, "不适用"), ("效益指标", "定性", "", 30, "不适用")])
    with pytest.raises(InputError, match="project 'P1': expected at least one applicable"):
        assess(PROJECT, s)


def test_group_weighted_zero_is_an_error():
    s = sheet([("产出指标", "≥", "10", 0, "10"), ("效益指标", "≥", "10", 30, "10")])
    with pytest.raises(InputError, match="project 'P1', level-1 产出指标: expected sheet weights "
                                         "with a positive sum"):
        assess(PROJECT, s)


def test_rows_of_another_project_or_none_are_errors():
    with pytest.raises(InputError, match=r"expected rows of project\(s\) \['P1'\], found rows of "
                                         r"\['P2'\]"):
        assess(PROJECT, pd.concat([WORKED, sheet([("产出指标", "≥", "1", 1, "1")], "P2")]))
    with pytest.raises(InputError, match=r"found none for \['P1'\]"):
        assess(PROJECT, WORKED.iloc[:0])


def test_ruleset_sending_satisfaction_points_to_the_budget_row_is_rejected(tmp_path):
    data = copy.deepcopy(dict(load_ruleset("national").data))
    data["selfeval"]["no_satisfaction_to"] = "预算执行率"
    path = tmp_path / "odd.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSetError, match="no_satisfaction_to': expected proportional or one of "
                                           r"\['产出指标', '效益指标'\], found '预算执行率'"):
        assess(PROJECT, WORKED, ruleset=path)


def test_evaluate_unknown_id_lists_known_ids():
    data = Dataset({"projects": pd.DataFrame([PROJECT]), "indicators": WORKED}, "例", {})
    with pytest.raises(InputError, match=r"expected project 'P9' in the projects table .*found "
                                         r"none; known projects: 'P1'"):
        evaluate(data, "P9")
    assert evaluate(data, "P1").total == pytest.approx(assess(PROJECT, WORKED).total)


# --- properties -----------------------------------------------------------------------------------

@st.composite
def sheets(draw):
    n = draw(st.integers(1, 10))
    rows = []
    for _ in range(n):
        level1 = draw(st.sampled_from(["产出指标", "效益指标", "满意度指标"]))
        comparator = draw(st.sampled_from(["≥", "≤", "=", "定性"]))
        weight = draw(st.floats(0.5, 30))
        if comparator == "定性":
            actual = draw(st.sampled_from(["达成", "部分达成", "未达成", "不适用", None]))
            target = ""
        else:
            target = draw(st.floats(0.1, 1000))
            actual = draw(st.one_of(st.floats(0, 3000), st.just("不适用"), st.none()))
        rows.append((level1, comparator, target, weight, actual))
    assume(any(row[4] != "不适用" for row in rows))
    return sheet(rows)


#: Loaded once: the property tests evaluate hundreds of sheets.
RULESETS = st.sampled_from([load_ruleset("national"), load_ruleset("provincial")])
ledgers = st.fixed_dictionaries({"project_id": st.just("P1"), "budget": st.floats(1, 1e4),
                                 "spent": st.floats(0, 2e4)})


@settings(max_examples=50, deadline=None)
@given(sheets(), ledgers, RULESETS)
def test_total_bounded_and_weights_sum_to_100(s, project, ruleset):
    result = assess(project, s, ruleset=ruleset)
    assert -1e-9 <= result.total <= 100 + 1e-9
    assert result.table["allocated_weight"].sum() == pytest.approx(100)  # before scoring
    assert result.table["weight"].sum() == pytest.approx(100)  # after N/A rescaling
    assert result.level1["weight"].sum() == pytest.approx(100)
    assert (result.table["score"] <= result.table["weight"] + 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(sheets(), ledgers, RULESETS, st.randoms())
def test_invariant_to_row_order(s, project, ruleset, rnd):
    a = assess(project, s, ruleset=ruleset)
    b = assess(project, s.sample(frac=1, random_state=rnd.randint(0, 10**6)), ruleset=ruleset)
    assert b.total == pytest.approx(a.total, abs=1e-9)
    scores_a = a.table.set_index("indicator_id")["score"]
    scores_b = b.table.set_index("indicator_id")["score"].reindex(scores_a.index)
    np.testing.assert_allclose(scores_b, scores_a, atol=1e-9)
    assert len(a.reallocation) == len(b.reallocation)  # N/A names follow the row order


# --- the sample county --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    return read_dataset("data/sample/sample_county.xlsx")


def test_every_sample_project_can_be_self_evaluated(sample):
    projects = sample.projects
    expected = projects.loc[projects["stage"].fillna("") != EXANTE_STAGE, "project_id"]
    table = evaluate_many(sample)
    assert table["project_id"].tolist() == expected.tolist()
    assert table["total"].between(0, 100).all()
    assert table["grade"].isin(["优", "良", "中", "差"]).all()
    level1 = ["产出指标", "效益指标", "满意度指标", "预算执行率"]
    np.testing.assert_allclose(table[level1].sum(axis=1), table["total"], atol=1e-9)


def test_evaluate_many_agrees_with_evaluate(sample):
    table = evaluate_many(sample).set_index("project_id")
    for project_id in table.index[:: max(1, len(table) // 12)]:
        one = evaluate(sample, project_id)
        row = table.loc[project_id]
        assert one.total == pytest.approx(row["total"], abs=1e-9)
        assert one.grade == row["grade"]
        summary = one.summary()
        assert summary["n_missing_explanations"] == row["n_missing_explanations"]
        assert "；".join(one.reallocation) == row["reallocation"]


# --- the rule-set section -----------------------------------------------------------------------

@pytest.mark.parametrize("ruleset", ["national", "provincial"])
def test_check_ruleset_accepts_the_shipped_section(ruleset):
    assert check_ruleset(load_ruleset(ruleset).data["selfeval"], failer(ruleset)) is None


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s["level1_weights"].update(产出指标=55),
     r"key 'selfeval.level1_weights': expected values summing to 100, found '\[55, 30, 10, 10\] "
     r"\(sum 105\)'"),
    (lambda s: s["level1_weights"].update(产出指标="五十"),
     r"key 'selfeval.level1_weights': expected non-negative numbers"),
    (lambda s: s.update(level1_weights=[50, 30, 10, 10]),
     r"key 'selfeval.level1_weights': expected a mapping of level-1 names to points"),
    (lambda s: s.update(no_satisfaction_to="产出"),
     r"key 'selfeval.no_satisfaction_to': expected proportional or one of \['产出指标', "),
    (lambda s: s.pop("budget_execution_cap"),
     r"key 'selfeval.budget_execution_cap': expected a required key of the section"),
])
def test_check_ruleset_names_the_broken_key(edit, message):
    section = copy.deepcopy(dict(load_ruleset("national").data["selfeval"]))
    edit(section)
    with pytest.raises(RuleSetError, match=rf"^rule set broken.yaml: {message}"):
        check_ruleset(section, failer("broken.yaml"))
