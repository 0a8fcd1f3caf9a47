from django.apps import AppConfig


class RightsConfig(AppConfig):
    """The person's rights (GDPR art. 15-17): a copy of everything held, correction, erasure.

    It gathers from every data app's selectors, so it sits above them all, like desk.
    """

    name = "brobygger.rights"
    label = "rights"
    verbose_name = "Rights"
