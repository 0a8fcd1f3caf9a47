from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "brobygger.recruitment"
    label = "recruitment"
    verbose_name = "Recruitment"
