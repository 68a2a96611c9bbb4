"""Reports a consultant can sign (issue 10, items 1–4): engagement identity on the cover and the
signature page, 报告编号, running header and footer, the agency's Word template, layout on paper
and Chinese text kept as written — checked in the HTML, the PDF text (pypdf) and the DOCX."""

import io
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from docx import Document
from docx.shared import Mm, RGBColor
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from evalkit import registry
from evalkit.batch import run_batch, run_report
from evalkit.engagement import (
    PLACEHOLDER,
    Engagement,
    ReportIdentity,
    engagement_of,
    report_identity,
    warn_missing,
)
from evalkit.errors import DatasetError, EvalkitWarning, InputError
from evalkit.io import load_dataset
from evalkit.render.docx import column_widths, docx_bytes
from evalkit.render.pipeline import read_summary, render_outputs

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "sample" / "csv"
ENGAGEMENT = pd.read_csv(CSV / "engagement.csv", encoding="utf-8-sig", dtype=str,
                         keep_default_na=False).iloc[0]
TEAM = pd.read_csv(CSV / "team.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
#: A deviation explanation of XM-2020-001 as typed in the sample, full-width "，" and "；".
SENTENCE = "质量抽查发现部分问题，已责令整改；将加强过程监管和验收把关"
CJK_COMMA_CJK = re.compile(r"[一-鿿],[一-鿿]")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return run_report("self_evaluation", subject_id="XM-2020-001",
                      out_dir=tmp_path_factory.mktemp("identity"),
                      formats=["html", "pdf", "docx"])


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def html_text(page: str) -> str:
    body = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_the_sample_engagement_is_read_with_its_team():
    e = engagement_of(load_dataset("sample"))
    assert (e.client, e.agency, e.status) == (ENGAGEMENT["client"], ENGAGEMENT["agency"], "征求意见稿")
    assert str(e.report_date) == ENGAGEMENT["report_date"] and e.missing() == []
    assert [m.name for m in e.team] == TEAM["name"].tolist()


def test_docx_is_a4_with_page_number_fields_and_the_report_number(made):
    data = made.files["docx"].read_bytes()
    section = Document(io.BytesIO(data)).sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5)
    assert abs(section.page_height - Mm(297)) < Mm(0.5)
    assert abs(section.top_margin - Mm(37)) < Mm(0.5) and abs(section.left_margin - Mm(28)) < Mm(0.5)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        footer = "".join(archive.read(n).decode() for n in archive.namelist()
                         if n.startswith("word/footer"))
        header = "".join(archive.read(n).decode() for n in archive.namelist()
                         if n.startswith("word/header"))
        document = archive.read("word/document.xml").decode()
    assert "<w:instrText xml:space=\"preserve\"> PAGE </w:instrText>" in footer
    assert " NUMPAGES " in footer and "第 " in footer
    assert "报告编号：SLPJ-2020-XMZP-001" in header
    # tables: header row repeated, rows never split; headings keep with the next paragraph
    assert "<w:tblHeader/>" in document and "<w:cantSplit/>" in document


