"""Batch throughput, side by side: naive papermill + nbconvert loop, evalkit batch (cold, warm with
1 and 2 workers, the kernel engine, Dask) and the floor (template code exec'd in plain Python
processes, no kernel, rendered to the same HTML deliverable: the benchmark counts the batch's
reports that are byte for byte the floor's).

    .venv/bin/python benchmarks/bench_batch.py                 # 40 synthetic projects, HTML only
    .venv/bin/python benchmarks/bench_batch.py -n 40 --only warm2,floor2,dask2 --repeat 2
    .venv/bin/python benchmarks/bench_batch.py -n 0 --growth 500     # memory over 500 projects only

Synthetic projects are copies of the sample county's ex-ante projects with new ids (BM-0000 …),
written as a CSV dataset in a temporary folder. ``--naive K`` times the naive loop on the first K
projects only (it is slow) and reports its per-report rate. "steady s/report" excludes start-up: the
time from each worker's first finished report to the last report (file modification times of the
``.html`` files), over the reports after those first ones. "CPU-s/report" is the user + system CPU
time of the mode's whole process tree (client, workers, kernels, Dask scheduler and nannies: every
descendant is reaped, so ``RUSAGE_CHILDREN`` counts it) per report: on a machine shared with other
work, wall time favours modes with more processes (a kernel per worker gets the scheduler's share
twice), while the CPU cost depends on it less; with both cores busy throughout, throughput on a
quiet machine is ≈ 2 cores / CPU-s per report. ``--repeat R`` runs the modes round robin R times;
from three rounds on it also compares each mode's best and median round (another tenant of the
machine only ever slows a round down, by up to a quarter here, CPU time included). ``--growth M``
runs a serial warm batch of M projects and reports the worker's memory (client process + its kernel)
while projects 11–20, the ten before every hundredth and the last ten ran. Peak RSS is per worker: a
worker process plus its kernel (serial and floor: the process itself).
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from statistics import median

import psutil

from evalkit._startup import skip_iri_grammars

skip_iri_grammars()  # the floor's processes start as evalkit's own do (they import nbformat)

from evalkit import registry  # noqa: E402
from evalkit.engine import MAX_USES  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TEMPLATE = registry.get("ex_ante_assessment").notebook_path()
SAMPLE_CSV = ROOT / "data" / "sample" / "csv"
RULESET = "national"  # what evalkit batch uses unless told otherwise


def synthetic_dataset(folder: Path, n: int) -> list[str]:
    """Copy the sample CSVs, adding ``n`` ex-ante projects cloned from the sample's."""
    tables = {}
    for path in SAMPLE_CSV.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            tables[path.name] = list(csv.reader(fh))
    header, *rows = tables["projects.csv"]
    stage = header.index("stage")
    sources = [r[0] for r in rows if r[stage] == "事前评估"]
    ids = [f"BM-{i:04d}" for i in range(n)]
    clones = dict(zip(ids, (sources[i % len(sources)] for i in range(n)), strict=True))
    for name, (head, *body) in tables.items():
        if head and head[0] == "project_id":
            by_source: dict[str, list[list[str]]] = {}
            for r in body:
                by_source.setdefault(r[0], []).append(r)
            body = body + [[new, *r[1:]] for new, src in clones.items()
                           for r in by_source.get(src, [])]
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / name).open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows([head, *body])
    return ids


class PeakRSS:
    """Sample a process tree every 0.1 s; peak RSS per worker unit (a process and its children:
    a worker with its kernel, a Dask nanny with its worker)."""

    def __init__(self, pid: int, units: str):
        self.root, self.units, self.peaks = psutil.Process(pid), units, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _unit_rss(self, proc: psutil.Process) -> int:
        total = 0
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.units == "self":
                    units = [self.root]
                else:  # the root's worker processes (with their kernels or Dask workers)
                    units = [c for c in self.root.children()
                             if "resource_tracker" not in " ".join(c.cmdline())] or [self.root]
                for u in units:
                    self.peaks[u.pid] = max(self.peaks.get(u.pid, 0), self._unit_rss(u))
            except psutil.Error:
                pass
            self._stop.wait(0.1)

    def stop(self) -> float:
        """Stop sampling; the largest peak of any worker unit, in MiB."""
        self._stop.set()
        self._thread.join()
        return max(self.peaks.values(), default=0) / 2**20


def timed(cmd: list[str], units: str, **kw) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    rss = PeakRSS(proc.pid, units)
    _, err = proc.communicate()
    seconds, peak = time.perf_counter() - start, rss.stop()
    if proc.returncode not in (0,):
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return seconds, peak


def naive(ids: list[str], data: Path, out: Path) -> tuple[float, float]:
    out.mkdir(parents=True, exist_ok=True)
    start, peak = time.perf_counter(), 0.0
    for pid in ids:
        nb = out / f"{pid}.ipynb"
        for cmd in ([str(BIN / "papermill"), str(TEMPLATE), str(nb), "-p", "project_id", pid,
                     "-p", "dataset", str(data), "--no-progress-bar", "--cwd",
                     str(TEMPLATE.parent)],
                    [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)]):
            peak = max(peak, timed(cmd, "self")[1])
    return time.perf_counter() - start, peak


