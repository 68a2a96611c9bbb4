"""Monitoring of a budget unit as a whole (部门整体支出监控): the unit's budget light and key-task
lights on both sides of every threshold, the unit's worst light, the review score of its form, the
roll-up of its projects, located validation of the unit monitoring tables, the report end to end
and the sample county's 69 units at the end of July.

Expected values are worked by hand from DOMAIN.md §6 and the national rule set's ``monitoring``
section (budget red < 60 % ≤ yellow < 80 % ≤ green; key tasks additionally blue from 120 %;
review table 40/30/20/10)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from evalkit import registry
from evalkit.batch import run_report
from evalkit.errors import DatasetError, InputError
from evalkit.io import Dataset, load_dataset, read_dataset
from evalkit.stages import monitoring, unit_monitoring
from evalkit.stages import unit_monitoring_prose as prose

SAMPLE_CSV = Path(__file__).resolve().parents[1] / "data" / "sample" / "csv"


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


#: Unit D1's key tasks: (task_id, task, target, measure).
TASKS = [("RW01", "组织业务培训", 100, "人次"), ("RW02", "办理群众诉求", 40, "件")]


def make_dataset(tmp_path: Path, *, month: int = 6, budget: float = 1000.0,
                 spent_ytd: float = 500.0, expected_spent: float = 950.0,
                 measures: str = "加快进度", progress: dict[str, object] | None = None,
                 likelihood: dict[str, str] | None = None, cause: dict[str, str] | None = None,
                 evidence: dict[str, str] | None = None, tasks=TASKS, form_rows=(),
                 extra_rows=(), with_project_form: bool = False) -> Path:
    """A dataset folder with unit D1 (its key tasks at half their target by default: on track
    at month 6) and D2 (no monitoring form); project P1 of D1, with a monitoring form (the
    example of :func:`evalkit.stages.monitoring.evaluate`: review score 50, flagged) on request.
    """
    folder = tmp_path / f"ds{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    _write(folder / "units.csv", ["unit_id", "unit_name", "budget"],
           [["D1", "教育局", budget], ["D2", "卫健委", 300]])
    _write(folder / "projects.csv",
           ["project_id", "project_name", "unit_id", "unit_name", "year", "category",
            "is_poverty", "budget", "received", "spent"],
           [["P1", "培训项目", "D1", "教育局", 2020, "本级", "否", 100, 100, 90],
            ["P2", "义诊项目", "D2", "卫健委", 2020, "本级", "否", 50, 50, 50]])
    _write(folder / "indicators.csv",
           ["project_id", "indicator_id", "level1", "level2", "name", "comparator", "target",
            "unit", "weight", "actual"],
           [["P1", "I1", "产出指标", "数量指标", "培训人次", "≥", "1200", "人次", 50, "1200"],
            ["P1", "I2", "产出指标", "质量指标", "合格率", "≥", "90%", "%", 40, "92%"],
            ["P2", "I1", "产出指标", "数量指标", "义诊人次", "≥", "500", "人次", 90, "500"]])
    if with_project_form:
        _write(folder / "绩效监控.csv", ["项目编码", "监控月份", "截至监控月执行数", "全年预计执行数",
                                      "纠偏措施"], [["P1", 6, 30, 90, ""]])
        _write(folder / "监控指标.csv", ["项目编码", "指标编码", "截至监控月完成值", "全年预计完成值",
                                      "完成目标可能性", "偏差原因", "原因说明", "佐证材料"],
               [["P1", "I1", "840", "1200", "确定能", "", "", "E1"],
                ["P1", "I2", "92%", "92%", "确定能", "", "", "E2"]])
    _write(folder / "重点工作.csv", ["单位编码", "任务编码", "重点工作任务", "目标值", "完成值", "计量单位"],
           [["D1", t, name, target, target, unit] for t, name, target, unit in tasks])
    _write(folder / "单位监控.csv", ["单位编码", "监控月份", "截至监控月执行数", "全年预计执行数", "纠偏措施"],
           [["D1", month, spent_ytd, expected_spent, measures], *map(list, form_rows)])
    progress = progress or {}
    rows = [["D1", t, progress.get(t, target / 2), target, (likelihood or {}).get(t, "确定能"),
             (cause or {}).get(t, ""), "原因说明" if (cause or {}).get(t) else "",
             (evidence or {}).get(t, "E")] for t, _, target, _ in tasks]
    _write(folder / "重点工作监控.csv", ["单位编码", "任务编码", "截至监控月完成值", "全年预计完成值",
                                     "完成目标可能性", "偏差原因", "原因说明", "佐证材料"],
           rows + [list(r) for r in extra_rows])
    return folder


def run(tmp_path: Path, **kw) -> unit_monitoring.UnitMonitoringResult:
    return unit_monitoring.evaluate(read_dataset(make_dataset(tmp_path, **kw)), "D1")


def task_lights(result: unit_monitoring.UnitMonitoringResult) -> dict[str, str]:
    return dict(zip(result.tasks["task_id"], result.tasks["light"], strict=True))


# --- the unit's budget light ---------------------------------------------------------------------

@pytest.mark.parametrize(("spent_ytd", "light"), [
    (299.99, "红"),   # 299.99 / 1000 / (6/12) = 0.59998 < 0.6
    (300, "黄"),      # = 0.6
    (399.99, "黄"),   # 0.79998
    (400, "绿"),      # = 0.8
    (1000, "绿"),     # 2.0: the budget light has no over-run band
])
def test_unit_budget_light_on_both_sides_of_each_threshold(tmp_path, spent_ytd, light):
    result = run(tmp_path, spent_ytd=spent_ytd)
    assert result.budget["ratio"] == pytest.approx(spent_ytd / 1000 / 0.5, abs=1e-12)
    assert result.budget["light"] == light


def test_unit_budget_light_uses_the_months_time_progress(tmp_path):
    """Month 9: 600 / 1000 / 0.75 = 0.8 green; month 10 the same spending is 0.72 yellow."""
    assert run(tmp_path, month=9, spent_ytd=600).budget["light"] == "绿"
    assert run(tmp_path, month=10, spent_ytd=600).budget["light"] == "黄"


# --- key-task lights and the unit's light --------------------------------------------------------

@pytest.mark.parametrize(("progress", "light"), [
    (29.99, "红"),  # 29.99 / 100 / 0.5 = 0.5998
    (30, "黄"),     # 0.6
    (39.99, "黄"),  # 0.7998
    (40, "绿"),     # 0.8
    (59.99, "绿"),  # 1.1998
    (60, "蓝"),     # 1.2: over-run
    ("", "红"),     # not filled in: the worst light
])
def test_key_task_light_on_both_sides_of_each_threshold(tmp_path, progress, light):
    result = run(tmp_path, progress={"RW01": progress})
    assert task_lights(result) == {"RW01": light, "RW02": "绿"}


@pytest.mark.parametrize(("rw01", "rw02", "unit_light"), [
    (50, 20, "绿"), (70, 20, "蓝"), (70, 14, "黄"), (70, 10, "红"), (35, 30, "黄")])
def test_the_units_light_is_its_worst_key_task(tmp_path, rw01, rw02, unit_light):
    """Order 红 < 黄 < 蓝 < 绿: RW02 at 14 / 40 / 0.5 = 0.7 yellow beats RW01's blue; RW01 at
    35 / 100 / 0.5 = 0.7 yellow beats RW02's 30 / 40 / 0.5 = 1.5 blue."""
    assert run(tmp_path, progress={"RW01": rw01, "RW02": rw02}).light == unit_light


