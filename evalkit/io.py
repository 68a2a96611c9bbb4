"""Read and validate datasets: the only module that touches input files.

A dataset is a folder of CSV files (``projects.csv`` or ``项目.csv`` …) or one ``.xlsx`` workbook
with one sheet per table (``项目``, ``绩效指标`` … or the English names). Headers may be English or
Chinese (:mod:`evalkit.schemas`). Every table is checked at the boundary and **all** problems are
reported at once, each naming the file, sheet, row as Excel shows it, column, what was expected and
what was found. Tables that pass come back in canonical form (English column names, numbers parsed,
indicator cells parsed by :func:`evalkit.values.parse_indicator_cells`), so inner code trusts them.

Cell checks use our own parser (Excel text such as ``≥90%`` or ``12万元`` is beyond a schema
library); range and uniqueness checks on the parsed tables use pandera, lazily, so every failure is
collected.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalkit.county_checks import county_year_checks
from evalkit.engagement import engagement_problems
from evalkit.errors import CellError, DatasetError, InputError, OutputError, Problem
from evalkit.rules import RuleSet, is_number, load_ruleset, validation_options
from evalkit.schemas import (
    ENGAGEMENT,
    EXPERT_SCORES,
    INDICATOR_ROUNDS,
    INDICATORS,
    MONITORING,
    MONITORING_CAUSES,
    MONITORING_INDICATORS,
    MONITORING_LIKELIHOODS,
    PROJECTS,
    SELF_SCORES,
    SURVEY,
    TABLES,
    UNIT_MONITORING,
    UNIT_TASK_MONITORING,
    TableSpec,
    has_indicator_sheet,
    header_key,
    header_map,
)
from evalkit.values import (
    IndicatorCells,
    display_text,
    is_not_applicable,
    normalize_text,
    parse_comparator,
    parse_indicator_cells,
    parse_value,
)
from evalkit.workbook import FORMULA_PREFIXES

_TRUE = {"是", "true", "yes", "y", "1", "扶贫"}
_FALSE = {"否", "false", "no", "n", "0", ""}


@dataclass(frozen=True)
class _Location:
    """Where a table came from, to turn a row index back into an Excel row number."""

    file: str
    sheet: str
    headers: Mapping[str, str]  # canonical column → header as written in the file
    rows: np.ndarray  # Excel row number of each data row


@dataclass(frozen=True)
class Dataset:
    """A validated dataset: canonical tables plus where each row came from.

    Attributes
    ----------
    tables : dict of DataFrame
        ``units``, ``projects``, ``indicators`` and, when present, ``expert_scores``, ``survey``.
    source : str
        The folder or workbook read.
    sha256 : dict
        Hash of every file read (file name → hex digest), for the provenance of each report.
    encodings : dict
        The text encoding each CSV file was read in (file name → ``UTF-8``, ``UTF-8 (BOM)``,
        ``GB18030`` …; empty for a workbook).
    warnings : tuple of Problem
        Located doubts that do not stop the dataset (an amount out of proportion to the budget,
        weights rescaled under ``validation.weight_sum_policy: rescale``, a survey answer the
        satisfaction rate excludes); ``validate`` prints them.
    """

    tables: Mapping[str, pd.DataFrame]
    source: str
    sha256: Mapping[str, str]
    _locations: Mapping[str, _Location] = field(repr=False, default_factory=dict)
    encodings: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()

    @property
    def projects(self) -> pd.DataFrame:
        """The projects table."""
        return self.tables["projects"]

    @property
    def indicators(self) -> pd.DataFrame:
        """The indicators table."""
        return self.tables["indicators"]

    @property
    def units(self) -> pd.DataFrame:
        """The units table."""
        return self.tables["units"]

    def table(self, name: str) -> pd.DataFrame:
        """A table by name; a table the dataset lacks is an InputError naming its sheet."""
        if name not in self.tables:
            spec = next((t for t in TABLES if t.name == name), None)
            label = f"{spec.chinese} ({name})" if spec else name
            raise InputError(f"dataset {self.source}: expected a table {label}, found none")
        return self.tables[name]

    def row(self, table: str, column: str, value: str) -> pd.Series:
        """The first row of ``table`` whose ``column`` equals ``value`` (a report's subject).

        An unknown value is an InputError that lists some known ones.

        >>> ds = Dataset({"projects": pd.DataFrame({"project_id": ["A", "B"]})}, "例", {})
        >>> ds.row("projects", "project_id", "B")["project_id"]
        'B'
        """
        frame = self.table(table)
        hit = frame[frame[column] == value]
        if hit.empty:
            known = ", ".join(map(str, frame[column].head(8)))
            raise InputError(f"{column} {value!r}: expected an id in the {table} table "
                             f"({known}, …), found none")
        return hit.iloc[0]

    def project(self, project_id: str) -> pd.Series:
        """The projects-table row of ``project_id``; an unknown id lists some known ones."""
        return self.row("projects", "project_id", project_id)

    def locate(self, table: str, index: int, column: str = "") -> Problem:
        """A :class:`Problem` skeleton naming the file, sheet, Excel row and header of a cell."""
        loc = self._locations[table]
        return Problem(loc.file, loc.sheet, int(loc.rows[index]),
                       loc.headers.get(column, column), "", "")


def read_dataset(path: str | Path, *, ruleset: RuleSet | str = "national") -> Dataset:
    """Read a dataset folder or workbook and validate every table, reporting all problems at once.

    Parameters
    ----------
    path : str or Path
        A folder of CSV files (UTF-8 with or without BOM, or GB18030/GBK as Excel saves them on
        Chinese Windows: :func:`decode_csv`) or one ``.xlsx`` workbook.
    ruleset : RuleSet or str
        Used to check qualitative tiers typed as actual values, and for the ``validation``
        options (:func:`evalkit.rules.validation_options`: amount proportions, weight sums).

    Returns
    -------
    Dataset

    Raises
    ------
    DatasetError
        Listing every problem found (file, sheet, Excel row, column, expected, found), including
        a file that cannot be read or decoded, an empty, corrupt or password-protected workbook,
        and two files (or sheets) that both name one table.
    InputError
        When the path is neither a folder nor an ``.xlsx`` file.
    """
    path = Path(path)
    rs = load_ruleset(ruleset)
    encodings: dict[str, str] = {}
    if path.is_dir():
        raw, hashes, problems = _read_folder(path, encodings)
    elif path.suffix.lower() in (".xlsx", ".xlsm") and path.is_file():
        raw, hashes, problems = _read_workbook(path)
    else:
        raise InputError(f"{path}：应为 CSV 文件夹或 .xlsx 工作簿，实际"
                         f"{'不存在' if not path.exists() else '是其他类型的文件'} "
                         f"(expected a folder of CSV files or an .xlsx workbook, found "
                         f"{'nothing' if not path.exists() else 'another kind of file'})")
    if problems:
        raise DatasetError(problems)
    tables: dict[str, pd.DataFrame] = {}
    locations: dict[str, _Location] = {}
    unknown_headers: list[Problem] = []
    for spec in TABLES:
        if spec.name not in raw:
            if spec.required:
                where = str(path) if path.is_dir() else path.name
                problems.append(Problem(where, "", None, "", f"表 {spec.chinese} ({spec.name})",
                                        "缺少该表"))
            continue
        loc, frame = raw[spec.name]
        unknown_headers += _unknown_headers(spec, loc, frame)
        parsed, located, table_problems = _parse_table(spec, loc, frame, rs)
        problems += table_problems
        if parsed is not None:
            tables[spec.name], locations[spec.name] = parsed, located
    cross, warnings = _cross_checks(tables, locations, rs)
    problems += cross
    if problems:
        raise DatasetError(problems)
    return Dataset(tables, str(path), hashes, locations, encodings,
                   (*unknown_headers, *warnings))


def _unknown_headers(spec: TableSpec, where: tuple[str, str], rows: list[list]) -> list[Problem]:
    """A warning per header of the table's first row that no column of ``spec`` accepts, with
    the closest header it does accept (difflib): such a column is not read, and is never
    dropped without a word."""
    import difflib

    if len(rows) == 0:
        return []
    known = [h for c in spec.columns for h in (c.chinese, *c.aliases)]
    accepted = header_map(spec)
    out = []
    for pos, cell in enumerate(rows[0]):
        header = normalize_text(cell)
        if not header or header_key(cell) in accepted:
            continue
        close = difflib.get_close_matches(header, known, n=1, cutoff=0.0)
        hint = f"（最接近的已知表头：{close[0]}）" if close else ""
        out.append(Problem(where[0], where[1], 1, header,
                           f"{spec.chinese}表的已知表头{hint}",
                           f"未识别的表头 {header!r}，第 {_column_letter(pos)} 列未读入"))
    return out


def _column_letter(pos: int) -> str:
    """The Excel letter of a 0-based column position.

    >>> _column_letter(0), _column_letter(27)
    ('A', 'AB')
    """
    letters = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def resolve_dataset(dataset: str | Path) -> Path:
    """The absolute path a dataset argument names; ``"sample"`` is the bundled sample county.

    The sample is the workbook shipped with evalkit (:func:`evalkit.bundle.sample_dataset`):
    the checkout's ``data/sample/sample_county.xlsx``, or the copy inside an installed wheel.
    """
    if str(dataset) == "sample":
        from evalkit.bundle import sample_dataset

        return sample_dataset().resolve()
    return Path(dataset).resolve()


def load_dataset(dataset: str | Path | Dataset,
                 ruleset: RuleSet | str | Path = "national") -> Dataset:
    """Resolve, read and validate a dataset, reusing the parsed tables while the files are
    unchanged.

    Parameters
    ----------
    dataset : str, Path or Dataset
        ``"sample"``, a CSV folder or an ``.xlsx`` workbook; a Dataset passes through unchanged.
    ruleset : RuleSet, str or Path
        As in :func:`read_dataset`.

    Returns
    -------
    Dataset
        The same object for the same files (path, modification time and size of each) and rule
        set, so a warm kernel producing many reports from one workbook reads it once; any change
        to a file reads it again.

    Raises
    ------
    DatasetError, InputError
        As :func:`read_dataset`.
    """
    if isinstance(dataset, Dataset):
        return dataset
    path = resolve_dataset(dataset)
    if not path.exists():
        raise InputError(f"数据集 {dataset}：应为 CSV 文件夹或 .xlsx 工作簿，实际不存在 {path} "
                         f"(expected a folder or .xlsx workbook, found nothing)")
    rs = load_ruleset(ruleset)
    key = (str(path), _stamp(path), rs.sha256)
    if key not in _LOADED:
        _remember(key, read_dataset(path, ruleset=rs))
    return _LOADED[key]


#: Datasets read by :func:`load_dataset`, oldest first: (path, file stamps, rule-set hash) → Dataset.
_LOADED: dict[tuple, Dataset] = {}
_LOADED_MAX = 4


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    """(name, modification time, size) of each file of a dataset folder or workbook."""
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    return tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)


def _remember(key: tuple, dataset: Dataset) -> None:
    while len(_LOADED) >= _LOADED_MAX:
        del _LOADED[next(iter(_LOADED))]
    _LOADED[key] = dataset


def dataset_seed(dataset: Dataset) -> tuple[tuple, bytes] | None:
    """A dataset :func:`load_dataset` read, as its cache key and pickle, for the worker processes
    of a batch (:func:`adopt_dataset`), so they need not read and validate the files again;
    None for a dataset that did not come from the cache."""
    import pickle

    for key, cached in _LOADED.items():
        if cached is dataset:
            return key, pickle.dumps(dataset, protocol=pickle.HIGHEST_PROTOCOL)
    return None


def adopt_dataset(seed: tuple[tuple, bytes]) -> bool:
    """Put a dataset from :func:`dataset_seed` (made by this batch's client process) into this
    process's :func:`load_dataset` cache, unless it is there already or its files changed since
    (then load_dataset reads them as usual). True if it was adopted."""
    import pickle

    key, data = seed
    path = Path(key[0])
    if key in _LOADED or not path.exists() or _stamp(path) != key[1]:
        return False
    _remember(key, pickle.loads(data))  # noqa: S301 — pickled by this batch's own client
    return True


# --- reading files -----------------------------------------------------------------------------

def _find_table(names: Mapping[str, object], spec: TableSpec, where: str,
                problems: list[Problem]):
    """The one name (file stem or sheet) of ``spec`` among ``names``; two is a problem naming
    both, and neither is used."""
    found = [c for c in dict.fromkeys((spec.name, spec.chinese)) if c in names]
    if len(found) > 1:
        problems.append(Problem(where, "", None, "", f"表 {spec.chinese} ({spec.name}) 只有一个来源",
                                f"两个来源 {found[0]!r} 与 {found[1]!r}（请删除或改名其一）"))
        return None
    return found[0] if found else None


#: Encodings tried in order, with the name :func:`decode_csv` reports. UTF-8 first (a GBK file is
#: almost never valid UTF-8, while any UTF-8 text decodes under GB18030 into nonsense);
#: GB18030 is the superset of GBK and GB2312 that Excel on Chinese Windows writes.
CSV_ENCODINGS = (("utf-8", "UTF-8"), ("gb18030", "GB18030"))


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the name of the encoding it was read in.

    UTF-8 with a byte-order mark, UTF-16 with one (Excel's "Unicode text"), UTF-8, then
    GB18030 (which covers GBK and GB2312).

    Raises
    ------
    InputError
        When no encoding decodes the bytes, naming the first byte that failed under UTF-8.

    Examples
    --------
    >>> decode_csv("项目编码".encode("gbk"))
    ('项目编码', 'GB18030')
    >>> decode_csv(bytes.fromhex("efbbbf") + b"id")
    ('id', 'UTF-8 (BOM)')
    """
    for bom, codec, name in ((b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 (BOM)"),
                             (b"\xff\xfe", "utf-16", "UTF-16"), (b"\xfe\xff", "utf-16", "UTF-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec), name
            except UnicodeDecodeError:
                break
    first = None
    for codec, name in CSV_ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            first = first or exc
            continue
        if "\x00" not in text:
            return text, name
    where = f"第 {first.start + 1} 个字节" if first else "空字符"
    raise InputError(f"UTF-8 或 GB18030/GBK 编码的文本，实际无法解码（{where}）")


def _read_bytes(path: Path, problems: list[Problem]) -> bytes | None:
    """A file's bytes, or None with a problem naming why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path.name, "", None, "", "可读取的文件",
                                f"无法读取（{exc.strerror or exc}）"))
        return None


def _read_folder(folder: Path, encodings: dict[str, str]):
    files = {p.stem: p for p in sorted(folder.glob("*.csv"))}
    raw, hashes, problems = {}, {}, []
    for spec in TABLES:
        stem = _find_table(files, spec, str(folder), problems)
        if stem is None:
            continue
        path = files[stem]
        data = _read_bytes(path, problems)
        if data is None:
            continue
        try:
            text, encodings[path.name] = decode_csv(data)
        except InputError as exc:
            problems.append(Problem(path.name, "", None, "", "文件编码", str(exc)))
            continue
        raw[spec.name] = ((path.name, ""), _csv_rows(text))
        hashes[path.name] = hashlib.sha256(data).hexdigest()
    return raw, hashes, problems


def _csv_rows(text: str) -> np.ndarray | list[list[str]]:
    """The records of a CSV text: pandas' C tokenizer when every record has at most the first
    record's fields (an object array, short records padded with ""), else :mod:`csv`'s reader
    (lists). Both read RFC 4180 quoting and line breaks inside quotes alike, so a record is the
    same row in either — the row Excel shows — and a padded cell is blank in both."""
    try:
        frame = pd.read_csv(io.StringIO(text), header=None, dtype=str, na_filter=False,
                            keep_default_na=False, skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return list(csv.reader(io.StringIO(text, newline="")))
    return frame.to_numpy(dtype=object)


#: The first bytes of an OLE2 compound file: a legacy .xls, or an .xlsx encrypted with a password.
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def _read_workbook(path: Path):
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    problems: list[Problem] = []
    data = _read_bytes(path, problems)
    if data is None:
        return {}, {}, problems
    expected = "可打开的 .xlsx 工作簿"
    if not data:
        return {}, {}, [Problem(path.name, "", None, "", expected, "空文件（0 字节）")]
    if data.startswith(_OLE_MAGIC):
        return {}, {}, [Problem(path.name, "", None, "", expected,
                                "受密码保护的工作簿或旧版 .xls 文件（请取消密码，另存为 .xlsx）")]
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        return {}, {}, [Problem(path.name, "", None, "", expected,
                                f"文件已损坏或不是工作簿（{type(exc).__name__}）")]
    raw = {}
    try:
        for spec in TABLES:
            sheet = _find_table(set(wb.sheetnames), spec, path.name, problems)
            if sheet is None:
                continue
            rows = [[_cell_value(c) for c in r] for r in wb[sheet].iter_rows()]
            raw[spec.name] = ((path.name, sheet), rows)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        problems.append(Problem(path.name, "", None, "", expected,
                                f"文件已损坏（{type(exc).__name__}）"))
    finally:
        wb.close()
    return raw, {path.name: hashlib.sha256(data).hexdigest()}, problems


def _cell_value(cell) -> object:
    """A cell's value as the user sees it: a number shown as a percentage (0.911 formatted
    ``0.0%``) becomes the text ``91.1%`` so targets and actuals compare in the same unit."""
    value = getattr(cell, "value", None)
    fmt = getattr(cell, "number_format", "") or ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in fmt:
        return f"{value * 100:.10g}%"
    return value


# --- parsing one table -------------------------------------------------------------------------

def _blank(cell: object) -> bool:
    return normalize_text(cell) == ""


def _parse_table(spec: TableSpec, where: tuple[str, str], rows: list[list], rs: RuleSet):
    file, sheet = where
    problems: list[Problem] = []
    if len(rows) == 0:
        return None, None, [Problem(file, sheet, None, "", "表头行", "空表")]
    aliases = header_map(spec)
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    for pos, cell in enumerate(rows[0]):
        header = normalize_text(cell)
        canonical = aliases.get(header_key(cell))
        if canonical is None:
            continue
        if canonical in positions:
            problems.append(Problem(file, sheet, 1, header, f"列 {canonical} 只出现一次",
                                    f"重复表头 {headers[canonical]!r} 与 {header!r}"))
            continue
        headers[canonical], positions[canonical] = header, pos
    found_headers = "、".join(h for h in map(normalize_text, rows[0]) if h) or "无"
    for col in spec.columns:
        if col.required and col.name not in positions:
            problems.append(Problem(file, sheet, 1, col.chinese,
                                    f"表头 {col.chinese} 或 {col.name}",
                                    f"缺少该列（本表表头：{found_headers}）"))
    if problems:
        return None, None, problems

    raw = _grid(rows[1:])
    distinct = [_text_codes(raw[:, j]) for j in range(raw.shape[1])]
    keep = np.zeros(len(rows) - 1, dtype=bool)
    for j in range(raw.shape[1]):
        keep |= ~_blank_cells(raw[:, j], distinct[j])
    body = np.flatnonzero(keep)
    if len(body) < len(keep):
        distinct = [d if d is None else (d[0][body], d[1]) for d in distinct]
    excel_rows = body + 2
    columns: dict[str, list] = {}
    for col in spec.columns:
        if col.name not in positions:
            continue
        pos = positions[col.name]
        if pos < raw.shape[1]:
            cells, codes = raw[body, pos], distinct[pos]
        else:
            cells, codes = np.full(len(body), None, dtype=object), None
        values, failed = _parse_column(cells, col.kind, codes)
        check_blank = (col.required and not col.allow_blank
                       and col.kind in ("text", "number", "int"))
        blanks = np.flatnonzero(_blank_cells(cells, codes)) if check_blank else ()
        for i in sorted(set(failed) | set(blanks.tolist() if check_blank else ())):
            cell, n = cells[i], int(excel_rows[i])
            if i in failed:
                problems.append(Problem(file, sheet, n, headers[col.name],
                                        _expected(col.kind), _found(cell, failed[i])))
            if check_blank and _blank(cell):
                expected = "非空文本" if col.kind == "text" else _expected(col.kind)
                problems.append(Problem(file, sheet, n, headers[col.name], expected, "空白"))
        columns[col.name] = values
    frame = pd.DataFrame(columns)
    for col in spec.columns:
        if col.name not in frame:
            frame[col.name] = (math.nan if col.kind in ("number", "value") else "")
    location = _Location(file, sheet, headers, excel_rows)
    if spec is INDICATORS:
        frame, more = _parse_indicator_rows(frame, location, rs)
        problems += more
    if spec is INDICATOR_ROUNDS:
        frame, more = _parse_round_comparators(frame, location)
        problems += more
    if spec is ENGAGEMENT:
        frame, more = engagement_problems(frame, location)
        problems += more
    problems += _schema_problems(spec, frame, location)
    return frame, location, problems


def _cell_key(cell: object) -> tuple[type, object]:
    return type(cell), cell


def _memoised(fn: Callable[[Any], Any],
              key: Callable[[Any], object] = _cell_key) -> Callable[[Any], Any]:
    """``fn`` computed once per distinct cell, keyed by its type and value (``1``, ``1.0`` and
    ``True`` are kept apart), or by ``key`` (a row of cells). Cell parsers are pure functions of
    their cells, so this changes nothing but the time: a province's sheets repeat the same
    units, tiers and targets on most rows."""
    memo: dict[object, Any] = {}

    def call(arg: Any) -> Any:
        try:
            k = key(arg)
            return memo[k]
        except KeyError:
            memo[k] = result = fn(arg)
            return result
        except TypeError:  # an unhashable cell
            return fn(arg)
    return call


#: Text that :func:`evalkit.values.parse_value` reads as exactly ``float(text)``: optional sign,
#: ASCII digits, optional decimals; no spaces, separators, units or comparators.
_PLAIN_NUMBER = r"[+-]?[0-9]+(?:\.[0-9]+)?"


def _grid(rows: np.ndarray | list[list]) -> np.ndarray:
    """Rows of cells as a two-dimensional object array, short rows padded with None."""
    if isinstance(rows, np.ndarray):
        return rows
    width = max(map(len, rows), default=0)
    grid = np.empty((len(rows), width), dtype=object)
    grid[:] = [r if len(r) == width else [*r, *[None] * (width - len(r))] for r in rows]
    return grid


def _object_array(cells: Sequence) -> np.ndarray:
    """Cells as a one-dimensional object array (never split into nested dimensions)."""
    array = np.empty(len(cells), dtype=object)
    array[:] = cells
    return array


def _plain_numbers(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The vectorised fast path of :func:`_number`: which cells are plain numbers and their
    values (NaN elsewhere).

    A cell qualifies when it is a finite int or float (not bool), or text matching
    :data:`_PLAIN_NUMBER`; for those :func:`evalkit.values.parse_value` returns the same float
    (``float(text)``, which numpy's conversion of the strings also is). Everything else — blanks,
    ``1,234.5``, ``12万元``, full-width digits, faults — goes through the per-cell parser, so
    values and located errors stay those of :mod:`evalkit.values`.
    """
    kinds = np.fromiter((2 if type(c) is str else 1 if type(c) in (int, float) else 0
                         for c in cells), dtype=np.int8, count=len(cells))
    values = np.full(len(cells), np.nan)
    ok = np.zeros(len(cells), dtype=bool)
    num = np.flatnonzero(kinds == 1)
    if num.size:
        v = cells[num].astype(float)
        finite = np.isfinite(v)
        values[num[finite]], ok[num[finite]] = v[finite], True
    text = np.flatnonzero(kinds == 2)
    if text.size:
        strings = pd.Series(cells[text], dtype=object)
        plain = strings.str.fullmatch(_PLAIN_NUMBER).to_numpy(dtype=bool)
        values[text[plain]] = np.array(strings[plain].tolist(), dtype=float)
        ok[text[plain]] = True
    return ok, values


def _text_codes(cells: np.ndarray) -> tuple[np.ndarray, list] | None:
    """The distinct cells of a column whose cells are all text or blank (None, NaN), as
    ``pandas.factorize`` gives them (codes, -1 for a blank); None for any other column, whose
    cells are told apart by type (``1``, ``1.0``, ``True``) in :func:`_memoised`."""
    if pd.api.types.infer_dtype(cells, skipna=True) not in ("string", "empty"):
        return None
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    return codes, uniques.tolist()


def _blank_cells(cells: np.ndarray, distinct: tuple[np.ndarray, list] | None = None,
                 ) -> np.ndarray:
    """Which cells are blank (:func:`_blank`), each distinct cell judged once (``distinct``:
    :func:`_text_codes` of ``cells``, when known)."""
    found = distinct or _text_codes(cells)
    if found is None:
        blank = _memoised(_blank)
        return np.fromiter(map(blank, cells), dtype=bool, count=len(cells))
    codes, uniques = found
    judged = np.array([_blank(u) for u in uniques] + [True], dtype=bool)
    return judged[codes]


def _parse_column(cells: Sequence, kind: str, distinct: tuple[np.ndarray, list] | None = None,
                  ) -> tuple[list, dict[int, InputError]]:
    """Parse one column's cells with the parser of ``kind``: the values (None where a cell
    fails) and the failures by position. Plain numbers take :func:`_plain_numbers`; every other
    distinct cell is parsed once (``distinct``: :func:`_text_codes` of ``cells`` when known;
    :func:`_memoised`)."""
    cells = _object_array(cells)

    def attempt(cell: object) -> tuple[object, InputError | None]:
        try:
            return _CELL_PARSERS[kind](cell), None
        except InputError as exc:
            return None, exc
    parse = _memoised(attempt)
    failed: dict[int, InputError] = {}
    found = distinct or _text_codes(cells)
    if found is not None:  # text: each distinct cell parsed once, the column taken from them
        codes, uniques = found
        distinct_values, errors = _parse_cells(_object_array(uniques), kind, attempt)
        parsed = np.empty(len(uniques) + 1, dtype=object)
        parsed[:-1] = distinct_values
        values = parsed[codes]
        for code, error in errors.items():
            for i in np.flatnonzero(codes == code).tolist():
                failed[i] = error
        rest = np.flatnonzero(codes < 0)  # blanks: None and NaN may parse apart
    else:
        values, failed = _parse_cells(cells, kind, parse)
        values = _object_array(values)
        rest = np.zeros(0, dtype=np.intp)
    for i in rest.tolist():
        values[i], error = parse(cells[i])
        if error is not None:
            failed[i] = error
    return values.tolist(), failed


def _parse_cells(cells: np.ndarray, kind: str,
                 attempt: Callable[[object], tuple[object, InputError | None]],
                 ) -> tuple[list, dict[int, InputError]]:
    """Values and failures of ``cells``: plain numbers at once (:func:`_plain_numbers`), every
    other cell through ``attempt``."""
    values: list = [None] * len(cells)
    failed: dict[int, InputError] = {}
    rest: Any = range(len(cells))
    if kind in ("number", "int"):
        ok, fast = _plain_numbers(cells)
        if kind == "int":
            ok &= fast == np.trunc(fast)
        for i, v in zip(np.flatnonzero(ok).tolist(), fast[ok].tolist(), strict=True):
            values[i] = v
        rest = np.flatnonzero(~ok).tolist()
    for i in rest:
        values[i], error = attempt(cells[i])
        if error is not None:
            failed[i] = error
    return values, failed


def _text(cell: object) -> str:
    return normalize_text(cell)


def _number(cell: object) -> float:
    parsed = parse_value(cell)
    if parsed.comparator is not None or parsed.unit not in ("", "万元"):
        raise InputError("not a plain number")
    return parsed.value


def _int(cell: object) -> float:
    value = _number(cell)
    if not math.isnan(value) and value != int(value):
        raise InputError("not a whole number")
    return value


def _bool(cell: object) -> bool:
    text = normalize_text(cell).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError("not yes/no")


def _prose(cell: object) -> str:
    """Free text a reader sees as written (an explanation, a measure): stripped, Chinese
    punctuation kept (no NFKC folding of ， into ,)."""
    return display_text(cell)


_CELL_PARSERS: dict[str, Callable[[object], object]] = {
    "text": _text, "number": _number, "int": _int, "bool": _bool,
    "comparator": _text, "value": lambda cell: cell, "prose": _prose,
}
_EXPECTED = {"number": "数字（可带千分位，单位万元）", "int": "整数", "bool": "是 或 否"}


def _expected(kind: str) -> str:
    return _EXPECTED.get(kind, kind)


def _found(cell: object, exc: Exception) -> str:
    return repr(normalize_text(cell)) if not _blank(cell) else "空白"


def _parse_indicator_rows(frame: pd.DataFrame, loc: _Location, rs: RuleSet):
    """Parse comparator/target/unit/actual together; check qualitative tiers and judged scores
    against the rule set, so ``validate`` finds everything scoring would reject."""
    tiers = {name: t for t in rs.qualitative_tiers for name in (t.tier, *t.aliases)}
    tier_names = "/".join(t.tier for t in rs.qualitative_tiers)
    problems: list[Problem] = []

    def problem(i: int, column: str, expected: str, found: str) -> None:
        problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                loc.headers.get(column, column), expected, found))

    judged = frame["judged_score"].to_numpy(dtype=float)
    weight = frame["weight"].to_numpy(dtype=float)

    def attempt(cells: tuple) -> IndicatorCells | CellError:
        try:
            return parse_indicator_cells(*cells)
        except CellError as exc:
            return exc
    codes, rows = _distinct_rows(frame, ["comparator", "target", "unit", "actual"])
    parsed = [attempt(cells) for cells in rows]
    bad = np.array([isinstance(p, CellError) for p in parsed], dtype=bool)
    qualitative = np.array([not isinstance(p, CellError) and p.comparator == "定性"
                            for p in parsed], dtype=bool)
    look = bad[codes] | qualitative[codes] | ~np.isnan(judged)
    for i in np.flatnonzero(look).tolist():
        row = parsed[codes[i]]
        if isinstance(row, CellError):
            problem(i, row.column, row.expected, repr(row.found) if row.found else "空白")
            continue
        if row.comparator != "定性":
            if not math.isnan(judged[i]):
                problem(i, "judged_score", "空白（评定得分仅用于定性指标）", typed(judged[i]))
            continue
        text = row.actual_text
        if not text or is_not_applicable(text):
            continue
        tier = tiers.get(text)
        if tier is None:
            problem(i, "actual", f"定性等级（{tier_names}）", repr(text))
        elif not math.isnan(judged[i]) and not -1e-9 <= judged[i] <= weight[i] + 1e-9:
            # Any share of the weight is a valid judgement: the target rule set's range for the
            # tier decides how it scores (QualitativeTier.carry), so only [0, weight] is checked.
            problem(i, "judged_score", f"0 至分值 {typed(weight[i])} 之间的评定得分（{tier.tier}）",
                    typed(judged[i]))
    if not bad.any():
        for name in IndicatorCells.__dataclass_fields__:
            field_values = np.empty(len(parsed), dtype=object)
            field_values[:] = [getattr(p, name) for p in parsed]
            frame[name] = pd.Series(field_values[codes].tolist(), index=frame.index)
    return frame, problems


def _distinct_rows(frame: pd.DataFrame, names: list[str]) -> tuple[np.ndarray, list[tuple]]:
    """The distinct rows of ``frame[names]`` (codes per row, rows as tuples of cells). Text and
    blank cells are factorised at once; a row holding other cells (numbers read from a workbook)
    is its own key by type and value, so ``1`` and ``1.0`` stay apart as in :func:`_memoised`."""
    columns = [frame[n].to_numpy(dtype=object) for n in names]
    texts = [_text_codes(c) for c in columns]
    if all(t is not None for t in texts):
        if not len(frame):
            return np.zeros(0, dtype=np.intp), []
        codes = texts[0][0]
        for more, uniques in texts[1:]:  # pair by pair: each key < rows × (distinct + 1)
            codes = pd.factorize(codes.astype(np.int64) * (len(uniques) + 1) + more + 1)[0]
        firsts = np.unique(codes, return_index=True)[1]  # codes number rows in first-seen order
        return codes, [tuple(c[i] for c in columns) for i in firsts.tolist()]
    index: dict[tuple, int] = {}
    codes = np.empty(len(frame), dtype=np.intp)
    rows: list[tuple] = []
    for i, cells in enumerate(zip(*columns, strict=True)):
        key = tuple(map(_cell_key, cells))
        try:
            codes[i] = index[key]
        except KeyError:
            codes[i] = index[key] = len(rows)
            rows.append(cells)
        except TypeError:  # an unhashable cell
            codes[i] = len(rows)
            rows.append(cells)
    return codes, rows


def _parse_round_comparators(frame: pd.DataFrame, loc: _Location):
    """Canonical comparators of the review-round sheets (目标审核轮次); a blank one stays blank
    (typed into the target, or missing: the review says so). Targets stay as typed."""
    problems, canonical = [], []
    for i, cell in enumerate(frame["comparator"]):
        try:
            canonical.append(parse_comparator(cell) or "")
        except InputError:
            problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                    loc.headers.get("comparator", "comparator"),
                                    "≥、≤、= 或 定性", repr(normalize_text(cell))))
            canonical.append(normalize_text(cell))
    return frame.assign(comparator=canonical), problems


