from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "brobygger.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from brobygger.accounts.backends import read_with_user

        from .context import UNREAD_AT_LOAD
        from .selectors import unread_count_of_user

        # The header's unread count, read with the user: one query fewer on every page.
        read_with_user(UNREAD_AT_LOAD, unread_count_of_user)
