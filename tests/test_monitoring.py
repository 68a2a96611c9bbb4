"""Dual monitoring (绩效运行监控): lights on both sides of every threshold, the 20-point and
60-point rules at their boundaries, the monitoring review score on hand-worked forms, the
monitoring tables' located validation, the rule-set section, and the sample county's checkpoint.

Expected values are worked by hand from DOMAIN.md §6 and the national rule set's ``monitoring``
section (lights: budget red < 60 % ≤ yellow < 80 % ≤ green; indicators additionally blue from
120 %; review table 40/30/20/10)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from evalkit import registry
from evalkit.errors import DatasetError, InputError, RuleSetError
from evalkit.io import Dataset, load_dataset, read_dataset
from evalkit.rules import failer, load_ruleset
from evalkit.stages import monitoring
from evalkit.stages import monitoring_prose as prose

NATIONAL = load_ruleset("national")


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


#: One project's indicator sheet: (id, level2, name, comparator, target, unit, weight, actual).
SHEET = [
    ("I1", "数量指标", "培训人次", "≥", "1000", "人次", 30, "1000"),
    ("I2", "质量指标", "合格率", "≥", "90%", "%", 20, "90%"),
    ("I3", "成本指标", "人均成本", "≤", "100", "元", 20, "100"),
    ("I4", "社会效益指标", "长效机制", "定性", "健全", "", 20, "达成"),
]


def make_dataset(tmp_path: Path, *, month: int = 6, budget: float = 120.0, spent_ytd: float = 60.0,
                 expected_spent: float = 108.0, measures: str = "加快进度",
                 progress: dict[str, str] | None = None, expected: dict[str, str] | None = None,
                 likelihood: dict[str, str] | None = None, cause: dict[str, str] | None = None,
                 evidence: dict[str, str] | None = None, explanation: str = "原因说明",
                 sheet=SHEET, extra_rows=()) -> Path:
    """A one-project dataset folder (Chinese headers for the monitoring tables)."""
    folder = tmp_path / f"ds{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    _write(folder / "units.csv", ["unit_id", "unit_name", "budget"], [["DW1", "教育局", 500]])
    _write(folder / "projects.csv",
           ["project_id", "project_name", "unit_id", "unit_name", "year", "category",
            "is_poverty", "budget", "received", "spent"],
           [["P1", "培训项目", "DW1", "教育局", 2020, "本级", "否", budget, budget,
             expected_spent]])
    _write(folder / "indicators.csv",
           ["project_id", "indicator_id", "level1", "level2", "name", "comparator", "target",
            "unit", "weight", "actual"],
           [["P1", i, "满意度指标" if l2 == "满意度" else
             "效益指标" if "效益" in l2 else "产出指标", l2, n, c, t, u, w, a]
            for i, l2, n, c, t, u, w, a in sheet])
    _write(folder / "绩效监控.csv", ["项目编码", "监控月份", "截至监控月执行数", "全年预计执行数",
                                  "纠偏措施"],
           [["P1", month, spent_ytd, expected_spent, measures]])
    progress = progress or {}
    rows = []
    for i, _, _, _, _, _, _, actual in sheet:
        rows.append(["P1", i, progress.get(i, actual), (expected or {}).get(i, actual),
                     (likelihood or {}).get(i, "确定能"), (cause or {}).get(i, ""),
                     explanation if (cause or {}).get(i) else "", (evidence or {}).get(i, "E")])
    _write(folder / "监控指标.csv", ["项目编码", "指标编码", "截至监控月完成值", "全年预计完成值",
                                  "完成目标可能性", "偏差原因", "原因说明", "佐证材料"],
           rows + [list(r) for r in extra_rows])
    return folder


def run(tmp_path: Path, **kw) -> monitoring.MonitoringResult:
    return monitoring.evaluate(read_dataset(make_dataset(tmp_path, **kw)), "P1")


def lights(result: monitoring.MonitoringResult) -> dict[str, str]:
    return dict(zip(result.indicators["indicator_id"], result.indicators["light"], strict=True))


# --- time progress and the budget light ---------------------------------------------------------

def test_time_progress_is_month_over_twelve():
    assert monitoring.time_progress(7) == 7 / 12
    assert monitoring.time_progress(12) == 1.0
    with pytest.raises(InputError, match="1 至 12"):
        monitoring.time_progress(13)


@pytest.mark.parametrize(("spent_ytd", "light"), [
    # budget 120, month 6 → time progress 0.5; ratio = spent / 120 / 0.5
    (36.0, "黄"),     # 0.30 / 0.5 = 0.60: yellow from 60 %
    (35.99, "红"),    # 0.5998… below 60 %
    (48.0, "绿"),     # 0.40 / 0.5 = 0.80: green from 80 %
    (47.99, "黄"),    # 0.7998…
    (96.0, "绿"),     # 1.6: the budget has no blue band
])
def test_budget_light_on_both_sides_of_each_threshold(tmp_path, spent_ytd, light):
    result = run(tmp_path, spent_ytd=spent_ytd)
    assert result.budget["ratio"] == pytest.approx(spent_ytd / 120 / 0.5, abs=1e-12)
    assert result.budget["light"] == light


# --- indicator lights ---------------------------------------------------------------------------

@pytest.mark.parametrize(("progress", "light"), [
    # ≥ 1000 人次 counted over the year, month 6: ratio = progress / 1000 / 0.5
    ("300", "黄"), ("299", "红"), ("400", "绿"), ("399", "黄"), ("600", "蓝"), ("599", "绿"),
])
def test_counted_at_least_indicator_lights(tmp_path, progress, light):
    assert lights(run(tmp_path, progress={"I1": progress}))["I1"] == light


@pytest.mark.parametrize(("progress", "light"), [
    # ≥ 90 % is a level: ratio = progress / 90 without time progress
    ("72%", "绿"), ("71.9%", "黄"), ("54%", "黄"), ("53.9%", "红"),
])
def test_level_at_least_indicator_ignores_time_progress(tmp_path, progress, light):
    assert lights(run(tmp_path, progress={"I2": progress}))["I2"] == light


@pytest.mark.parametrize(("progress", "light"), [
    # ≤ 100 元: ratio = 100 / progress
    ("125", "绿"), ("126", "黄"), ("166", "黄"), ("167", "红"), ("83.4", "绿"), ("83.3", "蓝"),
    ("0", "蓝"),
])
def test_at_most_indicator_lights(tmp_path, progress, light):
    assert lights(run(tmp_path, progress={"I3": progress}))["I3"] == light


@pytest.mark.parametrize(("target", "progress", "light"), [
    ("0", "0", "绿"),     # a zero target is met only by a value ≤ 0
    ("0", "1", "红"),
    ("10", "10", "绿"),
    ("10", "8", "绿"),    # min / max = 0.8
    ("10", "12.6", "黄"),  # 10 / 12.6 = 0.79…
    ("10", "5.9", "红"),  # 0.59
])
def test_equality_indicator_lights(tmp_path, target, progress, light):
    sheet = [*SHEET, ("I5", "质量指标", "安全事故", "=", target, "次", 0, target)]
    result = run(tmp_path, sheet=sheet, progress={"I5": progress})
    assert lights(result)["I5"] == light


@pytest.mark.parametrize(("likelihood", "light"), [
    ("确定能", "绿"), ("有可能", "黄"), ("完全不可能", "红"), ("", "红")])
def test_qualitative_indicator_takes_the_light_of_its_likelihood(tmp_path, likelihood, light):
    assert lights(run(tmp_path, likelihood={"I4": likelihood}))["I4"] == light


def test_missing_progress_is_the_worst_light(tmp_path):
    assert lights(run(tmp_path, progress={"I1": ""}))["I1"] == "红"


@pytest.mark.parametrize(("progress", "project_light"), [
    ({}, "绿"),                                  # I1 500/1000/0.5 = 1.0, all on track
    ({"I1": "600"}, "蓝"),                       # blue is worse than green
    ({"I1": "600", "I3": "130"}, "黄"),          # yellow worse than blue
    ({"I1": "200", "I3": "130"}, "红"),          # red is the worst
])
def test_project_light_is_its_worst_indicator(tmp_path, progress, project_light):
    progress = {"I1": "500", **progress}
    assert run(tmp_path, progress=progress).light == project_light


def test_indicator_ratios_by_hand():
    got = monitoring.indicator_ratios(["≥", "≥", "≤", "≤", "=", "=", "定性"],
                                      [350, 91, 80, 0, 0, 7, np.nan],
                                      [1000, 90, 100, 100, 0, 10, np.nan],
                                      ["人", "%", "元", "元", "次", "次", ""], 7)
    # 350 / 1000 / (7/12) = 0.6; 91 / 90; 100 / 80; ∞; met; 0.7; NaN
    np.testing.assert_allclose(got[:3], [0.6, 91 / 90, 1.25], rtol=1e-12)
    assert got[3] == np.inf and got[4] == 1.0 and got[5] == pytest.approx(0.7)
    assert np.isnan(got[6])


# --- the gap and the seed's rules --------------------------------------------------------------

def gap_case(tmp_path, expected_spent: float) -> monitoring.MonitoringResult:
    """Completion rate 0.9 exactly: I1 expected 700 of 1000 (0.7 × 30 = 21 points), the other
    60 points full: 81 / 90 = 0.9. Execution = expected_spent / 120."""
    return run(tmp_path, expected_spent=expected_spent, expected={"I1": "700"})


@pytest.mark.parametrize(("expected_spent", "flag"), [
    (84.0, False),     # execution 0.70: gap exactly 20 points → not "more than 20"
    (83.988, True),    # 0.6999: 20.01 points
    (120.0, False),    # execution 1.0: −10 points
])
def test_twenty_point_rule_at_its_boundary(tmp_path, expected_spent, flag):
    result = gap_case(tmp_path, expected_spent)
    assert result.projection["completion_rate"] == pytest.approx(0.9, abs=1e-12)
    execution = expected_spent / 120
    assert result.projection["gap_points"] == pytest.approx((0.9 - execution) * 100, abs=1e-9)
    assert result.projection["relative_gap"] == pytest.approx((0.9 - execution) / execution)
    assert result.flagged is flag
    assert bool(result.reasons) is flag


@pytest.mark.parametrize(("score", "flag"), [(60.0, False), (59.99, True), (59.999999, True)])
def test_sixty_point_rule_at_its_boundary(score, flag):
    assert monitoring.flagged(0.0, score, gap_limit=20, min_score=60) is flag


def test_gap_limit_from_the_rule_set(tmp_path):
    folder = make_dataset(tmp_path, expected_spent=83.988, expected={"I1": "700"})
    data = dict(NATIONAL.data)
    data["monitoring"] = {**data["monitoring"], "gap_points": 25}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert monitoring.evaluate(read_dataset(folder), "P1", ruleset=path).flagged is False


# --- the monitoring review score ---------------------------------------------------------------

def test_review_score_of_a_complete_form_is_100(tmp_path):
    result = run(tmp_path, progress={"I1": "500"})
    assert result.review_score == 100.0
    assert result.review["share"].tolist() == [1.0, 1.0, 1.0, 1.0]


def test_review_score_hand_worked(tmp_path):
    """Four rows. I1 progress blank (red) and I4 likelihood blank (red): 10 of 12 cells filled
    → 40 × 10/12 = 33.333…; deviating rows I1, I4, I3 (130 → yellow), of which I3 and I4 are
    explained → 30 × 2/3 = 20; measures written → 20; evidence on 3 of 4 rows → 7.5.
    Total 80.8333…"""
    result = run(tmp_path, progress={"I1": "", "I3": "130"}, likelihood={"I4": ""},
                 cause={"I3": "经费保障", "I4": "其他"}, evidence={"I2": ""})
    assert lights(result) == {"I1": "红", "I2": "绿", "I3": "黄", "I4": "红"}
    np.testing.assert_allclose(result.review["score"], [40 * 10 / 12, 20.0, 20.0, 7.5])
    assert result.review_score == pytest.approx(40 * 10 / 12 + 20 + 20 + 7.5, abs=1e-12)


def test_review_score_without_measures_when_off_track(tmp_path):
    """I1 yellow (350/1000/0.5 = 0.7), explained; no 纠偏措施 → 20 points lost: 80."""
    result = run(tmp_path, progress={"I1": "350"}, cause={"I1": "人员保障"}, measures="")
    assert result.review_score == pytest.approx(80.0)
    on_track = run(tmp_path, progress={"I1": "500"}, measures="")
    assert on_track.review_score == 100.0   # nothing off track: no measures needed


def test_review_score_below_sixty_flags_the_project(tmp_path):
    """Every row blank except expected values: completeness 4/12 → 13.33; 4 deviating rows,
    none explained → 0; no measures → 0; no evidence → 0. 13.33 < 60 → notice."""
    blank = {i: "" for i, *_ in SHEET}
    result = run(tmp_path, progress=blank, likelihood=blank, evidence=blank, measures="")
    assert result.review_score == pytest.approx(40 * 4 / 12)
    assert result.flagged and "低于 60 分" in result.reasons[0]


def test_review_score_function():
    assert monitoring.review_score([40, 30, 20, 10], [1, 0.5, 1, 0.75]) == 82.5
    with pytest.raises(InputError):
        monitoring.review_score([40], [1.5])


# --- located validation ------------------------------------------------------------------------

def test_monitoring_tables_validate_with_located_errors(tmp_path):
    folder = make_dataset(tmp_path, month=13, progress={"I1": "约三百"},
                          likelihood={"I2": "可能"}, cause={"I3": "天气"},
                          extra_rows=[["P1", "I9", "1", "1", "确定能", "", "", ""]])
    with pytest.raises(DatasetError) as err:
        read_dataset(folder)
    text = str(err.value)
    assert "绩效监控.csv" in text and "监控月份" in text and "1 至 12" in text
    # rows as Excel shows them: header row 1, I1 on row 2, I2 row 3, I3 row 4, I9 row 6
    for fragment in ("第 2 行", "截至监控月完成值", "'约三百'", "第 3 行", "完成目标可能性",
                     "'可能'", "第 4 行", "偏差原因", "'天气'", "第 6 行", "'I9'"):
        assert fragment in text, fragment


def test_qualitative_expected_value_must_be_a_tier(tmp_path):
    with pytest.raises(DatasetError, match="定性等级"):
        read_dataset(make_dataset(tmp_path, expected={"I4": "很好"}))


def test_explanations_keep_chinese_punctuation(tmp_path):
    folder = make_dataset(tmp_path, measures="加快拨付，按月调度")
    assert read_dataset(folder).tables["monitoring"]["measures"].iat[0] == "加快拨付，按月调度"


def test_a_project_without_a_form_is_a_clear_error(tmp_path):
    data = read_dataset(make_dataset(tmp_path))
    without = Dataset({**data.tables, "monitoring": data.tables["monitoring"].iloc[:0]},
                      data.source, {})
    with pytest.raises(InputError, match="绩效监控表中没有该项目"):
        monitoring.evaluate(without, "P1")


# --- the rule-set section ----------------------------------------------------------------------

def section(**change):
    return {**dict(NATIONAL.data["monitoring"]), **change}


@pytest.mark.parametrize(("change", "message"), [
    ({"review_items": [{"item": "完整性", "points": 90, "measure": "completeness"}]},
     "summing to 100"),
    ({"review_items": [{"item": "完整性", "points": 100, "measure": "speed"}]}, "measure"),
    ({"light_order": ["红", "黄", "绿"]}, "every light"),
    ({"qualitative_lights": {"确定能": "绿"}}, "qualitative_lights"),
    ({"budget_lights": [{"light": "绿", "min": 0.8, "max": None},
                        {"light": "红", "min": 0, "max": 0.6}]}, "no gap"),
    ({"rectification_days": 0}, "rectification_days"),
    ({"gap_points": -1}, "gap_points"),
])
def test_check_ruleset_rejects(change, message):
    with pytest.raises(RuleSetError, match=message):
        monitoring.check_ruleset(section(**change), failer("test.yaml"))


def test_both_shipped_rule_sets_carry_the_section():
    for name in ("national", "provincial"):
        monitoring.check_ruleset(load_ruleset(name).section("monitoring"), failer(name))
    assert monitoring.framework()["points"].sum() == 100


# --- the sample county's checkpoint -------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    return load_dataset("sample")


@pytest.fixture(scope="module")
def table(sample):
    return monitoring.evaluate_many(sample)


def test_sample_checkpoint_end_of_july_for_all_77(table):
    assert len(table) == 77 and set(table["month"]) == {7}


def test_sample_notices_and_lights_per_colour(table):
    """The figures quoted in the closing note: 8 notices (6 by the 20-point rule, 2 by the
    60-point rule), project lights 红 21 / 黄 24 / 蓝 8 / 绿 24, budget lights 红 13 / 黄 10 /
    绿 54."""
    flagged = table[table["flagged"]]
    assert len(flagged) == 8
    assert (flagged["gap_points"].abs() > 20).sum() == 6
    assert (flagged["review_score"] < 60).sum() == 2
    assert set(flagged.loc[flagged["review_score"] < 60, "project_id"]) == {"XM-2020-017",
                                                                           "XM-2020-058"}
    assert table["light"].value_counts().to_dict() == {"红": 21, "黄": 24, "蓝": 8, "绿": 24}
    assert table["budget_light"].value_counts().to_dict() == {"红": 13, "黄": 10, "绿": 54}


def test_notice_type_applies_exactly_to_the_flagged(sample, table):
    notice = registry.get("rectification_notice")
    assert notice.subjects(sample) == list(table.loc[table["flagged"], "project_id"])
    assert registry.get("monitoring").subjects(sample) == list(table["project_id"])


def test_notice_prose(sample):
    result = monitoring.evaluate(sample, "XM-2020-017")
    assert result.flagged and result.deadline == "2020-08-30"
    text = prose.findings(result)
    assert text.startswith("1. 监控审核得分") and "填报完整性扣" in text
    assert "补充佐证材料" in prose.required_measures(result)
    assert prose.deadline(result).startswith("请于 2020年8月30日 前完成整改")
    calm = monitoring.evaluate(sample, table_first_green(sample))
    assert "无需下发整改通知书" in prose.conclusion(calm)


def table_first_green(sample) -> str:
    t = monitoring.evaluate_many(sample)
    return t.loc[~t["flagged"], "project_id"].iloc[0]


def test_portfolio_table_has_chinese_headers(table):
    assert list(table.columns) == list(monitoring.MONITORING_HEADERS)
    assert all("\u4e00" <= h[0] <= "\u9fff" for h in monitoring.MONITORING_HEADERS.values())
    assert isinstance(table, pd.DataFrame)


def test_a_monitoring_form_without_its_indicator_rows_is_a_located_error(tmp_path):
    folder = make_dataset(tmp_path)
    (folder / "监控指标.csv").unlink()
    with pytest.raises(DatasetError, match="监控指标 .monitoring_indicators.*缺少该表"):
        read_dataset(folder)


def test_a_dataset_without_monitoring_has_an_empty_portfolio(tmp_path):
    folder = make_dataset(tmp_path)
    for name in ("绩效监控.csv", "监控指标.csv"):
        (folder / name).unlink()
    data = read_dataset(folder)
    assert monitoring.evaluate_many(data).empty
    assert registry.get("rectification_notice").subjects(data) == []


def test_report_tables_keep_the_explanations_punctuation(tmp_path):
    result = run(tmp_path, progress={"I1": "350"}, cause={"I1": "人员保障"},
                 explanation="人手不足，已补充")
    assert result.indicators.set_index("indicator_id").at["I1", "explanation"] == "人手不足，已补充"
    assert "人手不足，已补充" in prose.deviations(result)


# --- properties ---------------------------------------------------------------------------------

_values = st.floats(min_value=0.01, max_value=1e6, allow_nan=False)


@given(a=_values, b=_values, target=_values, month=st.integers(1, 12))
def test_more_progress_never_a_lower_ratio_on_at_least_rows(a, b, target, month):
    low, high = sorted((a, b))
    r = monitoring.indicator_ratios(["≥", "≥"], [low, high], [target, target], ["人", "人"], month)
    assert r[0] <= r[1]
    r = monitoring.indicator_ratios(["≤", "≤"], [low, high], [target, target], ["元", "元"], month)
    assert r[0] >= r[1]


@given(shares=st.lists(st.floats(0, 1), min_size=4, max_size=4))
def test_review_score_stays_within_0_and_100(shares):
    score = monitoring.review_score([40, 30, 20, 10], shares)
    assert -1e-9 <= score <= 100 + 1e-9
