from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("dine-data/", views.privacy, name="privacy"),
    path("tilgaengelighed/", views.accessibility, name="accessibility"),
]
