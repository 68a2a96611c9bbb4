"""Expert score workbooks: layout, validation, protection, round trip, and every error located."""

import shutil
import tempfile
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from evalkit.errors import DatasetError, EvalkitWarning, InputError
from evalkit.rules import load_ruleset
from evalkit.schemas import EXPERT_SCORES
from evalkit.templates import (
    TEMPLATE_VERSION,
    _sheet_name,
    read_expert_workbooks,
    write_expert_template,
)

RS = load_ruleset("national")
ITEMS = list(RS.section("exante")["items"])
POINTS = {it["item_id"]: float(it["points"]) for it in ITEMS}
#: Excel rows of the national template's items, checked by hand: header row 7, items from row 8,
#: a 小计 row after each dimension's three items (11, 15, 19, 23, 27) and 合计 on row 28.
ROWS = {"A1": 8, "A2": 9, "A3": 10, "B1": 12, "B2": 13, "B3": 14, "C1": 16, "C2": 17, "C3": 18,
        "D1": 20, "D2": 21, "D3": 22, "E1": 24, "E2": 25, "E3": 26}
SCORE, COMMENT, NAME_CELL = 6, 7, "B4"  # 得分 is column F, 意见 column G
SHEETS = [f"专家0{k}" for k in range(1, 6)]
COLUMNS = [c.name for c in EXPERT_SCORES.columns]


def panel_scores(k: int) -> dict[str, tuple[float, str]]:
    """Expert k takes (i + k) mod 3 half-points off item i; a comment on every fourth item."""
    return {it["item_id"]: (POINTS[it["item_id"]] - (i + k) % 3 * 0.5,
                            f"{it['item_id']}：测算依据不足，建议细化" if (i + k) % 4 == 0 else "")
            for i, it in enumerate(ITEMS)}


def fill(path: Path, scores: dict[str, dict], names: dict[str, str] | None = None) -> Path:
    """Type scores and comments into the 得分/意见 cells of the named sheets, as an expert would."""
    wb = load_workbook(path)
    for sheet, by_item in scores.items():
        ws = wb[sheet]
        for code, (score, comment) in by_item.items():
            ws.cell(ROWS[code], SCORE).value = score
            ws.cell(ROWS[code], COMMENT).value = comment or None
    for sheet, name in (names or {}).items():
        wb[sheet][NAME_CELL] = name
    wb.save(path)
    return path


def edit(path: Path, change) -> Path:
    wb = load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def expected_frame(project_id: str, experts: dict[str, dict]) -> pd.DataFrame:
    rows = [(project_id, expert, code, float(score), float(POINTS[code]), comment)
            for expert, by_item in experts.items() for code, (score, comment) in by_item.items()]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"score": float, "points": float})


@pytest.fixture(scope="module")
def filled_panel(tmp_path_factory):
    """A filled five-expert workbook for P001; 专家02 wrote a name, the others did not."""
    path = write_expert_template(tmp_path_factory.mktemp("panel") / "P001.xlsx",
                                 project_id="P001", project_name="高效节水灌溉项目")
    scores = {sheet: panel_scores(k) for k, sheet in enumerate(SHEETS)}
    return fill(path, scores, names={"专家02": "李四"}), scores


@pytest.fixture
def panel(filled_panel, tmp_path):
    """A fresh copy of the filled panel workbook that a test may edit."""
    path, scores = filled_panel
    return Path(shutil.copy(path, tmp_path / path.name)), scores


def problems_of(paths, **kwargs) -> list:
    with pytest.raises(DatasetError) as info:
        read_expert_workbooks(paths, **kwargs)
    return info.value.problems


# --- the template -------------------------------------------------------------------------------

