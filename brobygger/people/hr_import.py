"""Units and staff from the region's HR export (issue 20 item 6): read, plan, apply.

The administrator uploads a CSV or XLSX file of units or of staff. `plan_import` reads it
and says per row what would happen (create, update, unchanged) or what is wrong (line,
column, reason); nothing is written. `apply_import` plans again from the same file and,
only if no row has an error, applies every row in one transaction through the services
that write the audit trail, with one more event for the import as a whole. Any error on
applying rolls everything back: nothing is ever half imported.

Rows are matched on the unit code and the employee number, so importing the same file
again changes nothing. The columns are described in docs/hr_import.md.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from brobygger.accounts import services as account_services
from brobygger.accounts.models import CODE_RE, PEER_ROLES, Role, Unit, UnitKind, User
from brobygger.audit.services import record_event

from . import services
from .models import PeerKind, PeerWorker

UNITS, STAFF = "units", "staff"
# The file travels back with the confirmation (base64 in the form), under Django's 2.5 MB.
MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"

# Column → the headers it is known by (Danish and English; case and spaces ignored).
UNIT_COLUMNS = {
    "code": ("enhedskode", "code", "unit code", "kode"),
    "name": ("navn", "name", "enhedsnavn"),
    "sor": ("sor-kode", "sor", "sor kode", "sor_code", "sor id"),
    "kind": ("type", "kind"),
}
UNIT_REQUIRED = ("code", "name")
STAFF_COLUMNS = {
    "employee_number": ("medarbejdernummer", "employee number", "lønnummer", "employee_number"),
    "first_name": ("fornavn", "first name", "first_name"),
    "last_name": ("efternavn", "last name", "last_name"),
    "email": ("e-mail", "email", "mail"),
    "unit": ("enhedskode", "enhed", "unit", "unit code"),
    "role": ("rolle", "role"),
    "hours": ("kontrakttimer", "timer pr. uge", "contract hours", "hours"),
}
STAFF_REQUIRED = ("employee_number", "first_name", "last_name", "unit", "role")
ROLE_WORDS = {
    "koordinator": Role.COORDINATOR,
    "peer-medarbejder": Role.PEER_WORKER,
    "peer": Role.PEER_WORKER,
    "pårørende-peer": Role.RELATIVE_PEER,
    "henvisende behandler": Role.CLINICIAN,
    "behandler": Role.CLINICIAN,
    "evaluator": Role.EVALUATOR,
    "evaluerer": Role.EVALUATOR,
    "administrator": Role.ADMINISTRATOR,
    **{role.value: role for role in Role},
}
KIND_WORDS = {
    "afsnit": UnitKind.WARD,
    "sengeafsnit": UnitKind.WARD,
    "ambulatorium": UnitKind.CLINIC,
    "klinik": UnitKind.CLINIC,
    "udgående team": UnitKind.OUTPATIENT_TEAM,
    "andet": UnitKind.OTHER,
    **{kind.value: kind for kind in UnitKind},
}
MIN_HOURS, MAX_HOURS = Decimal(1), Decimal(37)


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


# A changed field → the file's column it comes from (shown as the change).
CHANGE_COLUMNS = {
    "name": UNIT_COLUMNS["name"][0],
    "sor_code": UNIT_COLUMNS["sor"][0],
    "kind": UNIT_COLUMNS["kind"][0],
    **{k: STAFF_COLUMNS[k][0] for k in ("first_name", "last_name", "email", "role", "unit")},
    "hours": STAFF_COLUMNS["hours"][0],
}


@dataclass
class PlannedRow:
    line: int
    key: str  # the unit code or the employee number
    label: str  # the unit's or the person's name
    action: str  # CREATE, UPDATE or UNCHANGED
    changes: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def changed_columns(self) -> str:
        return ", ".join(CHANGE_COLUMNS[name] for name in self.changes)


@dataclass
class Plan:
    kind: str
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    digest: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in (CREATE, UPDATE, UNCHANGED)}


class FileProblem(Exception):
    """The file as a whole cannot be read (not a row's fault)."""


# -- reading -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(_("The file is neither UTF-8 nor Windows text."))


def read_rows(name: str, content: bytes) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every non-empty row, the header first."""
    if len(content) > MAX_BYTES:
        raise FileProblem(_("The file is larger than 1 MB. Split it into smaller files."))
    if name.lower().endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a broken file
            raise FileProblem(_("The file could not be read as an Excel workbook.")) from error
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_text(v) for v in row]
            if any(cells):
                yield number, cells
        workbook.close()
        return
    if not name.lower().endswith((".csv", ".txt")):
        raise FileProblem(_("Upload a CSV file (.csv) or an Excel workbook (.xlsx)."))
    text = _decode(content)
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                yield reader.line_num, [c.strip() for c in cells]
    except csv.Error as error:
        raise FileProblem(
            _("Line %(line)s cannot be read as CSV: %(reason)s")
            % {"line": reader.line_num, "reason": error}
        ) from error


def _columns(
    header: list[str], known: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> dict[str, int]:
    by_word = {word: column for column, words in known.items() for word in words}
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        column = by_word.get(" ".join(title.lower().split()))
        if column is not None and column not in found:
            found[column] = index
    missing = [c for c in required if c not in found]
    if missing:
        names = ", ".join(f"“{known[c][0]}”" for c in missing)
        raise FileProblem(
            _("The first row must name the columns. Missing: %(columns)s.") % {"columns": names}
        )
    return found


# -- planning ----------------------------------------------------------------------------


def plan_import(kind: str, name: str, content: bytes, *, actor: Any) -> Plan:
    """What importing the file would do, row by row; writes nothing."""
    plan = Plan(kind=kind, digest=hashlib.sha256(content).hexdigest())
    rows = list(read_rows(name, content))
    if not rows:
        raise FileProblem(_("The file is empty."))
    if len(rows) - 1 > MAX_ROWS:
        raise FileProblem(
            _("The file has more than %(max)s rows. Split it into smaller files.")
            % {"max": MAX_ROWS}
        )
    (_line, header), body = rows[0], rows[1:]
    if kind == UNITS:
        _plan_units(plan, _columns(header, UNIT_COLUMNS, UNIT_REQUIRED), body)
    else:
        _plan_staff(plan, _columns(header, STAFF_COLUMNS, STAFF_REQUIRED), body, actor=actor)
    if not body:
        raise FileProblem(_("The file has a header but no rows."))
    return plan


def _cell(cells: list[str], columns: dict[str, int], column: str) -> str:
    index = columns.get(column)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _code_ok(value: str) -> bool:
    return re.fullmatch(CODE_RE, value) is not None


def _plan_units(plan: Plan, columns: dict[str, int], body: list[tuple[int, list[str]]]) -> None:
    existing = {u.code: u for u in Unit.objects.exclude(code="")}
    by_name = {u.name.lower(): u for u in Unit.objects.all()}
    by_sor = {u.sor_code: u for u in Unit.objects.exclude(sor_code="")}
    seen: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    header = {c: UNIT_COLUMNS[c][0] for c in UNIT_COLUMNS}
    for line, cells in body:
        errors: list[RowError] = []
        code = _cell(cells, columns, "code")
        name = _cell(cells, columns, "name")
        sor = _cell(cells, columns, "sor")
        kind_word = _cell(cells, columns, "kind").lower()
        if not _code_ok(code):
            errors.append(
                RowError(line, header["code"], _("Use 1 to 20 letters, digits or hyphens."))
            )
        elif code in seen:
            errors.append(
                RowError(
                    line,
                    header["code"],
                    _("The code is also on line %(line)s.") % {"line": seen[code]},
                )
            )
        else:
            seen[code] = line
        if not name or len(name) > 120:
            errors.append(RowError(line, header["name"], _("Give a name of 1 to 120 characters.")))
        unit = existing.get(code)
        other = by_name.get(name.lower())
        if name and other is not None and other != unit:
            errors.append(RowError(line, header["name"], _("Another unit already has this name.")))
        elif name.lower() in seen_names:
            errors.append(
                RowError(
                    line,
                    header["name"],
                    _("The name is also on line %(line)s.") % {"line": seen_names[name.lower()]},
                )
            )
        elif name:
            seen_names[name.lower()] = line
        if sor and not (sor.isdigit() and 6 <= len(sor) <= 18):
            errors.append(RowError(line, header["sor"], _("A SOR id is 6 to 18 digits.")))
        elif sor and by_sor.get(sor) not in (None, unit):
            errors.append(RowError(line, header["sor"], _("Another unit has this SOR id.")))
        kind = KIND_WORDS.get(kind_word) if kind_word else None
        if kind_word and kind is None:
            errors.append(
                RowError(
                    line,
                    header["kind"],
                    _("Unknown kind. Use ward, clinic, outpatient_team or other."),
                )
            )
        if errors:
            plan.errors.extend(errors)
            continue
        values = {"name": name, "sor_code": sor}
        if kind is not None or unit is None:
            values["kind"] = kind or UnitKind.OTHER
        if unit is None:
            plan.rows.append(PlannedRow(line, code, name, CREATE, [], values))
        else:
            changes = sorted(k for k, v in values.items() if getattr(unit, k) != v)
            action = UPDATE if changes else UNCHANGED
            plan.rows.append(PlannedRow(line, code, name, action, changes, values))


def _plan_staff(
    plan: Plan, columns: dict[str, int], body: list[tuple[int, list[str]]], *, actor: Any
) -> None:
    users = {
        u.employee_number: u
        for u in User.objects.exclude(employee_number="").prefetch_related("units")
    }
    profiles = {
        p.user_id: p
        for p in PeerWorker.objects.filter(user__in=list(users.values())).prefetch_related("units")
    }
    units = {u.code: u for u in Unit.objects.exclude(code="")}
    taken_names = set(User.objects.values_list("username", flat=True))
    seen: dict[str, int] = {}
    header = {c: STAFF_COLUMNS[c][0] for c in STAFF_COLUMNS}
    email_ok = EmailValidator()
    for line, cells in body:
        errors: list[RowError] = []

        def wrong(column: str, message: str, line: int = line, errors: list = errors) -> None:
            errors.append(RowError(line, header[column], message))

        number = _cell(cells, columns, "employee_number")
        first = _cell(cells, columns, "first_name")
        last = _cell(cells, columns, "last_name")
        email = _cell(cells, columns, "email")
        unit_code = _cell(cells, columns, "unit")
        role_word = " ".join(_cell(cells, columns, "role").lower().split())
        hours_text = _cell(cells, columns, "hours").replace(",", ".")
        if not _code_ok(number):
            wrong("employee_number", _("Use 1 to 20 letters, digits or hyphens."))
        elif number in seen:
            wrong(
                "employee_number",
                _("The employee number is also on line %(line)s.") % {"line": seen[number]},
            )
        else:
            seen[number] = line
        if not first or len(first) > 150:
            wrong("first_name", _("Give a first name of 1 to 150 characters."))
        if not last or len(last) > 150:
            wrong("last_name", _("Give a last name of 1 to 150 characters."))
        if email:
            try:
                email_ok(email)
            except ValidationError:
                wrong("email", _("This is not an e-mail address."))
        unit = units.get(unit_code)
        if unit is None and not unit_code:
            wrong("unit", _("Give the unit's code."))
        elif unit is None:
            wrong(
                "unit",
                _("No unit has the code %(code)s. Import the units first.") % {"code": unit_code},
            )
        role = ROLE_WORDS.get(role_word)
        if role is None:
            wrong(
                "role",
                _(
                    "Unknown role. Use coordinator, peer_worker, relative_peer, "
                    "clinician, evaluator or administrator."
                ),
            )
        hours: Decimal | None = None
        if role in PEER_ROLES:
            try:
                hours = Decimal(hours_text)
            except InvalidOperation:
                hours = None
            if hours is None or not (MIN_HOURS <= hours <= MAX_HOURS):
                wrong("hours", _("A peer worker needs contract hours per week from 1 to 37."))
                hours = None
        user = users.get(number)
        profile = profiles.get(user.pk) if user is not None else None
        if user is not None and role is not None and user.role != role:
            if user.pk == getattr(actor, "pk", None):
                wrong("role", _("You cannot change your own role. Ask another administrator."))
            elif profile is not None or role in PEER_ROLES:
                wrong(
                    "role",
                    _("A peer worker's role changes on the peer worker's page, not by import."),
                )
        if user is None and number and number.lower() in taken_names:
            wrong("employee_number", _("A user name like this employee number is taken."))
        if (
            user is not None
            and unit is not None
            and user.pk == getattr(actor, "pk", None)
            and unit not in user.units.all()
        ):
            wrong("unit", _("You cannot change your own units. Ask another administrator."))
        if errors:
            plan.errors.extend(errors)
            continue
        assert unit is not None and role is not None
        values: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "email": email,
            "role": role,
            "unit": unit.pk,
            "hours": str(hours) if hours is not None else None,
        }
        label = f"{first} {last}"
        if user is None:
            plan.rows.append(PlannedRow(line, number, label, CREATE, [], values))
            continue
        changes = [
            k for k in ("first_name", "last_name", "email", "role") if getattr(user, k) != values[k]
        ]
        if unit not in user.units.all():
            changes.append("unit")
        if hours is not None and (
            profile is None or profile.hours_max != hours or profile.hours_min > hours
        ):
            changes.append("hours")
        if (
            profile is not None
            and "unit" not in changes
            and unit.pk not in {u.pk for u in profile.units.all()}
        ):
            changes.append("unit")
        action = UPDATE if changes else UNCHANGED
        plan.rows.append(PlannedRow(line, number, label, action, changes, values))


# -- applying ----------------------------------------------------------------------------


def apply_import(kind: str, name: str, content: bytes, *, actor: Any) -> Plan:
    """Plan the file again and, if no row has an error, apply every row in one
    transaction (the audit events with them). Raises ValidationError with the line of the
    row that failed; then nothing at all is imported."""
    plan = plan_import(kind, name, content, actor=actor)
    if not plan.ok:
        return plan
    with transaction.atomic():
        for row in plan.rows:
            if row.action == UNCHANGED:
                continue
            try:
                if kind == UNITS:
                    _apply_unit(row, actor=actor)
                else:
                    _apply_staff(row, actor=actor)
            except (ValidationError, PermissionDenied) as error:
                reasons = getattr(error, "messages", [str(error)])
                raise ValidationError(
                    _("Line %(line)s: %(reason)s Nothing was imported.")
                    % {"line": row.line, "reason": " ".join(reasons)}
                ) from error
        record_event(
            actor=actor,
            verb="hr_import.applied",
            obj=actor,  # the administrator who imported: the event has no other one object
            data={
                "kind": kind,
                "sha256": plan.digest,
                "created": plan.count(CREATE),
                "updated": plan.count(UPDATE),
                "unchanged": plan.count(UNCHANGED),
            },
        )
    return plan


def _apply_unit(row: PlannedRow, *, actor: Any) -> None:
    if row.action == CREATE:
        unit = Unit(code=row.key, **row.values)
        unit.full_clean()
        unit.save()
        record_event(actor=actor, verb="unit.created", obj=unit, data={"code": row.key})
        return
    unit = Unit.objects.select_for_update().get(code=row.key)
    for name in row.changes:
        setattr(unit, name, row.values[name])
    unit.full_clean()
    unit.save(update_fields=row.changes)
    record_event(actor=actor, verb="unit.changed", obj=unit, data={"fields": row.changes})


def _apply_staff(row: PlannedRow, *, actor: Any) -> None:
    v = row.values
    unit = Unit.objects.get(pk=v["unit"])
    hours = Decimal(v["hours"]) if v["hours"] is not None else None
    if row.action == CREATE:
        user = services.create_staff_user(
            actor=actor,
            username=row.key.lower(),
            role=v["role"],
            first_name=v["first_name"],
            last_name=v["last_name"],
            email=v["email"],
            units=[unit],
        )
        account_services.set_employee_number(actor=actor, user=user, employee_number=row.key)
        if hours is not None:
            _new_profile(user, unit, hours, actor=actor)
        return
    user = User.objects.get(employee_number=row.key)
    names = [n for n in ("first_name", "last_name", "email") if n in row.changes]
    if names:
        for n in names:
            setattr(user, n, v[n])
        user.full_clean(exclude=["password"])
        user.save(update_fields=names)
        record_event(actor=actor, verb="user.changed", obj=user, data={"fields": names})
    units = list(user.units.all())
    if "role" in row.changes or unit not in units:
        account_services.change_role_and_units(
            actor=actor, user=user, role=v["role"], units=[*units, unit]
        )
    if hours is None:
        return
    profile = PeerWorker.objects.filter(user=user).first()
    if profile is None:
        _new_profile(user, unit, hours, actor=actor)
        return
    peer_units = list(profile.units.all())
    services.update_peer_worker(
        actor=actor,
        peer=profile,
        units=peer_units if unit in peer_units else [*peer_units, unit],
        hours_min=min(profile.hours_min, hours),
        hours_max=hours,
    )


def _new_profile(user: User, unit: Unit, hours: Decimal, *, actor: Any) -> None:
    """A peer worker's profile from the HR row: the contract's weekly hours as both ends
    of the band, starting today; the coordinator fills in the rest on the peer's page."""
    kind = PeerKind.RELATIVE_PEER if user.role == Role.RELATIVE_PEER else PeerKind.PATIENT_PEER
    services.create_peer_worker(
        actor=actor,
        user=user,
        units=[unit],
        kind=kind,
        languages=["da"],
        hours_min=hours,
        hours_max=hours,
        contract_start=timezone.localdate(),
    )
