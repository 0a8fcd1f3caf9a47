"""Settings and URLs of a bare Django app: bench/throughput.py's ceiling (issue 19).

One view that answers "ok", no middleware, no database, no templates, DEBUG off: what
Django and gunicorn cost on this machine before anything of Brobygger's. Used by the
benchmark's own server process only (DJANGO_SETTINGS_MODULE=throughput_bare).
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

DEBUG = False
SECRET_KEY = "bench-only-bare-django"  # noqa: S105  (a throw-away process on loopback)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "throughput_bare"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("", bare)]


class UnsentSMS:
    """The benchmark's SMS backend: production settings refuse the console backend at
    start-up (brobygger/scheduling/checks.py). The benchmark only reads pages; a text
    message it caused would be dropped here."""

    def send(self, to: str, text: str) -> None:
        return None
