"""The county's year (issue 15): the annual summary recomputes every figure of the seed, result
application at every band and the two-years-of-差 rule, the direct-funds ledger's flags and the
validation of the new tables, the disclosure workbook."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from evalkit.batch.runner import run_report
from evalkit.errors import DatasetError, RuleSetError
from evalkit.io import read_dataset, write_excel
from evalkit.rules import derive_ruleset, load_ruleset
from evalkit.stages import annual_summary, direct_funds, disclosure, result_application
from evalkit.stages.result_application import apply_rules

SAMPLE_CSV = Path(__file__).resolve().parents[1] / "data" / "sample" / "csv"


@pytest.fixture(scope="module")
def sample():
    return read_dataset(SAMPLE_CSV)


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_CSV / f"{name}.csv", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")


def _copy_with(tmp_path: Path, name: str, frame: pd.DataFrame) -> Path:
    """The sample's CSV folder with one table replaced."""
    folder = tmp_path / "csv"
    shutil.copytree(SAMPLE_CSV, folder)
    frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")
    return folder


# --- the annual summary ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[str, dict]:
    out = run_report("annual_summary", dataset="sample", subject_id="2020",
                     out_dir=tmp_path_factory.mktemp("annual"), formats=["html"])
    page = Path(out.files["html"]).read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    text = html.unescape(re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", page)))
    return text, out.summary


def test_the_rendered_summary_states_every_seed_figure(rendered):
    text, _ = rendered
    # the seed's sentences, with the figures as the sample computes them (DOMAIN.md §1)
    for phrase in ("69个一级预算单位", "共计117231万元财政支出全覆盖", "新增项目事前绩效评估2个",
                   "涉及资金104万元", "共计完成77个项目绩效目标", "本级财力追加项目31个",
                   "专项转移支付项目46个", "涉及资金72230万元", "预算执行率92.53%",
                   "绩效目标总体完成率93.34%", "相差0.81个百分点", "平均分95.05分",
                   "扶贫绩效管理目标项目共51项", "资金总额为21629万元", "不少于7条",
                   "直达资金28784.55万元", "特别国债资金10000万元",
                   "2019年69家一级预算单位", "涉及金额101002万元", "169个县级项目",
                   "涉及金额50421万元", "一、总体开展情况", "二、具体工作措施", "三、下一步工作计划"):
        assert phrase in text, phrase


def test_the_figures_come_from_the_data(rendered, sample):
    _, summary = rendered
    units, projects = _raw("units"), _raw("projects")
    ledger = projects[projects["stage"] != "事前评估"]
    assert summary["n_units"] == len(units)
    assert summary["units_budget"] == pytest.approx(units["budget"].astype(float).sum())
    assert summary["projects_budget"] == pytest.approx(ledger["budget"].astype(float).sum())
    assert summary["execution_rate"] == pytest.approx(
        ledger["spent"].astype(float).sum() / ledger["budget"].astype(float).sum())
    funds = _raw("direct_funds")
    assert summary["direct_bond"] == pytest.approx(
        funds.loc[funds["bond"] == "是", "amount"].astype(float).sum())
    prior = _raw("prior_evaluations")
    assert summary["prior_projects_amount"] == pytest.approx(
        prior.loc[prior["kind"] == "项目", "amount"].astype(float).sum())
    # the same numbers as the stage computes them, unrounded
    facts = annual_summary.evaluate(sample, "2020").facts
    assert summary["completion_rate"] == pytest.approx(facts["completion_rate"].value, abs=1e-15)


def test_a_changed_table_changes_the_figures(tmp_path):
    poverty = _raw("poverty_projects")
    dropped = poverty.iloc[1:]
    folder = _copy_with(tmp_path, "poverty_projects", dropped)
    sheets = _raw("poverty_indicators")
    sheets[sheets["poverty_id"] != poverty["poverty_id"].iat[0]].to_csv(
        folder / "poverty_indicators.csv", index=False, encoding="utf-8-sig")
    facts = annual_summary.evaluate(read_dataset(folder), "2020").facts
    assert facts["n_poverty"].value == len(poverty) - 1
    assert facts["poverty_budget"].value == pytest.approx(dropped["budget"].astype(float).sum())


def test_every_fact_has_a_note_and_the_coverage_table_lists_each_stage(sample):
    result = annual_summary.evaluate(sample, "2020")
    assert all(f.note for f in result.facts.values())
    coverage = annual_summary.coverage(result)
    assert coverage.set_index("stage").loc["事前绩效评估", "amount"] == pytest.approx(104)
    assert len(coverage) == 9


def test_a_dataset_without_the_optional_tables_still_summarises(tmp_path):
    folder = tmp_path / "csv"
    shutil.copytree(SAMPLE_CSV, folder)
    for name in ("poverty_projects", "poverty_indicators", "prior_evaluations", "direct_funds"):
        (folder / f"{name}.csv").unlink()
    result = annual_summary.evaluate(read_dataset(folder), "2020")
    assert not result.has("direct_amount") and result.comparison is None
    assert result.facts["n_projects"].value == 77


def test_an_unknown_year_is_refused(sample):
    with pytest.raises(Exception, match="年度 '2031'"):
        annual_summary.evaluate(sample, "2031")


# --- result application ------------------------------------------------------------------------

@pytest.mark.parametrize("rules", ["national", "provincial"])
def test_each_band_gets_its_rule_set_action(rules):
    rs = load_ruleset(rules)
    table = rs.section("result_application")["actions"]
    grades = pd.DataFrame({"project_id": [f"P{i}" for i in range(4)], "budget": 200.0,
                           "grade": [b.label for b in rs.grades]})
    out = apply_rules(grades, {}, 2020, rs)
    for row in out.itertuples(index=False):
        assert row.action == table[row.grade]["action"]
        assert row.suggested == pytest.approx(200.0 * (1 + table[row.grade]["change"]))
    by = out.set_index("grade")
    # the policy's direction (DOMAIN.md §7): 优, 良 kept; 中 cut; 差 cut more than 中
    assert by.at["优", "adjustment"] == 0 and by.at["良", "adjustment"] == 0
    assert by.at["差", "adjustment"] < by.at["中", "adjustment"] < 0


def test_two_consecutive_years_of_poor_cancel_and_one_does_not():
    rs = load_ruleset("national")
    grades = pd.DataFrame({"project_id": ["A", "B", "C", "D"], "budget": 80.0,
                           "grade": ["差", "差", "差", "中"]})
    prior = {"A": {2019: "差"}, "B": {2019: "中"}, "C": {2018: "差"}, "D": {2019: "差"}}
    out = apply_rules(grades, prior, 2020, rs).set_index("project_id")
    poor = rs.section("result_application")["consecutive_poor"]
    assert out.at["A", "action"] == poor["action"] and out.at["A", "suggested"] == 0
    assert out.at["A", "basis"] == "连续 2 年评价等级为差"
    for pid in ("B", "C"):  # 差 last year is what counts, not 差 some year
        assert out.at[pid, "basis"] == "评价等级为差" and out.at[pid, "suggested"] > 0
    assert out.at["D", "basis"] == "评价等级为中"


def test_the_number_of_years_is_a_parameter():
    rs = derive_ruleset("national", {"result_application.consecutive_poor.years": 3})
    grades = pd.DataFrame({"project_id": ["A", "B"], "budget": 50.0, "grade": ["差", "差"]})
    out = apply_rules(grades, {"A": {2019: "差"}, "B": {2019: "差", 2018: "差"}}, 2020, rs)
    assert out["basis"].tolist() == ["评价等级为差", "连续 3 年评价等级为差"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e5), st.sampled_from(["优", "良", "中", "差"])),
                min_size=1, max_size=20))
