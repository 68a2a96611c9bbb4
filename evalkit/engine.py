"""A papermill engine that keeps one warm kernel per process and reuses it across notebooks.

Starting a kernel and importing pandas, matplotlib, scipy and evalkit costs seconds, more than
running a report template. ``WarmEngine`` starts the kernel once and, before each notebook, resets
it to the state of a kernel that has just imported the same modules, so plain papermill users
benefit too::

    import papermill as pm
    for pid in ids:
        pm.execute_notebook("notebooks/ex_ante_assessment.ipynb", f"{pid}.ipynb",
                            parameters={"project_id": pid}, engine_name="evalkit-warm")

(``papermill … --engine evalkit-warm`` on the command line works too, but one notebook per process
gains nothing.) Parameters are injected by papermill as usual, and papermill's execution manager
records per-cell timings and the failing cell.

Reset between notebooks (run silently, not stored in history):

* ``plt.close("all")``, then IPython's ``reset`` (user namespace, ``In``/``Out``, ``_`` caches,
  then a garbage collection);
  the execution counter restarts at 1 so the executed notebook numbers its cells like a fresh run;
* the warning filters and matplotlib's ``rcParams`` are restored to what they were right after
  start-up (and ``preload``), and warnings already shown are forgotten, so a warning — a missing
  glyph, say — appears in every notebook that triggers it, as it would in a fresh kernel;
* the random generators of ``random`` and ``numpy.random`` are reseeded from fresh entropy, as in
  a new kernel (a template that needs reproducible randomness must seed it itself);
* the working directory is set to the one papermill runs the notebook in.

Imported modules and their caches stay: that is the point (``evalkit.io.load_dataset`` keeps
the parsed dataset while its file is unchanged). A template that mutates module-level state other
than the above would leak it into the next notebook; evalkit's templates do not, and
``tests/test_batch.py`` proves a warm run gives the same summary and HTML as a fresh kernel.

The kernel is shut down and a fresh one started after ``max_uses`` notebooks (memory hygiene), after
a notebook whose cell raised, and after a timeout, a dead kernel or an interrupt. Kernels are kept
per process and thread (a kernel client belongs to the event loop of the thread that made it) and
shut down at interpreter exit; kernels run in their own session, so Ctrl-C in the terminal reaches
the client only, and ipykernel exits by itself when its parent process dies.
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Any

import nbformat

# Nothing from papermill is imported at module level: papermill imports this module while it
# registers its engines (entry point ``evalkit-warm``), so importing papermill here would be circular.

#: Notebooks a kernel runs before it is replaced by a fresh one.
MAX_USES = 200

#: Defines ``get_ipython()._evalkit_reset(cwd)`` in a new kernel, after ``preload`` ran. Kept on
#: the shell object, so IPython's namespace reset does not remove it.
_KERNEL_SETUP = """\
def _evalkit_setup():
    import os, random, sys, warnings
    shell = get_ipython()
    filters = list(warnings.filters)
    mpl = sys.modules.get("matplotlib")
    rc = dict.copy(mpl.rcParams) if mpl is not None else None

    def reset(cwd):
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            plt.close("all")
        shell.reset(new_session=False)  # also collects garbage (IPython's displayhook flush)
        shell.execution_count = 1
        warnings.resetwarnings()  # changing the filters forgets which warnings were shown
        warnings.filters[:] = filters
        warnings.onceregistry.clear()
        if rc is not None:
            dict.update(mpl.rcParams, rc)
        random.seed()  # fresh entropy, as a new kernel would have
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        os.chdir(cwd)

    shell._evalkit_reset = reset

