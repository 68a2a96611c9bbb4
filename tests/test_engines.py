"""The in-process engine gives the outputs of a fresh-kernel papermill run, for every report type.

For each registered report type, two subjects run through the in-process engine in one shell
(the second after the namespace reset: the warm case; a type with one subject, such as a
county-year, runs it twice), and the second again through papermill's own engine in a fresh
kernel. Their executed notebooks must agree cell by cell: output types,
stream names and text (warnings included), and the ``text/html``, ``text/plain`` and summary
mimetypes of every display — the HTML carries the charts' PNGs, so matplotlib's backend and the
CJK font set-up must behave the same. Execution counts must match too; timestamps are ignored.
The kernel engine (``--engine kernel``) is checked the same way on one report type.
"""

import re
from pathlib import Path

import nbformat
import pytest

from evalkit import registry
from evalkit.batch import parse_subjects, run_batch
from evalkit.bundle import sample_dataset
from evalkit.engine import InProcessEngine, InProcessShell, inprocess_shell
from evalkit.errors import InputError
from evalkit.io import load_dataset
from evalkit.report import SUMMARY_MIME
from evalkit.rules import load_ruleset

COMPARED = ("text/html", "text/plain", SUMMARY_MIME)
#: ipykernel names a cell's code /tmp/ipykernel_<pid>/<hash of the code>.py (warnings show it):
#: the process id differs from run to run, the hash must not.
KERNEL_PID = re.compile(r"ipykernel_\d+")


def _two_subjects(report_type) -> list[str]:
    """The first two subjects of the sample, or the only one (run twice, see :func:`_warm`)."""
    rules = load_ruleset("national")
    ids = parse_subjects("all", report_type, load_dataset(sample_dataset(), rules), rules)
    assert ids, report_type.name
    return list(ids[:2])


def _cells(path: Path) -> list[tuple]:
    """A valid notebook's cells as a reader sees them: count and outputs (streams joined as
    nbclient's ``coalesce_streams`` would), compared mimetypes only."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)  # the batch writes notebooks without nbformat's check (notebook_bytes)
    cells = []
    for cell in nb.cells:
        outputs: list[list] = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                text = KERNEL_PID.sub("ipykernel_<pid>", out.text)
                if outputs and outputs[-1][:2] == ["stream", out.name]:
                    outputs[-1][2] += text
                else:
                    outputs.append(["stream", out.name, text])
            elif out.output_type == "error":
                outputs.append(["error", out.ename, out.evalue])
            else:
                data = {k: v for k, v in out.get("data", {}).items() if k in COMPARED}
                assert data, f"output without a compared mimetype: {sorted(out.get('data', {}))}"
                outputs.append([out.output_type, data])
        cells.append((cell.cell_type, cell.get("execution_count"), outputs))
    return cells


def _run(name: str, ids: list[str], out: Path, **options) -> Path:
    result = run_batch(name, subjects=ids, out_dir=out, formats=["html"], workers=1,
                       portfolio=False, progress=False, **options)
    assert result.ok and sorted(result.made) == sorted(ids), result.messages
    return out / ids[-1] / f"{ids[-1]}.ipynb"


def _warm(name: str, ids: list[str], out: Path) -> Path:
    """The last of ``ids`` run in-process after another notebook ran in the same shell (serial
    runs share the process's shell): with one subject, a first run of it warms the shell."""
    if len(ids) == 1:
        _run(name, ids, out.with_name(out.name + "-first"), engine="inprocess")
    return _run(name, ids, out, engine="inprocess")


@pytest.mark.parametrize("name", [t.name for t in registry.report_types()])
def test_inprocess_engine_equals_a_fresh_kernel(name, tmp_path):
    ids = _two_subjects(registry.get(name))
    last = ids[-1]
    warm = _cells(_warm(name, ids, tmp_path / "inprocess"))
    fresh = _cells(_run(name, [last], tmp_path / "fresh", cold=True))
    assert warm == fresh
    assert any(outputs for _, _, outputs in warm)  # the comparison saw outputs at all
    html = (tmp_path / "inprocess" / last / f"{last}.html").read_bytes()
    assert html == (tmp_path / "fresh" / last / f"{last}.html").read_bytes()


def test_kernel_engine_equals_a_fresh_kernel(tmp_path):
    name = "ex_ante_assessment"
    ids = _two_subjects(registry.get(name))
    warm = _cells(_run(name, ids, tmp_path / "kernel", engine="kernel"))
    assert warm == _cells(_run(name, ids[1:], tmp_path / "fresh", cold=True))


def test_inprocess_shell_outputs_errors_and_reset(tmp_path, monkeypatch):
    """Display, last value, streams in order, an error stops the notebook; the reset clears the
    namespace and restarts the count."""
    from papermill.execute import prepare_notebook_metadata

    def run(cells):  # through papermill's engine wrapper, as papermill.execute_notebook does
        nb = nbformat.v4.new_notebook(cells=cells, metadata={"papermill": {}})
        return InProcessEngine.execute_notebook(prepare_notebook_metadata(nb, "in.ipynb", None),
                                                "python3", progress_bar=False)

    assert isinstance(inprocess_shell(), InProcessShell)
    monkeypatch.chdir(tmp_path)
    done = run([
        nbformat.v4.new_code_cell("x = 41\nprint('a'); print('b')\nimport sys; "
                                  "print('w', file=sys.stderr)"),
        nbformat.v4.new_code_cell("from IPython.display import display, HTML\n"
                                  "display(HTML('<b>x</b>'))\nx + 1"),
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("1 / 0"),
        nbformat.v4.new_code_cell("print('never')"),
    ])
    nbformat.validate(done)  # every output type, made without nbformat's per-output check
    first, second, _, third, fourth = done.cells
    assert [(o.output_type, o.get("name"), o.get("text")) for o in first.outputs] == [
        ("stream", "stdout", "a\nb\n"), ("stream", "stderr", "w\n")]
    assert [o.output_type for o in second.outputs] == ["display_data", "execute_result"]
    assert second.outputs[0].data["text/html"] == "<b>x</b>"
    assert second.outputs[1].data["text/plain"] == "42" and second.outputs[1].execution_count == 2
    assert third.outputs[0].output_type == "error" and third.outputs[0].ename == "ZeroDivisionError"
    assert fourth.outputs == [] and fourth.execution_count is None
    assert done.metadata.papermill.exception and done.metadata.language_info.name == "python"
    again = run([nbformat.v4.new_code_cell("'x' in dir()")])
    assert again.cells[0].outputs[0].data["text/plain"] == "False"
    assert again.cells[0].execution_count == 1


def test_unknown_engine_is_a_clear_message(tmp_path):
    with pytest.raises(InputError, match="--engine：应为 inprocess、kernel 之一"):
        run_batch("ex_ante_assessment", subjects=["SQ-2021-001"], out_dir=tmp_path,
                  formats=["html"], workers=1, portfolio=False, progress=False, engine="fast")
