"""Produce one template's reports for many projects: warm workers, local or Dask, resumable.

``run_batch`` (and ``evalkit batch``) executes a report template for every requested project and
writes, under ``OUT``:

* ``OUT/<project_id>/<project_id>.ipynb/.html/.docx/.pdf/.json`` exactly as ``evalkit run`` does;
* ``OUT/_failed/<project_id>.ipynb``: the partial notebook of a project that failed, papermill's
  error marker at the top and before the failing cell;
* ``OUT/index.html``: the portfolio page (offline; sortable, filterable; every data string escaped);
* ``OUT/summary.xlsx``: 汇总 (totals, grades or conclusions), 评分明细 (every ``*_scores`` mapping
  of the JSON summaries: dimensions, level-1 indicators …), 失败项目; formula injection neutralised;
* ``OUT/manifest.json``: per project its status, input hash, template hash, rule set id and hash,
  evalkit version, timings and output files with their SHA-256; for the run its start, end,
  backend and workers.

**Who writes what.** Workers execute and render, and *return* file contents; only the client
process writes, every file through :func:`evalkit.io.atomic_write`, and records the project in the
manifest after its files. So a cluster needs no shared filesystem for outputs (inputs travel with
the task to Dask workers that do not have them), and a batch killed at any moment leaves no
half-written file: a rerun removes leftover temporary files and redoes whatever is not recorded.

**Resume.** A project is skipped when its manifest entry is ``ok``, its input hash (SHA-256 of the
project's rows in every table of the dataset — the projects row, its indicators, expert scores,
survey answers …, plus its unit's row and any table not keyed by project or unit), template hash,
rule set id/version/hash and evalkit version are unchanged, and every requested file is present
with the recorded SHA-256. Editing one project in the workbook therefore redoes only that project;
a template whose report also reads *other* projects' rows must be rerun with ``force=True`` when
those change. ``force=True`` redoes every project.

**Failures** are isolated: an unsafe id (rejected by :func:`evalkit.render.safe_project_id`, never
used as a path), a cell that raises, a kernel that dies or times out (``CELL_TIMEOUT``), a
glyph missing from the font reported in a cell's stderr, or a renderer error is recorded with the
stage, the failing cell and the message; the other projects finish. A project that fails loses the
outputs of an earlier run, so ``OUT`` never holds a report that disagrees with the data.

**Backends.** ``workers=1``: serial, in this process (debugging). Default: one worker process per
core (``ProcessPoolExecutor``, spawned, each starting its warm kernel in its initializer while the
others do the same; on a first or ``force`` run the pool is started before the dataset is read
and validated, so workers and kernels boot meanwhile). ``scheduler="tcp://host:8786"``: an
existing Dask cluster; ``scheduler="local"``: a Dask ``LocalCluster`` on 127.0.0.1, dashboard off,
``workers`` single-threaded worker processes. ``cold=True`` uses papermill's own engine, a fresh
kernel per project. Warm kernels: :mod:`evalkit.engine`.
"""

from __future__ import annotations

import ast
import copy
import functools
import hashlib
import html
import json
import os
import socket
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from evalkit.errors import InputError
from evalkit.io import atomic_write, write_excel
from evalkit.render import (
    FORMATS,
    check_formats,
    font_face_css,
    input_hashes,
    provenance,
    read_summary,
    render_outputs,
    report_parameters,
    safe_project_id,
    template_path,
    template_projects,
)

#: Seconds a single cell may run before the project fails (and its kernel is replaced).
CELL_TIMEOUT = 600
#: Text in a cell's stderr that means a chart or report is missing glyphs.
GLYPH_WARNINGS = ("missing from font", "findfont:")
#: Where the partial notebooks of failed projects go, under OUT.
FAILED_DIR = "_failed"
MANIFEST, INDEX, SUMMARY_XLSX = "manifest.json", "index.html", "summary.xlsx"
#: Files every report has besides the requested formats.
ALWAYS = ("ipynb", "json")
_EXTS = ("ipynb", *FORMATS, "json")
#: Chinese labels of the score mappings a summary may carry (``评分明细`` sheet).
SCORE_LABELS = {"dimension_scores": "评估维度", "level1_scores": "一级指标",
                "level2_scores": "二级指标", "indicator_scores": "三级指标",
                "item_scores": "评分项"}
_KEY_FIELDS = ("input_sha256", "template_sha256", "ruleset_id", "ruleset_version",
               "ruleset_sha256", "evalkit_version")


# --- what workers need and return --------------------------------------------------------------

@dataclass(frozen=True)
class BatchSpec:
    """Everything a worker needs to produce any project's report (small and picklable).

    Paths are the client's. ``payload`` (client path → (is a folder, ((file name, content), …)))
    carries the
    template, the dataset files and a rule-set file for workers that cannot read them (Dask);
    a worker uses the client path when it holds the same content, else a private copy.
    """

    template: str
    template_file: str
    template_sha256: str
    dataset: str
    inputs_sha256: Mapping[str, str]
    ruleset: str
    formats: tuple[str, ...]
    cold: bool = False
    preload: str = ""
    payload: Mapping[str, tuple[bool, tuple[tuple[str, bytes], ...]]] | None = None


