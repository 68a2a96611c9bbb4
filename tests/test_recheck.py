"""Self-evaluation re-check (自评复核, issue 11 items 5 and 6): each kind of discrepancy, the
sample's departmental forms, and the published forms of tests/forms (SOURCES.md)."""

import math
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.errors import DatasetError, EvalkitWarning
from evalkit.forms import read_forms
from evalkit.io import Dataset, load_dataset
from evalkit.rules import derive_ruleset
from evalkit.stages import recheck, recheck_prose
from evalkit.stages.recheck import KINDS, assess, round_half_up

FORMS = Path(__file__).parent / "forms"


def _sheet(weights=(50, 30, 10), actuals=(520, 85, 95), comparators=("≥", "≥", "≥"),
           targets=(500, 80, 90), explanation=""):
    return pd.DataFrame({
        "project_id": "P1", "indicator_id": ["I01", "I02", "I03"],
        "level1": ["产出指标", "效益指标", "满意度指标"],
        "level2": ["数量指标", "社会效益指标", "服务对象满意度指标"], "name": ["培训人次", "就业率", "满意度"],
        "comparator": list(comparators), "target": list(targets), "unit": ["人次", "%", "%"],
        "weight": list(weights), "actual": list(actuals), "explanation": explanation})


def _scores(rows, execution=10.0, total=None, printed=None, points=(50, 30, 10)):
    ids = ["I01", "I02", "I03"]
    data = [{"row_id": i, "item": i, "points": p, "score": s, "cell": f"H{12 + k}"}
            for k, (i, p, s) in enumerate(zip(ids, points, rows, strict=True))]
    data.append({"row_id": "预算执行率", "item": "预算执行率", "points": 10, "score": execution,
                 "cell": "I7"})
    data.append({"row_id": "总分", "item": "总分", "points": 100,
                 "score": sum(rows) + execution if total is None else total, "cell": "H15"})
    for name, p in (printed or {}).items():
        data.append({"row_id": f"一级:{name}", "item": name, "points": p, "score": math.nan,
                     "cell": "B12"})
    return pd.DataFrame(data).assign(project_id="P1")


PROJECT = {"project_id": "P1", "budget": 100.0, "spent": 100.0}


def _kinds(result):
    return result.discrepancies[["row_id", "kind"]].values.tolist()


def test_a_correct_form_has_no_discrepancy():
    result = assess(PROJECT, _sheet(), _scores([50, 30, 10]))
    assert result.discrepancies.empty and result.conclusion == "自评无误"
    assert result.total == result.self_total == 100


def test_points_deducted_with_the_target_met_and_no_explanation():
    result = assess(PROJECT, _sheet(), _scores([50, 23, 10]))
    assert _kinds(result) == [["I02", KINDS["unexplained_deduction"]], ["总分", KINDS["total"]]]
    assert "扣 7 分" in result.discrepancies["evidence"].iat[0]


def test_with_an_explanation_the_deduction_is_a_score_difference():
    result = assess(PROJECT, _sheet(explanation="部分区域未覆盖"), _scores([50, 23, 10]))
    assert _kinds(result)[0] == ["I02", KINDS["score"]]


def test_a_score_above_the_rows_points():
    assert _kinds(assess(PROJECT, _sheet(), _scores([52, 30, 10]))) == [
        ["I01", KINDS["above_points"]], ["总分", KINDS["total"]]]


def test_a_total_that_is_not_the_sum_of_its_rows():
    assert _kinds(assess(PROJECT, _sheet(), _scores([50, 30, 10], total=95))) == [
        ["总分", KINDS["sum"]], ["总分", KINDS["total"]]]


def test_printed_level1_points_adding_to_110():
    result = assess(PROJECT, _sheet(), _scores([50, 30, 10], printed={"产出指标": 60, "效益指标": 30,
                                                                     "满意度指标": 10}))
    assert _kinds(result) == [["一级:产出指标", KINDS["weights"]], ["总分", KINDS["weights"]]]
    assert "110 分" in result.discrepancies["evidence"].iat[1]


def test_level1_points_other_than_the_rule_sets():
    result = assess(PROJECT, _sheet(weights=(40, 30, 20)), _scores([40, 30, 20],
                                                                  points=(40, 30, 20)))
    assert {r[0] for r in _kinds(result)} == {"一级:产出指标", "一级:满意度指标"}
    rules = derive_ruleset("national", {"selfeval.level1_weights": {
        "产出指标": 40, "效益指标": 30, "满意度指标": 20, "预算执行率": 10}})
    assert assess(PROJECT, _sheet(weights=(40, 30, 20)), _scores([40, 30, 20], points=(40, 30, 20)),
                  ruleset=rules).discrepancies.empty