def test_a_unit_without_key_tasks_is_on_track(tmp_path):
    result = run(tmp_path, tasks=[])
    assert result.tasks.empty and result.light == "绿"


# --- the review score ------------------------------------------------------------------------------

def test_review_score_of_a_complete_form_is_100(tmp_path):
    assert run(tmp_path).review_score == pytest.approx(100.0)


def test_review_score_hand_worked(tmp_path):
    """RW01 blank progress (red), RW02 at 30 / 40 / 0.5 = 1.5 (blue), no 纠偏措施, RW02 without
    evidence. Completeness 5 of 6 cells: 40 × 5/6 = 33.33; deviating RW01 and RW02, RW02
    explained: 30 × 1/2 = 15; measures needed and missing: 0; evidence 1 of 2: 5. Total 53.33."""
    result = run(tmp_path, progress={"RW01": "", "RW02": 30}, measures="",
                 cause={"RW02": "人员保障"}, evidence={"RW02": ""})
    assert result.review["score"].tolist() == pytest.approx([40 * 5 / 6, 15, 0, 5])
    assert result.review_score == pytest.approx(40 * 5 / 6 + 20)


def test_measures_needed_when_only_the_budget_lags(tmp_path):
    """Tasks on track but the budget light yellow (0.7): a missing 纠偏措施 loses its 20 points."""
    assert run(tmp_path, spent_ytd=350, measures="").review_score == pytest.approx(80.0)
    assert run(tmp_path, spent_ytd=500, measures="").review_score == pytest.approx(100.0)


# --- the roll-up of the unit's projects ------------------------------------------------------------

