"""One batch at a time per output folder: ``OUT/.evalkit-batch.lock``.

Two batches writing one folder would each keep its own manifest in memory and the last to save
would win, losing the other's entries. :func:`output_lock` takes the folder before a batch reads
or writes anything in it: a second batch refuses with a message naming the running one (process,
host, start time, command), or with ``wait=True`` waits until it ends. A lock left by a batch
that was killed (its process is gone, or its process id now belongs to another process) is stale:
it is cleared with a warning and the new batch proceeds. A lock taken on another host cannot be
checked from here and is respected; the message says how to remove it.

The lock file is written completely under a temporary name and then hard-linked into place, so
a reader never sees half a lock, and taking it is atomic (``link`` fails when the name exists).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from evalkit.errors import OutputError
from evalkit.io import output_error

LOCK = ".evalkit-batch.lock"


def _start_time(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux ``/proc``), which
    tells a live process from a new one that reuses the id; None where ``/proc`` is missing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(holder: dict[str, Any]) -> bool:
    """Whether the batch that wrote ``holder`` may still run (True when it cannot be told)."""
    if holder.get("host") != socket.gethostname():
        return True
    pid = holder.get("pid")
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    started = holder.get("pid_start")
    return started is None or _start_time(pid) in (None, started)


def _describe(holder: dict[str, Any]) -> str:
    return (f"进程 {holder.get('pid')}，主机 {holder.get('host')}，开始于 {holder.get('started')}，"
            f"命令 {holder.get('command')}")


def _read(path: Path) -> dict[str, Any] | None:
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


@contextmanager
def output_lock(out: Path, *, wait: bool = False, poll: float = 0.5,
                label: str = "") -> Iterator[Path]:
    """Hold ``OUT/.evalkit-batch.lock`` for the duration of a batch.

    Parameters
    ----------
    out : Path
        The output folder (created if missing).
    wait : bool
        Wait for a running batch to end instead of refusing.
    poll : float
        Seconds between checks while waiting.
    label : str
        What the batch is (report type …), recorded in the lock for the message of a second one.

    Raises
    ------
    OutputError
        When another batch holds the folder (and ``wait`` is False), naming it; or when the
        folder cannot be created or written.
    """
    path = out / LOCK
    me = {"pid": os.getpid(), "pid_start": _start_time(os.getpid()),
          "host": socket.gethostname(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
          "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "",
          "label": label}
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(out, exc) from exc
    while not _take(path, me):
        holder = _read(path)
        if holder is None:
            continue  # released meanwhile
        if holder and not _alive(holder):
            print(f"警告 (warning)：清除过期的批量任务锁 {path}（{_describe(holder)}，该进程已不存在）"
                  f"(cleared the stale lock of a killed batch)", file=sys.stderr, flush=True)
            path.unlink(missing_ok=True)
            continue
        if not wait:
            if created:
                _remove_if_empty(out)
            raise OutputError(
                f"输出目录 {out} 正由另一个批量任务写入（{_describe(holder)}）；请等其结束，"
                f"或加 --wait 排队；若确认该任务已不在运行，可删除 {path} "
                f"(output folder is locked by another running batch)")
        time.sleep(poll)
    try:
        yield path
    finally:
        if _read(path) == me:
            path.unlink(missing_ok=True)
        if created:
            _remove_if_empty(out)


def _take(path: Path, me: dict[str, Any]) -> bool:
    """Create the lock with ``me`` in it, atomically; False when it exists already."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # a batch ending meanwhile removes it
        fd, tmp = tempfile.mkstemp(prefix=f"{LOCK}.", suffix=".pending", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(me, fh, ensure_ascii=False)
    except OSError as exc:
        raise output_error(path.parent, exc) from exc
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError as exc:
        raise output_error(path, exc) from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return True


def _remove_if_empty(folder: Path) -> None:
    """Remove a folder the lock created when nothing was written into it."""
    try:
        folder.rmdir()
    except OSError:
        pass
