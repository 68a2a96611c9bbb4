"""Interactive review of the scoring assumptions (假设复核): the widget app of
``notebooks/assumption_review.ipynb`` and of ``evalkit review DATASET``.

Two layers, so that everything shown can be tested without a browser:

- :class:`Assumptions` and :func:`adjusted_ruleset` / :func:`review_frame` — the adjusted
  assumptions as data, the rule set they make (through :func:`evalkit.rules.derive_ruleset`, so
  every variant is validated like a YAML file) and the portfolio's totals and verdicts under it;
- :class:`ReviewApp` — ipywidgets controls bound to those functions (imported only when an app
  is built: batch workers never import ipywidgets or seaborn).

How a change is scored
----------------------
Rule-set assumptions other than the level-1 weights (rule set, reverse-indicator convention,
qualitative tier ranges, trimming rule, grade bands) re-evaluate the portfolio under the derived
rule set (:func:`evalkit.sensitivity.weight_model`, cached per rule-set hash). Level-1 weights
``W'`` then rescore that model with multipliers ``a = W' / W`` (renormalised to the rule set's
total points, :meth:`evalkit.sensitivity.WeightModel.rescore`), so moving a weight is instant.
The exported rule set writes ``W'`` into the rule set itself (``selfeval.level1_weights``, or
every weight of a key-project level-1 branch scaled by ``W'_k / W_k``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalkit.errors import InputError, RuleSetError
from evalkit.rules import RuleSet, derive_ruleset, load_ruleset

__all__ = ["REVIEW_TYPES", "Assumptions", "PortfolioReview", "ReviewApp", "adjusted_ruleset",
           "evaluate_many", "evaluate_portfolio", "portfolio_review", "portfolio_subjects",
           "review_frame", "ruleset_yaml", "settings"]

#: Report types the review can analyse: their verdict is a grade read from ``grades``.
REVIEW_TYPES = {"key_project_evaluation": "重点项目绩效评价", "self_evaluation": "项目支出绩效自评"}
#: Shipped rule sets offered by the rule-set control.
RULESETS = {"national": "全国参考规则集", "provincial": "省级规则集"}


@dataclass(frozen=True)
class Assumptions:
    """The assumptions a reviewer adjusted; ``None`` keeps the base rule set's value.

    Attributes
    ----------
    ruleset : str
        The base rule set (a shipped name or a YAML path).
    weights : mapping of str → float, optional
        Level-1 name → points (any positive scale; renormalised to the rule set's total).
    reverse_convention : str, optional
        ``"A"`` or ``"B"`` (``scoring.reverse_convention``).
    tiers : mapping of str → (float, float), optional
        Qualitative tier → ``(min, max)`` share of the weight (``scoring.qualitative_tiers``);
        each tier's ``default`` is clamped into its new range.
    trim : int, optional
        Experts dropped at each end (``panel.trim``).
    grades : mapping of str → float, optional
        Grade → lower bound (``grades``; the lowest grade keeps 0, bands stay half-open).
    """

    ruleset: str = "national"
    weights: Mapping[str, float] | None = None
    reverse_convention: str | None = None
    tiers: Mapping[str, tuple[float, float]] | None = None
    trim: int | None = None
    grades: Mapping[str, float] | None = None

    def changes(self, base: RuleSet, *, report_type: str,
                with_weights: bool = True) -> dict[str, Any]:
        """The dotted-key changes of :func:`evalkit.rules.derive_ruleset` these assumptions make.

        Parameters
        ----------
        base : RuleSet
        report_type : str
            Decides where level-1 weights live in the rule set.
        with_weights : bool, default True
            Include the level-1 weights (the review rescores weights without a new rule set).
        """
        data = base.data
        out: dict[str, Any] = {}
        if self.reverse_convention is not None and \
                self.reverse_convention != base.reverse_convention:
            out["scoring.reverse_convention"] = self.reverse_convention
        if self.tiers is not None:
            tiers = copy.deepcopy(list(data["scoring"]["qualitative_tiers"]))
            for tier in tiers:
                if tier["tier"] in self.tiers:
                    low, high = (float(v) for v in self.tiers[tier["tier"]])
                    tier.update(min=low, max=high,
                                default=min(max(float(tier["default"]), low), high))
            if tiers != list(data["scoring"]["qualitative_tiers"]):
                out["scoring.qualitative_tiers"] = tiers
        if self.trim is not None and int(self.trim) != int(data["panel"]["trim"]):
            out["panel.trim"] = int(self.trim)
        if self.grades is not None:
            grades = _grades(data["grades"], self.grades)
            if grades != list(data["grades"]):
                out["grades"] = grades
        if with_weights and self.weights is not None:
            out.update(_weight_changes(data, report_type, self.weights))
        return out


def _grades(bands: Sequence[Mapping[str, Any]], lows: Mapping[str, float]) -> list[dict]:
    """Grade bands with new lower bounds: each band's max is the next higher band's min."""
    ordered = sorted((dict(b) for b in bands), key=lambda b: -float(b["min"]))
    for band in ordered[:-1]:
        band["min"] = float(lows.get(band["grade"], band["min"]))
    for higher, lower in zip(ordered, ordered[1:], strict=False):
        lower["max"] = higher["min"]
    return ordered


def _weight_changes(data: Mapping[str, Any], report_type: str,
                    weights: Mapping[str, float]) -> dict[str, Any]:
    """Level-1 weights ``W'`` written into the rule set, renormalised to its total points."""
    if report_type == "self_evaluation":
        nominal = {k: float(v) for k, v in data["selfeval"]["level1_weights"].items()}
    elif report_type == "key_project_evaluation":
        nominal = {n["name"]: float(n["weight"]) for n in data["keyproject"]["framework"]}
    else:
        raise InputError(f"报告类型 {report_type}：应为 {', '.join(REVIEW_TYPES)} 之一"
                         f"(review: expected one of {list(REVIEW_TYPES)})")
    new = _renormalised(nominal, weights)
    if report_type == "self_evaluation":
        return {"selfeval.level1_weights": new}
    framework = copy.deepcopy(list(data["keyproject"]["framework"]))
    for node in framework:
        _scale(node, new[node["name"]] / nominal[node["name"]])
    return {"keyproject.framework": framework}


def _renormalised(nominal: Mapping[str, float], weights: Mapping[str, float]) -> dict[str, float]:
    """``W'_k · ΣW / ΣW'``: the adjusted weights on the rule set's own total points."""
    raw = {k: float(weights.get(k, v)) for k, v in nominal.items()}
    if any(v < 0 for v in raw.values()) or sum(raw.values()) <= 0:
        raise InputError(f"一级指标权重：应为非负数且合计大于 0，实际为 {raw}"
                         f"(level-1 weights: expected ≥ 0 with a positive sum)")
    scale = sum(nominal.values()) / sum(raw.values())
    return {k: v * scale for k, v in raw.items()}


def _scale(node: dict, factor: float) -> None:
    """Multiply a framework node's weight and its descendants' by ``factor`` (in place, copy)."""
    node["weight"] = float(node["weight"]) * factor
    for child in node.get("children", []):
        _scale(child, factor)


def adjusted_ruleset(assumptions: Assumptions, *, report_type: str,
                     with_weights: bool = True) -> RuleSet:
    """The rule set the assumptions make: the base rule set with their changes, validated.

    Raises
    ------
    RuleSetError
        A change the rule-set checks reject (overlapping grade bands …).

    Examples
    --------
    >>> rs = adjusted_ruleset(Assumptions(grades={"优": 85}), report_type="self_evaluation")
    >>> [(g.label, g.low) for g in rs.grades][:2]
    [('优', 85.0), ('良', 80.0)]
    """
    base = load_ruleset(assumptions.ruleset)
    changes = assumptions.changes(base, report_type=report_type, with_weights=with_weights)
    return derive_ruleset(base, changes, label="假设复核") if changes else base


def ruleset_yaml(assumptions: Assumptions, *, report_type: str) -> str:
    """The adjusted rule set as YAML text (weights included): a file ``--ruleset`` accepts."""
    import yaml

    rs = adjusted_ruleset(assumptions, report_type=report_type)
    return yaml.safe_dump(_plain(rs.data), allow_unicode=True, sort_keys=False)


def _plain(value: Any) -> Any:
    """Mappings and sequences of a rule set as plain dicts and lists (for yaml.safe_dump)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def review_frame(base: Any, adjusted: Any, weights: Mapping[str, float] | None = None, *,
                 names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Totals and grades before and after the adjusted assumptions, one row per project.

    Parameters
    ----------
    base : WeightModel
        The portfolio under the base rule set, nominal weights.
    adjusted : WeightModel
        The portfolio under the adjusted rule set (same projects).
    weights : mapping of str → float, optional
        Level-1 weights ``W'`` applied to ``adjusted`` as multipliers ``a = W' / W``.
    names : mapping, optional
        Project id → name.

    Returns
    -------
    pandas.DataFrame
        ``project_id, project_name, total_base, verdict_base, total, verdict, delta, changed`` —
        unrounded; ``verdict`` is the fixed verdict when a project has one.
    """
    if adjusted.project_ids != base.project_ids:
        raise InputError("复核前后的项目不一致(review: base and adjusted projects differ)")
    nominal = dict(zip(adjusted.level1, adjusted.level1_weights, strict=True))
    a = None
    if weights is not None:
        new = _renormalised(nominal, weights)
        a = np.array([[new[k] / nominal[k] for k in adjusted.level1]])
    totals = adjusted.rescore(a=a)[0]
    labels = adjusted.labels()[adjusted.verdict_index(totals)]
    verdicts = [f or str(v) for f, v in zip(adjusted.fixed, labels, strict=True)]
    frame = pd.DataFrame({
        "project_id": list(base.project_ids),
        "project_name": [(names or {}).get(p, "") for p in base.project_ids],
        "total_base": base.totals, "verdict_base": list(base.verdicts),
        "total": totals, "verdict": verdicts})
    frame["delta"] = frame["total"] - frame["total_base"]
    frame["changed"] = frame["verdict"] != frame["verdict_base"]
    return frame


#: Chinese headers of the review table and workbook.
HEADERS = {"project_id": "项目编码", "project_name": "项目名称", "total_base": "原总分",
           "verdict_base": "原等级", "total": "调整后总分", "verdict": "调整后等级",
           "delta": "变动（分）", "changed": "等级变化", "p_hold": "等级保持概率",
           "distance": "距等级线（分）"}


@dataclass(eq=False)
class ReviewApp:
    """The widget app: controls, live tables and charts, export buttons.

    Build it with :meth:`build`; ``app.widget`` is what a notebook displays. Every control can
    be set programmatically (``app.controls["reverse"].value = "B"``) and ``app.frame`` /
    ``app.stability`` are then what the page shows, so tests need no browser.

    Attributes
    ----------
    dataset : Dataset
    report_type : str
    export_dir : Path
        Where the export buttons write ``假设复核规则集.yaml`` and ``假设复核对比.xlsx``.
    draws : int
        Monte Carlo draws of the flip probabilities (seeded, concentration 100).
    """

    dataset: Any
    report_type: str = "key_project_evaluation"
    export_dir: Path = field(default_factory=Path.cwd)
    draws: int = 2000
    assumptions: Assumptions = field(default_factory=Assumptions)
    controls: dict[str, Any] = field(default_factory=dict)
    frame: pd.DataFrame | None = None
    stability: pd.DataFrame | None = None
    _models: dict[str, Any] = field(default_factory=dict)
    _busy: bool = False

    @classmethod
    def build(cls, dataset: Any, *, report_type: str = "key_project_evaluation",
              ruleset: str = "national", export_dir: str | Path | None = None,
              draws: int = 2000) -> ReviewApp:
        """Load the dataset, build the controls and show the first state.

        Raises
        ------
        InputError
            A report type the review cannot analyse; the dataset's own errors.
        """
        from evalkit.io import Dataset, load_dataset

        if report_type not in REVIEW_TYPES:
            raise InputError(f"报告类型 {report_type!r}：应为 {', '.join(REVIEW_TYPES)} 之一"
                             f"(review: expected one of {list(REVIEW_TYPES)})")
        data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset,
                                                                          load_ruleset(ruleset))
        app = cls(data, report_type, Path(export_dir or Path.cwd()), draws,
                  Assumptions(ruleset=ruleset))
        app._build_widgets()
        app._reset_controls()
        app.refresh()
        return app

    # --- computation ---------------------------------------------------------------------------

    def model(self, rs: RuleSet):
        """The weight model under ``rs`` (cached by the rule set's hash)."""
        from evalkit.sensitivity import weight_model

        if rs.sha256 not in self._models:
            self._models[rs.sha256] = weight_model(self.dataset, report_type=self.report_type,
                                                   ruleset=rs)
        return self._models[rs.sha256]

    def compute(self, assumptions: Assumptions) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
        """Review table, flip probabilities and the adjusted model for ``assumptions``."""
        from evalkit.sensitivity import grade_stability

        base = self.model(load_ruleset(assumptions.ruleset))
        adjusted = self.model(adjusted_ruleset(assumptions, report_type=self.report_type,
                                               with_weights=False))
        frame = review_frame(base, adjusted, assumptions.weights, names=self._names())
        nominal = dict(zip(adjusted.level1, adjusted.level1_weights, strict=True))
        new = _renormalised(nominal, assumptions.weights or {})
        factors = _moved_factors(adjusted, nominal, new)
        moved = replace(adjusted, scores=adjusted.scores * factors,
                        weights=adjusted.weights * factors, totals=frame["total"].to_numpy(),
                        level1_weights=np.array([new[k] for k in adjusted.level1]),
                        verdicts=tuple(frame["verdict"]))
        stability = grade_stability(moved, draws=self.draws, seed=0).frame
        return frame, stability, moved

    def _names(self) -> dict[str, str]:
        projects = self.dataset.projects
        return dict(zip(projects["project_id"].astype(str), projects["project_name"].astype(str),
                        strict=True))

    # --- widgets -------------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        import ipywidgets as w

        c = self.controls
        layout = w.Layout(width="320px")
        style = {"description_width": "110px"}
        c["ruleset"] = w.Dropdown(options=[(v, k) for k, v in RULESETS.items()],
                                  description="规则集", layout=layout, style=style)
        c["reverse"] = w.Dropdown(options=[("A：目标值/实际值", "A"), ("B：线性至两倍目标为零", "B")],
                                  description="逆向指标口径", layout=layout, style=style)
        c["trim"] = w.BoundedIntText(min=0, max=3, description="专家去极值",
                                     layout=layout, style=style)
        c["filter"] = w.Text(description="项目筛选", placeholder="编码或名称", layout=layout,
                             style=style)
        for name, widget in c.items():
            widget.add_class(f"ek-{name}")
        self._weights_box = w.VBox()
        self._grades_box = w.VBox()
        self._tiers_box = w.VBox()
        self._normalised = w.HTML()
        self._status = w.HTML()
        self._status.add_class("ek-status")
        self._table = w.HTML()
        self._table.add_class("ek-table")
        self._stability_html = w.HTML()
        self._stability_html.add_class("ek-stability")
        self._tornado = w.Output()
        export_yaml = w.Button(description="导出规则集 YAML")
        export_xlsx = w.Button(description="导出对比工作簿")
        export_yaml.on_click(lambda _: self._export(self.export_yaml))
        export_xlsx.on_click(lambda _: self._export(self.export_workbook))
        self._exported = w.HTML()
        for name in ("ruleset", "reverse", "trim", "filter"):
            c[name].observe(self._on_change, names="value")
        left = w.VBox([w.HTML("<b>假设</b>"), c["ruleset"], c["reverse"], c["trim"],
                       w.HTML("<b>一级指标权重（分）</b>"), self._weights_box, self._normalised,
                       w.HTML("<b>等级下限（分）</b>"), self._grades_box,
                       w.HTML("<b>定性档次区间（占权重）</b>"), self._tiers_box,
                       c["filter"], w.HBox([export_yaml, export_xlsx]), self._exported],
                      layout=w.Layout(width="360px", min_width="360px", flex="0 0 auto"))
        right = w.VBox([self._status, w.HTML("<b>得分与等级变化</b>"), self._table,
                        w.HTML("<b>等级保持概率（权重不确定性，Dirichlet 浓度 100）</b>"),
                        self._stability_html, w.HTML("<b>权重敏感性（龙卷风图，±20%）</b>"),
                        self._tornado], layout=w.Layout(flex="1 1 auto", overflow="auto"))
        self.widget = w.HBox([self._font_style(), left, right])
        self.widget.add_class("ek-app")

    def _font_style(self):
        """An HTML widget embedding the bundled CJK font, subset to every character the app can
        show (this module's text, the dataset's names, both rule sets'): no tofu offline."""
        import ipywidgets as w

        from evalkit.render.fonts import font_face_css

        text = "".join([Path(__file__).read_text(encoding="utf-8"), *self._names().values(),
                        *(str(load_ruleset(r).data) for r in RULESETS)])
        return w.HTML(f"<style>{font_face_css(text)} .ek-app, .ek-app * "
                      f"{{font-family: 'Evalkit Sans SC', sans-serif !important}}</style>")

    def _reset_controls(self) -> None:
        """Set every control to the base rule set's values (when the rule set changes)."""
        import ipywidgets as w

        c = self.controls
        rs = load_ruleset(c["ruleset"].value if "ruleset" in c else self.assumptions.ruleset)
        model = self.model(rs)
        self._busy = True
        try:
            c["ruleset"].value = self.assumptions.ruleset
            c["reverse"].value = rs.reverse_convention
            c["trim"].value = int(rs.data["panel"]["trim"])
            weights = {}
            for name, value in zip(model.level1, model.level1_weights, strict=True):
                weights[name] = w.BoundedFloatText(value=float(value), min=0, max=100, step=0.5,
                                                   description=name, layout=w.Layout(width="220px"))
                weights[name].add_class(f"ek-weight-{len(weights)}")
            grades = {}
            for band in sorted(rs.grades, key=lambda b: -b.low)[:-1]:
                grades[band.label] = w.BoundedFloatText(value=band.low, min=0, max=100, step=1,
                                                        description=band.label,
                                                        layout=w.Layout(width="220px"))
            tiers = {}
            for tier in rs.data["scoring"]["qualitative_tiers"]:
                tiers[tier["tier"]] = w.FloatRangeSlider(
                    value=(float(tier["min"]), float(tier["max"])), min=0, max=1, step=0.05,
                    description=tier["tier"], continuous_update=False,
                    layout=w.Layout(width="320px"))
            for widget in (*weights.values(), *grades.values(), *tiers.values()):
                widget.observe(self._on_change, names="value")
            self._weight_widgets, self._grade_widgets, self._tier_widgets = weights, grades, tiers
            self._weights_box.children = tuple(weights.values())
            self._grades_box.children = tuple(grades.values())
            self._tiers_box.children = tuple(tiers.values())
        finally:
            self._busy = False

    def read_controls(self) -> Assumptions:
        """The assumptions the controls currently state."""
        return Assumptions(
            ruleset=self.controls["ruleset"].value,
            weights={k: float(v.value) for k, v in self._weight_widgets.items()},
            reverse_convention=self.controls["reverse"].value,
            tiers={k: tuple(v.value) for k, v in self._tier_widgets.items()},
            trim=int(self.controls["trim"].value),
            grades={k: float(v.value) for k, v in self._grade_widgets.items()})

    def _on_change(self, change: Mapping[str, Any]) -> None:
        if self._busy:
            return
        if change.get("owner") is self.controls["ruleset"]:
            self.assumptions = Assumptions(ruleset=change["new"])
            self._reset_controls()
        self.refresh()

    def refresh(self) -> None:
        """Recompute from the controls and redraw; a rejected assumption is shown, not raised."""
        try:
            assumptions = self.read_controls()
            frame, stability, moved = self.compute(assumptions)
        except (InputError, RuleSetError) as error:
            self._status.value = f'<p style="color:#b00">假设无效：{_escape(str(error))}</p>'
            return
        self.assumptions, self.frame, self.stability = assumptions, frame, stability
        self._status.value = ""
        self._normalised.value = "归一化后：" + "，".join(
            f"{_escape(k)} {v:.2f}" for k, v in zip(moved.level1, moved.level1_weights,
                                                    strict=True))
        shown = self.shown(frame)
        self._table.value = _html_table(shown, ["project_id", "project_name", "total_base",
                                                "verdict_base", "total", "verdict", "delta"])
        stable = stability.set_index("project_id").loc[shown["project_id"]].reset_index()
        self._stability_html.value = _html_table(stable, ["project_id", "verdict", "p_hold",
                                                          "distance"])
        self._draw_tornado(moved, shown)

    def shown(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows the project filter keeps (id or name contains the text)."""
        text = self.controls["filter"].value.strip()
        if not text:
            return frame
        keep = frame["project_id"].str.contains(text, regex=False) | \
            frame["project_name"].str.contains(text, regex=False)
        return frame.loc[keep.to_numpy()].reset_index(drop=True)

    def _draw_tornado(self, model: Any, shown: pd.DataFrame) -> None:
        from evalkit import charts
        from evalkit.sensitivity import weight_tornado

        self._tornado.clear_output(wait=True)
        if shown.empty:
            return
        tornado = weight_tornado(model)
        rows = tornado.loc[tornado["project_id"] == shown["project_id"].iloc[0]].head(8)
        with self._tornado:
            import matplotlib.pyplot as plt
            import seaborn as sns

            charts.use_style()
            fig, ax = plt.subplots(figsize=(6, 0.4 * len(rows) + 1))
            labels = [f"{r.level1}·{r.level2}" if r.level2 else r.level1
                      for r in rows.itertuples()]
            sns.barplot(x=rows["total_low"] - rows["total"], y=labels, color="#8fb3d9", ax=ax)
            sns.barplot(x=rows["total_high"] - rows["total"], y=labels, color="#d98f8f", ax=ax)
            ax.axvline(0, color="#333", linewidth=0.8)
            ax.set_xlabel("总分变动（分）：权重 −20%（蓝）/ +20%（红）")
            ax.set_title(f"{shown['project_id'].iloc[0]} 权重敏感性")
            plt.show()

    # --- export --------------------------------------------------------------------------------

    def _export(self, action) -> None:
        try:
            path = action()
        except (InputError, RuleSetError, OSError) as error:
            self._exported.value = f'<span style="color:#b00">{_escape(str(error))}</span>'
            return
        self._exported.value = f"已导出：{_escape(str(path))}"

    def export_yaml(self, path: str | Path | None = None) -> Path:
        """Write the adjusted assumptions as a rule-set YAML file (default in ``export_dir``)."""
        out = Path(path or self.export_dir / "假设复核规则集.yaml")
        out.write_text(ruleset_yaml(self.assumptions, report_type=self.report_type),
                       encoding="utf-8")
        return out

    def export_workbook(self, path: str | Path | None = None) -> Path:
        """Write the comparison and flip probabilities as a workbook (``evalkit.io.write_excel``)."""
        from evalkit.io import write_excel

        out = Path(path or self.export_dir / "假设复核对比.xlsx")
        frame = self.frame.merge(self.stability[["project_id", "p_hold", "distance"]],
                                 on="project_id")
        frame["changed"] = frame["changed"].map({True: "是", False: "否"})
        return write_excel({"得分与等级变化": frame.rename(columns=HEADERS)}, out)


def _moved_factors(model: Any, nominal: Mapping[str, float],
                   new: Mapping[str, float]) -> np.ndarray:
    """(P, J) multipliers that write weights ``W'`` into the model's components.

    ``f_pj = a_k(j) · T_p / Σ_k a_k E_pk`` with ``a = W' / W``: the moved model's components sum
    to :meth:`~evalkit.sensitivity.WeightModel.rescore`'s totals under ``a`` and keep ``T_p``
    points, so its Monte Carlo draws around ``W'`` (not around the rule set's ``W``).
    """
    a = np.array([new[k] / nominal[k] for k in model.level1])
    e = model.level1_points
    row = e.sum(axis=1) / (e @ a)
    return a[model.components["parent"].to_numpy(dtype=int)][None, :] * row[:, None]


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _html_table(frame: pd.DataFrame, columns: Sequence[str]) -> str:
    """An escaped HTML table; each row carries ``data-project`` and each cell ``data-col``."""
    formats = {"total_base": "{:.2f}", "total": "{:.2f}", "delta": "{:+.2f}", "p_hold": "{:.1%}",
               "distance": "{:.2f}"}
    head = "".join(f"<th>{HEADERS[c]}</th>" for c in columns)
    body = []
    for row in frame.to_dict("records"):
        cells = "".join(f'<td data-col="{c}">{_escape(formats.get(c, "{}").format(row[c]))}</td>'
                        for c in columns)
        mark = ' style="background:#fff3cd"' if row.get("changed") else ""
        body.append(f'<tr data-project="{_escape(str(row["project_id"]))}"{mark}>{cells}</tr>')
    return (f'<table class="ek-review"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


# --- the static report (papermill, `evalkit run assumption_review`) ---------------------------


@dataclass(frozen=True)
class Settings:
    """What the review notebook analyses, after the environment of ``evalkit review``.

    Attributes
    ----------
    report_type, dataset, ruleset : str
    app : bool
        Show the widget app (True) or the static 稳健性分析 report (False).
    """

    report_type: str
    dataset: str
    ruleset: str
    app: bool
    export_dir: str = "."


#: Environment variables through which ``evalkit review`` passes its arguments to the notebook
#: (Voilà's kernels inherit the server's environment).
ENVIRONMENT = {"report_type": "EVALKIT_REVIEW_TYPE", "dataset": "EVALKIT_REVIEW_DATASET",
               "ruleset": "EVALKIT_REVIEW_RULESET"}
#: Set by ``evalkit review`` (Voilà) — and ``JPY_SESSION_NAME`` by Jupyter Server for a
#: JupyterLab kernel: a widget front end is there. Papermill sets neither.
APP_ENVIRONMENT = ("EVALKIT_REVIEW_APP", "JPY_SESSION_NAME")


def settings(*, report_type: str, dataset: str, ruleset: str, app: str = "auto",
             environ: Mapping[str, str] | None = None) -> Settings:
    """The notebook's parameters, overridden by ``evalkit review``'s environment variables.

    ``app="auto"`` shows the widgets when a widget front end runs the kernel (see
    :data:`APP_ENVIRONMENT`), ``"yes"``/``"no"`` force it.

    >>> settings(report_type="self_evaluation", dataset="sample", ruleset="national",
    ...          environ={"EVALKIT_REVIEW_APP": "1", "EVALKIT_REVIEW_RULESET": "provincial"})
    Settings(report_type='self_evaluation', dataset='sample', ruleset='provincial', app=True, export_dir='.')
    """
    import os

    env = os.environ if environ is None else environ
    if app not in ("auto", "yes", "no"):
        raise InputError(f"参数 app：应为 auto、yes 或 no，实际为 {app!r}"
                         f"(app: expected auto, yes or no)")
    given = {"report_type": report_type, "dataset": dataset, "ruleset": ruleset}
    values = {k: env.get(var) or given[k] for k, var in ENVIRONMENT.items()}
    show = app == "yes" or (app == "auto" and any(env.get(v) for v in APP_ENVIRONMENT))
    return Settings(**values, app=show, export_dir=env.get("EVALKIT_REVIEW_OUT") or ".")


@dataclass(frozen=True, eq=False)
class PortfolioReview:
    """A portfolio's 稳健性分析: rule-set comparison, grade stability and tornado extremes.

    Attributes
    ----------
    report_type : str
    names : (str, str)
        The labels of the two rule sets compared.
    comparison : RulesetComparison
    stability : pandas.DataFrame
        :func:`evalkit.sensitivity.grade_stability`'s frame under the first rule set.
    tornado : pandas.DataFrame
        Per project, the level-1 weight whose ±20 % moves its total most.
    draws : int
    concentration : float
    ruleset : dict
        The first rule set's record.
    """

    report_type: str
    names: tuple[str, str]
    comparison: Any
    stability: pd.DataFrame
    tornado: pd.DataFrame
    draws: int
    concentration: float
    ruleset: Mapping[str, str]

    @property
    def title(self) -> str:
        return f"{REVIEW_TYPES[self.report_type]}稳健性分析报告"

    def comparison_frame(self) -> pd.DataFrame:
        """The comparison's side-by-side table with its causes named in Chinese."""
        frame = self.comparison.frame.copy()
        frame["causes"] = [_causes(c) if c else "" for c in frame["causes"]]
        return frame

    def summary(self) -> dict[str, Any]:
        """JSON-able verdict: ``n_changed`` (grades that differ under the other rule set) and
        ``n_unstable`` (grades that hold in fewer than 95 % of the draws — reported, not ruled)."""
        return {"report_type": self.report_type, "n_projects": len(self.stability),
                "n_changed": int(self.comparison.frame["changed"].sum()),
                "n_unstable": int((self.stability["p_hold"] < 0.95).sum()),
                "compared_with": self.names[1],
                "p_hold": dict(zip(self.stability["project_id"],
                                   self.stability["p_hold"].astype(float), strict=True)),
                **self.ruleset}


