from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "brobygger.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the SMS backend check)
