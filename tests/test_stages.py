"""The stage protocol (evalkit.stages): every stage module offers the same verbs with the same
signatures, its results share StageResult, and its rule-set checker accepts the shipped rule sets.

Each stage's own numbers are tested in tests/test_<stage>.py; here the stages are checked against
each other and against the sample county (data/sample).
"""

from __future__ import annotations

import inspect
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from evalkit import StageResult
from evalkit.errors import EvalkitWarning, InputError, RuleSetError
from evalkit.io import Dataset, load_dataset
from evalkit.rules import failer, load_ruleset
from evalkit.schemas import EXANTE_STAGE, KEYPROJECT_STAGE
from evalkit.stages import exante, keyproject, selfeval
from evalkit.stages.base import known_ids

STAGES = {"exante": exante, "keyproject": keyproject, "selfeval": selfeval}
RESULTS = {"exante": exante.ExAnteResult, "keyproject": keyproject.KeyProjectResult,
           "selfeval": selfeval.SelfEvalResult}
#: The stage keys of rules.REQUIRED_KEYS before the rule set was split by section.
REQUIRED_BEFORE = {
    "selfeval": ("level1_weights", "no_satisfaction_to", "budget_execution_points",
                 "budget_execution_cap"),
    "exante": ("conclusion_tiers", "veto", "dimensions", "items"),
    "keyproject": ("framework", "min_output_benefit", "satisfaction_target"),
}


