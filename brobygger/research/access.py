"""Who may see research exports: the evaluator who made them, and nobody else.

DESIGN.md §2: evaluators see aggregates and pseudonymised exports only; no other role
sees a research export at all. Someone else's export answers 404, so nobody learns
that it exists.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import Http404

from brobygger.accounts.models import Role
from brobygger.audit.models import Purpose

from .models import ResearchExport

# Research and evaluation. The audit app's Purpose names it RESEARCH where it has one;
# the stored code is the same either way.
PURPOSE: str = getattr(Purpose, "RESEARCH", "research")
MAX_TOKEN_LENGTH = 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_export(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "role", None) == Role.EVALUATOR
    )


def get_export_for(user: Any, pk: int) -> ResearchExport:
    """The user's own export, without its files (the page shows only what it was)."""
    if not can_export(user):
        raise Http404
    export = (
        ResearchExport.objects.created_by(user)
        .without_files()
        .select_related("instrument")
        .filter(pk=pk)
        .first()
    )
    if export is None:
        raise Http404
    return export


def get_export_by_token(user: Any, token: str) -> ResearchExport:
    """The export a download link points at, if `user` made it; 404 otherwise."""
    if not can_export(user) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise Http404
    export = ResearchExport.objects.created_by(user).filter(token_hash=hash_token(token)).first()
    if export is None:
        raise Http404
    return export
