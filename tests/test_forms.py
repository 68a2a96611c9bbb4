"""Official forms in (issue 11): headers as the forms write them, values as people type them,
the form reader with located problems, the budget basis, and `evalkit import-forms`."""

import math
import warnings
from pathlib import Path

import pandas as pd
import pytest
from conftest import INDICATOR_COLS, headers, make_workbook
from hypothesis import given
from hypothesis import strategies as st

from evalkit.cli import main
from evalkit.errors import CellError, DatasetError, EvalkitWarning
from evalkit.forms import read_forms, read_target_forms, write_forms
from evalkit.io import read_dataset
from evalkit.rules import derive_ruleset, load_ruleset
from evalkit.schemas import INDICATORS
from evalkit.stages import selfeval
from evalkit.stages.selfeval import execution_denominators
from evalkit.values import parse_comparator, parse_form_date, read_form_cells

OPTIONS = {**load_ruleset("national").section("recheck"),
           "tiers": {n: t.tier for t in load_ruleset("national").qualitative_tiers
                     for n in (t.tier, *t.aliases)}}


def _workbook_with_headers(path, renames):
    """The conftest workbook with some indicator headers renamed."""
    from openpyxl import load_workbook

    make_workbook(path)
    wb = load_workbook(path)
    ws = wb["绩效指标"]
    names = headers(INDICATORS, INDICATOR_COLS)
    for col, new in renames.items():
        ws.cell(1, names.index(col) + 1, new)
    wb.save(path)
    return path


# --- 1. never drop a column silently --------------------------------------------------------

@pytest.mark.parametrize("header", ["全年实际值", "全年实际值(B)", "全年实际值（B）", "实际完成值(B)",
                                    "完成值", "全年实际值\n(B)"])
def test_actual_headed_as_the_forms_do_scores_exactly_as_evalkits_header(tmp_path, header):
    own = read_dataset(make_workbook(tmp_path / "own.xlsx"))
    theirs = read_dataset(_workbook_with_headers(tmp_path / "form.xlsx", {"实际完成值": header}))
    assert not [w for w in theirs.warnings if "未识别" in w.found]
    for pid in ("P001", "P002"):
        assert selfeval.evaluate(theirs, pid).total == selfeval.evaluate(own, pid).total
    assert selfeval.evaluate(theirs, "P001").total > 90  # the actuals were read, not dropped


@pytest.mark.parametrize(("header", "column"), [("度量单位", "unit"), ("指标性质", "comparator"),
                                                ("指标值", "target")])
def test_other_form_headers_are_read(tmp_path, header, column):
    chinese = {"unit": "计量单位", "comparator": "指标方向", "target": "目标值"}[column]
    ds = read_dataset(_workbook_with_headers(tmp_path / "f.xlsx", {chinese: header}))
    own = read_dataset(make_workbook(tmp_path / "own.xlsx"))
    pd.testing.assert_series_equal(ds.indicators[column], own.indicators[column])


def test_explanation_headers_of_the_forms_are_read(tmp_path):
    from openpyxl import load_workbook

    path = make_workbook(tmp_path / "e.xlsx")
    wb = load_workbook(path)
    ws = wb["绩效指标"]
    ws.cell(1, len(INDICATOR_COLS) + 1, "未完成原因及拟采取的改进措施")
    ws.cell(2, len(INDICATOR_COLS) + 1, "资金下达较晚")
    wb.save(path)
    ds = read_dataset(path)
    assert ds.indicators["explanation"].iat[0] == "资金下达较晚"


def test_an_unknown_header_warns_naming_it_and_the_closest_known_one(tmp_path):
    ds = read_dataset(_workbook_with_headers(tmp_path / "u.xlsx", {"佐证材料": "佐证资料"}))
    warned = [w for w in ds.warnings if "未识别" in w.found]
    assert len(warned) == 1
    assert warned[0].column == "佐证资料" and warned[0].row == 1
    assert "佐证材料" in warned[0].expected and "第 K 列未读入" in warned[0].found


def test_a_missing_required_column_names_the_headers_found(tmp_path):
    with pytest.raises(DatasetError) as info:
        read_dataset(_workbook_with_headers(tmp_path / "m.xlsx", {"分值": "分数"}))
    text = str(info.value)
    assert "工作表 绩效指标" in text and "缺少该列" in text and "分数" in text and "三级指标" in text