@dataclass(frozen=True)
class ProjectResult:
    """What a worker returns for one project: status, file contents by extension, diagnosis."""

    project_id: str
    status: str
    files: Mapping[str, bytes] = field(default_factory=dict)
    summary: Mapping[str, Any] | None = None
    error: Mapping[str, Any] | None = None
    notebook: bytes | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    worker: str = ""


class _ProjectFailure(Exception):
    """A project failed at ``stage``; ``nb`` is the partial notebook, if any."""

    def __init__(self, stage: str, message: str, *, nb=None, cell: int | None = None,
                 ename: str = "", evalue: str = ""):
        super().__init__(message)
        self.stage, self.nb, self.cell, self.ename, self.evalue = stage, nb, cell, ename, evalue


def produce(spec: BatchSpec, project_id: str) -> ProjectResult:
    """Execute and render one project's report; never raises for a project's own failure.

    Runs in a worker (or in-process for the serial backend). Returns file contents, not files.
    """
    import nbformat

    start = time.perf_counter()
    timings: dict[str, float] = {}
    worker = f"{socket.gethostname()}:{os.getpid()}"
    nb = None
    try:
        pid = _checked_id(project_id)
        template_file, dataset, ruleset = _local_inputs(spec)
        logical = report_parameters(pid, Path(spec.dataset), spec.ruleset)
        params = report_parameters(pid, Path(dataset), ruleset)
        nb = _execute(template_file, params, cold=spec.cold, preload=spec.preload)
        timings["execute_s"] = time.perf_counter() - start
        _check_glyphs(nb)
        try:
            summary = read_summary(nb)
        except InputError as exc:
            raise _ProjectFailure("summary", str(exc), nb=nb) from exc
        summary["provenance"] = provenance(spec.template, logical,
                                           template_sha256=spec.template_sha256,
                                           inputs_sha256=spec.inputs_sha256)
        rendered = time.perf_counter()
        try:
            files = {"ipynb": nbformat.writes(nb).encode("utf-8"),
                     **render_outputs(nb, summary, spec.formats)}
        except Exception as exc:
            raise _ProjectFailure("rendering", f"{type(exc).__name__}: {exc}", nb=nb) from exc
        timings["render_s"] = time.perf_counter() - rendered
    except Exception as exc:  # a bug or an unforeseen input: still this project's failure only
        failure = exc if isinstance(exc, _ProjectFailure) else _ProjectFailure(
            "internal", f"{type(exc).__name__}: {exc}", ename=type(exc).__name__, evalue=str(exc))
        timings["total_s"] = time.perf_counter() - start
        partial = failure.nb if failure.nb is not None else nb
        return ProjectResult(
            project_id, "failed", timings=timings, worker=worker,
            notebook=None if partial is None else nbformat.writes(partial).encode("utf-8"),
            error={"stage": failure.stage, "cell": failure.cell, "ename": failure.ename,
                   "evalue": failure.evalue, "message": str(failure)})
    timings["total_s"] = time.perf_counter() - start
    return ProjectResult(project_id, "ok", files=files, summary=summary, timings=timings,
                         worker=worker)


def _checked_id(project_id: str) -> str:
    try:
        return safe_project_id(project_id)
    except InputError as exc:
        raise _ProjectFailure("id", str(exc)) from exc


def _execute(template_file: str, params: Mapping[str, Any], *, cold: bool, preload: str):
    """Run a template the way ``papermill.execute_notebook`` does, in memory, keeping the partial
    notebook of a failure (papermill's error markers added); warm engine unless ``cold``."""
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import (
        prepare_notebook_metadata,
        raise_for_execution_errors,
        remove_error_markers,
    )
    from papermill.parameterize import parameterize_notebook
    from papermill.utils import chdir

    engine = None if cold else "evalkit-warm"
    nb = parameterize_notebook(_template_node(template_file), dict(params), engine_name=engine)
    nb = remove_error_markers(prepare_notebook_metadata(nb, template_file, None))
    kernel = papermill_engines.nb_kernel_name(engine_name=engine, nb=nb)
    options = {} if cold else {"preload": preload}
    try:
        with chdir(str(Path(template_file).parent)):
            nb = papermill_engines.execute_notebook_with_engine(
                engine, nb, kernel_name=kernel, input_path=template_file, output_path=None,
                progress_bar=False, log_output=False, execution_timeout=CELL_TIMEOUT, **options)
    except Exception as exc:  # timeout, dead kernel, kernel that would not start
        raise _ProjectFailure("execution", f"{type(exc).__name__}: {exc}", nb=nb,
                              ename=type(exc).__name__, evalue=str(exc)) from exc
    try:
        raise_for_execution_errors(nb, None)
    except PapermillExecutionError as exc:
        raise _ProjectFailure("execution", f"cell {exc.cell_index} (In [{exc.exec_count}]): "
                              f"{exc.ename}: {exc.evalue}", nb=nb, cell=exc.cell_index,
                              ename=exc.ename, evalue=exc.evalue) from exc
    return nb


@functools.lru_cache(maxsize=8)
def _loaded_template(path: str, mtime_ns: int):
    from papermill.iorw import load_notebook_node

    return load_notebook_node(path)


def _template_node(path: str):
    """A fresh copy of the template as papermill loads it (read once per process and version)."""
    return copy.deepcopy(_loaded_template(path, Path(path).stat().st_mtime_ns))