def portfolio_review(dataset: Any, report_type: str, *, ruleset: Any = "national",
                     compare_with: Any = "provincial", draws: int = 10_000,
                     concentration: float = 100.0) -> PortfolioReview:
    """Compare rule sets, draw weights and find each project's most sensitive weight.

    See :func:`evalkit.sensitivity.compare_rulesets`, :func:`~evalkit.sensitivity.grade_stability`
    (seed 0) and :func:`~evalkit.sensitivity.weight_tornado` (δ = 0.2, level 1).
    """
    from evalkit.sensitivity import compare_rulesets, grade_stability, weight_model, weight_tornado

    if report_type not in REVIEW_TYPES:
        raise InputError(f"报告类型 {report_type!r}：应为 {', '.join(REVIEW_TYPES)} 之一"
                         f"(review: expected one of {list(REVIEW_TYPES)})")
    a, b = load_ruleset(ruleset), load_ruleset(compare_with)
    model = weight_model(dataset, report_type=report_type, ruleset=a)
    tornado = weight_tornado(model)
    tornado = (tornado[tornado["level"] == 1].sort_values("swing", ascending=False, kind="stable")
               .drop_duplicates("project_id").set_index("project_id")
               .loc[list(model.project_ids)].reset_index())
    return PortfolioReview(
        report_type, (str(a.data["name"]), str(b.data["name"])),
        compare_rulesets(dataset, a, b, report_type=report_type),
        grade_stability(model, draws=draws, concentration=concentration, seed=0).frame,
        tornado, draws, concentration, a.to_record())


