"""Weights built in the workflow: the pairwise-comparison workbook, group AHP (AIJ), the
three-level synthesis and the rule set that the key-project report then uses."""

from __future__ import annotations

import json
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from evalkit.cli import main
from evalkit.errors import DatasetError, EvalkitWarning, InconsistentMatrixError, InputError
from evalkit.io import load_dataset
from evalkit.pairwise import (
    GOAL,
    JUDGEMENT_COLUMNS,
    SAATY_VALUES,
    comparison_matrices,
    group_ahp,
    portfolio_ratios,
    read_ahp_workbooks,
    write_ahp_template,
    write_weighted_ruleset,
)
from evalkit.rules import load_ruleset
from evalkit.stages import keyproject
from evalkit.weights import combine_weights, entropy_weights

# DOMAIN.md §8, AHP example 2 (3 × 3; eigenvector 0.5876, 0.3234, 0.0890, CR 0.0079) and
# example 1 (5 × 5; eigenvector 0.0702, 0.1204, 0.2156, 0.2497, 0.3441, λmax 5.0492).
DOMAIN_3X3 = [["1", "2", "6"], ["", "1", "4"], ["", "", "1"]]
DOMAIN_5X5 = [["1", "1/2", "1/3", "1/3", "1/5"], ["", "1", "1/2", "1/2", "1/3"],
              ["", "", "1", "1", "1/2"], ["", "", "", "1", "1"], ["", "", "", "", "1"]]


def consistent(weights):
    """Upper triangle of the consistent matrix w_i / w_j, as fractions typed in Excel."""
    n = len(weights)
    return [[str(Fraction(weights[i], weights[j])) if j > i else "" for j in range(n)]
            for i in range(n)]


def layout(path: Path) -> dict[str, tuple[int, list[str]]]:
    wb = load_workbook(path)
    rows = wb["_evalkit"].iter_rows(values_only=True)
    return {r[1]: (int(r[2]), r[3].split(",")) for r in rows if r[0] == "matrix"}


def fill(path: Path, sheet: str, matrices: dict[str, list[list[str]]], default: str = "1",
         expert_id: str | None = None) -> Path:
    """Type each matrix's upper triangle into ``sheet`` (``default`` where none is given)."""
    wb = load_workbook(path)
    ws = wb[sheet]
    for parent, (top, codes) in layout(path).items():
        given = matrices.get(parent)
        for i in range(len(codes)):
            for j in range(i + 1, len(codes)):
                ws.cell(top + 2 + i, 2 + j).value = given[i][j] if given else default
    if expert_id is not None:
        ws["B2"] = expert_id
    wb.save(path)
    return path


SAMPLE_CSV = Path(__file__).parent.parent / "data" / "sample" / "csv"


def judged_for(ruleset, folder: Path) -> Path:
    """The sample county with its judged scores restated for ``ruleset``'s points.

    The sample stores a judgement as a tier and a score in points of the national framework;
    an evaluator judging against the new framework gives the same share of the new points
    (score × new / old). Everything else is copied unchanged.
    """
    folder.mkdir()
    for csv in SAMPLE_CSV.glob("*.csv"):
        (folder / csv.name).write_bytes(csv.read_bytes())
    old = keyproject.framework("national").set_index("code")["weight"]
    new = keyproject.framework(ruleset).set_index("code")["weight"]
    table = pd.read_csv(folder / "judgements.csv", encoding="utf-8-sig")
    table["score"] = table["score"] * table["indicator_id"].map(new / old)
    table.to_csv(folder / "judgements.csv", index=False, encoding="utf-8-sig")
    return folder


@pytest.fixture
def template(tmp_path):
    return write_ahp_template(tmp_path / "ahp.xlsx", experts=2, level3=True)


# --- the template ---------------------------------------------------------------------------------

def test_matrices_follow_the_national_framework():
    ms = comparison_matrices("national")
    assert [(m.parent, m.codes) for m in ms] == [
        (GOAL, ("A", "B", "C", "D")), ("A", ("A1", "A2", "A3")), ("B", ("B1", "B2")),
        ("C", ("C1", "C2", "C3", "C4"))]  # D has a single level-2 indicator: nothing to judge
    level3 = comparison_matrices("national", level3=True)
    assert [m.parent for m in level3[4:]] == ["A1", "A2", "A3", "B1", "B2", "D1"]
    assert level3[-1].title == "项目效益（D1）下的三级指标"


