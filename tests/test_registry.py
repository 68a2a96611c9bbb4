"""The report-type registry: built-in entries, a report type from another package (a budget unit as
subject, registered through an entry point) run by ``evalkit run`` and ``evalkit batch``, rule-set
sections, and the README's report table checked against the registry.

The plug-in package is written by the test into a temporary folder with a ``.dist-info`` holding
its entry point, as ``pip install`` would leave it. It touches five places, and nothing in evalkit:
its stage code, its prose, its notebook, its registry entry (with the entry point) and its
rule-set section.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from openpyxl import load_workbook

from evalkit import RuleSetError, load_ruleset, registry
from evalkit.io import load_dataset
from evalkit.registry import PROJECT, UNIT, ReportType

ROOT = Path(__file__).resolve().parents[1]

# --- the plug-in: the five places a new report type touches -------------------------------------

STAGE = '''"""Stage: a budget unit's projects rolled up (execution rate of the unit's project funds)."""
import pandas as pd

from evalkit import load_ruleset
from evalkit.rules import bands


def units_with_projects(dataset):
    return list(dict.fromkeys(dataset.projects["unit_id"]))


def evaluate(dataset, unit_id, *, ruleset="national"):
    rs = load_ruleset(ruleset)
    section = rs.section("unit_review", needed_by="预算单位项目执行复核报告")
    unit = dataset.row("units", "unit_id", unit_id)
    projects = dataset.projects[dataset.projects["unit_id"] == unit_id]
    rate = float(projects["spent"].sum() / projects["budget"].sum())
    total = 100 * min(rate / section["full_marks_rate"], 1.0)
    grade = next(b.label for b in rs.grades if total >= b.low)
    return {"unit_id": unit_id, "unit_name": unit["unit_name"], "total": total, "grade": grade,
            "execution_rate": rate, "n_projects": len(projects),
            "projects": projects[["project_id", "project_name", "budget", "spent"]]}


def check_ruleset(section, fail):
    rate = section.get("full_marks_rate")
    if not isinstance(rate, (int, float)) or not 0 < rate <= 1:
        fail("unit_review.full_marks_rate", "a number in (0, 1]", rate)
'''

PROSE = '''"""Prose of the unit review."""


def conclusion(result):
    return (f"{result['unit_name']}共有项目 {result['n_projects']} 个，项目资金执行率 "
            f"{result['execution_rate']:.2%}，复核得分 {result['total']:.2f} 分，"
            f"等级为“{result['grade']}”。")
'''

ENTRY = '''"""Registry entry of the agency's own report type."""
from pathlib import Path

from evalkit.registry import UNIT, ReportType

UNIT_REVIEW = ReportType(
    name="unit_review", title="预算单位项目执行复核报告",
    notebook=str(Path(__file__).with_name("unit_review.ipynb")), subject=UNIT,
    applies_to="agency_reports.stage:units_with_projects",
    evaluate="agency_reports.stage:evaluate", verdict_label="复核等级",
    portfolio_columns={"unit_name": "预算单位", "budget": "预算数（万元）"},
    ruleset_section="unit_review", check_ruleset="agency_reports.stage:check_ruleset",
    applies_to_text="every budget unit with projects")
