"""``OUT/manifest.json``: what a batch made, from what, and which files — the key of resume.

Per subject: its status, input hash (SHA-256 of the subject's rows in every table, see
:func:`subject_input_hashes`), template hash, rule set id/version/hash, evalkit version, verdict,
timings and output files with their SHA-256; per run: start, end, report type, backend, workers.
Only the client process writes, every file through :func:`evalkit.io.atomic_write`, and records a
subject after its files, so a batch killed at any moment leaves no half-written file.

Each recorded subject is also appended at once, as one JSON line, to ``OUT/manifest.jsonl`` (the
journal): appending costs the same at the 10,000th report as at the first, and a batch killed at
any moment loses no report it had recorded — the next run replays the journal over
``manifest.json`` (a last line cut short by the kill is ignored) and compacts both into
``manifest.json`` when it ends.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from evalkit.batch.produce import SubjectResult
from evalkit.errors import InputError
from evalkit.io import atomic_write, check_inside
from evalkit.registry import ReportType, Subject
from evalkit.workpaper import FILE_SUFFIX

MANIFEST = "manifest.json"
#: The append-only journal beside the manifest (one ``{"subject", "entry"}`` JSON line a report).
JOURNAL = "manifest.jsonl"
MANIFEST_FORMAT = "evalkit-batch-manifest/2"
#: Where the partial notebooks of failed reports go, under OUT.
FAILED_DIR = "_failed"
#: Files every report has besides the requested formats.
ALWAYS = ("ipynb", "json")
#: Every extension a report may have.
EXTENSIONS = ("ipynb", "html", "docx", "pdf", "json", "workpaper")
#: File names other than ``<id>.<format>``: the working paper is ``<id>_底稿.xlsx``.
_NAMES = {"workpaper": "{sid}" + FILE_SUFFIX}
#: Manifest fields that must be unchanged for a report to be up to date (the Word template's
#: hash is "" without one, as in manifests written before it was recorded).
KEY_FIELDS = ("input_sha256", "template_sha256", "ruleset_id", "ruleset_version",
              "ruleset_sha256", "evalkit_version", "word_template_sha256")


def file_name(sid: str, ext: str) -> str:
    """The name of a report's file of one format: ``<id>.<ext>``, ``<id>_底稿.xlsx``."""
    return _NAMES.get(ext, "{sid}.{ext}").format(sid=sid, ext=ext)


def subject_input_hashes(tables: Mapping[str, pd.DataFrame], subject: Subject,
                         subject_ids: Iterable[str]) -> dict[str, str]:
    """SHA-256 of each subject's rows in every table (the key of a batch's resume).

    For a **project**: a table with a ``project_id`` column contributes the project's rows; one
    with ``unit_id`` only (units) the row of the project's unit. For a **unit**: a table with
    ``unit_id`` contributes the unit's rows; one with ``project_id`` only the rows of the unit's
    projects. For any other subject, and for tables keyed by neither, all rows. Rows are hashed as
    JSON in table order, with the table and column names.

    >>> from evalkit.registry import PROJECT
    >>> t = {"projects": pd.DataFrame({"project_id": ["A", "B"], "unit_id": ["U", "U"]})}
    >>> h = subject_input_hashes(t, PROJECT, ["A", "B"]); h["A"] != h["B"], len(h["A"])
    (True, 64)
    """
    ids = list(dict.fromkeys(subject_ids))
    projects = tables.get("projects")
    pairs = (pd.DataFrame(columns=["project_id", "unit_id"]) if projects is None
             or "unit_id" not in projects else projects[["project_id", "unit_id"]])
    if subject.id_column == "project_id":
        unit_of = dict(zip(pairs["project_id"], pairs["unit_id"], strict=True))
        keys = {"project_id": {pid: [pid] for pid in ids},
                "unit_id": {pid: [unit_of[pid]] if pid in unit_of else [] for pid in ids}}
    elif subject.id_column == "unit_id":
        projects_of = pairs.groupby("unit_id", sort=False)["project_id"].agg(list).to_dict()
        keys = {"unit_id": {uid: [uid] for uid in ids},
                "project_id": {uid: projects_of.get(uid, []) for uid in ids}}
    else:
        keys = {}
    digests = {sid: hashlib.sha256() for sid in ids}
    for name in sorted(tables):
        frame = tables[name]
        rows = [json.dumps(r, ensure_ascii=False, default=str)
                for r in frame.itertuples(index=False, name=None)]
        column = next((c for c in keys if c in frame), None)
        if column is None:
            select = {sid: range(len(rows)) for sid in ids}
        else:
            groups = frame.groupby(column, sort=False).indices
            select = {sid: [i for key in keys[column][sid] for i in groups.get(key, [])]
                      for sid in ids}
        head = json.dumps([name, [str(c) for c in frame.columns]], ensure_ascii=False)
        for sid in ids:
            digests[sid].update(("\n".join([head, *(rows[i] for i in select[sid])]) + "\n")
                                .encode("utf-8"))
    return {sid: d.hexdigest() for sid, d in digests.items()}


