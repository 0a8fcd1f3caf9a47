from django.urls import path

from . import hr_import_views, views

app_name = "people"
# Pages of this namespace that gather apps above people live in those apps, and
# brobygger/urls.py adds them here: the person list and page (referrals), the peer page
# (workforce), the handover (matching).
urlpatterns = [
    path("personer/ny/", views.person_create, name="person_create"),
    path("personer/adgang/", views.person_access_request, name="person_access_request"),
    path("personer/adgangsanmodninger/", views.access_requests, name="access_requests"),
    path(
        "personer/adgangsanmodninger/<int:pk>/besvaret/",
        views.access_request_answer,
        name="access_request_answer",
    ),
    path("personer/<int:pk>/ret/", views.person_edit, name="person_edit"),
    path("administration/hr-import/", hr_import_views.hr_import_page, name="hr_import"),
    path("peers/", views.peer_list, name="peer_list"),
    path("peers/ny/", views.peer_create, name="peer_create"),
    path("peers/<int:pk>/ret/", views.peer_edit, name="peer_edit"),
    path("peers/mig/pause/", views.my_pauses, name="my_pauses"),
    path("peers/<int:pk>/pause/", views.peer_pauses, name="peer_pauses"),
    path(
        "peers/<int:pk>/pause/<int:pause_pk>/annuller/",
        views.pause_cancel,
        name="pause_cancel",
    ),
    path("peers/<int:pk>/fratraedelse/", views.peer_leave, name="peer_leave"),
    path("peers/<int:pk>/fratraedelse/annuller/", views.departure_cancel, name="departure_cancel"),
]