def test_roll_up_of_the_units_projects(tmp_path):
    """P1 (the monitoring example): budget 30 / 100 / 0.5 = 0.6 yellow, I1 840 / 1200 / 0.5 = 1.4
    blue, review score 50 < 60, so flagged. P2 belongs to D2 and has no form."""
    result = run(tmp_path, with_project_form=True)
    assert result.projects["project_id"].tolist() == ["P1"]
    assert result.project_light_counts() == {"红": 0, "黄": 0, "蓝": 1, "绿": 0}
    assert result.project_budget_light_counts() == {"红": 0, "黄": 1, "蓝": 0, "绿": 0}
    assert result.n_project_notices == 1
    s = result.summary()
    assert s["n_projects"] == 1 and s["n_project_notices"] == 1
    assert "须下发整改通知书" in prose.projects(result)


def test_roll_up_without_project_forms_is_empty(tmp_path):
    result = run(tmp_path)
    assert result.projects.empty and result.n_project_notices == 0
    assert prose.projects(result) == "本单位无纳入绩效监控的项目。"


# --- a hand-worked unit ----------------------------------------------------------------------------

def test_hand_worked_unit(tmp_path):
    """Month 7 (t = 7/12), budget 1200, spent 560: execution 46.67 %, ÷ t = 0.8 exactly → green.
    RW01 49 / 100 / (7/12) = 0.84 green; RW02 28 / 40 / (7/12) = 1.2 blue, explained; unit blue.
    Everything filled, measures written: 100. Checkpoint 2020-07-31 (the projects' year)."""
    result = run(tmp_path, month=7, budget=1200, spent_ytd=560, expected_spent=1100,
                 progress={"RW01": 49, "RW02": 28}, cause={"RW02": "其他"})
    assert result.time_progress == pytest.approx(7 / 12)
    assert result.budget["execution_ytd"] == pytest.approx(560 / 1200)
    assert result.budget["ratio"] == pytest.approx(0.8)
    assert result.budget["light"] == "绿"
    assert result.tasks["ratio"].tolist() == pytest.approx([0.84, 1.2])
    assert task_lights(result) == {"RW01": "绿", "RW02": "蓝"} and result.light == "蓝"
    assert result.review_score == pytest.approx(100.0)
    s = result.summary()
    assert s["checkpoint"] == "2020-07-31" and s["expected_execution"] == pytest.approx(1100 / 1200)
    assert s["lights"] == {"红": 0, "黄": 0, "蓝": 1, "绿": 1}
    json.dumps(s, ensure_ascii=False)
    text = prose.conclusion(result)
    assert "2020年7月31日" in text and "预算执行亮“绿灯”" in text and "单位重点工作亮“蓝灯”" in text


# --- located bad input ------------------------------------------------------------------------------

def test_unit_monitoring_tables_validate_with_located_errors(tmp_path):
    folder = make_dataset(tmp_path, month=13, likelihood={"RW01": "可能"},
                          cause={"RW02": "天气"}, progress={"RW02": -3},
                          form_rows=[["D9", 7, 1, 1, ""]],
                          extra_rows=[["D1", "RW09", 1, 1, "确定能", "", "", ""],
                                      ["D2", "RW01", 1, 1, "确定能", "", "", ""]])
    with pytest.raises(DatasetError) as err:
        read_dataset(folder)
    text = str(err.value)
    assert "单位监控.csv" in text and "重点工作监控.csv" in text
    # 单位监控: D1 on Excel row 2 (month 13), D9 on row 3 (unknown unit);
    # 重点工作监控: RW01 row 2, RW02 row 3, RW09 row 4, D2 row 5
    for fragment in ("监控月份", "1 至 12", "'D9'",
                     "预算单位表中已有的单位编码", "完成目标可能性", "'可能'", "偏差原因",
                     "'天气'", "截至监控月完成值", "不小于 0 的数字", "'RW09'",
                     "单位 D1 重点工作表中的任务编码", "单位监控表中已有的单位编码", "第 5 行"):
        assert fragment in text, fragment


def test_a_non_number_progress_is_a_located_error(tmp_path):
    with pytest.raises(DatasetError, match="重点工作监控.csv.*第 2 行.*截至监控月完成值"):
        read_dataset(make_dataset(tmp_path, progress={"RW01": "约三十"}))


def test_a_unit_without_a_form_is_a_clear_error(tmp_path):
    data = read_dataset(make_dataset(tmp_path))
    with pytest.raises(InputError, match="单位监控表中没有该单位"):
        unit_monitoring.evaluate(data, "D2")
    empty = Dataset({k: v for k, v in data.tables.items()
                     if k not in ("unit_monitoring", "unit_task_monitoring")}, data.source, {})
    assert unit_monitoring.monitored_units(empty) == []
    assert unit_monitoring.evaluate_many(empty).empty


