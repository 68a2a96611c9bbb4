"""The one per-subject pipeline: execute a report's notebook, check its glyphs, render it.

:func:`produce` runs in a batch worker (or in-process for the serial backend and ``evalkit run``)
and *returns* file contents; it never raises for a subject's own failure, which comes back with
its stage, cell, message and the partial notebook (papermill's error markers added).
"""

from __future__ import annotations

import ast
import copy
import functools
import hashlib
import os
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.errors import InputError
from evalkit.io import atomic_write
from evalkit.registry import Subject

#: Seconds a single cell may run before the subject fails (and its kernel is replaced).
CELL_TIMEOUT = 600
#: ``evalkit batch --engine`` choices → papermill engine names (:mod:`evalkit.engine`). The
#: in-process engine is the default: the same outputs as a fresh kernel (tests/test_engines.py)
#: without the kernel's message round trips; ``kernel`` keeps each worker's notebooks in a
#: separate warm kernel process (isolation, cell timeouts everywhere).
ENGINE_NAMES = {"inprocess": "evalkit-inprocess", "kernel": "evalkit-warm"}
DEFAULT_ENGINE = "inprocess"
#: Text in a cell's stderr that means a chart or report is missing glyphs.
GLYPH_WARNINGS = ("missing from font", "findfont:")


@dataclass(frozen=True)
class ProduceSpec:
    """Everything a worker needs to produce any subject's report (small and picklable).

    ``engine`` is a key of :data:`ENGINE_NAMES` (ignored when ``cold``: papermill's own engine,
    a fresh kernel per report). Paths are the client's. ``payload`` (client path → (is a folder, ((file name, content), …)))
    carries the template, the dataset files and a rule-set file for workers that cannot read
    them (Dask); a worker uses the client path when it holds the same content, else a private
    copy.
    """

    template_file: str
    subject: Subject
    dataset: str
    ruleset: str
    formats: tuple[str, ...]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    cold: bool = False
    preload: str = ""
    engine: str = DEFAULT_ENGINE
    payload: Mapping[str, tuple[bool, tuple[tuple[str, bytes], ...]]] | None = None
    word_template: str = ""


@dataclass(frozen=True)
class SubjectResult:
    """What a worker returns for one subject: status, file contents by extension, diagnosis.

    ``summary`` is the machine summary the template recorded (without provenance: the client,
    which holds the hashes, adds it and writes the ``.json``).
    """

    subject_id: str
    status: str
    files: Mapping[str, bytes] = field(default_factory=dict)
    summary: Mapping[str, Any] | None = None
    error: Mapping[str, Any] | None = None
    notebook: bytes | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    worker: str = ""


class _Failure(Exception):
    """A subject failed at ``stage``; ``nb`` is the partial notebook, if any."""

    def __init__(self, stage: str, message: str, *, nb=None, cell: int | None = None,
                 ename: str = "", evalue: str = ""):
        super().__init__(message)
        self.stage, self.nb, self.cell, self.ename, self.evalue = stage, nb, cell, ename, evalue


def check_engine(engine: str) -> str:
    """``engine`` if it is a key of :data:`ENGINE_NAMES`, else a clear error."""
    if engine not in ENGINE_NAMES:
        raise InputError(f"--engine：应为 {'、'.join(ENGINE_NAMES)} 之一，实际为 {engine!r}")
    return engine