def test_rows_rounded_to_whole_points():
    # 487 of 500 at 50 points = 48.7 → typed 49
    result = assess(PROJECT, _sheet(actuals=(487, 85, 95)), _scores([49, 30, 10]))
    assert _kinds(result)[0] == ["I01", KINDS["rounding"]]
    whole = derive_ruleset("national", {"recheck.row_rounding": "whole"})
    assert assess(PROJECT, _sheet(actuals=(487, 85, 95)), _scores([49, 30, 10]),
                  ruleset=whole).discrepancies.empty


def test_a_different_convention_is_named():
    # ≤ 90 with 108 at 30 points: convention A 90/108 × 30 = 25, convention B (1 − 0.2) × 30 = 24
    sheet = _sheet(comparators=("≥", "≤", "≥"), targets=(500, 90, 90), actuals=(520, 108, 95),
                   explanation="成本上涨")
    result = assess(PROJECT, sheet, _scores([50, 24.0, 10]))
    assert _kinds(result)[0] == ["I02", KINDS["convention"]]
    assert "反向指标按方法B计分" in result.discrepancies["evidence"].iat[0]


@pytest.mark.parametrize(("basis", "found"), [("annual", []), ("initial", ["预算执行率"])])
def test_the_execution_rows_budget_basis(basis, found):
    project = {**PROJECT, "budget": 90.0, "budget_annual": 100.0, "spent": 85.0}
    rules = derive_ruleset("national", {"selfeval.budget_basis": basis})
    result = assess(project, _sheet(), _scores([50, 30, 10], execution=8.5), ruleset=rules)
    assert [r for r, _ in _kinds(result) if r != "总分"] == found


def test_an_equality_target_scored_in_proportion_is_a_named_convention():
    sheet = _sheet(comparators=("=", "≥", "≥"), targets=(500, 80, 90), actuals=(450, 85, 95),
                   explanation="部分未完成")
    result = assess(PROJECT, sheet, _scores([45, 30, 10]))
    assert _kinds(result)[0] == ["I01", KINDS["convention"]]
    proportional = derive_ruleset("national", {"scoring.equality_unmet": "proportional"})
    assert assess(PROJECT, sheet, _scores([45, 30, 10]), ruleset=proportional).discrepancies.empty


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.5, 2.0), min_size=3, max_size=3),
       st.sampled_from(["national", "provincial"]))
def test_a_form_scored_as_evalkit_scores_it_has_no_discrepancy(shares, ruleset):
    sheet = _sheet(actuals=tuple(t * s for t, s in zip((500, 80, 90), shares, strict=True)),
                   explanation="说明")
    blank = _scores([0, 0, 0]).iloc[0:0]
    evalkit = assess(PROJECT, sheet, blank, ruleset=ruleset).rows["score"].round(2).tolist()
    result = assess(PROJECT, sheet, _scores(evalkit[:3], execution=evalkit[3]), ruleset=ruleset)
    assert result.discrepancies.empty


def test_round_half_up_is_not_half_to_even():
    assert round_half_up(pd.Series([0.5, 1.5, 2.5]).to_numpy(), 0).tolist() == [1.0, 2.0, 3.0]


def test_prose_names_each_discrepancy_and_asks_for_corrections():
    result = assess(PROJECT, _sheet(), _scores([50, 23, 10], total=95))
    assert "复核发现差异 3 处" in recheck_prose.conclusion(result)
    lines = recheck_prose.findings(result)
    assert len(lines) == 3 and "单元格 H13" in lines[0]
    assert "补充偏差原因分析" in recheck_prose.opinion(result)


# --- the sample: departments' forms with typical mistakes (data/sample/forms) ---------------

#: data/sample/generate.py FORM_MISTAKES, one project each (ledger order of the first that can
#: carry it): what the re-check must find on each.
SAMPLE = {
    "XM-2020-001": [],
    "XM-2020-004": [KINDS["unexplained_deduction"], KINDS["total"]],
    "XM-2020-005": [KINDS["above_points"], KINDS["total"]],
    "XM-2020-006": [KINDS["sum"], KINDS["total"]],
    "XM-2020-007": [KINDS["weights"], KINDS["weights"]],
    "XM-2020-008": [KINDS["rounding"], KINDS["rounding"], KINDS["total"]],
    "XM-2020-009": [],
    "XM-2020-010": [KINDS["convention"], KINDS["total"]],
}


