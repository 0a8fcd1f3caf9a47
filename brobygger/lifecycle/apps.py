from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "brobygger.lifecycle"
    label = "lifecycle"
    verbose_name = "Courses starting and ending"
