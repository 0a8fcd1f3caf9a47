from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "brobygger.recruitment"
    label = "recruitment"
    verbose_name = "Recruitment"

    def ready(self) -> None:
        from brobygger.scheduling.signals import conversation_booking

        from . import checks  # noqa: F401  (registers the file storage check)
        from .interviews import refuse_conversation_on_panel

        # A conversation booked over an interview panel: refused here (scheduling/signals.py).
        # Connected after groups' receiver (INSTALLED_APPS order), as the checks ran before.
        conversation_booking.connect(
            refuse_conversation_on_panel, dispatch_uid="recruitment.conversation_on_panel"
        )
