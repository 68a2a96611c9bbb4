"""Build hook only: copies the report templates and the sample county into the built package.

All metadata lives in pyproject.toml. The templates (``notebooks/*.ipynb``) and the sample dataset
(``data/sample/``) stay at the top of the repository, outside the package; this ``build_py`` copies
them into ``<build_lib>/evalkit/_bundled/`` so that wheels (built from the checkout or from an
sdist, whose MANIFEST.in carries the sources) ship them as package data. Nothing is written into
the source tree. Editable installs copy nothing: there evalkit finds the checkout's own files
(:mod:`evalkit.bundle`).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: Folder inside the package that receives the copies (evalkit.bundle.BUNDLED).
BUNDLED = Path("evalkit", "_bundled")
#: Copied files: glob in the repository -> folder under BUNDLED.
BUNDLE = {
    "notebooks/*.ipynb": "notebooks",
    "data/sample/sample_county.xlsx": "sample",
    "data/sample/README.md": "sample",
    "data/sample/csv/*.csv": "sample/csv",
}


class BuildPyWithBundle(build_py):
    """``build_py`` that also copies :data:`BUNDLE` into ``build_lib`` (not in editable mode)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the editable finder maps evalkit to the checkout, which has the sources
        for target, source in self._bundle_mapping().items():
            self.mkpath(str(Path(target).parent))
            self.copy_file(source, target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs  # already built from get_output_mapping() below
        return [*outputs, *self._bundle_mapping()]

    def get_output_mapping(self) -> dict[str, str]:
        # setuptools >= 64 (PEP 660): lets a strict editable install link the copies too
        return {**super().get_output_mapping(), **self._bundle_mapping()}

    def _bundle_mapping(self) -> dict[str, str]:
        """Destination in ``build_lib`` -> source file, for every file :data:`BUNDLE` names."""
        mapping: dict[str, str] = {}
        for pattern, folder in BUNDLE.items():
            sources = sorted(ROOT.glob(pattern))
            if not sources:
                raise FileNotFoundError(f"bundled resources: expected {pattern} in {ROOT}, "
                                        "found nothing (sdist without MANIFEST.in?)")
            for source in sources:
                target = Path(self.build_lib, BUNDLED, folder, source.name)
                mapping[str(target)] = str(source)
        return mapping


setup(cmdclass={"build_py": BuildPyWithBundle})