# --- schema checks on parsed tables (pandera, lazy) --------------------------------------------

def _schema(spec: TableSpec):
    """The pandera schema of a parsed table (pandera is imported only when data is validated)."""
    import pandera.pandas as pa

    def _ge0(error: str = "不小于 0 的数字") -> pa.Check:
        return pa.Check(lambda s: s >= 0, name="ge0", error=error, ignore_na=True)

    checks: dict[str, list[pa.Check]] = {
        "budget": [_ge0()], "budget_annual": [_ge0()], "budget_adjusted": [_ge0()],
        "received": [_ge0()], "spent": [_ge0()], "weight": [_ge0()],
        "score": [_ge0()], "judged_score": [_ge0()],
        # department-wide unit figures (部门整体支出绩效评价)
        **{name: [_ge0()] for name in _UNIT_AMOUNTS},
        "year": [pa.Check(lambda s: s.between(2000, 2100), error="2000–2100 之间的年度",
                          ignore_na=True)],
        "round": [pa.Check(lambda s: s >= 1, error="不小于 1 的审核轮次", ignore_na=True)],
    }
    columns = {c.name: pa.Column(checks=checks.get(c.name, []), nullable=True, required=False)
               for c in spec.columns}
    return pa.DataFrameSchema(columns, unique=list(spec.key) or None,
                              report_duplicates="exclude_first")


