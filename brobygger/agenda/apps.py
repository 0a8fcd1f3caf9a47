from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "brobygger.agenda"
    label = "agenda"
    verbose_name = "Agenda (who is busy when)"
