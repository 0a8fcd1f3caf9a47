from django.apps import AppConfig


class PagecacheConfig(AppConfig):
    """Pages kept between requests while nothing they read has changed (issue 19). It sits
    above audit (a kept page's looks are logged again on every request) and below the apps
    whose views it keeps."""

    name = "brobygger.pagecache"
    label = "pagecache"
    verbose_name = "Page cache"

    def ready(self) -> None:
        from . import tracking

        tracking.install()
