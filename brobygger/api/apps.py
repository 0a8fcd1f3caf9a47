from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API for the region's systems (the EPJ): token per integration, with scopes.

    It reads referrals, courses and appointments and creates referrals, through the same
    policy and access log as the pages; it sits above referrals and scheduling.
    """

    name = "brobygger.api"
    label = "api"
    verbose_name = "API"
