from django.urls import path

from . import views

# The lifecycle's pages keep their names in the referrals namespace (referrals:course_change,
# ...): brobygger/urls.py adds this list to it.
referrals_urlpatterns = [
    path("henvisninger/<int:pk>/tildel/", views.referral_assign, name="referral_assign"),
    path("henvisninger/<int:pk>/flet/", views.referral_merge, name="referral_merge"),
    path("forloeb/<int:pk>/ret/", views.course_change, name="course_change"),
    path("samtykke/<int:pk>/tilbagetraek/", views.consent_withdraw, name="consent_withdraw"),
    path(
        "personer/<int:person_pk>/doedsfald/",
        views.person_stop,
        {"kind": "died"},
        name="person_died",
    ),
    path(
        "personer/<int:person_pk>/flyttet/",
        views.person_stop,
        {"kind": "moved"},
        name="person_moved",
    ),
    path(
        "personer/<int:person_pk>/flyttet/ophaev/",
        views.person_lift,
        {"kind": "moved"},
        name="person_moved_lift",
    ),
    path(
        "personer/<int:person_pk>/begraensning/",
        views.person_stop,
        {"kind": "restricted"},
        name="person_restrict",
    ),
    path(
        "personer/<int:person_pk>/begraensning/ophaev/",
        views.person_lift,
        {"kind": "restricted"},
        name="person_restrict_lift",
    ),
]