def test_template_locks_all_but_the_upper_triangle(template):
    wb = load_workbook(template)
    assert wb.sheetnames == ["说明", "专家01", "专家02", "_evalkit"]
    assert wb["_evalkit"].sheet_state == "veryHidden"
    assert wb.security.lockStructure
    ws = wb["专家01"]
    assert ws.protection.sheet
    top, codes = layout(template)[GOAL]
    assert ws.cell(top, 2).value == "一级指标"
    assert [ws.cell(top + 1, 2 + j).value for j in range(4)] == ["A 决策", "B 过程", "C 产出",
                                                                 "D 效益"]
    for i in range(4):
        for j in range(4):
            cell = ws.cell(top + 2 + i, 2 + j)
            assert cell.protection.locked == (j <= i)
            assert (cell.value == 1) == (i == j)
            assert (cell.number_format == "@") == (j > i)  # text, so 1/3 is not a date
    validation = ws.data_validations.dataValidation[0]
    assert validation.type == "list"
    assert validation.formula1 == '"9,8,7,6,5,4,3,2,1,1/2,1/3,1/4,1/5,1/6,1/7,1/8,1/9"'
    assert ws.cell(top + 2, 3).coordinate in validation.sqref
    assert ws["B2"].protection.locked is False  # 专家姓名/编号


def test_template_needs_xlsx(tmp_path):
    with pytest.raises(InputError, match=r"\.xlsx"):
        write_ahp_template(tmp_path / "ahp.xls")


# --- golden: the published examples through the workbook -------------------------------------------

def test_domain_md_examples_round_trip_through_the_workbook(template):
    # Both experts type DOMAIN.md's 3 × 3 example for 决策's level-2 indicators and the 5 × 5
    # example for 项目效益's five level-3 indicators; level 1 is the consistent 1:2:4:2.
    matrices = {GOAL: consistent([1, 2, 4, 2]), "A": DOMAIN_3X3, "D1": DOMAIN_5X5}
    fill(template, "专家01", matrices)
    fill(template, "专家02", matrices, expert_id="王工")
    judgements = read_ahp_workbooks(template)
    assert judgements.columns.tolist() == JUDGEMENT_COLUMNS
    assert judgements["expert_id"].unique().tolist() == ["专家01", "王工"]
    res = group_ahp(judgements)
    a = res.hierarchy.alternatives["A"]
    assert a.weights.round(4).tolist() == [0.5876, 0.3234, 0.0890]
    assert round(a.cr, 4) == 0.0079
    d1 = res.hierarchy.leaves[("D", "D1")]
    assert d1.weights.round(4).tolist() == [0.0702, 0.1204, 0.2156, 0.2497, 0.3441]
    assert round(d1.lambda_max, 4) == 5.0492
    assert res.hierarchy.criteria.weights.to_numpy() == pytest.approx([1 / 9, 2 / 9, 4 / 9,
                                                                       2 / 9])
    # global = product down the tree: 效益 2/9 × 项目效益 1 × D13 0.2156…
    leaf = res.leaf_weights()
    assert leaf["D13"] == pytest.approx(2 / 9 * d1.weights["D13"], rel=1e-12)
    assert leaf["A11"] == pytest.approx(1 / 9 * a.weights["A1"] * 0.5, rel=1e-12)  # A11:A12 = 1
    assert leaf.sum() == pytest.approx(1.0)
    assert res.is_consistent()


# --- reading back: every problem located -------------------------------------------------------------

