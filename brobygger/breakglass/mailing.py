"""The weekly unusual-access report as text, for the command's output and the e-mail to
the administrators. Counts and user numbers only: no names of staff or persons, no CPR
numbers (an e-mail leaves the system); the page in the app has the detail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from brobygger.accounts.models import Role

from .selectors import WeekReport


def report_text(report: WeekReport) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("Unusual access, week %(week)s (%(monday)s to %(sunday)s)")
            % {
                "week": report.monday.isocalendar().week,
                "monday": report.monday.isoformat(),
                "sunday": report.sunday.isoformat(),
            },
            _("Users with access: %(users)s. Flagged: %(flagged)s.")
            % {"users": len(report.rows), "flagged": len(report.flagged)},
            "",
        ]
        for row in report.flagged:
            lines.append(
                _(
                    "User no. %(user)s: %(persons)s persons through break the glass, "
                    "%(off)s of %(looks)s looks outside working hours."
                )
                % {
                    "user": row.user.pk,
                    "persons": row.glass_persons,
                    "off": row.off_hours,
                    "looks": row.looks,
                }
            )
        lines += ["", _("See the report in Brobygger: %(path)s") % {"path": _report_path()}]
    return "\n".join(lines)


def _report_path() -> str:
    return reverse("breakglass:unusual")


def send_report(report: WeekReport) -> int:
    """E-mail the report to every active administrator with an address; how many."""
    users = get_user_model().objects.filter(role=Role.ADMINISTRATOR, is_active=True, email__gt="")
    recipients = sorted({user.email for user in users})
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Brobygger: unusual access, week %(week)s") % {
            "week": report.monday.isocalendar().week
        }
    send_mail(subject, report_text(report), None, recipients, fail_silently=False)
    return len(recipients)