def report_parameters(subject: Subject, subject_id: str, dataset: str | Path, ruleset: str,
                      parameters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The template parameters of one report: subject id, dataset path, rule set, extras."""
    return {subject.id_column: subject_id, "dataset": str(dataset), "ruleset": str(ruleset),
            **dict(parameters or {})}


def produce(spec: ProduceSpec, subject_id: str) -> SubjectResult:
    """Execute and render one subject's report; never raises for the subject's own failure."""
    from evalkit.render.pipeline import read_summary, render_outputs

    start = time.perf_counter()
    timings: dict[str, float] = {}
    worker = f"{socket.gethostname()}:{os.getpid()}"
    nb = None
    try:
        sid = _checked_id(spec.subject, subject_id)
        template_file, dataset, ruleset = local_inputs(spec)
        params = report_parameters(spec.subject, sid, dataset, ruleset, spec.parameters)
        nb = _execute(template_file, params, engine=None if spec.cold else spec.engine,
                      preload=spec.preload)
        timings["execute_s"] = time.perf_counter() - start
        _check_glyphs(nb)
        try:
            summary = read_summary(nb)
        except InputError as exc:
            raise _Failure("summary", str(exc), nb=nb) from exc
        rendered = time.perf_counter()
        try:
            report_type, identity = _identity(spec, sid, dataset, ruleset)
            files = {"ipynb": notebook_bytes(nb),
                     **render_outputs(nb, summary, spec.formats, identity=identity,
                                      report_type=report_type.title)}
        except Exception as exc:
            raise _Failure("rendering", f"{type(exc).__name__}: {exc}", nb=nb) from exc
        timings["render_s"] = time.perf_counter() - rendered
    except Exception as exc:  # a bug or an unforeseen input: still this subject's failure only
        failure = exc if isinstance(exc, _Failure) else _Failure(
            "internal", f"{type(exc).__name__}: {exc}", ename=type(exc).__name__, evalue=str(exc))
        timings["total_s"] = time.perf_counter() - start
        partial = failure.nb if failure.nb is not None else nb
        return SubjectResult(
            subject_id, "failed", timings=timings, worker=worker,
            notebook=None if partial is None else notebook_bytes(partial),
            error={"stage": failure.stage, "cell": failure.cell, "ename": failure.ename,
                   "evalue": failure.evalue, "message": str(failure)})
    timings["total_s"] = time.perf_counter() - start
    return SubjectResult(subject_id, "ok", files=files, summary=summary, timings=timings,
                         worker=worker)


def notebook_bytes(nb) -> bytes:
    """The executed notebook as its ``.ipynb`` file (UTF-8): ``nbformat.writes`` without the
    schema validation it runs first, which only logs (5 ms a report); the engines' outputs are
    nbformat's own nodes, and tests/test_engines.py validates their notebooks."""
    import nbformat

    return nbformat.v4.writes(nb).encode("utf-8")


def _identity(spec: ProduceSpec, subject_id: str, dataset: str, ruleset: str):
    """The report type and the identity (cover, 报告编号, signatures) of one report, from the
    dataset on this worker (read once per process: :func:`evalkit.io.load_dataset` caches it)."""
    from evalkit.batch.runner import resolve_report_type
    from evalkit.engagement import report_identity
    from evalkit.io import load_dataset
    from evalkit.rules import load_ruleset

    report_type, _ = resolve_report_type(spec.template_file)
    rules = load_ruleset(ruleset)
    template = spec.word_template
    if template and spec.payload and template in spec.payload:
        template = _materialise(template, spec.payload[template])
    return report_type, report_identity(report_type, load_dataset(dataset, rules), rules,
                                        subject_id, word_template=template)


def _checked_id(subject: Subject, subject_id: str) -> str:
    try:
        return subject.safe_id(subject_id)
    except InputError as exc:
        raise _Failure("id", str(exc)) from exc


def _execute(template_file: str, params: Mapping[str, Any], *, engine: str | None, preload: str):
    """Run a template the way ``papermill.execute_notebook`` does, in memory, keeping the partial
    notebook of a failure (papermill's error markers added); ``engine`` is a key of
    :data:`ENGINE_NAMES`, None for papermill's own engine (a fresh kernel)."""
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import (
        prepare_notebook_metadata,
        raise_for_execution_errors,
        remove_error_markers,
    )
    from papermill.parameterize import parameterize_notebook
    from papermill.utils import chdir

    from evalkit.engine import ENGINES

    for name, engine_class in ENGINES.items():  # also when the installed entry points are stale
        papermill_engines.register(name, engine_class)
    if engine is not None:
        engine = ENGINE_NAMES[engine]
    nb = parameterize_notebook(_template_node(template_file), dict(params), engine_name=engine)
    for cell in nb.cells:  # papermill gives the cell it injects a random id: a fixed one keeps
        if "injected-parameters" in cell.metadata.get("tags", []):  # reruns comparable
            cell.id = "injected-parameters"
    nb = remove_error_markers(prepare_notebook_metadata(nb, template_file, None))
    kernel = papermill_engines.nb_kernel_name(engine_name=engine, nb=nb)
    options = {} if engine is None else {"preload": preload}
    try:
        with chdir(str(Path(template_file).parent)):
            nb = papermill_engines.execute_notebook_with_engine(
                engine, nb, kernel_name=kernel, input_path=template_file, output_path=None,
                progress_bar=False, log_output=False, execution_timeout=CELL_TIMEOUT, **options)
    except Exception as exc:  # timeout, dead kernel, kernel that would not start
        raise _Failure("execution", f"{type(exc).__name__}: {exc}", nb=nb,
                       ename=type(exc).__name__, evalue=str(exc)) from exc
    try:
        raise_for_execution_errors(nb, None)
    except PapermillExecutionError as exc:
        raise _Failure("execution", f"cell {exc.cell_index} (In [{exc.exec_count}]): "
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
                raise _Failure("glyphs", f"cell {index}: {line.strip()}", nb=nb,
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

def payload(paths: Iterable[Path]) -> dict[str, tuple[bool, tuple[tuple[str, bytes], ...]]]:
    """The contents of the template, dataset and rule-set files, for workers without them."""
    out = {}
    for path in paths:
        files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
        out[str(path)] = (path.is_dir(), tuple((f.name, f.read_bytes()) for f in files))
    return out


def local_inputs(spec: ProduceSpec) -> tuple[str, str, str]:
    """Paths of template, dataset and rule set on this worker (copies where the client's are
    missing or differ)."""
    carried = spec.payload or {}
    return tuple(_materialise(p, carried[p]) if p in carried else p  # type: ignore[return-value]
                 for p in (spec.template_file, spec.dataset, spec.ruleset))


def _materialise(client_path: str, carried: tuple[bool, tuple[tuple[str, bytes], ...]]) -> str:
    """The client's path if this machine has it with the same content, else a private copy."""
    import tempfile

    is_dir, files = carried
    path = Path(client_path)
    base = path if is_dir else path.parent
    if all((base / name).is_file() and (base / name).read_bytes() == data for name, data in files):
        return client_path
    digest = hashlib.sha256(b"".join(hashlib.sha256(d).digest() for _, d in files)).hexdigest()
    local = Path(tempfile.gettempdir()) / "evalkit-inputs" / digest[:20]
    local = local / path.name if is_dir else local
    for name, data in files:
        if not (local / name).is_file():
            atomic_write(local / name, lambda p, d=data: p.write_bytes(d))
    return str(local if is_dir else local / path.name)
