"""The funder report as a PDF: an HTML template with a print stylesheet, drawn by WeasyPrint."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .funder import FunderReport, pdf_context

STYLESHEET = "reports/funder-print.css"


def _static_folder() -> Path:
    found = finders.find(STYLESHEET)
    if not found:
        raise FileNotFoundError(STYLESHEET)
    path = found[0] if isinstance(found, list) else found
    return Path(path).parent


def render_html(report: FunderReport) -> str:
    context = pdf_context(report) | {
        "created": timezone.localtime(),
        "language": translation.get_language() or "da",
    }
    return render_to_string("reports/funder_pdf.html", context)


def render(report: FunderReport, *, request: HttpRequest | None = None) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_html(report)
    # Only the stylesheet next to it is fetched: nothing from the network.
    fetcher = URLFetcher(allowed_protocols={"file"})
    document = HTML(string=html, base_url=_static_folder().as_uri() + "/", url_fetcher=fetcher)
    return bytes(document.write_pdf())
