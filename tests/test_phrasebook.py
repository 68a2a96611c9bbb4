"""Tests for evalkit.phrasebook: defaults, rule-set overrides, errors naming the entry, the
materiality rule, and the scoring rules in words (no rule code reaches a reader)."""

from __future__ import annotations

import copy
import re
import warnings

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from evalkit.errors import RuleSetError
from evalkit.io import load_dataset
from evalkit.phrasebook import Phrasebook, phrasebook
from evalkit.rules import _builtin_data, load_ruleset
from evalkit.scoring import score_indicators

RULE_CODES = re.compile(r"正向:|反向A|反向B|定性:|等于:")


def custom(tmp_path, prose, base="national"):
    data = copy.deepcopy(_builtin_data(base))
    data["prose"] = prose
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_rule_set_section_overrides_entries_and_keeps_the_rest(tmp_path):
    path = custom(tmp_path, {"rules": {"ge": "越大越好，按完成比例计分"},
                             "materiality": {"min_lost_points": 2}})
    words = phrasebook(path)
    assert words.text("rules.ge") == "越大越好，按完成比例计分"
    assert words.min_lost_points == 2 and words.min_lost_share == 0.1  # default kept
    assert words.text("rules.le_A") == phrasebook("national").text("rules.le_A")
    assert phrasebook("provincial").min_lost_points == 1.0


@pytest.mark.parametrize(("prose", "match"), [
    ({"rule": {"ge": "x"}}, "prose.rule 不存在"),
    ({"materiality": 0.5}, "prose.materiality 应为映射"),
    ({"rules": {"ge": {"a": 1}}}, "prose.rules.ge 的类型应与默认值"),
])
def test_a_bad_override_names_the_entry(tmp_path, prose, match):
    with pytest.raises(RuleSetError, match=match):
        phrasebook(custom(tmp_path, prose))


def test_a_slot_the_sentence_cannot_have_is_an_error(tmp_path):
    words = phrasebook(custom(tmp_path, {"problem": "“{name}”扣 {lost} 分，{typo}"}))
    with pytest.raises(RuleSetError, match=r"用语库条目 problem 使用了不可用的占位符 \['typo'\]"):
        words.text("problem", name="a", lost="1", weight="2", cause="c")


@given(st.floats(0, 100), st.floats(0.01, 100), st.floats(0, 10), st.floats(0, 1))
def test_materiality_is_the_either_or_threshold_and_monotone(lost, weight, points, share):
    words = Phrasebook({"materiality": {"min_lost_points": points, "min_lost_share": share}}, "t")
    material = words.is_material(lost, weight)
    assert material == (lost >= points - 1e-9 or lost / weight >= share - 1e-9)
    if material:
        assert words.is_material(lost * 1.5 + 0.1, weight)


@pytest.mark.parametrize("name", ["national", "provincial"])
def test_scoring_rules_are_chinese_phrases_for_every_sample_indicator(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_dataset("sample", load_ruleset(name))
        sheet = score_indicators(data.indicators, ruleset=name).sheet
    rules = set(sheet["rule"])
    assert not any(RULE_CODES.search(r) for r in rules)
    words = phrasebook(name)
    convention = load_ruleset(name).reverse_convention
    assert {words.text("rules.ge"), words.text(f"rules.le_{convention}")} <= rules
