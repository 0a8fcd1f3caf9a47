from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "brobygger.groups"
    label = "groups"
    verbose_name = "Recovery groups"
