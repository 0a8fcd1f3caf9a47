from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("personer/", views.person_list, name="person_list"),
    path("personer/ny/", views.person_create, name="person_create"),
    path("personer/<int:pk>/", views.person_detail, name="person_detail"),
    path("personer/<int:pk>/ret/", views.person_edit, name="person_edit"),
    path("personer/<int:pk>/cpr/", views.person_reveal_cpr, name="person_reveal_cpr"),
    path("peers/", views.peer_list, name="peer_list"),
    path("peers/ny/", views.peer_create, name="peer_create"),
    path("peers/<int:pk>/", views.peer_detail, name="peer_detail"),
    path("peers/<int:pk>/ret/", views.peer_edit, name="peer_edit"),
]
