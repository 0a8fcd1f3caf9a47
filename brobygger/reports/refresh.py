"""The reports kept between requests (reports/cache.py), and the task that computes one
again in the background after a change.

Each kind of report is computed by one function of its scope and language, in the
request when nothing usable is kept, and by `refresh_report` on the task worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import translation
from django_tasks import task

from . import figures, funder, pdf
from .cache import Kept, kept, store
from .scope import Scope

# Each kind's computation, from the scope (the language is set around it).
COMPUTE: dict[str, Callable[[Scope], Any]] = {
    "figures": figures.compute,
    "funder": funder.build,
    # The file and its figures are made together, so the time printed on it is theirs.
    "funder-pdf": lambda scope: pdf.render(funder.build(scope)),
}


def _kept(kind: str, scope: Scope, language: str) -> Kept[Any]:
    def compute() -> Any:
        with translation.override(language):
            return COMPUTE[kind](scope)

    return kept(
        kind,
        (scope, language),
        compute,
        refresh=lambda: refresh_report.enqueue(kind, scope.as_json(), language),
    )


def figures_for(scope: Scope) -> Kept[figures.Figures]:
    """The dashboard's raw figures (their labels in the active language)."""
    return _kept("figures", scope, translation.get_language() or "da")


def funder_report_for(scope: Scope, language: str) -> Kept[funder.FunderReport]:
    return _kept("funder", scope, language)


def funder_pdf_for(scope: Scope, language: str) -> Kept[bytes]:
    return _kept("funder-pdf", scope, language)


@task()
def refresh_report(kind: str, scope: dict[str, Any], language: str) -> str:
    """Compute the `kind` of report for the scope and language again and keep it."""
    if kind not in COMPUTE:
        raise ValueError(f"Unknown kind of report {kind!r}.")
    chosen = Scope.from_json(scope)
    with translation.override(language):
        done = store(kind, (chosen, language), lambda: COMPUTE[kind](chosen))
    return f"{kind} computed at {done.computed_at.isoformat()}"
