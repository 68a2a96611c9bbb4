"""Foreseeable faults end in one clear message and a non-zero exit, never a traceback; nothing
wrong passes in silence; one batch per output folder; no write through a link; DOCX/PDF bytes
do not depend on the clock.

Each fault is driven through the ``evalkit`` command (``main`` returns the exit status: a
traceback would raise out of it and fail the test) and the message is checked for the place and
the cause.
"""

import csv
import errno
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import (
    INDICATOR_COLS,
    INDICATOR_ROWS,
    PROJECT_COLS,
    PROJECT_ROWS,
    headers,
    make_folder,
    make_workbook,
)

from evalkit.batch import run_batch, run_report
from evalkit.batch.lock import LOCK, output_lock
from evalkit.cli import main
from evalkit.errors import DatasetError, OutputError, RuleSetError
from evalkit.io import atomic_write, decode_csv, read_dataset
from evalkit.rules import load_ruleset, validation_options
from evalkit.schemas import PROJECTS
from evalkit.scoring import score_indicators

ROOT = Path(__file__).resolve().parents[1]


def _write_csv(path: Path, rows: list[list], encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


# --- encodings --------------------------------------------------------------------------------

@pytest.mark.parametrize(("encoding", "name"), [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"),
                                                ("gbk", "GB18030"), ("gb18030", "GB18030")])
def test_csv_in_each_encoding_reads_the_same_tables_and_says_which(tmp_path, capsys, encoding,
                                                                   name):
    reference = read_dataset(make_folder(tmp_path / "ref"))
    folder = make_folder(tmp_path / "data")
    _write_csv(folder / "项目.csv", [headers(PROJECTS, PROJECT_COLS), *PROJECT_ROWS], encoding)
    ds = read_dataset(folder)
    assert ds.encodings["项目.csv"] == name
    assert ds.projects.equals(reference.projects)
    rc, out, _ = _cli(capsys, "validate", str(folder))
    assert rc == 0 and f"项目.csv {name}" in out


def test_undecodable_csv_is_located_not_a_traceback(tmp_path, capsys):
    folder = make_folder(tmp_path / "data")
    (folder / "项目.csv").write_bytes("项目编码\n".encode() + b"\x81\x30\xff\xfe\x00bad\n")
    rc, _, err = _cli(capsys, "validate", str(folder))
    assert rc == 1
    assert "项目.csv：应为文件编码，实际为 UTF-8 或 GB18030/GBK 编码的文本，实际无法解码（第 14 个字节）" in err


def test_decode_csv_prefers_utf8_and_reads_utf16_with_bom():
    assert decode_csv("项目".encode()) == ("项目", "UTF-8")
    assert decode_csv("项目".encode("utf-16")) == ("项目", "UTF-16")


# --- unreadable, empty, corrupt, protected workbooks; missing paths ---------------------------

@pytest.mark.parametrize(("content", "found"), [
    (b"", "空文件（0 字节）"),
    (b"PK\x03\x04 truncated", "文件已损坏或不是工作簿"),
    (b"not a workbook at all", "文件已损坏或不是工作簿"),
    # an encrypted .xlsx is an OLE2 compound file, like a legacy .xls
    (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504), "受密码保护的工作簿或旧版 .xls 文件"),
])
def test_bad_workbooks_are_one_clear_message(tmp_path, capsys, content, found):
    path = tmp_path / "县.xlsx"
    path.write_bytes(content)
    rc, _, err = _cli(capsys, "validate", str(path))
    assert rc == 1 and f"县.xlsx：应为可打开的 .xlsx 工作簿，实际为 {found}" in err


