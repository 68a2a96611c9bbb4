"""The assumption review (evalkit.review) without a browser: controls set programmatically, the
shown values against hand computations and evalkit.sensitivity; exports read back; the static
稳健性分析 report run by papermill records the library's figures."""

import json

import numpy as np
import pandas as pd
import pytest

from evalkit import registry
from evalkit.errors import RuleSetError
from evalkit.io import load_dataset
from evalkit.review import (
    Assumptions,
    ReviewApp,
    adjusted_ruleset,
    portfolio_review,
    review_frame,
    settings,
)
from evalkit.rules import derive_ruleset, load_ruleset
from evalkit.sensitivity import WeightModel, compare_rulesets, weight_model


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return ReviewApp.build("sample", export_dir=tmp_path_factory.mktemp("exports"))


def _toy(grades) -> WeightModel:
    """One project, two level-1 groups of 60 and 40 points scoring 54 and 20 (total 74, 中)."""
    return WeightModel(project_ids=("P",), level1=("产出", "效益"),
                       level1_weights=np.array([60.0, 40.0]),
                       components=pd.DataFrame({"level1": ["产出", "效益"], "level2": ["", ""],
                                                "parent": [0, 1]}),
                       weights=np.array([[60.0, 40.0]]), scores=np.array([[54.0, 20.0]]),
                       totals=np.array([74.0]), verdicts=("中",), fixed=("",), bands=grades)


def test_review_frame_renormalises_the_weights_by_hand():
    """W' = 40/40 → 50/50 points; rates 0.9 and 0.5 keep: 50 × 0.9 + 50 × 0.5 = 70 (中)."""
    toy = _toy(load_ruleset("national").grades)
    frame = review_frame(toy, toy, {"产出": 40, "效益": 40})
    assert frame.loc[0, "total"] == pytest.approx(70.0, abs=1e-12)
    assert frame.loc[0, "delta"] == pytest.approx(-4.0, abs=1e-12)
    assert (frame.loc[0, "verdict"], bool(frame.loc[0, "changed"])) == ("中", False)
    raised = review_frame(toy, toy, {"产出": 90, "效益": 10})  # 90 × 0.9 + 10 × 0.5 = 86 (良)
    assert raised.loc[0, "total"] == pytest.approx(86.0, abs=1e-12)
    assert (raised.loc[0, "verdict"], bool(raised.loc[0, "changed"])) == ("良", True)


def test_the_first_state_is_the_stage_result(app):
    model = weight_model("sample", report_type="key_project_evaluation")
    assert list(app.frame["project_id"]) == list(model.project_ids)
    np.testing.assert_allclose(app.frame["total"], model.totals, atol=1e-9)
    assert list(app.frame["verdict"]) == list(model.verdicts)
    assert not app.frame["changed"].any()


def test_a_weight_change_rescores_and_exports_the_scaled_framework(app, tmp_path):
    """产出 35 → 60: renormalised 12/16/48/24; the exported framework scales the 产出 branch by
    48/35 and the others by 0.8."""
    app._weight_widgets["产出"].value = 60
    try:
        assert "产出 48.00" in app._normalised.value
        path = app.export_yaml(tmp_path / "rules.yaml")
        exported = load_ruleset(path)
        tree = {n["name"]: n["weight"] for n in exported.data["keyproject"]["framework"]}
        assert tree == pytest.approx({"决策": 12.0, "过程": 16.0, "产出": 48.0, "效益": 24.0})
        assert exported.data["keyproject"]["framework"][2]["children"][0]["weight"] == \
            pytest.approx(10 * 48 / 35)
        row = app.frame.set_index("project_id").loc["XM-2020-042"]
        assert (round(row["total"], 2), row["verdict"], bool(row["changed"])) == (80.37, "良", True)
        # the flip probabilities are drawn around the new weights: the moved model's totals
        assert list(app.stability["verdict"]) == list(app.frame["verdict"])
        np.testing.assert_allclose(app.stability["total"], app.frame["total"], atol=1e-9)
    finally:
        app._weight_widgets["产出"].value = 35
    np.testing.assert_allclose(app.frame["delta"], 0, atol=1e-9)


