"""Fault injection: kill, crash and break a batch, rerun it, and compare with an uninterrupted run.

Marked ``faults`` so it runs alone (``pytest -m faults``). After every fault the batch is rerun
to completion and the output folder must equal the uninterrupted reference: the same files with
the same bytes (HTML, DOCX and PDF are deterministic), every subject recorded ok in the manifest,
nothing temporary left (no ``*.tmp``, no lock, no pending lock file) and no process left behind.

The iterations are few by default so the CI stays quick; ``EVALKIT_FAULT_ITERATIONS=N`` runs more
(and ``EVALKIT_FAULT_SEED`` picks the random kill moments). Each test prints its figures.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from evalkit.batch import load_manifest, run_batch
from evalkit.batch.lock import LOCK
from evalkit.errors import OutputError

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = "ex_ante_assessment"
IDS = ["SQ-2021-001", "SQ-2021-002", "SQ-2021-010"]
#: The crash tests: SQ-2021-002 crashes (once), SQ-2021-001 runs beside it.
CRASH_IDS = IDS[:2]
FORMATS = ["html", "docx", "pdf"]
ITERATIONS = int(os.environ.get("EVALKIT_FAULT_ITERATIONS", "2"))
SEED = int(os.environ.get("EVALKIT_FAULT_SEED", "20261201"))
#: Manifest fields that change from run to run by nature (times, which worker).
_RUN_FIELDS = {"timings", "finished", "worker"}


def _without_run_times(data: bytes) -> bytes:
    """An executed notebook without papermill's start/end times and durations (the notebook is
    the log of its run; every other byte must match)."""
    nb = json.loads(data)
    for node in [nb, *nb["cells"]]:
        for key in ("start_time", "end_time", "duration"):
            node["metadata"].get("papermill", {}).pop(key, None)
        node["metadata"].pop("execution", None)
    return json.dumps(nb, sort_keys=True).encode()


def _outputs(out: Path) -> dict[str, bytes]:
    """Every report file under OUT, by relative path (not the portfolio files, which carry run
    times); notebooks without their run times."""
    return {str(p.relative_to(out)): (_without_run_times(p.read_bytes()) if p.suffix == ".ipynb"
                                      else p.read_bytes())
            for p in sorted(out.rglob("*")) if p.is_file() and p.parent != out}


def _entries(out: Path) -> dict[str, dict]:
    """Manifest entries without run facts (times, worker, the notebook's hash and size)."""
    entries = {}
    for sid, e in load_manifest(out)["subjects"].items():
        entries[sid] = {k: v for k, v in e.items() if k not in _RUN_FIELDS}
        entries[sid]["files"] = {ext: f for ext, f in e.get("files", {}).items() if ext != "ipynb"}
    return entries


def _leftovers(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*")
                  if p.name.endswith((".tmp", ".pending")) or p.name == LOCK)


def _assert_equal_to(reference: Path, out: Path) -> None:
    assert _leftovers(out) == []
    got, want = _outputs(out), _outputs(reference)
    assert sorted(got) == sorted(want)
    assert [k for k in want if got[k] != want[k]] == []
    assert _entries(out) == _entries(reference)
    assert all(e["status"] == "ok" for e in load_manifest(out)["subjects"].values())


def _fault_template(folder: Path) -> Path:
    """The ex-ante template with a hidden cell that, while ``folder/armed`` exists, deletes it
    and kills the kernel (``folder/kind`` = ``kernel``) or the worker process that runs it
    (``worker``) when producing SQ-2021-002; with the in-process engine (``inprocess``) the
    cell's own process is the worker."""
    nb = nbformat.read(ROOT / "notebooks" / f"{TEMPLATE}.ipynb", as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    cell = nbformat.v4.new_code_cell(
        "import os, signal, pathlib\n"
        f"_faults = pathlib.Path({str(folder)!r})\n"
        'if project_id == "SQ-2021-002" and (_faults / "armed").exists():\n'
        '    (_faults / "armed").unlink()\n'
        '    _kind = (_faults / "kind").read_text()\n'
        '    os.kill(os.getppid() if _kind == "worker" else os.getpid(), signal.SIGKILL)\n')
    cell.metadata["tags"] = ["remove_cell"]
    nb.cells.insert(at + 2, cell)
    path = folder / f"{TEMPLATE}.ipynb"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("faults") / "reference"
    clock = time.perf_counter()
    result = run_batch(TEMPLATE, subjects=IDS, out_dir=out, formats=FORMATS, workers=1,
                       progress=False)
    assert result.ok and sorted(result.made) == IDS
    return out, time.perf_counter() - clock


def _kill_at(cmd: list[str], cwd: Path, delay: float, sig: int) -> tuple[bool, int | None]:
    """Start ``cmd``, send ``sig`` after ``delay`` seconds; whether it was still running (the
    fault landed) and its exit status. Its workers and kernels must not outlive it."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    time.sleep(delay)
    landed = proc.poll() is None
    children = []
    if landed:
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            pass
        proc.send_signal(sig)
    rc = proc.wait(timeout=120)
    _gone, alive = psutil.wait_procs(children, timeout=30)
    for p in alive:
        p.kill()
    assert not alive, f"workers or kernels outlived the killed batch: {alive}"
    return landed, rc


def test_sigkill_and_ctrl_c_at_random_moments_then_resume(reference, tmp_path):
    ref, seconds = reference
    rng = random.Random(SEED)
    kills = interrupts = missed = 0
    for i in range(ITERATIONS):
        out = tmp_path / f"run{i}"
        workers = "1" if i % 2 == 0 else "2"
        cmd = [sys.executable, "-m", "evalkit.cli", "batch", TEMPLATE, "--projects",
               ",".join(IDS), "--out", str(out), "--format", ",".join(FORMATS),
               "--workers", workers]
        for _ in range(rng.choice([1, 2])):  # one or two faults on the same folder
            sig = rng.choice([signal.SIGKILL, signal.SIGKILL, signal.SIGINT])
            # a moment within the uninterrupted run's time (the command needs longer: it starts
            # Python and reads the dataset first), so nearly every fault lands mid-batch
            landed, rc = _kill_at(cmd, tmp_path, rng.uniform(0.3, 1.0) * seconds, sig)
            if not landed:
                missed += 1
            elif sig == signal.SIGKILL:
                kills += 1
                assert rc == -signal.SIGKILL
            else:
                interrupts += 1
                assert rc in (130, 1, -signal.SIGINT), rc  # Ctrl-C: a clean stop
        result = run_batch(TEMPLATE, subjects=IDS, out_dir=out, formats=FORMATS, workers=1,
                           progress=False)
        assert result.ok
        _assert_equal_to(ref, out)
    print(f"\n[faults] {ITERATIONS} iterations: {kills} SIGKILL, {interrupts} SIGINT landed, "
          f"{missed} after the batch had ended; all {ITERATIONS} output folders equal the "
          f"uninterrupted run")


@pytest.fixture(scope="module")
def fault_template(tmp_path_factory):
    """The fault template and its uninterrupted output (serial: the local and Dask backends
    write the same bytes, which tests/test_batch.py checks)."""
    faults = tmp_path_factory.mktemp("crash")
    template = _fault_template(faults)
    reference = faults / "reference"
    assert run_batch(template, subjects=CRASH_IDS, out_dir=reference, formats=["html"],
                     workers=1, progress=False).ok
    return faults, template, reference


@pytest.mark.parametrize("backend", ["local", "dask"])
@pytest.mark.parametrize("kind", ["kernel", "worker", "inprocess"])
def test_kernel_and_worker_crashes_then_rerun_equal_an_uninterrupted_run(fault_template, tmp_path,
                                                                         backend, kind):
    faults, template, reference = fault_template
    (faults / "kind").write_text(kind)
    options = {"subjects": CRASH_IDS, "formats": ["html"], "workers": 2, "progress": False,
               "scheduler": "local" if backend == "dask" else None,
               "engine": "inprocess" if kind == "inprocess" else "kernel"}
    (faults / "armed").write_text("")
    out = tmp_path / "out"
    first = run_batch(template, out_dir=out, **options)
    assert not (faults / "armed").exists(), "the fault did not fire"
    if kind == "kernel":  # the report fails, located; the other is made
        assert first.failed == ("SQ-2021-002",) and first.made == ("SQ-2021-001",)
    else:  # the pool (retried once) or the Dask nanny recovers the lost worker's reports
        assert set(first.made) | set(first.failed) == set(CRASH_IDS)
    second = run_batch(template, out_dir=out, **options)
    assert second.ok and set(second.made) == set(first.failed)
    _assert_equal_to(reference, out)


def test_ctrl_c_after_the_first_report_stops_cleanly_then_resumes(reference, tmp_path):
    ref, _ = reference
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "evalkit.cli", "batch", TEMPLATE, "--projects",
                             ",".join(IDS), "--out", str(out), "--format", ",".join(FORMATS),
                             "--workers", "1"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 180
    while not list(out.glob("*/*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "已中断 (interrupted)" in err and "Traceback" not in err
    manifest = load_manifest(out)
    assert manifest["run"]["interrupted"] and manifest["subjects"]
    assert _leftovers(out) == []
    result = run_batch(TEMPLATE, subjects=IDS, out_dir=out, formats=FORMATS, workers=1,
                       progress=False)
    assert result.ok and result.skipped
    _assert_equal_to(ref, out)


def test_a_write_failing_mid_file_then_rerun(reference, tmp_path, monkeypatch):
    import errno

    from evalkit.batch import manifest

    ref, _ = reference
    real, calls = manifest.atomic_write, []

    def disk_full_on_second_pdf(path, write, **kwargs):
        calls.append(Path(path).name)
        if Path(path).name == "SQ-2021-002.pdf":
            def half(tmp: Path) -> None:
                write(tmp)
                with tmp.open("r+b") as fh:
                    fh.truncate(tmp.stat().st_size // 2)
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(path, half, **kwargs)
        return real(path, write, **kwargs)

    out = tmp_path / "out"
    monkeypatch.setattr(manifest, "atomic_write", disk_full_on_second_pdf)
    with pytest.raises(OutputError, match="SQ-2021-002.pdf：磁盘已满"):
        run_batch(TEMPLATE, subjects=IDS, out_dir=out, formats=FORMATS, workers=1,
                  progress=False)
    assert _leftovers(out) == [] and not (out / "SQ-2021-002").exists()  # none of its files
    recorded = load_manifest(out)["subjects"]
    assert "SQ-2021-002" not in recorded or recorded["SQ-2021-002"]["status"] != "ok"
    monkeypatch.setattr(manifest, "atomic_write", real)
    result = run_batch(TEMPLATE, subjects=IDS, out_dir=out, formats=FORMATS, workers=1,
                       progress=False)
    assert result.ok and "SQ-2021-001" in result.skipped
    _assert_equal_to(ref, out)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["run"]["failed"] == 0
