"""Tests for evalkit.survey: parsing Likert answers, satisfaction rate, Wilson interval."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.errors import EvalkitWarning, InputError
from evalkit.survey import SurveyResult, analyze_survey, wilson_interval

#: z at 95 % typed in (scipy.stats.norm.ppf(0.975)), so the test does not share the module's code.
Z95 = 1.959963984540054


def wilson_by_hand(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The closed form: centre (p + z²/2n)/(1 + z²/n), half-width z·√(p(1−p)/n + z²/4n²)/(1 + z²/n)."""
    p = successes / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def table(answers: dict[str, list[object]], questions=("Q1", "Q2"), project="P1") -> pd.DataFrame:
    """Long survey table from {respondent: [answer to Q1, answer to Q2, …]}."""
    rows = [(project, r, q, a) for r, given_answers in answers.items()
            for q, a in zip(questions, given_answers, strict=True)]
    return pd.DataFrame(rows, columns=["project_id", "respondent_id", "question", "response"])


def quiet(responses, **kwargs) -> SurveyResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        return analyze_survey(responses, **kwargs)


def satisfied_table(n_satisfied: int, n_other: int) -> pd.DataFrame:
    """One question; n_satisfied respondents answer 5, n_other answer 3."""
    answers = {f"R{i:03d}": [5 if i < n_satisfied else 3] for i in range(n_satisfied + n_other)}
    return table(answers, questions=("Q1",))


# ---------------------------------------------------------------------------------------------
# Wilson interval
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("successes, n", [(57, 60), (6, 10), (1, 3), (150, 200), (0, 12), (12, 12)])
def test_wilson_interval_equals_the_closed_form_wilson1927(successes, n):
    low, high = wilson_interval(successes, n, confidence=0.95)
    by_hand = wilson_by_hand(successes, n)
    assert low == pytest.approx(max(by_hand[0], 0.0), abs=1e-12)
    assert high == pytest.approx(min(by_hand[1], 1.0), abs=1e-12)


def test_wilson_interval_57_of_60_worked_by_hand():
    """p = 0.95, z² = 3.841459; z²/n = 0.064024, centre = (0.95 + 0.032012)/1.064024 = 0.922901;
    half = 1.959964·√(0.000791667 + 0.000266766)/1.064024 = 0.059928 → [0.86297, 0.98283]."""
    low, high = wilson_interval(57, 60)
    assert (low, high) == pytest.approx((0.86297, 0.98283), abs=5e-5)


def test_wilson_interval_other_confidence_uses_its_own_z():
    z90 = 1.6448536269514722  # norm.ppf(0.95)
    assert wilson_interval(6, 10, confidence=0.90) == pytest.approx(wilson_by_hand(6, 10, z90))


def test_wilson_interval_edges():
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    assert wilson_interval(0, 12)[0] == 0.0
    assert wilson_interval(12, 12)[1] == 1.0
    with pytest.raises(InputError, match="confidence"):
        wilson_interval(1, 2, confidence=1.0)
    with pytest.raises(InputError, match="successes 3, n 2"):
        wilson_interval(3, 2)


# ---------------------------------------------------------------------------------------------
# Hand-worked example
# ---------------------------------------------------------------------------------------------

#: 10 respondents × 2 questions; R06 typed 7 and R07 left Q2 blank (two invalid answers).
#:   Respondent means of valid answers: R01 5, R02 4, R03 3.5, R04 4, R05 3, R06 2 (Q1 only),
#:   R07 5 (Q1 only), R08 4.5, R09 1.5, R10 4 → satisfied (mean ≥ 4): R01 R02 R04 R07 R08 R10
#:   → 6 / 10 = 0.6.
#:   Q1: 5 4 4 5 3 2 5 4 1 4 → n 10, in {4, 5}: 7 → 0.7; mean 37 / 10 = 3.7; counts 1 1 1 4 3.
#:   Q2: 5 4 3 3 3 · · 5 2 4 → n 8, in {4, 5}: 4 → 0.5; mean 29 / 8 = 3.625; counts 0 1 3 2 2.
#:   Overall mean (37 + 29) / 18 = 3.6667. Wilson(6, 10) at 95 %: [0.3127, 0.8318].
HAND10 = {
    "R01": [5, 5], "R02": ["4", 4.0], "R03": [4, 3], "R04": ["５", "3"], "R05": [3, 3],
    "R06": [2, 7], "R07": [5, ""], "R08": [" 4 ", 5], "R09": [1, 2], "R10": ["4.0", 4],
}


