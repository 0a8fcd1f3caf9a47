from django.urls import path

from . import views

app_name = "recruitment"
urlpatterns = [
    path("job/", views.job_list, name="job_list"),
    path("job/<int:pk>/", views.job_detail, name="job_detail"),
    path("job/<int:pk>/ansoeg/", views.job_apply, name="job_apply"),
    path("job/ansoeg/tak/", views.job_apply_received, name="job_apply_received"),
    path("rekruttering/opslag/", views.posting_list, name="posting_list"),
    path("rekruttering/opslag/ny/", views.posting_create, name="posting_create"),
    path("rekruttering/opslag/<int:pk>/", views.posting_detail, name="posting_detail"),
    path("rekruttering/opslag/<int:pk>/rediger/", views.posting_edit, name="posting_edit"),
    path("rekruttering/opslag/<int:pk>/status/", views.posting_action, name="posting_action"),
    path(
        "rekruttering/opslag/<int:pk>/ansoegninger/",
        views.application_list,
        name="application_list",
    ),
    path(
        "rekruttering/ansoegninger/<int:pk>/",
        views.application_detail,
        name="application_detail",
    ),
    path(
        "rekruttering/ansoegninger/<int:pk>/status/",
        views.application_transition,
        name="application_transition",
    ),
    path("rekruttering/ansoegninger/<int:pk>/cv/", views.application_cv, name="application_cv"),
]
