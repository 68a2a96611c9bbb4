"""Target-sheet review (绩效目标审核): every rule on a sheet that breaks it and one that does not,
each threshold on both sides, the comparison of rounds, the sheet changes, the rule-set section,
the located validation of ``indicator_rounds``, the report end to end and the xlsx format.

The clean sheets below were checked by hand against DOMAIN.md §2 and §12 and the national rule
set: an ordinary sheet with 数量, 质量, 时效 (an on-time rate), 社会效益 + 可持续影响 and 满意度 (90 %),
weights 20 + 15 + 15 + 20 + 10 + 10 = 90; the poverty sheet adds a 成本指标 (7 indicators).
"""

from __future__ import annotations

import json
import shutil
from io import BytesIO
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from evalkit import registry
from evalkit.batch import run_report
from evalkit.batch.portfolio import headers
from evalkit.errors import DatasetError, InputError, RuleSetError
from evalkit.io import load_dataset, read_dataset
from evalkit.render.xlsx import report_tables, sheet_name, xlsx_bytes
from evalkit.report import BLOCK_MIME
from evalkit.rules import failer, load_ruleset
from evalkit.stages import target_review as tr
from evalkit.stages import target_review_prose as prose

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CSV = ROOT / "data" / "sample" / "csv"
PROJECT = "村级道路硬化项目"
COLUMNS = ["indicator_id", "level1", "level2", "name", "comparator", "target", "unit", "weight",
           "last_year"]
NAN = float("nan")


def ordinary() -> pd.DataFrame:
    return pd.DataFrame([
        ["I1", "产出指标", "数量指标", "硬化村级道路", "≥", "12", "公里", 20, NAN],
        ["I2", "产出指标", "质量指标", "工程验收合格率", "≥", "100%", "%", 15, NAN],
        ["I3", "产出指标", "时效指标", "工程按期完工率", "≥", "95%", "%", 15, NAN],
        ["I4", "效益指标", "社会效益指标", "受益农户", "≥", "1200", "户", 20, 1000.0],
        ["I5", "效益指标", "可持续影响指标", "道路管护机制", "定性", "建立健全", "", 10, NAN],
        ["I6", "满意度指标", "服务对象满意度指标", "受益群众满意度", "≥", "90%", "%", 10, NAN],
    ], columns=COLUMNS)


def poverty() -> pd.DataFrame:
    cost = pd.DataFrame([["I7", "产出指标", "成本指标", "每公里建设成本", "≤", "45", "万元/公里", 5,
                          50.0]], columns=COLUMNS)
    sheet = pd.concat([ordinary(), cost], ignore_index=True)
    sheet.loc[0, "weight"] = 15
    return sheet


def review(sheet: pd.DataFrame, *, is_poverty: bool = False, ruleset="national",
           name: str = PROJECT) -> pd.DataFrame:
    return tr.review_sheet(sheet, project_name=name, is_poverty=is_poverty, ruleset=ruleset)


def edit(sheet: pd.DataFrame, indicator: str, **cells) -> pd.DataFrame:
    out = sheet.copy()
    row = out.index[out["indicator_id"] == indicator][0]
    for column, value in cells.items():
        out.at[row, column] = value
    return out


def drop(sheet: pd.DataFrame, indicator: str, to: str) -> pd.DataFrame:
    """Drop an indicator and give its weight to another (so the weights still add up)."""
    weight = sheet.loc[sheet["indicator_id"] == indicator, "weight"].iat[0]
    out = edit(sheet, to, weight=sheet.loc[sheet["indicator_id"] == to, "weight"].iat[0] + weight)
    return out[out["indicator_id"] != indicator].reset_index(drop=True)


def ruleset_with(tmp_path: Path, base: str = "national", **changes) -> Path:
    data = yaml.safe_load(yaml.safe_dump(dict(load_ruleset(base).data), allow_unicode=True))
    data["target_review"].update(changes)
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- every rule: a sheet that breaks it, the clean one that does not ---------------------------

def test_the_clean_sheets_have_no_finding():
    assert review(ordinary()).empty
    assert review(poverty(), is_poverty=True).empty


