from django.urls import path

from . import invitation_views, setup_link_views, views

app_name = "onboarding"
urlpatterns = [
    path("rekruttering/ansoegninger/<int:pk>/ansaet/", views.hire, name="hire"),
    path("onboarding/", views.overview, name="overview"),
    path("onboarding/peer/<int:pk>/", views.peer, name="peer"),
    path("onboarding/peer/<int:pk>/ny-invitation/", views.reissue, name="reissue"),
    path("onboarding/mine/", views.mine, name="mine"),
    path("onboarding/punkt/<int:pk>/afkryds/", views.tick, name="tick"),
    path("onboarding/punkt/<int:pk>/rediger/", views.item_edit, name="item_edit"),
    path("administration/to-faktor/", setup_link_views.setup_links, name="setup_links"),
    path(
        "administration/to-faktor/<int:pk>/nyt-link/",
        setup_link_views.issue_setup_link,
        name="issue_setup_link",
    ),
    # The fixed step before the token pattern: "to-faktor" is never a token.
    path(
        "invitation/to-faktor/",
        invitation_views.invitation_two_factor,
        name="invitation_two_factor",
    ),
    path("invitation/<str:token>/", invitation_views.invitation, name="invitation"),
]