def test_rule_set_assumptions_rescore_through_derive_ruleset(app):
    app.controls["reverse"].value = "B"
    try:
        expected = weight_model("sample", report_type="key_project_evaluation",
                                ruleset=derive_ruleset("national",
                                                       {"scoring.reverse_convention": "B"}))
        np.testing.assert_allclose(app.frame["total"], expected.totals, atol=1e-9)
    finally:
        app.controls["reverse"].value = "A"
    app._grade_widgets["良"].value = 76  # 76.08 becomes 良
    try:
        assert app.frame.set_index("project_id").loc["XM-2020-042", "verdict"] == "良"
    finally:
        app._grade_widgets["良"].value = 80


def test_a_rejected_assumption_is_shown_and_keeps_the_last_state(app):
    before = app.frame.copy()
    app._grade_widgets["优"].value = 70  # below 良's 80: overlapping bands
    try:
        assert "假设无效" in app._status.value
        pd.testing.assert_frame_equal(app.frame, before)
    finally:
        app._grade_widgets["优"].value = 90
    assert app._status.value == ""


def test_the_rule_set_control_resets_the_others(app):
    app.controls["ruleset"].value = "provincial"
    try:
        assert app.controls["reverse"].value == "B"
        assert {k: v.value for k, v in app._grade_widgets.items()} == {"优": 85, "良": 75,
                                                                       "中": 60}
        provincial = weight_model("sample", report_type="key_project_evaluation",
                                  ruleset="provincial")
        np.testing.assert_allclose(app.frame["total"], provincial.totals, atol=1e-9)
        np.testing.assert_allclose(app.frame["total_base"], provincial.totals, atol=1e-9)
    finally:
        app.controls["ruleset"].value = "national"


def test_project_filter_and_workbook_export(app, tmp_path):
    app.controls["filter"].value = "白杨"
    try:
        assert 'data-project="XM-2020-042"' in app._table.value
        assert app._table.value.count("data-project=") == 1
    finally:
        app.controls["filter"].value = ""
    book = pd.read_excel(app.export_workbook(tmp_path / "cmp.xlsx"), sheet_name=None, engine="openpyxl")
    sheet = book["得分与等级变化"]
    assert list(sheet.columns[:4]) == ["项目编码", "项目名称", "原总分", "原等级"]
    assert len(sheet) == 6 and set(sheet["等级变化"]) == {"否"}


def test_tier_ranges_clamp_the_default_and_validate():
    rs = adjusted_ruleset(Assumptions(tiers={"部分达成": (0.6, 0.65)}),
                          report_type="key_project_evaluation")
    tier = next(t for t in rs.data["scoring"]["qualitative_tiers"] if t["tier"] == "部分达成")
    assert (tier["min"], tier["max"], tier["default"]) == (0.6, 0.65, 0.65)  # 0.7 clamped
    with pytest.raises(RuleSetError):
        adjusted_ruleset(Assumptions(grades={"优": 70}), report_type="self_evaluation")


def test_self_evaluation_weights_go_to_level1_weights():
    rs = adjusted_ruleset(Assumptions(weights={"产出指标": 60, "效益指标": 30, "满意度指标": 10,
                                               "预算执行率": 0}), report_type="self_evaluation")
    assert dict(rs.data["selfeval"]["level1_weights"]) == pytest.approx(
        {"产出指标": 60.0, "效益指标": 30.0, "满意度指标": 10.0, "预算执行率": 0.0})


def test_settings_follow_the_environment_of_evalkit_review():
    base = dict(report_type="key_project_evaluation", dataset="sample", ruleset="national")
    assert settings(**base, environ={}).app is False  # papermill: the static report
    assert settings(**base, environ={"JPY_SESSION_NAME": "x.ipynb"}).app is True  # JupyterLab
    served = settings(**base, environ={"EVALKIT_REVIEW_APP": "1", "EVALKIT_REVIEW_DATASET": "/d",
                                       "EVALKIT_REVIEW_OUT": "/o"})
    assert (served.app, served.dataset, served.export_dir) == (True, "/d", "/o")
    assert settings(**base, app="no", environ={"EVALKIT_REVIEW_APP": "1"}).app is False


