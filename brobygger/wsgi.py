import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brobygger.settings")
application = get_wsgi_application()

from brobygger.lib.startup import refuse_a_broken_start, settle  # noqa: E402 (needs Django)

refuse_a_broken_start()
settle()