class Manifest:
    """``OUT/manifest.json`` and its journal: loaded (and the journal replayed) at start, each
    report appended to the journal as it is recorded (:meth:`record`), compacted at the end
    (:meth:`save`)."""

    def __init__(self, path: Path):
        self.path = path
        self.journal = path.with_name(JOURNAL)
        self.data: dict[str, Any] = {"format": MANIFEST_FORMAT, "run": {}, "subjects": {}}
        if path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                if loaded.get("format") == MANIFEST_FORMAT:
                    self.data["subjects"] = dict(loaded.get("subjects", {}))
            except (ValueError, AttributeError):
                print(f"警告 (warning): {path} 不是批量生成清单，将新建 (not a batch manifest; "
                      f"starting a new one)", file=sys.stderr)
        self.subjects.update(read_journal(self.journal))
        self._log = None

    @property
    def subjects(self) -> dict[str, dict[str, Any]]:
        """Subject id → its entry."""
        return self.data["subjects"]

    def record(self, subject_id: str, entry: dict[str, Any]) -> None:
        """Set a subject's entry and append it to the journal (flushed: a kill after this loses
        nothing of it)."""
        self.subjects[subject_id] = entry
        if self._log is None:
            check_inside(self.path.parent, self.journal)
            self._log = open(self.journal, "a", encoding="utf-8")  # noqa: SIM115 (closed by save)
        self._log.write(json.dumps({"subject": subject_id, "entry": entry},
                                   ensure_ascii=False) + "\n")
        self._log.flush()

    def save(self) -> None:
        """Write the manifest atomically, then drop the journal it now contains."""
        self.data["subjects"] = dict(sorted(self.subjects.items()))
        text = json.dumps(self.data, ensure_ascii=False, indent=1)
        atomic_write(self.path, lambda p: p.write_text(text, encoding="utf-8"),
                     root=self.path.parent)
        if self._log is not None:
            self._log.close()
            self._log = None
        self.journal.unlink(missing_ok=True)


def read_journal(path: Path) -> dict[str, dict[str, Any]]:
    """Subject id → entry of every complete line of a journal (later lines win); a line cut short
    by a kill, or anything that is not an entry, is skipped."""
    entries: dict[str, dict[str, Any]] = {}
    if not path.is_file():
        return entries
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                item = json.loads(line)
                entries[str(item["subject"])] = dict(item["entry"])
            except (ValueError, KeyError, TypeError):
                continue
    return entries


def load_manifest(out_dir: str | Path) -> dict[str, Any]:
    """Read ``OUT/manifest.json`` of a batch, with the journal of a run still going or killed."""
    path = Path(out_dir) / MANIFEST
    if not path.is_file() and not path.with_name(JOURNAL).is_file():
        raise InputError(f"{out_dir}：应为批量输出目录，含 {MANIFEST}，实际没有 "
                         f"(expected a batch output folder with {MANIFEST}, found none)")
    data = (json.loads(path.read_text(encoding="utf-8")) if path.is_file()
            else {"format": MANIFEST_FORMAT, "run": {}, "subjects": {}})
    data.setdefault("subjects", {}).update(read_journal(path.with_name(JOURNAL)))
    return data