'''

CELLS = [
    ("markdown", ["remove_cell"], "# 预算单位项目执行复核报告模板\n\n"
     "`evalkit run unit_review --dataset sample --project DW006`"),
    ("code", ["remove_cell"], "import evalkit as ek\nfrom evalkit import report\n"
     "from agency_reports import prose, stage"),
    ("code", ["parameters"], 'unit_id: str = "DW006"  # 单位编码\n'
     'dataset: str = "sample"  # 数据集\nruleset: str = "national"  # 规则集'),
    ("code", ["remove_cell"], "rules = ek.load_ruleset(ruleset)\n"
     "data = ek.load_dataset(dataset, rules)\n"
     "result = stage.evaluate(data, unit_id, ruleset=rules)"),
    ("code", [], 'report.heading(f"{result[\'unit_name\']}项目执行复核报告")'),
    ("markdown", [], "## 一、复核结论"),
    ("code", [], 'report.paragraph(prose.conclusion(result), style="conclusion")\n'
     'report.table(result["projects"], caption="表1 单位项目", columns={"project_id": "项目编码", '
     '"project_name": "项目名称", "budget": "预算数", "spent": "执行数"})'),
    ("code", ["remove_cell"], 'report.record_summary({k: v for k, v in result.items() '
     'if k != "projects"} | {"title": f"{result[\'unit_name\']}项目执行复核报告", '
     '**rules.to_record()})'),
]


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(kernelspec={"name": "python3", "display_name": "Python 3",
                                   "language": "python"}, language_info={"name": "python"})
    for kind, tags, source in CELLS:
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(source, metadata={"tags": tags}))
    return nb


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    """The installed plug-in (package + dist-info with its entry point) and a rule set with its
    section; the environment in which ``evalkit`` (and its kernels) see it."""
    site = tmp_path_factory.mktemp("site")
    package = site / "agency_reports"
    package.mkdir()
    (package / "__init__.py").write_text(ENTRY, encoding="utf-8")
    (package / "stage.py").write_text(STAGE, encoding="utf-8")
    (package / "prose.py").write_text(PROSE, encoding="utf-8")
    nbformat.write(_notebook(), package / "unit_review.ipynb")
    info = site / "agency_reports-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: agency-reports\nVersion: 0.1\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text(
        f"[{registry.ENTRY_POINT_GROUP}]\nunit_review = agency_reports:UNIT_REVIEW\n",
        encoding="utf-8")
    rules = dict(load_ruleset("national").data)
    rules = yaml.safe_load(yaml.safe_dump(rules, allow_unicode=True))
    rules["id"], rules["unit_review"] = "agency-x", {"full_marks_rate": 0.95}
    ruleset = site / "agency.yaml"
    ruleset.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(site), *filter(None, [os.environ.get("PYTHONPATH")])])}
    return {"site": site, "ruleset": ruleset, "env": env}


def _evalkit(plugin, *args, cwd):
    return subprocess.run([sys.executable, "-m", "evalkit.cli", *map(str, args)], cwd=cwd,
                          env=plugin["env"], capture_output=True, text=True, timeout=600)


def _expected(unit_id: str) -> dict:
    data = load_dataset("sample")
    projects = data.projects[data.projects["unit_id"] == unit_id]
    rate = projects["spent"].sum() / projects["budget"].sum()
    return {"rate": rate, "total": 100 * min(rate / 0.95, 1.0), "n": len(projects)}


def test_a_unit_report_type_from_another_package_runs_and_batches(plugin, tmp_path):
    listed = _evalkit(plugin, "reports", cwd=tmp_path)
    assert listed.returncode == 0 and "unit_review" in listed.stdout
    assert "预算单位项目执行复核报告" in listed.stdout and "对象：预算单位" in listed.stdout

    single = _evalkit(plugin, "run", "unit_review", "--project", "DW006", "--ruleset",
                      plugin["ruleset"], "--out", "one", "--format", "html", cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    summary = json.loads((tmp_path / "one" / "DW006" / "DW006.json").read_text("utf-8"))
    expected = _expected("DW006")
    assert summary["total"] == pytest.approx(expected["total"], abs=1e-9)
    assert summary["execution_rate"] == pytest.approx(expected["rate"], abs=1e-12)
    assert summary["provenance"]["parameters"]["unit_id"] == "DW006"
    assert "复核等级" in single.stdout and "DW006" in single.stdout

    batch = _evalkit(plugin, "batch", "unit_review", "--projects", "all", "--ruleset",
                     plugin["ruleset"], "--out", "many", "--format", "html", "--workers", "2",
                     cwd=tmp_path)
    assert batch.returncode == 0, batch.stderr
    out = tmp_path / "many"
    units = list(dict.fromkeys(load_dataset("sample").projects["unit_id"]))
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["run"]["subject"] == "unit" and manifest["run"]["report_type"] == "unit_review"
    assert sorted(manifest["subjects"]) == sorted(units)
    entry = manifest["subjects"]["DW006"]
    assert entry["status"] == "ok" and entry["verdict_label"] == "复核等级"
    assert entry["columns"]["unit_name"] == "县委组织部"
    assert entry["total"] == pytest.approx(expected["total"], abs=1e-9)
    # the same unit, run and batch: the same bytes
    for ext in ("html", "json"):
        assert ((out / "DW006" / f"DW006.{ext}").read_bytes()
                == (tmp_path / "one" / "DW006" / f"DW006.{ext}").read_bytes())
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "预算单位编码" in index and "复核等级" in index and "县委组织部" in index
    assert index.count('<tr class="ok"') == len(units)
    head = [c.value for c in load_workbook(out / "summary.xlsx")["汇总"][1]]
    assert head[:5] == ["预算单位编码", "预算单位", "预算数（万元）", "总分", "复核等级"]


def test_a_rule_set_without_the_section_loads_and_names_it_when_the_report_runs(plugin, tmp_path):
    without = _evalkit(plugin, "run", "unit_review", "--project", "DW006", "--out", "x",
                       cwd=tmp_path)  # the national rule set has no unit_review section
    assert without.returncode == 1
    assert "unit_review" in without.stderr and "预算单位项目执行复核报告" in without.stderr
    assert "Traceback" not in without.stderr and not (tmp_path / "x" / "DW006").exists()
    broken = plugin["ruleset"].read_text("utf-8").replace("full_marks_rate: 0.95",
                                                          "full_marks_rate: 5")
    (tmp_path / "broken.yaml").write_text(broken, encoding="utf-8")
    check = _evalkit(plugin, "run", "unit_review", "--project", "DW006", "--ruleset",
                     tmp_path / "broken.yaml", "--out", "x", cwd=tmp_path)
    assert check.returncode == 1 and "unit_review.full_marks_rate" in check.stderr


def test_builtin_sections_are_required_only_by_their_report(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(dict(load_ruleset("national").data), allow_unicode=True))
    del data["exante"]
    path = tmp_path / "no_exante.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules = load_ruleset(path)  # loads: the section of a report it never runs
    assert rules.conclusion_tiers == ()
    with pytest.raises(RuleSetError, match="missing section 'exante' needed by 事前绩效评估报告"):
        registry.get("ex_ante_assessment").require_section(rules)
    registry.get("self_evaluation").require_section(rules)


def test_builtin_types_and_their_subjects():
    sample = load_dataset("sample")
    types = {t.name: t for t in registry.report_types()}
    assert {"ex_ante_assessment", "key_project_evaluation", "self_evaluation"} <= set(types)
    exante, key, selfeval = (types[n].subjects(sample) for n in (
        "ex_ante_assessment", "key_project_evaluation", "self_evaluation"))
    stages = sample.projects.set_index("project_id")["stage"].fillna("")
    assert (len(exante), len(key), len(selfeval)) == (10, 6, 77)
    assert set(exante).isdisjoint(selfeval) and set(key) <= set(selfeval)
    assert {stages[p] for p in exante} == {"事前评估"} and {stages[p] for p in key} == {"重点评价"}
    assert all(types[n].subject is PROJECT for n in ("ex_ante_assessment", "key_project_evaluation",
                                                   "self_evaluation"))
    assert types["self_evaluation"].verdict({"total": 91.5, "grade": "优"}).to_record() == {
        "total": 91.5, "verdict": "优", "verdict_label": "评价等级"}
    assert types["ex_ante_assessment"].verdict(None).band == ""
    for t in types.values():
        assert t.notebook_path().is_file()


def test_registration_rejects_bad_names_and_duplicates():
    with pytest.raises(Exception, match="lower-case identifier"):
        ReportType(name="Bad Name", title="x", notebook="x.ipynb", subject=UNIT,
                   applies_to=list, evaluate=dict)
    with pytest.raises(Exception, match="already registered"):
        registry.register(registry.get("self_evaluation"))
    with pytest.raises(Exception, match="self_evaluation"):
        registry.get("no_such_report")


@pytest.mark.parametrize("bad", ["../../etc/x", "P1; rm -rf", ".hidden", "a/b", "", "x" * 65])
def test_unsafe_subject_ids_are_rejected(bad):
    with pytest.raises(Exception, match="编码"):
        UNIT.safe_id(bad)


def test_readme_report_table_matches_the_registry():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- report types: checked against evalkit.registry -->")[1]
    rows = re.findall(r"^\| `([a-z_]+)` \| (\S+?) \| (\S+?) \| (\S+?) \| (.+?) \|$",
                      table.split("\n\n")[1], flags=re.M)
    builtin = [t for t in registry.report_types() if not t.notebook.startswith("/")]
    assert [(name, title, subject, section, applies) for name, title, subject, section, applies
            in rows] == [(t.name, t.title, t.subject.label,
                          f"`{t.ruleset_section}`" if t.ruleset_section else "—",
                          t.applies_to_text) for t in builtin]
