"""The synthetic sample county (data/sample): reproducible, complete, and calibrated to the seed.

The seed is 且末县财政局's 2020 summary (DOMAIN.md §1): 69 units, 117231 万元; 77 projects
(31 本级财力追加 + 46 专项转移支付), 72230 万元; execution 92.53 %, completion 93.34 %, gap 0.81.
Beside that ledger, 10 new projects await ex-ante assessment (事前绩效评估) with their expert
panels' scores, covering the conclusions, the veto and the panel problems of the national rule set.
Six of the 77 are key projects (重点项目绩效评价, issue 4) with the evaluator's judgements and a
beneficiary survey each: one survey too small, one with invalid answers, grades 优 / 良 / 中.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from evalkit.errors import EvalkitWarning
from evalkit.io import read_dataset
from evalkit.rules import load_ruleset
from evalkit.schemas import (
    DIRECT_FUNDS,
    ENGAGEMENT,
    EXANTE_STAGE,
    EXPERT_SCORES,
    INDICATOR_ROUNDS,
    INDICATORS,
    JUDGEMENTS,
    KEYPROJECT_STAGE,
    MONITORING,
    MONITORING_INDICATORS,
    POVERTY_INDICATORS,
    POVERTY_PROJECTS,
    PRIOR_EVALUATIONS,
    PROJECTS,
    SELF_SCORES,
    SURVEY,
    TEAM,
    UNIT_JUDGEMENTS,
    UNIT_MONITORING,
    UNIT_TASK_MONITORING,
    UNIT_TASKS,
    UNITS,
    chinese_headers,
)
from evalkit.scoring import score_indicators
from evalkit.stages import keyproject, selfeval
from evalkit.stages.exante import ExAnteResult, assess
from evalkit.stages.keyproject import KeyProjectResult
from evalkit.summary import county_figures, summarize_projects
from evalkit.survey import SurveyResult, analyze_survey
from evalkit.values import normalize_text

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
SPECS = (UNITS, PROJECTS, INDICATORS, EXPERT_SCORES, SURVEY, JUDGEMENTS, UNIT_TASKS,
         UNIT_JUDGEMENTS, INDICATOR_ROUNDS,
         MONITORING, MONITORING_INDICATORS, UNIT_MONITORING, UNIT_TASK_MONITORING,
         POVERTY_PROJECTS, POVERTY_INDICATORS, PRIOR_EVALUATIONS, DIRECT_FUNDS, SELF_SCORES,
         ENGAGEMENT, TEAM)
CSV_FILES = tuple(f"{spec.name}.csv" for spec in SPECS)
WORKBOOK = "sample_county.xlsx"
SUPPORT, REVISE, REJECT = "予以支持", "调整完善后予以支持", "不予支持"
POVERTY_LEVEL2 = {"数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标", "服务对象满意度指标"}
#: The kinds of key project issue 4 asks for, as they appear in the project names.
KEY_KINDS = ("农村安居房", "高效节水灌溉", "供水管网改造", "乡村道路", "畜牧", "职业教育")
TIERS = {"达成", "部分达成", "未达成"}


def _load_generator():
    spec = importlib.util.spec_from_file_location("sample_generate", SAMPLE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    _load_generator().main(out)
    return out


@pytest.fixture(scope="module")
def dataset():
    return read_dataset(SAMPLE / "csv")


@pytest.fixture(scope="module")
def ledger(dataset) -> pd.DataFrame:
    """The 2020 projects with indicator sheets (stage blank)."""
    return dataset.projects[dataset.projects["stage"] != EXANTE_STAGE]


@pytest.fixture(scope="module")
def exante(dataset) -> pd.DataFrame:
    """The new projects awaiting ex-ante assessment."""
    return dataset.projects[dataset.projects["stage"] == EXANTE_STAGE]


@pytest.fixture(scope="module")
def assessed(dataset, exante) -> dict[str, ExAnteResult]:
    """Every ex-ante project assessed under the national rule set, by project id."""
    with warnings.catch_warnings():  # the planned weak agreement and outlier do warn
        warnings.simplefilter("ignore", EvalkitWarning)
        return {pid: assess(dataset.table("expert_scores"), project_id=pid, ruleset="national")
                for pid in exante["project_id"]}


@pytest.fixture(scope="module")
def key_projects(dataset) -> pd.DataFrame:
    """The projects selected for a key-project evaluation."""
    return dataset.projects[dataset.projects["stage"] == KEYPROJECT_STAGE]


@pytest.fixture(scope="module")
def evaluated(dataset, key_projects) -> dict[str, KeyProjectResult]:
    """Every key project evaluated under the national rule set, by project id."""
    with warnings.catch_warnings():  # the small survey and the invalid answers do warn
        warnings.simplefilter("ignore", EvalkitWarning)
        return {pid: keyproject.evaluate(dataset, pid, ruleset="national")
                for pid in key_projects["project_id"]}


@pytest.fixture(scope="module")
def surveyed(dataset, key_projects) -> dict[str, SurveyResult]:
    """Every key project's survey analysed under the national rule set, by project id."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        return {pid: analyze_survey(dataset.table("survey"), project_id=pid, ruleset="national")
                for pid in key_projects["project_id"]}


