"""Start-up of evalkit's own processes: the ``evalkit`` command and the batch workers it spawns."""

from __future__ import annotations

import sys


def skip_iri_grammars() -> None:
    """Let jsonschema go without its ``iri`` format checker in this process.

    nbformat imports jsonschema in every command and batch worker, and jsonschema imports
    rfc3987-syntax for the ``iri`` and ``iri-reference`` formats when it is installed (it comes
    with JupyterLab and Voilà, through jupyter-events' ``jsonschema[format-nongpl]``). That
    package compiles 39 Earley grammars at import: 1.5 s of CPU in each process on a 2-core
    machine (python-jsonschema/jsonschema#1428), paid by the client and every worker of every
    batch. No notebook schema uses those formats, so evalkit's own processes mark the module
    absent (jsonschema then skips the two checkers). Call before anything imports jsonschema;
    a process that imported it already keeps its checkers.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