def _check_glyphs(nb) -> None:
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("name") == "stderr" else ""
            line = next((t for t in text.splitlines() if any(w in t for w in GLYPH_WARNINGS)), "")
            if line:
                raise _ProjectFailure("glyphs", f"cell {index}: {line.strip()}", nb=nb,
                                      cell=index, ename="MissingGlyph", evalue=line.strip())


def template_imports(template_file: str | Path) -> str:
    """The template's top-level import statements, run once when a warm kernel starts."""
    import nbformat  # not papermill's loader: the client calls this before it imports papermill

    nb = nbformat.read(template_file, as_version=4)
    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics: not plain Python, not preloaded
            continue
        lines += [ast.unparse(node) for node in tree.body
                  if isinstance(node, (ast.Import, ast.ImportFrom))]
    return "\n".join(dict.fromkeys(lines))


# --- inputs on workers -------------------------------------------------------------------------

def _payload(paths: Iterable[Path]) -> dict[str, tuple[bool, tuple[tuple[str, bytes], ...]]]:
    out = {}
    for path in paths:
        files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
        out[str(path)] = (path.is_dir(), tuple((f.name, f.read_bytes()) for f in files))
    return out


def _local_inputs(spec: BatchSpec) -> tuple[str, str, str]:
    """Paths of template, dataset and rule set on this worker (copies where the client's are
    missing or differ)."""
    payload = spec.payload or {}
    return tuple(_materialise(p, payload[p]) if p in payload else p  # type: ignore[return-value]
                 for p in (spec.template_file, spec.dataset, spec.ruleset))


def _materialise(client_path: str, payload: tuple[bool, tuple[tuple[str, bytes], ...]]) -> str:
    """The client's path if this machine has it with the same content, else a private copy."""
    import tempfile

    is_dir, files = payload
    path = Path(client_path)
    base = path if is_dir else path.parent
    if all((base / name).is_file() and (base / name).read_bytes() == data for name, data in files):
        return client_path
    digest = hashlib.sha256(b"".join(hashlib.sha256(d).digest() for _, d in files)).hexdigest()
    copy = Path(tempfile.gettempdir()) / "evalkit-inputs" / digest[:20]
    copy = copy / path.name if is_dir else copy
    for name, data in files:
        if not (copy / name).is_file():
            atomic_write(copy / name, lambda p, d=data: p.write_bytes(d))
    return str(copy if is_dir else copy / path.name)


# --- input hashes ------------------------------------------------------------------------------

def project_input_hashes(tables: Mapping[str, pd.DataFrame],
                         project_ids: Iterable[str]) -> dict[str, str]:
    """SHA-256 of each project's rows in every table (the key of :func:`run_batch`'s resume).

    A table with a ``project_id`` column contributes the project's rows; one with ``unit_id``
    only (units) the row of the project's unit; any other table all its rows. Rows are hashed as
    JSON in table order, with the table and column names.

    >>> t = {"projects": pd.DataFrame({"project_id": ["A", "B"], "unit_id": ["U", "U"]})}
    >>> h = project_input_hashes(t, ["A", "B"]); h["A"] != h["B"], len(h["A"])
    (True, 64)
    """
    ids = list(dict.fromkeys(project_ids))
    projects = tables.get("projects")
    unit_of = ({} if projects is None or "unit_id" not in projects else
               dict(zip(projects["project_id"], projects["unit_id"], strict=True)))
    digests = {pid: hashlib.sha256() for pid in ids}
    for name in sorted(tables):
        frame = tables[name]
        rows = [json.dumps(r, ensure_ascii=False, default=str)
                for r in frame.itertuples(index=False, name=None)]
        if "project_id" in frame:
            groups = frame.groupby("project_id", sort=False).indices
            select = {pid: groups.get(pid, []) for pid in ids}
        elif "unit_id" in frame:
            groups = frame.groupby("unit_id", sort=False).indices
            select = {pid: groups.get(unit_of.get(pid), []) for pid in ids}
        else:
            select = {pid: range(len(rows)) for pid in ids}
        head = json.dumps([name, [str(c) for c in frame.columns]], ensure_ascii=False)
        for pid in ids:
            digests[pid].update(("\n".join([head, *(rows[i] for i in select[pid])]) + "\n")
                                .encode("utf-8"))
    return {pid: d.hexdigest() for pid, d in digests.items()}


# --- backends ----------------------------------------------------------------------------------

_WORKER_SPEC: BatchSpec | None = None


def _init_worker(spec: BatchSpec) -> None:
    """ProcessPoolExecutor initializer: ignore Ctrl-C (the client stops the pool), follow the
    client if it dies, shut the kernel down at exit, and start the warm kernel now."""
    import gc
    import multiprocessing
    import signal
    import threading
    from multiprocessing.util import Finalize

    from evalkit.engine import shutdown_kernels, warm_kernel

    global _WORKER_SPEC
    _WORKER_SPEC = spec
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    Finalize(None, shutdown_kernels, exitpriority=100)
    parent = multiprocessing.parent_process()
    if parent is not None:
        def follow() -> None:
            multiprocessing.connection.wait([parent.sentinel])
            os._exit(1)  # the kernel's own parent poller ends it once this process is gone

        threading.Thread(target=follow, daemon=True).start()
    if not spec.cold:  # the kernel imports the template's modules while this process imports
        template_file = _local_inputs(spec)[0]  # and builds its renderers
        warm_kernel("python3", preload=spec.preload).start(str(Path(template_file).parent),
                                                           wait=False)
    _warm_renderers(spec.formats)
    gc.collect()
    gc.freeze()  # imports and renderers live as long as the worker: later collections skip them


