from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "brobygger.groups"
    label = "groups"
    verbose_name = "Recovery groups"

    def ready(self) -> None:
        from brobygger.scheduling.signals import conversation_booking

        from .services import refuse_conversation_in_session

        # A conversation booked over a group session: refused here (scheduling/signals.py).
        conversation_booking.connect(
            refuse_conversation_in_session, dispatch_uid="groups.conversation_in_session"
        )
