from django.urls import path

from . import person_views, views

app_name = "referrals"
# The referral's page and the course page are in matching and conversations, above the
# apps they show, and the lifecycle's steps in lifecycle: brobygger/urls.py adds them to
# this namespace.
urlpatterns = [
    path("henvisninger/", views.referral_queue, name="queue"),
    path("henvisninger/ny/", views.referral_create, name="referral_create"),
    path("henvisninger/<int:pk>/status/", views.referral_transition, name="referral_transition"),
    path("forloeb/<int:pk>/plan/", views.relative_plan, name="relative_plan"),
    path("personer/<int:person_pk>/samtykke/ny/", views.consent_create, name="consent_create"),
]

# The person pages keep their names in the people namespace (people:person_list, ...):
# brobygger/urls.py adds this list to it.
people_urlpatterns = [
    path("personer/", person_views.person_list, name="person_list"),
    path("personer/<int:pk>/", person_views.person_detail, name="person_detail"),
    path("personer/<int:pk>/cpr/", person_views.person_reveal_cpr, name="person_reveal_cpr"),
]