def test_portfolio_review_agrees_with_the_sensitivity_module():
    result = portfolio_review("sample", "key_project_evaluation", draws=2000)
    cmp = compare_rulesets("sample", "national", "provincial",
                           report_type="key_project_evaluation")
    pd.testing.assert_frame_equal(result.comparison.frame, cmp.frame)
    assert result.summary()["n_changed"] == int(cmp.frame["changed"].sum()) == 5
    assert "grades" not in result.comparison_frame()["causes"].str.cat()
    assert set(result.tornado["level"]) == {1} and len(result.tornado) == 6


def test_static_report_by_evalkit_run(tmp_path):
    """The notebook run headless (papermill) is the 稳健性分析 report of a portfolio."""
    from evalkit.batch import run_batch

    rt = registry.get("assumption_review")
    assert rt.subjects(load_dataset("sample")) == [
        "key_project_evaluation", "self_evaluation"]
    result = run_batch("assumption_review", dataset="sample", subjects="key_project_evaluation",
                       out_dir=tmp_path, formats=["html"], workers=1, force=True,
                       portfolio=False, progress=False)
    assert result.ok, result.messages
    summary = json.loads((tmp_path / "key_project_evaluation" / "key_project_evaluation.json")
                         .read_text(encoding="utf-8"))
    expected = portfolio_review("sample", "key_project_evaluation")
    assert summary["n_changed"] == 5 and summary["compared_with"] == "省级示例规则集"
    assert summary["p_hold"] == pytest.approx(expected.summary()["p_hold"], abs=0)
    page = (tmp_path / "key_project_evaluation" / "key_project_evaluation.html").read_text(
        encoding="utf-8")
    assert "稳健性分析报告" in page and "等级保持概率" in page
    assert "ipywidgets" not in page and "HBox" not in page


def test_self_evaluation_weight_change_equals_the_exported_rule_set(tmp_path):
    """Rescoring by a = W'/W equals re-evaluating the portfolio under the exported rule set."""
    app = ReviewApp.build("sample", report_type="self_evaluation", export_dir=tmp_path, draws=200)
    app._weight_widgets["产出指标"].value = 40
    app._weight_widgets["效益指标"].value = 40
    exported = load_ruleset(app.export_yaml())
    assert dict(exported.data["selfeval"]["level1_weights"]) == pytest.approx(
        {"产出指标": 40, "效益指标": 40, "满意度指标": 10, "预算执行率": 10})
    again = weight_model("sample", report_type="self_evaluation", ruleset=exported)
    # projects whose points sit where the rule set put them: identical. A project whose points
    # were reallocated (no satisfaction indicator …) keeps its reallocation scaled by a = W'/W
    # (sensitivity module docstring); re-evaluation reallocates the new weights instead.
    base = app.model(load_ruleset("national"))
    plain = np.isclose(base.level1_points, base.level1_weights).all(axis=1)
    assert plain.sum() >= 70
    np.testing.assert_allclose(app.frame["total"][plain], again.totals[plain], atol=1e-9)
    assert list(app.frame["verdict"][plain]) == list(np.array(again.verdicts)[plain])


def test_evalkit_review_without_the_extra_says_how_to_install(monkeypatch, capsys):
    import importlib.util

    from evalkit.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "voila" else real(name, *a))
    assert main(["review", "sample"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'evalkit[review]'" in err and "voila" in err and "可选组件" in err


def test_evalkit_review_rejects_a_bad_dataset_and_type(tmp_path, capsys):
    from evalkit.cli import main

    assert main(["review", "sample", "--type", "ex_ante_assessment"]) == 2
    assert "key_project_evaluation" in capsys.readouterr().err
    assert main(["review", str(tmp_path / "missing.xlsx")]) == 1
    assert "missing.xlsx" in capsys.readouterr().err


def test_batch_workers_import_no_review_dependencies():
    import subprocess
    import sys

    code = ("import sys, evalkit.batch, evalkit.registry, evalkit.review; "
            "print(sorted(m for m in ('ipywidgets', 'voila', 'seaborn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
