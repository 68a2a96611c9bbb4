"""The county-year subject (县级年度): which years a dataset reports on, and checking one.

The annual summary, result application and disclosure tables are about one county-year
(``"2020"``): the year of the projects with an indicator sheet (事前评估 projects, which ask for a
later year's funds, do not make a year).
"""

from __future__ import annotations

from typing import Any

from evalkit.errors import InputError
from evalkit.io import Dataset
from evalkit.schemas import has_indicator_sheet


def county_years(dataset: Dataset) -> list[str]:
    """The years of the projects with an indicator sheet: the county-years reported on.

    >>> import evalkit as ek
    >>> county_years(ek.load_dataset("sample"))
    ['2020']
    """
    projects = dataset.projects[has_indicator_sheet(dataset.projects)]
    return [str(int(y)) for y in sorted(projects["year"].dropna().unique())]


def year_of(dataset: Dataset, year: Any) -> int:
    """``year`` as an int, checked against :func:`county_years`."""
    known = county_years(dataset)
    if str(year) not in known:
        raise InputError(f"年度 {year!r}：应为数据集中有绩效目标的年度（{', '.join(known)}）之一，"
                         f"实际没有该年度的项目 (county-year: expected one of {known})")
    return int(year)
