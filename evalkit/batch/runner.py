"""Run a report type for many subjects (or one: ``evalkit run``) and keep the portfolio.

See :mod:`evalkit.batch` for what a batch writes, resume and failures.
"""

from __future__ import annotations

import hashlib
import html
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.batch import backends
from evalkit.batch.lock import output_lock
from evalkit.batch.manifest import (
    FAILED_DIR,
    KEY_FIELDS,
    MANIFEST,
    Manifest,
    clean_temporaries,
    file_name,
    is_safe,
    now,
    record,
    subject_input_hashes,
    up_to_date,
)
from evalkit.batch.portfolio import PortfolioPages, rectification_overview
from evalkit.batch.produce import (
    DEFAULT_ENGINE,
    ProduceSpec,
    SubjectResult,
    check_engine,
    payload,
    produce,
    report_parameters,
    template_imports,
)
from evalkit.engagement import check_final, engagement_of, warn_missing
from evalkit.errors import EvalkitError, InputError
from evalkit.io import check_inside, dataset_seed
from evalkit.registry import ReportType
from evalkit.render.pipeline import DEFAULT_FORMATS, check_formats


def resolve_report_type(template: str | Path) -> tuple[ReportType, Path]:
    """The report type and notebook a ``TEMPLATE`` argument names.

    A registered name (``ex_ante_assessment`` …) gives its notebook; a path to an ``.ipynb`` — a
    modified copy of a template — runs as the report type its file name (stem) names.
    """
    from evalkit import registry

    if str(template).endswith(".ipynb"):
        path = Path(template)
        if not path.is_file():
            raise InputError(f"模板 {template}：应为笔记本文件，实际不存在 "
                             f"(template: expected a notebook file, found nothing)")
        return registry.get(path.stem), path.resolve()
    report_type = registry.get(str(template))
    return report_type, report_type.notebook_path()


def parse_subjects(subjects: str | Sequence[str], report_type: ReportType, dataset,
                   ruleset: Any = "national") -> list[str]:
    """Subject ids from ``all`` (those the report type applies to), ``ID,ID,…``, ``@file`` or a
    list.

    ``@file`` holds one id per line (commas also separate; blank lines and ``#`` comments are
    ignored). Duplicates are dropped, order kept. Ids are *not* checked here: an unsafe or unknown
    id becomes a failed report of the batch.
    """
    if isinstance(subjects, str):
        if subjects == "all":
            return report_type.subjects(dataset, ruleset)
        if subjects.startswith("@"):
            path = Path(subjects[1:])
            if not path.is_file():
                raise InputError(f"--projects {subjects}：应为编码清单文件，实际不存在 {path} "
                                 f"(expected a file of ids, found nothing)")
            lines = [ln.split("#", 1)[0] for ln in path.read_text(encoding="utf-8-sig").splitlines()]
            subjects = ",".join(lines)
        subjects = subjects.split(",")
    ids = list(dict.fromkeys(s.strip() for s in subjects if s.strip()))
    if not ids:
        raise InputError("--projects：应为 all、以逗号分隔的编码或 @文件，实际为空 "
                         "(expected 'all', ids separated by commas or @file, found none)")
    return ids


@dataclass(frozen=True)
class BatchResult:
    """What :func:`run_batch` did: reports made, skipped (up to date) and failed, and where."""

    out: Path
    made: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: tuple[str, ...]
    messages: Mapping[str, str]
    backend: str
    workers: int
    seconds: float
    interrupted: bool = False
    summaries: Mapping[str, Mapping[str, Any]] | None = None

    @property
    def ok(self) -> bool:
        """True when no report failed and the batch was not interrupted."""
        return not self.failed and not self.interrupted

    def to_frame(self) -> pd.DataFrame:
        """One row per subject: id, outcome (made / skipped / failed), failure message."""
        rows = [(p, "made", "") for p in self.made] + [(p, "skipped", "") for p in self.skipped]
        rows += [(p, "failed", self.messages.get(p, "")) for p in self.failed]
        return pd.DataFrame(rows, columns=["subject_id", "outcome", "message"])

    def summary_line(self) -> str:
        """The one-line summary printed at the end of ``evalkit batch``."""
        n = len(self.made) + len(self.skipped) + len(self.failed)
        rate = len(self.made) + len(self.failed)
        speed = f"{rate / self.seconds:.2f} 份/秒" if self.seconds > 0 and rate else "无需执行"
        failed = f"：{', '.join(self.failed[:10])}{' …' if len(self.failed) > 10 else ''}"
        return (f"{'已中断；' if self.interrupted else ''}共 {n} 份报告：新生成 {len(self.made)} 份，"
                f"跳过 {len(self.skipped)} 份（已是最新），失败 {len(self.failed)} 份"
                f"{failed if self.failed else ''}；用时 {self.seconds:.1f} 秒（{speed}，"
                f"{self.backend}，{self.workers} 个 worker）；输出 {self.out}")

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.summary_line())}</p>" + self.to_frame().to_html(index=False)