_evalkit_setup()
del _evalkit_setup
import gc as _gc
_gc.collect()
_gc.freeze()  # what start-up imported stays for good: later collections skip it
del _gc
"""


class WarmKernel:
    """One long-lived kernel: started on first use, reset between notebooks, replaced when dirty.

    Parameters
    ----------
    kernel_name : str
    startup_timeout : float
        Seconds to wait for the kernel to answer after start.
    preload : str
        Code run once after start, before the reset point is recorded (typically the template's
        import statements, so the first notebook does not pay for them).
    max_uses : int
        Notebooks run before the kernel is replaced.
    """

    def __init__(self, kernel_name: str = "python3", *, startup_timeout: float = 60,
                 preload: str = "", max_uses: int = MAX_USES):
        self.kernel_name, self.startup_timeout = kernel_name, startup_timeout
        self.preload, self.max_uses = preload, max_uses
        self.km: Any = None
        self.kc: Any = None
        self.uses = 0
        self.starts = 0
        self._pending: str | None = None  # msg id of the set-up request not yet confirmed

    @property
    def alive(self) -> bool:
        """Whether a kernel is running (it is started lazily)."""
        return self.km is not None

    def start(self, cwd: str | None = None, *, wait: bool = True) -> None:
        """Start the kernel (if not running), run ``preload`` and record the reset point.

        With ``wait=False`` the set-up runs in the kernel while the caller does other work (a
        batch worker imports its renderers meanwhile); the next :meth:`run` waits for it.
        """
        if self.alive:
            return
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.log import logger

        starter = PapermillNotebookClient(_NoManager(), kernel_name=self.kernel_name,
                                          startup_timeout=self.startup_timeout, log=logger)
        starter.km = starter.create_kernel_manager()
        try:
            starter.start_new_kernel(cwd=cwd or os.getcwd())
            self.km, self.kc = starter.km, starter.start_new_kernel_client()
            self.uses = 0
            self.starts += 1
            self._pending = self.kc.execute(f"{self.preload}\n{_KERNEL_SETUP}", silent=True,
                                            store_history=False)
            if wait:
                self._wait_ready()
        except BaseException:
            if starter.km is not None and self.km is None:
                self.km = starter.km
            self.shutdown()
            raise

    def _wait_ready(self) -> None:
        """Wait for the set-up request sent by :meth:`start`; raise if it failed."""
        if self._pending is None:
            return
        msg_id, self._pending = self._pending, None
        reply = self._client(_NoManager(), timeout=None).wait_for_reply(msg_id)
        content = (reply or {}).get("content", {})
        if content.get("status") != "ok":
            raise RuntimeError(f"warm kernel set-up (preload) failed: {content.get('ename')}: "
                               f"{content.get('evalue')}")

    def shutdown(self) -> None:
        """Stop the kernel now (no-op if none is running)."""
        from jupyter_core.utils import run_sync
        from nbclient.util import ensure_async

        km, kc, self.km, self.kc, self._pending = self.km, self.kc, None, None, None
        if kc is not None:
            kc.stop_channels()
        if km is not None:
            async def stop() -> None:
                await ensure_async(km.shutdown_kernel(now=True))

            try:
                run_sync(stop)()
            except Exception:  # another thread's event loop, or already gone: kill the process
                provisioner = getattr(km, "provisioner", None)
                process = getattr(provisioner, "process", None)
                if process is not None:
                    process.kill()

    def run(self, nb_man, *, timeout: float | None = None, **client_options: Any):
        """Reset the kernel, then execute ``nb_man.nb`` in it the way papermill's engine does."""
        self.start(os.getcwd())
        try:
            self._wait_ready()
            self._silent(f"get_ipython()._evalkit_reset({os.getcwd()!r})")
            self._client(nb_man, timeout=timeout, **client_options).execute()
        except BaseException:  # timeout, dead kernel, interrupt: its state is unknown
            self.shutdown()
            raise
        self.uses += 1
        if nb_man.nb.metadata.get("papermill", {}).get("exception") or self.uses >= self.max_uses:
            self.shutdown()
        return nb_man.nb

    def _silent(self, code: str) -> None:
        """Run set-up code in the kernel, outside any notebook and its history; raise on error."""
        scratch = _NoManager()
        scratch.nb.cells.append(nbformat.v4.new_code_cell(code))
        self._client(scratch, timeout=None).execute_cell(scratch.nb.cells[0], 0,
                                                          store_history=False)

    def _client(self, nb_man, *, timeout: float | None, **options: Any):
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.log import logger

        client = PapermillNotebookClient(nb_man, km=self.km, kernel_name=self.kernel_name,
                                         timeout=timeout, startup_timeout=self.startup_timeout,
                                         log=logger, **options)
        client.kc = self.kc
        return client


class _NoManager:
    """Stands in for papermill's execution manager where no notebook is being tracked."""

    def __init__(self):
        self.nb = nbformat.v4.new_notebook()

    def autosave_cell(self) -> None:
        """Nothing to save."""


_KERNELS: dict[tuple[int, int, str], WarmKernel] = {}
_LOCK = threading.Lock()


def warm_kernel(kernel_name: str = "python3", **options: Any) -> WarmKernel:
    """This process's (and thread's) warm kernel for ``kernel_name``, created on first call.

    ``options`` (``startup_timeout``, ``preload``, ``max_uses``) apply when it is created.
    """
    key = (os.getpid(), threading.get_ident(), kernel_name)
    with _LOCK:
        if key not in _KERNELS:
            _KERNELS[key] = WarmKernel(kernel_name, **options)
        return _KERNELS[key]


def shutdown_kernels() -> None:
    """Shut down every warm kernel this process started (registered to run at exit)."""
    with _LOCK:
        mine = [k for key, k in _KERNELS.items() if key[0] == os.getpid()]
        _KERNELS.clear()
    for kernel in mine:
        kernel.shutdown()


atexit.register(shutdown_kernels)


class WarmEngine:
    """Papermill engine ``evalkit-warm``: like the default engine, in a reused warm kernel.

    It follows papermill's engine protocol (``execute_notebook``, ``nb_kernel_name``,
    ``nb_language``) and reuses papermill's ``Engine.execute_notebook``, so the execution manager
    records timings, cell status and the failing cell exactly as with the default engine. (It is
    not a subclass of ``NBClientEngine`` only because that import would be circular, see above.)
    Extra options — ``papermill.execute_notebook(…, preload=…, max_uses=…)`` — configure the
    kernel when this process first creates it.
    """

    @classmethod
    def execute_notebook(cls, nb, kernel_name, **kwargs):
        """Wrap ``nb`` in papermill's execution manager and run it (papermill's own wrapper)."""
        from papermill.engines import Engine

        return Engine.execute_notebook.__func__(cls, nb, kernel_name, **kwargs)

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 preload: str = "", max_uses: int = MAX_USES, **kwargs):
        """Execute the parameterised notebook of ``nb_man`` in this process's warm kernel."""
        from papermill.utils import merge_kwargs, remove_args

        kernel = warm_kernel(kernel_name, startup_timeout=start_timeout, preload=preload,
                             max_uses=max_uses)
        options = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        options = merge_kwargs(options, log_output=log_output, stdout_file=stdout_file,
                               stderr_file=stderr_file)
        return kernel.run(nb_man, timeout=execution_timeout or kwargs.get("timeout"), **options)

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        """The kernel named by the notebook (papermill's default rule)."""
        from papermill.utils import nb_kernel_name

        return nb_kernel_name(nb, name)

    @classmethod
    def nb_language(cls, nb, language=None):
        """The notebook's language (papermill's default rule)."""
        from papermill.utils import nb_language

        return nb_language(nb, language)
