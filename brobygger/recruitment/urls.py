from django.urls import path

from . import views

app_name = "recruitment"
urlpatterns = [
    path("job/", views.job_list, name="job_list"),
    path("job/<int:pk>/", views.job_detail, name="job_detail"),
    path("job/<int:pk>/ansoeg/", views.job_apply, name="job_apply"),
    path("job/ansoeg/tak/", views.job_apply_received, name="job_apply_received"),
    # The applicant's private link: no login, the token is the only key.
    path("job/min-ansoegning/<str:token>/", views.withdraw, name="withdraw"),
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
    path(
        "rekruttering/ansoegninger/<int:pk>/samtale/",
        views.interview_book,
        name="interview_book",
    ),
    path("rekruttering/samtaler/", views.my_interviews, name="my_interviews"),
    path(
        "rekruttering/samtaler/<int:pk>/status/",
        views.interview_action,
        name="interview_action",
    ),
    path("rekruttering/samtaler/<int:pk>/noter/", views.interview_note, name="interview_note"),
]
