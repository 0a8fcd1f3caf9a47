from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "brobygger.timesheets"
    label = "timesheets"
    verbose_name = "Timesheets"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the payroll format check)
