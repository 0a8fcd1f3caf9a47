"""The FHIR Bundle of one person, or of a period, as JSON on standard output.

    manage.py export_fhir --user anne --person 12
    manage.py export_fhir --user anne --from 2026-01-01 --to 2026-06-30 [--unit 3]

The export goes through the same access policy and access log as the page: `--user` names
the coordinator (or the integration's coordinator account) it is made as, and only the
persons that user may see are exported, logged as an export.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from brobygger.accounts.models import Unit, User
from brobygger.audit.looks import one_entry
from brobygger.interop import access, dkcore, fhir


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}") from error


class Command(BaseCommand):
    help = "Write a FHIR R4 Bundle (DK Core) of a person or a period to standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the coordinator the export is made as")
        parser.add_argument("--person", type=int, help="the person's id")
        parser.add_argument("--from", dest="start", type=_date, help="first day of the period")
        parser.add_argument("--to", dest="end", type=_date, help="last day of the period")
        parser.add_argument("--unit", type=int, help="only persons of this unit (a period)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None or not access.may_export(user):
            raise CommandError("--user must be an active coordinator")
        with one_entry():  # one access-log entry for the whole export, as on the page
            self.stdout.write(json.dumps(self._bundle(user, options), ensure_ascii=False, indent=1))

    def _bundle(self, user: User, options: dict[str, Any]) -> dict[str, Any]:
        try:
            if options["person"] is not None:
                export = access.person_export(user, options["person"])
            elif options["start"] and options["end"]:
                if options["end"] < options["start"]:
                    raise CommandError("--to must be on or after --from")
                unit = None
                if options["unit"] is not None:
                    unit = Unit.objects.filter(pk=options["unit"]).first()
                    if unit is None:
                        raise CommandError("no such unit")
                period = fhir.Period(options["start"], options["end"])
                export = access.period_export(user, period, unit=unit)
            else:
                raise CommandError("give --person, or --from and --to")
        except Http404 as error:
            raise CommandError("no such person, or not one this user may export") from error
        bundle = fhir.bundle_for(export.persons, export.links, export.period)
        problems = dkcore.problems(bundle)
        if problems:
            raise CommandError("the Bundle breaks DK Core:\n" + "\n".join(problems))
        return bundle
