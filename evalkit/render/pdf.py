"""PDF reports: WeasyPrint renders the report HTML in-process (the font subset is embedded);
the bytes are deterministic (dated by the 报告日期, else :data:`evalkit.render.docx.DOCUMENT_DATE`;
no identifier)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evalkit.render.docx import DOCUMENT_DATE


def to_pdf(html_text: str, path: Path) -> None:
    """Render the report HTML to PDF with WeasyPrint (fonts embedded, no network access)."""
    Path(path).write_bytes(pdf_bytes(html_text))


def pdf_bytes(html_text: str, *, date: dt.date | None = None) -> bytes:
    """The PDF of a report page; any URL but ``data:`` is refused, never fetched.

    ``date`` (the engagement's 报告日期) is the document's creation and modification date;
    without one :data:`~evalkit.render.docx.DOCUMENT_DATE`.
    """
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # everything a report needs is inline (data: URLs); any other URL is refused, not fetched
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    with _source_date_epoch():
        document = HTML(string=html_text, url_fetcher=fetcher).render()
        # WeasyPrint takes the PDF dates from <meta name=dcterms.created/modified> and writes no
        # file identifier unless asked (pdf_identifier=False): pin both, so the bytes depend on
        # the page alone and never on the clock
        stamp = (DOCUMENT_DATE if date is None
                 else dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC))
        document.metadata.created = document.metadata.modified = stamp.isoformat()
        return document.write_pdf(pdf_identifier=False)


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