def test_docx_core_properties_carry_the_engagement(made):
    data = made.files["docx"].read_bytes()
    props = Document(io.BytesIO(data)).core_properties
    assert props.title == "村级组织活动场所维修项目绩效自评报告"
    assert props.author == ENGAGEMENT["agency"]
    assert "SLPJ-2020-XMZP-001" in props.keywords and "XM-2020-001" in props.subject
    assert props.created.date().isoformat() == ENGAGEMENT["report_date"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        meta = "".join(archive.read(n).decode() for n in archive.namelist()
                       if n.startswith("docProps/") and n.endswith(".xml"))
    assert "python-docx" not in meta


def test_pdf_opens_with_the_cover_then_the_signature_page(made):
    pages = pdf_pages(made.files["pdf"])
    cover = pages[0].replace(" ", "")
    for text in ("报告编号", "SLPJ-2020-XMZP-001", "评价机构", ENGAGEMENT["agency"],
                 ENGAGEMENT["client"], "2021年3月15日", "征求意见稿", "村级组织活动场所维修项目绩效自评报告"):
        assert text in cover, text
    assert "第1页" not in cover  # no header or footer on the cover
    signature = pages[1].replace(" ", "")
    assert "报告签署页" in signature and "评价机构（盖章）" in signature
    assert all(name in signature for name in TEAM["name"])
    assert f"第2页/共{len(pages)}页" in signature and "报告编号：SLPJ-2020-XMZP-001" in signature
    last = pages[-1].replace(" ", "")
    assert "附：数据与规则来源" in last and "规则集" in last


def test_html_is_chinese_with_provenance_in_the_appendix_not_the_subtitle(made):
    page = made.files["html"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    subtitle = re.search(r'<p class="evalkit-subtitle">(.*?)</p>', page).group(1)
    assert "规则集" not in subtitle and "evalkit" not in subtitle
    appendix = page[page.index("附：数据与规则来源"):]
    summary = read_summary(nbformat.read(made.files["ipynb"], as_version=4))
    assert summary["ruleset_sha256"] in appendix and "sample_county.xlsx" in appendix


def test_full_width_punctuation_from_the_data_is_kept_in_every_format(made):
    page = re.sub(r"<[^>]+>", "", made.files["html"].read_text(encoding="utf-8"))
    pdf = re.sub(r"\s", "", "".join(pdf_pages(made.files["pdf"])))
    docx = docx_text(made.files["docx"].read_bytes())
    assert SENTENCE in page and SENTENCE in pdf and SENTENCE in docx
    for text in (page, pdf, docx):
        assert not CJK_COMMA_CJK.search(text), CJK_COMMA_CJK.search(text)


def test_one_percentage_format_in_a_report(made):
    """Every computed percentage has the policy's two decimals (产出指标 得分率 88.40% in table
    and prose, never 88.4%); only targets and actuals typed in the data stay as typed."""
    page = html_text(made.files["html"].read_text(encoding="utf-8"))
    sheet = pd.read_csv(CSV / "indicators.csv", encoding="utf-8-sig", dtype=str,
                        keep_default_na=False).query("project_id == 'XM-2020-001'")
    as_typed = " ".join(sheet["target"] + " " + sheet["actual"] + " " + sheet["actual"]
                        + sheet["unit"])  # an actual typed 99.1 with the unit % shows 99.1%
    typed = set(re.findall(r"\d+(?:\.\d+)?%", as_typed))
    shares = set(re.findall(r"(?<![\d.])\d+\.\d+%", page)) - typed
    assert "88.40%" in shares and page.count("88.40%") >= 2
    assert all(re.fullmatch(r"\d+\.\d{2}%", s) for s in shares), shares


def test_missing_details_show_placeholders_and_a_final_version_refuses(made):
    nb = nbformat.read(made.files["ipynb"], as_version=4)
    summary = read_summary(nb)
    blank = ReportIdentity("X-001", "项目", "某项目", "XM-2020-001", Engagement(status="征求意见稿"))
    page = render_outputs(nb, summary, ["html"], identity=blank)["html"].decode()
    assert page.count(PLACEHOLDER) >= 5
    with pytest.warns(EvalkitWarning, match="委托方、评价机构、项目负责人"):
        warn_missing(blank.engagement)
    final = ReportIdentity("X-001", "项目", "某项目", "XM-2020-001",
                           Engagement(agency="某机构", lead="王明", period="2020年",
                                      report_date=pd.Timestamp("2021-03-15").date(),
                                      status="正式稿", agency_short="MJ", year=2020))
    with pytest.raises(InputError, match="正式稿.*委托方、评价组"):
        render_outputs(nb, summary, ["html"], identity=final)
    hostile = ReportIdentity('A"</style><script>x</script>', "项目", "<b>名</b>", "XM-2020-001",
                             Engagement(client="<i>委托</i>", agency_short="<x>"))
    page = render_outputs(nb, summary, ["html"], identity=hostile)["html"].decode()
    assert "<script>" not in page and "<b>名</b>" not in page and "<i>委托</i>" not in page
    assert "&lt;i&gt;委托&lt;/i&gt;" in page


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "county"
    shutil.copytree(CSV, target)
    return target


def test_a_final_version_without_client_is_refused_before_anything_runs(folder, tmp_path):
    engagement = pd.read_csv(folder / "engagement.csv", encoding="utf-8-sig", dtype=str,
                             keep_default_na=False)
    engagement.loc[0, ["client", "status"]] = ["", "正式稿"]
    engagement.to_csv(folder / "engagement.csv", index=False, encoding="utf-8-sig")
    with pytest.raises(InputError, match="稿件状态为正式稿，应填写 委托方，实际为空白"):
        run_batch("self_evaluation", dataset=folder, subjects=["XM-2020-001"],
                  out_dir=tmp_path / "out", formats=["html"], workers=1, progress=False)
    assert not list((tmp_path / "out").glob("*/*.html"))


def test_engagement_faults_are_located(folder):
    engagement = pd.read_csv(folder / "engagement.csv", encoding="utf-8-sig", dtype=str,
                             keep_default_na=False)
    engagement.loc[0, ["status", "report_date", "number_pattern"]] = ["终稿", "3月15日",
                                                                      "{机构}-{序号}"]
    engagement.rename(columns={"status": "稿件状态"}).to_csv(
        folder / "engagement.csv", index=False, encoding="utf-8-sig")
    with pytest.raises(DatasetError) as caught:
        load_dataset(folder)
    text = str(caught.value)
    assert "engagement.csv，第 2 行，列 稿件状态：应为征求意见稿 或 正式稿，实际为 '终稿'" in text
    assert "第 2 行，列 report_date：应为日期" in text and "'3月15日'" in text
    assert "未知字段 机构" in text


def test_report_numbers_are_unique_within_and_across_types_and_stable():
    ds = load_dataset("sample")
    numbers = {}
    for name in ("self_evaluation", "key_project_evaluation"):
        report_type = registry.get(name)
        for sid in report_type.subjects(ds):
            numbers[(name, sid)] = report_identity(report_type, ds, "national", sid).number
    assert len(set(numbers.values())) == len(numbers) == 77 + 6
    assert numbers[("self_evaluation", "XM-2020-001")] == "SLPJ-2020-XMZP-001"
    again = report_identity(registry.get("self_evaluation"), ds, "national", "XM-2020-001")
    assert again.number == numbers[("self_evaluation", "XM-2020-001")]
    assert all(re.fullmatch(r"SLPJ-2020-(XMZP|ZDPJ)-\d{3}", n) for n in numbers.values())


def _red_template(path: Path) -> Path:
    """A house template: a 红头 paragraph style (red, bold) holding the agency's name."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    doc = Document()
    style = doc.styles.add_style("红头", WD_STYLE_TYPE.PARAGRAPH)
    style.font.color.rgb, style.font.bold, style.font.size = RGBColor(0xFF, 0, 0), True, Pt(26)
    doc.add_paragraph("{{ agency }}文件", style="红头")
    doc.add_paragraph("{{ number }}")
    doc.add_paragraph("{{p body }}")
    doc.save(path)
    return path


def test_an_agency_template_with_a_red_heading_style_is_used(made, tmp_path):
    nb = nbformat.read(made.files["ipynb"], as_version=4)
    identity = report_identity(registry.get("self_evaluation"), load_dataset("sample"),
                               "national", "XM-2020-001",
                               word_template=_red_template(tmp_path / "house.docx"))
    doc = Document(io.BytesIO(docx_bytes(nb, title="自评报告", identity=identity)))
    red = [p for p in doc.paragraphs if p.style.name == "红头"]
    assert [p.text for p in red] == [f"{ENGAGEMENT['agency']}文件"]
    assert red[0].style.font.color.rgb == RGBColor(0xFF, 0, 0)
    assert any(SENTENCE in c.text for t in doc.tables for r in t.rows for c in r.cells)
    lacking = Document()
    lacking.add_paragraph("{{ title }}")
    lacking.save(tmp_path / "no_body.docx")
    with pytest.raises(InputError, match=r"\{\{p body \}\}"):
        docx_bytes(nb, identity=ReportIdentity("X", "项目", "", "X",
                                               word_template=str(tmp_path / "no_body.docx")))


def test_table_text_follows_the_template_style_else_direct_fonts(made, tmp_path):
    """A template with a 表格文字 style sets the tables' face and size (a house style carries
    into every table); one without it gets the default table font on every run."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Pt

    nb = nbformat.read(made.files["ipynb"], as_version=4)
    house = Document()
    style = house.styles.add_style("表格文字", WD_STYLE_TYPE.PARAGRAPH)
    style.font.name, style.font.size = "Arial", Pt(9)
    house.add_paragraph("{{p body }}")
    house.save(tmp_path / "house.docx")
    plain = Document()
    plain.add_paragraph("{{p body }}")
    plain.save(tmp_path / "plain.docx")

    def table_runs(template: Path):
        identity = ReportIdentity("X", "项目", "", "X", word_template=str(template))
        doc = Document(io.BytesIO(docx_bytes(nb, title="自评报告", identity=identity)))
        cells = [c for t in doc.tables for r in t.rows for c in r.cells]
        return [p for c in cells for p in c.paragraphs], [r for c in cells for p in c.paragraphs
                                                          for r in p.runs]

    paragraphs, runs = table_runs(tmp_path / "house.docx")
    assert {p.style.name for p in paragraphs} == {"表格文字"}
    assert runs and all(r.font.size is None and r.font.name is None for r in runs)
    assert any(r.bold for r in runs) and any(r.bold is None for r in runs)  # the header row
    paragraphs, runs = table_runs(tmp_path / "plain.docx")
    assert runs and all(r.font.size == Pt(10.5) for r in runs)
    assert {r.element.rPr.rFonts.get(qn("w:eastAsia")) for r in runs} == {"宋体"}


def test_the_word_template_option_reaches_the_report(made, tmp_path):
    out = run_report("self_evaluation", subject_id="XM-2020-001", out_dir=tmp_path / "out",
                     formats=["docx"], word_template=_red_template(tmp_path / "house.docx"))
    doc = Document(out.files["docx"])
    assert [p.text for p in doc.paragraphs if p.style.name == "红头"] == [
        f"{ENGAGEMENT['agency']}文件"]
    with pytest.raises(InputError, match="--word-template .*应为 .docx 文件"):
        run_report("self_evaluation", subject_id="XM-2020-001", out_dir=tmp_path / "x",
                   formats=["docx"], word_template=tmp_path / "missing.docx")


@given(st.lists(st.lists(st.text(alphabet="项目指标1.%a", min_size=1, max_size=30),
                         min_size=3, max_size=3), min_size=2, max_size=6),
       st.floats(min_value=8, max_value=30))
def test_column_widths_fill_the_line_and_follow_content(rows, total):
    widths = column_widths(rows, total)
    assert sum(widths) == pytest.approx(total)
    assert min(widths) >= total * 4 / (40 * len(widths)) - 1e-9  # never a one-character column


@pytest.mark.parametrize("name", [t.name for t in registry.report_types()])
def test_every_report_type_opens_with_its_cover(name, tmp_path):
    report_type = registry.get(name)
    ds = load_dataset("sample")
    sid = report_type.subjects(ds)[0]
    out = run_report(name, subject_id=sid, out_dir=tmp_path, formats=["pdf"])
    pages = pdf_pages(out.files["pdf"])
    cover = pages[0].replace(" ", "")
    number = report_identity(report_type, ds, "national", sid).number
    assert "报告编号" in cover and number in cover and ENGAGEMENT["agency"] in cover
    assert f"共{len(pages)}页" in pages[-1].replace(" ", "")
    assert not CJK_COMMA_CJK.search("".join(pages))


def test_every_character_on_the_page_is_in_the_embedded_font(made):
    """No tofu: the cover, signature page, table of contents and moved headings are all in the
    page's font subset."""
    import base64

    from fontTools.ttLib import TTFont

    page = made.files["html"].read_text(encoding="utf-8")
    fonts = re.findall(r"url\(data:font/[a-z0-9-]+;base64,([A-Za-z0-9+/=]+)\)", page)
    covered = set()
    for data in fonts:
        covered |= set(TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap())
    shown = {ord(c) for c in html_text(page) if ord(c) > 0x2000 and not c.isspace()}
    assert fonts and shown <= covered, "".join(sorted(chr(c) for c in shown - covered))


def test_the_word_template_command_writes_the_default_for_an_agency(tmp_path, capsys):
    from evalkit.cli import main

    target = tmp_path / "house.docx"
    assert main(["word-template", str(target)]) == 0
    doc = Document(target)
    assert "{{p body }}" in [p.text for p in doc.paragraphs]
    assert abs(doc.sections[0].page_width - Mm(210)) < Mm(0.5)
    assert doc.styles["Heading 1"].element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "黑体"
    assert main(["word-template", str(tmp_path / "house.txt")]) == 1
    assert "应为 .docx 路径" in capsys.readouterr().err
