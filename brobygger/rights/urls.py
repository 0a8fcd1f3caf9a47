from django.urls import path

from . import views

app_name = "rights"
urlpatterns = [
    path("rettigheder/", views.search, name="search"),
    path("rettigheder/person/<int:pk>/", views.person, name="person"),
    path("rettigheder/person/<int:pk>/kopi/", views.make_copy, name="copy"),
    path("rettigheder/person/<int:pk>/sletning/", views.erase, name="erase"),
]
