from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("health/", views.health, name="health"),
    path("drift/", views.overview, name="overview"),
]
