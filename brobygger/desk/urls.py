from django.urls import path

from . import views

app_name = "desk"
urlpatterns = [
    path("hjem/", views.home, name="home"),
    path("hjem/ping/", views.ping, name="ping"),
]

# Pages that moved here from the apps below kept their URLs and their names (audit:...,
# jobs:..., workforce:overview): brobygger/urls.py includes these lists under those
# namespaces (the workforce one together with the workforce app's own patterns).
audit_urlpatterns = [
    path("adgangslog/", views.access_report_search, name="access_report_search"),
    path("adgangslog/person/<int:pk>/", views.access_report, name="access_report"),
]
jobs_urlpatterns = [
    path("health/", views.health, name="health"),
    path("drift/", views.jobs_overview, name="overview"),
]
workforce_urlpatterns = [
    path("medarbejdere/", views.workforce_overview, name="overview"),
]
scheduling_urlpatterns = [
    path("min-uge/", views.my_week, name="my_week"),
    path("planlaegning/", views.planning, name="planning"),
]
