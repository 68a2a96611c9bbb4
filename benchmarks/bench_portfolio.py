"""Benchmark: validate and summarise a province-scale portfolio (20,000 projects × 10 indicators).

    .venv/bin/python benchmarks/bench_portfolio.py [--projects 20000] [--keep DIR]

Generates a CSV dataset in a temporary folder from the sample county's shape: every synthetic
project clones one of the sample's projects that have an indicator sheet (budget, amounts, unit,
category) and its indicator rows as typed in the CSV (``91.1%``, ``≥``, 定性 tiers, blanks),
padded to exactly 10 rows by splitting the heaviest indicator's points in two (so every sheet's
points still sum as in the sample and the weight-sum check passes). ``units.csv`` is the sample's.

Then, in one run side by side: ``score_indicators`` on the parsed indicator rows (in this
process, best of 3, right before each command), and the whole ``evalkit validate`` and
``evalkit summary`` commands as child processes, each with its wall time and peak RSS
(``os.wait4``). The targets (issue 17):
validate ≤ 8 × and summary ≤ 20 × the scoring time, each ≤ 1 GiB.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "csv"
ROWS_PER_PROJECT = 10


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(SAMPLE / f"{name}.csv", encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _pad(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Split the heaviest indicator in two until the sheet has :data:`ROWS_PER_PROJECT` rows."""
    rows = [dict(r) for r in rows]
    while len(rows) < ROWS_PER_PROJECT:
        i = max(range(len(rows)), key=lambda k: float(rows[k]["weight"]))
        for column in ("weight", "judged_score"):
            if rows[i][column]:
                rows[i][column] = f"{float(rows[i][column]) / 2:g}"
        twin = dict(rows[i], indicator_id=f"{rows[i]['indicator_id']}b{len(rows)}")
        rows.insert(i + 1, twin)
    return rows[:ROWS_PER_PROJECT]


def generate(folder: Path, n_projects: int) -> Path:
    """Write ``projects.csv``, ``indicators.csv`` and ``units.csv`` of ``n_projects`` projects."""
    folder.mkdir(parents=True, exist_ok=True)
    p_fields, projects = _read("projects")
    i_fields, indicators = _read("indicators")
    by_project: dict[str, list[dict[str, str]]] = {}
    for row in indicators:
        by_project.setdefault(row["project_id"], []).append(row)
    sources = [p for p in projects if p["project_id"] in by_project]
    sheets = {pid: _pad(rows) for pid, rows in by_project.items()}
    with (open(folder / "projects.csv", "w", encoding="utf-8", newline="") as pf,
          open(folder / "indicators.csv", "w", encoding="utf-8", newline="") as inf):
        pw, iw = csv.DictWriter(pf, p_fields), csv.DictWriter(inf, i_fields)
        pw.writeheader()
        iw.writeheader()
        for n in range(n_projects):
            src = sources[n % len(sources)]
            pid = f"PV-{n:06d}"
            pw.writerow(dict(src, project_id=pid, project_name=f"{src['project_name']}{n:06d}",
                             stage=""))
            iw.writerows(dict(r, project_id=pid) for r in sheets[src["project_id"]])
    shutil.copy(SAMPLE / "units.csv", folder / "units.csv")
    return folder


def timed_child(cmd: list[str], **popen) -> tuple[float, os.struct_rusage, str]:
    """Run ``cmd`` to its end: wall seconds, its resource usage (``os.wait4``: its own and its
    waited-for descendants', ``ru_maxrss`` the largest of theirs) and its stdout + stderr.
    Exits naming the command when it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            **popen)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out[-3000:]}")
    return seconds, usage, out


def _child(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and stdout of one ``evalkit`` command."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    seconds, usage, out = timed_child([sys.executable, "-m", "evalkit.cli", *args], env=env)
    return seconds, usage.ru_maxrss / 1024, out


def _scoring_seconds(folder: Path, repeat: int) -> tuple[float, int]:
    from evalkit import read_dataset, score_indicators

    ds = read_dataset(folder)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        score_indicators(ds.indicators, ruleset="national")
        times.append(time.perf_counter() - start)
    return min(times), len(ds.indicators)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="scoring runs (best is used)")
    parser.add_argument("--keep", type=Path, default=None, help="generate here and keep it")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="evalkit-portfolio-")
    try:
        folder = generate(args.keep or Path(tmp) / "data", args.projects)
        size = sum(f.stat().st_size for f in folder.glob("*.csv")) / 2**20
        print(f"dataset: {args.projects:,} projects, {size:.1f} MiB of CSV in {folder}")
        print(f"load average at start: {os.getloadavg()[0]:.2f}")
        # scoring is timed right before each command, so each ratio pairs figures taken under
        # the same load (the machine may be shared)
        score_v, rows = _scoring_seconds(folder, args.repeat)
        validate_s, validate_mib, _ = _child(["validate", str(folder)])
        score_s, _ = _scoring_seconds(folder, args.repeat)
        summary_s, summary_mib, _ = _child(["summary", str(folder), "--out",
                                             str(Path(tmp) / "out")])
        print(f"rows: {rows:,}")
        print(f"score_indicators     {score_v:7.2f} s (before validate), {score_s:.2f} s "
              f"(before summary)")
        print(f"evalkit validate     {validate_s:7.2f} s  {validate_s / score_v:5.1f} ×  "
              f"peak {validate_mib:6.0f} MiB")
        print(f"evalkit summary      {summary_s:7.2f} s  {summary_s / score_s:5.1f} ×  "
              f"peak {summary_mib:6.0f} MiB")
        print(f"load average at end: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
