from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("adgangslog/", views.access_report_search, name="access_report_search"),
    path("adgangslog/person/<int:pk>/", views.access_report, name="access_report"),
]
