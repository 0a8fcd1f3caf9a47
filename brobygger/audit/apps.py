from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "brobygger.audit"
    label = "audit"
    verbose_name = "Audit"
