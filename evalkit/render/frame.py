"""The pages around a report's content, for HTML and PDF: cover, signature page, table of
contents, running header and footer, and the appendix 附：数据与规则来源.

Filled from the report's :class:`~evalkit.engagement.ReportIdentity` and its summary; every text
is escaped here. The page header carries the 报告编号 and the footer 第 N 页 / 共 M 页 through
CSS ``@page`` margin boxes and counters (WeasyPrint); the cover has neither.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.engagement import ReportIdentity

#: A report with at least this many second-level sections (一、二、…) gets a table of contents.
TOC_MIN_SECTIONS = 5
#: Where the table of contents goes in the page (replaced once the headings are known).
TOC_MARKER = "<!--evalkit-toc-->"
#: The heading of the table of contents (its glyphs go into the page's font subset).
TOC_TITLE = "目录"
_H2 = re.compile(r"<h2(?P<attrs>[^>]*)>(?P<inner>.*?)</h2>", re.S)
_ID = re.compile(r'\bid="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")


def provenance_rows(summary: Mapping[str, Any], identity: ReportIdentity,
                    version: str) -> list[tuple[str, str]]:
    """(item, text) rows of the appendix 附：数据与规则来源: rule set, input files, evalkit."""
    rows = [("规则集", f"{summary.get('ruleset_id', '')} 版本 {summary.get('ruleset_version', '')}"),
            ("规则集内容哈希 (SHA-256)", str(summary.get("ruleset_sha256", "")))]
    rows += [(f"输入数据 {name} (SHA-256)", digest)
             for name, digest in sorted(identity.inputs_sha256.items())]
    rows.append(("生成工具", f"evalkit {version}"))
    return rows


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot end the ``<style>`` element it sits in.

    >>> _css_string('a"</style>')
    '"a\\\\"\\\\3c /style>"'
    """
    return ('"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
            .replace("\n", " ") + '"')


def page_css(identity: ReportIdentity) -> str:
    """``@page`` rules: 报告编号 in the header, 第 N 页 / 共 M 页 in the footer, none on the cover."""
    return ("@page { @top-right { content: " + _css_string(f"报告编号：{identity.number}")
            + "; } @bottom-center { content: \"第 \" counter(page) \" 页 / 共 \" counter(pages)"
              " \" 页\"; } }\n@page :first { @top-right { content: none; } "
              "@bottom-center { content: none; } }\n")


def _rows_table(rows: Sequence[Sequence[str]], css: str, headers: Sequence[str] = ()) -> str:
    esc = html.escape
    head = ("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr></thead>"
            if headers else "")
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{css}">{head}<tbody>{body}</tbody></table>'


def front_pages(title: str, identity: ReportIdentity) -> str:
    """The cover and the signature page (签署页), then the marker of the table of contents."""
    esc, e = html.escape, identity.engagement
    secret = (f'<p class="evalkit-secret">{esc(e.confidentiality)}</p>'
              if e.confidentiality else "")
    cover = (f'<section class="evalkit-cover"><p class="evalkit-cover-status">{esc(e.text("status"))}</p>'
             f'<h1 class="evalkit-cover-title">{esc(title)}</h1>'
             + _rows_table(identity.cover_rows(), "evalkit-cover-fields") + secret + "</section>")
    team = _rows_table([(*m, "") for m in identity.team_rows()], "evalkit-team",
                       ("姓名", "角色", "职称/资格", "签字"))
    signature = ('<section class="evalkit-signature"><h2 class="evalkit-front">报告签署页</h2>'
                 + _rows_table([("项目负责人", e.text("lead"), "签字："),
                                ("评价期间", e.text("period"), "")], "evalkit-sign-lead")
                 + "<h3 class=\"evalkit-front\">评价组成员</h3>" + team
                 + f'<p class="evalkit-seal">评价机构（盖章）：{esc(e.text("agency"))}</p>'
                 + f'<p class="evalkit-seal">日期：{esc(e.text("report_date"))}</p></section>')
    return cover + signature + TOC_MARKER


def appendix(rows: Sequence[tuple[str, str]]) -> str:
    """The closing section 附：数据与规则来源 (provenance: rule set, input hashes, version)."""
    return ('<section class="evalkit-appendix"><h2>附：数据与规则来源</h2>'
            "<p>本报告的全部分值均可追溯至下列规则集与输入数据；同一规则集与数据重新生成，结果相同。</p>"
            + _rows_table(rows, "evalkit-provenance", ("项目", "内容")) + "</section>")


def with_toc(page: str) -> str:
    """The page with ids on its 二级 headings and, for a long report, a linked table of contents
    (page numbers in the PDF through ``target-counter``) where :data:`TOC_MARKER` stands."""
    entries: list[tuple[str, str]] = []

    def label(match: re.Match) -> str:
        attrs, inner = match.group("attrs"), match.group("inner")
        if "evalkit-front" in attrs:
            return match.group(0)
        # an id of our own: nbconvert's are percent-encoded text, which PDF links do not match
        anchor = f"evalkit-sec-{len(entries) + 1}"
        attrs = _ID.sub("", attrs) + f' id="{anchor}"'
        entries.append((anchor, html.unescape(_TAG.sub("", inner)).strip()))
        return f"<h2{attrs}>{inner}</h2>"

    page = _H2.sub(label, page)
    toc = ""
    if len(entries) >= TOC_MIN_SECTIONS:
        items = "".join(f'<li><a href="#{html.escape(a)}">{html.escape(t)}</a></li>'
                        for a, t in entries)
        toc = f'<nav class="evalkit-toc"><h2 class="evalkit-front">{TOC_TITLE}</h2><ol>{items}</ol></nav>'
    return page.replace(TOC_MARKER, toc, 1)
