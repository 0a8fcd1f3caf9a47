from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "brobygger.notifications"
    label = "notifications"
    verbose_name = "Notifications"