def batch(ids: list[str], data: Path, out: Path, workers: int, *options: str
          ) -> tuple[float, float]:
    """``evalkit batch`` as a whole CLI process; ``options``: ``--cold``, ``--engine kernel`` …"""
    listing = out.parent / f"{out.name}.ids"
    listing.write_text("\n".join(ids), encoding="utf-8")
    cmd = [str(BIN / "evalkit"), "batch", str(TEMPLATE), "--dataset", str(data), "--projects",
           f"@{listing}", "--out", str(out), "--format", "html", "--workers", str(workers),
           "--force", *options]
    return timed(cmd, "self" if workers == 1 else "workers")


def steady(out: Path, workers: int) -> float:
    """Seconds per report once every worker has finished its first (start-up excluded)."""
    times = sorted(p.stat().st_mtime_ns / 1e9 for p in out.rglob("*.html")
                   if p.name != "index.html")
    if len(times) <= workers:
        return float("nan")
    return (times[-1] - times[workers - 1]) / (len(times) - workers)


def _floor_worker(ids: list[str], data: str, out: str) -> None:
    """Parameterise the template as papermill does, exec its code cells per project in this plain
    process, render the same deliverable as the batch (cover, signatures, appendix)."""
    import copy

    import IPython.display
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from evalkit.batch.produce import report_parameters
    from evalkit.engagement import report_identity
    from evalkit.io import load_dataset
    from evalkit.render.pipeline import read_summary, render_outputs
    from evalkit.rules import load_ruleset

    template = load_notebook_node(str(TEMPLATE))
    report_type, rules = registry.get("ex_ante_assessment"), load_ruleset(RULESET)
    captured: list[dict] = []

    def display(obj, raw=False, **_):
        captured.append(obj if raw else obj._repr_mimebundle_())

    IPython.display.display = display
    os.chdir(TEMPLATE.parent)
    for pid in ids:
        nb = parameterize_notebook(copy.deepcopy(template), report_parameters(
            report_type.subject, pid, data, RULESET))
        namespace: dict = {}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            captured.clear()
            exec(cell.source, namespace)  # noqa: S102 — the template, as a kernel would run it
            # output nodes made as the in-process engine makes them (no per-output schema check)
            cell.outputs = [nbformat.NotebookNode(output_type="display_data", data=b, metadata={})
                            for b in captured]
        summary = read_summary(nb)
        identity = report_identity(report_type, load_dataset(data, rules), rules, pid)
        html = render_outputs(nb, summary, ("html",), identity=identity,
                              report_type=report_type.title)["html"]
        Path(out, f"{pid}.html").write_bytes(html)
        Path(out, f"{pid}.json").write_text(json.dumps(summary, ensure_ascii=False),
                                            encoding="utf-8")


def same_html(batch_out: Path, floor_out: Path) -> str:
    """How many of the floor's reports the batch wrote byte for byte the same."""
    floor_pages = {p.name: p for p in floor_out.glob("*.html")}
    batch_pages = {p.name: p for p in batch_out.rglob("*.html") if p.name in floor_pages}
    same = sum(p.read_bytes() == floor_pages[name].read_bytes()
               for name, p in batch_pages.items())
    return f"{same} of {len(floor_pages)}"


def floor(ids: list[str], data: Path, out: Path, workers: int) -> tuple[float, float]:
    out.mkdir(parents=True, exist_ok=True)
    ctx = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    procs = [ctx.Process(target=_floor_worker, args=(ids[i::workers], str(data), str(out)))
             for i in range(workers)]
    for p in procs:
        p.start()
    meters = [PeakRSS(p.pid, "self") for p in procs]
    for p in procs:
        p.join()
        if p.exitcode:
            raise RuntimeError(f"floor worker failed ({p.exitcode})")
    return time.perf_counter() - start, max(m.stop() for m in meters)


