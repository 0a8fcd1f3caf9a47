"""The language of a text Brobygger writes in Danish and English (questionnaires,
reminders, instrument names): English for those who chose it, Danish for everyone else,
the language the programme works in, rather than a half-translated text."""

from __future__ import annotations

from django.utils.translation import get_language


def text_language(code: str | None = None) -> str:
    """ "en" or "da" for `code` (a person's or user's language), else the active one."""
    return "en" if (code or get_language() or "da").startswith("en") else "da"
