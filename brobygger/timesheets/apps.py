from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "brobygger.timesheets"
    label = "timesheets"
    verbose_name = "Timesheets"
