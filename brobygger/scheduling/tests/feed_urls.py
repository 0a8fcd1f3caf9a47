"""The project's URLs plus the scheduling app's, for tests until the project includes them.

Once brobygger/urls.py includes the scheduling app, this module is just the project's
URLconf, so the tests run against the real wiring.
"""

from django.urls import NoReverseMatch, URLPattern, URLResolver, include, path, reverse

from brobygger import urls as project_urls
from brobygger.scheduling import feed_views


def _project_has_feed_urls() -> bool:
    try:
        reverse("scheduling:calendar_feed", urlconf="brobygger.urls", args=["token"])
        reverse("scheduling:feed_settings", urlconf="brobygger.urls")
    except NoReverseMatch:
        return False
    return True


urlpatterns: list[URLPattern | URLResolver] = list(project_urls.urlpatterns)
if not _project_has_feed_urls():
    try:
        # The app's own urls (the navigation needs its other routes too).
        from brobygger.scheduling import urls as scheduling_urls

        urlpatterns.append(path("", include(scheduling_urls)))
    except ImportError:
        feed_patterns = [
            path("kalender/<str:token>.ics", feed_views.calendar_feed, name="calendar_feed"),
            path("kalender/mit/", feed_views.feed_settings, name="feed_settings"),
        ]
        urlpatterns.append(path("", include((feed_patterns, "scheduling"))))
