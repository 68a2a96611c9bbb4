"""Department-wide evaluation (部门整体支出绩效评价, DOMAIN.md §13): every formula on hand-worked
cases at and around its threshold, the roll-up of project results, one unit worked by hand, the
rule-set section, bad input, and the two reports end to end on the sample county."""

import copy
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from evalkit.batch import run_report
from evalkit.errors import DatasetError, InputError, RuleSetError
from evalkit.io import Dataset, read_dataset
from evalkit.rules import failer, load_ruleset
from evalkit.stages import unitwide
from evalkit.stages.unitwide import (
    assess,
    check_ruleset,
    evaluate,
    evaluate_many,
    evaluate_self,
    framework,
    measure_values,
    project_summary,
    score_measure,
)
from evalkit.summary import SUMMARY_HEADERS

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "sample" / "csv"

#: The unit worked by hand below (the same as the stage's doctest unit).
UNIT = {"unit_id": "U1", "unit_name": "示例局", "budget": 1000, "spent": 950, "staff": 52,
        "authorized_staff": 50, "sangong": 9, "sangong_last": 10, "adjustment": 30,
        "carryover": 38, "spent_last": 900, "carryover_last": 45, "procurement_budget": 200,
        "procurement_spent": 180, "assets": 500, "assets_in_use": 480, "satisfaction": 92}
TASKS = pd.DataFrame({"unit_id": "U1", "task_id": ["RW01", "RW02"], "task": ["督导检查", "业务培训"],
                      "target": [10.0, 4.0], "actual": [9.0, 5.0]})
NO_PROJECTS = pd.DataFrame(columns=[*SUMMARY_HEADERS, "unit_id"])


def rule(name, ruleset="national"):
    """The rule-set entry of the indicator called ``name``."""
    return next(i for i in load_ruleset(ruleset).section("unitwide")["indicators"]
                if i["name"] == name)


def judgements(tier="达成", self_tier="达成", **overrides):
    """One judgement per judged indicator of the national set; ``overrides`` by name → tier."""
    judged = [i for i in load_ruleset("national").section("unitwide")["indicators"]
              if i["measure"] == "judged"]
    return pd.DataFrame({"unit_id": "U1", "item_id": [i["id"] for i in judged],
                         "self_tier": self_tier,
                         "tier": [overrides.get(i["name"], tier) for i in judged],
                         "evidence": "佐证", "note": ""})


# --- each formula at and around its threshold ---------------------------------------------------

@pytest.mark.parametrize(("staff", "authorized", "expected"), [
    (50, 50, 5.0),      # 100 %: at the limit, full marks
    (45, 50, 5.0),      # below
    (201, 200, 4.75),   # 100.5 %: 0.5 point over × 0.5
    (52, 50, 3.0),      # 104 %: 5 − 0.5 × 4
    (55, 50, 0.0),      # 110 %: 5 − 0.5 × 10 = 0
    (60, 50, 0.0),      # 120 %: floored at 0
])
def test_staff_control_rate_national(staff, authorized, expected):
    """在职人员控制率 = 在职人员数 / 编制数; national 5 points, −0.5 per point above 100 %."""
    value = measure_values({**UNIT, "staff": staff, "authorized_staff": authorized},
                           TASKS, NO_PROJECTS)["staff_rate"]
    assert score_measure(value, 5, rule("在职人员控制率")) == pytest.approx(expected, abs=1e-12)


def test_staff_control_rate_provincial_one_point_minus_point_one():
    """Provincial: 1 point, −0.1 per point (DOMAIN.md §13): 104 % → 1 − 0.4 = 0.6; 111 % → 0."""
    r = rule("在职人员控制率", "provincial")
    assert score_measure(1.04, 1, r) == pytest.approx(0.6, abs=1e-12)
    assert score_measure(1.0, 1, r) == 1.0
    assert score_measure(1.11, 1, r) == 0.0