def run_batch(template: str | Path, *, dataset: Any = "sample",
              subjects: str | Sequence[str] = "all", out_dir: str | Path = "reports/batch",
              formats: Iterable[str] = DEFAULT_FORMATS, ruleset: str | Path = "national",
              parameters: Mapping[str, Any] | None = None, workers: int | None = None,
              scheduler: str | None = None, force: bool = False, cold: bool = False,
              engine: str = DEFAULT_ENGINE, portfolio: bool = True, progress: bool | None = None,
              wait: bool = False, word_template: str | Path | None = None,
              pool: backends.LocalPool | None = None) -> BatchResult:
    """Produce a report type's reports for many subjects; see :mod:`evalkit.batch`.

    Parameters
    ----------
    template : str or Path
        Report type name (``ex_ante_assessment``; ``evalkit reports`` lists them) or path to a
        modified copy of its ``.ipynb``, named after the type.
    dataset : str, Path or Dataset
        ``"sample"`` (the bundled sample county), a CSV folder or an ``.xlsx`` workbook.
    subjects : str or sequence of str
        ``"all"``, ``"ID,ID,…"``, ``"@file"`` or a list (:func:`parse_subjects`).
    out_dir : str or Path
    formats : iterable of str
        Any of ``html``, ``docx``, ``pdf`` (``.ipynb`` and ``.json`` are always written).
    ruleset : str or Path
        Rule set name or YAML path; it must hold the report type's section.
    parameters : mapping, optional
        Further template parameters, the same for every report.
    workers : int, optional
        Worker processes (default: one per core); 1 runs serially in this process.
    scheduler : str, optional
        ``"local"`` for a Dask LocalCluster, or a Dask scheduler address (``tcp://host:8786``).
    force : bool
        Redo reports that are up to date.
    cold : bool
        A fresh kernel per report (papermill's default engine) instead of warm workers.
    engine : str
        How warm workers execute notebooks: ``"inprocess"`` (default; IPython's shell in the
        worker process, no kernel round trips) or ``"kernel"`` (a warm Jupyter kernel per worker:
        isolation). :data:`evalkit.batch.produce.ENGINE_NAMES`.
    portfolio : bool
        Write ``manifest.json``, ``index.html`` and ``summary.xlsx`` (``evalkit run``: no).
    progress : bool, optional
        None: a tqdm bar on a terminal, plain lines otherwise; False: silent.
    wait : bool
        When another batch is writing ``out_dir``, wait for it to end instead of refusing
        (:func:`evalkit.batch.lock.output_lock`).
    word_template : str or Path, optional
        The agency's Word template (.docx with docxtpl tags, :mod:`evalkit.render.docx`) for
        every report; default: the engagement's Word模板, else evalkit's GB/T 9704 template.
    pool : LocalPool, optional
        Worker processes shared with other batches (:func:`run_batches`): used for every
        report, even a single one, and left running; ``workers`` is then the pool's. Default: a
        pool of this batch's own, shut down when it ends. Ignored with ``scheduler``.

    Returns
    -------
    BatchResult
        Also when interrupted (Ctrl-C): the workers are stopped, the manifest and portfolio
        cover what finished, and ``interrupted`` is True.

    Raises
    ------
    DatasetError
        When the dataset does not validate (nothing runs).
    RuleSetError
        When the rule set is invalid or lacks the report type's section.
    InputError
        For an unknown report type, format, subject list, Word template, or a missing Dask;
        for a 正式稿 engagement with blank fields (naming them).
    OutputError
        When ``out_dir`` is held by another running batch, cannot be written, or holds a link
        leading out of it.
    """
    with output_lock(Path(out_dir), wait=wait, label=str(template)):
        return _run_batch(template, dataset=dataset, subjects=subjects, out_dir=out_dir,
                          formats=formats, ruleset=ruleset, parameters=parameters,
                          workers=workers, scheduler=scheduler, force=force, cold=cold,
                          engine=engine, portfolio=portfolio, progress=progress,
                          word_template=word_template, pool=pool)


