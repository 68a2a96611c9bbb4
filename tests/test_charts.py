"""Charts render Chinese with no missing glyph and no font fallback (a tofu box fails the test)."""

import io
import logging
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from evalkit import charts

CHINESE = "预算绩效管理：产出指标、效益指标、满意度指标；且末县巴音郭楞蒙古自治州（≥90%）①"


@pytest.fixture
def strict_fonts(caplog):
    """Turn glyph warnings into errors and collect matplotlib's font-manager log."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
        with caplog.at_level(logging.DEBUG, logger="matplotlib.font_manager"):
            yield caplog


def _render(fig) -> bytes:
    buf = io.BytesIO()
    for fmt in ("png", "pdf", "svg"):
        fig.savefig(buf, format=fmt)
    plt.close(fig)
    return buf.getvalue()


def _assert_no_fallback(caplog) -> None:
    bad = [r.getMessage() for r in caplog.records
           if "not found" in r.getMessage() or "Falling back" in r.getMessage()]
    assert bad == []


def test_chart_full_of_chinese_has_no_missing_glyph(strict_fonts):
    frame = pd.DataFrame({"level1": ["产出指标", "效益指标", "满意度指标", "预算执行率"],
                          "score_rate": [0.962, 0.871, 0.95, 0.9253]})
    fig = charts.score_rate_bars(frame, title=CHINESE)
    fig.axes[0].set_xlabel(CHINESE)
    fig.axes[0].annotate("农村安居房建设项目（示例县·虚构）", (50, 1))
    assert _render(fig)
    _assert_no_fallback(strict_fonts)


def test_grade_chart_uses_the_bundled_font(strict_fonts):
    fig = charts.grade_distribution(pd.DataFrame({"grade": ["优", "良", "良", "差"]}),
                                    ["优", "良", "中", "差"])
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["优", "良", "中", "差"]
    family = fig.axes[0].title.get_fontfamily()
    assert family[0] == "sans-serif"
    assert plt.rcParams["font.sans-serif"][0] == charts.FONT_FAMILY
    _render(fig)
    _assert_no_fallback(strict_fonts)


def test_missing_glyph_detection_is_live(strict_fonts):
    """The guard itself must fail on a character outside every font (else the tests above prove
    nothing)."""
    with pytest.raises(UserWarning, match="missing"):
        _render(charts.score_rate_bars(pd.DataFrame({"level1": ["\U0001D11E"],
                                                     "score_rate": [1.0]})))
    plt.close("all")


def test_the_county_year_charts_have_no_missing_glyph(strict_fonts):
    from evalkit.io import load_dataset
    from evalkit.stages import annual_summary

    result = annual_summary.evaluate(load_dataset("sample"), "2020")
    coverage = annual_summary.coverage(result)
    figures = [
        charts.amount_bars(coverage["stage"].tolist(), coverage["amount"].tolist(), title=CHINESE),
        charts.rate_scatter(result.projects, title=CHINESE),
        charts.grade_comparison(result.grades, title=CHINESE),
        charts.progress_bars(result.funds, time_progress=10 / 12, title=CHINESE),
    ]
    for fig in figures:
        assert len(_render(fig)) > 1000
    assert list(result.grades.columns) == ["grade", "2019", "2020"]  # legend in year order
    _assert_no_fallback(strict_fonts)
