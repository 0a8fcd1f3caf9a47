from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "brobygger.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deploy checks)
