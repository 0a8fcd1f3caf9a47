from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "brobygger.research"
    label = "research"
    verbose_name = "Research"
