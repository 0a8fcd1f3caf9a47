from django.urls import path

from . import views

app_name = "desk"
urlpatterns = [
    path("hjem/", views.home, name="home"),
    path("hjem/ping/", views.ping, name="ping"),
]
