from django.apps import AppConfig


class PagecacheConfig(AppConfig):
    """Pages kept between requests while nothing they read has changed (issue 19). It sits
    above audit (a kept page's looks are logged again on every request) and below the apps
    whose views it keeps."""

    name = "brobygger.pagecache"
    label = "pagecache"
    verbose_name = "Page cache"

    def ready(self) -> None:
        from brobygger.accounts.backends import read_with_user

        from . import tracking

        tracking.install()
        # The change counts, read with the user as each request comes in (keep.py).
        read_with_user(tracking.COUNTS_AT_LOAD, tracking.AllCounts)
