from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "brobygger.timesheets"
    label = "timesheets"
    verbose_name = "Timesheets"

    def ready(self) -> None:
        from brobygger.people.signals import hours_changing

        from . import checks  # noqa: F401  (registers the payroll format check)
        from .services import refuse_in_approved_months

        # The apps below announce changes to a peer's hours; an approved month refuses them.
        hours_changing.connect(refuse_in_approved_months, dispatch_uid="timesheets.month_lock")
