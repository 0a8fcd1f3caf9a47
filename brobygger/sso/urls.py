"""The sign-in through the region's provider (public: they are the way in) and the group
table (the administrator). The provider's URL names are mozilla-django-oidc's own, without
a namespace, as the library reverses them."""

from django.urls import path

from brobygger.accounts.access import public

from . import backend, views

urlpatterns = [
    path("sso/login/", public(backend.RequestView.as_view()), name="oidc_authentication_init"),
    path(
        "sso/callback/",
        public(backend.CallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    path("sso/grupper/", views.mappings, name="sso_mappings"),
    path("sso/grupper/<int:pk>/slet/", views.remove, name="sso_mapping_remove"),
]
