from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "brobygger.people"
    label = "people"
    verbose_name = "People"