#: ``evalkit batch all``: every registered report type.
ALL_TYPES = "all"


def report_type_names(templates: str | Sequence[str]) -> list[str]:
    """The report types of ``all`` (every registered one, in registry order) or of a list
    (``"a,b"`` or a sequence); an unknown name is an InputError listing the registered ones.

    >>> report_type_names("self_evaluation, monitoring")
    ['self_evaluation', 'monitoring']
    """
    from evalkit import registry

    if isinstance(templates, str):
        templates = ([t.name for t in registry.report_types()] if templates == ALL_TYPES
                     else templates.split(","))
    names = list(dict.fromkeys(t.strip() for t in templates if t.strip()))
    if not names:
        raise InputError("报告类型：应为 all 或以逗号分隔的报告类型名，实际为空 "
                         "(expected 'all' or report type names separated by commas)")
    return [registry.get(name).name for name in names]


def run_batches(templates: str | Sequence[str] = ALL_TYPES, *, out_dir: str | Path,
                ruleset: str | Path = "national", workers: int | None = None,
                scheduler: str | None = None,
                on_result: Callable[[ReportType, BatchResult], None] | None = None,
                **options: Any) -> list[BatchResult]:
    """Batches of several report types, one after the other, on one set of workers.

    Each type ``T`` is :func:`run_batch` of every subject it applies to into ``out_dir/T``
    (its own manifest, index.html and summary.xlsx, resumed as usual); then the portfolio index
    ``out_dir/index.html`` links them (:func:`evalkit.batch.portfolio.write_portfolio_index`).
    Local workers are started once and kept for every type (:class:`LocalPool`), so they boot,
    read the dataset and warm their renderers once, and a type with a single subject also runs
    on them; with ``scheduler`` each type connects to Dask as :func:`run_batch` does.

    Parameters
    ----------
    templates : str or sequence of str
        ``"all"`` (every registered report type, in the order ``evalkit reports`` lists them) or
        report type names (:func:`report_type_names`).
    out_dir : str or Path
        The folder of the portfolio; each type writes ``out_dir/<type>``.
    ruleset, workers, scheduler
        As :func:`run_batch`.
    on_result : callable, optional
        Called with each type and its result as soon as the type is done.
    **options
        Any other argument of :func:`run_batch` (``dataset``, ``formats``, ``force``,
        ``engine``, ``progress``, ``word_template`` …) but ``subjects``, which is ``"all"``.

    Returns
    -------
    list of BatchResult
        One per type run; a Ctrl-C stops after the interrupted type (its result says so).

    Raises
    ------
    RuleSetError
        Before anything runs, when the rule set lacks the section of a requested type (naming
        every such type).
    InputError, DatasetError, OutputError
        As :func:`run_batch`; a type that raises stops the run (the types before it are kept).
    """
    from evalkit import registry
    from evalkit.batch.portfolio import write_portfolio_index
    from evalkit.errors import RuleSetError
    from evalkit.rules import load_ruleset

    names = report_type_names(templates)
    rules = load_ruleset(ruleset)
    missing = []
    for name in names:
        try:
            registry.get(name).require_section(rules)
        except RuleSetError as exc:
            missing.append(f"{name}（{exc}）")
    if missing:
        raise RuleSetError(f"规则集 {rules.id} 缺少以下报告类型所需的部分："
                           f"{'；'.join(missing)}（可只列出规则集涵盖的报告类型）")
    out = Path(out_dir)
    count = max(1, int(workers or backends.cores()))
    pool = backends.LocalPool(count) if count > 1 and not scheduler else None
    results: list[BatchResult] = []
    try:
        for name in names:
            result = run_batch(name, subjects="all", out_dir=out / name, ruleset=ruleset,
                               workers=count, scheduler=scheduler, pool=pool, **options)
            results.append(result)
            if on_result is not None:
                on_result(registry.get(name), result)
            if result.interrupted:
                break
    finally:
        if pool is not None:
            pool.shutdown()
    if results and not results[-1].interrupted:
        write_portfolio_index(out)
    return results


