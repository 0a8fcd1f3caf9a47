"""The access log and the audit trail: append-only, chained by hash.

Health data are a special category (GDPR art. 9) and every use of them must be
traceable (Sundhedsloven § 42a; Datatilsynet's logging guidance): who, when, what,
which person or search, and why. Each row carries the hash of the previous row, so
`manage.py verify_audit` finds a changed, inserted or deleted row.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS = "0" * 64


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Log rows are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Log rows are append-only.")


class ChainHead(models.Model):
    """The newest seq and hash of one chain; locked while a row is appended."""

    name = models.CharField(max_length=20, primary_key=True)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"{self.name} #{self.seq}"


class ChainedEntry(models.Model):
    chain_name: ClassVar[str]
    hashed_fields: ClassVar[tuple[str, ...]]

    seq = models.BigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(editable=False, db_index=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["seq"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Log rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Log rows are append-only.")

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"seq": self.seq, "at": self.at.isoformat()}
        for name in self.hashed_fields:
            data[name] = getattr(self, name)
        return data

    def compute_hash(self) -> str:
        body = json.dumps(self.payload(), sort_keys=True, ensure_ascii=True, default=str)
        return hashlib.sha256(f"{self.prev_hash}|{body}".encode()).hexdigest()


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    EXPORT = "export", _("Exported")
    PRINT = "print", _("Printed")
    REVEAL = "reveal", _("Revealed CPR number")


class AccessLogEntry(ChainedEntry):
    """One use of personal data: who, when, what, which person (or search), why."""

    chain_name = "access"
    hashed_fields = (
        "user_id",
        "action",
        "person_id",
        "criterion_hash",
        "purpose",
        "object_type",
        "object_id",
    )

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    # A plain id, not a foreign key: the log outlives a person deleted under retention.
    person_id = models.BigIntegerField(null=True, blank=True)
    criterion_hash = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)

    class Meta(ChainedEntry.Meta):
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["person_id", "at"], name="access_person_at"),
            models.Index(fields=["user", "at"], name="access_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.action} {self.purpose}"

    @property
    def purpose_label(self) -> str:
        return str(Purpose(self.purpose).label) if self.purpose in Purpose.values else self.purpose


class AuditEvent(ChainedEntry):
    """One state change, written in the same transaction as the change."""

    chain_name = "audit"
    hashed_fields = ("actor_id", "verb", "object_type", "object_id", "person_id", "data")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    verb = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True)
    # Field names and codes only: never names, CPR numbers or free text.
    data = models.JSONField(default=dict, blank=True)

    class Meta(ChainedEntry.Meta):
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["person_id", "at"], name="audit_person_at"),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.verb}"


class Purpose(models.TextChoices):
    """Why personal data were used; every access-log entry names one."""

    SUPPORT = "support", _("Peer support")
    COORDINATION = "coordination", _("Coordination")
    REFERRAL = "referral", _("Referral")
    ACCESS_REPORT = "access_report", _("Access report for the person")
    ADMINISTRATION = "administration", _("Administration")
    RECRUITMENT = "recruitment", _("Recruitment")
    EVALUATION = "evaluation", _("Evaluation and statistics")
    RESEARCH = "research", _("Research")
    STAFF = "staff", _("Staff administration and payroll")
