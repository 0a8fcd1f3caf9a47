from django.urls import path

from . import supervision_views, views

app_name = "workforce"
# The overview (workforce:overview, /medarbejdere/) is in brobygger/desk, above the apps
# it reads; brobygger/urls.py adds it to this namespace.
urlpatterns = [
    path("medarbejdere/uddannelse/", views.education_overview, name="education_overview"),
    path("medarbejdere/<int:pk>/uddannelse/", views.peer_education, name="peer_education"),
    path("medarbejdere/<int:pk>/uddannelse/ny/", views.education_create, name="education_create"),
    path("medarbejdere/uddannelse/<int:pk>/ret/", views.education_edit, name="education_edit"),
    path("medarbejdere/uddannelse/<int:pk>/slet/", views.education_delete, name="education_delete"),
    path("medarbejdere/<int:pk>/supervision/", views.peer_supervision, name="peer_supervision"),
    path("min-supervision/", views.my_supervision, name="my_supervision"),
    path("supervision/", supervision_views.group_list, name="group_list"),
    path("supervision/ny/", supervision_views.group_create, name="group_create"),
    path("supervision/<int:pk>/", supervision_views.group_detail, name="group_detail"),
    path("supervision/<int:pk>/ret/", supervision_views.group_edit, name="group_edit"),
    path("supervision/<int:pk>/luk/", supervision_views.group_close, name="group_close"),
    path(
        "supervision/<int:pk>/sessioner/ny/",
        supervision_views.session_create,
        name="session_create",
    ),
    path(
        "supervision/sessioner/<int:pk>/",
        supervision_views.session_detail,
        name="session_detail",
    ),
    path(
        "supervision/sessioner/<int:pk>/ret/", supervision_views.session_edit, name="session_edit"
    ),
    path(
        "supervision/sessioner/<int:pk>/slet/",
        supervision_views.session_delete,
        name="session_delete",
    ),
]

# The peer's page keeps its name in the people namespace (people:peer_detail):
# brobygger/urls.py adds this list to it.
people_urlpatterns = [
    path("peers/<int:pk>/", views.peer_detail, name="peer_detail"),
]