BREAKERS = {
    "quality missing": (lambda: drop(ordinary(), "I2", to="I1"), False, "category", "",
                        "缺少质量指标"),
    "cost missing (poverty)": (lambda: edit(poverty(), "I7", level2="数量指标"), True, "category",
                               "", "缺少成本指标"),
    "six indicators (poverty)": (lambda: drop(poverty(), "I5", to="I4"), True, "count", "",
                                 "扶贫项目三级指标 6 项，少于 7 项"),
    "approximate target": (lambda: edit(ordinary(), "I4", target="约1200"), False, "quantified",
                           "I4", "年度指标值“约1200”不是确切的数值"),
    "no unit": (lambda: edit(ordinary(), "I1", unit=""), False, "unit", "I1", "未注明计量单位"),
    "vague qualitative target": (lambda: edit(ordinary(), "I5", target="明显提升"), False,
                                 "vague", "I5", "含模糊表述“明显”"),
    "vague name": (lambda: edit(ordinary(), "I4", name="受益农户进一步增加"), False, "vague", "I4",
                   "含模糊表述“进一步”"),
    "time without a date": (lambda: edit(ordinary(), "I3", name="工程完成情况"), False, "time",
                            "I3", "未写明完成日期或期限"),
    "satisfaction below 80 %": (lambda: edit(ordinary(), "I6", target="79.9%"), False,
                                "satisfaction", "I6", "满意度目标值 79.9% 低于 80%"),
    "weights 91": (lambda: edit(ordinary(), "I1", weight=21), False, "weights", "",
                   "各指标分值合计 91 分，应为 90 分"),
    "≥ target at last year's": (lambda: edit(ordinary(), "I4", last_year=1200.0), False,
                                "last_year", "I4", "目标值 1200户 不高于上年实际完成值 1200户"),
    "≤ target at last year's": (lambda: edit(poverty(), "I7", last_year=45.0), True, "last_year",
                                "I7", "目标值 45万元/公里 不低于上年实际完成值 45万元/公里"),
    "name is the project's": (lambda: edit(ordinary(), "I1", name="村级道路硬化"), False,
                              "project_name", "I1", "指标名称“村级道路硬化”照搬项目名称"),
    "name contains the project's": (lambda: edit(ordinary(), "I1", name="村级道路硬化项目完成数"),
                                    False, "project_name", "I1",
                                    "指标名称“村级道路硬化项目完成数”照搬项目名称"),
}


@pytest.mark.parametrize("case", list(BREAKERS))
def test_each_rule_finds_the_problem_it_is_for_and_nothing_else(case):
    make, is_poverty, rule_id, indicator, finding = BREAKERS[case]
    found = review(make(), is_poverty=is_poverty)
    assert found[["rule_id", "indicator_id", "finding"]].values.tolist() == [
        [rule_id, indicator, finding]]
    assert found["rule"].iat[0] == tr.RULES[rule_id] and found["suggestion"].iat[0]


def test_every_rule_has_a_breaking_case():
    assert {b[2] for b in BREAKERS.values()} == set(tr.RULES)


def test_words_instead_of_a_number_are_unquantified_and_vague():
    found = review(edit(ordinary(), "I4", target="有所提高", unit=""))
    assert found["rule"].tolist() == ["目标值未量化", "表述模糊"]
    assert found["suggestion"].tolist() == [
        "将目标值改为可考核的确切数值（如“≥95%”“1200 人次”），并注明计量单位",
        "删去模糊表述，改为可衡量的目标值或明确的完成标准"]


@pytest.mark.parametrize("cells", [
    {"name": "工程完工时间", "comparator": "定性", "target": "2020年10月底前完成", "unit": ""},
    {"name": "采购完成时限", "comparator": "≤", "target": "90", "unit": "天"},
    {"name": "补助资金发放及时率", "comparator": "≥", "target": "95%", "unit": "%"},
])
def test_a_time_indicator_with_a_date_a_duration_or_an_on_time_rate_passes(cells):
    assert review(edit(ordinary(), "I3", **cells)).empty


def test_a_short_project_name_is_no_copy():
    """培训项目 → 培训: 2 characters < project_name_min_length 4, so 培训人次 is not a copy."""
    assert review(edit(ordinary(), "I1", name="培训人次"), name="培训项目").empty


def test_an_unknown_comparator_is_an_input_error_naming_the_indicator():
    with pytest.raises(InputError, match="指标 I2（工程验收合格率）：指标方向应为"):
        review(edit(ordinary(), "I2", comparator="大约"))


def test_the_sheet_is_not_modified():
    sheet = edit(ordinary(), "I4", target="有所提高")
    before = sheet.copy()
    review(sheet)
    pd.testing.assert_frame_equal(sheet, before)