@pytest.fixture(scope="module")
def summary(dataset) -> pd.DataFrame:
    return summarize_projects(dataset.projects, dataset.indicators, ruleset="national")


@pytest.fixture(scope="module")
def raw_indicators() -> pd.DataFrame:
    """The indicators as typed (no parsing), blanks as empty strings."""
    return pd.read_csv(SAMPLE / "csv" / "indicators.csv", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")


# --- reproducibility ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", CSV_FILES)
def test_regenerated_csv_is_byte_identical(regenerated: Path, name: str) -> None:
    assert (regenerated / "csv" / name).read_bytes() == (SAMPLE / "csv" / name).read_bytes()


def test_regenerated_workbook_has_identical_content(regenerated: Path) -> None:
    # compare sheets and cell values: the XML bytes depend on whether openpyxl found lxml
    new = load_workbook(regenerated / WORKBOOK, read_only=True)
    old = load_workbook(SAMPLE / WORKBOOK, read_only=True)
    assert new.sheetnames == old.sheetnames
    for name in old.sheetnames:
        assert list(new[name].values) == list(old[name].values), name
    with zipfile.ZipFile(SAMPLE / WORKBOOK) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2020, 11, 18, 0, 0, 0)}


def test_workbook_properties_carry_no_current_time() -> None:
    props = load_workbook(SAMPLE / WORKBOOK, read_only=True).properties
    assert props.created.year == props.modified.year == 2020


# --- format ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "spec"), list(zip(CSV_FILES, SPECS, strict=True)))
def test_csv_has_bom_and_english_header_row(name: str, spec) -> None:
    data = (SAMPLE / "csv" / name).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].decode("utf-8").splitlines()[0].split(",")
    assert header == [c.name for c in spec.columns]


def test_workbook_sheets_headers_and_synthetic_mark() -> None:
    wb = load_workbook(SAMPLE / WORKBOOK, read_only=True)
    assert wb.sheetnames == ["说明", "预算单位", "项目", "绩效指标", "专家评分", "满意度调查", "定性评价",
                             "重点工作", "整体评价定性", "目标审核轮次",
                             "绩效监控", "监控指标", "单位监控", "重点工作监控",
                             "扶贫项目", "扶贫绩效目标", "以前年度自评", "直达资金", "自评得分",
                             "项目委托信息", "评价组"]
    for spec in SPECS:
        header = next(wb[spec.chinese].iter_rows(max_row=1, values_only=True))
        chinese = chinese_headers(spec)
        assert list(header) == [chinese[c.name] for c in spec.columns]
    note = " ".join(str(v) for row in wb["说明"].iter_rows(values_only=True) for v in row)
    assert "SYNTHETIC" in note and "虚构" in note and "且末县" in note
    targets = [r[6] for r in wb["绩效指标"].iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(t, str) for t in targets)  # typed text, e.g. "95%"
    budgets = [r[2] for r in wb["预算单位"].iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(b, int | float) for b in budgets)


def test_readme_marks_the_data_synthetic() -> None:
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text and "示例县（虚构）" in text


def test_readme_documents_every_exante_project(exante) -> None:
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for pid, name in zip(exante["project_id"], exante["project_name"], strict=True):
        assert pid in text and name in text, pid


def test_csv_folder_and_workbook_read_the_same(dataset) -> None:
    workbook = read_dataset(SAMPLE / WORKBOOK)
    assert set(dataset.tables) == set(workbook.tables) == {spec.name for spec in SPECS}
    for spec in SPECS:
        pd.testing.assert_frame_equal(dataset.tables[spec.name], workbook.tables[spec.name])


# --- the ledger --------------------------------------------------------------------------------