def _run_batch(template: str | Path, *, dataset: Any, subjects: str | Sequence[str],
               out_dir: str | Path, formats: Iterable[str], ruleset: str | Path,
               parameters: Mapping[str, Any] | None, workers: int | None,
               scheduler: str | None, force: bool, cold: bool, engine: str, portfolio: bool,
               progress: bool | None, word_template: str | Path | None = None,
               pool: backends.LocalPool | None = None) -> BatchResult:
    """:func:`run_batch` once the output folder is locked."""
    from evalkit import __version__
    from evalkit.io import load_dataset, resolve_dataset
    from evalkit.rules import load_ruleset

    started, clock = now(), time.perf_counter()
    formats = tuple(check_formats(formats))
    report_type, template_file = resolve_report_type(template)
    subject = report_type.subject
    data_path = resolve_dataset(dataset.source if hasattr(dataset, "source") else dataset)
    ruleset = str(Path(ruleset).resolve()) if Path(ruleset).suffix in (".yaml", ".yml") else str(ruleset)
    rules = load_ruleset(ruleset)
    report_type.require_section(rules)
    if scheduler:
        backends.require_dask()
    shared = pool is not None and not scheduler
    workers = pool.workers if shared else max(1, int(workers or backends.cores()))
    template_sha = hashlib.sha256(template_file.read_bytes()).hexdigest()
    word = _word_template(word_template) if "docx" in formats else ""
    word_sha = hashlib.sha256(Path(word).read_bytes()).hexdigest() if word else ""
    spec = ProduceSpec(template_file=str(template_file), subject=subject, dataset=str(data_path),
                       ruleset=ruleset, formats=formats, parameters=dict(parameters or {}),
                       cold=cold, engine=check_engine(engine),
                       preload="" if cold else template_imports(template_file),
                       word_template=word)
    out = Path(out_dir)
    # Dask workers get the input files with the spec (no shared filesystem is needed)
    remote = replace(spec, payload=payload(
        [template_file, data_path, *([Path(ruleset)] if Path(ruleset).is_file() else []),
         *([Path(word)] if word else [])])) if scheduler else spec
    # a first or forced run will need its workers: boot them (and their kernels, or a
    # LocalCluster) while this process reads and validates the dataset; a resumed run starts
    # them only if work is left
    early = force or not portfolio or not (out / MANIFEST).is_file()
    if not shared:
        pool = backends.LocalPool(workers) if not scheduler and workers > 1 else None
    if pool is not None and early:
        pool.start(spec)
    cluster = (backends.start_cluster(remote, workers) if scheduler == "local" and early
               else None)
    try:
        ds = load_dataset(dataset, rules)
        engagement = engagement_of(ds)
        check_final(engagement, f"{Path(ds.source).name} 项目委托信息")
        warn_missing(engagement)
        ids = parse_subjects(subjects, report_type, ds, rules)
    except BaseException:
        if pool is not None and not shared:
            pool.shutdown()
        if cluster is not None:
            backends.close_cluster(cluster)
        raise
    hashes = subject_input_hashes(ds.tables, subject, ids)
    # a subject no table lists (a portfolio, its ids report-type names) shows no columns
    table = (ds.table(subject.table) if subject.table
             else pd.DataFrame(columns=[subject.id_column]))
    shown = [c for c in report_type.portfolio_columns if c in table]
    info = table.drop_duplicates(subject.id_column).set_index(subject.id_column)[shown]

    out.mkdir(parents=True, exist_ok=True)
    for sid in ids:  # refuse a link leading out of OUT before anything is written
        if is_safe(subject, sid):
            check_inside(out, out / sid / sid)
    clean_temporaries(out)
    manifest = Manifest(out / MANIFEST)
    bases, todo, skipped = {}, [], []
    for sid in ids:
        row = info.loc[sid] if sid in info.index else None
        bases[sid] = {"input_sha256": hashes[sid], "template_sha256": template_sha,
                      "word_template_sha256": word_sha,
                      **rules.to_record(), "evalkit_version": __version__,
                      "formats": list(formats),
                      "columns": {} if row is None else {c: _plain(row[c]) for c in shown}}
        key = {k: bases[sid][k] for k in KEY_FIELDS}
        if portfolio and not force and up_to_date(manifest.subjects.get(sid), key, out, sid,
                                                  formats):
            skipped.append(sid)
        else:
            todo.append(sid)
    backend = ("none" if not todo else "dask" if scheduler else
               "serial" if workers == 1 or (len(todo) == 1 and not shared) else "local")
    workers = 1 if backend in ("none", "serial") else workers
    if backend == "local" and pool is not None and pool.executor is None and not shared:
        workers = pool.workers = min(workers, len(todo))  # no more workers than reports
    if backend != "local" and pool is not None and not shared:
        pool.shutdown()
    if backend != "dask" and cluster is not None:
        backends.close_cluster(cluster)
        cluster = None
    manifest.data["run"] = {
        "start": started, "end": None, "report_type": report_type.name,
        "subject": subject.kind, "backend": backend, "workers": workers,
        "scheduler": scheduler, "cold": cold, "engine": engine, "formats": list(formats), "template": str(template),
        "template_sha256": template_sha, "dataset": str(data_path), **rules.to_record(),
        "evalkit_version": __version__, "requested": len(ids), "interrupted": False}
    manifest.data["overview"] = (rectification_overview(ds, ids, rules)
                                 if subject.id_column == "project_id" else None)

    def provenance(sid: str) -> dict[str, Any]:
        return {"template": str(template), "template_sha256": template_sha,
                "inputs_sha256": dict(ds.sha256), "evalkit_version": __version__,
                "parameters": report_parameters(subject, sid, data_path, ruleset, parameters)}

    made, failed, messages, summaries = [], [], {}, {}
    pages = PortfolioPages(out, report_type)
    bar = _Progress(len(todo), progress and len(todo) > 1 if portfolio else False)
    interrupted = False
    unsafe = [sid for sid in todo if not is_safe(subject, sid)]
    runnable = [sid for sid in todo if sid not in unsafe]
    if backend == "dask":
        results = backends.dask(remote, runnable, workers, scheduler, cluster)
    elif backend == "local":
        results = backends.local(spec, runnable, pool, dataset_seed(ds))
    else:
        results = backends.serial(spec, runnable)
    try:
        for result in _chain((produce(spec, sid) for sid in unsafe), results):
            entry = record(out, result, bases[result.subject_id], report_type,
                           provenance(result.subject_id))
            if portfolio:
                manifest.record(result.subject_id, entry)
                pages.refresh(manifest.data)
            else:
                manifest.subjects[result.subject_id] = entry
            if result.status == "ok":
                made.append(result.subject_id)
                if not portfolio:  # a portfolio's summaries are its OUT/<id>/<id>.json files
                    summaries[result.subject_id] = {**(result.summary or {}),
                                                    "provenance": provenance(result.subject_id)}
            else:
                failed.append(result.subject_id)
                messages[result.subject_id] = entry["error"]["message"]
            bar.update(result.status == "ok")
    except KeyboardInterrupt:
        interrupted = True
        print("\n已中断 (interrupted)：正在停止 worker 并关闭内核…", file=sys.stderr, flush=True)
        # the execution abandoned by Ctrl-C ends in a DeadKernelError nobody awaits, which asyncio
        # would log as a traceback at exit: the interruption is already reported above
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    finally:
        results.close()
        if pool is not None and not shared:
            pool.shutdown()
        bar.close()
        if portfolio:
            manifest.data["run"].update(end=now(), interrupted=interrupted,
                                        made=len(made), skipped=len(skipped), failed=len(failed))
            manifest.save()
            pages.write(manifest.data)
    return BatchResult(out, tuple(made), tuple(skipped), tuple(failed), messages, backend,
                       workers, time.perf_counter() - clock, interrupted, summaries)


