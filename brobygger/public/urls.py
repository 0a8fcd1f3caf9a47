from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("dine-data/", views.privacy, name="privacy"),
    path("tilgaengelighed/", views.accessibility, name="accessibility"),
    path("faa-en-peer/", views.self_referral, name="self_referral"),
    path("faa-en-peer/tak/", views.self_referral_received, name="self_referral_received"),
]