def test_every_bad_cell_is_located(template):
    fill(template, "专家01", {})
    fill(template, "专家02", {})
    wb = load_workbook(template)
    ws = wb["专家02"]
    top, _ = layout(template)[GOAL]
    ws.cell(top + 2, 3).value = "2.5"          # A vs B: not on the scale
    ws.cell(top + 2, 4).value = None           # A vs C: blank
    ws.cell(top + 3, 4).value = 10             # B vs C: beyond 9
    ws.cell(top + 3, 5).value = pd.Timestamp("2026-01-03").to_pydatetime()  # Excel's 1/3
    ws.cell(top + 4, 5).value = 0.33           # C vs D: read as 1/3
    ws.cell(top + 1, 3).value = "B 管理"        # a changed label
    wb.save(template)
    with pytest.raises(DatasetError) as info:
        read_ahp_workbooks(template)
    problems = {(p.sheet, p.row, p.column): p for p in info.value.problems}
    base = (str(template), "专家02")
    assert problems[("专家02", top + 2, "B 过程（一级指标，C 列）")].found == "'2.5'"
    assert problems[("专家02", top + 2, "C 产出（一级指标，D 列）")].found == "空白"
    assert problems[("专家02", top + 3, "C 产出（一级指标，D 列）")].found == "10"
    assert "日期 2026-01-03" in problems[("专家02", top + 3, "D 效益（一级指标，E 列）")].found
    assert problems[("专家02", top + 1, "C")].expected == "列指标 'B 过程'（请勿修改）"
    assert len(info.value.problems) == 5  # 0.33 is 1/3 within 1 %
    rows = [p.row for p in info.value.problems]
    assert rows == sorted(rows)
    assert all((p.file, p.sheet) == base for p in info.value.problems)
    assert "Saaty 标度 1–9 或其倒数 1/2–1/9（A 决策 比 B 过程）" in str(info.value)


def test_decimal_within_one_percent_is_the_scale_value(template):
    fill(template, "专家01", {GOAL: [["", 0.33, "3", 3.0], ["", "", "1/2", "2"],
                                     ["", "", "", "１/５"], ["", "", "", ""]]})
    fill(template, "专家02", {})
    j = read_ahp_workbooks(template)
    got = j[(j.expert_id == "专家01") & (j.parent == GOAL)]["value"].tolist()
    assert got == [1 / 3, 3.0, 3.0, 0.5, 2.0, 0.2]


def test_blank_sheet_missing_sheet_and_duplicate_experts(template, tmp_path):
    fill(template, "专家01", {}, expert_id="李四")
    with pytest.raises(DatasetError) as info:
        read_ahp_workbooks(template)
    assert [(p.sheet, p.found) for p in info.value.problems] == [("专家02", "整张工作表未填写")]

    fill(template, "专家02", {})
    other = write_ahp_template(tmp_path / "other.xlsx", experts=1)
    fill(other, "专家01", {}, expert_id="李四")
    with pytest.raises(DatasetError) as info:
        read_ahp_workbooks([template, other])
    (dup,) = info.value.problems
    assert (dup.file, dup.sheet, dup.row) == (str(other), "专家01", 2)
    assert "'李四'" in dup.found and str(template) in dup.found

    wb = load_workbook(template)
    del wb["专家02"]
    wb.save(template)
    with pytest.raises(DatasetError, match="缺少该工作表"):
        read_ahp_workbooks(template)


def test_workbook_of_another_tree_or_not_from_evalkit(tmp_path):
    data = yaml.safe_load(Path("evalkit/rulesets/national.yaml").read_text(encoding="utf-8"))
    data["keyproject"]["framework"][0]["name"] = "决策与立项"
    custom = tmp_path / "custom.yaml"
    custom.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    path = fill(write_ahp_template(tmp_path / "c.xlsx", experts=1, ruleset=custom), "专家01", {})
    with pytest.raises(DatasetError) as info:
        read_ahp_workbooks(path)  # national's tree
    (p,) = info.value.problems
    assert (p.sheet, p.row, p.column) == ("说明", 2, "规则集")
    assert read_ahp_workbooks(path, ruleset=custom)["value"].eq(1).all()
    # points may change without invalidating the workbook: only the tree's shape is bound
    data["keyproject"]["framework"][0]["children"][0]["children"][0]["weight"] = 4
    data["keyproject"]["framework"][0]["children"][0]["children"][1]["weight"] = 1
    custom.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert len(read_ahp_workbooks(path, ruleset=custom)) == 16

    plain = tmp_path / "plain.xlsx"
    pd.DataFrame({"x": [1]}).to_excel(plain)
    with pytest.raises(DatasetError, match="缺少元数据工作表"):
        read_ahp_workbooks(plain)
    with pytest.raises(DatasetError, match="文件不存在"):
        read_ahp_workbooks(tmp_path / "missing.xlsx")
    with pytest.raises(InputError, match="paths"):
        read_ahp_workbooks([])


