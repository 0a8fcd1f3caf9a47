"""The access log and the audit trail: append-only rows with a keyed MAC, sealed in a chain.

Health data are a special category (GDPR art. 9) and every use of them must be
traceable (Sundhedsloven § 42a; Datatilsynet's logging guidance): who, when, what,
which person or search, and why.

Appending is a plain INSERT with no shared lock: each row carries an HMAC of its own
content, chain, seq and time under AUDIT_HMAC_KEY (from the environment, never in the
database). `manage.py seal_audit`, a scheduled job, chains the rows appended since its
last run in seq order and writes one `AuditSeal` per batch (an append-only table: the
log tables are never updated), then a signed checkpoint file outside the database.
`manage.py verify_audit` finds a changed row, rows removed from or added to a sealed
stretch, a removed tail and a checkpoint that does not match. See docs/audit.md.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .keyed import Keys, row_mac, row_payload


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Log rows are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Log rows are append-only.")


class AppendOnlyModel(models.Model):
    """Rows that are written once; on PostgreSQL a trigger refuses UPDATE and DELETE too."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Log rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Log rows are append-only.")


class LoggedEntry(AppendOnlyModel):
    """One row of a chain. `seq` is given before the INSERT, so that the MAC covers it."""

    chain_name: ClassVar[str]
    mac_fields: ClassVar[tuple[str, ...]]

    seq = models.BigAutoField(primary_key=True, editable=False)
    at = models.DateTimeField(editable=False, db_index=True)
    mac = models.CharField(max_length=64, editable=False)

    class Meta:
        abstract = True
        ordering = ["seq"]

    def payload(self) -> dict[str, Any]:
        fields = {name: getattr(self, name) for name in self.mac_fields}
        return row_payload(self.chain_name, self.seq, self.at, fields)

    def compute_mac(self, keys: Keys) -> str:
        return row_mac(keys, self.payload())


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    # Every list an access function shows logs this, with the list as its criterion: a
    # person reading who saw them must not read "searched" for a coordinator's list.
    SEARCH = "search", _("Shown in a list or search")
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    EXPORT = "export", _("Exported")
    PRINT = "print", _("Printed")
    REVEAL = "reveal", _("Revealed CPR number")


class AccessLogQuerySet(AppendOnlyQuerySet):
    def naming(self, person_id: int, *, merged: Any = None) -> AccessLogQuerySet:
        """Entries about the person, and entries of lists that showed them; `merged` (ids,
        or a values() query of them) adds the ids of records merged into this person."""
        ids = models.Q(person_id=person_id)
        if merged is not None:
            ids |= models.Q(person_id__in=merged)
        lists = AccessLogListPerson.objects.filter(ids).values("shown_list_id")
        return self.filter(ids | models.Q(shown_list__in=lists))