def test_suggested_is_budget_plus_the_grades_share(rows):
    rs = load_ruleset("national")
    change = {g: rule["change"] for g, rule in rs.section("result_application")["actions"].items()}
    grades = pd.DataFrame({"project_id": [f"P{i}" for i in range(len(rows))],
                           "budget": [b for b, _ in rows], "grade": [g for _, g in rows]})
    out = apply_rules(grades, {}, 2020, rs)
    expected = [b * (1 + change[g]) for b, g in rows]
    assert out["suggested"].tolist() == pytest.approx(expected)
    assert (out["suggested"] <= out["budget"] + 1e-9).all()


def test_the_sample_cancels_the_project_poor_two_years_running(sample):
    result = result_application.evaluate(sample, "2020")
    p = result.projects.set_index("project_id")
    assert p.at["XM-2020-045", "grade"] == "差" and p.at["XM-2020-045", "prior_grades"] == "2019年差"
    assert p.at["XM-2020-045", "action"] == "取消" and p.at["XM-2020-045", "suggested"] == 0
    assert p.at["XM-2020-002", "grade"] == "差" and p.at["XM-2020-002", "action"] == "大幅压减"
    assert result.units["adjustment"].sum() == pytest.approx(p["adjustment"].sum())
    assert set(result.adjustments()["project_id"]) == set(p.index[p["change"] != 0])