# --- group AHP --------------------------------------------------------------------------------------

def judgements(values: dict[str, dict[str, dict[tuple[str, str], float]]]) -> pd.DataFrame:
    """All level-1/2 comparisons 1 except those given: expert → parent → (row, col) → value."""
    rows = []
    for expert, typed in values.items():
        for m in comparison_matrices("national"):
            for i, r in enumerate(m.codes):
                for c in m.codes[i + 1:]:
                    rows.append((expert, m.parent, r, c, typed.get(m.parent, {}).get((r, c), 1.0)))
        for parent, pairs in typed.items():
            if parent not in [m.parent for m in comparison_matrices("national")]:
                rows += [(expert, parent, r, c, v) for (r, c), v in pairs.items()]
    return pd.DataFrame(rows, columns=JUDGEMENT_COLUMNS)


def test_aij_is_the_geometric_mean_of_judgements_by_hand():
    # B1 vs B2: 2 and 8 → √16 = 4 → B1 0.8, B2 0.2 (a 2 × 2 matrix [[1, 4], [1/4, 1]])
    j = judgements({"甲": {"B": {("B1", "B2"): 2.0}}, "乙": {"B": {("B1", "B2"): 8.0}}})
    res = group_ahp(j)
    assert res.hierarchy.alternatives["B"].matrix.loc["B1", "B2"] == pytest.approx(4.0)
    assert res.hierarchy.alternatives["B"].matrix.loc["B2", "B1"] == pytest.approx(0.25)
    assert res.hierarchy.alternatives["B"].weights.tolist() == pytest.approx([0.8, 0.2])
    assert res.experts["甲"].alternatives["B"].weights.tolist() == pytest.approx([2 / 3, 1 / 3])
    # weighted AIJ: 2^0.75 × 8^0.25 = 2^1.5
    weighted = group_ahp(j, expert_weights={"甲": 3, "乙": 1})
    assert weighted.hierarchy.alternatives["B"].matrix.loc["B1", "B2"] == pytest.approx(2 ** 1.5)
    assert weighted.expert_weights.tolist() == [0.75, 0.25]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.floats(0.2, 5.0), min_size=4, max_size=4), min_size=1, max_size=4),
       st.randoms(use_true_random=False))
def test_aij_of_consistent_experts_is_the_geometric_mean_of_their_weights(vectors, rnd):
    # Each expert's level-1 matrix is the consistent v_i / v_j: the panel's matrix is the
    # consistent matrix of the geometric mean of the v's, whatever the experts' order.
    def table(order):
        rows = []
        for k in order:
            v = dict(zip("ABCD", vectors[k], strict=True))
            rows += [(f"e{k}", GOAL, r, c, v[r] / v[c])
                     for i, r in enumerate("ABCD") for c in "ABCD"[i + 1:]]
            rows += [(f"e{k}", m.parent, r, c, 1.0) for m in comparison_matrices()[1:]
                     for i, r in enumerate(m.codes) for c in m.codes[i + 1:]]
        return pd.DataFrame(rows, columns=JUDGEMENT_COLUMNS)

    order = list(range(len(vectors)))
    res = group_ahp(table(order))
    g = np.exp(np.log(np.array(vectors)).mean(axis=0))
    assert res.hierarchy.criteria.weights.to_numpy() == pytest.approx(g / g.sum(), rel=1e-9)
    assert res.hierarchy.criteria.cr == pytest.approx(0.0, abs=1e-9)
    rnd.shuffle(order)
    shuffled = group_ahp(table(order))
    assert shuffled.leaf_weights().to_numpy() == pytest.approx(res.leaf_weights().to_numpy(),
                                                               rel=1e-12)


