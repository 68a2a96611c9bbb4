"""PDF reports: WeasyPrint renders the report HTML in-process (the font subset is embedded);
the bytes are deterministic (dated by the 报告日期, else :data:`evalkit.render.docx.DOCUMENT_DATE`;
no identifier)."""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from evalkit.errors import InputError
from evalkit.render.docx import DOCUMENT_DATE

#: The URL scheme under which :func:`pdf_bytes` serves the stylesheets' inline resources.
_INLINE_SCHEME = "evalkit-inline"
_STYLE = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.S | re.I)
_CSS_DATA_URL = re.compile(r"url\(\s*(['\"]?)data:([\w.+-]+/[\w.+-]+);base64,([A-Za-z0-9+/=]+)\1\s*\)")


def to_pdf(html_text: str, path: Path) -> None:
    """Render the report HTML to PDF with WeasyPrint (fonts embedded, no network access)."""
    Path(path).write_bytes(pdf_bytes(html_text))


def pdf_bytes(html_text: str, *, date: dt.date | None = None) -> bytes:
    """The PDF of a report page; any URL but ``data:`` is refused, never fetched.

    ``date`` (the engagement's 报告日期) is the document's creation and modification date;
    without one :data:`~evalkit.render.docx.DOCUMENT_DATE`.

    The ``data:`` URLs of the page's stylesheets (the embedded font, ≈50–120 kB of base64) are
    handed to WeasyPrint as bytes under short URLs (:func:`_inline_resources`): its CSS
    tokenizer otherwise reads and re-serialises such a URL character by character, a fifth of a
    report's PDF time. The page and the PDF are the same either way.

    Raises
    ------
    InputError
        When the page refers to anything but its own inline resources (a ``file:`` or
        ``http:`` URL, a template's stray link): it is refused, never fetched.
    """
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    page, resources = _inline_resources(html_text)
    try:
        with _source_date_epoch():
            document = HTML(string=page, url_fetcher=_fetcher(resources)).render()
            # WeasyPrint takes the PDF dates from <meta name=dcterms.created/modified> and writes
            # no file identifier unless asked (pdf_identifier=False): pin both, so the bytes
            # depend on the page alone and never on the clock
            stamp = (DOCUMENT_DATE if date is None
                     else dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC))
            document.metadata.created = document.metadata.modified = stamp.isoformat()
            return document.write_pdf(pdf_identifier=False)
    except FatalURLFetchingError as exc:  # a BaseException: it would pass a batch's handlers
        cause = exc.__cause__ or exc
        raise InputError(f"PDF：报告页面只能引用内嵌资源（data: URL），实际引用了外部地址，"
                         f"已拒绝读取（{cause}）(pdf: only inline data: URLs are allowed)") from None


def _inline_resources(html_text: str) -> tuple[str, dict[str, tuple[str, bytes]]]:
    """The page with each ``url(data:…;base64,…)`` of its ``<style>`` elements replaced by
    ``url(evalkit-inline:N)``, and what those URLs hold: ``{url: (media type, bytes)}``.

    Only stylesheets are rewritten, never the page's text or attributes, so nothing a reader
    sees changes; a data URL that is not valid base64 is left to WeasyPrint.
    """
    resources: dict[str, tuple[str, bytes]] = {}

    def inline(match: re.Match) -> str:
        try:
            body = base64.b64decode(match.group(3), validate=True)
        except ValueError:
            return match.group(0)
        url = f"{_INLINE_SCHEME}:{len(resources)}"
        resources[url] = (match.group(2), body)
        return f"url({url})"

    def style(match: re.Match) -> str:
        return match.group(1) + _CSS_DATA_URL.sub(inline, match.group(2)) + match.group(3)

    return _STYLE.sub(style, html_text), resources


def _fetcher(resources: Mapping[str, tuple[str, bytes]]):
    """A WeasyPrint URL fetcher that serves ``resources`` and ``data:`` URLs, and refuses the
    rest (``fail_on_errors``: a refused URL stops the rendering, nothing is left out silently)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class InlineFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url in resources:
                media_type, body = resources[url]
                return URLFetcherResponse(url, body, {"Content-Type": media_type})
            return super().fetch(url, headers)

    return InlineFetcher(allowed_protocols={"data"}, fail_on_errors=True)


@contextmanager
def _source_date_epoch() -> Iterator[None]:
    """Set ``SOURCE_DATE_EPOCH`` to :data:`DOCUMENT_DATE` while a PDF is made.

    WeasyPrint instantiates the variable report font and subsets it with fontTools, whose
    ``TTFont.save`` stamps the font's ``head.modified`` with the current time unless
    ``SOURCE_DATE_EPOCH`` is set (the reproducible-builds convention fontTools follows).
    """
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(DOCUMENT_DATE.timestamp()))
    try:
        yield
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
