"""Where the report templates and the sample county dataset are: checkout or installed package.

Their source lives outside the package, at the top of the repository: ``notebooks/*.ipynb`` and
``data/sample/`` (``sample_county.xlsx`` and the ``csv/`` folder). A built wheel carries copies as
package data under ``evalkit/_bundled/`` (``setup.py`` copies them at build time), so:

* imported from a source checkout or an editable install, these functions return the checkout's
  own files, e.g. ``<repo>/data/sample/sample_county.xlsx`` (the path report JSON records);
* imported from an installed wheel, they return the copies inside the installed package,
  found with :mod:`importlib.resources`.

The checkout wins whenever ``evalkit`` sits directly in a folder that also holds the project's
``pyproject.toml`` and the resource; otherwise the package copy is used. If neither exists,
:class:`~evalkit.errors.InputError` says what was expected where.

>>> notebooks_dir().joinpath("ex_ante_assessment.ipynb").is_file()
True
>>> sample_dataset().name
'sample_county.xlsx'
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from evalkit.errors import InputError

#: Folder of the package-data copies inside an installed wheel (see ``setup.py``).
BUNDLED = "_bundled"
#: Each resource: its path in a source checkout and in the package copy (under BUNDLED).
_RESOURCES = {
    "notebooks": (("notebooks",), ("notebooks",)),
    "sample_dataset": (("data", "sample", "sample_county.xlsx"), ("sample", "sample_county.xlsx")),
    "sample_folder": (("data", "sample", "csv"), ("sample", "csv")),
}
_LABELS = {"notebooks": "report templates 报告模板 (a folder of .ipynb)",
           "sample_dataset": "sample dataset 示例数据 (sample_county.xlsx)",
           "sample_folder": "sample dataset 示例数据 (a CSV folder)"}


def notebooks_dir() -> Path:
    """The folder of report templates (``ex_ante_assessment.ipynb`` …).

    Returns
    -------
    Path
        ``<repo>/notebooks`` in a checkout or editable install, else
        ``<site-packages>/evalkit/_bundled/notebooks``.

    Raises
    ------
    InputError
        If neither folder exists.
    """
    return _locate("notebooks")


def sample_dataset() -> Path:
    """The sample county workbook, what ``--dataset sample`` names.

    Returns
    -------
    Path
        ``<repo>/data/sample/sample_county.xlsx`` in a checkout or editable install, else
        ``<site-packages>/evalkit/_bundled/sample/sample_county.xlsx``.

    Raises
    ------
    InputError
        If neither file exists.
    """
    return _locate("sample_dataset")


def sample_folder() -> Path:
    """The sample county as a folder of CSV files (the same tables as :func:`sample_dataset`).

    Returns
    -------
    Path
        ``<repo>/data/sample/csv`` in a checkout or editable install, else
        ``<site-packages>/evalkit/_bundled/sample/csv``.

    Raises
    ------
    InputError
        If neither folder exists.
    """
    return _locate("sample_folder")


def _checkout_root() -> Path | None:
    """The repository root if this evalkit is imported from a source checkout, else None."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() else None


@functools.cache
def _locate(name: str) -> Path:
    """The path of resource ``name``: the checkout's copy first, then the package's.

    Cached: resources do not move while a process runs. A missing resource is not cached (the
    error is raised again on the next call).
    """
    in_checkout, in_package = _RESOURCES[name]
    kind = "dir" if name != "sample_dataset" else "file"
    candidates: list[str] = []
    root = _checkout_root()
    if root is not None:
        path = root.joinpath(*in_checkout)
        if _exists(path, kind):
            return path
        candidates.append(str(path))
    bundled = resources.files("evalkit").joinpath(BUNDLED, *in_package)
    if isinstance(bundled, Path) and _exists(bundled, kind):
        return bundled.resolve()
    candidates.append(str(bundled))
    raise InputError(f"{_LABELS[name]}: expected a {'folder' if kind == 'dir' else 'file'} at "
                     f"{' or '.join(candidates)}, found nothing; reinstall evalkit "
                     "(未找到随包资源，请重新安装 evalkit)")


def _exists(path: Path, kind: str) -> bool:
    return path.is_dir() if kind == "dir" else path.is_file()
