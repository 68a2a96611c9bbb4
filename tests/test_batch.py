"""Batch production: failure isolation, resume after SIGKILL, skip/redo rules, safety, warm = fresh,
Dask = local.

Batches start worker processes (and fresh kernels for the comparison), so this file takes a couple
of minutes; it keeps to HTML and 3–5 projects. The reference batch runs serially with the default
in-process engine, so its third project runs in a shell that has already produced two reports (the
warm case the fresh-kernel comparison needs; tests/test_engines.py covers every report type).
"""

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from openpyxl import load_workbook

from evalkit import registry
from evalkit.batch import (
    MANIFEST,
    load_manifest,
    parse_subjects,
    run_batch,
    subject_input_hashes,
)
from evalkit.bundle import sample_dataset
from evalkit.cli import main
from evalkit.errors import DatasetError, InputError
from evalkit.io import load_dataset

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = "ex_ante_assessment"
GOOD = ["SQ-2021-001", "SQ-2021-002", "SQ-2021-010"]


def _same_report(a: bytes, b: bytes) -> bool:
    """HTML pages byte-identical, charts included (the distribution chart's jitter is seeded)."""
    return a == b and a.count(b"data:image/png;base64,") == 2


def _outputs(out: Path) -> dict[str, bytes]:
    """Every report file under OUT (not the portfolio files, which carry run times)."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.parent != out}


def _summaries(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*/*.json"))}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    result = run_batch(TEMPLATE, subjects=GOOD, out_dir=out, formats=["html"], workers=1,
                       progress=False)
    assert result.ok and result.backend == "serial" and sorted(result.made) == GOOD
    return out


def _copy(out: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    return copy


def test_reference_layout_and_portfolio(reference):
    names = {p.name for p in reference.iterdir()}
    assert names == {*GOOD, "index.html", "summary.xlsx", MANIFEST}
    for pid in GOOD:
        assert sorted(p.name for p in (reference / pid).iterdir()) == [
            f"{pid}.html", f"{pid}.ipynb", f"{pid}.json"]
    manifest = load_manifest(reference)
    assert manifest["run"]["backend"] == "serial" and manifest["run"]["end"]
    entry = manifest["subjects"]["SQ-2021-001"]
    assert entry["status"] == "ok" and len(entry["input_sha256"]) == 64
    assert entry["ruleset_id"] == "cn-national" and entry["evalkit_version"]
    assert set(entry["files"]) == {"ipynb", "html", "json"}
    assert (entry["verdict"], entry["verdict_label"]) == ("予以支持", "评估结论") and entry["timings"]["total_s"] > 0
    index = (reference / "index.html").read_text(encoding="utf-8")
    assert "SQ-2021-001/SQ-2021-001.html" in index and "予以支持" in index
    assert "http://" not in index and "https://" not in index and "default-src 'none'" in index
    book = load_workbook(reference / "summary.xlsx")
    assert book.sheetnames == ["汇总", "评分明细", "失败报告"]
    assert [c.value for c in book["汇总"][1]][:6] == ["项目编码", "项目名称", "预算单位",
                                                     "预算数（万元）", "总分", "评估结论"]
    details = list(book["评分明细"].iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in details} == set(GOOD) and all(r[2] == "评估维度" for r in details)
    summary = json.loads((reference / "SQ-2021-001" / "SQ-2021-001.json").read_text("utf-8"))
    per_dim = {r[3]: r[4] for r in details if r[0] == "SQ-2021-001"}
    assert per_dim == pytest.approx(summary["dimension_scores"])


def test_warm_run_equals_a_fresh_papermill_run(reference, tmp_path):
    pid = GOOD[-1]  # ran third in the reference batch's kernel
    fresh = run_batch(TEMPLATE, subjects=[pid], out_dir=tmp_path, formats=["html"], workers=1,
                      cold=True, portfolio=False, progress=False)  # papermill's own engine
    assert fresh.made == (pid,)
    warm_json = json.loads((reference / pid / f"{pid}.json").read_text(encoding="utf-8"))
    fresh_json = json.loads((tmp_path / pid / f"{pid}.json").read_text(encoding="utf-8"))
    assert warm_json == fresh_json
    assert _same_report((reference / pid / f"{pid}.html").read_bytes(),
                        (tmp_path / pid / f"{pid}.html").read_bytes())
    warm_nb = nbformat.read(reference / pid / f"{pid}.ipynb", as_version=4)
    fresh_nb = nbformat.read(tmp_path / pid / f"{pid}.ipynb", as_version=4)
    assert ([c.get("execution_count") for c in warm_nb.cells]
            == [c.get("execution_count") for c in fresh_nb.cells])
    assert ([c.get("source") for c in warm_nb.cells]
            == [c.get("source") for c in fresh_nb.cells])
    assert ([[o.get("name") or o.get("output_type") for o in c.get("outputs", [])]
             for c in warm_nb.cells]
            == [[o.get("name") or o.get("output_type") for o in c.get("outputs", [])]
                for c in fresh_nb.cells])  # same outputs, warnings (stderr) included


def test_run_and_batch_write_the_same_bytes(reference, tmp_path):
    """`evalkit run` is a batch of one: the same report, byte for byte (HTML, JSON, notebook
    outputs), as the batch produced."""
    pid = GOOD[0]
    assert main(["run", TEMPLATE, "--project", pid, "--out", str(tmp_path), "--format",
                 "html"]) == 0
    for ext in ("html", "json"):
        assert ((tmp_path / pid / f"{pid}.{ext}").read_bytes()
                == (reference / pid / f"{pid}.{ext}").read_bytes()), ext
    assert sorted(p.name for p in tmp_path.iterdir()) == [pid]  # no portfolio files


def test_a_failing_report_fails_the_same_way_in_run_and_batch(tmp_path, capsys):
    template = _failing_template(tmp_path / "templates")
    one, many = tmp_path / "one", tmp_path / "many"
    assert main(["run", str(template), "--project", "SQ-2021-003", "--out", str(one),
                 "--format", "html"]) == 1
    run_error = capsys.readouterr().err
    assert main(["batch", str(template), "--projects", "SQ-2021-003", "--out", str(many),
                 "--format", "html", "--workers", "1"]) == 1
    batch_error = capsys.readouterr().err
    message = load_manifest(many)["subjects"]["SQ-2021-003"]["error"]["message"]
    assert "ValueError: planted failure" in message
    assert message in run_error and message in batch_error
    kept = [nbformat.read(out / "_failed" / "SQ-2021-003.ipynb", as_version=4)
            for out in (one, many)]
    assert kept[0].cells[0].source == kept[1].cells[0].source  # papermill's error banner
    assert ([[o.get("ename") for o in c.get("outputs", [])] for c in kept[0].cells]
            == [[o.get("ename") for o in c.get("outputs", [])] for c in kept[1].cells])
    assert not (one / "SQ-2021-003").exists() and not (many / "SQ-2021-003").exists()


def test_rerun_with_nothing_changed_does_no_work(reference, tmp_path):
    out = _copy(reference, tmp_path)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.parent != out}
    result = run_batch(TEMPLATE, subjects=GOOD, out_dir=out, formats=["html"], workers=2,
                       progress=False)
    assert result.made == () and sorted(result.skipped) == GOOD and result.backend == "none"
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.parent != out} == before
    (out / "SQ-2021-002" / "SQ-2021-002.html").write_text("tampered", encoding="utf-8")
    result = run_batch(TEMPLATE, subjects=GOOD, out_dir=out, formats=["html"], workers=1,
                       progress=False)
    assert result.made == ("SQ-2021-002",)  # a file whose hash no longer matches is redone
    assert _summaries(out) == _summaries(reference)
    assert _same_report((out / "SQ-2021-002" / "SQ-2021-002.html").read_bytes(),
                        (reference / "SQ-2021-002" / "SQ-2021-002.html").read_bytes())


def test_changed_rule_set_redoes_everything(reference, tmp_path):
    out = _copy(reference, tmp_path)
    rules = yaml.safe_load((ROOT / "evalkit" / "rulesets" / "national.yaml").read_text("utf-8"))
    rules["description"] = "复制的规则集：" + rules["description"]
    changed = tmp_path / "national_copy.yaml"
    changed.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    result = run_batch(TEMPLATE, subjects=GOOD, out_dir=out, formats=["html"], workers=1,
                       ruleset=changed, progress=False)
    assert sorted(result.made) == GOOD and result.skipped == ()
    manifest = load_manifest(out)
    old = load_manifest(reference)
    for pid in GOOD:
        assert manifest["subjects"][pid]["ruleset_sha256"] != old["subjects"][pid]["ruleset_sha256"]


def _edited_sample(tmp_path: Path, project_id: str, name: str) -> Path:
    path = tmp_path / "county.xlsx"
    shutil.copy(sample_dataset(), path)
    book = load_workbook(path)
    ws = book["项目"]
    header = [c.value for c in ws[1]]
    id_col, name_col = header.index("项目编码") + 1, header.index("项目名称") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, id_col).value == project_id)
    cell = ws.cell(row, name_col, name)
    cell.data_type = "s"  # text as typed, even when it looks like a formula
    book.save(path)
    return path


def test_editing_one_project_redoes_only_it_and_data_is_escaped(reference, tmp_path):
    out = _copy(reference, tmp_path)
    evil = '=HYPERLINK("http://x","<script>alert(1)</script>")'
    data = _edited_sample(tmp_path, "SQ-2021-002", evil)
    result = run_batch(TEMPLATE, dataset=data, subjects=GOOD, out_dir=out, formats=["html"],
                       workers=1, progress=False)
    assert result.made == ("SQ-2021-002",) and sorted(result.skipped) == ["SQ-2021-001",
                                                                           "SQ-2021-010"]
    for page in (out / "index.html", out / "SQ-2021-002" / "SQ-2021-002.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script" not in (out / "SQ-2021-002" / "SQ-2021-002.html").read_text("utf-8").lower()
    names = [r[1] for r in load_workbook(out / "summary.xlsx")["汇总"].iter_rows(
        min_row=2, values_only=True)]
    assert evil in names  # a string cell: shown as typed, never run as a formula


def _failing_template(folder: Path) -> Path:
    """The ex-ante template with a cell that raises for SQ-2021-003 and one that writes a
    missing-glyph warning to stderr for SQ-2021-004."""
    nb = nbformat.read(ROOT / "notebooks" / f"{TEMPLATE}.ipynb", as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell(
        'if project_id == "SQ-2021-003":\n    raise ValueError("planted failure")\n'
        'if project_id == "SQ-2021-004":\n    import sys\n'
        '    print("UserWarning: Glyph 27979 missing from font(s) DejaVu Sans.", file=sys.stderr)'))
    folder.mkdir()
    path = folder / f"{TEMPLATE}.ipynb"  # the file name says which projects it applies to
    nbformat.write(nb, path)
    return path


def test_failures_are_isolated_recorded_and_listed(tmp_path, capsys):
    template = _failing_template(tmp_path / "templates")
    out = tmp_path / "out"
    ids = ["SQ-2021-001", "SQ-2021-003", "SQ-2021-004", "SQ-2099-999", "../../etc/x",
           "P1; rm -rf", "SQ-2021-010"]
    status = main(["batch", str(template), "--projects", ",".join(ids), "--out", str(out),
                   "--format", "html", "--workers", "2"])
    assert status == 1
    printed = capsys.readouterr()
    assert "失败 5 份" in printed.out and "新生成 2 份" in printed.out
    projects = load_manifest(out)["subjects"]
    assert {p for p, e in projects.items() if e["status"] == "ok"} == {"SQ-2021-001",
                                                                       "SQ-2021-010"}
    raised = projects["SQ-2021-003"]["error"]
    assert (raised["stage"], raised["ename"], raised["evalue"]) == ("execution", "ValueError",
                                                                    "planted failure")
    failed_nb = nbformat.read(out / raised["notebook"], as_version=4)
    # papermill's markers: one at the top, one just before the failing cell
    assert failed_nb.cells[raised["cell"] + 2].outputs[0]["ename"] == "ValueError"
    assert "papermill-error-cell" in failed_nb.cells[0].source
    glyph = projects["SQ-2021-004"]["error"]
    assert glyph["stage"] == "glyphs" and "missing from font" in glyph["message"]
    assert projects["SQ-2099-999"]["error"]["stage"] == "execution"
    assert "expected an id in the projects table" in projects["SQ-2099-999"]["error"]["message"]
    for unsafe in ("../../etc/x", "P1; rm -rf"):
        assert projects[unsafe]["error"]["stage"] == "id"
        assert projects[unsafe]["error"]["notebook"] is None
    assert sorted(p.name for p in (out / "_failed").iterdir()) == [
        "SQ-2021-003.ipynb", "SQ-2021-004.ipynb", "SQ-2099-999.ipynb"]
    assert not (tmp_path / "etc").exists() and not (out.parent / "etc").exists()
    assert {p.name for p in out.iterdir()} == {"SQ-2021-001", "SQ-2021-010", "_failed",
                                               "index.html", "summary.xlsx", MANIFEST}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "planted failure" in index and "_failed/SQ-2021-003.ipynb" in index
    assert "../../etc/x" in index and "P1; rm -rf" in index and 'href="../../etc' not in index
    failures = list(load_workbook(out / "summary.xlsx")["失败报告"].iter_rows(min_row=2,
                                                                            values_only=True))
    assert sorted(r[0] for r in failures) == sorted(
        ["SQ-2021-003", "SQ-2021-004", "SQ-2099-999", "../../etc/x", "P1; rm -rf"])


def test_sigkill_mid_run_then_resume_equals_an_uninterrupted_run(reference, tmp_path):
    import psutil

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "evalkit.cli", "batch", TEMPLATE, "--projects", ",".join(GOOD),
           "--out", str(out), "--format", "html", "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(out.glob("*/*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list(out.glob("*/*.json")), "no project finished before the deadline"
    _gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, f"workers or kernels outlived the killed batch: {alive}"
    result = run_batch(TEMPLATE, subjects=GOOD, out_dir=out, formats=["html"], workers=2,
                       progress=False)
    assert result.ok and result.skipped  # the finished project was kept
    assert not list(out.rglob("*.tmp"))
    assert _summaries(out) == _summaries(reference)
    resumed, uninterrupted = _outputs(out), _outputs(reference)
    assert set(resumed) == set(uninterrupted)
    assert all(_same_report(resumed[k], uninterrupted[k]) for k in resumed if k.endswith(".html"))


def test_dask_local_cluster_gives_the_same_manifest(reference, tmp_path):
    out = tmp_path / "out"
    result = run_batch(TEMPLATE, subjects=GOOD, out_dir=out, formats=["html"], workers=2,
                       scheduler="local", progress=False)
    assert result.ok and result.backend == "dask"
    dask, local = load_manifest(out)["subjects"], load_manifest(reference)["subjects"]

    def comparable(entry):
        return {"status": entry["status"], "total": entry["total"],
                "verdict": entry["verdict"],
                **{k: entry[k] for k in ("input_sha256", "template_sha256", "ruleset_id",
                                         "ruleset_sha256", "evalkit_version")},
                "files": {ext: f["sha256"] for ext, f in entry["files"].items()
                          if ext == "json"}}

    assert {p: comparable(e) for p, e in dask.items()} == {p: comparable(e)
                                                          for p, e in local.items()}
    for pid in GOOD:
        assert _same_report((out / pid / f"{pid}.html").read_bytes(),
                            (reference / pid / f"{pid}.html").read_bytes())


def test_missing_dask_is_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(InputError, match=r"pip install 'evalkit\[dask\]'"):
        run_batch(TEMPLATE, subjects=GOOD[:1], out_dir=tmp_path, formats=["html"],
                  scheduler="local", progress=False)


def test_subject_lists(tmp_path):
    listing = tmp_path / "ids.txt"
    listing.write_text("SQ-2021-002  # 复核\n\nSQ-2021-001,SQ-2021-002\n# 注释\n",
                       encoding="utf-8")
    exante, sample = registry.get(TEMPLATE), load_dataset("sample")
    assert parse_subjects(f"@{listing}", exante, sample) == ["SQ-2021-002", "SQ-2021-001"]
    assert parse_subjects(" A , B,A ", exante, sample) == ["A", "B"]
    assert parse_subjects("all", exante, sample) == exante.subjects(sample)
    assert len(exante.subjects(sample)) == 10
    with pytest.raises(InputError, match="found nothing"):
        parse_subjects("@" + str(tmp_path / "missing.txt"), exante, sample)
    with pytest.raises(InputError, match="found none"):
        parse_subjects(" , ", exante, sample)


def test_input_hash_covers_only_the_projects_rows():
    tables = dict(load_dataset("sample").tables)
    before = subject_input_hashes(tables, registry.PROJECT, GOOD)
    scores = tables["expert_scores"].copy()
    scores.loc[scores.index[scores["project_id"] == "SQ-2021-002"][0], "score"] += 0.5
    tables["expert_scores"] = scores
    after = subject_input_hashes(tables, registry.PROJECT, GOOD)
    assert [before[p] == after[p] for p in GOOD] == [True, False, True]


def test_invalid_dataset_stops_the_batch_and_its_early_started_workers(tmp_path, monkeypatch):
    import psutil

    from evalkit.batch import backends

    start_pool, pools = backends.start_pool, []

    def recording(*args):
        pools.append(start_pool(*args))
        return pools[-1]

    monkeypatch.setattr(backends, "start_pool", recording)

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample" / "csv", data)
    scores = data / "expert_scores.csv"
    lines = scores.read_text(encoding="utf-8-sig").splitlines()
    lines[1] = lines[1].replace(",5.5,", ",五分,")  # the first score, not a number
    scores.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    # a first run starts its workers (and their kernels) before the data is validated
    with pytest.raises(DatasetError) as raised:
        run_batch(TEMPLATE, dataset=data, subjects=GOOD, out_dir=out, formats=["html"],
                  workers=2, progress=False)
    message = str(raised.value)
    assert "expert_scores.csv" in message and "五分" in message and "score" in message
    assert not out.exists()  # nothing written
    assert len(pools) == 1  # the workers had been started
    started = [p for p in psutil.Process().children(recursive=True)  # not multiprocessing's
               if "resource_tracker" not in " ".join(p.cmdline())]  # own helper, which stays
    _gone, alive = psutil.wait_procs(started, timeout=30)
    assert not alive, f"workers or kernels outlived the failed batch: {alive}"


def test_a_changed_word_template_redoes_the_word_reports(tmp_path):
    from docx import Document

    template = tmp_path / "house.docx"
    doc = Document()
    doc.add_paragraph("{{ title }}")
    doc.add_paragraph("{{p body }}")
    doc.save(template)
    out, pid = tmp_path / "out", GOOD[0]

    def run():
        return run_batch(TEMPLATE, subjects=[pid], out_dir=out, formats=["docx"], workers=1,
                         word_template=template, progress=False)
    assert run().made == (pid,)
    assert run().skipped == (pid,)  # same template: the report stands
    doc.add_paragraph("本机构质量控制声明")
    doc.save(template)
    assert run().made == (pid,)  # the agency restyled its template: the Word report is redone
    assert "本机构质量控制声明" in [p.text for p in Document(out / pid / f"{pid}.docx").paragraphs]
    entry = load_manifest(out)["subjects"][pid]
    assert entry["word_template_sha256"] == hashlib.sha256(template.read_bytes()).hexdigest()


def test_local_cluster_runs_with_fewer_wake_ups():
    """The LocalCluster's workers carry DASK_WORKER_CONFIG (no profiler, slow monitors)."""
    import dask

    from evalkit.batch import backends
    from evalkit.batch.produce import ProduceSpec
    from evalkit.registry import PROJECT

    spec = ProduceSpec(template_file=str(TEMPLATE), subject=PROJECT, dataset="", ruleset="",
                       formats=("html",), cold=True)
    cluster, client = backends._connect(spec, 1, "local")
    try:
        seen = client.run(lambda: {k: dask.config.get(k) for k in backends.DASK_WORKER_CONFIG})
    finally:
        client.close()
        cluster.close()
    assert list(seen.values()) == [backends.DASK_WORKER_CONFIG]