def test_units_match_the_seed(dataset) -> None:
    units = dataset.units
    assert len(units) == 69 and units["unit_name"].is_unique and units["unit_id"].is_unique
    assert units["budget"].sum() == pytest.approx(117231, abs=1e-6)


def test_projects_match_the_seed(dataset, ledger) -> None:
    assert dataset.projects["project_name"].is_unique and dataset.projects["project_id"].is_unique
    p = ledger
    assert len(p) == 77 and set(p["stage"]) == {"", KEYPROJECT_STAGE}
    assert p["category"].value_counts().to_dict() == {"专项转移支付": 46, "本级财力追加": 31}
    assert p["budget"].sum() == pytest.approx(72230, abs=1e-6)
    assert (p["year"] == 2020).all()
    for col in ("budget", "received", "spent"):
        assert ((p[col] * 10_000).round(6) % 1 == 0).all(), f"{col} finer than one yuan"
    over = p["received"] > p["budget"]  # more money arrived than budgeted: only with a reason
    assert (p.loc[over, "note"] != "").all() and (p.loc[~over, "note"] == "").all()
    assert (p["spent"] <= p["received"]).all()
    assert (p["received"] == p["budget"]).mean() > 0.8
    units = dataset.units.set_index("unit_id")["unit_name"]
    assert (p["unit_id"].map(units) == p["unit_name"]).all()
    per_unit = p.groupby("unit_id")["budget"].sum()
    assert (dataset.units.set_index("unit_id")["budget"].reindex(per_unit.index) >= per_unit).all()


def test_every_sheet_has_the_standard_levels_and_points(dataset, ledger) -> None:
    ind = dataset.indicators
    ruleset = load_ruleset("national")
    assert set(ind["level1"]) == {"产出指标", "效益指标", "满意度指标"}
    points = ind.groupby(["project_id", "level1"])["weight"].sum().unstack()
    expected = {k: v for k, v in ruleset.section("selfeval")["level1_weights"].items()
                if k in points.columns}
    assert (points == pd.Series(expected)).all().all()
    assert set(ind["project_id"]) == set(ledger["project_id"])


def test_poverty_sheets_have_seven_indicators_covering_six_level2(dataset, ledger) -> None:
    ind, p = dataset.indicators, ledger
    poverty = set(p.loc[p["is_poverty"], "project_id"])
    assert len(poverty) == 40
    for pid, sheet in ind.groupby("project_id"):
        if pid in poverty:
            assert len(sheet) >= 7, pid
            assert POVERTY_LEVEL2 <= set(sheet["level2"]), pid
        else:
            assert 5 <= len(sheet) <= 9, pid


# --- calibration -------------------------------------------------------------------------------

def test_county_figures_reproduce_qiemo_2020(summary: pd.DataFrame) -> None:
    figures = county_figures(summary)
    assert figures["execution_rate"] == pytest.approx(0.9253, abs=5e-6)
    assert figures["completion_rate"] == pytest.approx(0.9334, abs=5e-6)
    assert round(figures["execution_rate"] * 100, 2) == 92.53
    assert round(figures["completion_rate"] * 100, 2) == 93.34
    assert round(figures["gap_points"], 2) == 0.81
    assert figures["n_poverty"] == 40
    assert figures["budget"] == pytest.approx(72230, abs=1e-6)


def test_a_handful_of_rectifications_and_a_spread_of_grades(summary: pd.DataFrame) -> None:
    assert 3 <= summary["rectification"].sum() <= 10
    grades = summary["grade"].value_counts()
    assert grades.get("优", 0) + grades.get("良", 0) >= 0.8 * len(summary)
    assert grades.get("中", 0) >= 2 and 1 <= grades.get("差", 0) <= 3


# --- deliberate imperfections ------------------------------------------------------------------

def test_imperfect_but_valid_rows_are_present(raw_indicators: pd.DataFrame, dataset) -> None:
    raw = raw_indicators
    assert (raw["actual"] == "").sum() >= 3
    assert (raw["actual"] == "不适用").sum() >= 1
    assert {"达成", "部分达成", "未达成"} <= set(raw.loc[raw["comparator"] == "定性", "actual"])
    assert (raw["judged_score"] != "").sum() >= 2
    assert ((raw["comparator"] == "") & raw["target"].str.startswith("≥")).sum() >= 2
    assert raw["target"].str.contains(",").any() and raw["actual"].str.contains("%").any()
    assert raw["actual"].str.contains("[０-９]").any()
    assert ((raw["comparator"] == "=") & (raw["target"] == "0")).any()
    assert (raw["comparator"] == "≤").sum() >= 10
    evidence = raw.loc[raw["evidence"] != "", "evidence"]
    assert evidence.map(lambda e: re.fullmatch(r"ZJ-2020-\d{3}-\d{2}", e) is not None).all()
    sheet = score_indicators(dataset.indicators, ruleset="national").sheet
    assert sheet["over_achieved"].sum() >= 2
    assert sheet["missing_actual"].sum() >= 3
    assert (~sheet["applicable"]).sum() >= 1


