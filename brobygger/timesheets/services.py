"""Every change to timesheets and indirect work, each with its audit event.

The month's way: draft → confirmed (the peer vouches for the hours; the minutes of every
source are copied into the snapshot) → approved (the coordinator; the month is locked).
Back to draft: the peer takes back a confirmation, the coordinator sends a confirmed
month back, or reopens an approved one — the last two only with a reason. A coordinator
never confirms for the peer: the confirmation is the peer's own word on their hours.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.accounts.models import Role
from brobygger.audit.services import record_event
from brobygger.groups.notes import CPR_PATTERN, named_in
from brobygger.lib.when import format_when
from brobygger.people.models import PeerWorker, Person

from . import months, selectors, sources
from .models import (
    DESCRIPTION_LENGTH,
    MAX_ENTRY_MINUTES,
    MIN_ENTRY_MINUTES,
    SOURCES,
    IndirectCategory,
    IndirectEntry,
    Timesheet,
    TimesheetState,
)

S = TimesheetState
REASON_LENGTH = 300
DESCRIPTION_WARNING = "description_warning"


def month_label(year: int, month: int) -> str:
    return format_when(months.first_day(year, month), "month")


def _refusal(sheet: Timesheet) -> ValidationError | None:
    label = month_label(sheet.year, sheet.month)
    if sheet.state == S.APPROVED:
        return ValidationError(
            _(
                "%(month)s is approved and locked, so nothing in it can be changed. "
                "If something is wrong, ask your coordinator to reopen the month."
            )
            % {"month": label.capitalize()},
            code="locked",
        )
    if sheet.state == S.CONFIRMED:
        return ValidationError(
            _(
                "You have confirmed %(month)s. Take back the confirmation first if you "
                "need to change something."
            )
            % {"month": label},
            code="confirmed",
        )
    return None


def _refuse_if_closed(sheet: Timesheet) -> None:
    """Raise the refusal for a confirmed or approved month; a draft may be changed."""
    refusal = _refusal(sheet)
    if refusal is not None:
        raise refusal


def _sheet_for_update(peer: PeerWorker, year: int, month: int) -> Timesheet:
    """The month's timesheet, created as a draft if need be, locked for this transaction."""
    try:
        with transaction.atomic():
            sheet, _created = Timesheet.objects.get_or_create(peer=peer, year=year, month=month)
    except IntegrityError:
        sheet = Timesheet.objects.get(peer=peer, year=year, month=month)
    return Timesheet.objects.select_for_update().get(pk=sheet.pk)


def ensure_month_open(*, peer_id: int, day: datetime.date) -> None:
    """For other apps: refuse a change to a peer's hours in an approved (locked) month.

    Call it inside the transaction that makes the change: the month's timesheet row is
    locked until that commits, so an approval cannot slip in between check and change.
    """
    sheet = (
        Timesheet.objects.select_for_update()
        .filter(peer_id=peer_id, year=day.year, month=day.month)
        .first()
    )
    if sheet is not None and sheet.state == S.APPROVED:
        _refuse_if_closed(sheet)


def refuse_in_approved_months(*, months: frozenset[tuple[int, int, int]], **_kwargs: Any) -> None:
    """The `people.signals.hours_changing` receiver: the apps below announce a change to a
    peer's hours, (peer id, year, month) each, and an approved month refuses it.

    One month: `ensure_month_open` locks its timesheet until the change commits. Several
    (a group's sessions): one query finds the first approved one, which then refuses."""
    if len(months) == 1:
        ((peer_id, year, month),) = months
        ensure_month_open(peer_id=peer_id, day=datetime.date(year, month, 1))
        return
    which = Q()
    for peer_id, year, month in sorted(months):
        which |= Q(peer_id=peer_id, year=year, month=month)
    locked = (
        Timesheet.objects.filter(which, state=S.APPROVED)
        .order_by("year", "month", "peer_id")
        .values_list("peer_id", "year", "month")
        .first()
    )
    if locked is not None:
        peer_id, year, month = locked
        ensure_month_open(peer_id=peer_id, day=datetime.date(year, month, 1))


