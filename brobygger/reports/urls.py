from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("rapporter/", views.dashboard, name="dashboard"),
    path("rapporter/bevillingsgiver/", views.funder_report, name="funder_report"),
    path("rapporter/bevillingsgiver/rapport.pdf", views.funder_pdf, name="funder_pdf"),
    path("rapporter/bevillingsgiver/rapport.xlsx", views.funder_xlsx, name="funder_xlsx"),
    path("rapporter/bevillingsgiver/rapport.csv", views.funder_csv, name="funder_csv"),
]
