"""Key-project and self-evaluation reports end to end: the executed notebooks' JSON summaries
checked against numbers recomputed here from the sample CSV files."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from evalkit.batch import run_report

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "sample" / "csv"
#: Scoring-rule codes that must never reach a reader (issue 10: rendered as Chinese phrases).
RULE_CODES = re.compile(r"正向:|反向A|反向B|定性:|等于:")


def csv(name: str) -> pd.DataFrame:
    return pd.read_csv(CSV / f"{name}.csv", encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return tmp_path_factory.mktemp("stages")


def summary_of(output) -> dict:
    return json.loads(output.files["json"].read_text(encoding="utf-8"))


def test_key_project_report_numbers(out):
    """XM-2020-022: received 887 > budget 837 with a 说明, so 资金到位率 earns its full 4 points;
    预算执行率 = spent / received × 4; satisfaction = respondents whose mean answer ≥ 4."""
    pid = "XM-2020-022"
    result = run_report("key_project_evaluation", dataset="sample", subject_id=pid, out_dir=out,
                        formats=["html", "docx", "workpaper"])
    summary = summary_of(result)
    project = csv("projects").set_index("project_id").loc[pid]
    budget, received, spent = (float(project[k]) for k in ("budget", "received", "spent"))
    assert received > budget and project["note"]
    assert summary["total"] == pytest.approx(sum(summary["level1_scores"].values()), abs=1e-9)
    assert list(summary["level1_scores"]) == ["决策", "过程", "产出", "效益"]
    answers = csv("survey")
    answers = answers[answers["project_id"] == pid]
    valid = answers[answers["response"].isin(list("12345"))].assign(
        r=lambda d: d["response"].astype(int))
    by_person = valid.groupby("respondent_id")["r"].mean()
    assert summary["satisfaction"]["rate"] == pytest.approx((by_person >= 4).mean(), abs=1e-12)
    html = result.files["html"].read_text(encoding="utf-8")
    for heading in ("一、基本情况", "三、综合评价结论", "（五）服务对象满意度调查", "八、其他说明", "五、主要成效及经验"):
        assert heading in html
    assert html.count("data:image/png;base64,") == 2
    assert f"{spent / received:.2%}"[:-1] in html  # 预算执行率 as shown in the facts table
    assert not RULE_CODES.search(html)
    assert "正向指标，按实际值与目标值之比计分" in html
    paper = pd.read_excel(result.files["workpaper"], sheet_name="底稿", engine="openpyxl")
    assert result.files["workpaper"].name == f"{pid}_底稿.xlsx"
    assert paper["得分"].sum() == pytest.approx(summary["total"], abs=1e-9)
    assert paper["复核人"].isna().all()


def test_self_evaluation_report_numbers(out):
    """XM-2020-015: execution points = 10 × spent / budget (capped); total = Σ level-1 scores."""
    pid = "XM-2020-015"
    result = run_report("self_evaluation", dataset="sample", subject_id=pid, out_dir=out,
                        formats=["html"])
    summary = summary_of(result)
    project = csv("projects").set_index("project_id").loc[pid]
    rate = float(project["spent"]) / float(project["budget"])
    assert summary["execution_points"] == pytest.approx(10 * min(rate, 1.0), abs=1e-12)
    assert summary["total"] == pytest.approx(sum(summary["level1_scores"].values()), abs=1e-9)
    grade = ("优" if summary["total"] >= 90 else "良" if summary["total"] >= 80
             else "中" if summary["total"] >= 60 else "差")
    assert summary["grade"] == grade
    html = result.files["html"].read_text(encoding="utf-8")
    assert "项目支出绩效自评表" in html and "偏差原因分析及改进措施" in html


def test_self_evaluation_of_a_flagged_project_follows_the_official_form(out):
    """XM-2020-008: execution 82.19 / 179.87 = 45.69 % yet graded 优 — one of the county's six
    projects to rectify; the funds block shows the projects table's amounts."""
    pid = "XM-2020-008"
    result = run_report("self_evaluation", dataset="sample", subject_id=pid, out_dir=out,
                        formats=["html", "workpaper"])
    summary = summary_of(result)
    project = csv("projects").set_index("project_id").loc[pid]
    rate = float(project["spent"]) / float(project["budget"])
    assert summary["grade"] == "优" and f"{rate:.2%}" == "45.69%"
    html = result.files["html"].read_text(encoding="utf-8")
    for text in ("表2 项目资金情况", "年初预算数（万元）", "全年预算数（万元）", "全年执行数（万元）",
                 f"{float(project['budget']):,.2f}", f"{float(project['spent']):,.2f}",
                 f"{rate:.2%}", "表3 年度总体目标完成情况", "预期目标", "实际完成情况",
                 "四、偏差原因分析及改进措施", "五、整改要求", "按规定列入整改清单。整改要求："):
        assert text in html, text
    assert not RULE_CODES.search(html)
    paper = pd.read_excel(result.files["workpaper"], sheet_name="底稿", engine="openpyxl")
    assert paper["得分"].sum() == pytest.approx(summary["total"], abs=1e-9)


def test_monitoring_report_numbers(out):
    """XM-2020-045 at the end of July: execution so far = 截至监控月执行数 / budget, its ratio to
    time progress 7/12; review score = Σ of the items; flagged by the 20-point rule
    (expected completion 43.34 % vs execution 63.55 %)."""
    pid = "XM-2020-045"
    result = run_report("monitoring", dataset="sample", subject_id=pid, out_dir=out,
                        formats=["html"])
    summary = summary_of(result)
    project = csv("projects").set_index("project_id").loc[pid]
    form = csv("monitoring").set_index("project_id").loc[pid]
    execution = float(form["spent_ytd"]) / float(project["budget"])
    assert summary["execution_ytd"] == pytest.approx(execution, abs=1e-12)
    assert summary["budget_ratio"] == pytest.approx(execution / (7 / 12), abs=1e-12)
    assert summary["expected_execution"] == pytest.approx(
        float(form["expected_spent"]) / float(project["budget"]), abs=1e-12)
    assert summary["review_score"] == pytest.approx(sum(summary["review_scores"].values()))
    assert summary["month"] == 7 and summary["flagged"] and summary["light"] == "红"
    assert summary["gap_points"] < -20
    html = result.files["html"].read_text(encoding="utf-8")
    for heading in ("一、监控结论", "二、预算执行监控", "三、绩效目标监控", "四、监控表审核评分"):
        assert heading in html


def test_rectification_notice_numbers(out):
    """XM-2020-058: a poor monitoring form, review score below 60, so a notice with a deadline
    30 days after 2020-07-31."""
    pid = "XM-2020-058"
    result = run_report("rectification_notice", dataset="sample", subject_id=pid, out_dir=out,
                        formats=["html", "docx"])
    summary = summary_of(result)
    assert summary["review_score"] < 60 and summary["rectification"] == "需整改"
    assert summary["deadline"] == "2020-08-30"
    html = result.files["html"].read_text(encoding="utf-8")
    for text in ("绩效监控整改通知书", "一、存在问题", "二、整改要求", "三、整改期限",
                 "请于 2020年8月30日 前完成整改"):
        assert text in html
    assert result.files["docx"].stat().st_size > 0