def ensure_months_open(days_by_peer: dict[int, set[datetime.date]]) -> None:
    """`ensure_month_open` for many peers and days at once (bulk loads): one query."""
    wanted = {
        (peer_id, day.year, day.month) for peer_id, days in days_by_peer.items() for day in days
    }
    if not wanted:
        return
    sheets = Timesheet.objects.select_for_update().filter(
        peer_id__in={peer_id for peer_id, _y, _m in wanted}, state=S.APPROVED
    )
    for sheet in sheets.order_by("peer_id", "year", "month"):
        if (sheet.peer_id, sheet.year, sheet.month) in wanted:
            _refuse_if_closed(sheet)


# -- indirect work ----------------------------------------------------------------------


def description_warnings(peer: PeerWorker, text: str) -> list[str]:
    """Signs that a description names a person: a CPR number, or a first name of someone
    on the peer's caseload or in a group the peer runs (the group-note check)."""
    warnings: list[str] = []
    if CPR_PATTERN.search(text):
        warnings.append(_("The description seems to contain a CPR number."))
    names = (
        Person.objects.filter(Q(courses__peer=peer) | Q(group_enrolments__group__facilitators=peer))
        .values_list("given_name", flat=True)
        .distinct()
    )
    found = named_in(text, names)
    if found:
        warnings.append(
            _("The description seems to name a person (%(names)s).") % {"names": ", ".join(found)}
        )
    return warnings


def _check_entry(
    peer: PeerWorker,
    *,
    date: datetime.date,
    minutes: int,
    category: str,
    description: str,
    general_words_confirmed: bool,
) -> str:
    errors: dict[str, list[ValidationError]] = {}
    if date > timezone.localdate():
        errors["date"] = [ValidationError(_("You can only enter work on days that have come."))]
    elif date < peer.contract_start:
        errors["date"] = [ValidationError(_("That day is before your contract started."))]
    elif peer.contract_end is not None and date > peer.contract_end:
        errors["date"] = [ValidationError(_("That day is after your contract ended."))]
    if not MIN_ENTRY_MINUTES <= minutes <= MAX_ENTRY_MINUTES:
        errors["minutes"] = [
            ValidationError(
                _("Enter between %(low)s and %(high)s minutes.")
                % {"low": MIN_ENTRY_MINUTES, "high": MAX_ENTRY_MINUTES}
            )
        ]
    if category not in IndirectCategory.values:
        errors["category"] = [ValidationError(_("Choose the kind of work."))]
    text = " ".join(description.split())
    if not text:
        errors["description"] = [ValidationError(_("Write a few words about the work."))]
    elif len(text) > DESCRIPTION_LENGTH:
        errors["description"] = [
            ValidationError(
                _("Keep the description under %(n)s characters.") % {"n": DESCRIPTION_LENGTH}
            )
        ]
    elif not general_words_confirmed:
        warnings = description_warnings(peer, text)
        if warnings:
            advice = _(
                "Describe the work in general words, without names or CPR numbers. Change "
                "the text, or tick the box to confirm that it names nobody."
            )
            errors["description"] = [
                ValidationError(m, code=DESCRIPTION_WARNING) for m in [*warnings, advice]
            ]
    if errors:
        raise ValidationError(errors)
    return text


def _own(actor: Any, peer: PeerWorker) -> None:
    if getattr(actor, "pk", None) != peer.user_id:
        raise PermissionDenied("Only the peer enters their own indirect work.")


def add_entry(
    *,
    actor: Any,
    peer: PeerWorker,
    date: datetime.date,
    minutes: int,
    category: str,
    description: str,
    general_words_confirmed: bool = False,
) -> IndirectEntry:
    _own(actor, peer)
    text = _check_entry(
        peer,
        date=date,
        minutes=minutes,
        category=category,
        description=description,
        general_words_confirmed=general_words_confirmed,
    )
    with transaction.atomic():
        sheet = _sheet_for_update(peer, date.year, date.month)
        _refuse_if_closed(sheet)
        entry = IndirectEntry.objects.create(
            timesheet=sheet,
            date=date,
            minutes=minutes,
            category=category,
            description=text,
            created_by=actor,
        )
        record_event(
            actor=actor,
            verb="timesheet.entry_added",
            obj=entry,
            data={"timesheet": sheet.pk, "minutes": minutes, "category": category},
        )
    return entry


