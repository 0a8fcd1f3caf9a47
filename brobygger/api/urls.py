"""The API's URLs, marked for the project's guard test: the schema is public, every other
endpoint is guarded by the integration's token (not a session, so no login redirect)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern

from brobygger.accounts.access import public

from .views import api

patterns, _app_name, namespace = api.urls
app_name = namespace  # "api": ninja reverses its own views in this namespace
for pattern in patterns:
    assert isinstance(pattern, URLPattern)
    if pattern.name == "openapi-json":
        public(pattern.callback)
    else:
        login_not_required(pattern.callback)
        pattern.callback.brobygger_token = True  # type: ignore[attr-defined]

urlpatterns = patterns
