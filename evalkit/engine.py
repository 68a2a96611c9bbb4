"""Papermill engines that reuse warm state across notebooks: a kernel, or this process itself.

``evalkit-inprocess`` (:class:`InProcessEngine`, the batch default) runs the cells in this
process's IPython shell with Jupyter's display machinery — no kernel, no messages — and resets it
between notebooks like the warm kernel below; ``evalkit-warm`` (:class:`WarmEngine`) keeps one
warm kernel per process (isolation). The rest of this docstring describes the warm kernel; the
reset applies to both.

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

* ``plt.close("all")``, then IPython's ``reset`` (user namespace, ``In``/``Out``, ``_`` caches;
  without its full garbage collection, which the interpreter's own collections do as needed);
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
import contextlib
import os
import threading
from typing import Any

import nbformat

# Nothing from papermill is imported at module level: papermill imports this module while it
# registers its engines (entry point ``evalkit-warm``), so importing papermill here would be circular.

#: Notebooks a kernel runs before it is replaced by a fresh one.
MAX_USES = 200

def install_reset(shell) -> None:
    """Record the state to return to before each notebook and define ``shell._evalkit_reset(cwd)``.

    Called once in a new kernel (after ``preload``) or on the in-process shell. Kept on the shell
    object, so IPython's namespace reset does not remove it. What is reset is listed in the module
    docstring.
    """
    import random
    import sys
    import warnings

    filters = list(warnings.filters)
    mpl = sys.modules.get("matplotlib")
    rc = dict.copy(mpl.rcParams) if mpl is not None else None

    def reset(cwd: str) -> None:
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:
            plt.close("all")
        with _without_full_collection():
            shell.reset(new_session=False)
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


@contextlib.contextmanager
def _without_full_collection():
    """Skip the ``gc.collect()`` of IPython's ``reset`` (``DisplayHook.flush``, "TODO: Is this
    really needed?" in its source). It runs before ``reset`` clears the namespace, so it frees
    none of the notebook just run, and in a warm worker it costs 20–60 ms per notebook (a tenth
    of a report); the interpreter's own collections reclaim the cycles, as between the cells."""
    import gc

    collect = gc.collect
    gc.collect = lambda generation=2: 0
    try:
        yield
    finally:
        gc.collect = collect


def freeze_startup() -> None:
    """Collect garbage once and move what start-up created out of later collections."""
    import gc

    gc.collect()
    gc.freeze()