def _warm_renderers(formats: Sequence[str]) -> None:
    """Import papermill and the renderers and build the HTML exporter once, before any task."""
    import fontTools.subset  # noqa: F401
    import papermill.execute  # noqa: F401

    from evalkit import render

    if "html" in formats or "pdf" in formats:
        render._html_exporter()
    if "pdf" in formats:
        import weasyprint  # noqa: F401
    if "docx" in formats:
        import docx  # noqa: F401


def _pool_task(project_id: str) -> ProjectResult:
    if _WORKER_SPEC is None:
        raise RuntimeError("batch worker used before _init_worker ran")
    return produce(_WORKER_SPEC, project_id)


def _serial(spec: BatchSpec, ids: Sequence[str]) -> Iterator[ProjectResult]:
    from evalkit.engine import shutdown_kernels

    try:
        for pid in ids:
            yield produce(spec, pid)
    finally:
        shutdown_kernels()


def _start_pool(spec: BatchSpec, workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned worker processes (no inherited threads, sockets or kernels;
    works on Windows), started now: each runs :func:`_init_worker` (its warm kernel boots) and
    then a no-op, so they are ready when the first projects are submitted."""
    import multiprocessing

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(spec,))
    for _ in range(workers):  # the pool spawns a process per submission while none is idle
        pool.submit(int)
    return pool


def _local(spec: BatchSpec, ids: Sequence[str], workers: int,
           pool: ProcessPoolExecutor | None = None) -> Iterator[ProjectResult]:
    """Projects on local worker processes (``pool``, if already started, else a new one).

    If a worker process dies (not its kernel: that is a project failure), the pool is replaced
    and the unfinished projects resubmitted once; a second death fails the rest.
    """
    remaining = list(ids)
    for _attempt in (1, 2):
        pool = pool or _start_pool(spec, workers)
        try:
            futures = {pool.submit(_pool_task, pid): pid for pid in remaining}
            for future in as_completed(futures):
                try:
                    result = future.result()
                except BrokenProcessPool:
                    continue
                remaining.remove(result.project_id)
                yield result
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            pool = None
        if not remaining:
            return
    for pid in remaining:
        yield ProjectResult(pid, "failed", error={
            "stage": "worker", "cell": None, "ename": "BrokenProcessPool", "evalue": "",
            "message": "a worker process died twice while this project was pending"})


def _dask(spec: BatchSpec, ids: Sequence[str], workers: int,
          scheduler: str) -> Iterator[ProjectResult]:
    """Dask: ``scheduler`` is ``local`` (a LocalCluster) or the address of a running scheduler.

    The spec, with the input files, is sent to every worker once; tasks carry only the id.
    """
    import logging

    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = (LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            host="127.0.0.1", dashboard_address=None,
                            silence_logs=logging.ERROR) if scheduler == "local" else None)
    client = Client(cluster if cluster is not None else scheduler)
    futures = []
    try:
        shared = client.scatter(spec, broadcast=True)
        futures = [client.submit(produce, shared, pid, pure=False) for pid in ids]
        pids = {future.key: pid for future, pid in zip(futures, ids, strict=True)}
        for future in dask_completed(futures):
            pid = pids[future.key]
            try:
                yield future.result()
            except Exception as exc:  # the task itself failed (a worker lost twice …)
                yield ProjectResult(pid, "failed", error={
                    "stage": "worker", "cell": None, "ename": type(exc).__name__,
                    "evalue": str(exc), "message": f"{type(exc).__name__}: {exc}"})
    finally:
        if futures:
            client.cancel(futures)
        client.close()
        if cluster is not None:
            cluster.close()


def _require_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise InputError("--scheduler: expected Dask to be installed "
                         "(pip install 'evalkit[dask]'), found no 'distributed' module") from exc


# --- manifest ----------------------------------------------------------------------------------

class _Manifest:
    """``OUT/manifest.json``: loaded at start, checkpointed after each project, saved at the end.

    A checkpoint is skipped while less than ten times the last write's duration has passed, so
    writing a large manifest never costs more than a tenth of the run; a project finished but not
    yet recorded is simply redone by the next run.
    """

    def __init__(self, path: Path):
        self.path = path
        self.data: dict[str, Any] = {"format": "evalkit-batch-manifest/1", "run": {},
                                     "projects": {}}
        if path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                self.data["projects"] = dict(loaded.get("projects", {}))
            except (ValueError, AttributeError):
                print(f"警告 (warning): {path} is not a batch manifest; starting a new one",
                      file=sys.stderr)
        self._next = 0.0

    @property
    def projects(self) -> dict[str, dict[str, Any]]:
        return self.data["projects"]

    def save(self, *, checkpoint: bool = False) -> None:
        now = time.perf_counter()
        if checkpoint and now < self._next:
            return
        self.data["projects"] = dict(sorted(self.projects.items()))
        text = json.dumps(self.data, ensure_ascii=False, indent=1)
        atomic_write(self.path, lambda p: p.write_text(text, encoding="utf-8"))
        self._next = now + 10 * (time.perf_counter() - now)


def _file_sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _up_to_date(entry: Mapping[str, Any] | None, key: Mapping[str, str], out: Path, pid: str,
                formats: Sequence[str]) -> bool:
    if not entry or entry.get("status") != "ok" or any(entry.get(k) != v for k, v in key.items()):
        return False
    files = entry.get("files", {})
    return all(ext in files and _file_sha256(out / pid / f"{pid}.{ext}") == files[ext]["sha256"]
               for ext in (*formats, *ALWAYS))


def _remove_outputs(out: Path, pid: str, keep: Iterable[str] = ()) -> None:
    """Remove a project's report files (by the names evalkit gives them, never a recorded path)."""
    folder = out / pid
    for ext in set(_EXTS) - set(keep):
        (folder / f"{pid}.{ext}").unlink(missing_ok=True)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def _record(out: Path, result: ProjectResult, base: Mapping[str, Any]) -> dict[str, Any]:
    """Write a project's files atomically and return its manifest entry."""
    pid = result.project_id
    entry = {**base, "status": result.status, "timings": dict(result.timings),
             "worker": result.worker, "finished": _now()}
    failed_nb = out / FAILED_DIR / f"{pid}.ipynb"
    if result.status == "ok":
        files = {}
        for ext, content in result.files.items():
            atomic_write(out / pid / f"{pid}.{ext}", lambda p, c=content: p.write_bytes(c))
            files[ext] = {"path": f"{pid}/{pid}.{ext}",
                          "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
        _remove_outputs(out, pid, keep=result.files)
        summary = result.summary or {}
        entry.update(files=files, error=None, total=summary.get("total"),
                     grade=summary.get("grade"), conclusion=summary.get("conclusion"))
        failed_nb.unlink(missing_ok=True)
        return entry
    error = dict(result.error or {})
    error["notebook"] = None
    if _is_safe(pid):
        _remove_outputs(out, pid)
        if result.notebook is not None:
            atomic_write(failed_nb, lambda p: p.write_bytes(result.notebook))
            error["notebook"] = f"{FAILED_DIR}/{pid}.ipynb"
        else:
            failed_nb.unlink(missing_ok=True)
    entry.update(files={}, error=error, total=None, grade=None, conclusion=None)
    return entry


def _is_safe(pid: str) -> bool:
    try:
        safe_project_id(pid)
    except InputError:
        return False
    return True


def _clean_temporaries(out: Path) -> None:
    """Remove temporary files a killed run left (``atomic_write`` names them ``.NAME.*.tmp``)."""
    for tmp in out.rglob(".*.tmp"):
        if tmp.is_file():
            tmp.unlink()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- progress ----------------------------------------------------------------------------------

class _Progress:
    """tqdm (count, rate, ETA) on a terminal; otherwise a plain line every 10 % or 30 s."""

    def __init__(self, total: int, enabled: bool | None, stream=None):
        self.stream = stream or sys.stderr
        self.total, self.done, self.failed = total, 0, 0
        self.enabled = total > 0 and enabled is not False
        self.start = self.last = time.perf_counter()
        self.bar = None
        if self.enabled and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="份", desc="evalkit batch", file=self.stream,
                            dynamic_ncols=True)

    def update(self, ok: bool) -> None:
        self.done += 1
        self.failed += not ok
        if self.bar is not None:
            self.bar.set_postfix_str(f"失败 {self.failed}", refresh=False)
            self.bar.update(1)
            return
        now = time.perf_counter()
        step = max(1, self.total // 10)
        if self.enabled and (self.done % step == 0 or self.done == self.total
                             or now - self.last >= 30):
            self.last = now
            rate = self.done / max(now - self.start, 1e-9)
            eta = (self.total - self.done) / rate if rate else float("nan")
            print(f"[evalkit batch] {self.done}/{self.total} 完成，失败 {self.failed}，"
                  f"{rate:.2f} 份/秒，预计剩余 {eta:.0f} 秒", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --- portfolio ---------------------------------------------------------------------------------

_INDEX_CSS = """
body{font-family:"Evalkit Sans SC","Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;
margin:2em;color:#222}h1{font-size:1.4em}table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eef1f5;cursor:pointer;user-select:none}td.num{text-align:right}
tr.failed td{background:#fff1f0}.status-ok{color:#1a7f37}.status-failed{color:#c62828;font-weight:bold}
.controls{margin:1em 0}.controls input{width:24em;padding:.3em}.msg{color:#c62828;font-size:.85em}
input,select,button{font-family:inherit}
"""

_INDEX_SCRIPT = """
(function(){var t=document.getElementById('portfolio'),b=t.tBodies[0],q=document.getElementById('q'),
s=document.getElementById('status');function f(){var w=q.value.toLowerCase(),v=s.value;
Array.prototype.forEach.call(b.rows,function(r){var ok=(!v||r.getAttribute('data-status')===v)&&
r.textContent.toLowerCase().indexOf(w)>=0;r.style.display=ok?'':'none';});}
q.addEventListener('input',f);s.addEventListener('change',f);
Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){th.addEventListener('click',function(){
var asc=th.getAttribute('data-asc')!=='1';th.setAttribute('data-asc',asc?'1':'0');
var rows=Array.prototype.slice.call(b.rows);rows.sort(function(x,y){var a=x.cells[i].getAttribute('data-v')||
x.cells[i].textContent,c=y.cells[i].getAttribute('data-v')||y.cells[i].textContent,n=parseFloat(a),m=parseFloat(c);
var r=(!isNaN(n)&&!isNaN(m))?n-m:a.localeCompare(c,'zh');return asc?r:-r;});
rows.forEach(function(r){b.appendChild(r);});});});})();
"""


def _num(value: Any, fmt: str) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else format(value, fmt)


def write_index(out: Path, manifest: Mapping[str, Any], title: str = "") -> Path:
    """Write ``OUT/index.html``: one row per project of the manifest, offline, data escaped.

    Inline CSS and a small inline script (sort by a header click, filter by text and status); a
    Content-Security-Policy forbids every network request.
    """
    esc = functools.partial(html.escape, quote=True)
    rows = []
    for pid, e in manifest["projects"].items():
        ok = e.get("status") == "ok"
        links = []
        if ok:
            for ext in ("html", "pdf", "docx", "ipynb", "json"):
                if ext in e.get("files", {}):
                    links.append(f'<a href="{esc(quote(pid))}/{esc(quote(pid))}.{ext}">{ext}</a>')
        elif (e.get("error") or {}).get("notebook"):
            links.append(f'<a href="{FAILED_DIR}/{esc(quote(pid))}.ipynb">诊断笔记本</a>')
        verdict = e.get("grade") or e.get("conclusion") or ""
        message = "" if ok else (e.get("error") or {}).get("message", "")
        status = "成功" if ok else "失败"
        rows.append(
            f'<tr class="{e.get("status")}" data-status="{esc(str(e.get("status")))}">'
            f"<td>{esc(pid)}</td><td>{esc(str(e.get('project_name') or ''))}</td>"
            f"<td>{esc(str(e.get('unit_name') or ''))}</td>"
            f'<td class="num" data-v="{esc(_num(e.get("budget"), "g"))}">'
            f"{esc(_num(e.get('budget'), ',.2f'))}</td>"
            f'<td class="num" data-v="{esc(_num(e.get("total"), "g"))}">'
            f"{esc(_num(e.get('total'), '.2f'))}</td>"
            f"<td>{esc(str(verdict))}</td>"
            f'<td class="status-{esc(str(e.get("status")))}">{status}</td>'
            f"<td>{' '.join(links)}</td><td class=\"msg\">{esc(str(message))}</td></tr>")
    n_ok = sum(e.get("status") == "ok" for e in manifest["projects"].values())
    n = len(manifest["projects"])
    run = manifest.get("run", {})
    heading = esc(title or f"报告清单：{run.get('template', '')}")
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; font-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading}</title><style>@@FONT@@{_INDEX_CSS}</style></head><body>
<h1>{heading}</h1>
<p>共 {n} 个项目：成功 {n_ok} 个，失败 {n - n_ok} 个。数据集 {esc(str(run.get('dataset', '')))}；
规则集 {esc(str(run.get('ruleset_id', '')))}@{esc(str(run.get('ruleset_version', '')))}；
evalkit {esc(str(run.get('evalkit_version', '')))}；生成于 {esc(str(run.get('end') or run.get('start', '')))}。</p>
<div class="controls"><input id="q" type="search" placeholder="筛选：项目编码、名称、单位、结论…">
<select id="status"><option value="">全部状态</option><option value="ok">成功</option>
<option value="failed">失败</option></select></div>
<table id="portfolio"><thead><tr><th>项目编码</th><th>项目名称</th><th>预算单位</th>
<th>预算数（万元）</th><th>总分</th><th>等级/结论</th><th>状态</th><th>报告</th><th>说明</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<script>{_INDEX_SCRIPT}</script>
</body></html>
"""
    # the bundled CJK font, subset to this page's characters: readable offline without tofu
    page = page.replace("@@FONT@@", font_face_css(page), 1)
    return atomic_write(out / INDEX, lambda p: p.write_text(page, encoding="utf-8"))


def write_summary_workbook(out: Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``OUT/summary.xlsx``: 汇总, 评分明细 (from the JSON summaries), 失败项目."""
    totals, scores, failures = [], [], []
    for pid, e in manifest["projects"].items():
        ok = e.get("status") == "ok"
        totals.append({"项目编码": pid, "项目名称": e.get("project_name"),
                       "预算单位": e.get("unit_name"), "预算数（万元）": e.get("budget"),
                       "总分": e.get("total"), "等级/结论": e.get("grade") or e.get("conclusion"),
                       "状态": "成功" if ok else "失败",
                       "报告文件": "、".join(f["path"] for f in e.get("files", {}).values()),
                       "耗时（秒）": (e.get("timings") or {}).get("total_s")})
        if ok and "json" in e.get("files", {}):
            path = out / pid / f"{pid}.json"
            summary = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
            for key, values in summary.items():
                if key.endswith("_scores") and isinstance(values, dict):
                    scores += [{"项目编码": pid, "项目名称": e.get("project_name"),
                                "类别": SCORE_LABELS.get(key, key), "名称": name, "得分": value}
                               for name, value in values.items()]
        else:
            error = e.get("error") or {}
            failures.append({"项目编码": pid, "项目名称": e.get("project_name"),
                             "阶段": error.get("stage"), "单元格": error.get("cell"),
                             "错误类型": error.get("ename"), "错误信息": error.get("message"),
                             "诊断笔记本": error.get("notebook")})
    sheets = {"汇总": pd.DataFrame(totals, columns=["项目编码", "项目名称", "预算单位",
                                                 "预算数（万元）", "总分", "等级/结论", "状态",
                                                 "报告文件", "耗时（秒）"]),
              "评分明细": pd.DataFrame(scores, columns=["项目编码", "项目名称", "类别", "名称",
                                                    "得分"]),
              "失败项目": pd.DataFrame(failures, columns=["项目编码", "项目名称", "阶段", "单元格",
                                                    "错误类型", "错误信息", "诊断笔记本"])}
    return write_excel(sheets, out / SUMMARY_XLSX)


# --- the batch ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchResult:
    """What :func:`run_batch` did: projects made, skipped (up to date) and failed, and where."""

    out: Path
    made: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: tuple[str, ...]
    messages: Mapping[str, str]
    backend: str
    workers: int
    seconds: float
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """True when no project failed and the batch was not interrupted."""
        return not self.failed and not self.interrupted

    def to_frame(self) -> pd.DataFrame:
        """One row per project: id, outcome (made / skipped / failed), failure message."""
        rows = [(p, "made", "") for p in self.made] + [(p, "skipped", "") for p in self.skipped]
        rows += [(p, "failed", self.messages.get(p, "")) for p in self.failed]
        return pd.DataFrame(rows, columns=["project_id", "outcome", "message"])

    def summary_line(self) -> str:
        """The one-line summary printed at the end of ``evalkit batch``."""
        n = len(self.made) + len(self.skipped) + len(self.failed)
        rate = len(self.made) + len(self.failed)
        speed = f"{rate / self.seconds:.2f} 份/秒" if self.seconds > 0 and rate else "无需执行"
        failed = f"：{', '.join(self.failed[:10])}{' …' if len(self.failed) > 10 else ''}"
        return (f"{'已中断；' if self.interrupted else ''}共 {n} 个项目：新生成 {len(self.made)} 个，"
                f"跳过 {len(self.skipped)} 个（已是最新），失败 {len(self.failed)} 个"
                f"{failed if self.failed else ''}；用时 {self.seconds:.1f} 秒（{speed}，"
                f"{self.backend}，{self.workers} 个 worker）；输出 {self.out}")

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.summary_line())}</p>" + self.to_frame().to_html(index=False)


