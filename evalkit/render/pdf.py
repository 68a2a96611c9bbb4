"""PDF reports: WeasyPrint renders the report HTML in-process (the font subset is embedded);
the bytes are deterministic (dated :data:`evalkit.render.docx.DOCUMENT_DATE`, no identifier)."""

from __future__ import annotations

from pathlib import Path

from evalkit.render.docx import DOCUMENT_DATE


def to_pdf(html_text: str, path: Path) -> None:
    """Render the report HTML to PDF with WeasyPrint (fonts embedded, no network access)."""
    Path(path).write_bytes(pdf_bytes(html_text))


def pdf_bytes(html_text: str) -> bytes:
    """The PDF of a report page; any URL but ``data:`` is refused, never fetched."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # everything a report needs is inline (data: URLs); any other URL is refused, not fetched
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    document = HTML(string=html_text, url_fetcher=fetcher).render()
    # WeasyPrint takes the PDF dates from <meta name=dcterms.created/modified> and writes no
    # file identifier unless asked (pdf_identifier=False): pin both, so the bytes depend on the
    # page alone and never on the clock
    document.metadata.created = document.metadata.modified = DOCUMENT_DATE.isoformat()
    return document.write_pdf(pdf_identifier=False)