# --- ex-ante assessments -----------------------------------------------------------------------

def test_exante_projects_ask_for_money_and_stay_out_of_the_county_figures(
        dataset, exante, summary: pd.DataFrame) -> None:
    assert len(exante) >= 8
    assert exante["project_id"].str.fullmatch(r"SQ-2021-\d{3}").all()
    assert (exante["year"] == 2021).all()
    assert exante["budget"].between(20, 800).all()
    assert (exante["received"] == 0).all() and (exante["spent"] == 0).all()
    assert set(exante["category"]) <= {"专项转移支付", "本级财力追加"}
    units = dataset.units.set_index("unit_id")["unit_name"]
    assert (exante["unit_id"].map(units) == exante["unit_name"]).all()
    assert not set(exante["project_id"]) & set(dataset.indicators["project_id"])
    assert not set(exante["project_id"]) & set(summary["project_id"])
    budgets = exante["budget"].tolist()  # two of them echo the seed's 2 assessments, 104 万元
    assert any(a + b == 104 for i, a in enumerate(budgets) for b in budgets[i + 1:])


def test_every_expert_scores_every_item_in_half_points(dataset, exante) -> None:
    scores = dataset.table("expert_scores")
    items = pd.DataFrame(load_ruleset("national").section("exante")["items"])
    points = scores["item_id"].map(items.set_index("item_id")["points"])
    assert set(scores["project_id"]) == set(exante["project_id"])
    assert scores["expert_id"].str.fullmatch(r"E\d{2}").all()
    assert (scores["score"] >= 0).all() and (scores["score"] <= points).all()
    assert (scores["score"] * 2 % 1 == 0).all()
    panels = {}
    for pid, panel in scores.groupby("project_id"):
        experts = panel.groupby("expert_id")["item_id"].agg(sorted)
        assert 5 <= len(experts) <= 7, pid
        assert all(scored == sorted(items["item_id"]) for scored in experts), pid
        panels[pid] = frozenset(experts.index)
    assert len(set(panels.values())) == len(panels)  # each project has its own panel
    said = scores["comment"] != ""
    assert 0.05 < said.mean() < 0.25  # a comment here and there, most cells empty


def test_exante_panels_reach_all_three_conclusions(assessed) -> None:
    conclusions = pd.Series([r.conclusion for r in assessed.values()]).value_counts()
    assert set(conclusions.index) == {SUPPORT, REVISE, REJECT}
    assert (conclusions >= 2).all()


def test_exactly_one_project_is_vetoed_on_financing_despite_a_passing_total(assessed) -> None:
    vetoed = [r for r in assessed.values() if r.vetoes]
    assert len(vetoed) == 1
    result = vetoed[0]
    checks = result.veto_checks.set_index("dimension")
    assert checks.loc["筹资合规性", "triggered"] and checks["triggered"].sum() == 1
    assert checks.loc["筹资合规性", "share"] < 0.6
    assert result.total >= 70 and result.conclusion_before_veto != REJECT
    assert result.conclusion == REJECT


def test_one_panel_disagrees_the_others_agree(assessed) -> None:
    weak = [pid for pid, r in assessed.items() if r.kendall.w < 0.5]
    assert len(weak) == 1 and not assessed[weak[0]].agreement_ok
    assert all(r.agreement_ok and r.kendall.w >= 0.5 and r.kendall.p_value < 0.05
               for pid, r in assessed.items() if pid != weak[0])


def test_one_panel_has_an_outlying_expert_whose_scores_are_trimmed(assessed) -> None:
    flagged = {pid: r.experts.loc[r.experts["flagged"], "expert_id"].tolist()
               for pid, r in assessed.items()}
    flagged = {pid: ids for pid, ids in flagged.items() if ids}
    assert len(flagged) == 1
    (pid, ids), = flagged.items()
    result = assessed[pid]
    assert len(ids) == 1 and result.n_experts == 7
    odd = result.audit[(result.audit["expert_id"] == ids[0]) & result.audit["outlier"]]
    assert len(odd) >= 3 and odd["dropped"].all()
    assert (odd["others_mean"] - odd["score"] > 1.5).all()  # far below the others


