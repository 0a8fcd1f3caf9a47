from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "brobygger.reports"
    label = "reports"
    verbose_name = "Reports"
