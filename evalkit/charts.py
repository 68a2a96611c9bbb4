"""Standard charts, with Chinese fonts set up once.

evalkit ships *Evalkit Sans SC*, an OFL-licensed subset of Noto Sans CJK SC (GBK coverage, regular
and bold; ``evalkit/fonts/OFL.txt``), and registers it with matplotlib's font manager at run time
(no writes into site-packages, no dependence on a font cache built before the font arrived). A
system Noto Sans CJK SC or WenQuanYi, when installed, serves as per-glyph fallback for characters
outside GBK.

Figures are built as :class:`matplotlib.figure.Figure` objects without pyplot: nothing registers
them in pyplot's figure list, so there is nothing to close, and in an interactive kernel
(pyplot's interactive mode, as in Jupyter) they are not redrawn after every change while being
built — which cost each chart a full extra rendering. :func:`evalkit.report.figure` embeds them.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import matplotlib
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from evalkit.report import DISPLAY_DECIMALS

#: Family name of the bundled font.
FONT_FAMILY = "Evalkit Sans SC"
#: Fallback chain: bundled subset first, then full CJK fonts if the system has them.
FONT_FALLBACK = [FONT_FAMILY, "Noto Sans CJK SC", "WenQuanYi Micro Hei", "DejaVu Sans"]
#: Colours of the grades, from best to worst.
GRADE_COLORS = ["#2e7d32", "#1565c0", "#f9a825", "#c62828"]


@functools.cache
def setup_fonts() -> dict[str, object]:
    """Register the bundled CJK font once and return the rc settings that use it.

    Returns
    -------
    dict
        matplotlib rc parameters (``font.family``, ``font.sans-serif`` …).
    """
    fonts = resources.files("evalkit.fonts")
    for name in ("EvalkitSansSC-Regular.ttf", "EvalkitSansSC-Bold.ttf"):
        with resources.as_file(fonts.joinpath(name)) as path:
            font_manager.fontManager.addfont(str(path))
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [f for f in FONT_FALLBACK if f in installed],
        "axes.unicode_minus": True,
        "figure.dpi": 100,
        "savefig.dpi": 150,
        # no "tight" bounding box: every chart lays itself out (tight_layout), and a tight box
        # costs a second full rendering of the figure at every savefig
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def percent(value: float) -> str:
    """A percentage (already ×100) as a chart prints it: the decimals of tables and prose
    (:data:`evalkit.report.DISPLAY_DECIMALS`).

    >>> percent(84.0), percent(93.3351)
    ('84.00%', '93.34%')
    """
    return f"{value:.{DISPLAY_DECIMALS}f}%"


def _finish_bars(fig: Figure, ax: Any, bars: Any, labels: list[str], *,
                 xlim: tuple[float, float], xlabel: str, title: str) -> Figure:
    """The common ending of a horizontal bar chart: a label on each bar, the first row on top."""
    ax.bar_label(bars, labels=labels, padding=3)
    ax.set_xlim(*xlim)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def use_style() -> None:
    """Apply evalkit's chart style (CJK fonts included) to this process's matplotlib settings.

    Every chart function calls it: tick labels are laid out when a figure is drawn, not when it
    is built, so the CJK font must stay in the global settings rather than a temporary context.
    """
    matplotlib.rcParams.update(setup_fonts())


def score_rate_bars(frame: pd.DataFrame, *, label: str = "level1", value: str = "score_rate",
                    title: str = "各一级指标得分率") -> Figure:
    """Horizontal bars of score rates (0–100 %) with the rate printed on each bar.

    Parameters
    ----------
    frame : DataFrame
        One row per bar: a label column and a rate column (fractions, unrounded).
    label, value : str
        Column names.
    title : str
        Chart title (Chinese by default).
    """
    use_style()
    fig = Figure(figsize=(7, 0.55 * len(frame) + 1.4))
    ax = fig.subplots()
    rates = frame[value].to_numpy(dtype=float) * 100.0
    bars = ax.barh(frame[label].astype(str), rates, color="#1565c0")
    return _finish_bars(fig, ax, bars, [percent(r) for r in rates], xlim=(0, 115),
                        xlabel="得分率（%）", title=title)


def grade_distribution(summary: pd.DataFrame, grades: list[str], *, title: str = "项目等级分布",
                       ) -> Figure:
    """Bar chart of how many projects fall in each grade, in the rule set's order.

    Parameters
    ----------
    summary : DataFrame
        With a ``grade`` column (one row per project).
    grades : list of str
        Grade labels from best to worst (``[b.label for b in ruleset.grades]``).
    """
    counts = summary["grade"].value_counts().reindex(grades, fill_value=0)
    use_style()
    fig = Figure(figsize=(6, 3.6))
    ax = fig.subplots()
    colors = (GRADE_COLORS * 2)[: len(grades)]
    bars = ax.bar(counts.index, counts.to_numpy(), color=colors)
    ax.bar_label(bars, labels=[f"{n} 个" for n in counts.to_numpy()], padding=2)
    ax.set_ylabel("项目数（个）")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def radar(labels: list[str], shares: list[float], *, title: str = "各维度得分率") -> Figure:
    """Radar (spider) chart of shares (0–1) such as each ex-ante dimension's score / points.

    Parameters
    ----------
    labels : list of str
        One axis per label, clockwise from the top.
    shares : list of float
        Unrounded fractions; printed as percentages at each vertex.
    """
    import numpy as np

    use_style()
    n = len(labels)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    closed = np.append(angles, angles[0])
    values = np.append(np.asarray(shares, dtype=float), shares[0]) * 100.0
    fig = Figure(figsize=(5.6, 5.0))
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    ax.plot(closed, values, color="#1565c0", linewidth=2)
    ax.fill(closed, values, color="#1565c0", alpha=0.2)
    ax.set_xticks(angles, labels)
    ax.set_ylim(0, 100)
    ax.set_yticks([20, 40, 60, 80, 100], ["20%", "40%", "60%", "80%", "100%"], fontsize=8)
    for angle, value in zip(angles, values[:-1], strict=True):
        # inside the polygon, towards the centre: the axis labels sit just outside the rim
        ax.annotate(percent(value), (angle, value), textcoords="offset points",
                    xytext=(-24 * np.sin(angle), -16 * np.cos(angle)), ha="center",
                    va="center", fontsize=9, color="#0d47a1")
    ax.set_title(title, pad=18)
    fig.tight_layout()
    return fig


def panel_distribution(audit: pd.DataFrame, *, item: str = "item", value: str = "share",
                       outlier: str = "outlier", title: str = "专家评分分布") -> Figure:
    """Box plot of experts' scores per sub-item with every expert's point; outliers in red.

    Boxes are Tukey's (quartiles, whiskers to the furthest point within 1.5 IQR), drawn without
    fliers because every score is drawn as a point. Points are jittered vertically by a generator
    seeded for the call, so the same scores always draw the same chart (reruns and warm kernels
    give identical reports).

    Parameters
    ----------
    audit : DataFrame
        One row per (expert, item): an item label column, a value column (e.g. score as a share
        of the item's points, so items of different points compare) and a boolean outlier column.
    """
    import numpy as np

    use_style()
    order = list(dict.fromkeys(audit[item]))
    fig = Figure(figsize=(7.5, 0.42 * len(order) + 1.6))
    ax = fig.subplots()
    pct = audit[value].astype(float).to_numpy() * 100.0
    row = audit[item].map({label: i for i, label in enumerate(order)}).to_numpy()
    flagged = audit[outlier].astype(bool).to_numpy()
    edge = {"color": "#6b6b6b"}
    ax.boxplot([pct[row == i] for i in range(len(order))], positions=range(len(order)),
               orientation="horizontal", widths=0.6, showfliers=False, patch_artist=True,
               boxprops={"facecolor": "#e3ecf7", "edgecolor": "#6b6b6b"}, whiskerprops=edge,
               capprops=edge, medianprops=edge)
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(pct))
    ax.scatter(pct[~flagged], row[~flagged] + jitter[~flagged], s=16, color="#1565c0",
               linewidths=0, zorder=3)
    if flagged.any():
        ax.scatter(pct[flagged], row[flagged], s=49, color="#c62828", marker="X", linewidths=0,
                   zorder=4, label="离群评分")
        ax.legend(loc="lower left", frameon=False)
    ax.set_yticks(range(len(order)), order)
    ax.set_ylim(len(order) - 0.5, -0.5)  # first item on top
    ax.set_xlabel("得分率（%，专家评分 ÷ 分值）")
    ax.set_xlim(-2, 105)
    ax.set_title(title)
    fig.tight_layout()
    return fig


#: Likert answer labels 1–5 and their colours (red to green).
LIKERT_LABELS = ["非常不满意", "不满意", "一般", "满意", "非常满意"]
LIKERT_COLORS = ["#c62828", "#ef6c00", "#bdbdbd", "#64b5f6", "#1565c0"]


def likert_bars(questions: pd.DataFrame, *, title: str = "满意度调查各题作答分布") -> Figure:
    """One stacked bar per question: the share of answers 1–5, with each question's rate of
    4–5 printed at the right.

    Parameters
    ----------
    questions : DataFrame
        One row per question: ``question`` and ``n_1`` … ``n_5`` (valid answers at each level),
        as in :attr:`evalkit.survey.SurveyResult.questions`.
    """
    use_style()
    counts = questions.set_index("question")[[f"n_{k}" for k in range(1, 6)]]
    shares = counts.set_axis([1, 2, 3, 4, 5], axis=1).astype(float)
    shares = shares.div(shares.sum(axis=1).where(lambda s: s > 0, 1.0), axis=0) * 100.0
    fig = Figure(figsize=(8, 0.6 * len(shares) + 1.8))
    ax = fig.subplots()
    left = pd.Series(0.0, index=shares.index)
    labels = [str(q) for q in shares.index]
    for level, name, colour in zip(range(1, 6), LIKERT_LABELS, LIKERT_COLORS, strict=True):
        ax.barh(labels, shares[level].to_numpy(), left=left.to_numpy(), color=colour,
                label=name)
        left += shares[level]
    for y, rate in enumerate((shares[4] + shares[5]).to_numpy()):
        ax.text(101, y, percent(rate), va="center", fontsize=9)
    ax.set_xlim(0, 112)
    ax.invert_yaxis()
    ax.set_xlabel("占有效回答的比例（%）；右侧为满意率（4–5 分）")
    ax.legend(ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.18 - 0.02 * len(shares)),
              frameon=False, fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def lost_points_bars(frame: pd.DataFrame, *, label: str = "name", value: str = "lost",
                     title: str = "扣分情况") -> Figure:
    """Horizontal bars of points lost per indicator, largest first (only indicators that lost
    points)."""
    use_style()
    data = frame[frame[value] > 1e-9].sort_values(value, ascending=False)
    fig = Figure(figsize=(7, 0.45 * max(len(data), 1) + 1.4))
    ax = fig.subplots()
    if data.empty:
        ax.text(0.5, 0.5, "无扣分", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        bars = ax.barh(data[label].astype(str), data[value].to_numpy(dtype=float),
                       color="#c62828")
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in data[value]], padding=3)
        ax.invert_yaxis()
        ax.set_xlabel("扣分（分）")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def amount_bars(labels: list[str], amounts: list[float], *, title: str,
                unit: str = "万元") -> Figure:
    """Horizontal bars of amounts (万元 by default), the amount printed on each bar.

    Parameters
    ----------
    labels : list of str
        One label per bar, top to bottom.
    amounts : list of float
        Unrounded amounts; printed with at most 2 decimals.
    title, unit : str
    """
    use_style()
    fig = Figure(figsize=(7, 0.5 * len(labels) + 1.4))
    ax = fig.subplots()
    bars = ax.barh(labels, amounts, color="#1565c0")
    return _finish_bars(fig, ax, bars,
                        [f"{a:.{DISPLAY_DECIMALS}f}".rstrip("0").rstrip(".") for a in amounts],
                        xlim=(0, max(amounts, default=1) * 1.2 or 1), xlabel=f"金额（{unit}）",
                        title=title)


def rate_scatter(frame: pd.DataFrame, *, x: str = "execution_rate", y: str = "completion_rate",
                 flagged: str = "flagged", limit_points: float = 20.0,
                 title: str = "各项目预算执行率与绩效目标完成率") -> Figure:
    """Each project's budget execution (x) against target completion (y), both in %, with the
    diagonal and the ±``limit_points`` band of the rectification rule; flagged projects in red."""
    use_style()
    fig = Figure(figsize=(6, 5))
    ax = fig.subplots()
    xs, ys = frame[x].to_numpy(float) * 100, frame[y].to_numpy(float) * 100
    marks = frame[flagged].to_numpy(bool)
    ax.scatter(xs[~marks], ys[~marks], s=18, color="#1565c0", label="正常")
    ax.scatter(xs[marks], ys[marks], s=24, color="#c62828", label="需整改")
    low = min(xs.min(initial=0), ys.min(initial=0), 0)
    line = [low, 120]
    ax.plot(line, line, color="#555555", linewidth=0.8)
    for sign in (1, -1):
        ax.plot(line, [v + sign * limit_points for v in line], color="#999999", linewidth=0.8,
                linestyle="--")
    ax.set_xlim(low, 120)
    ax.set_ylim(low, 120)
    ax.set_xlabel("预算执行率（%）")
    ax.set_ylabel("绩效目标完成率（%）")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def grade_comparison(frame: pd.DataFrame, *, label: str = "grade",
                     title: str = "项目自评等级分布") -> Figure:
    """Grouped bars: projects per grade (rows of ``frame``), one group member per other column
    (a year)."""
    use_style()
    years = [c for c in frame.columns if c != label]
    fig = Figure(figsize=(6.5, 3.8))
    ax = fig.subplots()
    width = 0.8 / max(len(years), 1)
    positions = range(len(frame))
    for k, year in enumerate(years):
        bars = ax.bar([p + (k - (len(years) - 1) / 2) * width for p in positions],
                      frame[year].to_numpy(float), width, label=f"{year}年",
                      color=["#1565c0", "#90caf9", "#2e7d32", "#f9a825"][k % 4])
        ax.bar_label(bars, labels=[f"{v:.0f}" for v in frame[year]], padding=2)
    ax.set_xticks(list(positions), frame[label].astype(str).tolist())
    ax.set_ylabel("项目数（个）")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def progress_bars(frame: pd.DataFrame, *, label: str = "fund_name",
                  value: str = "payment_progress", time_progress: float,
                  title: str = "直达资金支付进度") -> Figure:
    """Horizontal bars of payment progress (%) per row, with the time progress as a line; bars
    below it in red."""
    use_style()
    fig = Figure(figsize=(7, 0.5 * len(frame) + 1.6))
    ax = fig.subplots()
    rates = frame[value].to_numpy(float) * 100
    colors = ["#c62828" if r < time_progress * 100 else "#1565c0" for r in rates]
    bars = ax.barh(frame[label].astype(str), rates, color=colors)
    ax.axvline(time_progress * 100, color="#555555", linestyle="--", linewidth=1)
    return _finish_bars(fig, ax, bars, [percent(r) for r in rates], xlim=(0, 118),
                        xlabel=f"支付进度（%）；虚线为时间进度 {percent(time_progress * 100)}",
                        title=title)
