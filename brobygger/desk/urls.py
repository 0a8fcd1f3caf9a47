from django.urls import path

from . import views

app_name = "desk"
urlpatterns = [
    path("hjem/", views.home, name="home"),
    path("hjem/ping/", views.ping, name="ping"),
    path("medarbejdere/", views.workforce_overview, name="workforce_overview"),
]

# The report and the jobs' pages kept their names (audit:..., jobs:...) when they moved
# here from the apps below: brobygger/urls.py includes these under those namespaces.
audit_urlpatterns = [
    path("adgangslog/", views.access_report_search, name="access_report_search"),
    path("adgangslog/person/<int:pk>/", views.access_report, name="access_report"),
]
jobs_urlpatterns = [
    path("health/", views.health, name="health"),
    path("drift/", views.jobs_overview, name="overview"),
]