# --- thresholds on both sides --------------------------------------------------------------------

@pytest.mark.parametrize("target, ruleset, flagged", [
    ("80%", "national", False), ("79.9%", "national", True),
    ("85%", "provincial", False), ("84%", "provincial", True),
])
def test_satisfaction_floor_is_the_rule_sets(target, ruleset, flagged):
    sheet = edit(poverty(), "I6", target=target)  # poverty: the provincial cost rule is met
    assert ("satisfaction" in set(review(sheet, is_poverty=True, ruleset=ruleset)["rule_id"])
            ) is flagged


@pytest.mark.parametrize("total, flagged", [(90.005, False), (89.995, False), (90.02, True),
                                            (89.98, True)])
def test_weights_within_the_tolerance_pass(total, flagged):
    sheet = edit(ordinary().astype({"weight": float}), "I1", weight=20 + total - 90)
    assert ("weights" in set(review(sheet)["rule_id"])) is flagged


@pytest.mark.parametrize("last_year, flagged", [(1199.0, False), (1200.0, True), (1201.0, True)])
def test_a_target_must_be_above_last_years_actual(last_year, flagged):
    assert ("last_year" in set(review(edit(ordinary(), "I4", last_year=last_year))["rule_id"])
            ) is flagged


def test_min_improvement_raises_the_bar(tmp_path):
    """With min_improvement 0.1, 1200 must exceed 1.1 × last year: 1090 → 1199 fails, 1090.9 …"""
    rules = load_ruleset(ruleset_with(tmp_path, min_improvement=0.1))
    assert review(edit(ordinary(), "I4", last_year=1090.0), ruleset=rules).empty  # 1199 < 1200
    assert review(edit(ordinary(), "I4", last_year=1100.0), ruleset=rules)["rule_id"].tolist() == [
        "last_year"]  # 1210 ≥ 1200


def test_poverty_minimum_seven_passes_six_fails_and_is_a_parameter(tmp_path):
    assert review(poverty(), is_poverty=True).empty
    six = drop(poverty(), "I5", to="I4")
    assert review(six, is_poverty=True)["rule_id"].tolist() == ["count"]
    assert review(six, is_poverty=False).empty  # an ordinary project needs no minimum
    rules = load_ruleset(ruleset_with(tmp_path, poverty_min_indicators=6))
    assert review(six, is_poverty=True, ruleset=rules).empty


def test_the_provincial_rule_set_asks_every_project_for_a_cost_indicator():
    assert review(ordinary(), ruleset="provincial")["finding"].tolist() == ["缺少成本指标"]
    assert review(ordinary(), ruleset="national").empty


def test_vague_words_are_the_rule_sets(tmp_path):
    rules = load_ruleset(ruleset_with(tmp_path, vague_words=["建立健全"]))
    assert review(ordinary(), ruleset=rules)["finding"].tolist() == ["含模糊表述“建立健全”"]


# --- rounds ---------------------------------------------------------------------------------------

