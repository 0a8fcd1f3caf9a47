from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("henvisninger/<int:pk>/foreslaa/", views.propose, name="propose"),
    path("matching/fordeling/", views.batch, name="batch"),
    path("matching/indstillinger/", views.settings_view, name="settings"),
    path("forslag/<int:pk>/", views.answer, name="answer"),
]

# The handover of a leaving peer's courses keeps its name in the people namespace
# (people:peer_handover): brobygger/urls.py adds this list to it.
people_urlpatterns = [
    path("peers/<int:pk>/overdragelse/", views.peer_handover, name="peer_handover"),
]

# The referral's page keeps its name in the referrals namespace (referrals:referral_detail):
# brobygger/urls.py adds this list to it.
referrals_urlpatterns = [
    path("henvisninger/<int:pk>/", views.referral_detail, name="referral_detail"),
]