def _word_template(path: str | Path | None) -> str:
    """The absolute path of an agency's Word template ('' for none); not a .docx file is an
    InputError (checked before anything runs)."""
    if not path:
        return ""
    source = Path(path).resolve()
    if not source.is_file() or source.suffix.lower() != ".docx":
        raise InputError(f"--word-template {path}：应为 .docx 文件，实际"
                         f"{'不存在' if not source.exists() else '是其他类型的文件'} "
                         f"(word template: expected a .docx file)")
    return str(source)


class ReportError(EvalkitError):
    """A report could not be produced; ``subject_id`` and ``stage`` say which and where, and
    ``notebook`` the partial notebook kept (``OUT/_failed/<id>.ipynb``), if any."""

    def __init__(self, subject_id: str, stage: str, message: str, notebook: Path | None = None):
        self.subject_id, self.stage, self.notebook = subject_id, stage, notebook
        kept = f"；诊断笔记本 {notebook}" if notebook else ""
        super().__init__(f"{subject_id}: {stage} failed: {message}{kept}")


@dataclass(frozen=True)
class ReportOutput:
    """What :func:`run_report` wrote: the folder, each file by format, and the summary."""

    folder: Path
    files: Mapping[str, Path]
    summary: Mapping[str, Any]


def run_report(template: str | Path, *, dataset: Any = "sample", subject_id: str,
               out_dir: str | Path, formats: Iterable[str] = DEFAULT_FORMATS,
               ruleset: str | Path = "national",
               parameters: Mapping[str, Any] | None = None,
               word_template: str | Path | None = None) -> ReportOutput:
    """Produce one subject's report: a batch of one, in this process (``evalkit run``).

    The same produce step, glyph check, atomic writes and failure handling as
    :func:`run_batch`, so ``run`` and ``batch`` give byte-identical files for the same subject;
    no manifest or portfolio is written.

    Returns
    -------
    ReportOutput
        ``OUT/<id>/`` and its files (``ipynb``, the formats, ``json``), and the summary.

    Raises
    ------
    ReportError
        When the report failed; its partial notebook is kept in ``OUT/_failed/<id>.ipynb``
        and no output of it is left in ``OUT/<id>/``.
    """
    result = run_batch(template, dataset=dataset, subjects=[subject_id], out_dir=out_dir,
                       formats=formats, ruleset=ruleset, parameters=parameters, workers=1,
                       force=True, portfolio=False, progress=False, word_template=word_template)
    out = Path(out_dir)
    if result.failed:
        notebook = out / FAILED_DIR / f"{subject_id}.ipynb"
        raise ReportError(subject_id, "report", result.messages[subject_id],
                          notebook if notebook.is_file() else None)
    folder = out / subject_id
    exts = ("ipynb", *check_formats(formats), "json")
    return ReportOutput(folder, {ext: folder / file_name(subject_id, ext) for ext in exts},
                        result.summaries[subject_id])


def _chain(first: Iterable[SubjectResult], rest: Iterator[SubjectResult]) -> Iterator[SubjectResult]:
    yield from first
    yield from rest


def _plain(value: Any) -> Any:
    """A subject-row value for JSON: numbers as float (NaN as None), anything else as text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        value = float(value)
        return None if value != value else value
    return str(value)


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
        clock = time.perf_counter()
        step = max(1, self.total // 10)
        if self.enabled and (self.done % step == 0 or self.done == self.total
                             or clock - self.last >= 30):
            self.last = clock
            rate = self.done / max(clock - self.start, 1e-9)
            eta = (self.total - self.done) / rate if rate else float("nan")
            print(f"[evalkit batch] {self.done}/{self.total} 完成，失败 {self.failed}，"
                  f"{rate:.2f} 份/秒，预计剩余 {eta:.0f} 秒", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