def _first_rows(frame: pd.DataFrame, key: tuple[str, ...]) -> np.ndarray:
    """For each row, the position of the first row with the same key (itself when first).

    >>> _first_rows(pd.DataFrame({"k": ["a", "b", "a"]}), ("k",)).tolist()
    [0, 1, 0]
    """
    codes = frame.groupby(list(key), sort=False, dropna=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(frame))).groupby(codes).transform("min")
    return first.to_numpy()


def _schema_problems(spec: TableSpec, frame: pd.DataFrame, loc: _Location) -> list[Problem]:
    numeric = [c.name for c in spec.columns if c.kind in ("number", "int")]
    checked = frame.copy()
    for col in numeric:
        checked[col] = pd.to_numeric(checked[col], errors="coerce")
    from pandera.errors import SchemaErrors

    try:
        _schema(spec).validate(checked, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    problems = []
    key_header = "、".join(loc.headers.get(k, k) for k in spec.key)
    first_of = _first_rows(frame, spec.key) if spec.key else None
    for case in cases.itertuples(index=False):
        if case.index is None or (isinstance(case.index, float) and math.isnan(case.index)):
            continue
        row = int(loc.rows[int(case.index)])
        if case.check == "multiple_fields_uniqueness" or str(case.check).startswith("field_uniq"):
            if case.column != spec.key[0]:
                continue
            index = int(case.index)
            value = " / ".join(str(frame[k].iat[index]) for k in spec.key)
            problems.append(Problem(loc.file, loc.sheet, row, key_header,
                                    f"唯一的 {key_header}",
                                    f"{value!r}，与第 {int(loc.rows[first_of[index]])} 行重复"))
        else:
            found = case.failure_case
            problems.append(Problem(loc.file, loc.sheet, row,
                                    loc.headers.get(case.column, case.column), str(case.check),
                                    typed(found) if isinstance(found, (int, float)) else repr(found)))
    problems.sort(key=lambda p: (p.row or 0, p.column))
    return problems


# --- checks across columns and tables ----------------------------------------------------------

#: Non-negative figures of the units table used by the department-wide evaluation.
_UNIT_AMOUNTS = ("staff", "authorized_staff", "adjustment", "carryover", "spent_last",
                 "carryover_last", "sangong", "sangong_last", "procurement_budget",
                 "procurement_spent", "assets", "assets_in_use", "satisfaction")


def _unit_checks(tables: dict[str, pd.DataFrame], locs: dict[str, _Location],
                 rs: RuleSet) -> list[Problem]:
    """Department-wide data: 编制数 > 0 where staff are given, 在用 ≤ 总额, satisfaction ≤ 100,
    task targets > 0, and each judged item names a judged indicator of the rule set's
    ``unitwide`` section with tiers of its qualitative tiers."""
    problems: list[Problem] = []

    def check(table: str, bad: np.ndarray, column: str, expected: str, found) -> None:
        loc = locs[table]
        for i in np.flatnonzero(bad):
            problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                    loc.headers.get(column, column), expected, found(i)))

    units = tables.get("units")
    if units is not None and "staff" in locs["units"].headers:
        authorized = pd.to_numeric(units["authorized_staff"], errors="coerce")
        check("units", (authorized == 0).to_numpy(), "authorized_staff",
              "大于 0 的编制数（在职人员控制率的分母）", lambda i: "0")
    if units is not None and "assets_in_use" in locs["units"].headers:
        over = (units["assets_in_use"] > units["assets"]).to_numpy()
        check("units", over, "assets_in_use", "不超过固定资产总额的在用固定资产",
              lambda i: f"{units['assets_in_use'].iat[i]:g}")
    if units is not None and "satisfaction" in locs["units"].headers:
        check("units", (units["satisfaction"] > 100).to_numpy(), "satisfaction",
              "0 至 100 之间的百分数", lambda i: f"{units['satisfaction'].iat[i]:g}")
    tasks = tables.get("unit_tasks")
    if tasks is not None:
        check("unit_tasks", (tasks["target"] <= 0).to_numpy(), "target",
              "大于 0 的目标值（完成率的分母）", lambda i: f"{tasks['target'].iat[i]:g}")
        check("unit_tasks", (tasks["actual"] < 0).to_numpy(), "actual",
              "不小于 0 的完成值", lambda i: f"{tasks['actual'].iat[i]:g}")
    judged = tables.get("unit_judgements")
    if judged is not None and "unitwide" in rs.data:
        items = {i["id"]: i["name"] for i in rs.data["unitwide"]["indicators"]
                 if i["measure"] == "judged"}
        tiers = {name for t in rs.qualitative_tiers for name in (t.tier, *t.aliases)}
        check("unit_judgements", (~judged["item_id"].isin(set(items))).to_numpy(), "item_id",
              f"规则集 {rs.id} 的定性指标编码（{', '.join(items)}）",
              lambda i: repr(judged["item_id"].iat[i]))
        tier_names = "/".join(t.tier for t in rs.qualitative_tiers)
        for column in ("self_tier", "tier"):
            check("unit_judgements", (~judged[column].isin(tiers)).to_numpy(), column,
                  f"定性等级（{tier_names}）", lambda i, c=column: repr(judged[c].iat[i]))
    return problems


