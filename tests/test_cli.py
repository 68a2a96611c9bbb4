"""The evalkit command: validate and summary."""

import json

import pytest
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


def test_summary_workbook_is_finished(tmp_path):
    """Every sheet of summary.xlsx: Chinese headers and labels, a number format on every numeric
    cell (rates as percentages of the unrounded fraction), 是/否, frozen headers, filters; a
    project named ``=1+1`` is a string cell shown without an apostrophe."""
    import re

    path = make_workbook(tmp_path / "d.xlsx")
    book = load_workbook(path)
    book["项目"]["B2"].value = "=1+1"
    book["项目"]["B2"].data_type = "s"  # typed as text in the dataset
    book.save(path)
    out = tmp_path / "out"
    assert main(["summary", str(path), "--out", str(out)]) == 0
    wb = load_workbook(out / "summary.xlsx")
    for ws in wb:
        header = [c.value for c in ws[1]]
        assert all(re.search(r"[一-鿿]", h) for h in header), (ws.title, header)
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                assert not isinstance(cell.value, bool)
                if isinstance(cell.value, (int, float)):
                    assert cell.number_format != "General", (ws.title, cell.coordinate)
    projects = wb["项目汇总"]
    header = [c.value for c in projects[1]]
    p001 = projects[2]
    name = p001[header.index("项目名称")]
    assert (name.value, name.data_type) == ("=1+1", "s")
    rate = p001[header.index("预算执行率")]
    assert rate.value == pytest.approx(0.95) and rate.number_format == "0.00%"
    assert p001[header.index("预算数(万元)")].number_format == "#,##0.00"
    assert p001[header.index("是否扶贫项目")].value == "是"
    county = {r[0].value: r[1] for r in wb["县级汇总"].iter_rows(min_row=2)}
    assert county["项目数"].value == 2 and county["项目数"].number_format == "0"
    assert county["预算执行率"].number_format == "0.00%"
    assert county["预算执行率"].value == pytest.approx((950 + 250) / 1300)
    sources = dict(wb["规则集与数据来源"].iter_rows(min_row=2, values_only=True))
    assert re.fullmatch(r"[0-9a-f]{64}", sources["输入文件 d.xlsx 的 SHA-256"])


def test_summary_on_invalid_data_writes_nothing(tmp_path):
    projects = [list(r) for r in PROJECT_ROWS]
    projects[0][0] = ""
    out = tmp_path / "out"
    assert main(["summary", str(make_workbook(tmp_path / "b.xlsx", projects)), "--out",
                 str(out)]) == 1
    assert not out.exists()


def test_template_round_trip_through_the_command(tmp_path, capsys):
    """evalkit template → experts fill it → evalkit import-scores → assess."""
    import pandas as pd

    from evalkit import EvalkitWarning
    from evalkit.stages.exante import assess

    book_path = tmp_path / "SQ-9.xlsx"
    assert main(["template", "exante", "--project", "SQ-9", "--project-name", "示例项目",
                 "--experts", "3", "-o", str(book_path)]) == 0
    book = load_workbook(book_path)
    expert_sheets = [n for n in book.sheetnames if n.startswith("专家")]
    assert len(expert_sheets) == 3
    for k, name in enumerate(expert_sheets):
        ws = book[name]
        header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "评分项编码")
        for r in range(header_row + 1, ws.max_row + 1):
            code, points = ws.cell(r, 1).value, ws.cell(r, 4).value
            if code:
                ws.cell(r, 6, points - 0.5 * k)
    book.save(book_path)
    out = tmp_path / "scores.csv"
    assert main(["import-scores", str(book_path), "-o", str(out), "--project", "SQ-9"]) == 0
    scores = pd.read_csv(out, encoding="utf-8-sig")
    assert len(scores) == 3 * 15 and scores["project_id"].unique().tolist() == ["SQ-9"]
    with pytest.warns(EvalkitWarning) as caught:  # 3 constant experts, fewer than 5, by design
        result = assess(scores, project_id="SQ-9")
    assert any("相同的分数" in str(w.message) for w in caught)
    assert any("少于规则集要求的 5 名" in str(w.message) for w in caught)
    assert result.total == pytest.approx(100 - 15 * 0.5)  # mean of 0, 0.5, 1 lost per item
    assert "已读取 3 位专家" in capsys.readouterr().out


def test_summary_of_a_monitored_dataset_adds_the_monitoring_table(tmp_path, capsys):
    """The sample county: 77 monitoring forms, average review score 95.05, 8 notices."""
    out = tmp_path / "out"
    assert main(["summary", "sample", "--out", str(out)]) == 0
    assert "监控审核平均分 95.05，需下发整改通知书 8 份" in capsys.readouterr().out
    sheet = load_workbook(out / "summary.xlsx")["监控情况表"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("项目编码", "项目名称", "预算单位", "监控月份") and len(rows) == 78
    flags = [r[rows[0].index("需整改")] for r in rows[1:]]
    assert flags.count("是") == 8 and flags.count("否") == 69


def test_summary_of_the_sample_adds_the_units_monitoring_table(tmp_path, capsys):
    """The 69 units at the end of July: one row each, Chinese headers, the unit figures under
    ``unit_`` in the county table (21 units green on their key tasks)."""
    out = tmp_path / "out"
    assert main(["summary", "sample", "--out", str(out)]) == 0
    workbook = load_workbook(out / "summary.xlsx")
    rows = list(workbook["单位监控情况表"].iter_rows(values_only=True))
    assert rows[0][:3] == ("单位编码", "预算单位", "监控月份") and len(rows) == 70
    county = dict(workbook["县级汇总"].iter_rows(min_row=2, values_only=True))
    assert county["部门整体监控：监控对象数"] == 69 and county["部门整体监控：重点工作灯为绿的数量"] == 21
    assert "整体支出监控 69 个预算单位：监控审核平均分 96.64" in capsys.readouterr().out
