"""Where reports are produced: serially in this process, on local worker processes, or on Dask.

Each backend takes a :class:`~evalkit.batch.produce.ProduceSpec` and subject ids and yields a
:class:`~evalkit.batch.produce.SubjectResult` per subject as it finishes.

``serial``: in this process (debugging, ``evalkit run``). ``local``: one worker process per core
(``ProcessPoolExecutor``, spawned, each starting its warm kernel in its initializer while the
others do the same). ``dask``: an existing cluster (``tcp://host:8786``) or a ``LocalCluster`` on
127.0.0.1, dashboard off, single-threaded worker processes; the spec, with the input files, is
sent to every worker once and tasks carry only the id. Warm kernels: :mod:`evalkit.engine`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from evalkit.batch.produce import ProduceSpec, SubjectResult, local_inputs, produce
from evalkit.errors import InputError


def _init_worker(spec: ProduceSpec) -> None:
    """ProcessPoolExecutor initializer: ignore Ctrl-C (the client stops the pool), follow the
    client if it dies, shut a kernel down at exit, and ready the worker now (its warm kernel too,
    with ``--engine kernel``)."""
    import multiprocessing
    import signal
    import threading
    from multiprocessing.util import Finalize

    from evalkit.engine import shutdown_kernels, warm_kernel

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    Finalize(None, shutdown_kernels, exitpriority=100)
    parent = multiprocessing.parent_process()
    if parent is not None:
        def follow() -> None:
            multiprocessing.connection.wait([parent.sentinel])
            os._exit(1)  # the kernel's own parent poller ends it once this process is gone

        threading.Thread(target=follow, daemon=True).start()
    if not spec.cold and spec.engine == "kernel":  # the kernel imports the template's modules
        template_file = local_inputs(spec)[0]  # while this process builds its renderers
        warm_kernel("python3", preload=spec.preload).start(str(Path(template_file).parent),
                                                           wait=False)
    prepare_worker(spec)


def prepare_worker(spec: ProduceSpec) -> None:
    """Ready a worker process before its first task: the in-process engine's shell (with the
    template's imports), papermill and the renderers; then ``gc.freeze``, so what lives as long as
    the worker is skipped by later collections. (A warm kernel is started by the caller: it
    belongs to the thread that runs the tasks.)"""
    import gc

    from evalkit.engine import inprocess_shell

    if not spec.cold and spec.engine == "inprocess":  # first: before anything imports pyplot
        inprocess_shell(spec.preload)
    _warm_renderers(spec.formats)
    gc.collect()
    gc.freeze()


def _warm_renderers(formats: Sequence[str]) -> None:
    """Import papermill and the renderers and build the HTML exporter once, before any task."""
    import fontTools.subset  # noqa: F401
    import papermill.execute  # noqa: F401

    from evalkit.render import html

    if "html" in formats or "pdf" in formats:
        html.exporter()
    if "pdf" in formats:
        import weasyprint  # noqa: F401
    if "docx" in formats:
        import docx  # noqa: F401


def _pool_task(spec: ProduceSpec, subject_id: str,
               seed: tuple[tuple, bytes] | None = None) -> SubjectResult:
    if seed is not None:  # the client's parsed dataset (io.dataset_seed), on a worker's first task
        from evalkit.io import adopt_dataset

        adopt_dataset(seed)
    return produce(spec, subject_id)


def serial(spec: ProduceSpec, ids: Sequence[str]) -> Iterator[SubjectResult]:
    from evalkit.engine import ctrl_c_guard, shutdown_kernels

    try:
        for pid in ids:
            with ctrl_c_guard() as ctrl_c:
                result = produce(spec, pid)
            if ctrl_c:  # Ctrl-C during that report (see ctrl_c_guard)
                raise KeyboardInterrupt
            yield result
    finally:
        shutdown_kernels()


def start_pool(spec: ProduceSpec, workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned worker processes (no inherited threads, sockets or kernels;
    works on Windows), started now: each runs :func:`_init_worker` (its warm kernel boots) and
    then a no-op, so they are ready when the first projects are submitted."""
    import multiprocessing

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(spec,))
    for _ in range(workers):  # the pool spawns a process per submission while none is idle
        pool.submit(int)
    return pool


class LocalPool:
    """Local worker processes, started on first use and kept for every batch run on them.

    Tasks carry their own spec, so one pool serves batches of several report types in turn
    (:func:`evalkit.batch.run_batches`): its workers boot, read the dataset and warm their
    renderers once, not once per type. The spec of :meth:`start` only readies the workers
    (:func:`prepare_worker`). A pool in which a worker died is replaced on the next
    :meth:`start`.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self.executor: ProcessPoolExecutor | None = None
        self.broken = False

    def start(self, spec: ProduceSpec) -> LocalPool:
        """Start the workers (readied for ``spec``) unless they are running."""
        if self.executor is not None and self.broken:
            self.shutdown()
        if self.executor is None:
            self.executor, self.broken = start_pool(spec, self.workers), False
        return self

    def shutdown(self) -> None:
        """Stop the workers (after the reports they are making); pending ones are cancelled."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


