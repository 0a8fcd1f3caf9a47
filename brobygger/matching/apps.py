from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "brobygger.matching"
    label = "matching"
    verbose_name = "Matching"