def test_panel_sizes_one_of_five_untrimmed_some_of_seven(assessed) -> None:
    sizes = pd.Series({pid: r.n_experts for pid, r in assessed.items()})
    assert sizes.between(5, 7).all()
    assert (sizes == 5).sum() == 1 and (sizes == 7).sum() >= 2
    for pid, result in assessed.items():
        trimmed = result.items["trimmed"] != ""
        assert trimmed.all() if sizes[pid] > 5 else not trimmed.any(), pid


# --- key projects (重点项目绩效评价) -------------------------------------------------------------

def _framework_leaves(nodes: list[dict]) -> list[dict]:
    return [leaf for node in nodes
            for leaf in (_framework_leaves(node["children"]) if "children" in node else [node])]


LEAVES = _framework_leaves(load_ruleset("national").section("keyproject")["framework"])


def test_key_projects_are_poverty_projects_of_the_kinds_the_issue_names(dataset,
                                                                        key_projects) -> None:
    assert len(key_projects) >= 6
    for kind in KEY_KINDS:
        assert key_projects["project_name"].str.contains(kind).any(), kind
    assert key_projects["is_poverty"].all() and (key_projects["year"] == 2020).all()
    for pid in key_projects["project_id"]:
        sheet = dataset.indicators[dataset.indicators["project_id"] == pid]
        assert POVERTY_LEVEL2 <= set(sheet["level2"]), pid


def test_one_key_project_received_more_than_its_budget_and_says_why(key_projects) -> None:
    over = key_projects[key_projects["received"] > key_projects["budget"]]
    assert len(over) == 1
    row = over.iloc[0]
    assert row["received"] - row["budget"] == pytest.approx(50, abs=1e-9)
    assert "追加" in row["note"] and "50" in row["note"]
    assert row["spent"] <= row["received"]


def test_every_judged_leaf_of_every_key_project_has_a_judgement(dataset, key_projects) -> None:
    judgements = dataset.table("judgements")
    assert set(judgements["project_id"]) == set(key_projects["project_id"])
    tiers = {t.tier: t for t in load_ruleset("national").qualitative_tiers}
    weights = {leaf["code"]: leaf["weight"] for leaf in LEAVES}
    for pid, own in judgements.groupby("project_id"):
        level2 = set(dataset.indicators.loc[dataset.indicators["project_id"] == pid, "level2"])
        expected = {leaf["code"] for leaf in LEAVES if leaf["source"] == "qualitative"
                    or (leaf["source"] == "sheet_or_qualitative" and leaf["level2"] not in level2)}
        assert set(own["indicator_id"]) == expected, pid
        assert {"A11", "A12", "A21", "A22", "A31", "A32", "B13", "B21", "B22"} <= expected
        number = pid.rsplit("-", 1)[1]
        for row in own.itertuples(index=False):
            tier, weight = tiers[row.tier], weights[row.indicator_id]
            assert tier.low * weight < row.score < tier.high * weight, (pid, row.indicator_id)
            assert row.evidence == f"PJ-2020-{number}-{row.indicator_id}"
            assert row.note != ""
    assert set(judgements["tier"]) == TIERS


def test_survey_sizes_one_too_small(dataset, key_projects) -> None:
    survey = dataset.table("survey")
    assert set(survey["project_id"]) == set(key_projects["project_id"])
    min_sample = load_ruleset("national").section("survey")["min_sample"]
    sizes = survey.groupby("project_id")["respondent_id"].nunique()
    small = sizes[sizes < min_sample]
    assert len(small) == 1 and small.iloc[0] == 35
    assert sizes.drop(small.index).between(60, 200).all()
    for pid, own in survey.groupby("project_id"):
        number = pid.rsplit("-", 1)[1]
        assert own["respondent_id"].str.fullmatch(rf"WJ-{number}-\d{{3}}").all(), pid
        questions = own["question"].unique()
        assert 4 <= len(questions) <= 6 and "总体满意度" in questions, pid
        assert len(own) == sizes[pid] * len(questions), pid  # everyone answered every question