def test_validate_lists_the_unknown_header(tmp_path, capsys):
    path = _workbook_with_headers(tmp_path / "v.xlsx", {"佐证材料": "佐证资料"})
    assert main(["validate", str(path)]) == 0
    assert "未识别的表头 '佐证资料'" in capsys.readouterr().out


# --- 3. values as typed on the forms ---------------------------------------------------------

@pytest.mark.parametrize(("text", "cmp"), [("═", "="), ("﹦", "="), ("正向", "≥"), ("反向", "≤"),
                                           ("⩾", "≥"), ("定性指标", "定性")])
def test_look_alike_glyphs_and_indicator_nature(text, cmp):
    assert parse_comparator(text) == cmp


def test_a_bare_target_takes_the_rule_set_default_with_a_note():
    cells = read_form_cells("培训合格率", "", "100%", "", "98%", year=2020, options=OPTIONS)
    assert (cells.comparator, cells.target, cells.actual) == ("≥", 100.0, 98.0)
    assert "默认" in cells.notes[0] and not cells.confirm


@pytest.mark.parametrize(("name", "cmp"), [("培训人数不少于", "≥"), ("完成率达到", "≥"),
                                           ("工期控制在", "≤"), ("支出不超过", "≤")])
def test_a_missing_comparator_is_inferred_from_the_wording_with_a_note(name, cmp):
    cells = read_form_cells(name, "", "20", "", "21", year=2020, options=OPTIONS)
    assert cells.comparator == cmp and "推断" in cells.notes[0] and not cells.confirm


@pytest.mark.parametrize("name", ["项目总成本", "培训费用", "群众投诉率"])
def test_a_direction_only_the_meaning_tells_is_flagged_for_confirmation(name):
    cells = read_form_cells(name, "", "20万元", "", "18", year=2020, options=OPTIONS)
    assert cells.comparator == "≤" and cells.confirm and "需确认" in cells.notes[0]


def test_yuan_against_wan_yuan_is_converted_with_the_unit_recorded():
    cells = read_form_cells("补助资金", "≥", "20万元", "", "210000元", year=2020, options=OPTIONS)
    assert cells.unit == "万元" and cells.actual == pytest.approx(21.0)
    assert "换算" in cells.notes[0]


@pytest.mark.parametrize(("target", "actual", "tier"), [
    ("2020年12月底前", "2020年11月", "达成"), ("12月31日前", "2020年12月20日", "达成"),
    ("2021年6月完成", "2021年8月", "未达成"), ("2020年12月底前", "按时完成", "达成")])
def test_date_targets_become_timeliness_checked_against_completion(target, actual, tier):
    cells = read_form_cells("完工时间", "", target, "", actual, year=2020, options=OPTIONS)
    assert (cells.comparator, cells.actual) == ("定性", tier)
    assert "时效指标" in cells.notes[0]


@pytest.mark.parametrize(("target", "actual", "tier"), [
    ("有效", "达成预期指标", "达成"), ("显著提升", "显著提升", "达成"), ("严格执行相关制度规定", "完成", "达成"),
    ("有效提升", "部分完成", "部分达成"), ("效果明显", "未完成", "未达成")])
def test_text_targets_become_qualitative_through_the_rule_sets_tiers(target, actual, tier):
    cells = read_form_cells("效果", "", target, "", actual, year=2020, options=OPTIONS)
    assert (cells.comparator, cells.actual) == ("定性", tier)


def test_an_unknown_text_actual_names_the_actual_column():
    with pytest.raises(CellError) as info:
        read_form_cells("效果", "", "有效", "", "还行吧", year=2020, options=OPTIONS)
    assert info.value.column == "actual"


@given(st.integers(2000, 2099), st.integers(1, 12))
def test_a_month_without_a_day_means_its_last_day(year, month):
    y, m, d = parse_form_date(f"{year}年{month}月底前", None)
    assert (y, m) == (year, month) and d == pd.Period(f"{year}-{month:02d}").days_in_month


# --- 4. the budget basis -----------------------------------------------------------------------

def test_a_zero_initial_budget_with_an_adjusted_one_divides_by_the_adjusted():
    """大英县司法局 2023 (tests/forms/SOURCES.md): 年初预算 0.00, 调整后预算数 3.36, 执行 3.36."""
    p = pd.DataFrame({"budget": [0.0], "budget_adjusted": [3.36], "spent": [3.36]})
    for basis in ("annual", "initial", "adjusted"):
        denominator, used = execution_denominators(p, basis)
        assert denominator[0] == 3.36 and used == ["adjusted"]


