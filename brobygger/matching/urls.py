from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("henvisninger/<int:pk>/foreslaa/", views.propose, name="propose"),
    path("matching/fordeling/", views.batch, name="batch"),
    path("matching/indstillinger/", views.settings_view, name="settings"),
    path("forslag/<int:pk>/", views.answer, name="answer"),
]