def test_unjudged_level3_keeps_the_framework_point_shares():
    res = group_ahp(judgements({"甲": {}}))
    leaf = res.leaf_weights()
    # everything equal at levels 1 and 2: 决策 1/4, 项目立项 1/3, A11:A12 = 3:2
    assert leaf["A11"] == pytest.approx(1 / 4 * 1 / 3 * 3 / 5)
    assert leaf["D15"] == pytest.approx(1 / 4 * 1 * 8 / 30)
    assert res.hierarchy.leaves[("A", "A1")].method == "given"
    frame = res.to_frame()
    assert frame.columns.tolist() == ["level", "code", "name", "parent", "local_weight",
                                      "global_weight"]
    row = frame.set_index("code").loc["A1"]
    assert (row["level"], row["parent"]) == (2, "A")
    assert row["global_weight"] == pytest.approx(1 / 12)
    assert frame.groupby("level")["global_weight"].sum().tolist() == pytest.approx([1, 1, 1])


def test_inconsistent_matrices_are_named_with_their_worst_comparison():
    # 产出 C1..C4 judged from the consistent 8:4:2:1, except C1 vs C4 typed 1/8 instead of 8
    pairs = {("C1", "C2"): 2.0, ("C1", "C3"): 4.0, ("C1", "C4"): 1 / 8, ("C2", "C3"): 2.0,
             ("C2", "C4"): 4.0, ("C3", "C4"): 2.0}
    j = judgements({"甲": {"C": pairs}, "乙": {}})
    with pytest.warns(EvalkitWarning, match="甲：判断矩阵“产出（C）下的二级指标”CR = "):
        res = group_ahp(j)
    table = res.consistency()
    row = table[(table.expert_id == "甲") & (table.parent == "C")].iloc[0]
    a = np.array([[1, 2, 4, 1 / 8], [1 / 2, 1, 2, 4], [1 / 4, 1 / 2, 1, 2], [8, 1 / 4, 1 / 2, 1]])
    values, vectors = np.linalg.eig(a)
    w = np.abs(vectors[:, np.argmax(values.real)].real)
    w /= w.sum()
    lam = float(np.max(values.real))
    assert row["cr"] == pytest.approx((lam - 4) / 3 / 0.90, rel=1e-9)
    assert not row["consistent"]
    worst = res.offending()
    mine = worst[(worst.expert_id == "甲")]
    assert len(mine) == 3
    first = mine.iloc[0]
    assert (first["row_code"], first["column_code"], first["value"]) == ("C1", "C4", 1 / 8)
    assert first["implied"] == pytest.approx(w[0] / w[3])
    assert first["deviation"] == pytest.approx(abs(np.log(1 / 8 * w[3] / w[0])))
    errors = [abs(np.log(a[i, k] * w[k] / w[i])) for i in range(4) for k in range(i + 1, 4)]
    assert first["deviation"] == pytest.approx(max(errors))
    assert first["suggested"] in SAATY_VALUES.values()
    assert not res.experts["甲"].is_consistent(0.10)


def test_judgement_table_problems_are_listed():
    j = judgements({"甲": {}})
    bad = pd.concat([j[~((j.parent == "C") & (j.row_code == "C1") & (j.column_code == "C2"))],
                     pd.DataFrame([("甲", "X", "A", "B", 2.0), ("甲", GOAL, "B", "A", 2.0),
                                   ("甲", "B", "B1", "B2", -1.0)], columns=JUDGEMENT_COLUMNS)])
    with pytest.raises(InputError) as info:
        group_ahp(bad)
    text = str(info.value)
    assert "应为指标体系中的上级指标编码或 总目标，实际为 'X'" in text
    assert "'B' 比 'A'" in text
    assert "判断值应为正数，实际为 -1.0" in text
    assert "缺少 C1 比 C2 的判断" in text
    assert "判断重复" in text  # B1 vs B2 twice
    with pytest.raises(InputError, match="专家权重"):
        group_ahp(j, expert_weights={"乙": 1})


# --- the rule set the reports use ------------------------------------------------------------------

def test_inconsistent_panel_writes_no_ruleset_unless_accepted(tmp_path):
    bad = {"总目标": {("A", "B"): 9.0, ("B", "C"): 9.0, ("A", "C"): 1 / 9}}
    with pytest.warns(EvalkitWarning):
        res = group_ahp(judgements({"甲": bad}))
    with pytest.raises(InconsistentMatrixError, match="群体（AIJ）：判断矩阵“一级指标”"):
        write_weighted_ruleset(res, tmp_path / "r.yaml")
    assert not (tmp_path / "r.yaml").exists()
    rs = write_weighted_ruleset(res, tmp_path / "r.yaml", allow_inconsistent=True)
    assert rs.data["weights_provenance"]["consistent"] is False


