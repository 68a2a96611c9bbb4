"""Exceptions and warnings raised by evalkit.

Every error evalkit raises on purpose derives from :class:`EvalkitError`; every judgement-call
warning (few experts, CR close to its limit, a target probably set too low) derives from
:class:`EvalkitWarning`, so callers can filter them as a family.
"""

from __future__ import annotations

from dataclasses import dataclass


class EvalkitError(Exception):
    """Root of every error evalkit raises on purpose."""


class InputError(EvalkitError, ValueError):
    """A value or table supplied by the user cannot be used as it is."""


class CellError(InputError):
    """A single cell cannot be parsed; ``column`` names the canonical column it came from."""

    def __init__(self, column: str, expected: str, found: object):
        self.column, self.expected, self.found = column, expected, found
        super().__init__(f"column {column}: expected {expected}, found {found!r}")


class OutputError(EvalkitError, OSError):
    """An output cannot be written where it was asked for: a folder that is a file or not
    writable, a full disk, a link leading out of the output folder, or a folder another batch is
    writing; nothing half-written is left behind. An OSError too, for callers that catch those."""


class RuleSetError(EvalkitError, ValueError):
    """A rule set is missing a key, or its tables contradict themselves."""


class InconsistentMatrixError(InputError):
    """A pairwise comparison matrix is not a valid reciprocal matrix."""


class IndicatorTreeError(InputError):
    """An indicator tree has duplicate codes or children that do not add up to their parent."""


@dataclass(frozen=True)
class Problem:
    """One located problem in an input dataset.

    Attributes
    ----------
    file, sheet : str
        Where the table came from (``sheet`` is empty for CSV files).
    row : int or None
        The row number as Excel shows it (header is row 1, so the first data row is 2).
    column : str
        The column header as it appears in the file.
    expected, found : str
        What the cell should hold, and what it holds.
    cell : str
        The cell address as Excel shows it (``D12``) where a form, not a table, was read.
    """

    file: str
    sheet: str
    row: int | None
    column: str
    expected: str
    found: str
    cell: str = ""

    @property
    def place(self) -> str:
        """Where: ``文件，工作表 X，第 N 行，列 Y`` (the parts that are known)."""
        place = [self.file]
        if self.sheet:
            place.append(f"工作表 {self.sheet}")
        if self.row is not None:
            place.append(f"第 {self.row} 行")
        if self.column:
            place.append(f"列 {self.column}")
        if self.cell:
            place.append(f"单元格 {self.cell}")
        return "，".join(place)

    def __str__(self) -> str:
        return f"{self.place}：应为{self.expected}，实际为 {self.found}"


class DatasetError(InputError):
    """A dataset failed validation; ``problems`` lists every failure found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = [f"数据校验发现 {len(self.problems)} 个问题 (dataset validation found "
                 f"{len(self.problems)} problem(s)):"]
        lines += [f"  {i}. {p}" for i, p in enumerate(self.problems, 1)]
        super().__init__("\n".join(lines))


class EvalkitWarning(UserWarning):
    """A legal but doubtful input or result that a reviewer should look at."""