def test_the_sample_carries_the_imported_self_scores_and_each_mistake_is_found():
    data = load_dataset("sample")
    assert recheck.checked_projects(data) == list(SAMPLE)
    table = recheck.evaluate_many(data)
    for pid, kinds in SAMPLE.items():
        assert recheck.evaluate(data, pid).discrepancies["kind"].tolist() == kinds, pid
    assert table.set_index("project_id")["n_discrepancies"].to_dict() == {
        pid: len(k) for pid, k in SAMPLE.items()}


def test_the_sample_forms_import_to_the_samples_self_scores():
    sample = Path(__file__).parents[1] / "data" / "sample"
    imported = read_forms(sorted((sample / "forms").glob("*.xlsx")))
    scores = imported.tables["self_scores"]
    stored = load_dataset("sample").tables["self_scores"]
    assert sorted(scores["project_id"].unique()) == sorted(SAMPLE)
    assert scores["score"].sum() == pytest.approx(stored["score"].sum())
    assert len(imported.forms) == 8 and imported.forms["sheet"].nunique() == 2


# --- published forms (tests/forms/SOURCES.md) ---------------------------------------------------

#: fixture → {row: expected kinds}; a row absent from its map is reproduced (no discrepancy).
PUBLISHED = {
    # funds: the total row typed 0/0/0 and 得分 0 while 其中 rows give 90 / 89.974 / 89.974
    "anhui_chizhou_2022_weituo": {"预算执行率": [KINDS["unexplained_deduction"]]},
    # every target met and points deducted with no explanation (issue 11, "What departments get
    # wrong"); the execution row 10.00 reproduced
    "yunnan_lijiang_2020_weipian": {name: [KINDS["unexplained_deduction"]] for name in
                                    ("卫片执法补助经费", "项目验收合格率", "项目完成及时率", "违法行为责停率")},
    # published with 完成值 and 得分 blank
    "sichuan_qingshen_2023_gongzi": {name: [KINDS["missing_score"]] for name in
                                     ("发放(缴纳)覆盖率", "足额保障率(参保率)", "预算执行率")},
    # every row reproduced; the form's fault is in its points (test below): 70/20/10 + 10 = 110
    "sichuan_zhongjiang_2022_biaochi": {},
    # 37.24 / 43.2 = 86.2 % of 10 points is 8.62; the department typed 9 (whole points), on the
    # execution row and on the 工程资金金额 row; 成本控制率 100 has no comparator and is a 成本 row
    "hebei_langfang_2019_nuantong": {"指标1工程资金金额": [KINDS["rounding"]],
                                     "预算执行率": [KINDS["rounding"]],
                                     "指标1成本控制率": [KINDS["confirm"]]},
    # 资金到位及时率 met (100 % of ≧ 100) and scored 7 with no explanation; 政策知晓率 ═ 100 at
    # 98 % scored 9, which neither "=" rule gives (all-or-nothing 0, proportional 9.8 → 10)
    "yunnan_yongde_2022_yingyang": {"资金到位及时率": [KINDS["unexplained_deduction"]],
                                    "政策知晓率": [KINDS["score"]]},
    # 2-point rows scored in proportion (actual / target × 2): one-decimal 1.9 (1.946), 1.4
    # (1.428) and whole-point 1 (1.15) are the rounding conventions; 1.8 for 1.897, 1.9 for
    # 1.694 … follow none of them (1.8 for 1.897 would be truncation, no rule-set option)
    "shanxi_jishan_2021_gongwei": {
        **{f"指标{n}:{name}": [KINDS["rounding"]] for n, name in (
            (8, "适龄儿童疫苗接种率"), (14, "早孕建册数"), (15, "老年人体检数"), (22, "老年人中医药规范管理数"))},
        **{f"指标{n}:{name}": [KINDS["score"]] for n, name in (
            (12, "孕产妇7天访视数"), (13, "孕产妇42天访视数"), (16, "高血压规范管理数"),
            (17, "高血压随访控制数"), (18, "糖尿病规范管理数"), (19, "糖尿病随访控制数"),
            (20, "严重精神障碍患者管理数"), (23, "0-36月龄中医药规范管理数"), (25, "家庭医生签约率"))}},
    # as form 1: the total row typed 0/0/0 with 得分 0, the 其中 row 202.64 / 132.912 / 132.912
    # (executed in full against the 全年预算数); every indicator row reproduced
    "anhui_chizhou_2022_cunji": {"预算执行率": [KINDS["unexplained_deduction"]]},
    # 8676 of 8755 (99.1 %) of 15 points is 14.86, typed 13 (with its explanation), and 65.07 /
    # 65.66 of 10 points is 9.91, typed 9: no rounding convention gives either (9 would be
    # truncation); two rows met (95 % of 95 %) and scored 27 / 30 and 9 / 10 without explanation
    "shanxi_jishan_2020_jiandang": {
        "指标1:全县参合人数": [KINDS["score"]], "预算执行率": [KINDS["score"]],
        "指标1:是否解决建档立卡人员看病难贵问题": [KINDS["unexplained_deduction"]],
        "指标1:是否满意": [KINDS["unexplained_deduction"]]},
}
#: rows of each fixture (indicators, then 预算执行率); 廊坊's empty 指标2 / …… rows are skipped.
PUBLISHED_ROWS = {"anhui_chizhou_2022_weituo": 10, "yunnan_lijiang_2020_weipian": 5,
                  "sichuan_qingshen_2023_gongzi": 3, "sichuan_zhongjiang_2022_biaochi": 10,
                  "hebei_langfang_2019_nuantong": 10, "yunnan_yongde_2022_yingyang": 10,
                  "shanxi_jishan_2021_gongwei": 20, "anhui_chizhou_2022_cunji": 9,
                  "shanxi_jishan_2020_jiandang": 7}