def test_truncated_real_workbook_is_a_clear_message(tmp_path, capsys):
    whole = make_workbook(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    rc, _, err = _cli(capsys, "validate", str(path))
    assert rc == 1 and "cut.xlsx：应为可打开的 .xlsx 工作簿，实际为 文件已损坏" in err


def test_unreadable_csv_and_missing_dataset(tmp_path, capsys):
    folder = make_folder(tmp_path / "data")
    (folder / "项目.csv").unlink()
    (folder / "项目.csv").mkdir()  # unreadable as a file, whoever runs the test (root too)
    rc, _, err = _cli(capsys, "validate", str(folder))
    assert rc == 1 and "项目.csv：应为可读取的文件，实际为 无法读取（Is a directory）" in err
    rc, _, err = _cli(capsys, "validate", str(tmp_path / "nowhere.xlsx"))
    assert rc == 1 and "nowhere.xlsx" in err and "不存在" in err


def test_two_files_for_one_table_name_both(tmp_path, capsys):
    folder = make_folder(tmp_path / "data")
    _write_csv(folder / "projects.csv", [PROJECT_COLS, *PROJECT_ROWS], "utf-8")
    rc, _, err = _cli(capsys, "validate", str(folder))
    assert rc == 1
    assert "应为表 项目 (projects) 只有一个来源，实际为 两个来源 'projects' 与 '项目'" in err
    path = make_workbook(tmp_path / "two.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.copy_worksheet(wb["项目"]).title = "projects"
    wb.save(path)
    with pytest.raises(DatasetError) as info:
        read_dataset(path)
    assert [p.found for p in info.value.problems] == [
        "两个来源 'projects' 与 '项目'（请删除或改名其一）"]


# --- outputs that cannot be written ------------------------------------------------------------

def test_output_folder_that_is_a_file(tmp_path, capsys):
    data = make_workbook(tmp_path / "ok.xlsx")
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    rc, _, err = _cli(capsys, "summary", str(data), "--out", str(blocker))
    assert rc == 1 and "路径上已有同名文件，应为文件夹" in err
    rc, _, err = _cli(capsys, "batch", "ex_ante_assessment", "--out", str(blocker / "b"))
    assert rc == 1 and "路径上已有同名文件，应为文件夹" in err
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize(("code", "said"), [(errno.ENOSPC, "磁盘已满"), (errno.EACCES, "无写入权限"),
                                            (errno.EROFS, "只读文件系统")])
def test_a_write_failing_mid_file_keeps_the_old_file_and_leaves_nothing(tmp_path, code, said):
    target = tmp_path / "a.txt"
    target.write_text("old")

    def half_then_fail(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(code, os.strerror(code))

    with pytest.raises(OutputError, match=said):
        atomic_write(target, half_then_fail)
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_unwritable_folder_is_a_clear_message(tmp_path, capsys, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # root ignores chmod; simulate the refusal
    rc, _, err = _cli(capsys, "summary", str(make_workbook(tmp_path / "ok.xlsx")),
                      "--out", str(tmp_path / "out"))
    assert rc == 1 and f"无法写入 {tmp_path / 'out'}：无写入权限 (permission denied)" in err


# --- nothing wrong passes in silence -----------------------------------------------------------

def _projects(changes: dict) -> list[list]:
    rows = [list(r) for r in PROJECT_ROWS]
    for (i, col), value in changes.items():
        rows[i][PROJECT_COLS.index(col)] = value
    return rows


def test_amounts_out_of_proportion_warn_and_absurd_amounts_fail(tmp_path, capsys):
    # P002: budget 300; received 400 = 1.33 × budget (> 1.2: a warning), spent 250
    warned = make_workbook(tmp_path / "warn.xlsx", _projects({(1, "received"): 400}))
    ds = read_dataset(warned)
    assert [(p.row, p.column) for p in ds.warnings] == [(3, "到位数")]
    assert ds.warnings[0].found == "400（预算数的 1.33 倍）"
    rc, out, _ = _cli(capsys, "validate", str(warned))
    assert rc == 0 and "需复核 1 处" in out and "第 3 行，列 到位数：应为到位数不超过预算数 300 的 1.2 倍" in out
    # P001: budget 1000; 9,100,000 received and spent is 9100 × the budget: an error, as typed
    absurd = make_workbook(tmp_path / "absurd.xlsx",
                           _projects({(0, "received"): 9.1e6, (0, "spent"): 9.1e6}))
    with pytest.raises(DatasetError) as info:
        read_dataset(absurd)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "到位数"), (2, "执行数")]
    text = str(info.value)
    assert "实际为 9100000（预算数的 9100 倍，疑为单位错误（元/万元））" in text and "e+" not in text


def test_spent_above_budget_but_within_received_is_no_longer_silent(tmp_path):
    # received 1500 and spent 1400 on a budget of 1000: both above 1.2 × budget
    ds = read_dataset(make_workbook(tmp_path / "x.xlsx", _projects(
        {(0, "received"): 1500, (0, "spent"): 1400})))
    assert [(p.row, p.column) for p in ds.warnings] == [(2, "到位数"), (2, "执行数")]


def _typo_225() -> list[list]:
    rows = [list(r) for r in INDICATOR_ROWS]
    rows[0][INDICATOR_COLS.index("weight")] = 185  # 50 typed as 185: P001 adds to 225, not 90
    return rows


def _ruleset_with(tmp_path: Path, **validation) -> Path:
    data = yaml.safe_load((ROOT / "evalkit/rulesets/national.yaml").read_text(encoding="utf-8"))
    data["validation"].update(validation)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_weights_that_do_not_add_up_fail_by_default_and_rescale_when_asked(tmp_path):
    path = make_workbook(tmp_path / "typo.xlsx", indicators=_typo_225())
    with pytest.raises(DatasetError) as info:
        read_dataset(path)
    (problem,) = info.value.problems
    assert (problem.row, problem.column, problem.expected, problem.found) == (
        2, "分值", "项目 P001 的指标权重合计 90", "合计 225")
    rules = load_ruleset(_ruleset_with(tmp_path, weight_sum_policy="rescale"))
    ds = read_dataset(path, ruleset=rules)
    assert [w.found for w in ds.warnings] == [
        "合计 225；按规则集 validation.weight_sum_policy: rescale 将按比例换算"]
    sheet = score_indicators(ds.indicators, ruleset=rules).sheet
    p001 = sheet[sheet["project_id"] == "P001"]
    # effective weights keep the declared 90: 185, 30, 10 scaled by 90 / 225
    assert p001["effective_weight"].tolist() == pytest.approx([74.0, 12.0, 4.0])


def test_validation_section_is_checked_and_optional(tmp_path):
    assert validation_options(load_ruleset("provincial"))["amount_warn_ratio"] == 1.2
    with pytest.raises(RuleSetError, match="validation.weight_sum_policy"):
        load_ruleset(_ruleset_with(tmp_path, weight_sum_policy="ignore"))
    data = yaml.safe_load((ROOT / "evalkit/rulesets/national.yaml").read_text(encoding="utf-8"))
    del data["validation"]
    older = tmp_path / "older.yaml"
    older.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert validation_options(load_ruleset(older))["weight_sum_policy"] == "error"


# --- one batch per output folder ----------------------------------------------------------------

def test_a_second_batch_into_a_locked_folder_refuses_naming_the_first(tmp_path, capsys):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from evalkit.batch.lock import output_lock\n"
        "with output_lock(Path(sys.argv[1]), label='holder'):\n"
        "    print('held', flush=True); time.sleep(60)"), str(out)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        rc, _, err = _cli(capsys, "batch", "ex_ante_assessment", "--out", str(out))
        assert rc == 1 and f"输出目录 {out} 正由另一个批量任务写入（进程 {holder.pid}" in err
        assert "--wait" in err
    finally:
        holder.kill()
        holder.wait()
    with output_lock(out) as lock:  # the killed holder's lock is stale: cleared
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert "清除过期的批量任务锁" in capsys.readouterr().err
    assert not (out / LOCK).exists()


def test_wait_queues_behind_the_running_batch(tmp_path):
    import threading

    out, order = tmp_path / "out", []

    def first() -> None:
        with output_lock(out):
            order.append("first in")
            time.sleep(1.0)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    while not order:
        time.sleep(0.01)
    with pytest.raises(OutputError):
        with output_lock(out):
            pass
    with output_lock(out, wait=True, poll=0.05):
        order.append("second in")
    thread.join()
    assert order == ["first in", "first out", "second in"]


# --- links --------------------------------------------------------------------------------------

def test_a_link_leading_out_of_the_output_folder_is_refused(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "SQ-2021-001").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutputError, match="SQ-2021-001 是指向 .*outside 的链接"):
        run_batch("ex_ante_assessment", subjects=["SQ-2021-001"], out_dir=out, formats=["html"],
                  workers=1, progress=False)
    assert list(outside.iterdir()) == [] and not (out / LOCK).exists()
    (out / "manifest.json").symlink_to(outside / "m.json")
    with pytest.raises(OutputError, match="manifest.json 是指向"):
        atomic_write(out / "manifest.json", lambda p: p.write_text("{}"), root=out)
    assert list(outside.iterdir()) == []


