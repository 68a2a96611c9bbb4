"""A built wheel carries the report templates and the sample county, and reports from anywhere.

Once per module: the working tree (tracked and untracked, not ignored files) is copied to a
temporary folder, an sdist is built from the copy and a wheel from the sdist (so both MANIFEST.in
and the ``build_py`` hook of setup.py are exercised), and the wheel is installed into a fresh venv
with its dependencies from the package index or pip's cache (≈1 minute, most of it that install).
Then every template runs on ``--dataset sample`` from a folder outside the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from evalkit import registry
from evalkit.io import load_dataset

ROOT = Path(__file__).resolve().parents[1]

#: Every registered report type and the first sample subject it reports on.
TEMPLATES = [(t.name, t.subjects(load_dataset("sample"))[0]) for t in registry.report_types()]
#: What the wheel must contain besides the code (paths inside the wheel).
BUNDLED_FILES = [
    *(f"evalkit/_bundled/notebooks/{t.notebook}" for t in registry.report_types()),
    "evalkit/batch/templates/portfolio.html.j2",
    "evalkit/_bundled/sample/sample_county.xlsx",
    "evalkit/_bundled/sample/csv/projects.csv",
]


def _run(cmd: list[str | Path], *, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``cmd`` with the environment of a plain shell (no venv or PYTHONPATH leaking in)."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSAFEPATH"}}
    env["PYTHONNOUSERSITE"] = "1"
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, (f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
                                  f"--- stdout\n{proc.stdout[-3000:]}\n"
                                  f"--- stderr\n{proc.stderr[-3000:]}")
    return proc


def _copy_working_tree(dest: Path) -> None:
    """Copy the files git would see (tracked or untracked, not ignored) as they are on disk."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know which files make up the source tree")
    listed = _run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                  cwd=ROOT).stdout
    for rel in filter(None, listed.split("\0")):
        source = ROOT / rel
        if source.is_file():  # tracked files deleted in the working tree are listed too
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> SimpleNamespace:
    """The wheel built from this working tree, and a fresh venv with it installed."""
    base = tmp_path_factory.mktemp("wheel")
    src, dist, venv = base / "src", base / "dist", base / "venv"
    _copy_working_tree(src)
    _run([sys.executable, "-m", "venv", venv], cwd=base)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    # the build back end pyproject.toml asks for, installed once into the venv instead of pip's
    # per-build isolated environments
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    _run([python, "-m", "pip", "install", "--quiet", *requires], cwd=base)
    _run([python, "-c", "import sys; from setuptools import build_meta; "
          "print(build_meta.build_sdist(sys.argv[1]))", dist], cwd=src)
    (sdist,) = dist.glob("evalkit-*.tar.gz")
    _run([python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "-w", dist, sdist], cwd=base)
    (wheel,) = dist.glob("evalkit-*.whl")
    _run([python, "-m", "pip", "install", "--quiet", wheel], cwd=base)
    return SimpleNamespace(venv=venv, python=python, evalkit=python.with_name("evalkit"),
                           wheel=wheel, sdist=sdist)


def test_wheel_carries_templates_and_sample(installed):
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    missing = [name for name in BUNDLED_FILES if name not in names]
    assert not missing, f"wheel {installed.wheel.name} lacks {missing}"
    assert not any(name.startswith(("notebooks/", "data/")) for name in names)


def test_installed_evalkit_is_the_wheel_not_the_checkout(installed, tmp_path):
    code = ("import json, evalkit, evalkit.bundle as b; print(json.dumps([evalkit.__file__, "
            "str(b.notebooks_dir()), str(b.sample_dataset()), str(b.sample_folder())]))")
    paths = json.loads(_run([installed.python, "-c", code], cwd=tmp_path).stdout)
    venv = installed.venv.resolve()
    for path in paths:
        assert Path(path).resolve().is_relative_to(venv), f"{path} is outside {venv}"
        assert not Path(path).resolve().is_relative_to(ROOT)
    assert "_bundled" in paths[1] and Path(paths[2]).name == "sample_county.xlsx"


@pytest.mark.parametrize(("template", "project"), TEMPLATES)
def test_installed_wheel_reports_on_the_sample(installed, tmp_path, template, project):
    _run([installed.evalkit, "run", template, "--dataset", "sample", "--project", project,
          "--out", "OUT", "--format", "html"], cwd=tmp_path, timeout=300)
    folder = tmp_path / "OUT" / project
    assert (folder / f"{project}.html").stat().st_size > 0
    text = (folder / f"{project}.json").read_text(encoding="utf-8")
    summary = json.loads(text)
    total = summary[registry.get(template).verdict_keys[0]]  # total, a review's n_findings, a review_score …
    assert isinstance(total, int | float) and not isinstance(total, bool)
    # nothing was read from the checkout: the sample is the wheel's copy
    assert str(ROOT) not in text


def test_missing_resources_raise_input_error(monkeypatch):
    """Neither a checkout nor a package copy (this checkout has no evalkit/_bundled/): a clear
    InputError, not a path that fails later."""
    from evalkit import bundle
    from evalkit.errors import InputError

    monkeypatch.setattr(bundle, "_checkout_root", lambda: None)
    bundle._locate.cache_clear()
    try:
        for locate in (bundle.notebooks_dir, bundle.sample_dataset, bundle.sample_folder):
            with pytest.raises(InputError, match=r"expected a (folder|file) at .*_bundled"):
                locate()
    finally:
        bundle._locate.cache_clear()
