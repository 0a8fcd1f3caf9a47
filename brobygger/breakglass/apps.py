from django.apps import AppConfig


class BreakglassConfig(AppConfig):
    """Break the glass (Nødadgang): reading a person outside one's purpose, with a stated
    reason, logged and reviewed; and the weekly report of unusual access. It sits above
    people, referrals and audit (accounts/policy.py reaches its model by name)."""

    name = "brobygger.breakglass"
    label = "breakglass"
    verbose_name = "Break the glass"

    def ready(self) -> None:
        from django.db.models import Min
        from django.utils import timezone

        from brobygger.pagecache.keep import expiring

        from .models import GlassAccess

        # A grant ends at its time, not by a write: a page that read the grants is kept
        # (brobygger/pagecache) until the first current grant ends at most.
        expiring(
            GlassAccess._meta.db_table,
            lambda: GlassAccess.objects.filter(expires_at__gt=timezone.now()).aggregate(
                end=Min("expires_at")
            )["end"],
        )