class AccessLogEntry(LoggedEntry):
    """One use of personal data: who, when, what, which person (or search), why."""

    chain_name = "access"
    mac_fields = (
        "user_id",
        "action",
        "person_id",
        "criterion_hash",
        "purpose",
        "object_type",
        "object_id",
    )

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        db_index=False,
    )
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    # A plain id, not a foreign key: the log outlives a person deleted under retention.
    person_id = models.BigIntegerField(null=True, blank=True)
    criterion_hash = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    # A look at a list: every person shown, in one entry (sorted ids). The same persons
    # as an `AccessLogList`, whose rows index them for each person's "who looked at me"
    # report; a list shown again names the same one (not covered by the MAC: verify_audit
    # checks that the list holds exactly `person_ids`).
    person_ids = models.JSONField(default=list, blank=True)
    shown_list = models.ForeignKey(
        "AccessLogList",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_column="list_id",
    )

    # The base's manager, with the report's look-up added (django-stubs types the
    # inherited manager as a class variable).
    objects = AccessLogQuerySet.as_manager()  # type: ignore[misc]

    class Meta(LoggedEntry.Meta):
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["person_id", "at"], name="access_person_at"),
            models.Index(fields=["user", "at"], name="access_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.action} {self.purpose}"

    @property
    def persons(self) -> set[int]:
        """Every person this entry names."""
        shown = {int(pk) for pk in self.person_ids}
        if self.person_id is not None:
            shown.add(int(self.person_id))
        return shown

    def payload(self) -> dict[str, Any]:
        # The persons of a list are covered by the MAC; an entry for one person (or a
        # search) has the payload it had before lists were logged, so older MACs hold.
        payload = super().payload()
        if self.person_ids:
            payload["person_ids"] = list(self.person_ids)
        return payload

    @property
    def purpose_label(self) -> str:
        return str(Purpose(self.purpose).label) if self.purpose in Purpose.values else self.purpose


class AccessLogList(AppendOnlyModel):
    """A set of persons shown together in a list, stored once however often it is shown.

    `digest` is `list_digest` of the sorted ids. An entry of a list names its set
    (`AccessLogEntry.shown_list`); the set's `AccessLogListPerson` rows are the index
    behind each person's "who looked at me" report. Showing the same persons again (the
    same page of the same list, reloaded) writes the entry only, not 25 index rows.
    """

    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("list of persons in the access log")
        verbose_name_plural = _("lists of persons in the access log")

    def __str__(self) -> str:
        return self.digest[:12]


class AccessLogListPerson(AppendOnlyModel):
    """One person of an `AccessLogList`: the index behind "who looked at this person".

    Derived from the `person_ids` of the entries that name the list (which their MACs
    cover), written in the transaction that first shows the set; `verify_audit` checks
    that each entry's list holds exactly its persons.
    """

    shown_list = models.ForeignKey(
        AccessLogList,
        on_delete=models.PROTECT,
        related_name="persons",
        db_column="list_id",
        db_index=False,
    )
    person_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("person in a logged list")
        verbose_name_plural = _("persons in logged lists")
        indexes = [models.Index(fields=["person_id", "shown_list"], name="access_list_person")]
        constraints = [
            models.UniqueConstraint(fields=["shown_list", "person_id"], name="access_list_once")
        ]

    def __str__(self) -> str:
        return f"{self.shown_list_id}: {self.person_id}"


def list_digest(person_ids: Iterable[int]) -> str:
    """The key of a set of persons: the SHA-256 of its sorted ids (not secret: the rows
    of the set hold the same ids)."""
    text = ",".join(str(pk) for pk in sorted({int(pk) for pk in person_ids}))
    return hashlib.sha256(text.encode()).hexdigest()


# The data key of an event recorded after the change it records (`happened_at`).
HAPPENED_AT = "happened_at"


class AuditEvent(LoggedEntry):
    """One state change, written in the same transaction as the change."""

    chain_name = "audit"
    mac_fields = ("actor_id", "verb", "object_type", "object_id", "person_id", "data")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    verb = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True)
    # Field names and codes only: never names, CPR numbers or free text.
    data = models.JSONField(default=dict, blank=True)

    class Meta(LoggedEntry.Meta):
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["person_id", "at"], name="audit_person_at"),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.verb}"

    @property
    def happened_at(self) -> datetime.datetime:
        """When the change happened: `at`, unless it was recorded afterwards (a bulk load
        of past events, the demo's story: `services.happened`), which the data name."""
        stamp = self.data.get(HAPPENED_AT) if isinstance(self.data, dict) else None
        if isinstance(stamp, str):
            try:
                return datetime.datetime.fromisoformat(stamp)
            except ValueError:
                pass
        return self.at


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
    # Outside every purpose above, opened with a stated reason (brobygger/breakglass).
    BREAK_GLASS = "break_glass", _("Break the glass")
    # GDPR art. 15 and 17: the person's own request for a copy or for erasure, answered
    # by the administrator (who otherwise has no access to notes: DESIGN.md §2).
    SUBJECT_ACCESS = "subject_access", _("The person's request about their own data")


class AuditSeal(AppendOnlyModel):
    """The chain over one stretch of a log: the rows with `after_seq` < seq <= `last_seq`.

    `chain_mac` is the chain value after the stretch's last row, starting from
    `prev_mac`, the previous seal's `chain_mac` (GENESIS for the first). Written only by
    `sealing.seal`, which takes the stretch only once every transaction that could still
    add a row to it has ended.
    """

    CHAINS: ClassVar[tuple[str, ...]] = ("access", "audit")

    chain = models.CharField(max_length=20)
    after_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    rows = models.PositiveIntegerField()
    prev_mac = models.CharField(max_length=64)
    chain_mac = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()

    class Meta:
        ordering = ["chain", "last_seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "last_seq"], name="audit_seal_last"),
            # One successor per seal: the seals of a chain cannot fork.
            models.UniqueConstraint(fields=["chain", "after_seq"], name="audit_seal_after"),
        ]

    def __str__(self) -> str:
        return f"{self.chain} {self.after_seq + 1}-{self.last_seq}"


class AuditCut(AppendOnlyModel):
    """Where retention cut a chain: every row and seal up to `last_seq` was deleted.

    The chain now starts here instead of at seq 0: the first remaining seal must follow
    `chain_mac`, and `rows` (all rows ever sealed up to the cut) keeps the counts of the
    checkpoints written after it comparable. Keyed like the rows, so that someone who can
    write to the database but does not hold AUDIT_HMAC_KEY cannot forge a cut to hide
    removed rows. Written only by `audit.retention.cut_log` (docs/audit.md, "Retention").
    """

    chain = models.CharField(max_length=20)
    last_seq = models.BigIntegerField()
    rows = models.BigIntegerField()
    chain_mac = models.CharField(max_length=64)
    cut_at = models.DateTimeField()
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["chain", "last_seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "last_seq"], name="audit_cut_last"),
        ]

    def __str__(self) -> str:
        return f"{self.chain} up to {self.last_seq}"

    def payload(self) -> dict[str, Any]:
        return {
            "cut": self.chain,
            "last_seq": self.last_seq,
            "rows": self.rows,
            "chain_mac": self.chain_mac,
        }

    def compute_mac(self, keys: Keys) -> str:
        return row_mac(keys, self.payload())


class AuditCheck(models.Model):
    """The outcome of one `manage.py verify_audit` run, shown on the administrator's home.

    Only a summary for the screen: the run's exit status and output are the alarm.
    """

    at = models.DateTimeField()
    ok = models.BooleanField()
    problems = models.PositiveIntegerField()
    rows = models.PositiveBigIntegerField()
    unsealed = models.PositiveBigIntegerField()
    checkpoints = models.PositiveIntegerField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else self.problems}"
