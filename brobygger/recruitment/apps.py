from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "brobygger.recruitment"
    label = "recruitment"
    verbose_name = "Recruitment"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the file storage check)
