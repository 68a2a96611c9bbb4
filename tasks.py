#!/usr/bin/env python3
"""Set up and run evalkit with nothing but Python ≥ 3.11 and pip.

    python3 tasks.py report   # venv + install, validate the sample county, write the full sample
                              # portfolio (every registered report type, every format) to
                              # reports/sample/<report type>/, and the county-year workbooks
                              # (直达资金台账, 信息公开表, 调整建议清单) to reports/sample/
    python3 tasks.py test     # venv + install with test tools (and Debian's chromium for the
                              # browser tests, when missing), run ruff and the whole test suite

The virtual environment lives in ``.venv`` (or ``$EVALKIT_VENV``); it is created when missing and
the package is (re)installed whenever ``pyproject.toml`` changed since the last install.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("EVALKIT_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
SAMPLE = ROOT / "data" / "sample" / "sample_county.xlsx"


def run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True)


def ensure_env(extras: str) -> None:
    """Create the venv if needed and install the package with ``extras`` when out of date."""
    if sys.version_info < (3, 11):  # noqa: UP036 — tasks.py runs under whatever python3 is
        sys.exit(f"evalkit needs Python ≥ 3.11, found {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print(f"creating virtual environment {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / ".evalkit-installed"
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
    stamp.write_text(digest)


def report() -> None:
    ensure_env("")
    run(BIN / "evalkit", "validate", SAMPLE)
    run(BIN / "evalkit", "summary", SAMPLE, "--out", ROOT / "reports" / "sample")
    run(BIN / "evalkit", "county-tables", SAMPLE, "--out", ROOT / "reports" / "sample")

    # the departments' filled self-evaluation forms of the sample (自评复核 re-checks them below)
    forms = sorted((ROOT / "data" / "sample" / "forms").glob("*.xlsx"))
    run(BIN / "evalkit", "import-forms", *forms, "-o", ROOT / "reports" / "sample" / "forms.xlsx")
    # every registered report type on every subject it applies to, into reports/sample/<type>/,
    # on one set of workers; then the portfolio index reports/sample/index.html
    run(BIN / "evalkit", "batch", "all", "--dataset", SAMPLE, "--out", ROOT / "reports" / "sample",
        "--format", "html,docx,pdf,xlsx")


def ensure_chromium() -> None:
    """Browser tests drive Debian's Chromium; install it (as root, with apt) when missing."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium")
    else:
        print("browser tests need Chromium: install the chromium package (Debian: "
              "sudo apt-get install chromium)", file=sys.stderr, flush=True)


def test() -> None:
    ensure_env("dev")
    ensure_chromium()
    run(BIN / "ruff", "check", "evalkit", "tests", "benchmarks", "data/sample", "tasks.py")
    run(BIN / "python", "-m", "pytest", "-q")


if __name__ == "__main__":
    tasks = {"report": report, "test": test}
    if len(sys.argv) != 2 or sys.argv[1] not in tasks:
        sys.exit(f"usage: python3 tasks.py {{{'|'.join(tasks)}}}")
    try:
        tasks[sys.argv[1]]()
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