# --- determinism --------------------------------------------------------------------------------

def test_docx_and_pdf_bytes_do_not_depend_on_the_clock(tmp_path):
    first = run_report("ex_ante_assessment", subject_id="SQ-2021-001", out_dir=tmp_path / "a",
                       formats=["docx", "pdf"])
    time.sleep(2.1)  # zip entry times have a resolution of two seconds
    second = run_report("ex_ante_assessment", subject_id="SQ-2021-001",
                        out_dir=tmp_path / "b", formats=["docx", "pdf"])
    for ext in ("docx", "pdf"):
        assert first.files[ext].read_bytes() == second.files[ext].read_bytes(), ext
    with zipfile.ZipFile(first.files["docx"]) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2021, 3, 15, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2021-03-15T00:00:00Z" in core  # the engagement's 报告日期, never the clock
    from pypdf import PdfReader

    meta = PdfReader(first.files["pdf"]).metadata
    assert (meta.creation_date.year, meta.modification_date.year) == (2021, 2021)


# --- the PDF renderer reads inline resources only ----------------------------------------------

def _page(extra: str = "") -> str:
    from evalkit.render.fonts import font_face_css

    return (f"<html><head><style>{font_face_css('自评报告，得分')}"
            " body { font-family: 'Evalkit Sans SC', sans-serif; }</style></head>"
            f"<body><p>自评报告，得分 93.63</p>{extra}</body></html>")