def parse_projects(projects: str | Sequence[str], template: str | Path, dataset: str | Path,
                   ruleset: str = "national") -> list[str]:
    """Project ids from ``all`` (the template's projects), ``ID,ID,…``, ``@file`` or a list.

    ``@file`` holds one id per line (commas also separate; blank lines and ``#`` comments are
    ignored). Duplicates are dropped, order kept. Ids are *not* checked here: an unsafe or unknown
    id becomes a failed project of the batch.
    """
    if isinstance(projects, str):
        if projects == "all":
            return template_projects(template, dataset, ruleset)
        if projects.startswith("@"):
            path = Path(projects[1:])
            if not path.is_file():
                raise InputError(f"--projects {projects}: expected a file of project ids, "
                                 f"found nothing at {path}")
            lines = [ln.split("#", 1)[0] for ln in path.read_text(encoding="utf-8-sig").splitlines()]
            projects = ",".join(lines)
        projects = projects.split(",")
    ids = list(dict.fromkeys(p.strip() for p in projects if p.strip()))
    if not ids:
        raise InputError("--projects: expected 'all', ids separated by commas or @file, found none")
    return ids


def run_batch(template: str | Path, *, dataset: str | Path = "sample",
              projects: str | Sequence[str] = "all", out_dir: str | Path = "reports/batch",
              formats: Iterable[str] = FORMATS, ruleset: str | Path = "national",
              workers: int | None = None, scheduler: str | None = None, force: bool = False,
              cold: bool = False, progress: bool | None = None) -> BatchResult:
    """Produce ``template``'s report for many projects; see the module docstring.

    Parameters
    ----------
    template : str or Path
        Template name (``ex_ante_assessment``) or path to an ``.ipynb``.
    dataset : str or Path
        Dataset folder or workbook; ``"sample"`` is the bundled sample county.
    projects : str or sequence of str
        ``"all"``, ``"ID,ID,…"``, ``"@file"`` or a list (:func:`parse_projects`).
    out_dir : str or Path
    formats : iterable of str
        Any of ``html``, ``docx``, ``pdf`` (``.ipynb`` and ``.json`` are always written).
    ruleset : str or Path
        Rule set name or YAML path.
    workers : int, optional
        Worker processes (default: one per core); 1 runs serially in this process.
    scheduler : str, optional
        ``"local"`` for a Dask LocalCluster, or a Dask scheduler address (``tcp://host:8786``).
    force : bool
        Redo projects that are up to date.
    cold : bool
        A fresh kernel per project (papermill's default engine) instead of warm kernels.
    progress : bool, optional
        None: a tqdm bar on a terminal, plain lines otherwise; False: silent.

    Returns
    -------
    BatchResult
        Also when interrupted (Ctrl-C): the workers are stopped, the manifest and portfolio
        cover what finished, and ``interrupted`` is True.

    Raises
    ------
    DatasetError
        When the dataset does not validate (nothing runs).
    InputError
        For an unknown template, format, project list, or a missing Dask.
    """
    from evalkit import __version__
    from evalkit.io import load_dataset, resolve_dataset
    from evalkit.rules import load_ruleset

    started, clock = _now(), time.perf_counter()
    formats = tuple(check_formats(formats))
    template_file = template_path(template)
    data_path = resolve_dataset(dataset).resolve()
    ruleset = str(Path(ruleset).resolve()) if Path(ruleset).suffix in (".yaml", ".yml") else str(ruleset)
    rules = load_ruleset(ruleset)
    if scheduler:
        _require_dask()
    workers = max(1, int(workers or _cores()))
    template_sha = hashlib.sha256(template_file.read_bytes()).hexdigest()
    spec = BatchSpec(template=str(template), template_file=str(template_file),
                     template_sha256=template_sha, dataset=str(data_path),
                     inputs_sha256=input_hashes(data_path), ruleset=ruleset, formats=formats,
                     cold=cold, preload="" if cold else template_imports(template_file))
    out = Path(out_dir)
    # a first or forced run will need its workers: boot them (and their kernels) while this
    # process reads and validates the dataset; a resumed run starts them only if work is left
    pool = (_start_pool(spec, workers) if not scheduler and workers > 1
            and (force or not (out / MANIFEST).is_file()) else None)
    try:
        ds = load_dataset(data_path, ruleset)
        ids = parse_projects(projects, template_file, data_path, ruleset)
    except BaseException:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    hashes = project_input_hashes(ds.tables, ids)
    info = ds.projects.set_index("project_id")[["project_name", "unit_name", "budget"]]
    info = info[~info.index.duplicated()]

    out.mkdir(parents=True, exist_ok=True)
    _clean_temporaries(out)
    manifest = _Manifest(out / MANIFEST)
    bases, todo, skipped = {}, [], []
    for pid in ids:
        row = info.loc[pid] if pid in info.index else None
        bases[pid] = {"input_sha256": hashes[pid], "template_sha256": template_sha,
                      **rules.to_record(), "evalkit_version": __version__,
                      "formats": list(formats),
                      "project_name": None if row is None else str(row["project_name"]),
                      "unit_name": None if row is None else str(row["unit_name"]),
                      "budget": None if row is None else _number(row["budget"])}
        key = {k: bases[pid][k] for k in _KEY_FIELDS}
        if not force and _up_to_date(manifest.projects.get(pid), key, out, pid, formats):
            skipped.append(pid)
        else:
            todo.append(pid)
    backend = ("none" if not todo else "dask" if scheduler else
               "serial" if workers == 1 or len(todo) == 1 else "local")
    workers = 1 if backend in ("none", "serial") else workers
    if backend == "local" and pool is None:
        workers = min(workers, len(todo))
    if backend != "local" and pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
    manifest.data["run"] = {
        "start": started, "end": None, "backend": backend, "workers": workers,
        "scheduler": scheduler, "cold": cold, "formats": list(formats), "template": str(template),
        "template_sha256": template_sha, "dataset": str(data_path), **rules.to_record(),
        "evalkit_version": __version__, "requested": len(ids), "interrupted": False}

    made, failed, messages = [], [], {}
    bar = _Progress(len(todo), progress)
    interrupted = False
    unsafe = [pid for pid in todo if not _is_safe(pid)]
    runnable = [pid for pid in todo if pid not in unsafe]
    if backend == "dask":
        results = _dask(replace(spec, payload=_payload(
            [template_file, data_path, *([Path(ruleset)] if Path(ruleset).is_file() else [])])),
            runnable, workers, scheduler)
    elif backend == "local":
        results = _local(spec, runnable, workers, pool)
    else:
        results = _serial(spec, runnable)
    try:
        for result in _chain((produce(spec, pid) for pid in unsafe), results):
            entry = _record(out, result, bases[result.project_id])
            manifest.projects[result.project_id] = entry
            manifest.save(checkpoint=True)
            if result.status == "ok":
                made.append(result.project_id)
            else:
                failed.append(result.project_id)
                messages[result.project_id] = entry["error"]["message"]
            bar.update(result.status == "ok")
    except KeyboardInterrupt:
        interrupted = True
        print("\n已中断 (interrupted)：正在停止 worker 并关闭内核…", file=sys.stderr, flush=True)
    finally:
        results.close()
        bar.close()
        manifest.data["run"].update(end=_now(), interrupted=interrupted,
                                    made=len(made), skipped=len(skipped), failed=len(failed))
        manifest.save()
        write_index(out, manifest.data)
        write_summary_workbook(out, manifest.data)
    return BatchResult(out, tuple(made), tuple(skipped), tuple(failed), messages, backend,
                       workers, time.perf_counter() - clock, interrupted)


def _chain(first: Iterable[ProjectResult], rest: Iterator[ProjectResult]) -> Iterator[ProjectResult]:
    yield from first
    yield from rest


def _number(value: Any) -> float | None:
    """A float for JSON, None for a missing value (NaN is not JSON)."""
    value = float(value)
    return None if value != value else value


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def load_manifest(out_dir: str | Path) -> dict[str, Any]:
    """Read ``OUT/manifest.json`` of a batch."""
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise InputError(f"{out_dir}: expected a batch output folder with {MANIFEST}, found none")
    return json.loads(path.read_text(encoding="utf-8"))


__all__ = ["BatchResult", "BatchSpec", "ProjectResult", "load_manifest", "parse_projects",
           "produce", "project_input_hashes", "run_batch", "template_imports", "write_index",
           "write_summary_workbook"]
