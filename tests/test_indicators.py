"""Indicator trees: building, checks naming the node, flattening."""

import pytest

from evalkit import IndicatorTree, IndicatorTreeError
from evalkit.scoring import prepare_indicators

YAML = """
indicators:
  - {code: A, name: 决策, weight: 20, children: [
      {code: A1, name: 项目立项, weight: 10, children: [
        {code: A11, name: 立项依据充分性, weight: 5}, {code: A12, name: 立项程序规范性, weight: 5}]},
      {code: A2, name: 绩效目标, weight: 10, children: [
        {code: A21, name: 绩效目标合理性, weight: 6, kind: 定性}, {code: A22, name: 绩效指标明确性, weight: 4}]}]}
  - {code: B, name: 产出, weight: 80, children: [
      {code: B1, name: 数量, weight: 80, children: [{code: B11, name: 实际完成率, weight: 80}]}]}
"""


def test_yaml_tree_flattens_with_levels_and_attrs():
    tree = IndicatorTree.from_yaml(YAML)
    flat = tree.flatten()
    assert tree.total == 100
    assert flat["indicator_id"].tolist() == ["A11", "A12", "A21", "A22", "B11"]
    assert flat.loc[2, "kind"] == "定性" and flat.loc[2, "level2"] == "绩效目标"
    assert flat["weight"].sum() == 100


@pytest.mark.parametrize(("old", "new", "message"), [
    ("{code: A12, name: 立项程序规范性, weight: 5}", "{code: A12, name: 立项程序规范性, weight: 4}",
     "A1 \\(项目立项\\): expected children summing to 10 points, found 9"),
    ("{code: B11,", "{code: A11,", "A11 \\(实际完成率\\): expected a unique code"),
    ("weight: 80, children: [{code: B11, name: 实际完成率, weight: 80}]",
     "weight: 80", "B1 \\(数量\\): expected level-3 children, found none"),
    ("{code: A22, name: 绩效指标明确性, weight: 4}", "{code: A22, name: 绩效指标明确性, weight: -4}",
     "A22 \\(绩效指标明确性\\): expected points ≥ 0"),
])
def test_bad_trees_name_the_node(old, new, message):
    assert old in YAML
    with pytest.raises(IndicatorTreeError, match=message):
        IndicatorTree.from_yaml(YAML.replace(old, new, 1))


def test_tree_from_a_project_sheet(tmp_path):
    from conftest import INDICATOR_ROWS, make_workbook

    from evalkit import read_dataset

    ds = read_dataset(make_workbook(tmp_path / "a.xlsx"))
    sheet = prepare_indicators(ds.indicators)
    tree = IndicatorTree.from_table(sheet[sheet["project_id"] == "P001"])
    assert [r.name for r in tree.roots] == ["产出指标", "效益指标", "满意度指标"]
    assert tree.total == sum(r[8] for r in INDICATOR_ROWS if r[0] == "P001")