def update_entry(
    *,
    actor: Any,
    entry: IndirectEntry,
    date: datetime.date,
    minutes: int,
    category: str,
    description: str,
    general_words_confirmed: bool = False,
) -> IndirectEntry:
    peer = entry.timesheet.peer
    _own(actor, peer)
    text = _check_entry(
        peer,
        date=date,
        minutes=minutes,
        category=category,
        description=description,
        general_words_confirmed=general_words_confirmed,
    )
    with transaction.atomic():
        current = Timesheet.objects.select_for_update().get(pk=entry.timesheet_id)
        _refuse_if_closed(current)
        target = current
        if (date.year, date.month) != (current.year, current.month):
            target = _sheet_for_update(peer, date.year, date.month)
            _refuse_if_closed(target)
        changed = sorted(
            name
            for name, value in (
                ("date", date),
                ("minutes", minutes),
                ("category", category),
                ("description", text),
            )
            if getattr(entry, name) != value
        )
        entry.timesheet = target
        entry.date, entry.minutes, entry.category, entry.description = (
            date,
            minutes,
            category,
            text,
        )
        entry.save(
            update_fields=["timesheet", "date", "minutes", "category", "description", "updated_at"]
        )
        record_event(
            actor=actor,
            verb="timesheet.entry_changed",
            obj=entry,
            data={"timesheet": target.pk, "fields": changed, "minutes": minutes},
        )
    return entry


def delete_entry(*, actor: Any, entry: IndirectEntry) -> None:
    _own(actor, entry.timesheet.peer)
    with transaction.atomic():
        sheet = Timesheet.objects.select_for_update().get(pk=entry.timesheet_id)
        _refuse_if_closed(sheet)
        record_event(
            actor=actor,
            verb="timesheet.entry_deleted",
            obj=entry,
            data={"timesheet": sheet.pk, "minutes": entry.minutes, "category": entry.category},
        )
        entry.delete()


# -- the month's state ------------------------------------------------------------------


def snapshot_values(peer: PeerWorker, year: int, month: int) -> dict[str, int]:
    """The snapshot fields: minutes per source now, and the contract band of the month."""
    live = sources.live_totals({peer.pk: peer.user_id}, year, month)[peer.pk]
    band = selectors.norm_of(peer, year, month)
    values = {f"{source}_minutes": live[source] for source in SOURCES}
    values["contract_min_minutes"] = band.contract_min
    values["contract_max_minutes"] = band.contract_max
    return values


CLEARED_SNAPSHOT: dict[str, Any] = {
    **{f"{source}_minutes": None for source in SOURCES},
    "contract_min_minutes": None,
    "contract_max_minutes": None,
    "confirmed_at": None,
    "confirmed_by": None,
    "approved_at": None,
    "approved_by": None,
}


