import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brobygger.settings")
application = get_wsgi_application()


def _refuse_a_broken_start() -> None:
    """gunicorn runs no system checks: run the ones that must stop the app (the SMS backend)."""
    from django.core import checks

    from brobygger.scheduling.checks import STARTUP

    errors = [m for m in checks.run_checks(tags=[STARTUP]) if m.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(str(error) for error in errors))


_refuse_a_broken_start()
