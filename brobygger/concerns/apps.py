from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "brobygger.concerns"
    label = "concerns"
    verbose_name = "Concerns"
