"""Parsing values as typed in Excel."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit import InputError, parse_value
from evalkit.errors import CellError
from evalkit.values import parse_comparator, parse_indicator_cells


@pytest.mark.parametrize(("text", "value", "cmp", "unit"), [
    ("95%", 95.0, None, "%"), ("≥90%", 90.0, "≥", "%"), (">= 90", 90.0, "≥", ""),
    ("1,234.5", 1234.5, None, ""), ("12万元", 12.0, None, "万元"), ("１２３", 123.0, None, ""),
    ("≤３天", 3.0, "≤", "天"), ("　500 人次 ", 500.0, None, "人次"), (0.95, 0.95, None, ""),
    ("90%以上", 90.0, "≥", "%"), ("不超过100", 100.0, "≤", ""), (".5", 0.5, None, ""),
])
def test_unambiguous_values_parse(text, value, cmp, unit):
    parsed = parse_value(text)
    assert (parsed.value, parsed.comparator, parsed.unit) == (value, cmp, unit)


@pytest.mark.parametrize("text", ["约50万", "50-60", "较好", "100万元左右", "1e5", "≥≥5", "5 ~ 6",
                                  "50万元以上以下", True])
def test_ambiguous_values_are_rejected(text):
    with pytest.raises(InputError):
        parse_value(text)


@pytest.mark.parametrize("blank", [None, "", "  ", float("nan"), "　"])
def test_blanks_are_nan(blank):
    assert math.isnan(parse_value(blank).value)


@given(st.floats(0, 1e9, allow_nan=False).map(lambda x: round(x, 4)))
def test_round_trip_of_thousands_separated_numbers(x):
    assert parse_value(f"{x:,}").value == pytest.approx(x)
    assert parse_value(f"{x}%").value == pytest.approx(x)


def test_comparator_spellings():
    assert parse_comparator("≧") == "≥" and parse_comparator("不高于") == "≤"
    assert parse_comparator("＝") == "=" and parse_comparator("") is None
    with pytest.raises(InputError, match="found '大概'"):
        parse_comparator("大概")


def test_indicator_cells_name_the_bad_column():
    with pytest.raises(CellError) as info:
        parse_indicator_cells("≥", "较高", "", "95")
    assert info.value.column == "target"
    with pytest.raises(CellError) as info:
        parse_indicator_cells("", "500", "", "495")
    assert info.value.column == "comparator"
    cells = parse_indicator_cells("≥", "500", "", "不适用")
    assert math.isnan(cells.actual) and cells.actual_text == "不适用"


@pytest.mark.parametrize(("text", "value", "cmp", "unit"), [
    ("至少90%", 90.0, "≥", "%"), ("≥90%以上", 90.0, "≥", "%"), ("5天内", 5.0, "≤", "天"),
    ("12月底前", 12.0, "≤", "月底"),
])
def test_comparators_written_in_words(text, value, cmp, unit):
    parsed = parse_value(text)
    assert (parsed.value, parsed.comparator, parsed.unit) == (value, cmp, unit)


def test_conflicting_units_and_comparators_are_errors():
    with pytest.raises(CellError) as info:
        parse_indicator_cells("≥", "12万元", "", "120000元")
    assert info.value.column == "actual"
    with pytest.raises(CellError) as info:
        parse_indicator_cells("≤", "≥90%", "", "95%")
    assert info.value.column == "target"
    with pytest.raises(InputError):
        parse_value("≤90%以上")