def test_hand_worked_10_respondents_2_questions():
    with pytest.warns(EvalkitWarning) as record:
        result = analyze_survey(table(HAND10))
    assert (result.n_respondents, result.n_valid_respondents, result.n_satisfied) == (10, 10, 6)
    assert (result.n_answers, result.n_valid_answers, result.n_invalid) == (20, 18, 2)
    assert result.rate == pytest.approx(0.6)
    assert result.mean_score == pytest.approx(66 / 18)
    assert (result.ci_low, result.ci_high) == pytest.approx(wilson_by_hand(6, 10))
    assert (result.ci_low, result.ci_high) == pytest.approx((0.3127, 0.8318), abs=5e-5)
    assert result.confidence == 0.95 and result.min_sample == 60
    assert not result.meets_min_sample
    q = result.questions.set_index("question")
    assert q["n"].tolist() == [10, 8]
    assert q["rate"].tolist() == pytest.approx([0.7, 0.5])
    assert q["mean"].tolist() == pytest.approx([3.7, 3.625])
    assert q.loc["Q1", ["n_1", "n_2", "n_3", "n_4", "n_5"]].tolist() == [1, 1, 1, 4, 3]
    assert q.loc["Q2", ["n_1", "n_2", "n_3", "n_4", "n_5"]].tolist() == [0, 1, 3, 2, 2]
    assert q["n_invalid"].tolist() == [0, 2]
    assert result.invalid[["respondent_id", "question", "reason"]].values.tolist() == [
        ["R06", "Q2", "超出 1–5 范围: 7"], ["R07", "Q2", "空白"]]
    assert result.respondents.set_index("respondent_id")["satisfied"].sum() == 6
    messages = [str(w.message) for w in record if issubclass(w.category, EvalkitWarning)]
    assert len(messages) == 2  # one summary of the invalid answers, one for the sample size
    assert "2 条无效答案" in messages[0] and "超出 1–5 范围 1 条" in messages[0]
    assert "空白 1 条" in messages[0]
    assert "有效样本 10 人，少于规则集要求的 60 人" in messages[1]
    assert result.warnings == tuple(m.removeprefix("项目 P1：") for m in messages)


def test_likert_7_is_excluded_with_its_reason_and_the_rate_ignores_it():
    result = quiet(table({"R1": [5, 7], "R2": [3, 3]}))
    assert result.invalid["reason"].tolist() == ["超出 1–5 范围: 7"]
    assert result.invalid["response"].tolist() == [7]  # kept as typed
    assert result.questions.set_index("question").loc["Q2", "n"] == 1
    assert result.rate == 0.5


@pytest.mark.parametrize("typed, reason", [
    (7, "超出 1–5 范围: 7"), ("0", "超出 1–5 范围: 0"), ("７", "超出 1–5 范围: 7"),
    ("", "空白"), (None, "空白"), (float("nan"), "空白"), ("   ", "空白"),
    ("很好", "非数字: 很好"), ("4分", "非数字: 4分"), (True, "非数字: True"), ("nan", "非数字: nan"),
    (3.5, "非整数: 3.5"), ("3.5", "非整数: 3.5"), ("inf", "非数字: inf"),
])
def test_invalid_answers_and_their_reasons(typed, reason):
    result = quiet(table({"R1": [typed, 4]}))
    assert result.invalid["reason"].tolist() == [reason]
    assert result.n_valid_answers == 1


@pytest.mark.parametrize("typed", [4, 4.0, "4", "4.0", "４", " 4", np.int64(4), np.float64(4.0)])
def test_valid_spellings_of_4(typed):
    result = quiet(table({"R1": [typed]}, questions=("Q1",)))
    assert result.n_invalid == 0 and result.mean_score == 4.0 and result.rate == 1.0


def test_duplicate_answer_keeps_the_first():
    responses = pd.DataFrame({"respondent_id": ["R1", "R1", "R1", "R2"],
                              "question": ["Q1", "Q1", "Q2", "Q1"],
                              "response": [2, 5, 2, 4]})
    result = quiet(responses)
    assert result.invalid[["respondent_id", "question", "response", "reason"]].values.tolist() == [
        ["R1", "Q1", 5, "重复作答(保留首次作答)"]]
    # R1 keeps 2 and 2 → not satisfied; R2 satisfied
    assert result.n_satisfied == 1 and result.rate == 0.5
    assert result.invalid_by_reason() == {"重复作答(保留首次作答)": 1}


def test_respondent_with_only_invalid_answers_is_not_in_the_valid_sample():
    result = quiet(table({"R1": ["很好", ""], "R2": [4, 4]}))
    assert (result.n_respondents, result.n_valid_respondents, result.rate) == (2, 1, 1.0)


def test_no_valid_answer_gives_nan_rate_and_interval():
    result = quiet(table({"R1": ["x", 9]}))
    assert result.n_valid_respondents == 0
    assert all(math.isnan(v) for v in (result.rate, result.ci_low, result.ci_high,
                                       result.mean_score))
    assert json.loads(json.dumps(result.summary()))["rate"] is None


def test_mean_exactly_at_the_threshold_is_satisfied():
    # 3 + 5 → mean 4 ≥ 4; 3 + 4 + 5 → 4; 3 + 4 → 3.5 (not)
    result = quiet(table({"R1": [3, 5, ""], "R2": [3, 4, 5], "R3": [3, 4, ""]},
                         questions=("Q1", "Q2", "Q3")))
    assert result.respondents["satisfied"].tolist() == [True, True, False]