def test_one_survey_has_the_planted_invalid_answers() -> None:
    raw = pd.read_csv(SAMPLE / "csv" / "survey.csv", dtype=str, keep_default_na=False,
                      encoding="utf-8-sig")
    invalid = raw[~raw["response"].isin(["1", "2", "3", "4", "5"])]
    assert invalid["project_id"].nunique() == 1
    assert sorted(invalid["response"]) == ["0", "3.5", "7", "7", "7", "满意"]
    # the workbook keeps numbers as numbers; only the text answer is text
    wb = load_workbook(SAMPLE / WORKBOOK, read_only=True)
    cells = [r[3] for r in wb["满意度调查"].iter_rows(min_row=2, values_only=True)]
    assert [c for c in cells if isinstance(c, str)] == ["满意"]
    assert 3.5 in cells and 7 in cells


def test_deviations_are_explained_for_key_projects_and_some_others(dataset,
                                                                   key_projects) -> None:
    sheet = score_indicators(dataset.indicators, ruleset="national").sheet
    explained = dataset.indicators.set_index(["project_id", "indicator_id"])["explanation"] != ""
    explained = explained.reindex(pd.MultiIndex.from_frame(sheet[["project_id", "indicator_id"]]))
    explained = explained.to_numpy()
    short = (sheet["applicable"] & ~sheet["missing_actual"]
             & (sheet["score"] < sheet["effective_weight"])).to_numpy()
    deviates = short | sheet["over_achieved"].to_numpy()
    key = sheet["project_id"].isin(key_projects["project_id"]).to_numpy()
    assert not (explained & ~deviates).any()  # only deviations are explained
    assert explained[deviates & key].all()  # a key project explains every deviation
    others = explained[deviates & ~key]
    assert 0.3 < others.mean() < 0.7  # the self-evaluation has missing explanations to list
    over = sheet["over_achieved"].to_numpy()
    assert explained[over].any() and not explained[over].all()


def test_every_ledger_project_can_be_self_evaluated(dataset) -> None:
    table = selfeval.evaluate_many(dataset, ruleset="national")
    assert len(table) == 77 and table["total"].notna().all()
    assert table["n_missing_explanations"].sum() > 0


def test_key_projects_evaluate_to_different_grades(evaluated) -> None:
    grades = pd.Series({pid: r.grade for pid, r in evaluated.items()}).value_counts()
    assert grades.get("优") == 1 and grades.get("中") == 1 and grades.get("良", 0) >= 2
    for pid, result in evaluated.items():
        assert 60 <= result.total <= 100, pid
        assert result.not_applicable == (), pid  # judgements and survey cover every indicator


def test_the_over_budget_funds_are_explained_so_no_warning(evaluated, key_projects) -> None:
    pid = key_projects.loc[key_projects["received"] > key_projects["budget"],
                           "project_id"].iloc[0]
    funds = evaluated[pid].sheet.set_index("code").loc["B11"]
    assert funds["value"] > 1 and funds["ratio"] == 1
    assert not any("未说明" in w for w in evaluated[pid].warnings)


def test_surveys_small_one_fails_min_sample_invalid_answers_counted(surveyed) -> None:
    small = [pid for pid, s in surveyed.items() if not s.meets_min_sample]
    assert len(small) == 1 and surveyed[small[0]].n_valid_respondents == 35
    invalid = {pid: s.n_invalid for pid, s in surveyed.items() if s.n_invalid}
    assert list(invalid.values()) == [6]
    (pid,) = invalid
    assert surveyed[pid].n_valid_answers == surveyed[pid].n_answers - 6
    rates = pd.Series({pid: s.rate for pid, s in surveyed.items()})
    assert rates.between(0.85, 0.97).sum() >= 4 and rates.between(0.6, 0.97).all()


def test_readme_documents_every_key_project(key_projects) -> None:
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for pid, name in zip(key_projects["project_id"], key_projects["project_name"], strict=True):
        assert pid in text and name in text, pid
    assert KEYPROJECT_STAGE in text


# --- department-wide evaluation (部门整体支出绩效评价) -----------------------------------------------

