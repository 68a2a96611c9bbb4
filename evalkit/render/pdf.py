"""PDF reports: WeasyPrint renders the report HTML in-process (the font subset is embedded)."""

from __future__ import annotations

from pathlib import Path


def to_pdf(html_text: str, path: Path) -> None:
    """Render the report HTML to PDF with WeasyPrint (fonts embedded, no network access)."""
    Path(path).write_bytes(pdf_bytes(html_text))


def pdf_bytes(html_text: str) -> bytes:
    """The PDF of a report page; any URL but ``data:`` is refused, never fetched."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # everything a report needs is inline (data: URLs); any other URL is refused, not fetched
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html_text, url_fetcher=fetcher).write_pdf()
