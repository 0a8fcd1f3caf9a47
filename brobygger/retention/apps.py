from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "brobygger.retention"
    label = "retention"
    verbose_name = "Retention"
