from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "brobygger.demo"
    label = "demo"
    verbose_name = "Demo programme"