def test_template_layout_guide_and_metadata(tmp_path):
    path = write_expert_template(tmp_path / "t.xlsx", project_id="P001", project_name="节水灌溉")
    wb = load_workbook(path)
    assert wb.sheetnames == ["说明", *SHEETS, "_evalkit"]
    assert wb["_evalkit"].sheet_state == "veryHidden"
    guide = [c for row in wb["说明"].iter_rows(values_only=True) for c in row if c is not None]
    assert {"P001", "节水灌溉", RS.label, 5, "、".join(SHEETS), TEMPLATE_VERSION} <= set(guide)
    assert any("在“得分”列填写 0 至该项分值之间的数字，可填写意见；请勿修改评分项编码、分值和工作表名称"
               in str(c) for c in guide)
    ws = wb["专家03"]
    assert [ws.cell(r, 1).value for r in range(2, 6)] == ["项目编码", "项目名称", "专家姓名/编号", "评审日期"]
    assert ws["B2"].value == "P001" and ws["B3"].value == "节水灌溉" and ws[NAME_CELL].value is None
    assert [c.value for c in ws[7]] == ["评分项编码", "评估维度", "评分项", "分值", "评分指引", "得分", "意见"]
    assert {ws.cell(r, 1).value: r for r in range(8, 28) if ws.cell(r, 1).value} == ROWS
    assert [ws.cell(ROWS[it["item_id"]], 4).value for it in ITEMS] == [it["points"] for it in ITEMS]
    assert ws["E8"].value == ITEMS[0]["guidance"] and ws["E8"].alignment.wrap_text
    assert (ws["C11"].value, ws["F11"].value) == ("小计", "=SUM(F8:F10)")
    assert (ws["C28"].value, ws["D28"].value) == ("合计", "=D11+D15+D19+D23+D27")
    meta = dict(wb["_evalkit"].iter_rows(min_row=1, max_row=6, max_col=2, values_only=True))
    assert meta == {"template_version": TEMPLATE_VERSION, "project_id": "P001",
                    "project_name": "节水灌溉", "ruleset_id": RS.id,
                    "ruleset_version": RS.version, "ruleset_sha256": RS.sha256}


def test_every_score_cell_has_a_decimal_validation_bounded_by_its_points(tmp_path):
    ws = load_workbook(write_expert_template(tmp_path / "t.xlsx", project_id="P001"))["专家01"]
    validations = ws.data_validations.dataValidation
    for code, row in ROWS.items():
        covering = [dv for dv in validations if f"F{row}" in dv.sqref]
        assert len(covering) == 1, code
        dv, points = covering[0], POINTS[code]
        assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "0",
                                                                    f"{points:g}")
        assert dv.showErrorMessage and dv.error == f"得分须在 0 至 {points:g} 之间"
        assert dv.showInputMessage and f"{points:g} 分" in dv.prompt
    covered = {c for dv in validations for rng in dv.sqref.ranges for c in rng.cells}
    assert len(covered) == len(ROWS)  # no validation on 小计/合计 or any other cell


def test_only_the_cells_experts_fill_are_unlocked(tmp_path):
    wb = load_workbook(write_expert_template(tmp_path / "t.xlsx", project_id="P001"))
    assert wb.security.lockStructure
    for name in ["说明", *SHEETS, "_evalkit"]:
        assert wb[name].protection.sheet and not wb[name].protection.password
    ws = wb["专家01"]
    assert not any(ws[c].protection.locked for c in ("F8", "G8", "F26", "G26", NAME_CELL, "B5"))
    assert all(ws[c].protection.locked for c in ("A8", "D8", "E8", "B2", "F11", "D28", "A7"))


def test_expert_ids_become_valid_sheet_names_and_prefilled_ids(tmp_path):
    ids = ["张/三", "王五:组长", "x" * 40, "[李四]"]
    wb = load_workbook(write_expert_template(tmp_path / "t.xlsx", project_id="P1", expert_ids=ids))
    sheets = ["张_三", "王五_组长", "x" * 31, "_李四_"]
    assert wb.sheetnames == ["说明", *sheets, "_evalkit"]
    assert [wb[s][NAME_CELL].value for s in sheets] == ids


def test_text_that_excel_would_run_is_written_as_text_and_read_back_unchanged(tmp_path):
    path = write_expert_template(tmp_path / "t.xlsx", project_id="-P1",
                                 project_name='=HYPERLINK("http://x")', expert_ids=["=E1"])
    wb = load_workbook(path)
    for cell in (wb["=E1"]["B2"], wb["=E1"]["B3"], wb["=E1"][NAME_CELL], wb["说明"]["B3"]):
        # a quote-prefixed string cell, shown as typed (no apostrophe) and never run
        assert cell.data_type == "s" and cell.quotePrefix and cell.value[0] in "=-"
    fill(path, {"=E1": panel_scores(0)})
    read = read_expert_workbooks(path)
    assert set(read["project_id"]) == {"-P1"} and set(read["expert_id"]) == {"=E1"}