def test_the_basis_chooses_the_denominator_and_falls_back_to_the_initial_budget():
    p = pd.DataFrame({"budget": [90.0, 100.0], "budget_annual": [89.974, math.nan],
                      "budget_adjusted": [95.0, math.nan]})
    assert execution_denominators(p, "annual")[0].tolist() == [89.974, 100.0]
    assert execution_denominators(p, "initial")[0].tolist() == [90.0, 100.0]
    assert execution_denominators(p, "adjusted")[0].tolist() == [95.0, 100.0]
    assert execution_denominators(p, "annual")[1] == ["annual", "initial"]


def test_the_basis_is_checked_in_the_rule_set():
    from evalkit.errors import RuleSetError

    with pytest.raises(RuleSetError, match="selfeval.budget_basis"):
        derive_ruleset("national", {"selfeval.budget_basis": "yearly"})


# --- 2. the form reader ------------------------------------------------------------------------

def _form(**overrides):
    form = {"year": 2020, "project_name": "高效节水灌溉项目", "department": "U01-县水利局",
            "implementer": "县灌溉站", "goal": "新增节水灌溉面积5000亩，农户增收。",
            "goal_result": "完成5200亩。",
            "funds": {"budget": 1000, "budget_annual": 1000, "spent": 950, "points": 10,
                      "rate": "95%", "score": 9.5},
            "indicators": [
                {"level1": "产出指标(50分)", "level2": "数量指标", "name": "新增节水灌溉面积",
                 "comparator": "≥", "target": "≥5,000亩", "unit": "亩", "actual": "5200亩",
                 "weight": 50, "score": 50, "explanation": ""},
                {"level1": "效益指标(30分)", "level2": "经济效益指标", "name": "亩均增收",
                 "comparator": "≥", "target": "≥300元", "unit": "元", "actual": "310元",
                 "weight": 30, "score": 30, "explanation": ""},
                {"level1": "满意度指标(10分)", "level2": "服务对象满意度指标", "name": "受益农户满意度",
                 "comparator": "≥", "target": "≥90%", "unit": "%", "actual": "93%", "weight": 10,
                 "score": 10, "explanation": ""}],
            "total": {"points": 100, "score": 99.5}}
    form.update(overrides)
    return form


@pytest.mark.parametrize("layout", ["national", "sichuan"])
def test_forms_read_back_into_the_canonical_tables_with_the_departments_scores(tmp_path, layout):
    forms = [_form(), _form(project_name="职业教育补助", department="U02-县教育局")]
    path = write_forms(forms, tmp_path / "f.xlsx", layout=layout, per_sheet=2)
    got = read_forms([path])
    projects, ind, scores = (got.tables[n] for n in ("projects", "indicators", "self_scores"))
    assert list(projects["project_name"]) == ["高效节水灌溉项目", "职业教育补助"]
    assert list(projects["unit_id"]) == ["U01", "U02"] and projects["year"].tolist() == [2020] * 2
    assert projects["spent"].tolist() == [950, 950] and projects["budget"].tolist() == [1000] * 2
    assert projects["goal"].iat[0] == "新增节水灌溉面积5000亩，农户增收。"
    assert ind["level1"].tolist()[:3] == ["产出指标", "效益指标", "满意度指标"]
    assert ind["target"].tolist()[:3] == [5000.0, 300.0, 90.0]
    assert ind["actual"].tolist()[:3] == [5200.0, 310.0, 93.0]
    mine = scores[scores["project_id"] == projects["project_id"].iat[0]].set_index("row_id")
    assert mine.loc["总分", "score"] == 99.5 and mine.loc["预算执行率", "score"] == 9.5
    assert mine.loc["I01", "score"] == 50 and mine.loc["一级:产出指标", "points"] == 50
    assert mine.loc["I01", "cell"][0] in "HIJ" and mine["sheet"].iat[0] == "自评表1"
    assert got.forms["n_indicators"].tolist() == [3, 3]