def portfolio_subjects(dataset: Any) -> list[str]:
    """The report types the review can analyse that have subjects in ``dataset``."""
    from evalkit import registry

    return [name for name in REVIEW_TYPES if registry.get(name).subjects(dataset)]


def evaluate_portfolio(dataset: Any, subject_id: str, *, ruleset: Any = "national"):
    """The registry's ``evaluate``: :func:`portfolio_review` of report type ``subject_id``."""
    return portfolio_review(dataset, subject_id, ruleset=ruleset)


def evaluate_many(dataset: Any, *, ruleset: Any = "national") -> pd.DataFrame:
    """The stage protocol's portfolio table: one row per analysable report type, its summary's
    ``report_type``, ``n_projects``, ``n_changed``, ``n_unstable`` and ``compared_with``."""
    keys = ("report_type", "n_projects", "n_changed", "n_unstable", "compared_with")
    rows = [evaluate_portfolio(dataset, name, ruleset=ruleset).summary()
            for name in portfolio_subjects(dataset)]
    return pd.DataFrame([{k: row[k] for k in keys} for row in rows], columns=list(keys))


def conclusion(result: PortfolioReview) -> str:
    """The report's opening sentence: counts of changed and unstable grades."""
    s = result.summary()
    return (f"本报告分析 {s['n_projects']} 个项目的评分假设：改用{result.names[1]}时有 "
            f"{s['n_changed']} 个项目的等级发生变化；一级指标权重不确定时（Dirichlet 浓度 "
            f"{result.concentration:g}，抽样 {result.draws} 次），有 {s['n_unstable']} 个项目的"
            f"等级保持概率低于 95%。")


