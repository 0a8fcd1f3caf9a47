from django.apps import AppConfig


class AdmissionsConfig(AppConfig):
    name = "brobygger.admissions"
    label = "admissions"
    verbose_name = "Admissions"