def test_a_grade_without_an_action_names_it():
    rs = derive_ruleset("national", {"result_application.actions": {
        "优": {"action": "优先保障", "change": 0}, "良": {"action": "按需安排", "change": 0}}})
    with pytest.raises(RuleSetError, match="缺少 中"):
        result_application.action_table(rs)


def test_a_bad_section_is_refused_when_the_rule_set_loads():
    with pytest.raises(RuleSetError, match="result_application.actions.中.change"):
        derive_ruleset("national", {"result_application.actions.中.change": -2})


# --- the direct-funds ledger -------------------------------------------------------------------

def _ledger_with(tmp_path: Path, ruleset: str = "national", **rows) -> pd.DataFrame:
    funds = _raw("direct_funds")
    for index, changes in rows.items():
        i = int(index[1:])
        for column, value in changes.items():
            funds.loc[i, column] = value
    folder = _copy_with(tmp_path, "direct_funds", funds)
    return direct_funds.ledger(read_dataset(folder), ruleset=ruleset)


def test_the_sample_ledger_totals_and_flags(sample):
    book = direct_funds.ledger(sample)
    figures = direct_funds.figures(book)
    assert figures["amount"] == pytest.approx(28784.55) and figures["bond"] == pytest.approx(10000)
    assert figures["n_unallocated"] == 0 and figures["n_undisclosed"] == 0
    behind = book["payment_progress"] < book["time_progress"]
    assert book["behind"].tolist() == behind.tolist() and figures["n_behind"] == behind.sum() > 0


def test_each_ledger_flag(tmp_path):
    funds = _raw("direct_funds")
    amount = float(funds.loc[2, "amount"])
    book = _ledger_with(tmp_path, r0={"unit_id": ""}, r1={"disclosed": "否"},
                        r2={"paid": f"{amount * 0.5:.2f}", "month": "12"},
                        r3={"project_name": ""})
    assert book.loc[0, "flags"].startswith(direct_funds.FLAG_UNALLOCATED)
    assert book.loc[3, "unallocated"] and not book.loc[3, "undisclosed"]
    assert direct_funds.FLAG_UNDISCLOSED in book.loc[1, "flags"]
    assert book.loc[2, "behind"] and direct_funds.FLAG_BEHIND in book.loc[2, "flags"]
    totals = direct_funds.fund_totals(book).set_index("fund_id")
    fund = funds.loc[0, "fund_id"]
    assert totals.at[fund, "allocated"] == pytest.approx(
        funds.loc[funds["fund_id"] == fund, "amount"].astype(float).sum()
        - float(funds.loc[0, "amount"]) - float(funds.loc[3, "amount"]))


def test_the_behind_ratio_is_a_parameter(tmp_path):
    funds = _raw("direct_funds")
    paid = float(funds.loc[0, "amount"]) * 0.95 * 10 / 12  # 95 % of time progress at October
    book = _ledger_with(tmp_path, r0={"paid": f"{paid:.2f}", "month": "10"})
    assert book.loc[0, "behind"]
    lenient = derive_ruleset("national", {"annual_summary.direct_funds_behind_ratio": 0.9})
    assert not direct_funds.ledger(read_dataset(tmp_path / "csv"), ruleset=lenient).loc[0, "behind"]