@pytest.mark.parametrize(("this", "last", "change", "points"), [
    (10.0, 10.0, 0.0, 5.0),      # unchanged: full
    (9.0, 10.0, -0.1, 5.0),      # cut by 10 %: full
    (10.5, 10.0, 0.05, 2.5),     # +5 %: 5 − 0.5 × 5
    (11.2, 10.0, 0.12, 0.0),     # +12 %: floored
    (0.0, 0.0, 0.0, 5.0),        # none either year: no change
    (1.0, 0.0, math.inf, 0.0),   # a new expense: no points
])
def test_sangong_change(this, last, change, points):
    """"三公经费"变动率 = (本年 − 上年) / 上年; full at ≤ 0, −0.5 per point above."""
    value = measure_values({**UNIT, "sangong": this, "sangong_last": last}, TASKS,
                           NO_PROJECTS)["sangong_change"]
    assert value == pytest.approx(change, abs=1e-12)
    assert score_measure(value, 5, rule("“三公经费”变动率")) == pytest.approx(points, abs=1e-12)


@pytest.mark.parametrize(("carryover", "rate", "points"), [
    (38.0, 0.04, 3.0),     # 4 % ≤ 5 %: full
    (47.5, 0.05, 3.0),     # exactly 5 %
    (57.0, 0.06, 2.8),     # 6 %: 3 − 0.2 × 1
    (190.0, 0.20, 0.0),    # 20 %: 3 − 0.2 × 15 = 0
])
def test_carryover_rate(carryover, rate, points):
    """结转结余率 = 结转结余 / 支出完成数 (spent 950); full at ≤ 5 %, −0.2 per point above."""
    value = measure_values({**UNIT, "carryover": carryover}, TASKS, NO_PROJECTS)["carryover_rate"]
    assert value == pytest.approx(rate, abs=1e-12)
    assert score_measure(value, 3, rule("结转结余率")) == pytest.approx(points, abs=1e-12)


@pytest.mark.parametrize(("carryover", "change", "points"), [
    (38.0, -0.01, 2.0),    # 4 % this year, 5 % last year: fell, full
    (47.5, 0.0, 2.0),      # unchanged
    (57.0, 0.01, 1.5),     # +1 point: 2 − 0.5
    (95.0, 0.05, 0.0),     # +5 points: floored
])
def test_carryover_change(carryover, change, points):
    """结转结余变动率 = 本年结转结余率 − 上年 (45 / 900 = 5 %); full at ≤ 0, −0.5 per point."""
    value = measure_values({**UNIT, "carryover": carryover}, TASKS,
                           NO_PROJECTS)["carryover_change"]
    assert value == pytest.approx(change, abs=1e-12)
    assert score_measure(value, 2, rule("结转结余变动率")) == pytest.approx(points, abs=1e-12)


@pytest.mark.parametrize(("spent", "points"), [(950, 5.7), (1000, 6.0), (1050, 6.0), (0, 0.0)])
def test_execution_rate(spent, points):
    """支出实际完成率 = 支出完成数 / 年初预算数 (1000); 6 × min(rate, 1)."""
    value = measure_values({**UNIT, "spent": spent}, TASKS, NO_PROJECTS)["execution_rate"]
    assert value == pytest.approx(spent / 1000, abs=1e-15)
    assert score_measure(value, 6, rule("支出实际完成率")) == pytest.approx(points, abs=1e-12)


@pytest.mark.parametrize(("adjustment", "points"), [(0, 3.0), (30, 2.7), (300, 0.0)])
def test_adjustment_rate(adjustment, points):
    """预算调整率 = 预算调整数 / 年初预算数; national full at 0, −0.1 per point (3 % → 2.7;
    30 % → 0)."""
    value = measure_values({**UNIT, "adjustment": adjustment}, TASKS,
                           NO_PROJECTS)["adjustment_rate"]
    assert score_measure(value, 3, rule("预算调整率")) == pytest.approx(points, abs=1e-12)


def test_procurement_rate_and_its_absence():
    """政府采购执行率 = 180 / 200 = 90 % → 2.7 of 3; no procurement budget → not applicable."""
    values = measure_values(UNIT, TASKS, NO_PROJECTS)
    assert values["procurement_rate"] == pytest.approx(0.9)
    assert score_measure(0.9, 3, rule("政府采购执行率")) == pytest.approx(2.7)
    blank = measure_values({**UNIT, "procurement_budget": math.nan,
                            "procurement_spent": math.nan}, TASKS, NO_PROJECTS)
    assert math.isnan(blank["procurement_rate"])


def test_asset_use_rate_national_and_provincial():
    """固定资产利用率 = 480 / 500 = 96 %: national target 100 % → 1.92; provincial 95 % → full;
    90 % → 2 × 0.90 / 0.95."""
    assert score_measure(0.96, 2, rule("固定资产利用率")) == pytest.approx(1.92)
    assert score_measure(0.96, 2, rule("固定资产利用率", "provincial")) == 2.0
    assert score_measure(0.90, 2, rule("固定资产利用率", "provincial")) == pytest.approx(
        2 * 0.9 / 0.95)


