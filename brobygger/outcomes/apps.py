from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "brobygger.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"