def rounds_of(*sheets: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([s.assign(round=r) for r, s in enumerate(sheets, 1)], ignore_index=True)


PROJECT_ROW = {"project_id": "P1", "project_name": PROJECT, "is_poverty": False}


def test_three_rounds_by_hand():
    """Round 1: no unit on I1, satisfaction 75 % on I6. Round 2: I1 fixed, I6 still 75 %, I4
    becomes 有所提高 (2 new). Round 3: clean. So 2 / 3 / 0 findings; round 2 resolves 1, keeps
    1, adds 2; round 3 resolves 3."""
    r1 = edit(edit(ordinary(), "I1", unit=""), "I6", target="75%")
    r2 = edit(edit(ordinary(), "I6", target="75%"), "I4", target="有所提高", unit="")
    result = tr.assess(PROJECT_ROW, rounds_of(r1, r2, ordinary()))
    summary = result.summary()
    assert summary["findings_per_round"] == {"1": 2, "2": 3, "3": 0}
    assert result.status_counts(1) == {"新增": 2, "仍未解决": 0, "已解决": 0}
    assert result.status_counts(2) == {"新增": 2, "仍未解决": 1, "已解决": 1}
    assert result.status_counts(3) == {"新增": 0, "仍未解决": 0, "已解决": 3}
    second = result.comments[result.comments["round"] == 2]
    assert second[["indicator_id", "rule", "status"]].values.tolist() == [
        ["I6", "满意度目标值偏低", "仍未解决"], ["I4", "目标值未量化", "新增"],
        ["I4", "表述模糊", "新增"], ["I1", "缺少计量单位", "已解决"]]
    assert (summary["n_findings"], summary["conclusion"], summary["n_resolved_total"]) == (
        0, "审核通过", 4)
    assert result.final.empty
    changes = result.changes
    assert changes[["round", "indicator_id", "field", "before", "after"]].values.tolist() == [
        [2, "I1", "计量单位", "", "公里"], [2, "I4", "年度指标值", "1200", "有所提高"],
        [2, "I4", "计量单位", "户", ""], [3, "I4", "年度指标值", "有所提高", "1200"],
        [3, "I4", "计量单位", "", "户"], [3, "I6", "年度指标值", "75%", "90%"]]
    text = prose.rounds(result)
    assert text.splitlines() == [
        "第 1 轮：提出审核意见 2 条。",
        "第 2 轮：修改指标 2 项；上轮意见已解决 1 条、仍未解决 1 条，新增意见 2 条，本轮共 3 条。",
        "第 3 轮：修改指标 2 项；上轮意见已解决 3 条、仍未解决 0 条，新增意见 0 条，本轮共 0 条。"]
    assert prose.conclusion(result) == "该项目绩效目标表共审核 3 轮，第 3 轮未发现问题。审核结论：审核通过。"


def test_an_open_comment_keeps_the_sheet_back():
    r1 = edit(ordinary(), "I5", target="明显提升")
    result = tr.assess(PROJECT_ROW, rounds_of(r1, r1))
    assert result.status_counts() == {"新增": 0, "仍未解决": 1, "已解决": 0}
    assert result.conclusion == "修改完善后重新报送"
    assert prose.conclusion(result) == ("该项目绩效目标表共审核 2 轮，第 2 轮仍有审核意见 1 条：表述模糊 1 条。"
                                        "审核结论：修改完善后重新报送。")


def test_added_and_deleted_indicators_are_listed():
    r2 = pd.concat([drop(ordinary(), "I5", to="I4"),
                    pd.DataFrame([["I8", "效益指标", "经济效益指标", "带动增收", "≥", "50", "万元", 0,
                                   NAN]], columns=COLUMNS)], ignore_index=True)
    changes = tr.sheet_changes(rounds_of(ordinary(), r2))
    assert changes[["indicator_id", "change", "field", "before", "after"]].values.tolist() == [
        ["I4", "修改", "分值", "20", "30"], ["I5", "删除指标", "", "", ""],
        ["I8", "新增指标", "", "", ""]]


@pytest.mark.parametrize("bad", [0, 1.5, "二"])
def test_rounds_must_be_positive_integers(bad):
    sheets = rounds_of(ordinary()).assign(round=bad)
    with pytest.raises(InputError, match="审核轮次应为正整数"):
        tr.assess(PROJECT_ROW, sheets)


def test_no_sheet_is_an_input_error():
    with pytest.raises(InputError, match="应有绩效目标表"):
        tr.assess(PROJECT_ROW, rounds_of(ordinary()).iloc[0:0])


# --- rule-set section -------------------------------------------------------------------------------

@pytest.mark.parametrize("ruleset", ["national", "provincial"])
def test_the_shipped_sections_pass_their_check(ruleset):
    tr.check_ruleset(dict(load_ruleset(ruleset).data["target_review"]), failer(ruleset))


@pytest.mark.parametrize("change, key", [
    ({"satisfaction_floor": 1.5}, "target_review.satisfaction_floor"),
    ({"poverty_min_indicators": -1}, "target_review.poverty_min_indicators"),
    ({"weight_total": 0}, "target_review.weight_total"),
    ({"time_patterns": ["(unclosed"]}, "target_review.time_patterns[0]"),
    ({"required_categories": [{"category": "数量指标"}]}, "target_review.required_categories[0]"),
    ({"vague_words": "明显"}, "target_review.vague_words"),
    ({"require_unit": "yes"}, "target_review.require_unit"),
    ({"conclusion_pass": ""}, "target_review.conclusion_pass"),
])
def test_a_broken_section_is_named_when_the_rule_set_loads(tmp_path, change, key):
    with pytest.raises(RuleSetError, match=key.replace("[", r"\[").replace("]", r"\]")):
        load_ruleset(ruleset_with(tmp_path, **change))


def test_a_missing_key_is_named(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(dict(load_ruleset("national").data), allow_unicode=True))
    del data["target_review"]["weight_total"]
    path = tmp_path / "missing.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSetError, match="target_review.weight_total"):
        load_ruleset(path)


def test_framework_lists_every_rule_with_its_threshold():
    frame = tr.framework("national")
    assert frame["rule"].tolist() == list(tr.RULES.values())
    assert "扶贫项目不少于 7 项" in frame["threshold"].tolist()
    assert "不低于 85%" in tr.framework("provincial")["threshold"].tolist()


# --- the dataset table ------------------------------------------------------------------------------

def test_indicator_rounds_problems_are_located(tmp_path):
    folder = tmp_path / "csv"
    shutil.copytree(SAMPLE_CSV, folder)
    (folder / "indicator_rounds.csv").write_text(
        "项目编码,审核轮次,指标编码,一级指标,二级指标,三级指标,指标方向,年度指标值,计量单位,分值\n"
        "XM-2020-001,1,ZB01,产出指标,数量指标,维修场所,≥,24,个,90\n"
        "XM-2020-001,0,ZB02,产出指标,质量指标,合格率,大约,95%,%,0\n"
        "XM-9999-999,1,ZB01,产出指标,数量指标,维修场所,≥,24,个,90\n", encoding="utf-8-sig")
    with pytest.raises(DatasetError) as caught:
        read_dataset(folder)
    text = str(caught.value)
    assert "indicator_rounds.csv，第 3 行，列 指标方向：应为≥、≤、= 或 定性，实际为 '大约'" in text
    assert "indicator_rounds.csv，第 3 行，列 审核轮次：应为不小于 1 的审核轮次" in text
    assert "indicator_rounds.csv，第 4 行，列 项目编码：应为项目表中已有的项目编码" in text


def test_a_project_without_rounds_is_reviewed_once_from_its_indicators(tmp_path):
    folder = tmp_path / "csv"
    shutil.copytree(SAMPLE_CSV, folder)
    (folder / "indicator_rounds.csv").unlink()
    result = tr.evaluate(read_dataset(folder), "XM-2020-012")
    assert result.rounds == (1,)
    assert result.final["finding"].tolist() == ["指标名称“办理法律援助案件”照搬项目名称"]


def test_an_exante_project_has_no_sheet_to_review():
    with pytest.raises(InputError, match="没有绩效目标表"):
        tr.evaluate(load_dataset("sample"), "SQ-2021-001")


# --- the sample county ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_reviews():
    data = load_dataset("sample")
    return {pid: tr.evaluate(data, pid) for pid in tr.evaluate_many(data)["project_id"]}


def test_sample_rounds_counts(sample_reviews):
    """The figures data/sample/README.md quotes."""
    comments = pd.concat([r.comments for r in sample_reviews.values()])
    counts = comments.groupby(["round", "status"]).size().to_dict()
    assert counts == {(1, "新增"): 180, (2, "仍未解决"): 61, (2, "已解决"): 119, (2, "新增"): 16,
                      (3, "仍未解决"): 6, (3, "已解决"): 71}
    conclusions = pd.Series([r.conclusion for r in sample_reviews.values()]).value_counts()
    assert conclusions.to_dict() == {"审核通过": 71, "修改完善后重新报送": 6}
    assert all(r.summary()["findings_per_round"]["1"] for r in sample_reviews.values())


def test_what_the_approved_sample_sheets_still_get_wrong(sample_reviews):
    """By hand from indicators.csv: four qualitative targets with 明显/显著, and two names that
    contain their project's name without 项目 (法律援助, 退耕还林补助)."""
    open_ = {(pid, f) for pid, r in sample_reviews.items() for f in r.final["finding"]}
    assert open_ == {
        ("XM-2020-001", "含模糊表述“明显”"), ("XM-2020-002", "含模糊表述“明显”"),
        ("XM-2020-006", "含模糊表述“明显”"), ("XM-2020-067", "含模糊表述“显著”"),
        ("XM-2020-012", "指标名称“办理法律援助案件”照搬项目名称"),
        ("XM-2020-047", "指标名称“兑现退耕还林补助面积”照搬项目名称")}


def test_provincial_review_sends_back_the_ordinary_sheets_without_cost(sample_reviews):
    """29 ordinary sheets have no 成本指标 (data/sample/README.md); provincial asks for one."""
    data = load_dataset("sample")
    sent_back = 0
    for pid in sample_reviews:
        result = tr.assess(data.project(pid), tr.project_sheets(data, pid), ruleset="provincial")
        sent_back += "缺少成本指标" in set(result.final["finding"])
    assert sent_back == 29


# --- the report --------------------------------------------------------------------------------------

def test_the_report_records_what_its_tables_show(tmp_path):
    """XM-2020-012 (法律援助项目): one comment left in round 3 (the copied name), as reasoned above."""
    out = run_report("target_review", dataset="sample", subject_id="XM-2020-012",
                     out_dir=tmp_path, formats=["html", "docx", "xlsx"])
    summary = json.loads(out.files["json"].read_text(encoding="utf-8"))
    assert (summary["n_findings"], summary["conclusion"], summary["n_rounds"]) == (
        1, "修改完善后重新报送", 3)
    assert summary["findings_by_rule"] == {"指标名称照搬项目名称": 1}
    assert summary["title"] == "法律援助项目绩效目标审核意见表"
    html = out.files["html"].read_text(encoding="utf-8")
    for text in ("一、审核结论", "表1 审核意见表", "修改建议", "指标名称照搬项目名称", "仍未解决"):
        assert text in html
    assert "project_name" not in html and "rule_id" not in html
    workbook = load_workbook(out.files["xlsx"])
    assert workbook.sheetnames == ["表1 审核意见表", "表2 各轮审核意见处理情况", "表3 各轮指标修改情况",
                                   "表4 审核规则及标准"]
    rows = list(workbook["表1 审核意见表"].iter_rows(values_only=True))
    assert rows[0] == ("指标编码", "三级指标", "审核规则", "审核意见", "修改建议")
    assert rows[1][:4] == ("ZB01", "办理法律援助案件", "指标名称照搬项目名称",
                           "指标名称“办理法律援助案件”照搬项目名称")


def test_the_registry_entry():
    t = registry.get("target_review")
    assert (t.title, t.subject, t.ruleset_section, t.verdict_label) == (
        "绩效目标审核意见表", registry.PROJECT, "target_review", "审核结论")
    assert len(t.subjects(load_dataset("sample"))) == 77
    assert headers(t)[-2:] == ["末轮审核意见（条）", "审核结论"]  # a count, not 总分
    assert headers(registry.get("self_evaluation"))[-2:] == ["总分", "评价等级"]
    assert t.verdict({"n_findings": 2, "conclusion": "修改完善后重新报送"}).to_record() == {
        "total": 2.0, "verdict": "修改完善后重新报送", "verdict_label": "审核结论"}


# --- the xlsx format -----------------------------------------------------------------------------------

def _notebook(*blocks: dict) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={BLOCK_MIME: b}) for b in blocks]
    nb.cells = [cell]
    return nb


