"""What every stage shares: the :class:`StageResult` base class and a few small helpers.

The helpers are for the stage modules (JSON-safe scalars, the "known ids" list of an error, the
project row of a dataset, the warnings of a result, the required keys of a rule-set section);
they are not part of evalkit's public API.
"""

from __future__ import annotations

import abc
import html
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit.errors import EvalkitWarning, InputError

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.io import Dataset
    from evalkit.rules import Band, RuleSet

__all__ = ["StageResult"]

#: How many known ids an "unknown id" error lists.
KNOWN_LISTED = 8


class StageResult(abc.ABC):
    """The result of one stage for one subject (a project): the base of every stage's result.

    Subclasses are frozen dataclasses (:class:`~evalkit.stages.exante.ExAnteResult`,
    :class:`~evalkit.stages.keyproject.KeyProjectResult`,
    :class:`~evalkit.stages.selfeval.SelfEvalResult`) holding at least these two fields:

    Attributes
    ----------
    project_id : object
        The subject evaluated, as written in the dataset.
    ruleset : dict
        ``ruleset_id``, ``ruleset_version``, ``ruleset_sha256`` of the rule set applied.

    Notes
    -----
    :meth:`summary` is the machine record a report stores as its JSON summary (unrounded floats,
    plain Python types, ``project_id`` first and the rule-set record last); :meth:`to_frame` the
    result's main table; ``_repr_html_`` shows the key facts, the rule set, notes and the result's
    tables in JupyterLab (subclasses fill in :meth:`_html_facts`, :meth:`_html_notes` and
    :meth:`_html_tables`; numbers are rounded there, for display only).
    """

    __slots__ = ()

    project_id: Any
    ruleset: dict
    #: Decimals of the floats in the HTML tables.
    _html_digits = 4

    @abc.abstractmethod
    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable record of the result (floats unrounded)."""

    @abc.abstractmethod
    def to_frame(self) -> pd.DataFrame:
        """The result's main table."""

    def weight_components(self) -> pd.DataFrame:
        """The total as a sum of weighted components, for :mod:`evalkit.sensitivity`.

        Returns
        -------
        pandas.DataFrame
            One row per level-2 component: ``level1``, ``level2``, ``level1_weight`` (the rule
            set's nominal points of the level-1 indicator), ``weight`` (the points the component
            carried for this subject, after any rescaling) and ``score``; ``score`` sums to the
            total. A stage whose total is not such a sum does not override this.

        Raises
        ------
        NotImplementedError
            For a stage that does not decompose its total.
        """
        raise NotImplementedError(f"{type(self).__name__} 未提供权重分解，无法做权重敏感性分析"
                                  f"({type(self).__name__} has no weight_components())")

    def verdict_bands(self, ruleset: RuleSet) -> tuple[Band, ...]:
        """The bands the verdict is read from: the rule set's grade bands unless overridden."""
        return ruleset.grades

    def fixed_verdict(self) -> str:
        """A verdict that does not follow the total (a veto), else ``""``."""
        return ""

    def _html_facts(self) -> list[tuple[str, object]]:
        """(label, value) lines shown before the rule set."""
        return [("项目", self.project_id)]

    def _html_notes(self) -> list[tuple[str, object]]:
        """(label, text) lines shown after the rule set: vetoes, warnings, reallocations."""
        return []

    def _html_tables(self) -> list[pd.DataFrame]:
        """The tables shown under the facts."""
        return [self.to_frame()]

    def _repr_html_(self) -> str:
        facts = [*self._html_facts(), ("规则集", self.ruleset.get("ruleset_id", "")),
                 *self._html_notes()]
        lines = "<br>".join(f"<b>{html.escape(label)}</b>: {html.escape(str(value))}"
                            for label, value in facts)
        digits = self._html_digits
        return f"<p>{lines}</p>" + "".join(
            table.to_html(index=False, float_format=lambda x: f"{x:.{digits}f}")
            for table in self._html_tables())


def plain(value: Any) -> Any:
    """A numpy scalar as the Python scalar it holds (JSON cannot serialise numpy types).

    >>> type(plain(np.int64(3))).__name__, plain("P1")
    ('int', 'P1')
    """
    return value.item() if isinstance(value, np.generic) else value


def known_ids(ids: Sequence[Any]) -> str:
    """The first :data:`KNOWN_LISTED` ids for an error message, ``…`` when there are more.

    >>> known_ids(["P1", "P2"]), known_ids(list(range(10)))
    ("'P1', 'P2'", '0, 1, 2, 3, 4, 5, 6, 7 …')
    """
    listed = ", ".join(repr(plain(i)) for i in ids[:KNOWN_LISTED])
    return listed + (" …" if len(ids) > KNOWN_LISTED else "")


def project_row(dataset: Dataset, project_id: Any) -> pd.Series:
    """The projects-table row of ``project_id``; an unknown id is an InputError listing known ids."""
    projects = dataset.table("projects")
    match = projects[projects["project_id"] == project_id]
    if match.empty:
        raise InputError(f"dataset {dataset.source}: expected project {project_id!r} in the "
                         f"projects table (项目), found none; known projects: "
                         f"{known_ids(list(projects['project_id']))}")
    return match.iloc[0]


def warn(project_id: Any, messages: Iterable[str], stacklevel: int = 2) -> None:
    """Emit each of a result's messages as an :class:`~evalkit.errors.EvalkitWarning`.

    ``stacklevel`` counts from the caller, as for :func:`warnings.warn`: the default 2 points the
    warning at the code that called the stage function calling this one.
    """
    for message in messages:
        warnings.warn(f"项目 {project_id}：{message}", EvalkitWarning, stacklevel=stacklevel + 1)


def require_keys(section: Mapping[str, Any], name: str, keys: Iterable[str],
                 fail: Callable[[str, str, object], None]) -> None:
    """Fail on the first of ``keys`` missing from the rule-set section ``name``.

    ``fail(key, expected, found)`` raises, as for a stage's ``check_ruleset``.
    """
    if not isinstance(section, Mapping):
        fail(name, "a mapping", section)
    for key in keys:
        if key not in section:
            fail(f"{name}.{key}", "a required key of the section", None)
