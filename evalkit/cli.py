"""The ``evalkit`` command.

``evalkit validate DATASET``
    Check a dataset folder or workbook; print every problem with its place; exit 1 if any.
``evalkit summary DATASET --out DIR``
    Score every project and write a scored summary (Excel, JSON, charts) to ``DIR``.
``evalkit reports``
    List the registered report types (:mod:`evalkit.registry`).
``evalkit run TYPE --dataset DATA --project ID --out DIR --format html,docx,pdf``
    Produce one subject's report in every requested format: a batch of one, in this process
    (``--project all``: each subject the type applies to, one after the other).
``evalkit batch TYPE --dataset DATA --projects all --out DIR [--workers N] [--scheduler ADDR]``
    Produce many reports with warm workers (local processes or Dask), resumable, with a
    portfolio index.html, summary.xlsx and manifest.json; exit 1 if any report failed.
    ``--word-template FILE.docx`` (run and batch): the agency's Word template.
``evalkit batch all --dataset DATA --out DIR`` (or ``TYPE,TYPE,…``)
    Every registered report type (or those named) into ``DIR/<type>/``, one after the other on
    one set of workers, then the portfolio index ``DIR/index.html``.
``evalkit word-template FILE.docx``
    Write the default Word template (GB/T 9704 style) for an agency to restyle.
``evalkit template exante --project ID --experts N -o FILE.xlsx``
    Write a ready-to-fill expert scoring workbook.
``evalkit template ahp --experts N [--level3] -o FILE.xlsx``
    Write a pairwise-comparison workbook of the key-project indicator tree (层次分析法).
``evalkit weights FILE.xlsx … -o RULES.yaml [--objective entropy|critic --dataset DATA]``
    Read filled comparison workbooks, compute the panel's AHP weights (AIJ) with CR checks and
    write a rule set whose key-project framework carries them.
``evalkit import-scores FILE.xlsx … -o expert_scores.csv``
    Read filled expert workbooks back (several files merged) into an expert_scores table.
``evalkit review DATASET [--ruleset R] [--type T] [--port N] [--out DIR]``
    Serve the assumption review (notebooks/assumption_review.ipynb) as a page without code with
    Voilà, on 127.0.0.1 only; needs the optional extra ``evalkit[review]`` (exit 2 without it).
``evalkit rulesets``
    List the shipped rule sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit._startup import skip_iri_grammars
from evalkit.errors import DatasetError, EvalkitError, InputError

skip_iri_grammars()  # before nbformat: this process and the batch workers it spawns


def _load(args: argparse.Namespace, ruleset: Any = None) -> Any:
    """The command's dataset (``args.dataset`` under ``ruleset``, else ``args.ruleset``),
    or None once its problems are printed (the command then exits 1)."""
    from evalkit.io import load_dataset

    try:
        return load_dataset(args.dataset, ruleset or args.ruleset)
    except DatasetError as exc:
        print(exc, file=sys.stderr)
        return None


def _validate(args: argparse.Namespace) -> int:
    ds = _load(args)
    if ds is None:
        return 1
    counts = "，".join(f"{name} {len(t)} 行" for name, t in ds.tables.items())
    print(f"数据校验通过 (dataset is valid): {ds.source}：{counts}")
    if ds.encodings:
        print("文件编码 (encodings): " + "，".join(f"{f} {e}" for f, e in ds.encodings.items()))
    if ds.warnings:
        print(f"需复核 {len(ds.warnings)} 处 (warnings):")
        for i, problem in enumerate(ds.warnings, 1):
            print(f"  {i}. {problem}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    import pandas as pd

    from evalkit import __version__, charts
    from evalkit.io import atomic_write, write_excel
    from evalkit.rules import load_ruleset
    from evalkit.scoring import score_indicators
    from evalkit.summary import (
        SHEET_HEADERS,
        SUMMARY_HEADERS,
        county_figures,
        county_table,
        summarize_projects,
    )

    rs = load_ruleset(args.ruleset)
    ds = _load(args, rs)
    if ds is None:
        return 1
    out = Path(args.out)
    summary = summarize_projects(ds.projects, ds.indicators, ruleset=rs)
    county = county_figures(summary)
    sheet = score_indicators(ds.indicators, ruleset=rs).sheet
    provenance = {"dataset": ds.source, "inputs_sha256": dict(ds.sha256),
                  "evalkit_version": __version__, **rs.to_record()}
    sheets = {
        "项目汇总": summary.rename(columns=SUMMARY_HEADERS),
        "指标评分表": sheet.rename(columns=SHEET_HEADERS),
        "县级汇总": None,  # filled in below, once the monitoring figures are added
        "规则集与数据来源": pd.DataFrame(
            [("数据集", ds.source), ("evalkit 版本", __version__), ("规则集", rs.id),
             ("规则集版本", rs.version), ("规则集 SHA-256", rs.sha256),
             *((f"输入文件 {name} 的 SHA-256", digest) for name, digest in ds.sha256.items())],
            columns=["项", "值"]),
    }
    # --- 绩效运行监控: the portfolio 监控情况表 when the dataset has monitoring forms ---
    from evalkit.stages import monitoring

    watch = monitoring.evaluate_many(ds, ruleset=rs)
    if not watch.empty:
        sheets["监控情况表"] = monitoring.portfolio_sheet(watch)
        county.update(monitoring.county_monitoring(watch))
    # --- 部门整体支出监控: the units' 监控情况表 when the dataset has unit monitoring forms ---
    from evalkit.stages import unit_monitoring

    units_watch = unit_monitoring.evaluate_many(ds, ruleset=rs)
    if not units_watch.empty:
        sheets["单位监控情况表"] = unit_monitoring.portfolio_sheet(units_watch)
        county.update({f"unit_{k}": v for k, v in
                       unit_monitoring.county_unit_monitoring(units_watch).items()})
    sheets["县级汇总"], county_formats = county_table(county)
    write_excel(sheets, out / "summary.xlsx", formats={"县级汇总": {"数值": county_formats}})
    head = json.dumps({**provenance, "county": county}, ensure_ascii=False, indent=2)
    records = summary.to_json(orient="records", force_ascii=False, lines=True).splitlines()
    # one project per line: readable, and written by pandas' encoder (a province has 20,000)
    text = head[:-2] + ',\n  "projects": [\n    ' + ",\n    ".join(records) + "\n  ]\n}\n"
    atomic_write(out / "summary.json", lambda p: p.write_text(text, encoding="utf-8"))
    fig = charts.grade_distribution(summary, [b.label for b in rs.grades],
                                    title=f"项目等级分布（{len(summary)} 个项目）")
    atomic_write(out / "grade_distribution.png", lambda p: fig.savefig(p, format="png"))
    print(f"已评分 {county['n_projects']} 个项目，资金 {county['budget']:.2f} 万元；"
          f"预算执行率 {county['execution_rate']:.2%}，目标完成率 {county['completion_rate']:.2%}，"
          f"偏差 {county['gap_points']:.2f} 个百分点；需整改项目 {county['n_rectification']} 个。")
    if not watch.empty:
        print(f"绩效监控 {county['n_monitored']} 个项目：监控审核平均分 "
              f"{county['average_review_score']:.2f}，需下发整改通知书 {county['n_notices']} 份。")
    if not units_watch.empty:
        print(f"整体支出监控 {county['unit_n_monitored']} 个预算单位：监控审核平均分 "
              f"{county['unit_average_review_score']:.2f}。")
    print(f"规则集 {rs.label}；输出目录 {out}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from evalkit.batch import resolve_report_type, run_batch

    report_type, _ = resolve_report_type(args.template)
    result = run_batch(args.template, dataset=args.dataset, subjects=args.project,
                       out_dir=args.out, formats=args.format.split(","), ruleset=args.ruleset,
                       workers=1, force=True, portfolio=False, progress=False,
                       wait=args.wait, word_template=args.word_template)
    for sid in result.failed:
        print(f"错误 (error): {sid}: {result.messages.get(sid, '')}", file=sys.stderr)
    for sid in result.made:
        verdict = report_type.verdict(result.summaries[sid])
        total = "—" if verdict.total is None else format(verdict.total, report_type.total_format)
        print(f"已生成 {sid} 的{report_type.title}：{report_type.total_label} {total}，"
              f"{verdict.label} "
              f"{verdict.band or '—'}；{Path(args.out) / sid}")
    n = len(result.made) + len(result.failed)
    if n > 1:
        print(f"共 {n} 份报告，成功 {len(result.made)} 份，失败 {len(result.failed)} 份"
              + (f"：{', '.join(result.failed)}" if result.failed else ""))
    return 130 if result.interrupted else 0 if result.ok else 1


#: What ``evalkit review`` needs beyond the runtime install (the optional extra ``review``).
REVIEW_MODULES = ("voila", "ipywidgets", "seaborn")


def _review(args: argparse.Namespace) -> int:
    import importlib.util
    import os
    import subprocess

    from evalkit.bundle import notebooks_dir
    from evalkit.review import ENVIRONMENT, REVIEW_TYPES

    missing = [m for m in REVIEW_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        print(f"evalkit review 需要可选组件 {', '.join(missing)}，请先安装：pip install "
              f"'evalkit[review]' (the optional extra 'review' is not installed: "
              f"missing {', '.join(missing)})", file=sys.stderr)
        return 2
    if args.type not in REVIEW_TYPES:
        print(f"--type {args.type}：应为 {', '.join(REVIEW_TYPES)} 之一"
              f"(expected one of {list(REVIEW_TYPES)})", file=sys.stderr)
        return 2
    if _load(args) is None:
        return 1
    dataset = args.dataset if args.dataset == "sample" else str(Path(args.dataset).resolve())
    ruleset = (args.ruleset if args.ruleset in ("national", "provincial")
               else str(Path(args.ruleset).resolve()))
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    # JUPYTER_PATH: Voilà finds evalkit's page template (evalkit/jupyter/voila/templates/evalkit)
    jupyter_path = os.pathsep.join(p for p in (str(Path(__file__).parent / "jupyter"),
                                               os.environ.get("JUPYTER_PATH", "")) if p)
    env = {**os.environ, "JUPYTER_PATH": jupyter_path, ENVIRONMENT["dataset"]: dataset, ENVIRONMENT["ruleset"]: ruleset,
           ENVIRONMENT["report_type"]: args.type, "EVALKIT_REVIEW_APP": "1",
           "EVALKIT_REVIEW_OUT": str(out)}
    command = [sys.executable, "-m", "voila", str(notebooks_dir() / "assumption_review.ipynb"),
               "--no-browser", "--template=evalkit", f"--port={args.port}", "--Voila.ip=127.0.0.1",
               "--Voila.port_retries=0"]
    print(f"评分假设复核页面：http://127.0.0.1:{args.port}/ （导出文件写入 {out}；Ctrl+C 结束）",
          flush=True)
    if os.name == "posix":  # the server replaces this process: stopping it stops Voilà
        os.execve(sys.executable, command, env)
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130


_WORD_TEMPLATE_HELP = ("评价机构的 Word 模板 .docx（含 {{ title }}、{{p body }} 等标记，见 README）；"
                       "默认取项目委托信息的 Word模板，否则用内置 GB/T 9704 样式模板")


def _word_template(args: argparse.Namespace) -> int:
    from evalkit.io import atomic_write
    from evalkit.render.docx import default_template

    out = Path(args.output)
    if out.suffix.lower() != ".docx":
        raise InputError(f"{out}：应为 .docx 路径，实际为 {out.suffix or '无扩展名'} "
                         f"(expected a .docx path)")
    atomic_write(out, lambda p: p.write_bytes(default_template()))
    print(f"已写出默认 Word 模板 {out}；修改样式与封面后用 --word-template {out} 生成报告")
    return 0


def _batch(args: argparse.Namespace) -> int:
    from evalkit.batch import run_batch, run_batches
    from evalkit.batch.runner import ALL_TYPES

    options = dict(dataset=args.dataset, formats=args.format.split(","), ruleset=args.ruleset,
                   workers=args.workers, scheduler=args.scheduler, force=args.force,
                   cold=args.cold, engine=args.engine, wait=args.wait,
                   word_template=args.word_template)
    if args.template != ALL_TYPES and ("," not in args.template
                                       or args.template.lower().endswith(".ipynb")):
        result = run_batch(args.template, subjects=args.projects, out_dir=args.out, **options)
        _print_batch(result)
        return 130 if result.interrupted else 0 if result.ok else 1
    if args.projects != ALL_TYPES:
        raise InputError(f"--projects {args.projects}：一次生成多个报告类型时应为 all（每类报告的"
                         f"全部适用对象），实际为其他值；指定对象请逐类运行 evalkit batch 类型名")
    results = run_batches(args.template, out_dir=args.out,
                          on_result=lambda rt, result: _print_batch(result, rt.title), **options)
    made, failed = sum(len(r.made) for r in results), sum(len(r.failed) for r in results)
    if results and not results[-1].interrupted:
        print(f"共 {len(results)} 类报告：新生成 {made} 份，失败 {failed} 份；"
              f"总览 {Path(args.out) / 'index.html'}")
    return 130 if results and results[-1].interrupted else 1 if failed else 0


def _print_batch(result, title: str = "") -> None:
    """The failures of a batch (stderr), then its summary line, after ``title`` if given."""
    for sid in result.failed:
        print(f"失败 (failed) {sid}: {result.messages.get(sid, '')}", file=sys.stderr)
    print(f"{title}：{result.summary_line()}" if title else result.summary_line(), flush=True)


def _reports(args: argparse.Namespace) -> int:
    from evalkit.registry import report_types

    for rt in report_types():
        print(f"{rt.name:24s} {rt.title}（对象：{rt.subject.label}；规则集部分："
              f"{rt.ruleset_section or '无'}）  {rt.applies_to_text}")
    return 0


def _portfolio_index(args: argparse.Namespace) -> int:
    from evalkit.batch.portfolio import write_portfolio_index

    print(f"已写出报告总览 {write_portfolio_index(args.out)}")
    return 0


def _template(args: argparse.Namespace) -> int:
    if args.kind == "ahp":
        from evalkit.pairwise import comparison_matrices, write_ahp_template

        path = write_ahp_template(args.output, ruleset=args.ruleset, experts=args.experts,
                                  level3=args.level3)
        n = len(comparison_matrices(args.ruleset, level3=args.level3))
        print(f"已生成两两比较判断表 {path}（{args.experts} 位专家，{n} 个判断矩阵）")
        return 0
    from evalkit.templates import write_expert_template

    if not args.project:
        print("错误 (error): 事前评估评分表需要 --project 项目编码 (--project is required)",
              file=sys.stderr)
        return 2
    path = write_expert_template(args.output, project_id=args.project,
                                 project_name=args.project_name, experts=args.experts,
                                 ruleset=args.ruleset)
    print(f"已生成专家评分表 {path}（{args.experts} 位专家）")
    return 0


def _weights(args: argparse.Namespace) -> int:
    import warnings

    import pandas as pd

    from evalkit.errors import EvalkitWarning
    from evalkit.io import write_excel
    from evalkit.pairwise import (
        group_ahp,
        portfolio_ratios,
        read_ahp_workbooks,
        write_weighted_ruleset,
    )

    try:
        judgements = read_ahp_workbooks(args.workbooks, ruleset=args.ruleset)
    except DatasetError as exc:
        print(exc, file=sys.stderr)
        return 1
    with warnings.catch_warnings():  # the same sentences are printed below, once
        warnings.simplefilter("ignore", EvalkitWarning)
        result = group_ahp(judgements, ruleset=args.ruleset, method=args.method)
    for sentence in result.problems():
        print(f"一致性 (consistency): {sentence}", file=sys.stderr)
    ratios = (portfolio_ratios(args.dataset, ruleset=result.ruleset)
              if args.objective else None)
    rs = write_weighted_ruleset(result, args.output, objective=args.objective, ratios=ratios,
                                combine=args.combine, alpha=args.alpha,
                                allow_inconsistent=args.allow_inconsistent)
    if args.table:
        frame = result.to_frame().rename(columns={
            "level": "层级", "code": "指标编码", "name": "指标名称", "parent": "上级指标",
            "local_weight": "层内权重", "global_weight": "全局权重（层次分析法）"})
        consistency = result.consistency().rename(columns={
            "expert_id": "专家", "parent": "上级指标", "matrix": "判断矩阵", "n": "阶数",
            "lambda_max": "λmax", "ci": "CI", "ri": "RI", "cr": "CR", "consistent": "通过"})
        offending = result.offending().rename(columns={
            "expert_id": "专家", "matrix": "判断矩阵", "cr": "CR", "row_code": "行指标编码",
            "row": "行指标", "column_code": "列指标编码", "column": "列指标", "value": "判断值",
            "implied": "权重之比", "deviation": "偏离 |ln ε|", "suggested": "建议值"})
        points = pd.DataFrame(rs.section("keyproject")["framework"])[["code", "name", "weight"]]
        write_excel({"权重": frame, "一级指标分值": points.rename(columns={
            "code": "指标编码", "name": "指标名称", "weight": "分值"}),
            "一致性检验": consistency, "不一致判断": offending,
            "专家判断": result.judgements.rename(columns={
                "expert_id": "专家", "parent": "上级指标", "row_code": "行指标编码",
                "column_code": "列指标编码", "value": "判断值（行比列）"})}, args.table)
    level1 = "，".join(f"{n['name']} {n['weight']:.2f}" for n in rs.section("keyproject")["framework"])
    verdict = "通过" if result.is_consistent() else "未通过（已按要求写出）"
    print(f"已读取 {len(result.experts)} 位专家的判断；群体一致性检验{verdict}；"
          f"一级指标分值：{level1}")
    print(f"已写出规则集 {args.output}（{rs.label}）；用法：evalkit run key_project_evaluation "
          f"--ruleset {args.output} …")
    return 0


def _import_scores(args: argparse.Namespace) -> int:
    from evalkit.io import atomic_write
    from evalkit.schemas import EXPERT_SCORES, chinese_headers
    from evalkit.templates import read_expert_workbooks

    try:
        scores = read_expert_workbooks(args.workbooks, ruleset=args.ruleset,
                                       project_id=args.project)
    except DatasetError as exc:
        print(exc, file=sys.stderr)
        return 1
    headers = chinese_headers(EXPERT_SCORES) if args.chinese else {}
    atomic_write(args.output, lambda p: scores.rename(columns=headers).to_csv(
        p, index=False, encoding="utf-8-sig"))
    print(f"已读取 {scores['expert_id'].nunique()} 位专家的 {len(scores)} 条评分，写入 {args.output}")
    return 0


def _import_forms(args: argparse.Namespace) -> int:
    from evalkit.forms import read_forms, read_target_forms

    reader = read_target_forms if args.targets else read_forms
    try:
        imported = reader(args.files, ruleset=args.ruleset, year=args.year)
    except DatasetError as exc:
        print(exc, file=sys.stderr)
        return 1
    imported.write(args.output)
    for i, problem in enumerate(imported.warnings, 1):
        print(f"  {i}. {problem}")
    forms = imported.forms
    if args.targets and imported.tables["indicators"]["weight"].isna().any():
        print("  注意：申报表未列分值，数据集的 分值 列为空白；补填分值后 evalkit validate 才能通过")
    kind = "绩效目标申报表" if args.targets else "自评表"
    print(f"已读取 {len(forms)} 张{kind}（{forms['department'].nunique()} 个主管部门，"
          f"{int(forms['n_indicators'].sum())} 条三级指标），需复核 {len(imported.warnings)} 处，"
          f"写入 {args.output}")
    return 0


def _rulesets(args: argparse.Namespace) -> int:
    from evalkit.rules import available_rulesets, load_ruleset

    for name in available_rulesets():
        rs = load_ruleset(name)
        print(f"{name:12s} {rs.label}  {rs.description}")
    return 0


def _county_tables(args: argparse.Namespace) -> int:
    """直达资金台账, 信息公开表 and 调整建议清单 workbooks of a dataset (issue 15)."""
    from evalkit.io import write_excel
    from evalkit.rules import load_ruleset
    from evalkit.schemas import DIRECT_FUNDS
    from evalkit.stages import direct_funds, disclosure, result_application
    from evalkit.stages.county_year import county_years

    rs = load_ruleset(args.ruleset)
    ds = _load(args, rs)
    if ds is None:
        return 1
    out = Path(args.out)
    written = []
    if DIRECT_FUNDS.name in ds.tables:
        book = direct_funds.ledger(ds, ruleset=rs)
        written.append(write_excel(direct_funds.workbook_sheets(book),
                                   out / "direct_funds_ledger.xlsx"))
    for year in [args.year] if args.year else county_years(ds):
        written.append(write_excel(disclosure.workbook_sheets(ds, year, ruleset=rs),
                                   out / f"disclosure_{year}.xlsx"))
        applied = result_application.evaluate(ds, year, ruleset=rs)
        written.append(write_excel(result_application.workbook_sheets(applied),
                                   out / f"adjustment_list_{year}.xlsx"))
    for path in written:
        print(f"已写出 {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``evalkit`` command."""
    parser = argparse.ArgumentParser(prog="evalkit", description="预算绩效管理评价工具 evalkit")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="校验数据集 (validate a dataset)")
    p.add_argument("dataset", help="CSV 文件夹或 .xlsx 工作簿；sample 为内置示例县")
    p.add_argument("--ruleset", default="national", help="规则集名称或 YAML 路径")
    p.set_defaults(func=_validate)
    p = sub.add_parser("summary", help="为全部项目评分并输出汇总 (score every project)")
    p.add_argument("dataset")
    p.add_argument("--out", default="reports/sample", help="输出目录")
    p.add_argument("--ruleset", default="national")
    p.set_defaults(func=_summary)
    p = sub.add_parser("county-tables", help="直达资金台账、信息公开表、调整建议清单 (direct-funds "
                                             "ledger, disclosure tables, adjustment list)")
    p.add_argument("dataset")
    p.add_argument("--out", default="reports/sample", help="输出目录")
    p.add_argument("--year", default="", help="年度；缺省为数据集中每个有绩效目标的年度")
    p.add_argument("--ruleset", default="national")
    p.set_defaults(func=_county_tables)
    p = sub.add_parser("reports", help="列出已注册的报告类型 (registered report types)")
    p.set_defaults(func=_reports)
    p = sub.add_parser("run", help="生成一份报告 (one report: a batch of one)")
    p.add_argument("template", help="报告类型（evalkit reports 列出）或笔记本 .ipynb 路径")
    p.add_argument("--dataset", default="sample", help="数据集路径；sample 为内置示例县")
    p.add_argument("--project", "--subject", dest="project", required=True,
                   help="项目（或单位等评价对象）编码；all 为该报告类型适用的全部对象")
    p.add_argument("--out", default="reports", help="输出目录，报告写入 OUT/<编码>/")
    p.add_argument("--format", default="html,docx,pdf", help="html,docx,pdf,xlsx,workpaper 中的任意组合（xlsx：报告中的表格，每表一页；workpaper：逐项指标的底稿 <编码>_底稿.xlsx）")
    p.add_argument("--ruleset", default="national")
    p.add_argument("--wait", action="store_true", help="输出目录正被另一批量任务写入时等待其结束")
    p.add_argument("--word-template", default=None, help=_WORD_TEMPLATE_HELP)
    p.set_defaults(func=_run)
    p = sub.add_parser("batch", help="批量生成报告 (many projects: warm workers, resumable)")
    p.add_argument("template", help="报告类型（evalkit reports 列出）、笔记本 .ipynb 路径，或 all"
                   "（全部报告类型）及以逗号分隔的多个类型：各写入 OUT/<类型>/，共用同一组 worker，"
                   "最后写出总览 OUT/index.html")
    p.add_argument("--dataset", default="sample", help="数据集路径；sample 为内置示例县")
    p.add_argument("--projects", "--subjects", dest="projects", default="all",
                   help="all（该报告类型适用的全部对象）、以逗号分隔的编码，或 @文件（每行一个编码）")
    p.add_argument("--out", default="reports/batch", help="输出目录")
    p.add_argument("--format", default="html,docx,pdf", help="html,docx,pdf,xlsx,workpaper 中的任意组合（xlsx：报告中的表格，每表一页；workpaper：逐项指标的底稿 <编码>_底稿.xlsx）")
    p.add_argument("--ruleset", default="national")
    p.add_argument("--workers", type=int, default=None,
                   help="worker 进程数（默认每个 CPU 核一个；1 为在本进程内串行）")
    p.add_argument("--scheduler", default=None,
                   help="Dask：local（本机 LocalCluster）或调度器地址 tcp://host:8786")
    p.add_argument("--force", action="store_true", help="重新生成已是最新的项目")
    p.add_argument("--cold", action="store_true", help="每个项目使用全新内核（不复用）")
    p.add_argument("--engine", default="inprocess", choices=["inprocess", "kernel"],
                   help="执行方式：inprocess（默认，在 worker 进程内执行，最快）或 kernel"
                        "（每个 worker 一个常驻 Jupyter 内核，隔离更好）")
    p.add_argument("--wait", action="store_true", help="输出目录正被另一批量任务写入时等待其结束")
    p.add_argument("--word-template", default=None, help=_WORD_TEMPLATE_HELP)
    p.set_defaults(func=_batch)
    p = sub.add_parser("word-template", help="写出默认 Word 模板，供评价机构修改为本机构模板")
    p.add_argument("output", help="输出 .docx 路径")
    p.set_defaults(func=_word_template)
    p = sub.add_parser("review", help="评分假设复核页面 (serve the assumption review, Voilà)")
    p.add_argument("dataset", help="CSV 文件夹或 .xlsx 工作簿；sample 为内置示例县")
    p.add_argument("--ruleset", default="national", help="规则集名称或 YAML 路径")
    p.add_argument("--type", default="key_project_evaluation",
                   help="分析的报告类型：key_project_evaluation 或 self_evaluation")
    p.add_argument("--port", type=int, default=8866, help="端口（仅监听 127.0.0.1）")
    p.add_argument("--out", default=".", help="导出的规则集 YAML 和对比工作簿写入此目录")
    p.set_defaults(func=_review)
    p = sub.add_parser("template", help="生成专家 Excel 模板 (expert workbook)")
    p.add_argument("kind", choices=["exante", "ahp"],
                   help="exante：事前评估评分表；ahp：重点项目指标两两比较判断表（层次分析法）")
    p.add_argument("--project", default=None, help="项目编码（exante 必填）")
    p.add_argument("--project-name", default="", help="项目名称")
    p.add_argument("--experts", type=int, default=5, help="专家人数")
    p.add_argument("--level3", action="store_true",
                   help="ahp：同时比较每个二级指标下的三级指标（默认三级指标沿用规则集分值比例）")
    p.add_argument("-o", "--output", required=True, help="输出 .xlsx 路径")
    p.add_argument("--ruleset", default="national")
    p.set_defaults(func=_template)
    p = sub.add_parser("weights", help="由专家两两比较判断计算指标权重并写出规则集 (AHP weights)")
    p.add_argument("workbooks", nargs="+", help="一个或多个已填写的判断表 .xlsx")
    p.add_argument("-o", "--output", required=True, help="输出规则集 YAML 路径")
    p.add_argument("--ruleset", default="national", help="作为基础的规则集（其指标体系须与判断表一致）")
    p.add_argument("--method", choices=["eigen", "geometric", "arithmetic"], default="eigen",
                   help="权重计算方法：特征向量法、方根法、和法")
    p.add_argument("--objective", choices=["entropy", "critic"], default=None,
                   help="与客观权重组合：entropy 熵权法，critic CRITIC 法（按数据集的重点项目得分率）")
    p.add_argument("--dataset", default="sample", help="计算客观权重的数据集；sample 为内置示例县")
    p.add_argument("--combine", choices=["linear", "multiplicative"], default="linear",
                   help="组合方式：linear 线性加权（默认），multiplicative 乘法合成")
    p.add_argument("--alpha", type=float, default=0.5, help="线性组合中主观权重的比例（0–1）")
    p.add_argument("--allow-inconsistent", action="store_true",
                   help="群体判断未通过一致性检验时仍写出规则集")
    p.add_argument("--table", default=None,
                   help="另存权重、一级指标分值、一致性检验、不一致判断与专家原始判断表 .xlsx")
    p.set_defaults(func=_weights)
    p = sub.add_parser("import-scores", help="读回专家填写的评分表 (read filled expert workbooks)")
    p.add_argument("workbooks", nargs="+", help="一个或多个已填写的 .xlsx（每位专家一个或合并）")
    p.add_argument("-o", "--output", required=True, help="输出 expert_scores CSV 路径")
    p.add_argument("--project", default=None, help="只接受该项目编码的评分表")
    p.add_argument("--chinese", action="store_true", help="使用中文表头（专家评分 表）")
    p.add_argument("--ruleset", default="national")
    p.set_defaults(func=_import_scores)
    p = sub.add_parser("import-forms",
                       help="读取各部门填报的项目支出绩效自评表 (read filled self-evaluation forms)")
    p.add_argument("files", nargs="+", help="一个或多个已填写的 .xlsx 或旧版 .xls（每个可含多张自评表）")
    p.add_argument("-o", "--output", required=True,
                   help="输出数据集：.xlsx 工作簿或 CSV 文件夹（含 自评得分 表）")
    p.add_argument("--year", type=int, default=None, help="表头未注明年度时的年度")
    p.add_argument("--targets", action="store_true",
                   help="读取绩效目标申报表（只有目标、尚无执行数与完成值），供 target_review 审核")
    p.add_argument("--ruleset", default="national")
    p.set_defaults(func=_import_forms)
    p = sub.add_parser("rulesets", help="列出内置规则集")
    p.set_defaults(func=_rulesets)
    p = sub.add_parser("portfolio-index",
                       help="写出链接各报告类型清单的总览页 OUT/index.html (one page for every batch)")
    p.add_argument("out", help="含各批量输出目录（<报告类型>/manifest.json）的文件夹")
    p.set_defaults(func=_portfolio_index)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 invalid input, 2 usage)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except EvalkitError as exc:
        print(f"错误 (error): {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file fault outside evalkit's own writes: still one clear line
        from evalkit.io import output_error

        print(f"错误 (error): {output_error(exc.filename or '', exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n已中断 (interrupted)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
