"""A batch against a Dask scheduler and worker started as separate processes (``dask scheduler``,
``dask worker``, bound to 127.0.0.1), the way an existing cluster is reached: the worker gets the
template, dataset and rule set from the client (no shared folder is assumed) and its reports
equal the local backend's."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.batch import load_manifest, run_batch

SUBJECTS = ["SQ-2021-001", "SQ-2021-002"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def cluster(tmp_path):
    dask = Path(sys.executable).with_name("dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", port,
                               "--no-dashboard"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    procs.append(subprocess.Popen([str(dask), "worker", address, "--nworkers", "1",
                                   "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"],
                                  cwd=tmp_path, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL))
    from distributed import Client

    try:
        with Client(address, timeout=120) as client:
            client.wait_for_workers(1, timeout=180)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_batch_on_a_separately_started_scheduler(cluster, tmp_path):
    out, local = tmp_path / "dask", tmp_path / "local"
    result = run_batch("ex_ante_assessment", subjects=SUBJECTS, out_dir=out, formats=["html"],
                       workers=1, scheduler=cluster, progress=False)
    assert result.ok and result.backend == "dask" and sorted(result.made) == SUBJECTS
    run = load_manifest(out)["run"]
    assert run["scheduler"] == cluster and run["engine"] == "inprocess"
    reference = run_batch("ex_ante_assessment", subjects=SUBJECTS, out_dir=local,
                          formats=["html"], workers=1, portfolio=False, progress=False)
    assert reference.ok
    workers = {entry["worker"] for entry in load_manifest(out)["subjects"].values()}
    assert len(workers) == 1 and f"{socket.gethostname()}:{os.getpid()}" not in workers
    for pid in SUBJECTS:
        assert ((out / pid / f"{pid}.html").read_bytes()
                == (local / pid / f"{pid}.html").read_bytes())
        assert (json.loads((out / pid / f"{pid}.json").read_text("utf-8"))
                == json.loads((local / pid / f"{pid}.json").read_text("utf-8")))