def _file_sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def up_to_date(entry: Mapping[str, Any] | None, key: Mapping[str, str], out: Path, sid: str,
               formats: Sequence[str]) -> bool:
    """Whether a recorded report stands: status ok, same key, every file present and unchanged."""
    if not entry or entry.get("status") != "ok" or any(entry.get(k, "") != v
                                                      for k, v in key.items()):
        return False
    files = entry.get("files", {})
    return all(ext in files and _file_sha256(out / sid / file_name(sid, ext)) == files[ext]["sha256"]
               for ext in (*formats, *ALWAYS))


def _remove_outputs(out: Path, sid: str, keep: Iterable[str] = ()) -> None:
    """Remove a report's files (by the names evalkit gives them, never a recorded path)."""
    folder = out / sid
    for ext in set(EXTENSIONS) - set(keep):
        (folder / file_name(sid, ext)).unlink(missing_ok=True)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def summary_json(summary: Mapping[str, Any]) -> bytes:
    """The ``.json`` file of a report: its summary with provenance, as UTF-8."""
    return json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8")


def record(out: Path, result: SubjectResult, base: Mapping[str, Any],
           report_type: ReportType, provenance: Mapping[str, Any]) -> dict[str, Any]:
    """Write a report's files atomically (its ``.json`` with ``provenance``) and return its
    manifest entry. A failed report loses the outputs of an earlier run, so ``OUT`` never holds a
    report that disagrees with the data; its partial notebook goes to ``_failed/``. A link in
    ``OUT`` that leads out of it is refused (:func:`evalkit.io.check_inside`) before any file
    is removed or written."""
    sid = result.subject_id
    failed_nb = out / FAILED_DIR / f"{sid}.ipynb"
    if is_safe(report_type.subject, sid):  # before anything is removed or written
        check_inside(out, out / sid / sid)
        check_inside(out, failed_nb)
    entry = {**base, "status": result.status, "timings": dict(result.timings),
             "worker": result.worker, "finished": now()}
    if result.status == "ok":
        summary = {**(result.summary or {}), "provenance": dict(provenance)}
        contents = {**result.files, "json": summary_json(summary)}
        files = {}
        try:
            for ext, content in contents.items():
                atomic_write(out / sid / file_name(sid, ext),
                             lambda p, c=content: p.write_bytes(c), root=out)
                files[ext] = {"path": f"{sid}/{file_name(sid, ext)}",
                              "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
        except BaseException:  # a full disk …: no report is left with only some of its files
            _remove_outputs(out, sid)
            raise
        _remove_outputs(out, sid, keep=contents)
        entry.update(files=files, error=None, **report_type.verdict(summary).to_record())
        failed_nb.unlink(missing_ok=True)
        return entry
    error = dict(result.error or {})
    error["notebook"] = None
    if is_safe(report_type.subject, sid):
        _remove_outputs(out, sid)
        if result.notebook is not None:
            atomic_write(failed_nb, lambda p: p.write_bytes(result.notebook), root=out)
            error["notebook"] = f"{FAILED_DIR}/{sid}.ipynb"
        else:
            failed_nb.unlink(missing_ok=True)
    entry.update(files={}, error=error, **report_type.verdict(None).to_record())
    return entry


def is_safe(subject: Subject, sid: str) -> bool:
    """Whether ``sid`` may be used as a file name."""
    try:
        subject.safe_id(sid)
    except InputError:
        return False
    return True


def clean_temporaries(out: Path) -> None:
    """Remove temporary files a killed run left (``atomic_write`` names them ``.NAME.*.tmp``)."""
    for tmp in out.rglob(".*.tmp"):
        if tmp.is_file():
            tmp.unlink()


def now() -> str:
    """The time in UTC, ISO 8601, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")
