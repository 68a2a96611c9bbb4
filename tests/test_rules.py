"""Rule sets: loading, validation messages, hashing, grade bands."""

import math
from pathlib import Path

import pytest
import yaml

from evalkit import RuleSetError, available_rulesets, grade, load_ruleset
from evalkit.rules import band_of


def write_variant(tmp_path: Path, edit) -> Path:
    data = dict(load_ruleset("national").data)
    data = yaml.safe_load(yaml.safe_dump(data, allow_unicode=True))  # deep copy
    edit(data)
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_rulesets_differ_where_jurisdictions_differ():
    nat, prov = load_ruleset("national"), load_ruleset("provincial")
    assert available_rulesets() == ["national", "provincial"]
    assert nat.id != prov.id and nat.sha256 != prov.sha256
    assert [b.low for b in nat.grades] != [b.low for b in prov.grades]
    assert [b.low for b in nat.conclusion_tiers] != [b.low for b in prov.conclusion_tiers]
    assert (nat.reverse_convention, prov.reverse_convention) == ("A", "B")


def test_default_bands_are_half_open():
    assert grade(90) == "优" and grade(89.99999) == "良" and grade(80) == "良"
    assert grade(79.9999) == "中" and grade(60) == "中" and grade(59.999) == "差"
    assert grade(0) == "差"
    assert list(grade([95, 85])) == ["优", "良"]


def test_hash_ignores_comments_and_layout(tmp_path):
    text = Path(load_ruleset("national").source.replace("evalkit/", "evalkit/")).name
    assert text == "national.yaml"
    path = write_variant(tmp_path, lambda d: None)
    assert load_ruleset(path).sha256 == load_ruleset("national").sha256


def test_load_by_path_records_the_file(tmp_path):
    path = write_variant(tmp_path, lambda d: d.update(id="county-x"))
    rs = load_ruleset(path)
    assert rs.id == "county-x" and rs.source == str(path)
    assert rs.sha256 != load_ruleset("national").sha256


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d.pop("grades"), "missing key 'grades'"),
    (lambda d: d["scoring"].pop("reverse_convention"), "missing key 'scoring.reverse_convention'"),
    (lambda d: d["grades"][1].update(max=95), "良 \\[80.0, 95.0\\) overlaps 优"),
    (lambda d: d["grades"][1].update(min=82), "gap \\[80.0, 82.0\\)"),
    (lambda d: d["selfeval"]["level1_weights"].update(产出指标=55), "summing to 100"),
    (lambda d: d["scoring"].update(reverse_convention="C"), "expected A or B, found 'C'"),
    (lambda d: d["exante"]["veto"][0].update(dimension="不存在"), "exante.veto\\[0\\].dimension"),
    (lambda d: d["exante"]["conclusion_tiers"][0].update(max=100), "top band with max: null"),
    (lambda d: d["exante"]["items"][0].update(points=5), "sub-items of 立项必要性 summing to 20"),
    (lambda d: d["exante"]["items"][1].update(item_id="A1"), "expected a unique item id"),
])
def test_invalid_rulesets_name_the_key(tmp_path, edit, message):
    path = write_variant(tmp_path, edit)
    with pytest.raises(RuleSetError, match=message) as info:
        load_ruleset(path)
    assert str(path) in str(info.value)


def test_unknown_name_lists_the_shipped_ones():
    with pytest.raises(RuleSetError, match="national, provincial"):
        load_ruleset("nowhere")


def test_band_of_nan_is_blank():
    assert band_of([math.nan], load_ruleset().grades).tolist() == [""]
