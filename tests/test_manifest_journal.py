"""The batch manifest's journal: every recorded report survives a kill; the end compacts it."""

import json
from itertools import pairwise

from evalkit.batch.manifest import JOURNAL, MANIFEST, Manifest, load_manifest


def _entry(n: int) -> dict:
    return {"status": "ok", "total": 90.0 + n, "files": {}}


def test_a_killed_run_loses_no_recorded_report_and_the_end_compacts(tmp_path):
    first = Manifest(tmp_path / MANIFEST)
    first.record("P1", _entry(1))
    first.save()  # an earlier, finished run
    assert not (tmp_path / JOURNAL).exists()

    run = Manifest(tmp_path / MANIFEST)
    run.record("P2", _entry(2))
    run.record("P1", _entry(3))  # redone: the later line wins
    # killed here: no save(); the kill also cut a line short
    with open(tmp_path / JOURNAL, "a", encoding="utf-8") as fh:
        fh.write('{"subject": "P9", "entry": {"sta')
    recorded = load_manifest(tmp_path)["subjects"]
    assert recorded == {"P1": _entry(3), "P2": _entry(2)}
    on_disk = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))["subjects"]
    assert on_disk == {"P1": _entry(1)}  # the journal, not the manifest, holds the new ones

    resumed = Manifest(tmp_path / MANIFEST)
    assert resumed.subjects == recorded
    resumed.record("P3", _entry(4))
    resumed.save()
    assert not (tmp_path / JOURNAL).exists()
    assert load_manifest(tmp_path)["subjects"] == {**recorded, "P3": _entry(4)}


def test_journal_lines_are_appended_not_rewritten(tmp_path):
    """Recording the n-th report appends one line: the cost does not grow with n."""
    m = Manifest(tmp_path / MANIFEST)
    sizes = []
    for i in range(200):
        m.record(f"P{i:03d}", _entry(i))
        sizes.append((tmp_path / JOURNAL).stat().st_size)
    steps = {b - a for a, b in pairwise(sizes)}
    assert max(steps) - min(steps) <= 4  # digits of the id and total only
    assert len((tmp_path / JOURNAL).read_text(encoding="utf-8").splitlines()) == 200
