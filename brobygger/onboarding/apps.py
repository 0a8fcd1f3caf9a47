from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "brobygger.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding"
