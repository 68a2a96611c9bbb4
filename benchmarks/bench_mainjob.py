"""Benchmark: the main job (``python3 tasks.py report``) of two commits, side by side.

    python3 benchmarks/bench_mainjob.py [--baseline 5228b6b] [--rev HEAD] [--rounds 2] [--keep DIR]

Issue 17, target 5: the main job on the bundled sample stays under the time it took before the
issue while it grows with new report types. Each commit is cloned from this repository into its
own folder (``--keep DIR`` reuses them between invocations) and given its own virtual environment
by its own ``tasks.ensure_env('')`` — the main job's install, set up before any timing. Then the
two jobs run one after the other, alternating, ``--rounds`` times each (baseline first), each after
``rm -rf reports/sample``, as child processes of this script: wall time, user + system CPU of the
job and everything it started, and the largest peak RSS of any one of its processes
(``os.wait4``), and from every ``reports/sample/*/manifest.json`` how many reports were made and
how many failed.

Only figures taken in one invocation compare: the machine's speed moves between runs. Standard
library only, so it runs under any ``python3`` whatever the two commits install.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_portfolio import timed_child  # noqa: E402  (standard library only, like this script)

ROOT = Path(__file__).resolve().parents[1]


def _clone(rev: str, folder: Path) -> str:
    """Clone this repository at ``rev`` into ``folder`` (kept when it already holds ``rev``)."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev], check=True,
                         capture_output=True, text=True).stdout.strip()
    head = folder / ".git"
    if head.is_dir():
        have = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        if have == sha:
            return sha
        shutil.rmtree(folder)
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(folder)], check=True)
    subprocess.run(["git", "-C", str(folder), "checkout", "--quiet", sha], check=True)
    return sha


def _setup(folder: Path) -> None:
    """The job's own install, and its bytecode compiled, so that no timed run pays for either."""
    subprocess.run([sys.executable, "-c", "import tasks; tasks.ensure_env('')"], cwd=folder,
                   check=True)
    subprocess.run([str(folder / ".venv" / "bin" / "python"), "-m", "compileall", "-q",
                    "evalkit"], cwd=folder, check=True)


def _reports(folder: Path) -> tuple[int, int]:
    """Reports made and reports failed, from every report type's manifest of the job."""
    made = failed = 0
    for manifest in (folder / "reports" / "sample").glob("*/manifest.json"):
        for entry in json.loads(manifest.read_text(encoding="utf-8"))["subjects"].values():
            made += entry.get("status") == "ok"
            failed += entry.get("status") != "ok"
    return made, failed


def run_job(folder: Path) -> dict[str, float]:
    """One main job in ``folder``: wall s, CPU s, peak RSS MiB, reports made and failed."""
    shutil.rmtree(folder / "reports" / "sample", ignore_errors=True)
    wall, usage, _ = timed_child([sys.executable, "tasks.py", "report"], cwd=folder)
    made, failed = _reports(folder)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss": usage.ru_maxrss / 1024, "made": made, "failed": failed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="5228b6b",
                        help="commit before issue 17 (default 5228b6b)")
    parser.add_argument("--rev", default="HEAD", help="commit to compare (default HEAD)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each job (default 2)")
    parser.add_argument("--keep", type=Path, help="folder for the two clones, kept afterwards")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="evalkit-mainjob-"))
    jobs = []
    for name, rev in (("baseline", args.baseline), ("rev", args.rev)):
        folder = work / name
        sha = _clone(rev, folder)
        _setup(folder)
        jobs.append((f"{rev} ({sha[:7]})", folder))
    print(f"{'run':>4}  {'commit':<22} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} "
          f"{'reports':>8} {'failed':>7}", flush=True)
    walls: dict[str, list[float]] = {label: [] for label, _ in jobs}
    for n in range(args.rounds):
        for label, folder in jobs:
            r = run_job(folder)
            walls[label].append(r["wall"])
            print(f"{n + 1:>4}  {label:<22} {r['wall']:8.1f} {r['cpu']:8.1f} {r['rss']:9.0f} "
                  f"{r['made']:8d} {r['failed']:7d}", flush=True)
    (base, base_walls), (rev, rev_walls) = walls.items()
    ratios = [b / a for a, b in zip(base_walls, rev_walls, strict=True)]
    print(f"{rev} ÷ {base}, wall time per round: "
          + ", ".join(f"{x:.3f}" for x in ratios)
          + f"; best of each {min(rev_walls) / min(base_walls):.3f}")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