def test_ledger_errors_are_located(tmp_path):
    funds = _raw("direct_funds")
    funds.loc[1, "paid"] = str(float(funds.loc[1, "amount"]) + 1)
    funds.loc[2, "month"] = "13"
    funds.loc[3, "unit_id"] = "DW999"
    funds.loc[4, "bond"] = "否"
    with pytest.raises(DatasetError) as info:
        read_dataset(_copy_with(tmp_path, "direct_funds", funds))
    found = {(p.row, p.column) for p in info.value.problems}
    assert {(3, "paid"), (4, "month"), (5, "unit_id"), (6, "bond")} <= found
    text = str(info.value)
    assert "direct_funds.csv" in text and "0 至下达金额" in text and "预算单位表中已有的单位编码" in text


def test_poverty_and_prior_tables_are_checked(tmp_path):
    sheets = _raw("poverty_indicators")
    sheets.loc[0, "poverty_id"] = "FP-9999-001"
    folder = _copy_with(tmp_path, "poverty_indicators", sheets)
    prior = _raw("prior_evaluations")
    prior.loc[0, "kind"] = "单位"
    prior.to_csv(folder / "prior_evaluations.csv", index=False, encoding="utf-8-sig")
    with pytest.raises(DatasetError) as info:
        read_dataset(folder)
    found = {(p.file, p.row, p.column) for p in info.value.problems}
    assert ("poverty_indicators.csv", 2, "poverty_id") in found
    assert ("prior_evaluations.csv", 2, "kind") in found


# --- disclosure ----------------------------------------------------------------------------------

def test_disclosure_tables_cover_every_indicator_and_project(sample, tmp_path):
    sheets = disclosure.workbook_sheets(sample, "2020")
    assert len(sheets["项目绩效目标表"]) == len(sample.indicators)
    assert len(sheets["项目绩效自评表"]) == 77 and len(sheets["部门整体绩效目标表"]) == 69
    shown = sheets["项目自评指标表"]
    assert len(shown) == len(sample.indicators) + 77  # each form's 预算执行率 row too
    assert (shown["得分"] <= shown["分值"] + 1e-9).all()
    totals = shown.groupby("项目编码")["得分"].sum()
    published = sheets["项目绩效自评表"].set_index("项目编码")["自评得分"]
    assert totals.reindex(published.index).to_numpy() == pytest.approx(published.to_numpy())
    tampered = {name: frame.copy() for name, frame in sheets.items()}
    tampered["项目绩效自评表"].loc[0, "项目名称"] = '=HYPERLINK("http://x","y")'
    path = write_excel(tampered, tmp_path / "disclosure.xlsx")
    cell = load_workbook(path)["项目绩效自评表"]["C2"]
    # kept as typed, as a string cell with the quote-prefix style: shown, never run
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x","y")' and cell.quotePrefix


# --- the workbooks of the main job ---------------------------------------------------------------

def test_county_tables_writes_the_ledger_disclosure_and_adjustment_list(tmp_path, capsys):
    from evalkit.cli import main

    assert main(["county-tables", "sample", "--out", str(tmp_path)]) == 0
    ledger = load_workbook(tmp_path / "direct_funds_ledger.xlsx")
    rows = list(ledger["分配明细"].iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) - 1 == len(_raw("direct_funds"))
    flags = [r[header.index("问题标记")] for r in rows[1:]]
    assert sum(1 for f in flags if f == direct_funds.FLAG_BEHIND) == 3
    assert ledger["资金汇总"].max_row - 1 == _raw("direct_funds")["fund_id"].nunique()
    adjust = load_workbook(tmp_path / "adjustment_list_2020.xlsx")
    listed = list(adjust["调整建议清单"].iter_rows(values_only=True))
    assert len(listed) - 1 == 6 and "应用依据" in listed[0]
    assert load_workbook(tmp_path / "disclosure_2020.xlsx").sheetnames == [
        "项目绩效目标表", "项目绩效自评表", "项目自评指标表", "部门整体绩效目标表"]


def test_county_tables_reports_a_bad_ledger_without_a_traceback(tmp_path, capsys):
    from evalkit.cli import main

    funds = _raw("direct_funds")
    funds.loc[0, "amount"] = "0"
    folder = _copy_with(tmp_path, "direct_funds", funds)
    assert main(["county-tables", str(folder), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "direct_funds.csv，第 2 行，列 amount：应为大于 0 的下达金额（万元）" in err
    assert "Traceback" not in err