def _expert_score_checks(scores: pd.DataFrame, loc: _Location, rs: RuleSet) -> list[Problem]:
    """Each expert score names a sub-item of the rule set's ex-ante framework and stays within
    the points it was given against: the row's 分值 when filled (any item table: the stage
    carries the share score / points to the rule set's), else the rule set's points."""
    items = {i["item_id"]: i for i in rs.section("exante")["items"]}
    given = (scores["points"] if "points" in scores.columns
             else pd.Series(np.nan, index=scores.index)).to_numpy(dtype=float)
    problems = []
    for i, (item_id, score) in enumerate(zip(scores["item_id"], scores["score"], strict=True)):
        item = items.get(item_id)
        if item is None:
            problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                    loc.headers.get("item_id", "item_id"),
                                    f"规则集 {rs.id} 的评分项编码（{', '.join(items)}）",
                                    repr(item_id)))
            continue
        if not math.isnan(given[i]) and given[i] <= 0:
            problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                    loc.headers.get("points", "points"),
                                    "大于 0 的分值（评分时该项的满分）", f"{given[i]:g}"))
            continue
        points = float(item["points"]) if math.isnan(given[i]) else given[i]
        if isinstance(score, float) and score > points:
            source = "" if math.isnan(given[i]) else "，按本行分值"
            problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                    loc.headers.get("score", "score"),
                                    f"0 至 {typed(points)} 之间的得分（{item_id} {item['name']}）"
                                    f"{source}", typed(score)))
    return problems


