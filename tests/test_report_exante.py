"""The ex-ante report end to end: notebook → JSON summary, HTML, DOCX and PDF.

The executed notebook's summary is checked against numbers recomputed here from the raw expert
scores (trimmed mean per sub-item, dimension sums, national tiers), not against evalkit itself.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from evalkit import DatasetError, load_ruleset, read_dataset
from evalkit.batch import ReportError, run_report
from evalkit.bundle import sample_dataset
from evalkit.cli import main
from evalkit.render.pipeline import read_summary

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "SQ-2021-001"  # 7 experts: the trimmed mean applies
VETOED = "SQ-2021-010"


def expected_panel(project_id: str) -> dict:
    """Recompute a project's ex-ante result by hand from the expert_scores CSV."""
    scores = pd.read_csv(ROOT / "data/sample/csv/expert_scores.csv", encoding="utf-8-sig")
    scores = scores[scores["project_id"] == project_id]
    items = {i["item_id"]: i for i in load_ruleset("national").section("exante")["items"]}
    per_item = {}
    for item_id, group in scores.groupby("item_id"):
        x = np.sort(group["score"].to_numpy(dtype=float))
        per_item[item_id] = x[1:-1].mean() if len(x) > 5 else x.mean()
    dims: dict[str, float] = {}
    for item_id, value in per_item.items():
        dims[items[item_id]["dimension"]] = dims.get(items[item_id]["dimension"], 0.0) + value
    total = sum(dims.values())
    tier = "予以支持" if total >= 90 else "调整完善后予以支持" if total >= 70 else "不予支持"
    if dims["筹资合规性"] / 20 < 0.6:
        tier = "不予支持"
    return {"total": total, "dimensions": dims, "conclusion": tier,
            "n_experts": scores["expert_id"].nunique()}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return {pid: run_report("ex_ante_assessment", dataset="sample", subject_id=pid, out_dir=out,
                            formats=["html", "docx", "pdf"] if pid == PROJECT else ["html"])
            for pid in (PROJECT, VETOED)}


@pytest.mark.parametrize("pid", [PROJECT, VETOED])
def test_summary_numbers_match_a_hand_recomputation(reports, pid):
    summary = json.loads(reports[pid].files["json"].read_text(encoding="utf-8"))
    expected = expected_panel(pid)
    assert summary["total"] == pytest.approx(expected["total"], abs=1e-9)
    assert summary["conclusion"] == expected["conclusion"]
    assert summary["n_experts"] == expected["n_experts"]
    for dim, value in expected["dimensions"].items():
        assert summary["dimension_scores"][dim] == pytest.approx(value, abs=1e-9)
    assert summary["ruleset_id"] == "cn-national" and len(summary["ruleset_sha256"]) == 64
    assert set(summary["provenance"]["inputs_sha256"]) == {"sample_county.xlsx"}
    assert summary["provenance"]["evalkit_version"]
    if pid == VETOED:
        assert summary["vetoes"] and summary["conclusion_before_veto"] != "不予支持"