#: Run in a new kernel after ``preload``: the reset point, then what start-up imported stays for
#: good (later collections skip it).
_KERNEL_SETUP = """\
import evalkit.engine as _evalkit_engine
_evalkit_engine.install_reset(get_ipython())
_evalkit_engine.freeze_startup()
del _evalkit_engine
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


# --- in-process engine -------------------------------------------------------------------------

#: What ipykernel reports as the notebook's ``language_info`` (``IPythonKernel.language_info``);
#: the in-process engine writes the same, so its notebooks match a kernel's.
def _language_info() -> dict[str, Any]:
    import sys

    return {"name": "python", "version": sys.version.split()[0], "mimetype": "text/x-python",
            "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
            "pygments_lexer": f"ipython{sys.version_info[0]}", "nbconvert_exporter": "python",
            "file_extension": ".py"}


def _output(output_type: str, **fields: Any) -> nbformat.NotebookNode:
    """An output node as ``nbformat.v4.new_output`` makes it, without the schema validation it
    runs on each (0.2 ms a display, 5 ms a report); tests/test_engines.py validates the notebooks
    this engine writes."""
    return nbformat.NotebookNode(output_type=output_type, **fields)


class _Capture:
    """Where a running cell's outputs go: nbformat output nodes, in the order they were made.

    Consecutive writes to one stream join one ``stream`` output, as ipykernel's buffered streams
    do (it flushes them before every display message, so order is kept the same way).
    """

    def __init__(self):
        self.outputs: list[Any] = []
        self.displays: dict[str, list[Any]] = {}  # display id → its outputs, for updates

    def stream(self, name: str, text: str) -> None:
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text
        else:
            self.outputs.append(_output("stream", name=name, text=text))

    def add(self, output, display_id: str | None = None) -> None:
        self.outputs.append(output)
        if display_id:
            self.displays.setdefault(display_id, []).append(output)


class _Stream:
    """``sys.stdout`` / ``sys.stderr`` while a cell runs: text goes to the cell's outputs."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, name: str, capture: _Capture):
        self.name, self.capture = name, capture

    def write(self, text: str) -> int:
        if text:
            self.capture.stream(self.name, str(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Nothing is buffered."""

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


def _shell_class():
    """The in-process shell class (built on first use: IPython is imported only then)."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class Publisher(DisplayPublisher):
        """``display()`` → ``display_data`` outputs, as ipykernel's publisher sends them."""

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False):
            capture = self.shell.capture
            display_id = (transient or {}).get("display_id")
            if update:  # update_display: every earlier output with that id, as nbclient does
                for out in capture.displays.get(display_id, []):
                    out.data, out.metadata = data, metadata or {}
                return
            capture.add(_output("display_data", data=data, metadata=metadata or {}),
                        display_id)

        def clear_output(self, wait=False):
            self.shell.capture.outputs.clear()

    class Hook(DisplayHook):
        """A cell's last value → an ``execute_result`` output (prompts are not printed)."""

        def write_output_prompt(self):
            """No prompt: the output carries the execution count."""

        def write_format_data(self, format_dict, md_dict=None):
            self.shell.capture.add(_output(
                "execute_result", data=format_dict, metadata=md_dict or {},
                execution_count=self.prompt_count))

        def finish_displayhook(self):
            """Nothing to flush."""

    class Shell(InteractiveShell):
        """IPython's shell with Jupyter's display machinery pointed at the running cell."""

        capture = _Capture()

        def enable_gui(self, gui=None):
            """No GUI event loop in a worker."""

        def init_sys_modules(self):
            """Leave ``sys.modules["__main__"]`` alone (as IPython's embedded shell does): the
            host process's main module must stay, or ``multiprocessing`` cannot spawn from it.
            The cells' namespace is still a module named ``__main__``."""

        def _showtraceback(self, etype, evalue, stb):
            # ipykernel turns a traceback into an ``error`` message; here, an error output
            self.capture.add(_output(
                "error", ename=etype.__name__, evalue=str(evalue), traceback=stb))

    return Shell, Publisher, Hook


class InProcessShell:
    """One IPython ``InteractiveShell`` in this process that executes notebook cells.

    It behaves like the shell inside an ipykernel kernel: ``display()`` makes ``display_data``
    outputs, a cell's last value an ``execute_result``, ``print`` and warnings ``stream`` outputs,
    an exception an ``error`` output with IPython's traceback, cells are named as ipykernel names
    them (warnings quote the same file names); matplotlib's default backend is the inline one, as
    in a kernel, so a template that imports pyplot gets the same settings. (ploomber-engine's
    ``PloomberShell`` showed the approach.) History is not written to disk. Unlike a kernel, the
    process's ``sys.modules["__main__"]`` is not the cells' namespace (objects defined in a cell
    cannot be pickled by reference).

    Parameters
    ----------
    preload : str
        Code run once at start, before the reset point is recorded (the template's imports).
    """

    def __init__(self, preload: str = ""):
        from traitlets.config import Config

        _select_inline_backend()
        shell_class, publisher, hook = _shell_class()
        config = Config()
        config.HistoryManager.enabled = False
        from ipykernel.compiler import XCachingCompiler  # cells named as a kernel names them

        self.shell = shell_class.instance(config=config, display_pub_class=publisher,
                                          displayhook_class=hook,
                                          compiler_class=XCachingCompiler)
        self.preload = preload
        self._lock = threading.Lock()
        if preload:
            self._run_code(preload, store_history=False)
        install_reset(self.shell)

    def _run_code(self, code: str, *, store_history: bool,
                  displays: dict[str, list[Any]] | None = None):
        """Run ``code`` with its outputs captured; return (IPython's result, outputs).

        ``displays`` (display id → outputs) is shared by a notebook's cells, so
        ``update_display`` reaches outputs of earlier cells.
        """
        import sys
        import warnings

        capture = self.shell.capture = _Capture()
        if displays is not None:
            capture.displays = displays
        saved = sys.stdout, sys.stderr, warnings.showwarning
        sys.stdout, sys.stderr = _Stream("stdout", capture), _Stream("stderr", capture)
        warnings.showwarning = _show_warning  # even if the host records warnings (pytest)
        try:
            result = self.shell.run_cell(code, store_history=store_history)
        finally:
            sys.stdout, sys.stderr, warnings.showwarning = saved
        if not store_history and not result.success:
            raise RuntimeError(f"in-process set-up (preload) failed: {result.error_in_exec!r}")
        return result, capture.outputs

    def run(self, nb_man, *, timeout: float | None = None):
        """Reset the shell, then execute ``nb_man.nb``'s cells the way papermill's client does
        (``cell_start`` / ``cell_exception`` / ``cell_complete``; stop at the first error).

        One notebook at a time per process: a worker with several task threads (a Dask worker
        started with ``--nthreads 4``) runs its notebooks one after the other.
        """
        with self._lock:
            return self._run(nb_man, timeout)

    def _run(self, nb_man, timeout: float | None):
        self.shell._evalkit_reset(os.getcwd())
        displays: dict[str, list[Any]] = {}
        for index, cell in enumerate(nb_man.nb.cells):
            try:
                nb_man.cell_start(cell, index)
                if cell.cell_type != "code" or not cell.source.strip():
                    continue  # nbclient does not send these to the kernel
                with _time_limit(timeout), ctrl_c_guard() as ctrl_c:
                    result, cell.outputs = self._run_code(cell.source, store_history=True,
                                                          displays=displays)
                cell.execution_count = result.execution_count
                if ctrl_c or isinstance(result.error_in_exec, KeyboardInterrupt):
                    raise KeyboardInterrupt  # Ctrl-C stops the batch, as with a kernel
                if not result.success:
                    nb_man.cell_exception(cell, cell_index=index, exception=(
                        result.error_in_exec or result.error_before_exec))
                    break
            finally:
                nb_man.cell_complete(cell, cell_index=index)
        nb_man.nb.metadata["language_info"] = _language_info()
        return nb_man.nb


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Python's default ``warnings.showwarning``: the formatted warning on ``sys.stderr``."""
    import sys
    import warnings

    (file or sys.stderr).write(warnings.formatwarning(message, category, filename, lineno, line))


@contextlib.contextmanager
def ctrl_c_guard():
    """Defer a Ctrl-C to the end of the block (main thread, Python's default handler only).

    A ``KeyboardInterrupt`` raised at a random moment may land in a weakref callback or
    ``__del__`` — frequent while matplotlib draws in this process — where Python prints and drops
    it. So the first Ctrl-C is only recorded in the list yielded (the caller raises after the
    block: the running report finishes first); a second one interrupts at once. Worker processes
    ignore SIGINT, and a guard inside another guard leaves the outer one in charge.
    """
    import signal

    seen: list[int] = []
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield seen
        return

    def interrupt(signum, frame):
        seen.append(signum)
        if len(seen) > 1:
            signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, interrupt)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Interrupt a cell that runs longer than ``seconds`` (``TimeoutError`` in the cell, shown as
    its error). POSIX main thread only; elsewhere (a Dask worker's task thread) no limit."""
    import signal

    if not (seconds and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()):
        yield
        return

    def expire(_signum, _frame):
        raise TimeoutError(f"cell did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_INLINE = "module://matplotlib_inline.backend_inline"


def _select_inline_backend() -> None:
    """Make the inline backend matplotlib's default, as ipykernel does. ipykernel sets
    ``MPLBACKEND`` for its process; here matplotlib's rc setting is set instead, so processes this
    one starts are not affected. A backend the user chose (``MPLBACKEND``), or pyplot already in
    use, is kept."""
    import sys

    if os.environ.get("MPLBACKEND") or "matplotlib.pyplot" in sys.modules:
        return
    import matplotlib

    matplotlib.rcParams["backend"] = _INLINE


_SHELL: InProcessShell | None = None


def inprocess_shell(preload: str = "") -> InProcessShell:
    """This process's in-process shell, created (and ``preload`` run) on first call."""
    global _SHELL
    with _LOCK:
        if _SHELL is None:
            _SHELL = InProcessShell(preload)
        return _SHELL


class InProcessEngine(WarmEngine):
    """Papermill engine ``evalkit-inprocess``: cells run in this process's IPython shell.

    No kernel, no messages: each cell is one ``run_cell`` call, its outputs built directly as
    nbformat nodes. Namespace, warnings, ``rcParams``, random state and working directory are
    reset between notebooks exactly as in the warm kernel (:func:`install_reset`). The price is
    isolation: a template that crashes the interpreter or leaks module state takes the worker
    with it — use the kernel engine (``evalkit-warm``, ``evalkit batch --engine kernel``) for that.
    ``execution_timeout`` is enforced with ``SIGALRM`` in a process's main thread only.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 preload: str = "", max_uses: int = MAX_USES, **kwargs):
        """Execute the parameterised notebook of ``nb_man`` in this process's shell."""
        return inprocess_shell(preload).run(nb_man,
                                            timeout=execution_timeout or kwargs.get("timeout"))


#: Papermill engine names of evalkit's engines (also entry points in ``pyproject.toml``).
ENGINES = {"evalkit-warm": WarmEngine, "evalkit-inprocess": InProcessEngine}