def test_ruleset_carries_the_panel_points_and_the_report_uses_them(tmp_path):
    # 产出 twice as important as every other level-1 indicator, all else equal:
    # a = (1, 1, 2, 1) / 5 → 决策 20, 过程 20, 产出 40, 效益 20 points
    j = judgements({"甲": {GOAL: {("A", "C"): 1 / 2, ("B", "C"): 1 / 2, ("C", "D"): 2.0}}})
    res = group_ahp(j)
    rs = write_weighted_ruleset(res, tmp_path / "ahp.yaml")
    fw = keyproject.framework(rs)
    assert fw.groupby("level1", sort=False)["level1_weight"].first().tolist() == pytest.approx(
        [20, 20, 40, 20])
    assert fw["weight"].sum() == pytest.approx(100)
    # C11 = 40 × 1/4; A11 = 20 × 1/3 × 3/5; D15 = 20 × 8/30
    by_code = fw.set_index("code")["weight"]
    assert by_code["C11"] == pytest.approx(10)
    assert by_code["A11"] == pytest.approx(4)
    assert by_code["D15"] == pytest.approx(16 / 3)
    assert rs.id == "cn-national+ahp" and rs.sha256 != load_ruleset("national").sha256
    assert rs.version == f"2020.1+ahp.{res.judgements_sha256[:8]}"
    # the same judgements in another order: the same file
    again = write_weighted_ruleset(group_ahp(j.iloc[::-1]), tmp_path / "again.yaml")
    assert again.sha256 == rs.sha256
    record = rs.data["weights_provenance"]
    assert record["experts"] == {"甲": 1.0} and record["consistent"] is True
    assert record["judgements_sha256"] == res.judgements_sha256
    assert record["cr"]["一级指标"] == pytest.approx(0.0, abs=1e-12)

    # the key-project evaluation scores with the new points: total = Σ ratio × new points
    ds = load_dataset(judged_for(rs, tmp_path / "county"), rs)
    pid = "XM-2020-003"
    new = keyproject.evaluate(ds, pid, ruleset=rs)
    old = keyproject.evaluate(load_dataset("sample", "national"), pid, ruleset="national")
    ratios = old.sheet.set_index("code")["ratio"]
    assert new.total == pytest.approx(float((ratios * by_code).sum()), rel=1e-12)
    assert new.total != pytest.approx(old.total)


def test_combination_with_portfolio_entropy_weights(tmp_path):
    res = group_ahp(judgements({"甲": {}}))
    ratios = portfolio_ratios("sample", ruleset="national")
    assert ratios.shape == (6, 20) and ratios.index.name == "project_id"
    rs = write_weighted_ruleset(res, tmp_path / "c.yaml", objective="entropy", ratios=ratios)
    expected = combine_weights(res.leaf_weights(), entropy_weights(ratios), method="linear")
    fw = keyproject.framework(rs).set_index("code")["weight"]
    assert fw.to_numpy() == pytest.approx(100 * expected.reindex(fw.index).to_numpy(), rel=1e-12)
    assert rs.data["weights_provenance"]["objective"]["method"] == "entropy"
    assert "熵权法" in rs.description
    with pytest.raises(InputError, match="组合赋权需要项目得分率表"):
        write_weighted_ruleset(res, tmp_path / "x.yaml", objective="critic")


# --- the command line ---------------------------------------------------------------------------

