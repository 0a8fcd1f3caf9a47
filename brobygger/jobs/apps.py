from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "brobygger.jobs"
    label = "jobs"
    verbose_name = "Jobs"