def test_task_completion_caps_each_task_at_one():
    """重点工作完成率 = mean(min(9/10, 1), min(5/4, 1)) = 0.95 → 14.25 of 15; no tasks → NaN."""
    values = measure_values(UNIT, TASKS, NO_PROJECTS)
    assert values["task_completion"] == pytest.approx(0.95)
    assert score_measure(0.95, 15, rule("重点工作完成率")) == pytest.approx(14.25)
    assert math.isnan(measure_values(UNIT, TASKS.iloc[:0], NO_PROJECTS)["task_completion"])


@pytest.mark.parametrize(("satisfaction", "points"), [(92, 10.0), (90, 10.0), (81, 9.0)])
def test_satisfaction(satisfaction, points):
    """服务对象满意度 against a 90 % target: 81 % → 10 × 0.81 / 0.9 = 9."""
    value = measure_values({**UNIT, "satisfaction": satisfaction}, TASKS,
                           NO_PROJECTS)["satisfaction"]
    assert score_measure(value, 10, rule("服务对象满意度")) == pytest.approx(points, abs=1e-12)


@given(st.floats(0, 3), st.floats(0, 3), st.floats(0.1, 20), st.floats(0, 2),
       st.floats(0, 2))
def test_scores_stay_within_points_and_are_monotone(a, b, points, limit, per_point):
    """A ceiling score never rises with the value, a ratio score never falls; both in [0, p]."""
    low, high = min(a, b), max(a, b)
    ceiling = {"scoring": "ceiling", "limit": limit, "per_point": per_point}
    ratio = {"scoring": "ratio", "target": limit + 0.1}
    for r in (ceiling, ratio):
        for v in (low, high):
            assert -1e-12 <= score_measure(v, points, r) <= points + 1e-12
    assert score_measure(high, points, ceiling) <= score_measure(low, points, ceiling) + 1e-12
    assert score_measure(high, points, ratio) >= score_measure(low, points, ratio) - 1e-12


# --- roll-up of project results -----------------------------------------------------------------

def _ledger():
    """Two projects of U1 and one of U2. P1: budget 100, spent 90, ≥100 done 80 (completion 0.8);
    P2: budget 300, spent 210 (0.7), ≥50 done 50 (completion 1.0, gap 30 points → flagged)."""
    units = pd.DataFrame([{**UNIT}, {**UNIT, "unit_id": "U2", "unit_name": "另一局"}])
    projects = pd.DataFrame({
        "project_id": ["P1", "P2", "P3"], "project_name": ["甲", "乙", "丙"],
        "unit_id": ["U1", "U1", "U2"], "unit_name": ["示例局", "示例局", "另一局"],
        "year": 2020, "category": "本级财力追加", "is_poverty": False,
        "budget": [100.0, 300.0, 50.0], "received": [100.0, 300.0, 50.0],
        "spent": [90.0, 210.0, 50.0], "stage": ""})
    indicators = pd.DataFrame({
        "project_id": ["P1", "P2", "P3"], "indicator_id": "I1", "level1": "产出指标",
        "level2": "数量指标", "name": "数量", "comparator": "≥", "target": ["100", "50", "10"],
        "weight": 50, "actual": ["80", "50", "10"]})
    return Dataset({"units": units, "projects": projects, "indicators": indicators,
                    "unit_tasks": TASKS, "unit_judgements": judgements()}, "例", {})


def test_project_roll_up_is_funds_weighted_and_flags_the_gap():
    """U1: execution (90 + 210) / 400 = 0.75; completion (100 × 0.8 + 300 × 1.0) / 400 = 0.95;
    P2's gap 1.0 − 0.7 = 30 points > 20 → flagged. U2's project stays out."""
    data = _ledger()
    summary = project_summary(data, ["U1"])
    assert list(summary["project_id"]) == ["P1", "P2"]
    values = measure_values(UNIT, TASKS, summary)
    assert values["project_execution"] == pytest.approx(0.75, abs=1e-12)
    assert values["project_completion"] == pytest.approx(0.95, abs=1e-12)
    result = evaluate(data, "U1")
    scores = result.table.set_index("name")["score"]
    # no point is not applicable here, so effective = rule-set points
    assert scores["项目预算执行率"] == pytest.approx(5 * 0.75, abs=1e-12)
    assert scores["项目绩效目标完成率"] == pytest.approx(5 * 0.95, abs=1e-12)
    assert result.summary()["n_flagged_projects"] == 1
    assert list(result.projects["flag"]) == ["", "需整改"]
    own = evaluate_self(data, "U1")  # the same tiers both ways here: the same total
    assert own.view == "self" and own.total == pytest.approx(result.total, abs=1e-12)