def shape(function) -> list[tuple[str, object, object]]:
    """A signature without its annotations: (name, kind, default) per parameter."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return load_dataset("sample")


@pytest.fixture(scope="module")
def quiet():
    """Run a stage function with its EvalkitWarnings (small panels, surveys) silenced."""
    def run(function, *args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EvalkitWarning)
            return function(*args, **kwargs)
    return run


# --- the same verbs with the same signatures ----------------------------------------------------

@pytest.mark.parametrize("verb", ["framework", "evaluate", "evaluate_many", "check_ruleset"])
def test_every_stage_offers_the_protocol_with_one_signature(verb):
    shapes = {name: shape(getattr(module, verb)) for name, module in STAGES.items()}
    assert len({json.dumps(s, default=str) for s in shapes.values()}) == 1, shapes
    for module in STAGES.values():
        assert verb in module.__all__


def test_protocol_signatures_are_the_documented_ones():
    kw, pos = inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert shape(exante.framework) == [("ruleset", pos, "national")]
    assert shape(exante.evaluate) == [("dataset", pos, inspect.Parameter.empty),
                                      ("project_id", pos, inspect.Parameter.empty),
                                      ("ruleset", kw, "national")]
    assert shape(exante.evaluate_many) == [("dataset", pos, inspect.Parameter.empty),
                                           ("ruleset", kw, "national")]
    assert [name for name, _, _ in shape(exante.check_ruleset)] == ["section", "fail"]


@pytest.mark.parametrize("name", STAGES)
def test_results_are_frozen_stage_results(name):
    cls = RESULTS[name]
    assert issubclass(cls, StageResult) and cls.__dataclass_params__.frozen
    assert {"project_id", "ruleset"} <= set(cls.__dataclass_fields__)
    with pytest.raises(TypeError):
        StageResult()  # abstract: summary and to_frame


@pytest.mark.parametrize("name", STAGES)
def test_section_names_and_required_keys(name):
    module = STAGES[name]
    assert module.RULESET_SECTION == name
    assert module.REQUIRED_KEYS == REQUIRED_BEFORE[name]


# --- rule-set sections --------------------------------------------------------------------------

@pytest.mark.parametrize("ruleset", ["national", "provincial"])
@pytest.mark.parametrize("name", STAGES)
def test_check_ruleset_accepts_the_shipped_sections(name, ruleset):
    module = STAGES[name]
    section = load_ruleset(ruleset).data[module.RULESET_SECTION]
    assert module.check_ruleset(section, failer(f"{ruleset}.yaml")) is None


@pytest.mark.parametrize("name", STAGES)
def test_check_ruleset_names_a_missing_key_with_its_dotted_path(name):
    module = STAGES[name]
    section = dict(load_ruleset("national").data[module.RULESET_SECTION])
    for key in module.REQUIRED_KEYS:
        broken = {k: v for k, v in section.items() if k != key}
        with pytest.raises(RuleSetError, match=rf"rule set x.yaml: key '{name}\.{key}': expected "
                                               rf"a required key of the section, found None"):
            module.check_ruleset(broken, failer("x.yaml"))


@pytest.mark.parametrize("name", STAGES)
def test_check_ruleset_of_a_section_that_is_not_a_mapping(name):
    with pytest.raises(RuleSetError, match=rf"key '{name}': expected a mapping, found \[1, 2\]"):
        STAGES[name].check_ruleset([1, 2], failer("x.yaml"))


# --- evaluate: a dataset's subject, the table-level function on its rows -------------------------

def test_evaluate_is_assess_on_the_subjects_rows(sample, quiet):
    pid = "SQ-2021-001"
    scores = sample.table("expert_scores")
    assert (quiet(exante.evaluate, sample, pid).summary()
            == quiet(exante.assess, scores, project_id=pid).summary())
    pid = "XM-2020-022"
    rows = {name: sample.tables[name][sample.tables[name]["project_id"] == pid]
            for name in ("indicators", "judgements", "survey")}
    assert (quiet(keyproject.evaluate, sample, pid).summary()
            == quiet(keyproject.assess, sample.project(pid), rows["indicators"],
                     rows["judgements"], rows["survey"]).summary())
    pid = "XM-2020-001"
    assert (selfeval.evaluate(sample, pid).summary()
            == selfeval.assess(sample.project(pid), rows_of(sample.indicators, pid)).summary())


def rows_of(table: pd.DataFrame, pid: str) -> pd.DataFrame:
    return table[table["project_id"] == pid]


@pytest.mark.parametrize("call", [
    lambda data: keyproject.evaluate(data, "XM-2020-003"),  # the sample's small survey
    lambda data: keyproject.evaluate_many(data),
    lambda data: exante.evaluate(data, "SQ-2021-005"),  # an outlying expert
    lambda data: exante.evaluate_many(data),
    lambda data: exante.assess_many(data.table("expert_scores")),
    lambda data: exante.assess(data.table("expert_scores"), project_id="SQ-2021-005"),
], ids=["keyproject.evaluate", "keyproject.evaluate_many", "exante.evaluate",
        "exante.evaluate_many", "exante.assess_many", "exante.assess"])
def test_warnings_point_at_the_callers_line(sample, call):
    with pytest.warns(EvalkitWarning) as caught:
        call(sample)
    assert {w.filename for w in caught} == {__file__}


@pytest.mark.parametrize("name", STAGES)
def test_summaries_are_json_with_project_id_first_and_the_ruleset_last(name, sample, quiet):
    pid = {"exante": "SQ-2021-005", "keyproject": "XM-2020-017", "selfeval": "XM-2020-017"}[name]
    summary = quiet(STAGES[name].evaluate, sample, pid).summary()
    assert json.loads(json.dumps(summary, ensure_ascii=False)) == summary
    keys = list(summary)
    assert keys[0] == "project_id" and keys[-3:] == ["ruleset_id", "ruleset_version",
                                                     "ruleset_sha256"]


@pytest.mark.parametrize("name", STAGES)
def test_repr_html_shows_the_facts_the_rule_set_and_tables(name, sample, quiet):
    pid = {"exante": "SQ-2021-005", "keyproject": "XM-2020-003", "selfeval": "XM-2020-003"}[name]
    result = quiet(STAGES[name].evaluate, sample, pid)
    page = result._repr_html_()
    assert page.startswith(f"<p><b>项目</b>: {pid}") and "<b>规则集</b>: cn-national" in page
    assert page.count("<table") == 2 and f"{result.total:.2f}" in page


# --- evaluate_many: every subject the stage applies to, one row each ------------------------------

def test_evaluate_many_of_the_sample_one_row_per_subject(sample, quiet):
    stage = sample.projects["stage"].fillna("")
    expected = {
        "exante": sorted(sample.projects.loc[stage == EXANTE_STAGE, "project_id"]),
        "keyproject": list(sample.projects.loc[stage == KEYPROJECT_STAGE, "project_id"]),
        "selfeval": list(sample.projects.loc[stage != EXANTE_STAGE, "project_id"]),
    }
    for name, module in STAGES.items():
        table = quiet(module.evaluate_many, sample)
        assert table["project_id"].tolist() == expected[name], name
        for pid in expected[name][:3]:
            one = quiet(module.evaluate, sample, pid)
            total = table.set_index("project_id").at[pid, "total"]
            assert total == pytest.approx(one.total, abs=1e-9), (name, pid)


def test_keyproject_evaluate_many_columns(sample, quiet):
    table = quiet(keyproject.evaluate_many, sample).set_index("project_id")
    assert list(table.columns) == ["project_name", "total", "grade", "决策", "过程", "产出", "效益",
                                   "satisfaction_rate", "n_not_applicable", "n_problems",
                                   "n_warnings"]
    one = quiet(keyproject.evaluate, sample, "XM-2020-022")
    row = table.loc["XM-2020-022"]
    assert row[["决策", "过程", "产出", "效益"]].tolist() == pytest.approx(
        one.level1["score"].tolist())
    assert row["satisfaction_rate"] == one.survey.rate
    assert (row["grade"], row["n_problems"]) == (one.grade, len(one.problems))


def test_keyproject_evaluate_many_reports_every_failing_project_at_once(sample, quiet):
    projects = sample.projects.copy()
    bad = ["XM-2020-017", "XM-2020-031"]
    projects.loc[projects["project_id"].isin(bad), "spent"] = 1e9  # spent > received
    judgements = pd.concat([sample.table("judgements"),
                            sample.table("judgements").head(1).assign(project_id="XM-9999")])
    data = Dataset({**sample.tables, "projects": projects, "judgements": judgements}, "例", {})
    with pytest.raises(InputError) as info:
        quiet(keyproject.evaluate_many, data)
    message = str(info.value)
    assert "judgements: expected project ids of the projects table, found 'XM-9999'" in message
    for pid in bad:
        assert f"project {pid}: expected 执行数 (spent) ≤ 到位数 (received)" in message
    assert "XM-2020-003" not in message


def test_keyproject_evaluate_many_needs_judgements(sample):
    data = Dataset({k: v for k, v in sample.tables.items() if k != "judgements"}, "例", {})
    with pytest.raises(InputError, match="expected a table .*judgements"):
        keyproject.evaluate_many(data)


def test_selfeval_framework_is_the_level1_points():
    for ruleset in ("national", "provincial"):
        fw = selfeval.framework(ruleset)
        weights = load_ruleset(ruleset).data["selfeval"]["level1_weights"]
        assert dict(zip(fw["level1"], fw["points"], strict=True)) == weights
        assert fw["level1"].iloc[-1] == "预算执行率" and fw["points"].sum() == 100
        assert fw["source"].tolist() == ["sheet"] * (len(fw) - 1) + ["ledger"]


def test_selfeval_framework_orders_like_the_result_level1(sample):
    result = selfeval.evaluate(sample, "XM-2020-001")
    fw = selfeval.framework()
    assert result.level1["level1"].tolist() == fw["level1"].tolist()
    assert result.level1["ruleset_weight"].tolist() == fw["points"].tolist()


def test_known_ids_lists_eight_then_an_ellipsis():
    assert known_ids(np.array(["P1"], dtype=object)) == "'P1'"
    assert known_ids([np.int64(i) for i in range(9)]) == "0, 1, 2, 3, 4, 5, 6, 7 …"