def comparison_text(result: PortfolioReview) -> str:
    """Which projects change grade between the rule sets, and the rule differences that cause it."""
    changed = result.comparison.changed()
    if changed.empty:
        return f"两套规则集下各项目的等级均相同（{result.names[0]}与{result.names[1]}）。"
    parts = [f"{r.project_id}（{r.verdict_a}→{r.verdict_b}，原因：{_causes(r.causes)}）"
             for r in changed.itertuples()]
    return "等级发生变化的项目：" + "；".join(parts) + "。"


#: Chinese names of the rule-set keys that most often explain a changed grade.
CAUSE_NAMES = {"grades": "等级线", "scoring.qualitative_tiers": "定性档次", "panel.trim": "去极值规则",
               "scoring.reverse_convention": "逆向指标口径", "selfeval.level1_weights": "一级指标权重",
               "selfeval.no_satisfaction_to": "满意度分值调整", "keyproject.framework": "指标体系"}


def _causes(causes: str) -> str:
    """``、``-joined rule-set keys in Chinese (an unnamed key is shown as it is)."""
    return "、".join(CAUSE_NAMES.get(key, key) for key in str(causes).split("、"))


def stability_text(result: PortfolioReview) -> str:
    """The least stable project: its probability and distance to the nearest grade line."""
    row = result.stability.sort_values("p_hold", kind="stable").iloc[0]
    return (f"等级最不稳定的项目为 {row['project_id']}：等级“{row['verdict']}”保持的概率为 "
            f"{row['p_hold']:.1%}，总分距最近的等级线 {row['boundary']:g} 分 "
            f"{row['distance']:.2f} 分。")


COMPARISON_HEADERS = {"project_id": "项目编码", "total_a": "总分（规则集一）",
                      "verdict_a": "等级（规则集一）", "total_b": "总分（规则集二）",
                      "verdict_b": "等级（规则集二）", "delta": "变动（分）",
                      "causes": "等级变化原因"}
STABILITY_HEADERS = {"project_id": "项目编码", "total": "总分", "verdict": "等级",
                     "p_hold": "等级保持概率", "boundary": "最近等级线", "distance": "距等级线（分）",
                     "total_p05": "总分 5% 分位", "total_p95": "总分 95% 分位"}
TORNADO_HEADERS = {"project_id": "项目编码", "level1": "一级指标", "weight": "权重",
                   "total_low": "权重 −20% 时总分", "total_high": "权重 +20% 时总分",
                   "swing": "最大变动（分）", "verdict_low": "−20% 时等级",
                   "verdict_high": "+20% 时等级"}
