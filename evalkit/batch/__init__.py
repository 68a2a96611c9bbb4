"""Produce a report type's reports for many subjects: warm workers, local or Dask, resumable.

``run_batch`` (and ``evalkit batch``) executes a report type's notebook for every requested
subject (project, budget unit … as the type's :class:`~evalkit.registry.Subject` says) and writes,
under ``OUT``:

* ``OUT/<id>/<id>.ipynb/.html/.docx/.pdf/.json``; ``evalkit run`` (:func:`run_report`) is a
  batch of one and writes the same bytes;
* ``OUT/_failed/<id>.ipynb``: the partial notebook of a report that failed, papermill's
  error marker at the top and before the failing cell;
* ``OUT/index.html``: the portfolio page (offline; sortable, filterable; every data string escaped);
* ``OUT/summary.xlsx``: 汇总 (totals, grades or conclusions), 评分明细 (every ``*_scores`` mapping
  of the JSON summaries: dimensions, level-1 indicators …), 失败报告; formula injection neutralised;
* ``OUT/manifest.json``: per subject its status, input hash, template hash, rule set id and hash,
  evalkit version, verdict, timings and output files with their SHA-256; for the run its start,
  end, report type, backend and workers.

**Who writes what.** Workers execute and render, and *return* file contents; only the client
process writes, every file through :func:`evalkit.io.atomic_write`, and records the report in the
manifest after its files. So a cluster needs no shared filesystem for outputs (inputs travel with
the task to Dask workers that do not have them), and a batch killed at any moment leaves no
half-written file: a rerun removes leftover temporary files and redoes whatever is not recorded.

**One batch per folder.** ``OUT/.evalkit-batch.lock`` (:mod:`~evalkit.batch.lock`) is held while a
batch runs: a second batch into ``OUT`` refuses, naming the first, or waits (``wait=True``,
``--wait``); the lock of a killed batch is cleared. No link inside ``OUT`` that leads out of it is
written through (:func:`evalkit.io.check_inside`). A write that fails (a full disk …) is an
:class:`~evalkit.errors.OutputError` and removes the report's other files, so no report is left
with some of its files.

**Resume.** A report is skipped when its manifest entry is ``ok``, its input hash (SHA-256 of the
subject's rows in every table of the dataset — for a project its row, indicators, expert scores,
survey answers …, its unit's row and any table not keyed by project or unit:
:func:`~evalkit.batch.manifest.subject_input_hashes`), template hash,
rule set id/version/hash and evalkit version are unchanged, and every requested file is present
with the recorded SHA-256. Editing one project in the workbook therefore redoes only that report;
a template whose report also reads *other* subjects' rows must be rerun with ``force=True`` when
those change. ``force=True`` redoes every report.

**Failures** are isolated: an unsafe id (rejected by :meth:`evalkit.registry.Subject.safe_id`,
never used as a path), a cell that raises, a kernel that dies or times out (``CELL_TIMEOUT``), a
glyph missing from the font reported in a cell's stderr, or a renderer error is recorded with the
stage, the failing cell and the message; the other reports finish. A report that fails loses the
outputs of an earlier run, so ``OUT`` never holds a report that disagrees with the data.

**Backends** (:mod:`~evalkit.batch.backends`). ``workers=1``: serial, in this process
(debugging, ``evalkit run``). Default: one worker process per
core (``ProcessPoolExecutor``, spawned, each starting its warm kernel in its initializer while the
others do the same; on a first or ``force`` run the pool is started before the dataset is read
and validated, so workers and kernels boot meanwhile). ``scheduler="tcp://host:8786"``: an
existing Dask cluster; ``scheduler="local"``: a Dask ``LocalCluster`` on 127.0.0.1, dashboard off,
``workers`` single-threaded worker processes. ``cold=True`` uses papermill's own engine, a fresh
kernel per report. Warm kernels: :mod:`evalkit.engine`.

Modules: :mod:`~evalkit.batch.produce` (the one per-subject pipeline), :mod:`~evalkit.batch.backends`,
:mod:`~evalkit.batch.lock`,
:mod:`~evalkit.batch.manifest`, :mod:`~evalkit.batch.portfolio` (index.html from a Jinja template,
summary.xlsx) and :mod:`~evalkit.batch.runner` (:func:`run_batch`, :func:`run_report`, and
:func:`run_batches`: several report types — ``evalkit batch all`` — one after the other on one set
of workers, then the portfolio index).
"""

from evalkit._startup import skip_iri_grammars

skip_iri_grammars()  # before nbformat, in every process that runs batches (client and workers)

from evalkit.batch.manifest import MANIFEST, load_manifest, subject_input_hashes  # noqa: E402
from evalkit.batch.runner import (  # noqa: E402
    BatchResult,
    ReportError,
    ReportOutput,
    parse_subjects,
    report_type_names,
    resolve_report_type,
    run_batch,
    run_batches,
    run_report,
)

__all__ = ["MANIFEST", "BatchResult", "ReportError", "ReportOutput", "load_manifest",
           "parse_subjects", "report_type_names", "resolve_report_type", "run_batch",
           "run_batches", "run_report", "subject_input_hashes"]
