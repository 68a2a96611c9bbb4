"""Benchmark (on demand, not in CI): a batch of 10,000 HTML reports with flat client memory.

    .venv/bin/python benchmarks/bench_batch10k.py [-n 10000] [--workers 2] [--keep DIR]

The dataset is :func:`bench_portfolio.generate` (clones of the sample's projects, 10 indicators
each). The template is a cheap synthetic one so that 10,000 reports fit in a working session:
the ``self_evaluation`` report type's notebook cut to its parameters, the evaluation, the heading,
the conclusion sentence, the 一级指标 table and the machine summary (no chart, no 自评表) — the
batch machinery (workers, manifest journal, portfolio pages, HTML rendering with the CJK font
subset) is the real one. The batch runs in this process (the client) while a thread samples
the client's RSS and the journal's length every half second; at the end the figures are the
client's RSS when the first and the last tenth (at 10,000: thousand) of the reports were
recorded, the growth between them (target ≤ 50 MB), and the portfolio page's load and filter
times in headless Chromium (``/usr/bin/chromium`` through Playwright).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_portfolio import generate  # noqa: E402

from evalkit.batch import run_batch  # noqa: E402
from evalkit.batch.manifest import JOURNAL  # noqa: E402
from evalkit.registry import get  # noqa: E402

#: The cells of the self-evaluation template kept (by their first line).
_KEEP = ("import evalkit", "project_id:", "rules = ", "report.heading", "report.paragraph(prose.con",
         "report.record_summary")


def cheap_template(folder: Path) -> Path:
    """The self-evaluation notebook without its chart and 自评表, as ``self_evaluation.ipynb``
    (the file name selects the registered report type)."""
    nb = nbformat.read(get("self_evaluation").notebook_path(), as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(_KEEP)]
    path = folder / "self_evaluation.ipynb"
    nbformat.write(nb, path)
    return path


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        kib = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    return kib / 1024


def _journal_lines(path: Path) -> int:
    try:
        with open(path, "rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    except FileNotFoundError:
        return 0


def _browser_times(page: Path, needle: str) -> tuple[float, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "chromium",
                                    args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page()
        start = time.perf_counter()
        tab.goto(page.as_uri())
        tab.wait_for_selector("#pageinfo:has-text('条')")
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        tab.fill("#q", needle)
        tab.wait_for_selector("#pageinfo:has-text('共 1 条')")
        filtered = time.perf_counter() - start
        browser.close()
    return loaded, filtered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="projects (reports)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="write the batch here and keep it")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="evalkit-batch10k-"))
    out = args.keep or tmp / "out"
    try:
        data = generate(tmp / "data", args.n)
        template = cheap_template(tmp)
        samples: list[tuple[float, int, float]] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.5):
                samples.append((time.perf_counter(), _journal_lines(out / JOURNAL), _rss_mib()))
        thread = threading.Thread(target=sample, daemon=True)
        print(f"{args.n:,} projects, {args.workers} workers, load average "
              f"{os.getloadavg()[0]:.2f} at start", flush=True)
        start = time.perf_counter()
        thread.start()
        result = run_batch(template, dataset=data, subjects="all", out_dir=out,
                           formats=["html"], workers=args.workers, progress=True)
        seconds = time.perf_counter() - start
        done.set()
        thread.join()
        tenth = max(1, args.n // 10)
        first = [r for _, n, r in samples if 0 < n <= tenth]
        last = [r for _, n, r in samples if n > args.n - tenth]
        print(f"made {len(result.made):,}, failed {len(result.failed)}; {seconds:.0f} s "
              f"({seconds / max(1, len(result.made)):.3f} s/report); load average "
              f"{os.getloadavg()[0]:.2f} at end")
        if first and last:
            print(f"client RSS: first {tenth:,} reports {max(first):.0f} MiB, last {tenth:,} "
                  f"{max(last):.0f} MiB, growth {max(last) - max(first):+.1f} MiB "
                  f"(peak {max(r for _, _, r in samples):.0f} MiB)")
        size = (out / "index.html").stat().st_size / 2**20
        loaded, filtered = _browser_times(out / "index.html", f"PV-{args.n - 1:06d}")
        print(f"index.html {size:.1f} MiB: load {loaded:.2f} s, filter {filtered:.2f} s "
              f"(headless Chromium)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