def test_the_imported_dataset_validates_and_scores(tmp_path, capsys):
    path = write_forms([_form()], tmp_path / "f.xlsx")
    out = tmp_path / "ds.xlsx"
    assert main(["import-forms", str(path), "-o", str(out)]) == 0
    assert "已读取 1 张自评表" in capsys.readouterr().out
    ds = read_dataset(out)
    assert set(ds.tables) >= {"units", "projects", "indicators", "self_scores"}
    assert selfeval.evaluate(ds, ds.projects["project_id"].iat[0]).total == pytest.approx(99.5)


def test_every_problem_is_located_by_file_sheet_and_cell(tmp_path, capsys):
    bad = _form()
    bad["indicators"][0] = {**bad["indicators"][0], "target": "约5000亩"}
    bad["indicators"][1] = {**bad["indicators"][1], "actual": "310亩"}
    path = write_forms([bad], tmp_path / "bad.xlsx")
    with pytest.raises(DatasetError) as info:
        read_forms([path])
    cells = [(p.file, p.sheet, p.cell) for p in info.value.problems]
    assert cells == [("bad.xlsx", "自评表1", "E13"), ("bad.xlsx", "自评表1", "F14")]
    assert main(["import-forms", str(path), "-o", str(tmp_path / "x.xlsx")]) == 1
    assert "单元格 E13" in capsys.readouterr().err


def test_a_sheet_without_a_form_and_a_form_without_its_funds_are_problems(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["随便", "什么"])
    wb.save(tmp_path / "empty.xlsx")
    with pytest.raises(DatasetError, match="未找到"):
        read_forms([tmp_path / "empty.xlsx"])


# --- 绩效目标申报表 (targets only) -----------------------------------------------------------------

#: A filled declaration form in the central layout: 中期 and 年度 halves side by side.
TARGET_FORM = [
    ["项目支出绩效目标申报表", None, None, None, None, None, None],
    ["（2024年度）", None, None, None, None, None, None],
    ["项目名称", None, "农村饮水安全巩固提升工程", None, None, None, None],
    ["主管部门及代码", None, "101-某县水利局", None, "实施单位", "某县农村供水站", None],
    ["项目属性", None, "延续项目", None, "项目期", "3年", None],
    ["项目资金（万元）", None, "中期资金总额", 900, "年度资金总额", 300, None],
    [None, None, "其中：财政拨款", 800, "其中：财政拨款", 280, None],
    [None, None, "其他资金", 100, "其他资金", 20, None],
    ["总体目标", None, "中期目标（2024年—2026年）", None, "年度目标", None, None],
    [None, None, "巩固提升农村供水保障水平", None, "新建管网50公里，受益1万人", None, None],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "三级指标", "指标值"],
    [None, "产出指标", "数量指标", "新建管网长度", "≥150公里", "新建管网长度", "≥50公里"],
    [None, None, "质量指标", "工程验收合格率", "100%", "工程验收合格率", "100%"],
    [None, None, "时效指标", "完工时间", "2026年12月底前", "完工时间", "2024年12月底前"],
    [None, "效益指标", "社会效益指标", "受益人口", "≥3万人", "受益人口", "≥1万人"],
    [None, "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "群众满意度", "≥90%"],
]
TARGET_MERGES = ["A1:G1", "A2:G2", "A3:B3", "C3:G3", "A4:B4", "C4:D4", "F4:G4", "A5:B5", "C5:D5",
                 "F5:G5", "A6:B8", "A9:B10", "A11:A16", "B12:B14"]


