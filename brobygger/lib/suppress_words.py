"""The words that explain suppressed cells, for templates and reports.

Kept apart from `brobygger.lib.suppress`, which stays free of Django.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from brobygger.lib.suppress import HIDDEN, SMALL

SMALL_MEANING = _("fewer than 5 (1 to 4)")
HIDDEN_MEANING = _("hidden so that a small number cannot be worked out from the totals")

# The en dash is written as \u2013 so it cannot be mistaken for a hyphen.
# [(marker, meaning)] for a legend list under a table.
LEGEND_ITEMS = [(SMALL, SMALL_MEANING), (HIDDEN, HIDDEN_MEANING)]

LEGEND = _(
    "“<5” means fewer than 5 (1 to 4). “–” means hidden so that a small number "  # noqa: RUF001 (the dash is the marker)
    "cannot be worked out from the totals. 0 means none."
)