def _cross_checks(tables: dict[str, pd.DataFrame], locs: dict[str, _Location],
                  rs: RuleSet) -> tuple[list[Problem], list[Problem]]:
    """Problems and warnings across columns and tables: references, indicator sheets, budgets,
    expert scores, amounts in proportion and weight sums."""
    problems: list[Problem] = []

    def refs(table: str, column: str, target: str, target_column: str, label: str) -> None:
        if table not in tables or target not in tables:
            return
        known = set(tables[target][target_column].tolist())
        loc = locs[table]
        for i in np.flatnonzero(~tables[table][column].isin(known).to_numpy()):
            problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                    loc.headers.get(column, column), label,
                                    repr(tables[table][column].iat[i])))

    refs("projects", "unit_id", "units", "unit_id", "预算单位表中已有的单位编码")
    for table in ("unit_tasks", "unit_judgements"):
        refs(table, "unit_id", "units", "unit_id", "预算单位表中已有的单位编码")
    problems += _unit_checks(tables, locs, rs)
    for table in (INDICATORS, EXPERT_SCORES, SURVEY, INDICATOR_ROUNDS, SELF_SCORES):
        refs(table.name, "project_id", PROJECTS.name, "project_id", "项目表中已有的项目编码")
    if "projects" in tables and "indicators" in tables:
        p, loc = tables["projects"], locs["projects"]
        has_sheet = p["project_id"].isin(set(tables["indicators"]["project_id"])).to_numpy()
        exante = ~has_indicator_sheet(p)
        for i in np.flatnonzero(~has_sheet & ~exante):
            problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                    loc.headers.get("project_id", "project_id"),
                                    "在绩效指标表中至少有一条指标（事前评估项目除外）",
                                    f"{p['project_id'].iat[i]!r} 无指标"))
        # a 年初预算数 of 0 is a real case when a later budget is given (年中追加: DOMAIN.md §10)
        later = np.zeros(len(p), dtype=bool)
        for column in ("budget_annual", "budget_adjusted"):
            later |= (pd.to_numeric(p[column], errors="coerce") > 0).to_numpy()
        for i in np.flatnonzero((p["budget"] == 0).to_numpy() & ~exante & ~later):
            problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                    loc.headers.get("budget", "budget"),
                                    "大于 0 的预算数（预算执行率的分母）", "0"))
    if "expert_scores" in tables:
        problems += _expert_score_checks(tables["expert_scores"], locs["expert_scores"], rs)
    problems += _monitoring_checks(tables, locs, rs)
    problems += _unit_monitoring_checks(tables, locs)
    problems += county_year_checks(tables, locs)
    opts = validation_options(rs)
    warnings: list[Problem] = []
    if "projects" in tables:
        more, warnings = _amount_checks(tables["projects"], locs["projects"], opts)
        problems += more
    if "projects" in tables and "indicators" in tables:
        problems += _blank_spent_checks(tables["projects"], locs["projects"], tables["indicators"])
    if "survey" in tables:
        warnings += _survey_answer_checks(tables["survey"], locs["survey"])
    if "indicators" in tables:
        known = set(tables["projects"]["project_id"]) if "projects" in tables else None
        bad = _weight_sum_checks(tables["indicators"], locs["indicators"], opts, known)
        # an imported form's weights are the department's: the re-check (自评复核) reports them
        checked = set(tables["self_scores"]["project_id"]) if "self_scores" in tables else set()
        formed = [p for p in bad if _row_project(tables["indicators"], locs["indicators"], p)
                  in checked]
        bad = [p for p in bad if p not in formed]
        warnings += formed
        (problems if opts["weight_sum_policy"] == "error" else warnings).extend(bad)
    return problems, warnings


