from django.apps import AppConfig


class SsoConfig(AppConfig):
    """Staff single sign-on through the region's identity provider (OpenID Connect).

    mozilla-django-oidc does the protocol (authorisation code with PKCE, the ID token's
    signature against the provider's keys); this app decides who gets in: the provider's
    group claims map to a role and units through a table the administrator keeps.
    Administrators keep local accounts with two-factor (break the glass when the provider
    is down); SSO never signs in as a local account.
    """

    name = "brobygger.sso"
    label = "sso"
    verbose_name = "Single sign-on"
