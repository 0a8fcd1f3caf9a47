from django.apps import AppConfig


class DeskConfig(AppConfig):
    """Each role's home page: it gathers from many apps, so it sits above them all."""

    name = "brobygger.desk"
    label = "desk"
    verbose_name = "Desk"
