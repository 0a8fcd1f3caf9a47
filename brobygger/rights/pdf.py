"""The person's copy as a PDF (WeasyPrint): readable Danish, grouped by record type, with
the access-log report. The stylesheet is inline; nothing is fetched from anywhere."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import readable


def render_html(copy: dict[str, Any], *, person_name: str) -> str:
    context = {
        "copy": copy,
        "person_name": person_name,
        "sections": readable.sections(copy),
        "access_log": readable.access_log(copy),
        "received_on": readable.request_received(copy),
        "created": timezone.localtime(),
        "language": translation.get_language() or "da",
    }
    return render_to_string("rights/copy_pdf.html", context)


def render(copy: dict[str, Any], *, person_name: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_html(copy, person_name=person_name)
    fetcher = URLFetcher(allowed_protocols=set())
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf())