@pytest.fixture(scope="module")
def published():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        got = read_forms([FORMS / f"{name}.xlsx" for name in PUBLISHED])
    data = Dataset(got.tables, "tests/forms", {})
    stems = {row.project_id: Path(row.file).stem for row in got.forms.itertuples()}
    return {stems[pid]: recheck.evaluate(data, pid) for pid in stems}, got


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_published_rows_are_reproduced_or_flagged_with_the_right_kind(published, name):
    result = published[0][name]
    assert len(result.rows) == PUBLISHED_ROWS[name]
    for row in result.rows.itertuples(index=False):
        expected = PUBLISHED[name].get(row.item, [])
        assert (row.kinds.split("；") if row.kinds else []) == expected, row.item
        if not expected:
            assert row.self_score == pytest.approx(row.score, abs=0.005), row.item


def test_published_funds_and_header_blocks_are_read(published):
    results, got = published
    projects = got.tables["projects"].set_index("project_id")
    qingshen = projects.loc["51000021R000000019951"]
    assert (qingshen["budget"], qingshen["budget_adjusted"], qingshen["spent"]) == (
        238.93, 251.89, 251.89)
    assert qingshen["unit_name"] == "青神县发展和改革局本级" and qingshen["year"] == 2023
    lijiang = results["yunnan_lijiang_2020_weipian"]
    assert lijiang.rows.set_index("item").loc["预算执行率", "score"] == 10.0
    chizhou = got.tables["indicators"][got.tables["indicators"]["name"] == "经费支出合规性"]
    assert chizhou[["comparator", "actual"]].values.tolist() == [["定性", "达成"]]
    assert any("按“其中”各行合计" in w.found for w in got.warnings)


def test_published_points_adding_to_110_are_flagged(published):
    """中江县水利局 2022: 产出 70 + 效益 20 + 满意度 10 + 执行率 10 = 110 printed, 总分 typed 100,
    while the form's own note sets 50/30/10/10."""
    result = published[0]["sichuan_zhongjiang_2022_biaochi"]
    found = result.discrepancies.groupby("kind")["item"].apply(sorted).to_dict()
    assert found == {KINDS["weights"]: ["产出指标", "总分", "总分", "效益指标"],
                     KINDS["sum"]: ["总分"], KINDS["total"]: ["总分"]}
    assert (result.self_total, result.total) == (100.0, 110.0)
    assert result.discrepancies.set_index("kind").loc[KINDS["sum"], "cell"] == "H22"


def test_published_amounts_in_yuan_and_level1_points_from_the_rows(published):
    """永德县明朗中学 2022 (公开14表): 项目资金（元） 387664.62 → 38.766462 万元 with a warning at
    the label; no printed level-1 points, so the rows' 40 / 30 / 20 are checked."""
    results, got = published
    result = results["yunnan_yongde_2022_yingyang"]
    projects = got.tables["projects"].set_index("project_name")
    row = projects.loc["义务教育营养改善计划专项资金"]
    assert (row["budget_annual"], row["spent"]) == (pytest.approx(38.766462), pytest.approx(38.766462))
    assert any(w.cell == "A5" and "元 ÷ 10000" in w.found for w in got.warnings)
    weights = result.discrepancies[result.discrepancies["kind"] == KINDS["weights"]]
    assert sorted(weights["item"]) == ["产出指标", "满意度指标"]
    assert (result.self_total, result.total) == (96.0, 90.0)