def test_several_report_types_run_on_one_set_of_workers(tmp_path, monkeypatch):
    """run_batches: each type into OUT/<type> on the same two worker processes (started once),
    a single-subject type on them too, the same bytes as a batch of its own, then the index."""
    from evalkit.batch import backends, run_batches

    start_pool, pools = backends.start_pool, []

    def recording(*args):
        pools.append(start_pool(*args))
        return pools[-1]

    monkeypatch.setattr(backends, "start_pool", recording)
    out, seen = tmp_path / "all", []
    results = run_batches(["annual_summary", "rectification_notice"], out_dir=out,
                          formats=["html"], workers=2, progress=False,
                          on_result=lambda rt, r: seen.append((rt.name, r.out)))
    assert seen == [("annual_summary", out / "annual_summary"),
                    ("rectification_notice", out / "rectification_notice")]
    assert len(pools) == 1
    assert [(r.backend, r.workers, len(r.made), r.failed) for r in results] == [
        ("local", 2, 1, ()), ("local", 2, len(registry.get("rectification_notice")
                                               .subjects(load_dataset("sample"))), ())]
    workers = {e["worker"] for name in ("annual_summary", "rectification_notice")
               for e in load_manifest(out / name)["subjects"].values()}
    assert len(workers) == 2  # every report of both types made by the pool's two processes
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "全面实施预算绩效管理工作总结" in index and 'href="rectification_notice/index.html"' in index

    alone = tmp_path / "alone"
    own = run_batch("annual_summary", out_dir=alone, formats=["html"], workers=2, progress=False)
    assert own.backend == "serial"  # a batch of its own runs a single report in this process
    shared = _outputs(out / "annual_summary")
    assert {k: v for k, v in _outputs(alone).items() if not k.endswith(".ipynb")} == {
        k: v for k, v in shared.items() if not k.endswith(".ipynb")}  # the .ipynb has run times

    started = len(pools)
    assert [len(r.skipped) for r in run_batches(
        ["annual_summary", "rectification_notice"], out_dir=out, formats=["html"], workers=2,
        progress=False)] == [len(r.made) for r in results]  # resumed: nothing left to do
    assert len(pools) == started  # and no worker was started for it


def test_several_report_types_check_every_rule_set_section_first(tmp_path, capsys):
    from evalkit.batch import report_type_names, run_batches
    from evalkit.errors import RuleSetError
    from evalkit.rules import load_ruleset

    assert report_type_names("all") == [t.name for t in registry.report_types()]
    with pytest.raises(InputError, match="expected 'all' or report type names"):
        report_type_names(" , ")
    with pytest.raises(InputError, match="nope"):
        report_type_names("self_evaluation,nope")
    data = yaml.safe_load(yaml.safe_dump(dict(load_ruleset("national").data), allow_unicode=True))
    del data["exante"], data["recheck"]
    rules = tmp_path / "partial.yaml"
    rules.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(RuleSetError) as raised:
        run_batches("all", out_dir=out, ruleset=rules, formats=["html"], progress=False)
    assert "ex_ante_assessment" in str(raised.value) and "self_evaluation_recheck" in str(raised.value)
    assert "self_evaluation（" not in str(raised.value) and not out.exists()  # nothing ran

    assert main(["batch", "all", "--projects", "XM-2020-001", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "--projects XM-2020-001" in err and "应为 all" in err and not out.exists()