def test_output_layout(reports):
    out = reports[PROJECT]
    assert out.folder.name == PROJECT
    assert sorted(p.name for p in out.folder.iterdir()) == sorted(
        f"{PROJECT}.{ext}" for ext in ("ipynb", "html", "docx", "pdf", "json"))
    nb = json.loads(out.files["ipynb"].read_text(encoding="utf-8"))
    assert nb["metadata"]["papermill"]["parameters"]["project_id"] == PROJECT
    stderr = [o.get("text", "") for c in nb["cells"] if c["cell_type"] == "code"
              for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert not any("missing from font" in t or "findfont" in t for t in stderr)


def test_html_is_offline_has_no_code_and_embeds_font_and_charts(reports):
    text = reports[PROJECT].files["html"].read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "@import" not in text and "url(http" not in text
    assert "import evalkit" not in text and "report.table(" not in text  # no input cells
    assert "@font-face" in text and "data:font/woff;base64," in text
    assert text.count("data:image/png;base64,") == 2
    for heading in ("一、项目概况", "三、评估结论", "九、建议", "农村饮水安全巩固提升工程",
                    "附件 专家评分明细", "附表 专家原始评分"):
        assert heading in text
    # the appendix: every raw score of the project, the trimmed ones marked
    raw = pd.read_csv(ROOT / "data/sample/csv/expert_scores.csv", encoding="utf-8-sig", dtype=str)
    appendix = text.split("附表 专家原始评分")[1]
    n_experts = raw.loc[raw["project_id"] == PROJECT, "expert_id"].nunique()
    n_items = raw.loc[raw["project_id"] == PROJECT, "item_id"].nunique()
    assert appendix.count("（剔除）") == (2 * n_items if n_experts > 5 else 0)


def test_pdf_embeds_cjk_font_and_carries_the_text(reports):
    from pypdf import PdfReader

    reader = PdfReader(reports[PROJECT].files["pdf"])
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for desc in font.get("/DescendantFonts", [font]):
                desc = desc.get_object()
                fd = desc.get("/FontDescriptor")
                fonts[str(desc["/BaseFont"])] = fd is not None and any(
                    k in fd.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    assert any("Evalkit-Sans-SC" in name for name in fonts)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "评估结论" in text and "予以支持" in text


def test_docx_has_headings_tables_charts_and_east_asian_fonts(reports):
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(str(reports[PROJECT].files["docx"]))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert "一、项目概况" in headings and "九、建议" in headings
    assert any("农村饮水安全巩固提升工程" in h for h in headings)
    assert len(doc.tables) >= 5 and len(doc.inline_shapes) == 2
    for style in ("Normal", "Heading 1", "Title"):
        fonts = doc.styles[style].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) in ("宋体", "黑体", "仿宋")  # GB/T 9704 template


def test_unknown_project_fails_cleanly_and_keeps_only_its_partial_notebook(tmp_path):
    with pytest.raises(ReportError, match="'SQ-2099-999': expected an id in the projects table"
                       ) as raised:
        run_report("ex_ante_assessment", dataset="sample", subject_id="SQ-2099-999",
                   out_dir=tmp_path, formats=["html"])
    kept = tmp_path / "_failed" / "SQ-2099-999.ipynb"
    assert raised.value.notebook == kept and str(kept) in str(raised.value)
    assert [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()] == [
        kept.relative_to(tmp_path)]
    failed = nbformat.read(kept, as_version=4)
    assert "papermill-error-cell" in failed.cells[0].source


@pytest.mark.parametrize("bad", ["../../etc/x", "P1; rm -rf", ".hidden", "a/b"])
def test_unsafe_project_ids_never_become_paths(tmp_path, bad):
    assert main(["run", "ex_ante_assessment", "--project", bad, "--out", str(tmp_path)]) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("score", 7.5, "0 至 6 之间的得分（A1 政策相符性）"),
    ("score", "很好", "数字"),
    ("item_id", "Z9", "评分项编码"),
])
def test_bad_expert_scores_are_located(tmp_path, column, value, expected):
    from openpyxl import load_workbook

    path = tmp_path / "bad.xlsx"
    path.write_bytes(sample_dataset().read_bytes())
    book = load_workbook(path)
    ws = book["专家评分"]
    header = [c.value for c in ws[1]]
    col = header.index({"score": "得分", "item_id": "评分项编码"}[column]) + 1
    item_col = header.index("评分项编码") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, item_col).value == "A1")
    ws.cell(row, col, value)
    book.save(path)
    with pytest.raises(DatasetError) as info:
        read_dataset(path)
    [problem] = info.value.problems
    assert (problem.sheet, problem.row) == ("专家评分", row) and expected in problem.expected


def test_plain_papermill_and_help_notebook(tmp_path):
    nb = ROOT / "notebooks" / "ex_ante_assessment.ipynb"
    help_text = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook", str(nb)],
                               capture_output=True, text=True, check=True).stdout
    for name, note in (("project_id", "项目编码"), ("dataset", "数据集"), ("ruleset", "规则集"),
                       ("top_lost", "扣分点"), ("show_comments", "专家意见")):
        assert name in help_text and note in help_text
    out = tmp_path / "out.ipynb"
    subprocess.run([sys.executable, "-m", "papermill", str(nb), str(out), "-p", "project_id",
                    "SQ-2021-002", "-p", "top_lost", "3"], cwd=tmp_path, check=True,
                   capture_output=True)
    summary = read_summary(nbformat.read(out, as_version=4))
    assert summary["project_id"] == "SQ-2021-002"
    assert summary["total"] == pytest.approx(expected_panel("SQ-2021-002")["total"], abs=1e-9)