def test_a_partial_published_excerpt_is_flagged_as_partial(published):
    """稷山县 2021: the excerpt holds 19 of the form's rows (38 of its 90 indicator points) and
    no 总分, which the re-check says instead of inventing a total."""
    result = published[0]["shanxi_jishan_2021_gongwei"]
    totals = result.discrepancies[result.discrepancies["item"] == "总分"]
    assert totals["kind"].tolist() == [KINDS["weights"], KINDS["missing_score"]]
    assert "合计 48 分" in totals["evidence"].iloc[0]


def test_published_total_that_is_not_the_sum_of_its_scores_is_flagged(published):
    """稷山县医疗保障局 2020: 13 + 15 + 10 + 10 + 27 + 9 + 执行率 9 = 93, 总分 typed 94."""
    result = published[0]["shanxi_jishan_2020_jiandang"]
    totals = result.discrepancies[result.discrepancies["item"] == "总分"]
    assert totals["kind"].tolist() == [KINDS["sum"], KINDS["total"]]
    assert set(totals["cell"]) == {"H19"} and result.self_total == 94.0
    assert result.total == pytest.approx(15 * 8676 / 8755 + 15 + 10 + 10 + 30 + 10
                                         + 10 * 65.07 / 65.66)


def test_published_form_with_a_blank_department_is_refused_at_its_cell():
    """天长市水利局 2022 is published with 主管部门 blank (实施单位 filled): an error at the
    label, not 实施单位 read as the department."""
    with pytest.raises(DatasetError) as err:
        read_forms([FORMS / "anhui_tianchang_2022_fangyu.xlsx"])
    assert [p.cell for p in err.value.problems] == ["A4"]
    assert "主管部门" in str(err.value) and "anhui_tianchang_2022_fangyu.xlsx" in str(err.value)


# --- the report: 复核意见 in Word and Excel, and the portfolio of departments ------------------

def test_the_recheck_report_writes_the_opinion_in_word_and_excel(tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    from evalkit.batch import run_report

    made = run_report("self_evaluation_recheck", subject_id="XM-2020-004", out_dir=tmp_path,
                      formats=["docx", "xlsx"])
    assert made.summary["n_discrepancies"] == 2 and made.summary["conclusion"] == "自评需修正"
    assert made.summary["kinds"] == {KINDS["unexplained_deduction"]: 1, KINDS["total"]: 1}
    text = "\n".join(p.text for p in Document(made.files["docx"]).paragraphs)
    assert "复核发现差异 2 处" in text and "补充偏差原因分析及改进措施" in text
    cells = {str(c.value) for ws in load_workbook(made.files["xlsx"]).worksheets
             for row in ws.iter_rows() for c in row if c.value is not None}
    assert KINDS["unexplained_deduction"] in cells


def test_the_portfolio_lists_departments_and_their_discrepancies(tmp_path):
    from openpyxl import load_workbook

    from evalkit.batch import run_batch

    run_batch("self_evaluation_recheck", dataset="sample", subjects=["XM-2020-001", "XM-2020-006"],
              out_dir=tmp_path, formats=["xlsx"], workers=1, progress=False)
    ws = load_workbook(tmp_path / "summary.xlsx").worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = rows[0]
    assert "预算单位（主管部门）" in header and "自评差异（处）" in header
    found = {r[0]: r[header.index("自评差异（处）")] for r in rows[1:]}
    assert found == {"XM-2020-001": 0, "XM-2020-006": 2}


def test_the_forms_own_data_rechecks_as_the_samples_tables(tmp_path):
    """import-forms of data/sample/forms → a dataset whose re-check equals the sample's: the
    forms carry the sample's targets, actuals and points as a department types them."""
    from evalkit.cli import main

    forms = sorted((Path(__file__).parents[1] / "data" / "sample" / "forms").glob("*.xlsx"))
    assert main(["import-forms", *map(str, forms), "-o", str(tmp_path / "forms.xlsx")]) == 0
    imported = recheck.evaluate_many(load_dataset(tmp_path / "forms.xlsx")).set_index("project_id")
    sample = recheck.evaluate_many(load_dataset("sample")).set_index("project_id")
    pd.testing.assert_series_equal(imported["total"].sort_index(), sample["total"].sort_index())
    pd.testing.assert_series_equal(imported["n_discrepancies"].sort_index(),
                                   sample["n_discrepancies"].sort_index())