# ---------------------------------------------------------------------------------------------
# Sample size and warnings
# ---------------------------------------------------------------------------------------------


def test_too_few_respondents_warns_and_does_not_meet_the_rule():
    with pytest.warns(EvalkitWarning, match="有效样本 59 人，少于规则集要求的 60 人"):
        result = analyze_survey(satisfied_table(50, 9))
    assert not result.meets_min_sample


def test_sixty_respondents_meet_the_rule_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", EvalkitWarning)
        result = analyze_survey(satisfied_table(54, 6))
    assert result.meets_min_sample and result.rate == pytest.approx(0.9)
    assert result.warnings == ()


def test_one_warning_per_call_for_many_invalid_answers():
    answers = {f"R{i:03d}": [7, ""] for i in range(70)}
    answers.update({f"S{i:03d}": [4, 5] for i in range(60)})
    with pytest.warns(EvalkitWarning) as record:
        analyze_survey(table(answers))
    messages = [str(w.message) for w in record]
    assert len(messages) == 1
    assert "140 条无效答案" in messages[0] and "超出 1–5 范围 70 条，空白 70 条" in messages[0]


# ---------------------------------------------------------------------------------------------
# Projects, columns, input not mutated
# ---------------------------------------------------------------------------------------------


def test_project_selection_and_errors():
    both = pd.concat([table({"R1": [5, 5]}, project="P1"), table({"R1": [1, 1]}, project="P2")])
    assert quiet(both, project_id="P2").rate == 0.0
    assert quiet(both, project_id="P2").project_id == "P2"
    with pytest.raises(InputError, match="one project.*2 projects: 'P1', 'P2'"):
        analyze_survey(both)
    with pytest.raises(InputError, match="project 'P9', found none.*'P1', 'P2'"):
        analyze_survey(both, project_id="P9")
    no_project = table({"R1": [5, 5]}).drop(columns="project_id")
    assert quiet(no_project).project_id is None
    assert quiet(no_project, project_id="X").project_id == "X"


def test_missing_columns_blank_ids_and_empty_table():
    with pytest.raises(InputError, match=r"missing \['response'\]"):
        analyze_survey(pd.DataFrame({"respondent_id": ["R1"], "question": ["Q1"]}))
    blank = table({"R1": [5, 5], "R2": [4, 4]})
    blank.loc[2, "respondent_id"] = " "
    blank.loc[1, "question"] = None
    with pytest.raises(InputError) as info:
        analyze_survey(blank)
    assert "row 2: expected a respondent_id" in str(info.value)
    assert "row 1: expected a question" in str(info.value)
    with pytest.raises(InputError, match="at least one answer"):
        analyze_survey(table({}))
    with pytest.raises(InputError, match="DataFrame"):
        analyze_survey([1, 2, 3])


def test_input_not_mutated_and_summary_is_json():
    responses = table(HAND10)
    before = responses.copy()
    result = quiet(responses, ruleset="provincial")
    pd.testing.assert_frame_equal(responses, before)
    summary = json.loads(json.dumps(result.summary(), ensure_ascii=False))
    assert summary["rate"] == pytest.approx(0.6)
    assert summary["invalid_by_reason"] == {"超出 1–5 范围": 1, "空白": 1}
    assert summary["ruleset_id"] == "province-example"
    assert [q["question"] for q in summary["questions"]] == ["Q1", "Q2"]
    assert result.to_frame() is result.questions
    page = result._repr_html_()
    assert "60.0%" in page and "未达到" in page and "<table" in page


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

_ANSWER = st.one_of(st.integers(0, 7), st.sampled_from(["", "很好", "3.5", "４", "5"]))


@st.composite
def surveys(draw) -> pd.DataFrame:
    n_respondents = draw(st.integers(1, 25))
    n_questions = draw(st.integers(1, 4))
    answers = {f"R{i}": draw(st.lists(_ANSWER, min_size=n_questions, max_size=n_questions))
               for i in range(n_respondents)}
    return table(answers, questions=[f"Q{j}" for j in range(n_questions)])


@settings(max_examples=60, deadline=None)
@given(responses=surveys(), seed=st.integers(0, 2**32 - 1))
def test_properties_rate_in_interval_and_order_invariant(responses, seed):
    result = quiet(responses)
    assert result.n_valid_answers + result.n_invalid == result.n_answers
    if result.n_valid_respondents == 0:
        assert math.isnan(result.rate)
        return
    assert 0 <= result.ci_low <= result.rate <= result.ci_high <= 1
    shuffled = quiet(responses.sample(frac=1, random_state=seed % 2**32))
    for name in ("rate", "ci_low", "ci_high", "mean_score", "n_valid_respondents", "n_invalid"):
        assert getattr(shuffled, name) == pytest.approx(getattr(result, name))
    pd.testing.assert_frame_equal(
        shuffled.questions.sort_values("question").reset_index(drop=True),
        result.questions.sort_values("question").reset_index(drop=True))