def test_a_unit_without_projects_has_its_project_points_rescaled():
    """No projects: ZT16 and ZT17 (10 points) are dropped, the other 90 scaled by 100 / 90."""
    result = assess(UNIT, TASKS, judgements(), NO_PROJECTS)
    table = result.table.set_index("name")
    assert not table.loc["项目预算执行率", "applicable"]
    assert table["weight"].sum() == pytest.approx(100.0)
    assert table.loc["重点工作完成率", "weight"] == pytest.approx(15 * 100 / 90)
    assert len(result.notes) == 2 and "无项目支出" in result.notes[0]


# --- one unit worked by hand ------------------------------------------------------------------

def test_golden_unit_worked_by_hand():
    """The unit UNIT (no projects, so 90 applicable points scaled by 100 / 90), national rules.

    Rule-set points earned (raw):
    投入: 绩效目标合理性 达成 5; 绩效指标明确性 达成 5; 在职人员控制率 52/50 = 104 % → 5 − 0.5 × 4 = 3;
          三公经费 (9 − 10)/10 = −10 % → 5.                                         sum 18
    过程: 支出完成率 950/1000 → 6 × 0.95 = 5.7; 预算调整率 30/1000 = 3 % → 3 − 0.1 × 3 = 2.7;
          结转结余率 38/950 = 4 % ≤ 5 % → 3; 变动 4 % − 45/900 = −1 point → 2;
          政府采购 180/200 → 3 × 0.9 = 2.7; 制度 达成 3; 资金使用合规性 部分达成 4 × 0.7 = 2.8;
          信息公开 2; 资产安全 2; 固定资产利用率 480/500 → 2 × 0.96 = 1.92.             sum 27.82
    产出: 重点工作 (0.9 + 1)/2 = 0.95 → 15 × 0.95 = 14.25; projects not applicable.  sum 14.25
    效果: 经济 5, 社会 6, 生态 4 (all 达成); 满意度 92 % ≥ 90 % → 10.                sum 25
    Raw total 85.07 of 90 → 85.07 × 100 / 90 = 94.52222…, 优. Level 1: 投入 18 × 10/9 = 20,
    过程 27.82 × 10/9 = 30.9111…, 产出 14.25 × 10/9 = 15.8333…, 效果 25 × 10/9 = 27.7778….
    The unit's own view (资金使用合规性 达成, + 1.2 raw): 86.27 × 10/9 = 95.85556….
    """
    third = assess(UNIT, TASKS, judgements(**{"资金使用合规性": "部分达成"}), NO_PROJECTS)
    assert third.total == pytest.approx(85.07 * 100 / 90, abs=1e-9)
    assert third.grade == "优"
    level1 = third.level1.set_index("level1")["score"]
    for name, raw in {"投入": 18, "过程": 27.82, "产出": 14.25, "效果": 25}.items():
        assert level1[name] == pytest.approx(raw * 100 / 90, abs=1e-9)
    own = assess(UNIT, TASKS, judgements(**{"资金使用合规性": "部分达成"}), NO_PROJECTS,
                 view="self")
    assert own.total == pytest.approx(86.27 * 100 / 90, abs=1e-9)
    summary = third.summary()
    assert json.loads(json.dumps(summary)) == summary
    assert summary["staff_rate"] == pytest.approx(1.04) and summary["n_not_applicable"] == 2


def test_framework_points_by_level1_and_provincial_variant():
    """National 20/30/25/25, provincial 15/30/30/25 (DOMAIN.md §13 typical weights)."""
    for name, expected in (("national", [20, 30, 25, 25]), ("provincial", [15, 30, 30, 25])):
        fw = framework(name)
        assert fw.groupby("level1", sort=False)["points"].sum().tolist() == expected
        assert len(fw) == 21


# --- the rule-set section and bad input ---------------------------------------------------------