def growth(ids: list[str], data: Path, out: Path) -> dict[int, float]:
    """Serial warm batch; peak RSS (client + kernel, MiB) while projects k … k+9 ran, for
    k = 10 and every hundredth project's ten before it, up to the last ten."""
    listing = out.parent / "growth.ids"
    listing.write_text("\n".join(ids), encoding="utf-8")
    cmd = [str(BIN / "evalkit"), "batch", str(TEMPLATE), "--dataset", str(data), "--projects",
           f"@{listing}", "--out", str(out), "--format", "html", "--workers", "1", "--force"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root, samples = psutil.Process(proc.pid), []
    while proc.poll() is None:
        done = len(list(out.glob("*/*.json"))) if out.exists() else 0
        try:
            rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
            samples.append((done, rss / 2**20))
        except psutil.Error:
            pass
        time.sleep(0.5)
    starts = sorted({10, *range(90, len(ids) - 10, 100), len(ids) - 10})
    return {k: max((r for d, r in samples if k <= d < k + 10), default=float("nan"))
            for k in starts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=40, help="synthetic projects")
    parser.add_argument("--naive", type=int, default=None,
                        help="projects for the naive loop (default: all n)")
    parser.add_argument("--growth", type=int, default=0, help="projects for the memory run")
    parser.add_argument("--only", default="", help="comma list of modes to run: naive, cold2, "
                        "warm1, warm2, kernel2, dask2, floor1, floor2 (default: all)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the chosen modes this many times, interleaved (round robin)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="evalkit-bench-"))
    ids = synthetic_dataset(tmp / "data", max(args.n, args.growth))
    data = tmp / "data"
    n_naive = min(args.naive or args.n, args.n)
    modes = {  # key: (table label, projects, run)
        "naive": ("naive loop (papermill + nbconvert CLI)", n_naive, lambda: naive(
            ids[:n_naive], data, tmp / "naive")),
        "cold2": ("evalkit batch --cold, 2 workers", args.n, lambda: batch(
            ids[:args.n], data, tmp / "cold2", 2, "--cold")),
        "warm1": ("evalkit batch warm (in-process engine), 1 worker", args.n, lambda: batch(
            ids[:args.n], data, tmp / "warm1", 1)),
        "warm2": ("evalkit batch warm (in-process engine), 2 workers", args.n, lambda: batch(
            ids[:args.n], data, tmp / "warm2", 2)),
        "kernel2": ("evalkit batch --engine kernel (warm kernels), 2 workers", args.n,
                    lambda: batch(ids[:args.n], data, tmp / "kernel2", 2, "--engine", "kernel")),
        "dask2": ("evalkit batch --scheduler local (Dask LocalCluster), 2 workers", args.n,
                  lambda: batch(ids[:args.n], data, tmp / "dask2", 2, "--scheduler", "local")),
        "floor1": ("floor, 1 process", args.n, lambda: floor(
            ids[:args.n], data, tmp / "floor1", 1)),
        "floor2": ("floor, 2 processes", args.n, lambda: floor(
            ids[:args.n], data, tmp / "floor2", 2)),
    }
    only = [m.strip() for m in args.only.split(",") if m.strip()]
    unknown = set(only) - set(modes)
    if unknown:
        parser.error(f"--only: unknown mode(s) {sorted(unknown)}; choose from {list(modes)}")
    print(f"{date.today()} · {platform.node()} · {os.cpu_count()} cores · "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB · Python {platform.python_version()}"
          f" · load {os.getloadavg()[0]:.2f} · HTML only · {args.n} projects")
    print("| mode | projects | seconds | reports/s | s/report | steady s/report | CPU-s/report | "
          "peak RSS per worker (MiB) |")
    print("|---|---|---|---|---|---|---|---|")
    chosen = [k for k in modes if (not only or k in only) and args.n]
    results: dict[str, list[tuple[float, float, float]]] = {k: [] for k in chosen}
    for round_ in range(args.repeat):
        for key in chosen:
            name, n, run = modes[key]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds, peak = run()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / n
            workers = 2 if key.endswith("2") else 1
            rate = steady(tmp / key, workers) if key != "naive" else float("nan")
            results[key].append((seconds / n, rate, cpu))
            print(f"| {name} | {n} | {seconds:.1f} | {n / seconds:.2f} | {seconds / n:.2f} | "
                  f"{rate:.2f} | {cpu:.2f} | {peak:.0f} |"
                  + (f" (round {round_ + 1})" if args.repeat > 1 else ""), flush=True)
    for a, b in (("warm2", "floor2"), ("kernel2", "floor2"), ("dask2", "warm2"),
                 ("warm1", "floor1")):
        if results.get(a) and results.get(b):
            pairs = list(zip(results[a], results[b], strict=True))
            total = ", ".join(f"{rb[0] / ra[0]:.2f}" for ra, rb in pairs)
            rest = ", ".join(f"{rb[1] / ra[1]:.2f}" for ra, rb in pairs)
            cpu = ", ".join(f"{rb[2] / ra[2]:.2f}" for ra, rb in pairs)
            print(f"throughput {a} / {b}: end to end {total}; steady state {rest}; "
                  f"by CPU cost {cpu}")
            if len(pairs) > 2:  # the machine's own noise is one-sided: it only slows a round
                for which, pick in (("best", min), ("median", median)):
                    print(f"  {which} round of each: " + "; ".join(
                        f"{label} {pick(r[i] for r in results[b]) / pick(r[i] for r in results[a]):.2f}"
                        for i, label in enumerate(("end to end", "steady state", "by CPU cost"))))
            if b.startswith("floor"):
                print(f"  {a} reports byte for byte the floor's: {same_html(tmp / a, tmp / b)}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    if args.growth:
        peaks = growth(ids[:args.growth], data, tmp / "growth")
        first = next(iter(peaks.values()))
        print(f"\nwarm worker memory (client + kernel; kernel replaced every "
              f"{MAX_USES} projects), peak RSS while ten projects ran:")
        for k, peak in peaks.items():
            print(f"  projects {k + 1}–{k + 10}: {peak:.0f} MiB ({peak - first:+.0f} MiB)")


if __name__ == "__main__":
    main()