def test_units_carry_the_department_wide_figures(dataset) -> None:
    """Budgets still total 117231 万元; every figure filled except the planned blanks (every 13th
    unit has no procurement budget, every 17th no survey); amounts consistent."""
    u = dataset.units
    assert u["budget"].sum() == pytest.approx(117231, abs=1e-6)
    always = ["staff", "authorized_staff", "spent", "adjustment", "carryover", "spent_last",
              "carryover_last", "sangong", "sangong_last", "assets", "assets_in_use"]
    assert u[always].notna().all().all() and (u["goal"] != "").all()
    position = pd.Series(range(1, len(u) + 1), index=u.index)
    assert (u["procurement_budget"].isna() == (position % 13 == 0)).all()
    assert (u["satisfaction"].isna() == (position % 17 == 0)).all()
    assert (u["spent"] <= u["budget"]).all() and (u["assets_in_use"] <= u["assets"]).all()
    assert (u["procurement_spent"].fillna(0) <= u["procurement_budget"].fillna(0)).all()
    assert 5 <= (u["staff"] > u["authorized_staff"]).sum() <= 25  # some over establishment
    assert 10 <= (u["sangong"] > u["sangong_last"]).sum() <= 50


def test_every_unit_has_key_tasks_and_one_judgement_per_judged_indicator(dataset) -> None:
    tasks, judged = dataset.table("unit_tasks"), dataset.table("unit_judgements")
    per_unit = tasks.groupby("unit_id").size().reindex(dataset.units["unit_id"])
    assert per_unit.between(2, 4).all()
    items = [i["id"] for i in load_ruleset("national").section("unitwide")["indicators"]
             if i["measure"] == "judged"]
    assert len(judged) == 69 * len(items)
    assert (judged.groupby("unit_id")["item_id"].agg(list) == pd.Series(
        [items] * 69, index=dataset.units["unit_id"])).all()
    rank = {"达成": 0, "部分达成": 1, "未达成": 2}
    own, theirs = judged["self_tier"].map(rank), judged["tier"].map(rank)
    assert (own <= theirs).all() and (own < theirs).any()  # units are lenient with themselves
# --- target review rounds (绩效目标审核, "三下三上") ----------------------------------------------------

def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "csv" / f"{name}.csv", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")


def test_every_sheet_comes_in_three_rounds_the_last_one_the_indicators_table() -> None:
    rounds, indicators = _raw("indicator_rounds"), _raw("indicators")
    assert all(sorted(set(r)) == ["1", "2", "3"] for _, r in rounds.groupby("project_id")["round"])
    assert set(rounds["project_id"]) == set(indicators["project_id"])
    cells = ["project_id", "indicator_id", "level1", "level2", "name", "comparator", "target",
             "unit", "weight"]
    last = rounds[rounds["round"] == "3"][cells].reset_index(drop=True)
    pd.testing.assert_frame_equal(last, indicators[cells].reset_index(drop=True))


def test_earlier_rounds_differ_from_the_approved_sheet_and_last_year_is_below_the_target() -> None:
    rounds = _raw("indicator_rounds")
    cells = ["indicator_id", "name", "comparator", "target", "unit", "weight"]
    changed = {r: 0 for r in ("1", "2")}
    for _, sheet in rounds.groupby("project_id"):
        final = sheet[sheet["round"] == "3"][cells].reset_index(drop=True)
        for r in changed:
            earlier = sheet[sheet["round"] == r][cells].reset_index(drop=True)
            changed[r] += not earlier.equals(final)
    assert changed["1"] == 77 and 0 < changed["2"] < 77  # round 1 always has a problem
    with_last = rounds[(rounds["round"] == "3") & (rounds["last_year"] != "")]
    assert len(with_last) == 46
    for target, comparator, last in zip(with_last["target"], with_last["comparator"],
                                        with_last["last_year"], strict=True):
        value = float(re.sub(r"[^0-9.]", "", target.translate(str.maketrans("０１２３４５６７８９．", "0123456789."))))
        assert (value > float(last)) if comparator in ("≥", "") else (value < float(last))


def test_readme_documents_the_review_rounds() -> None:
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for figure in ("indicator_rounds", "1619 rows", "180 comments", "119 are resolved",
                   "61 still open", "16 new", "71 are resolved", "REVIEW_SEED"):
        assert figure in text, figure
# --- the monitoring checkpoint (绩效运行监控) --------------------------------------------------

def test_monitoring_checkpoint_is_end_of_july_for_the_77(dataset) -> None:
    forms = dataset.tables["monitoring"]
    assert len(forms) == 77 and set(forms["month"]) == {7}
    assert len(dataset.tables["monitoring_indicators"]) == len(dataset.indicators)


def test_monitoring_average_review_score_is_the_seeds_95_05(dataset) -> None:
    from evalkit.stages import monitoring

    scores = monitoring.evaluate_many(dataset)["review_score"]
    assert abs(scores.mean() - 95.05) < 1e-5 and f"{scores.mean():.2f}" == "95.05"