def _blank_spent_checks(p: pd.DataFrame, loc: _Location, ind: pd.DataFrame) -> list[Problem]:
    """A blank 执行数 is allowed for declared targets only (a 绩效目标申报表 has nothing spent):
    a project whose indicator sheet has any 实际完成值 is being evaluated and needs it."""
    spent = pd.to_numeric(p["spent"], errors="coerce")
    typed = ind["actual_text"] if "actual_text" in ind else ind["actual"]
    cells = typed.astype(object)
    actual = ~(cells.isna() | (cells == "")).to_numpy(dtype=bool)
    evaluated = set(ind.loc[actual, "project_id"].tolist())
    return [Problem(loc.file, loc.sheet, int(loc.rows[i]), loc.headers.get("spent", "spent"),
                    "数字（该项目已填实际完成值，属评价数据；只有绩效目标申报表的项目可不填执行数）",
                    "空白")
            for i in np.flatnonzero((spent.isna() & p["project_id"].isin(evaluated)).to_numpy())]


def _amount_checks(p: pd.DataFrame, loc: _Location, opts: Mapping) -> tuple[list, list]:
    """Spent within received; received and spent in proportion to the budget: above
    ``amount_warn_ratio`` × budget a warning, above ``amount_error_ratio`` × budget an error."""
    problems, warnings = [], []
    budget = p["budget"].to_numpy(dtype=float)
    for i in np.flatnonzero((p["spent"] > p["received"]).to_numpy()):
        problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                loc.headers.get("spent", "spent"),
                                f"执行数不超过到位数 {typed(p['received'].iat[i])}",
                                typed(p["spent"].iat[i])))
    warn, error = float(opts["amount_warn_ratio"]), float(opts["amount_error_ratio"])
    for column, label in (("received", "到位数"), ("spent", "执行数")):
        amount = p[column].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            for i in np.flatnonzero(budget > 0):
                if not amount[i] > warn * budget[i]:
                    continue
                absurd = amount[i] > error * budget[i]
                bound = (error if absurd else warn) * budget[i]
                (problems if absurd else warnings).append(Problem(
                    loc.file, loc.sheet, int(loc.rows[i]), loc.headers.get(column, column),
                    f"{label}不超过预算数 {typed(budget[i])} 的 {typed(error if absurd else warn)}"
                    f" 倍（{typed(bound)} 万元）",
                    f"{typed(amount[i])}（预算数的 {typed(round(amount[i] / budget[i], 2))} 倍"
                    f"{'，疑为单位错误（元/万元）' if absurd else ''}）"))
    return problems, warnings


