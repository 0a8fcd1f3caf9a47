from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "brobygger.public"
    label = "public"
    verbose_name = "Public site"
