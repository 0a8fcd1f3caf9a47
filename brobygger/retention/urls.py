from django.urls import path

from . import views

app_name = "retention"
urlpatterns = [
    path("sletning/", views.overview, name="overview"),
    path("sletning/periode/", views.set_period, name="set_period"),
    path("sletning/tilbageholdelse/", views.place_hold, name="place_hold"),
    path("sletning/tilbageholdelse/<int:pk>/ophaev/", views.lift_hold, name="lift_hold"),
]