def _weight_sum_checks(ind: pd.DataFrame, loc: _Location, opts: Mapping,
                       known: set | None) -> list[Problem]:
    """A project's indicator weights add up to ``indicator_weight_total`` (within
    ``weight_sum_tolerance`` points); each project that does not is one problem at its first
    indicator row, with the sum found. Ids missing from the projects table (``known``) are
    already reported and skipped here."""
    total, tol = float(opts["indicator_weight_total"]), float(opts["weight_sum_tolerance"])
    sums = ind.groupby("project_id", sort=False)["weight"].sum()
    first = ind.reset_index(drop=True).groupby("project_id", sort=False).head(1)
    rows = dict(zip(first["project_id"], first.index, strict=True))
    rescaled = "；按规则集 validation.weight_sum_policy: rescale 将按比例换算" \
        if opts["weight_sum_policy"] == "rescale" else ""
    return [Problem(loc.file, loc.sheet, int(loc.rows[rows[pid]]),
                    loc.headers.get("weight", "weight"),
                    f"项目 {pid} 的指标权重合计 {typed(total)}",
                    f"合计 {typed(found)}{rescaled}")
            for pid, found in sums.items()
            if abs(found - total) > tol and (known is None or pid in known)]


def _row_project(frame: pd.DataFrame, loc: _Location, problem: Problem) -> object:
    """The project_id of the row a problem names."""
    return frame["project_id"].iat[int(np.flatnonzero(loc.rows == problem.row)[0])]


def _survey_answer_checks(survey: pd.DataFrame, loc: _Location) -> list[Problem]:
    """Each survey answer that the satisfaction rate will exclude (blank, not a number, not a
    whole number, outside the Likert scale), located: a warning, as the survey may rightly
    hold them, but none passes unlisted."""
    from evalkit.survey import LIKERT, parse_response

    expected = f"{LIKERT[0]}–{LIKERT[1]} 的整数（李克特量表）"
    return [Problem(loc.file, loc.sheet, int(loc.rows[i]), loc.headers.get("response", "response"),
                    expected, f"{reason}（无效答案，不计入满意度）")
            for i, cell in enumerate(survey["response"])
            for _, reason in [parse_response(cell)] if reason]


def typed(value: object) -> str:
    """A number as a person types it: no exponent, no trailing zeros (``9100000``, ``0.05``).

    >>> typed(9.1e6), typed(90.0), typed(1.25), typed("x")
    ('9100000', '90', '1.25', 'x')
    """
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if math.isfinite(float(value)):
            return np.format_float_positional(float(value), trim="-")
    return str(value)


# --- 绩效监控表 (dual monitoring): checks of the monitoring and monitoring_indicators tables -----

def _monitoring_checks(tables: dict[str, pd.DataFrame], locs: dict[str, _Location],
                       rs: RuleSet) -> list[Problem]:
    """The monitoring form of a project: its checkpoint month 1–12, amounts ≥ 0, a row per
    project of the projects table; each indicator row names an indicator of that project's
    sheet, with progress and full-year values that parse against the indicator's target (a
    qualitative row's full-year value is a tier of the rule set), and a 完成目标可能性 and
    偏差原因 from the official form's lists."""
    problems: list[Problem] = []
    if MONITORING.name in tables:
        known = set(tables["projects"]["project_id"]) if "projects" in tables else None
        problems += _checkpoint_checks(tables[MONITORING.name], locs[MONITORING.name],
                                       "project_id", known, "项目表中已有的项目编码")
    if MONITORING_INDICATORS.name not in tables:
        if MONITORING.name in tables:
            problems.append(Problem(locs[MONITORING.name].file, "", None, "",
                                    f"表 {MONITORING_INDICATORS.chinese} "
                                    f"({MONITORING_INDICATORS.name})，与绩效监控表一起提供",
                                    "缺少该表"))
        return problems
    mi, loc = tables[MONITORING_INDICATORS.name], locs[MONITORING_INDICATORS.name]

    def bad_row(i: int, column: str, expected: str, found: str) -> None:
        problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                loc.headers.get(column, column), expected, found))

    forms = set(tables[MONITORING.name]["project_id"]) if MONITORING.name in tables else set()
    sheet = ({} if "indicators" not in tables else
             {(r.project_id, r.indicator_id): r
              for r in tables["indicators"].itertuples(index=False)})
    tiers = {name for t in rs.qualitative_tiers for name in (t.tier, *t.aliases)}
    for i, row in enumerate(mi.itertuples(index=False)):
        if row.project_id not in forms:
            bad_row(i, "project_id", "绩效监控表中已有的项目编码", repr(row.project_id))
        indicator = sheet.get((row.project_id, row.indicator_id))
        if indicator is None:
            bad_row(i, "indicator_id", f"项目 {row.project_id} 绩效指标表中的指标编码",
                    repr(row.indicator_id))
            continue
        for column in ("progress", "expected"):
            cell = getattr(row, column)
            if _blank(cell):
                continue
            if indicator.comparator == "定性":
                if column == "expected" and normalize_text(cell) not in tiers:
                    bad_row(i, column, f"定性等级（{'/'.join(t.tier for t in rs.qualitative_tiers)}）",
                            repr(normalize_text(cell)))
                continue
            if not is_number(indicator.target):
                continue  # the sheet's own target is wrong: located in the indicators table
            try:
                parse_indicator_cells(indicator.comparator, indicator.target, indicator.unit, cell)
            except CellError:
                bad_row(i, column, f"与目标值 {typed(indicator.target)}{indicator.unit} 同单位的数值",
                        repr(normalize_text(cell)))
        _form_list_checks(row, lambda column, expected, found, i=i: bad_row(i, column, expected,
                                                                            found))
    return problems


def _checkpoint_checks(forms: pd.DataFrame, loc: _Location, id_column: str,
                       known: set | None, known_label: str) -> list[Problem]:
    """Rows of a monitoring form table (projects' or units'): the subject exists, the month is
    1–12, the spending so far and the expected full-year spending are ≥ 0."""
    problems: list[Problem] = []

    def bad(i: int, column: str, expected: str, found: str) -> None:
        problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                loc.headers.get(column, column), expected, found))

    for i, row in enumerate(forms.itertuples(index=False)):
        subject = getattr(row, id_column)
        if known is not None and subject not in known:
            bad(i, id_column, known_label, repr(subject))
        if not (isinstance(row.month, float) and 1 <= row.month <= 12):
            bad(i, "month", "1 至 12 的整数月份", f"{row.month:g}"
                if isinstance(row.month, float) else "空白")
        for column in ("spent_ytd", "expected_spent"):
            value = getattr(row, column)
            if isinstance(value, float) and value < 0:
                bad(i, column, "不小于 0 的数字", f"{value:g}")
    return problems


