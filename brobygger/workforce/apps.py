from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "brobygger.workforce"
    label = "workforce"
    verbose_name = "Workforce"