def test_monitoring_expected_rates_are_the_seeds_92_53_and_93_34(dataset) -> None:
    """The forms' expected full-year spending and values are the year-end ones, so the
    county's expected rates are the ledger's 92.53 % and 93.34 %."""
    forms = dataset.tables["monitoring"].set_index("project_id")
    projects = dataset.projects[dataset.projects["project_id"].isin(forms.index)].copy()
    assert (projects["spent"].to_numpy() == forms["expected_spent"].reindex(
        projects["project_id"]).to_numpy()).all()
    rows = dataset.tables["monitoring_indicators"].set_index(["project_id", "indicator_id"])
    raw = pd.read_csv(SAMPLE / "csv" / "indicators.csv", encoding="utf-8-sig", dtype=str,
                      keep_default_na=False).set_index(["project_id", "indicator_id"])
    expected = rows["expected"].reindex(raw.index)
    assert (expected.to_numpy() == raw["actual"].map(normalize_text).to_numpy()).all()
    figures = county_figures(summarize_projects(projects, dataset.indicators))
    assert figures["execution_rate"] == pytest.approx(0.9253, abs=5e-6)
    assert figures["completion_rate"] == pytest.approx(0.9334, abs=5e-6)


# --- the units' monitoring checkpoint (部门整体支出监控) ------------------------------------------

def test_unit_monitoring_checkpoint_is_end_of_july_for_the_69(dataset) -> None:
    """One form per unit at month 7, one row per key task; spending so far at most the year's,
    the expected full-year figures the year results; the unit budgets still 117231 万元."""
    forms = dataset.tables["unit_monitoring"].set_index("unit_id")
    units = dataset.units.set_index("unit_id")
    assert list(forms.index) == list(units.index) and set(forms["month"]) == {7}
    assert (forms["expected_spent"] == units["spent"]).all()
    assert (forms["spent_ytd"] <= units["spent"]).all()
    assert units["budget"].sum() == pytest.approx(117231, abs=1e-6)
    rows = dataset.tables["unit_task_monitoring"].set_index(["unit_id", "task_id"])
    tasks = dataset.tables["unit_tasks"].set_index(["unit_id", "task_id"])
    assert sorted(rows.index) == sorted(tasks.index)
    assert (rows["expected"].reindex(tasks.index) == tasks["actual"]).all()


def test_readme_documents_the_unit_monitoring() -> None:
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for figure in ("unit_monitoring.csv", "unit_task_monitoring.csv", "UNIT_MONITORING_SEED",
                   "红 15, 黄 20, 蓝 13, 绿 21", "红 5, 黄 13, 绿 51", "96.64"):
        assert figure in text, figure


def test_county_year_tables_are_calibrated_to_the_seed(dataset, ledger) -> None:
    """Issue 15: the seed's other figures (DOMAIN.md §1), from the county-year tables."""
    poverty = dataset.table(POVERTY_PROJECTS.name)
    assert len(poverty) == 51 and poverty["budget"].sum() == pytest.approx(21629, abs=1e-6)
    linked = poverty["project_id"].fillna("") != ""
    assert set(poverty.loc[linked, "project_id"]) == set(ledger.loc[ledger["is_poverty"], "project_id"])
    sheets = dataset.table(POVERTY_INDICATORS.name)
    counts = sheets.groupby("poverty_id").size()
    assert counts.min() == 7 and set(counts.index) == set(poverty["poverty_id"])
    assert all(POVERTY_LEVEL2 <= set(g) for _, g in sheets.groupby("poverty_id")["level2"])
    prior = dataset.table(PRIOR_EVALUATIONS.name)
    by_kind = prior.groupby("kind")["amount"].agg(["size", "sum"])
    assert by_kind.loc["部门整体"].tolist() == pytest.approx([69, 101002])
    assert by_kind.loc["项目"].tolist() == pytest.approx([169, 50421])
    funds = dataset.table(DIRECT_FUNDS.name)
    assert funds["amount"].sum() == pytest.approx(28784.55, abs=1e-9)
    assert funds.loc[funds["bond"], "amount"].sum() == pytest.approx(10000, abs=1e-9)
    projects = dataset.projects
    assessed = projects[(projects["stage"] == EXANTE_STAGE) & (projects["assessed_year"] == 2020)]
    assert len(assessed) == 2 and assessed["budget"].sum() == pytest.approx(104)
    assert (projects["stage"] == EXANTE_STAGE).sum() == 10