def _form_list_checks(row: Any, bad: Callable[[str, str, str], None]) -> None:
    """A monitoring row's 完成目标可能性 and 偏差原因 come from the official form's lists."""
    if row.likelihood and row.likelihood not in MONITORING_LIKELIHOODS:
        bad("likelihood", " / ".join(MONITORING_LIKELIHOODS), repr(row.likelihood))
    causes = [c for c in row.cause.split("、") if c] if row.cause else []
    if any(c not in MONITORING_CAUSES for c in causes):
        bad("cause", f"{'、'.join(MONITORING_CAUSES)} 之一（多项以“、”分隔）", repr(row.cause))


# --- 部门整体支出监控 (unit monitoring): checks of unit_monitoring and unit_task_monitoring -------

def _unit_monitoring_checks(tables: dict[str, pd.DataFrame],
                            locs: dict[str, _Location]) -> list[Problem]:
    """A unit's monitoring form: the unit is in the units table, month 1–12, amounts ≥ 0; each
    key-task row names a monitored unit and one of its key tasks (``unit_tasks``), with progress
    and full-year values ≥ 0 and a 完成目标可能性 and 偏差原因 from the official lists."""
    problems: list[Problem] = []
    if UNIT_MONITORING.name in tables:
        known = set(tables["units"]["unit_id"]) if "units" in tables else None
        problems += _checkpoint_checks(tables[UNIT_MONITORING.name], locs[UNIT_MONITORING.name],
                                       "unit_id", known, "预算单位表中已有的单位编码")
    if UNIT_TASK_MONITORING.name not in tables:
        return problems
    rows, loc = tables[UNIT_TASK_MONITORING.name], locs[UNIT_TASK_MONITORING.name]

    def bad(i: int, column: str, expected: str, found: str) -> None:
        problems.append(Problem(loc.file, loc.sheet, int(loc.rows[i]),
                                loc.headers.get(column, column), expected, found))

    forms = (set(tables[UNIT_MONITORING.name]["unit_id"]) if UNIT_MONITORING.name in tables
             else set())
    tasks = (set(zip(tables["unit_tasks"]["unit_id"], tables["unit_tasks"]["task_id"],
                     strict=True)) if "unit_tasks" in tables else set())
    for i, row in enumerate(rows.itertuples(index=False)):
        if row.unit_id not in forms:
            bad(i, "unit_id", "单位监控表中已有的单位编码", repr(row.unit_id))
        if (row.unit_id, row.task_id) not in tasks:
            bad(i, "task_id", f"单位 {row.unit_id} 重点工作表中的任务编码", repr(row.task_id))
        for column in ("progress", "expected"):
            value = getattr(row, column)
            if isinstance(value, float) and value < 0:
                bad(i, column, "不小于 0 的数字", f"{value:g}")
        _form_list_checks(row, lambda column, expected, found, i=i: bad(i, column, expected,
                                                                        found))
    return problems


# --- writing outputs ---------------------------------------------------------------------------

def neutralize_formula(value: object) -> object:
    """Prefix text that Excel would run as a formula with an apostrophe (CSV/formula injection).

    Numbers pass through untouched; only strings are changed. Workbooks are now written with
    such text as string cells (:mod:`evalkit.workbook`); this is the form earlier versions wrote,
    which :mod:`evalkit.templates` still recognises when reading a workbook back.

    >>> neutralize_formula("=HYPERLINK(\\"http://x\\")"), neutralize_formula(-3), neutralize_formula("安居房")
    ('\\'=HYPERLINK("http://x")', -3, '安居房')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


#: errno → what the user is told when an output cannot be written (Chinese (English)).
_WRITE_FAULTS = {
    errno.EACCES: "无写入权限 (permission denied)", errno.EPERM: "无写入权限 (permission denied)",
    errno.EEXIST: "路径上已有同名文件，应为文件夹 (a file stands where a folder is expected)",
    errno.ENOTDIR: "路径上已有同名文件，应为文件夹 (a file stands where a folder is expected)",
    errno.EISDIR: "已有同名文件夹，应为文件 (a folder stands where a file is expected)",
    errno.ENOSPC: "磁盘已满 (no space left on device)",
    errno.EDQUOT: "超出磁盘配额 (disk quota exceeded)",
    errno.EROFS: "只读文件系统 (read-only file system)",
}


def output_error(path: str | Path, exc: OSError) -> OutputError:
    """The :class:`OutputError` of an OSError raised while writing ``path``.

    >>> print(output_error("out/a.html", OSError(errno.ENOSPC, "No space left on device")))
    无法写入 out/a.html：磁盘已满 (no space left on device)
    """
    why = _WRITE_FAULTS.get(exc.errno or 0, f"{exc.strerror or exc} ({type(exc).__name__})")
    return OutputError(f"无法写入 {path}：{why}")


def check_inside(root: str | Path, path: str | Path) -> None:
    """Refuse ``path`` unless it lies under ``root`` and no link on the way leads out of it.

    A symbolic link inside an output folder (``OUT/P001 → /etc``) would make a write land
    outside it; the error names the link and where it leads. Links that stay inside are fine.

    Raises
    ------
    OutputError
        Naming the link and its target, or the path outside ``root``.
    """
    root, path = Path(os.path.abspath(root)), Path(os.path.abspath(path))
    real_root = root.resolve()
    if not path.is_relative_to(root):
        raise OutputError(f"输出路径 {path} 不在输出目录 {root} 内，拒绝写入 "
                          f"(refusing to write outside the output folder)")
    probe = root
    for part in path.relative_to(root).parts:
        probe = probe / part
        if probe.is_symlink() and not probe.resolve().is_relative_to(real_root):
            raise OutputError(f"输出路径 {probe} 是指向 {probe.resolve()} 的链接，离开了输出目录 "
                              f"{root}，拒绝经由链接写入 (refusing to write through a link that "
                              f"leaves the output folder)")


def atomic_write(path: str | Path, write: Callable[[Path], None], *,
                 root: str | Path | None = None) -> Path:
    """Write a file through a temporary sibling and rename it into place.

    ``write`` receives the temporary path. A reader never sees a half-written file and a failure
    leaves no partial output: the temporary file is removed and the old file, if any, is kept.

    Parameters
    ----------
    path : str or Path
    write : callable
    root : str or Path, optional
        The output folder ``path`` must stay inside (:func:`check_inside`: no link leads out).

    Raises
    ------
    OutputError
        When the folder cannot be made or written (a file in the way, no permission, a full
        disk …: :func:`output_error`), or ``path`` leaves ``root``.
    """
    import tempfile

    path = Path(path)
    if root is not None:
        check_inside(root, path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise output_error(path.parent, exc) from exc
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; outputs are ordinary files
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise output_error(path, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_excel(sheets: Mapping[str, pd.DataFrame], path: str | Path, *,
                root: str | Path | None = None,
                formats: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    """Write DataFrames to one finished workbook atomically (:func:`evalkit.workbook.write_sheets`:
    frozen bold headers, autofilter, number formats, 是/否, widths by content, formula-like text
    stored as text without an apostrophe).

    Parameters
    ----------
    sheets : mapping of sheet name → DataFrame
        Written in order, with their column headers (rename to Chinese before calling).
    path : str or Path
    root : str or Path, optional
        As in :func:`atomic_write`.
    formats : mapping, optional
        Number formats by sheet and column header, as in :func:`evalkit.workbook.write_sheets`.
    """
    from evalkit.workbook import write_sheets

    return atomic_write(path, lambda tmp: write_sheets(sheets, tmp, formats=formats), root=root)