def _table(caption: str, rows: list[list[str]], numeric: list[list[bool]]) -> dict:
    return {"kind": "table", "caption": caption, "headers": ["名称", "数值"], "rows": rows,
            "numeric": numeric}


def test_every_table_block_becomes_a_sheet_with_numbers_as_numbers():
    nb = _notebook({"kind": "paragraph", "lines": ["x"]},
                   _table("表1 得分", [["甲", "1,234.50"], ["乙", "95.0%"]], [[False, True]] * 2),
                   _table("表1 得分", [["=HYPERLINK(\"x\")", "—"]], [[False, False]]))
    sheets = report_tables(nb)
    assert list(sheets) == ["表1 得分", "表1 得分 (2)"]
    assert sheets["表1 得分"]["数值"].tolist() == [1234.5, "95.0%"]
    workbook = load_workbook(BytesIO(xlsx_bytes(nb)))
    cell = workbook["表1 得分 (2)"]["A2"]
    # a quote-prefixed string cell: shown as typed, no apostrophe, never run
    assert cell.data_type == "s" and cell.quotePrefix and cell.value == "=HYPERLINK(\"x\")"
    assert workbook["表1 得分 (2)"]["B2"].value is None


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    names = [sheet_name("表2 审核意见/修改建议[第3轮]", 1, taken), sheet_name("x" * 40, 2, taken),
             sheet_name("x" * 40, 3, taken), sheet_name("", 4, taken)]
    assert names == ["表2 审核意见_修改建议_第3轮_", "x" * 31, "x" * 27 + " (2)", "表4"]


def test_a_report_without_tables_gets_a_note_sheet():
    workbook = load_workbook(BytesIO(xlsx_bytes(_notebook())))
    assert workbook.sheetnames == ["说明"]