# --- the report type and the sample county --------------------------------------------------------

def test_registered_as_a_unit_report_on_the_monitoring_section():
    rt = registry.get("unit_monitoring")
    assert rt.subject is registry.UNIT and rt.ruleset_section == "monitoring"


@pytest.fixture(scope="module")
def sample():
    return load_dataset("sample")


@pytest.fixture(scope="module")
def table(sample):
    return unit_monitoring.evaluate_many(sample)


def test_sample_checkpoint_end_of_july_for_all_69_units(sample, table):
    assert len(table) == 69 and set(table["month"]) == {7}
    assert unit_monitoring.monitored_units(sample) == list(sample.units["unit_id"])
    assert len(sample.tables["unit_task_monitoring"]) == len(sample.tables["unit_tasks"])


def test_sample_unit_lights_per_colour_and_review_score(table):
    """The figures quoted in the closing note of issue 14 (units)."""
    figures = unit_monitoring.county_unit_monitoring(table)
    assert {k: v for k, v in figures.items() if k.startswith("n_light_")} == {
        "n_light_绿": 21, "n_light_黄": 20, "n_light_红": 15, "n_light_蓝": 13}
    assert {k: v for k, v in figures.items() if k.startswith("n_budget_light_")} == {
        "n_budget_light_绿": 51, "n_budget_light_黄": 13, "n_budget_light_红": 5}
    assert f"{figures['average_review_score']:.2f}" == "96.64"


def test_sample_roll_up_covers_every_monitored_project_once(sample, table):
    projects = monitoring.evaluate_many(sample)
    assert table["n_projects"].sum() == len(projects) == 77
    assert table["n_project_notices"].sum() == int(projects["flagged"].sum())


def test_a_units_projects_are_its_rows_of_the_portfolio_table(sample):
    """One unit's report monitors only its own projects, and finds them as the portfolio's
    监控情况表 does (same rows, same unrounded values)."""
    import pandas as pd

    projects = monitoring.evaluate_many(sample)
    units = sample.projects.set_index("project_id")["unit_id"]
    owner = units.reindex(projects["project_id"]).to_numpy()
    with_projects = [u for u in sample.units["unit_id"] if (owner == u).any()]
    without = [u for u in sample.units["unit_id"] if not (owner == u).any()]
    assert with_projects and without  # the sample has both kinds
    for uid in with_projects[::5]:
        own = projects[owner == uid]
        result = unit_monitoring.evaluate(sample, uid)
        pd.testing.assert_frame_equal(result.projects.drop(columns="unit_id"),
                                      own.reset_index(drop=True))
    assert unit_monitoring.evaluate(sample, without[0]).projects.empty
    some = list(projects["project_id"].iloc[[5, 2]])
    assert list(monitoring.evaluate_many(sample, project_ids=some)["project_id"]) == sorted(
        some, key=list(projects["project_id"]).index)  # in projects order


def test_unit_monitoring_report_end_to_end(tmp_path):
    """DW006 at the end of July: execution so far = 截至监控月执行数 / the units table's budget,
    its ratio to 7/12; the review score the sum of its items; its one monitored project
    XM-2020-001 in the roll-up; the five sections in the HTML, and a Word file."""
    result = run_report("unit_monitoring", dataset="sample", subject_id="DW006",
                        out_dir=tmp_path, formats=["html", "docx"])
    summary = json.loads(result.files["json"].read_text(encoding="utf-8"))
    units = {r["unit_id"]: r for r in csv.DictReader(
        (SAMPLE_CSV / "units.csv").open(encoding="utf-8-sig"))}
    forms = {r["unit_id"]: r for r in csv.DictReader(
        (SAMPLE_CSV / "unit_monitoring.csv").open(encoding="utf-8-sig"))}
    execution = float(forms["DW006"]["spent_ytd"]) / float(units["DW006"]["budget"])
    assert summary["execution_ytd"] == pytest.approx(execution, abs=1e-12)
    assert summary["budget_ratio"] == pytest.approx(execution / (7 / 12), abs=1e-12)
    assert summary["review_score"] == pytest.approx(sum(summary["review_scores"].values()))
    assert summary["n_projects"] == 1 and summary["month"] == 7
    html = result.files["html"].read_text(encoding="utf-8")
    for heading in ("一、监控结论", "二、预算执行监控", "三、重点工作监控", "四、所属项目监控情况",
                    "五、监控表审核评分", "XM-2020-001"):
        assert heading in html
    assert f"预算执行率 {execution * 100:.2f}%" in html  # the report's one percentage format
    assert result.files["docx"].stat().st_size > 0