def _section():
    return copy.deepcopy(dict(load_ruleset("national").data["unitwide"]))


@pytest.mark.parametrize(("change", "key"), [
    (lambda s: s["indicators"][2].update(scoring="cap"), "indicators[2].scoring"),
    (lambda s: s["indicators"][2].pop("per_point"), "indicators[2].per_point"),
    (lambda s: s["indicators"][4].update(target=0), "indicators[4].target"),
    (lambda s: s["indicators"][0].update(level1="决策"), "indicators[0].level1"),
    (lambda s: s["indicators"][0].update(measure="staff"), "indicators[0].measure"),
    (lambda s: s["indicators"][1].update(id="ZT01"), "indicators[1].id"),
    (lambda s: s["indicators"][0].update(points=6), "indicators[].points"),
    (lambda s: s.pop("level1"), "unitwide.level1"),
])
def test_check_ruleset_rejects(change, key):
    section = _section()
    change(section)
    with pytest.raises(RuleSetError, match=key.replace("[", r"\[").replace("]", r"\]")):
        check_ruleset(section, failer("custom.yaml"))


def test_a_custom_ruleset_with_a_bad_section_fails_to_load(tmp_path):
    data = yaml.safe_load((ROOT / "evalkit" / "rulesets" / "national.yaml").read_text("utf-8"))
    data["unitwide"]["indicators"][3]["per_point"] = -1
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSetError, match=r"unitwide.indicators\[3\].per_point"):
        load_ruleset(path)


def test_missing_unit_figures_are_named():
    unit = {k: v for k, v in UNIT.items() if k not in ("staff", "sangong_last")}
    with pytest.raises(InputError, match="在职人员数、上年三公经费"):
        assess(unit, TASKS, judgements(), NO_PROJECTS)


def test_a_missing_judgement_is_an_error_not_a_zero():
    with pytest.raises(InputError, match="ZT11 资金使用合规性"):
        assess(UNIT, TASKS, judgements().iloc[[0, 1, 2, 4, 5, 6, 7, 8]], NO_PROJECTS)


def test_unknown_view_is_rejected():
    with pytest.raises(InputError, match="view"):
        assess(UNIT, TASKS, judgements(), NO_PROJECTS, view="auditor")


