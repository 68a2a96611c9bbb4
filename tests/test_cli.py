"""The evalkit command: validate and summary."""

import json

from conftest import PROJECT_ROWS, make_workbook
from openpyxl import load_workbook

from evalkit.cli import main


def test_validate_ok_and_exit_codes(tmp_path, capsys):
    good = make_workbook(tmp_path / "good.xlsx")
    assert main(["validate", str(good)]) == 0
    assert "数据校验通过" in capsys.readouterr().out
    projects = [list(r) for r in PROJECT_ROWS]
    projects[0][8] = "很多"
    bad = make_workbook(tmp_path / "bad.xlsx", projects)
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.xlsx，工作表 项目，第 2 行，列 到位数" in err and "'很多'" in err


def test_summary_writes_scored_outputs_with_provenance(tmp_path, capsys):
    wb = make_workbook(tmp_path / "d.xlsx")
    out = tmp_path / "out"
    assert main(["summary", str(wb), "--out", str(out), "--ruleset", "provincial"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["grade_distribution.png", "summary.json",
                                                     "summary.xlsx"]
    payload = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert payload["ruleset_id"] == "province-example" and len(payload["ruleset_sha256"]) == 64
    assert list(payload["inputs_sha256"]) == ["d.xlsx"]
    p001 = next(p for p in payload["projects"] if p["project_id"] == "P001")
    # P001: 5200/5000 capped (50) + 310/300 capped (30) + 93/90 capped (10) + 10 × 950/1000.
    assert p001["total"] == 50 + 30 + 10 + 9.5 and p001["grade"] == "优"
    wb = load_workbook(out / "summary.xlsx")
    assert wb.sheetnames == ["项目汇总", "指标评分表", "县级汇总", "规则集与数据来源"]
    assert wb["项目汇总"]["A1"].value == "项目编码"
    assert "已评分 2 个项目" in capsys.readouterr().out


def test_summary_on_invalid_data_writes_nothing(tmp_path):
    projects = [list(r) for r in PROJECT_ROWS]
    projects[0][0] = ""
    out = tmp_path / "out"
    assert main(["summary", str(make_workbook(tmp_path / "b.xlsx", projects)), "--out",
                 str(out)]) == 1
    assert not out.exists()
