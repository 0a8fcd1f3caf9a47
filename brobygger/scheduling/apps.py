from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "brobygger.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"