def _save(sheet: Timesheet, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(sheet, name, value)
    sheet.save(update_fields=[*values, "updated_at"])


def can_confirm_from(year: int, month: int) -> datetime.date:
    """A month can be confirmed from its last day: the peer may work that day too."""
    return months.last_day(year, month)


def confirm_month(*, actor: Any, peer: PeerWorker, year: int, month: int) -> Timesheet:
    if getattr(actor, "pk", None) != peer.user_id:
        raise ValidationError(
            _("Only the peer can confirm their own hours. Ask the peer to confirm the month."),
            code="not_own",
        )
    if timezone.localdate() < can_confirm_from(year, month):
        raise ValidationError(
            _("%(month)s can be confirmed from its last day, %(day)s.")
            % {
                "month": month_label(year, month).capitalize(),
                "day": format_when(can_confirm_from(year, month), "day_month"),
            },
            code="too_early",
        )
    with transaction.atomic():
        sheet = _sheet_for_update(peer, year, month)
        if sheet.state != S.DRAFT:
            raise ValidationError(
                _("%(month)s is already confirmed.") % {"month": month_label(year, month)},
                code="state",
            )
        values = snapshot_values(peer, year, month)
        _save(
            sheet,
            {
                **values,
                "state": S.CONFIRMED,
                "confirmed_at": timezone.now(),
                "confirmed_by": actor,
            },
        )
        record_event(
            actor=actor,
            verb="timesheet.confirmed",
            obj=sheet,
            data={"from": S.DRAFT, "to": S.CONFIRMED, **values},
        )
    return sheet


def withdraw_confirmation(*, actor: Any, peer: PeerWorker, year: int, month: int) -> Timesheet:
    if getattr(actor, "pk", None) != peer.user_id:
        raise PermissionDenied("Only the peer takes back their own confirmation.")
    with transaction.atomic():
        sheet = _sheet_for_update(peer, year, month)
        if sheet.state != S.CONFIRMED:
            refusal = _refusal(sheet) if sheet.state == S.APPROVED else None
            raise refusal or ValidationError(_("The month is not confirmed."), code="state")
        _save(sheet, {**CLEARED_SNAPSHOT, "state": S.DRAFT})
        record_event(
            actor=actor,
            verb="timesheet.confirmation_withdrawn",
            obj=sheet,
            data={"from": S.CONFIRMED, "to": S.DRAFT},
        )
    return sheet


def _coordinator(actor: Any) -> None:
    if getattr(actor, "role", None) != Role.COORDINATOR:
        raise ValidationError(_("Only a coordinator can do that."), code="role")


def _reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not text:
        raise ValidationError({"reason": _("Write why, so the peer knows what to look at.")})
    if len(text) > REASON_LENGTH:
        raise ValidationError(
            {"reason": _("Keep the reason under %(n)s characters.") % {"n": REASON_LENGTH}}
        )
    return text


def approve_month(*, actor: Any, timesheet: Timesheet) -> Timesheet:
    _coordinator(actor)
    with transaction.atomic():
        sheet = Timesheet.objects.select_for_update().get(pk=timesheet.pk)
        if sheet.state != S.CONFIRMED:
            if sheet.state == S.APPROVED:
                raise ValidationError(_("The month is already approved."), code="state")
            raise ValidationError(
                _("The peer has not confirmed the month yet, so it cannot be approved."),
                code="state",
            )
        _save(
            sheet,
            {
                "state": S.APPROVED,
                "approved_at": timezone.now(),
                "approved_by": actor,
                "returned_reason": "",
                "returned_at": None,
            },
        )
        record_event(
            actor=actor,
            verb="timesheet.approved",
            obj=sheet,
            data={"from": S.CONFIRMED, "to": S.APPROVED},
        )
    return sheet


def _return_to_draft(sheet: Timesheet, reason: str) -> None:
    """Back to the peer as a draft, without its snapshot, with the coordinator's reason."""
    _save(
        sheet,
        {
            **CLEARED_SNAPSHOT,
            "state": S.DRAFT,
            "returned_reason": reason,
            "returned_at": timezone.now(),
        },
    )


def send_back(*, actor: Any, timesheet: Timesheet, reason: str) -> Timesheet:
    """A confirmed month goes back to the peer as a draft, with the coordinator's reason."""
    _coordinator(actor)
    text = _reason(reason)
    with transaction.atomic():
        sheet = Timesheet.objects.select_for_update().get(pk=timesheet.pk)
        if sheet.state != S.CONFIRMED:
            raise ValidationError(_("Only a confirmed month can be sent back."), code="state")
        _return_to_draft(sheet, text)
        # The reason is free text: it stays on the timesheet, not in the audit trail.
        record_event(
            actor=actor,
            verb="timesheet.sent_back",
            obj=sheet,
            data={"from": S.CONFIRMED, "to": S.DRAFT},
        )
    return sheet


def reopen_month(*, actor: Any, timesheet: Timesheet, reason: str) -> Timesheet:
    """Unlock an approved month (a mistake found after approval). The peer confirms again
    and the coordinator approves again; the payroll file then has the new figures."""
    _coordinator(actor)
    text = _reason(reason)
    with transaction.atomic():
        sheet = Timesheet.objects.select_for_update().get(pk=timesheet.pk)
        if sheet.state != S.APPROVED:
            raise ValidationError(_("Only an approved month can be reopened."), code="state")
        previous = sheet.snapshot() or {}
        _return_to_draft(sheet, text)
        record_event(
            actor=actor,
            verb="timesheet.reopened",
            obj=sheet,
            data={"from": S.APPROVED, "to": S.DRAFT, "approved_minutes": previous},
        )
    return sheet
