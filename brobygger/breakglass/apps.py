from django.apps import AppConfig


class BreakglassConfig(AppConfig):
    """Break the glass (Nødadgang): reading a person outside one's purpose, with a stated
    reason, logged and reviewed; and the weekly report of unusual access. It sits above
    people, referrals and audit (accounts/policy.py reaches its model by name)."""

    name = "brobygger.breakglass"
    label = "breakglass"
    verbose_name = "Break the glass"