@pytest.mark.parametrize("kwargs, message", [
    ({"project_id": "  "}, "project_id"),
    ({"project_id": "P1", "experts": 0}, "experts"),
    ({"project_id": "P1", "experts": 3, "expert_ids": ["a", "b"]}, "expected 2"),
    ({"project_id": "P1", "expert_ids": ["a/b", "a_b"]}, "distinct sheet names"),
    ({"project_id": "P1", "expert_ids": ["A", "a"]}, "distinct sheet names"),
    ({"project_id": "P1", "expert_ids": ["说明"]}, "taken by 'the template'"),
    ({"project_id": "P1", "expert_ids": ["''"]}, "usable as a sheet name"),
    ({"project_id": "P1", "expert_ids": []}, "at least one"),
])
def test_template_arguments_are_checked(tmp_path, kwargs, message):
    with pytest.raises(InputError, match=message):
        write_expert_template(tmp_path / "t.xlsx", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_template_file_must_be_xlsx(tmp_path):
    with pytest.raises(InputError, match=r"\.xlsx"):
        write_expert_template(tmp_path / "t.xls", project_id="P1")


def test_a_failed_save_leaves_no_partial_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    path = write_expert_template(tmp_path / "t.xlsx", project_id="P1")
    before = path.read_bytes()

    def broken_save(self, filename):
        Path(filename).write_bytes(b"PK half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_expert_template(tmp_path / "new.xlsx", project_id="P1")
    with pytest.raises(OSError, match="disk full"):
        write_expert_template(path, project_id="P2")
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"] and path.read_bytes() == before


# --- round trips ----------------------------------------------------------------------------------

def test_round_trip_five_experts_in_one_workbook(panel):
    path, scores = panel
    read = read_expert_workbooks(path, project_id="P001")
    experts = {("李四" if sheet == "专家02" else sheet): by_item for sheet, by_item in scores.items()}
    pd.testing.assert_frame_equal(read, expected_frame("P001", experts))


def test_round_trip_scores_the_project_with_exante_assess(panel):
    from evalkit.stages.exante import assess

    read = read_expert_workbooks(panel[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        result = assess(read, project_id="P001", ruleset="national")
    # by hand: each expert loses 0, 0.5, 1 point on five items each = 7.5; five experts are not
    # trimmed under the national rules, so the panel mean loses 7.5 too → 92.5 ≥ 90 → 予以支持
    assert result.total == pytest.approx(92.5, abs=1e-9)
    assert result.conclusion == "予以支持"


def test_single_expert_files_are_merged_in_the_order_given(tmp_path):
    ids = ["E01", "E02", "E03"]
    paths, experts = [], {}
    for k, expert in enumerate(ids):
        path = write_expert_template(tmp_path / f"{expert}.xlsx", project_id="P001",
                                     expert_ids=[expert])
        experts[expert] = panel_scores(k)
        paths.append(fill(path, {expert: experts[expert]}))
    read = read_expert_workbooks(reversed(paths))
    pd.testing.assert_frame_equal(read, expected_frame("P001", dict(reversed(experts.items()))))


def test_scores_typed_as_text_with_the_unit_fen_or_full_width_digits_are_read(tmp_path):
    path = write_expert_template(tmp_path / "t.xlsx", project_id="P1", experts=1)
    scores = panel_scores(0) | {"A1": ("6分", ""), "B1": ("７.5", ""), "C1": (" 6.25 ", "")}
    read = read_expert_workbooks(fill(path, {"专家01": scores})).set_index("item_id")["score"]
    assert (read["A1"], read["B1"], read["C1"]) == (6.0, 7.5, 6.25)


@settings(max_examples=8, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2 * len(ITEMS), max_size=2 * len(ITEMS)))
def test_any_scores_within_the_points_round_trip_exactly(shares):
    scores = {sheet: {it["item_id"]: (shares[k * len(ITEMS) + i] * POINTS[it["item_id"]], "")
                      for i, it in enumerate(ITEMS)} for k, sheet in enumerate(SHEETS[:2])}
    with tempfile.TemporaryDirectory() as tmp:
        path = write_expert_template(Path(tmp) / "t.xlsx", project_id="P1", experts=2)
        read = read_expert_workbooks(fill(path, scores))
    pd.testing.assert_frame_equal(read, expected_frame("P1", scores))


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1))
def test_sheet_names_made_from_any_id_are_valid_excel_names(expert_id):
    try:
        name = _sheet_name(expert_id)
    except InputError:
        assert not expert_id.strip().strip("'").strip()
        return
    assert 0 < len(name) <= 31 and not set(name) & set("[]:*?/\\")
    assert not name.startswith("'") and not name.endswith("'")


# --- located problems -----------------------------------------------------------------------------

def _set(sheet, cell, value):
    def change(wb):
        wb[sheet][cell] = value
    return change


def _delete_row(sheet, row):
    def change(wb):
        wb[sheet].delete_rows(row)
    return change


def _clear_scores(sheet):
    def change(wb):
        for row in ROWS.values():
            wb[sheet].cell(row, SCORE).value = None
    return change


def _delete_sheet(sheet):
    def change(wb):
        del wb[sheet]
    return change


def _copy_sheet(sheet):
    def change(wb):
        wb.copy_worksheet(wb[sheet])
    return change


@pytest.mark.parametrize("change, expected", [
    (_set("专家02", "F9", None), {("专家02", 9, "得分", "空白")}),
    (_set("专家01", "F8", "九"), {("专家01", 8, "得分", "'九'")}),
    (_set("专家01", "F8", "8分以上"), {("专家01", 8, "得分", "'8分以上'")}),
    (_set("专家01", "F8", "80%"), {("专家01", 8, "得分", "'80%'")}),
    (_set("专家01", "F8", 7), {("专家01", 8, "得分", "7")}),          # A1 is worth 6
    (_set("专家01", "F12", 8.5), {("专家01", 12, "得分", "8.5")}),    # B1 is worth 8
    (_set("专家05", "F26", -0.5), {("专家05", 26, "得分", "-0.5")}),
    (_set("专家01", "D8", 60), {("专家01", 8, "分值", "'60'")}),
    (_set("专家01", "B2", "P002"), {("专家01", 2, "项目编码", "'P002'")}),
    (_set("专家05", "A18", "C9"), {("专家05", 18, "评分项编码", "'C9'"),
                                   ("专家05", None, "评分项编码", "缺少该行")}),
    (_set("专家05", "A18", "C2"), {("专家05", 18, "评分项编码", "'C2'（与第 17 行重复）"),
                                   ("专家05", None, "评分项编码", "缺少该行")}),
    (_set("专家01", "A8", None), {("专家01", 8, "评分项编码", "空白"),
                                  ("专家01", None, "评分项编码", "缺少该行")}),
    (_delete_row("专家04", 13), {("专家04", None, "评分项编码", "缺少该行")}),
    (_delete_sheet("专家03"), {("专家03", None, "", "缺少该工作表")}),
    (_clear_scores("专家02"), {("专家02", None, "得分", "整张工作表未填写")}),
    (_copy_sheet("专家01"), {("专家01 Copy", None, "", "模板之外的评分工作表")}),
    (_set("专家03", NAME_CELL, "李四"), {("专家03", 4, "专家姓名/编号",
                                          "'李四'，已见于 {path} 工作表 专家02")}),
    (_set("专家01", NAME_CELL, "专家05"), {("专家05", 4, "专家姓名/编号",
                                            "'专家05'（取自工作表名称），已见于 {path} 工作表 专家01")}),
], ids=["blank", "chinese-numeral", "comparator", "percent", "above-6", "above-8", "negative",
        "points-changed", "sheet-of-another-project", "unknown-item", "duplicate-item",
        "blank-code", "row-deleted", "sheet-deleted", "sheet-unfilled", "extra-sheet",
        "same-expert-twice", "sheet-name-equals-filled-name"])
def test_each_problem_names_file_sheet_row_and_column(panel, change, expected):
    path = edit(panel[0], change)
    problems = problems_of(path)
    found = {(p.sheet, p.row, p.column, p.found) for p in problems}
    assert found == {(s, r, c, f.replace("{path}", str(path))) for s, r, c, f in expected}
    assert {p.file for p in problems} == {str(path)}


def test_problem_message_reads_like_a_place_in_excel(panel):
    path = edit(panel[0], _set("专家01", "F8", "九"))
    with pytest.raises(DatasetError) as info:
        read_expert_workbooks(path)
    assert f"{path}，工作表 专家01，第 8 行，列 得分：应为0 至 6 之间的数字，实际为 '九'" in str(info.value)


def test_deleted_row_names_the_missing_item(panel):
    (problem,) = problems_of(edit(panel[0], _delete_row("专家04", ROWS["B2"])))
    assert "B2" in problem.expected and "预算编制规范性" in problem.expected


def test_workbook_of_another_project_is_reported_at_its_guide_line(panel):
    (problem,) = problems_of(panel[0], project_id="P999")
    assert (problem.sheet, problem.row, problem.column, problem.found) == ("说明", 2, "项目编码",
                                                                          "'P001'")
    assert "P999" in problem.expected


def test_workbook_of_another_rule_set_is_reported_at_its_guide_line(tmp_path):
    path = write_expert_template(tmp_path / "t.xlsx", project_id="P1", ruleset="provincial")
    (problem,) = problems_of(path, ruleset="national")
    assert (problem.sheet, problem.row, problem.column) == ("说明", 4, "规则集")
    provincial = load_ruleset("provincial")
    assert problem.found == f"{provincial.id}@{provincial.version} ({provincial.sha256[:12]})"
    assert RS.label in problem.expected


def test_files_that_are_not_templates_are_reported(tmp_path):
    plain = tmp_path / "plain.xlsx"
    Workbook().save(plain)
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_text("not a workbook")
    missing = tmp_path / "missing.xlsx"
    problems = problems_of([plain, garbage, missing])
    assert [(p.file, p.sheet, p.found) for p in problems] == [
        (str(plain), "_evalkit", "缺少元数据工作表"),
        (str(garbage), "", "无法作为 .xlsx 打开"),
        (str(missing), "", "文件不存在"),
    ]


def test_problems_in_several_files_are_reported_together(tmp_path, panel):
    first, _ = panel
    other = tmp_path / "other" / "P001.xlsx"
    other.parent.mkdir()
    shutil.copy(first, other)
    edit(first, _set("专家01", "F8", "九"))
    edit(other, lambda wb: (_set("专家02", "F9", 99)(wb), _set("专家02", NAME_CELL, "王五")(wb)))
    problems = problems_of([first, other])
    assert [(p.file, p.sheet, p.row, p.column) for p in problems] == [
        (str(first), "专家01", 8, "得分"),
        (str(other), "专家02", 9, "得分"),
        # the copy repeats 专家01, 专家03–05 of the first file (王五 is new)
        *((str(other), s, 4, "专家姓名/编号") for s in ("专家01", "专家03", "专家04", "专家05")),
    ]


def test_the_same_expert_in_two_files_is_reported_in_the_second(tmp_path):
    paths = []
    for name in ("a", "b"):
        path = write_expert_template(tmp_path / f"{name}.xlsx", project_id="P1", experts=1)
        paths.append(fill(path, {"专家01": panel_scores(0)}, names={"专家01": "张三"}))
    (problem,) = problems_of(paths)
    assert (problem.file, problem.sheet, problem.row, problem.column) == (
        str(paths[1]), "专家01", 4, "专家姓名/编号")
    assert problem.found == f"'张三'，已见于 {paths[0]} 工作表 专家01"


def test_files_of_different_projects_cannot_be_merged(tmp_path):
    paths = []
    for project in ("P1", "P2"):
        path = write_expert_template(tmp_path / f"{project}.xlsx", project_id=project,
                                     expert_ids=[f"{project}-E1"])
        paths.append(fill(path, {f"{project}-E1": panel_scores(0)}))
    (problem,) = problems_of(paths)
    assert (problem.file, problem.sheet, problem.row, problem.found) == (str(paths[1]), "说明", 2,
                                                                         "'P2'")


def test_no_workbook_is_an_input_error():
    with pytest.raises(InputError, match="at least one"):
        read_expert_workbooks([])
