from django.urls import path

from . import views

app_name = "interop"
urlpatterns = [
    path("fhir/person/<int:pk>/", views.person_bundle, name="person"),
    path("fhir/periode/", views.period_bundle, name="period"),
]