def test_cli_template_weights_and_report_end_to_end(tmp_path, capsys):
    book = tmp_path / "ahp.xlsx"
    assert main(["template", "ahp", "--experts", "2", "-o", str(book)]) == 0
    assert "4 个判断矩阵" in capsys.readouterr().out
    level1 = consistent([1, 1, 2, 1])  # 产出 twice the others
    fill(book, "专家01", {GOAL: level1})
    fill(book, "专家02", {GOAL: level1})
    rules, table = tmp_path / "ahp.yaml", tmp_path / "weights.xlsx"
    assert main(["weights", str(book), "-o", str(rules), "--table", str(table)]) == 0
    out = capsys.readouterr().out
    assert "已读取 2 位专家的判断；群体一致性检验通过" in out
    assert "产出 40.00" in out
    sheets = pd.read_excel(table, sheet_name=None, engine="openpyxl")
    assert list(sheets) == ["权重", "一级指标分值", "一致性检验", "不一致判断", "专家判断"]
    assert len(sheets["专家判断"]) == 2 * 16
    assert sheets["一级指标分值"]["分值"].tolist() == pytest.approx([20, 20, 40, 20])

    # the report, run as consultants run it, uses the new points
    county, out_dir = judged_for(rules, tmp_path / "county"), tmp_path / "out"
    assert main(["run", "key_project_evaluation", "--project", "XM-2020-003", "--ruleset",
                 str(rules), "--dataset", str(county), "--out", str(out_dir),
                 "--format", "html"]) == 0
    summary = json.loads((out_dir / "XM-2020-003" / "XM-2020-003.json").read_text("utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        old = keyproject.evaluate(load_dataset("sample", "national"), "XM-2020-003",
                                  ruleset="national")
    points = keyproject.framework(str(rules)).set_index("code")["weight"]
    assert summary["total"] == pytest.approx(
        float((old.sheet.set_index("code")["ratio"] * points).sum()), rel=1e-9)
    assert summary["total"] != pytest.approx(old.total)
    assert "产出" in (out_dir / "XM-2020-003" / "XM-2020-003.html").read_text("utf-8")
    assert summary["ruleset_id"] == "cn-national+ahp"


def test_cli_reports_a_bad_workbook_and_an_inconsistent_panel(tmp_path, capsys):
    book = tmp_path / "ahp.xlsx"
    main(["template", "ahp", "--experts", "1", "-o", str(book)])
    assert main(["weights", str(book), "-o", str(tmp_path / "r.yaml")]) == 1
    assert "整张工作表未填写" in capsys.readouterr().err
    bad = [["", "9", "1/9", "1"], ["", "", "9", "1"], ["", "", "", "1"], ["", "", "", ""]]
    fill(book, "专家01", {GOAL: bad})
    assert main(["weights", str(book), "-o", str(tmp_path / "r.yaml")]) == 1
    err = capsys.readouterr().err
    assert "一致性 (consistency): 专家01：判断矩阵“一级指标”" in err
    assert "未写出规则集" in err and "Traceback" not in err
    assert main(["template", "exante", "-o", str(tmp_path / "e.xlsx")]) == 2


def test_cli_level3_template_and_result_display(tmp_path, capsys):
    book = tmp_path / "ahp3.xlsx"
    assert main(["template", "ahp", "--experts", "1", "--level3", "-o", str(book)]) == 0
    assert "10 个判断矩阵" in capsys.readouterr().out
    assert list(layout(book))[-1] == "D1"
    fill(book, "专家01", {"D1": DOMAIN_5X5}, expert_id="<b>赵</b>")
    res = group_ahp(read_ahp_workbooks(book))
    assert list(res.experts) == ["<b>赵</b>"]
    shown = res._repr_html_()
    assert "1 位专家" in shown and "一致性检验通过" in shown
    assert res.leaf_weights()["D15"] == pytest.approx(0.25 * 0.3441, abs=1e-4)


def test_a_workbook_serves_every_rule_set_with_the_same_tree(template, tmp_path):
    # national and provincial share the framework's shape (their points and RI tables differ)
    fill(template, "专家01", {"D1": DOMAIN_5X5})
    fill(template, "专家02", {"D1": DOMAIN_5X5})
    res = group_ahp(read_ahp_workbooks(template, ruleset="provincial"), ruleset="provincial")
    assert res.hierarchy.leaves[("D", "D1")].ri == 1.12  # n = 5 in both tables
    rs = write_weighted_ruleset(res, tmp_path / "p.yaml")
    assert rs.id == f"{load_ruleset('provincial').id}+ahp"
    assert rs.data["grades"] == load_ruleset("provincial").data["grades"]