def test_pdf_of_inlined_fonts_is_the_pdf_weasyprint_makes_of_the_page():
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from evalkit.render.pdf import _source_date_epoch, pdf_bytes

    page = _page()
    with _source_date_epoch():
        document = HTML(string=page, url_fetcher=URLFetcher(allowed_protocols={"data"})).render()
        document.metadata.created = document.metadata.modified = "1980-01-01T00:00:00+00:00"
        expected = document.write_pdf(pdf_identifier=False)
    assert pdf_bytes(page) == expected


def test_inline_resources_are_taken_from_stylesheets_only():
    from evalkit.render.pdf import _inline_resources

    text = "<p>url(data:font/woff;base64,AAAA)</p><img alt='url(data:image/png;base64,AAAA)'>"
    page, resources = _inline_resources(
        "<style>a { background: url('data:image/png;base64,iVBORw==') } "
        "b { src: url(data:font/woff;base64,not*base64) }</style>" + text)
    assert resources == {"evalkit-inline:0": ("image/png", b"\x89PNG")}
    assert page.startswith("<style>a { background: url(evalkit-inline:0) } b { src: "
                           "url(data:font/woff;base64,not*base64) }</style>")
    assert page.endswith(text)  # the page's text and attributes are never rewritten


@pytest.mark.parametrize("reference", ['<img src="file:///etc/passwd">',
                                       '<img src="http://127.0.0.1:9/x.png">',
                                       '<link rel="stylesheet" href="https://example.invalid/a.css">'])
def test_pdf_refuses_any_url_but_its_own_inline_data(reference):
    from evalkit.errors import InputError
    from evalkit.render.pdf import pdf_bytes

    with pytest.raises(InputError, match="PDF：报告页面只能引用内嵌资源.*已拒绝读取"):
        pdf_bytes(_page(reference))


# --- survey answers excluded from the rate are listed with file and row ------------------------

def test_invalid_survey_answers_are_located_by_validate_and_in_the_report(tmp_path, capsys):
    rc, out, _ = _cli(capsys, "validate", "sample")
    # the sample holds six invalid answers, all of key project XM-2020-017
    assert rc == 0 and "需复核 6 处" in out
    assert ("sample_county.xlsx，工作表 满意度调查，第 232 行，列 选项：应为1–5 的整数（李克特量表），"
            "实际为 超出 1–5 范围: 7（无效答案，不计入满意度）") in out
    assert "第 348 行，列 选项：应为1–5 的整数（李克特量表），实际为 非整数: 3.5" in out
    made = run_report("key_project_evaluation", subject_id="XM-2020-017", out_dir=tmp_path,
                      formats=["html"])
    page = made.files["html"].read_text(encoding="utf-8")
    appendix = page[page.index("附表 满意度调查无效答案"):]
    rows = [r for r in ("第 232 行", "第 241 行", "第 348 行", "第 817 行", "第 841 行", "第 872 行")
            if r in appendix]
    assert len(rows) == 6 and "WJ-017-019" in appendix and "非数字: 满意" in appendix


def test_two_batches_into_one_folder_lose_no_manifest_entry(tmp_path):
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "evalkit.cli", "batch", "ex_ante_assessment",
                              "--projects", "SQ-2021-001", "--out", str(out), "--format", "html",
                              "--workers", "1"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while not (out / LOCK).exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    second = run_batch("ex_ante_assessment", subjects=["SQ-2021-002"], out_dir=out,
                       formats=["html"], workers=1, progress=False, wait=True)
    assert first.wait(timeout=120) == 0 and second.ok
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["subjects"]) == ["SQ-2021-001", "SQ-2021-002"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "SQ-2021-001/SQ-2021-001.html" in index and "SQ-2021-002/SQ-2021-002.html" in index
    assert not (out / LOCK).exists()