def local(spec: ProduceSpec, ids: Sequence[str], pool: LocalPool,
          seed: tuple[tuple, bytes] | None = None) -> Iterator[SubjectResult]:
    """Projects on local worker processes (``pool``, started for ``spec`` if it is not running).

    ``seed`` (:func:`evalkit.io.dataset_seed`), the dataset the client read, goes with the
    first task of each worker — as many tasks as workers, which idle workers take one each — so
    a worker adopts it instead of reading the files again (one that misses it reads them).
    If a worker process dies (not its kernel: that is a project failure), the pool is replaced
    and the unfinished projects resubmitted once; a second death fails the rest. The pool is
    left running for the caller to reuse or shut down; closing this generator early (Ctrl-C)
    cancels the projects not yet started.
    """
    remaining = list(ids)
    for _attempt in (1, 2):
        executor = pool.start(spec).executor
        futures = {executor.submit(_pool_task, spec, pid, seed if i < pool.workers else None): pid
                   for i, pid in enumerate(remaining)}
        try:
            for future in as_completed(futures):
                del futures[future]  # a consumed result (its files' bytes) is not kept to the end
                try:
                    result = future.result()
                except BrokenProcessPool:
                    pool.broken = True
                    continue
                remaining.remove(result.subject_id)
                yield result
        finally:
            for future in futures:
                future.cancel()
        if not remaining:
            return
    for pid in remaining:
        yield SubjectResult(pid, "failed", error={
            "stage": "worker", "cell": None, "ename": "BrokenProcessPool", "evalue": "",
            "message": "a worker process died twice while this report was pending"})


def start_cluster(spec: ProduceSpec, workers: int) -> Future:
    """A LocalCluster of ``workers`` processes, its client and the workers' warm-up
    (:func:`prepare_worker`), started in a thread now — as :func:`start_pool` boots the local
    pool while the client reads and validates the dataset. The future gives ``(cluster,
    client)``; :func:`dask` takes it, or :func:`close_cluster` when the batch needs no workers."""
    starter = ThreadPoolExecutor(1, thread_name_prefix="evalkit-cluster")
    try:
        return starter.submit(_connect, spec, workers, "local")
    finally:
        starter.shutdown(wait=False)


def close_cluster(started: Future) -> None:
    """Close a cluster and client from :func:`start_cluster` (if it started at all)."""
    with contextlib.suppress(Exception):
        cluster, client = started.result()
        client.close()
        cluster.close()


def _connect(spec: ProduceSpec, workers: int, scheduler: str) -> tuple[Any, Any]:
    """``(cluster or None, client)`` for ``scheduler``, with the warm-up registered on every
    worker (and on any that joins later)."""
    import logging

    import dask
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler == "local":  # scheduler, nannies and workers with fewer wake-ups
        with dask.config.set(DASK_WORKER_CONFIG):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None,
                                   silence_logs=logging.ERROR)
    client = Client(cluster if cluster is not None else scheduler)
    try:
        client.register_plugin(_dask_warm_up(spec))
    except BaseException:
        client.close()
        if cluster is not None:
            cluster.close()
        raise
    return cluster, client


def dask(spec: ProduceSpec, ids: Sequence[str], workers: int, scheduler: str,
         started: Future | None = None) -> Iterator[SubjectResult]:
    """Dask: ``scheduler`` is ``local`` (a LocalCluster, or the one ``started`` by
    :func:`start_cluster` with this spec) or the address of a running scheduler.

    The spec, with the input files, is sent to every worker once; tasks carry only the id.
    """
    from distributed import as_completed as dask_completed

    cluster, client = started.result() if started is not None else _connect(spec, workers,
                                                                            scheduler)
    futures = []
    try:
        shared = client.scatter(spec, broadcast=True)
        futures = [client.submit(produce, shared, pid, pure=False) for pid in ids]
        pids = {future.key: pid for future, pid in zip(futures, ids, strict=True)}
        for future in dask_completed(futures):
            pid = pids[future.key]
            try:
                yield future.result()
            except Exception as exc:  # the task itself failed (a worker lost twice …)
                yield SubjectResult(pid, "failed", error={
                    "stage": "worker", "cell": None, "ename": type(exc).__name__,
                    "evalue": str(exc), "message": f"{type(exc).__name__}: {exc}"})
    finally:
        if futures:
            client.cancel(futures)
        with contextlib.suppress(Exception):  # an existing cluster outlives this batch
            client.unregister_worker_plugin(_WARM_UP)
        client.close()
        if cluster is not None:
            cluster.close()


_WARM_UP = "evalkit-warm-up"
#: Dask settings of a LocalCluster (its scheduler and nannies in this process, its workers), for
#: CPU a report batch does not need (an existing cluster: README). Dask's statistical profiler
#: samples the running task's stack every 10 ms; the event-loop health check (``tick``, 20 ms),
#: the system monitor (500 ms) and the nannies' memory monitor (100 ms) wake every process's
#: event loop and take the GIL from the report being made: on 2 cores they cost the workers 9 %
#: of their CPU and the client a third of its own (77 reports of the sample, benchmarks/README.md).
#: At 1 s the memory limit still stops a runaway worker within a second.
DASK_WORKER_CONFIG = {"distributed.worker.profile.enabled": False,
                      "distributed.admin.tick.interval": "1s",
                      "distributed.admin.system-monitor.interval": "5s",
                      "distributed.worker.memory.monitor-interval": "1s"}


def _dask_warm_up(spec: ProduceSpec):
    """A Dask worker plugin that runs :func:`prepare_worker` when it is registered on a worker
    (off the worker's event loop, which keeps answering the scheduler meanwhile)."""
    from distributed import WorkerPlugin

    class WarmUp(WorkerPlugin):
        name = _WARM_UP

        def __init__(self, spec: ProduceSpec):
            self.spec = spec

        async def setup(self, worker) -> None:
            import asyncio

            await asyncio.get_running_loop().run_in_executor(None, prepare_worker, self.spec)

    return WarmUp(spec)


def require_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise InputError("--scheduler: expected Dask to be installed "
                         "(pip install 'evalkit[dask]'), found no 'distributed' module") from exc


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
