"""The site's URLs (the outcomes pages are included at its root)."""

from brobygger.urls import urlpatterns

__all__ = ["urlpatterns"]