@pytest.fixture()
def sample_copy(tmp_path):
    folder = tmp_path / "csv"
    shutil.copytree(CSV, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8-sig")


def test_bad_unit_rows_are_located(sample_copy):
    """Unknown tier and item, a unit not in the units table, a zero target: file, row, column."""
    _edit(sample_copy / "unit_judgements.csv", "DW001,ZT01,达成", "DW001,ZT01,很好")
    _edit(sample_copy / "unit_judgements.csv", "DW001,ZT02,", "DW001,ZT99,")
    _edit(sample_copy / "unit_tasks.csv", "DW001,RW01", "DW999,RW01")
    with pytest.raises(DatasetError) as info:
        read_dataset(sample_copy)
    text = str(info.value)
    assert "unit_judgements.csv，第 2 行，列 self_tier：应为定性等级（达成/部分达成/未达成），实际为 '很好'" in text
    assert "unit_judgements.csv，第 3 行，列 item_id" in text and "'ZT99'" in text
    assert "unit_tasks.csv，第 2 行，列 unit_id：应为预算单位表中已有的单位编码" in text


def test_zero_establishment_and_over_100_satisfaction_are_located(sample_copy):
    units = pd.read_csv(sample_copy / "units.csv", encoding="utf-8-sig", dtype=str,
                        keep_default_na=False)
    units.loc[0, "authorized_staff"] = "0"
    units.loc[1, "satisfaction"] = "120"
    units.to_csv(sample_copy / "units.csv", index=False, encoding="utf-8-sig")
    with pytest.raises(DatasetError) as info:
        read_dataset(sample_copy)
    text = str(info.value)
    assert "第 2 行，列 authorized_staff：应为大于 0 的编制数" in text
    assert "第 3 行，列 satisfaction：应为0 至 100 之间的百分数，实际为 120" in text


def test_a_dataset_without_the_unit_columns_still_loads_and_says_what_is_missing(sample_copy):
    units = pd.read_csv(sample_copy / "units.csv", encoding="utf-8-sig", dtype=str,
                        keep_default_na=False)
    units[["unit_id", "unit_name", "budget"]].to_csv(sample_copy / "units.csv", index=False,
                                                     encoding="utf-8-sig")
    data = read_dataset(sample_copy)
    with pytest.raises(InputError, match="在职人员数、编制数"):
        evaluate(data, "DW001")


# --- the sample county and the reports ----------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    return read_dataset(CSV)


def test_every_sample_unit_evaluates_and_self_scores_at_least_as_high(sample):
    third = evaluate_many(sample)
    own = evaluate_many(sample, view="self")
    assert len(third) == 69 and third["total"].between(0, 100).all()
    assert (own["total"].to_numpy() >= third["total"].to_numpy() - 1e-9).all()
    assert set(third["grade"]) >= {"优", "良", "中"}
    assert third["n_projects"].sum() == 77


def test_unit_reports_end_to_end(tmp_path):
    """DW012 (县教育局): the executed notebooks' summaries against figures recomputed here from the
    sample CSV files; the third-party report's outline and its projects table."""
    units = pd.read_csv(CSV / "units.csv", encoding="utf-8-sig").set_index("unit_id")
    u = units.loc["DW012"]
    third = run_report("unit_evaluation", dataset="sample", subject_id="DW012", out_dir=tmp_path,
                       formats=["html"])
    own = run_report("unit_self_evaluation", dataset="sample", subject_id="DW012",
                     out_dir=tmp_path / "self", formats=["html"])
    s = json.loads(third.files["json"].read_text(encoding="utf-8"))
    o = json.loads(own.files["json"].read_text(encoding="utf-8"))
    assert s["staff_rate"] == pytest.approx(u["staff"] / u["authorized_staff"], abs=1e-12)
    assert s["execution_rate"] == pytest.approx(u["spent"] / u["budget"], abs=1e-12)
    assert s["total"] == pytest.approx(sum(s["level1_scores"].values()), abs=1e-9)
    assert s["self_total"] == pytest.approx(o["total"], abs=1e-12) and o["view"] == "self"
    projects = pd.read_csv(CSV / "projects.csv", encoding="utf-8-sig")
    mine = projects[(projects["unit_id"] == "DW012") & (projects["stage"] != "事前评估")]
    assert s["n_projects"] == len(mine) == 6  # its 2021 ex-ante application is not a 2020 project
    assert s["project_execution_rate"] == pytest.approx(
        mine["spent"].sum() / mine["budget"].sum(), abs=1e-12)
    html = third.files["html"].read_text(encoding="utf-8")
    for heading in ("一、基本情况", "二、评价工作开展情况", "三、综合评价结论", "四、指标分析",
                    "（一）投入指标", "（四）效果指标", "五、存在的问题及原因", "六、建议"):
        assert heading in html
    for pid in mine["project_id"]:
        assert pid in html
    assert "部门整体支出绩效自评表" in own.files["html"].read_text(encoding="utf-8")


def test_stage_module_lists_the_measures_of_the_rule_sets():
    for name in ("national", "provincial"):
        used = {i["measure"] for i in load_ruleset(name).section("unitwide")["indicators"]}
        assert used == set(unitwide.MEASURES)


def test_unit_problems_are_the_material_deductions_only():
    """Issue 10: a deduction is a problem when ≥ prose.materiality.min_lost_points or ≥
    min_lost_share of its points; the others are counted, not listed."""
    from evalkit.phrasebook import phrasebook
    from evalkit.stages.unitwide import _example
    from evalkit.stages.unitwide_prose import problems

    result = _example()
    words = phrasebook("national")
    losing = result.table[result.table["lost"] > 1e-9]
    material = losing[[words.is_material(r.lost, r.weight) for r in losing.itertuples()]]
    assert "预算调整率" in material["name"].tolist()  # 1/3 of 10/3 points: exactly 10 %
    text = problems(result, "national")
    listed = [line for line in text.split("\n") if line[:1].isdigit()]
    assert len(listed) == min(len(material), 5)
    assert all(f"“{name}”" in text for name in material.sort_values("lost").tail(5)["name"])
    immaterial = losing.drop(material.index)
    assert all(f"“{name}”" not in text for name in immaterial["name"])
    if len(losing) > len(listed):
        assert text.endswith(f"另有 {len(losing) - len(listed)} 项指标扣分较少，未列为问题，详见评分表。")
    with pytest.raises(InputError, match="rule set the result was computed with"):
        problems(result, "provincial")