def _target_form(path, edits=None):
    """Write TARGET_FORM with ``edits`` ({"F6": value}) applied, as a department's copy."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "申报表"
    for r, row in enumerate(TARGET_FORM, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    for cell, value in (edits or {}).items():
        ws[cell] = value
    for rng in TARGET_MERGES:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def test_the_target_form_gives_a_project_and_its_years_targets_without_actuals(tmp_path):
    got = read_target_forms([_target_form(tmp_path / "申报.xlsx")])
    project = got.tables["projects"].iloc[0]
    assert (project["project_name"], project["unit_id"], project["unit_name"], project["year"]) == (
        "农村饮水安全巩固提升工程", "101", "某县水利局", 2024)
    assert project["budget"] == 300 and math.isnan(project["spent"]) and math.isnan(project["received"])
    assert project["goal"] == "新建管网50公里，受益1万人"
    assert project["note"].split("；") == [
        "实施单位：某县农村供水站", "项目属性：延续项目", "项目期：3年", "中期资金总额 900 万元",
        "其中财政拨款 280 万元", "其他资金 20 万元", "中期目标：巩固提升农村供水保障水平"]
    ind = got.tables["indicators"]
    # the 年度 half (F, G), not the 中期 one (D, E); 一级 merged over three rows filled down
    assert ind[["level1", "name", "comparator", "target", "unit"]].values.tolist() == [
        ["产出指标", "新建管网长度", "≥", 50.0, "公里"],
        ["产出指标", "工程验收合格率", "≥", 100.0, "%"],
        ["产出指标", "完工时间", "定性", "2024年12月底前", ""],
        ["效益指标", "受益人口", "≥", 1.0, "万人"],
        ["满意度指标", "群众满意度", "≥", 90.0, "%"]]
    assert ind["actual"].isna().all() and ind["weight"].isna().all()
    assert got.tables["self_scores"].empty
    assert [w.cell for w in got.warnings if "未注明指标方向" in w.found] == ["G13"]
    assert got.forms[["sheet", "cell", "n_indicators"]].values.tolist() == [["申报表", "A3", 5]]


def test_target_form_problems_name_file_sheet_and_cell(tmp_path):
    path = _target_form(tmp_path / "bad.xlsx", {"F6": None, "G12": "约50公里", "C4": None})
    with pytest.raises(DatasetError) as info:
        read_target_forms([path])
    got = [(p.file, p.sheet, p.cell) for p in info.value.problems]
    assert got == [("bad.xlsx", "申报表", "A4"), ("bad.xlsx", "申报表", "E6"),
                   ("bad.xlsx", "申报表", "G12")]
    assert "年度资金总额" in str(info.value) and "约50公里" in str(info.value)


def test_declared_targets_go_to_the_target_review(tmp_path):
    """The imported sheet is what 绩效目标审核 checks: no 分值 column on this form, so the
    weights do not add up (a finding, not a crash on the text target 2024年12月底前)."""
    from evalkit.io import Dataset
    from evalkit.stages import target_review

    got = read_target_forms([_target_form(tmp_path / "申报.xlsx")])
    review = target_review.evaluate(Dataset(got.tables, "申报", {}), "ZP0001")
    assert review.findings["rule_id"].tolist() == ["weights"]
    assert review.sheets["target"].tolist()[2] == "2024年12月底前"


# --- legacy .xls (python-calamine) --------------------------------------------------------------

def test_an_xls_form_reads_as_its_xlsx_twin():
    """tests/forms/yunnan_yongde_2022_yingyang.xls is the .xlsx fixture converted by LibreOffice
    (``soffice --headless --convert-to xls``): the same tables, plus one warning that .xls
    number formats are not seen."""
    from pathlib import Path

    forms = Path(__file__).parent / "forms"
    xlsx = read_forms([forms / "yunnan_yongde_2022_yingyang.xlsx"])
    xls = read_forms([forms / "yunnan_yongde_2022_yingyang.xls"])
    for name, frame in xlsx.tables.items():
        pd.testing.assert_frame_equal(frame.drop(columns=["file"], errors="ignore"),
                                      xls.tables[name].drop(columns=["file"], errors="ignore"),
                                      check_dtype=False)
    assert xls.tables["self_scores"]["file"].unique().tolist() == ["yunnan_yongde_2022_yingyang.xls"]
    assert xls.tables["self_scores"]["cell"].tolist() == xlsx.tables["self_scores"]["cell"].tolist()
    legacy = [w for w in xls.warnings if "旧版 .xls" in w.found]
    assert len(legacy) == 1 and legacy[0].file == "yunnan_yongde_2022_yingyang.xls"
    assert not any("旧版 .xls" in w.found for w in xlsx.warnings)


def test_an_ole_file_that_is_no_workbook_is_a_located_problem(tmp_path):
    path = tmp_path / "坏.xls"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600)
    with pytest.raises(DatasetError) as info:
        read_forms([path])
    assert [p.file for p in info.value.problems] == ["坏.xls"]
    assert "受密码保护、已损坏或不是工作簿" in str(info.value)


def _target_form_with_weights(path, weights):
    """TARGET_FORM with a 分值 column H after the 年度 half, ``weights`` down its indicator rows."""
    from openpyxl import load_workbook

    _target_form(path)
    wb = load_workbook(path)
    ws = wb.active
    ws["H11"] = "分值"
    for r, w in enumerate(weights, start=12):
        ws.cell(r, 8, w)
    wb.save(path)
    return path


def test_imported_targets_validate_and_go_to_the_target_review(tmp_path, capsys):
    """import-forms --targets → evalkit validate passes (blank 执行数 / 到位数 allowed) →
    target_review reviews the loaded dataset; the self-evaluation and the county summary
    refuse the project for its missing 执行数, naming it."""
    from evalkit.errors import InputError
    from evalkit.io import load_dataset
    from evalkit.stages import target_review
    from evalkit.summary import summarize_projects

    form = _target_form_with_weights(tmp_path / "申报.xlsx", [30, 20, 10, 20, 10])
    out = tmp_path / "declared.xlsx"
    assert main(["import-forms", "--targets", str(form), "-o", str(out)]) == 0
    assert "已读取 1 张绩效目标申报表" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0
    ds = load_dataset(out)
    project = ds.tables["projects"].iloc[0]
    assert project["budget"] == 300 and math.isnan(project["spent"])
    assert ds.tables["indicators"]["weight"].tolist() == [30, 20, 10, 20, 10]
    # the review reads round 1 of 目标审核轮次: the G column as typed (TARGET_FORM), so the
    # text target 2024年12月底前 is still there after the dataset file
    rounds = ds.tables["indicator_rounds"]
    assert rounds["round"].unique().tolist() == [1]
    assert rounds["target"].tolist() == [row[6] for row in TARGET_FORM[11:16]]
    review = target_review.evaluate(ds, "ZP0001")
    assert review.sheets["target"].tolist() == [row[6] for row in TARGET_FORM[11:16]]
    assert review.findings.empty, review.findings[["rule_id", "key"]].values.tolist()
    with pytest.raises(InputError, match="ZP0001（农村饮水安全巩固提升工程）"):
        summarize_projects(ds.tables["projects"], ds.tables["indicators"])
    with pytest.raises(InputError, match="项目 ZP0001：未填执行数"):
        selfeval.evaluate(ds, "ZP0001")


def test_targets_without_weights_say_validation_will_ask_for_them(tmp_path, capsys):
    out = tmp_path / "declared.xlsx"
    assert main(["import-forms", "--targets", str(_target_form(tmp_path / "申报.xlsx")),
                 "-o", str(out)]) == 0
    assert "分值 列为空白" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 1
    assert "列 分值：应为数字" in capsys.readouterr().err


def test_the_target_review_report_runs_on_an_imported_declaration(tmp_path):
    """The report type, not only the stage: the batch's execution/completion overview leaves
    the project without 执行数 out instead of refusing the batch."""
    from evalkit.batch import run_report

    out = tmp_path / "declared.xlsx"
    form = _target_form_with_weights(tmp_path / "申报.xlsx", [30, 20, 10, 20, 10])
    assert main(["import-forms", "--targets", str(form), "-o", str(out)]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        made = run_report("target_review", subject_id="ZP0001", out_dir=tmp_path / "out",
                          formats=["html"], dataset=str(out))
    assert (made.summary["n_findings"], made.summary["conclusion"]) == (0, "审核通过")
    assert made.summary["n_indicators"] == 5 and made.summary["budget"] == 300
    page = Path(made.files["html"]).read_text(encoding="utf-8")
    assert "农村饮水安全巩固提升工程绩效目标审核意见表" in page and "审核通过" in page


def test_a_blank_spent_is_refused_where_the_sheet_has_actuals(tmp_path, capsys):
    """Blank 执行数 is for declared targets only: once an indicator has its 实际完成值 the
    project is being evaluated, and validate names the 项目 row's 执行数 cell."""
    from openpyxl import load_workbook

    out = tmp_path / "declared.xlsx"
    form = _target_form_with_weights(tmp_path / "申报.xlsx", [30, 20, 10, 20, 10])
    assert main(["import-forms", "--targets", str(form), "-o", str(out)]) == 0
    wb = load_workbook(out)
    ws = wb["绩效指标"]
    column = [c.value for c in ws[1]].index("实际完成值") + 1
    ws.cell(2, column, 48)
    wb.save(out)
    capsys.readouterr()
    assert main(["validate", str(out)]) == 1
    err = capsys.readouterr().err
    assert "工作表 项目，第 2 行，列 执行数" in err and "实际为 空白" in err
