from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("beskeder/", views.inbox, name="inbox"),
    path("beskeder/<int:pk>/laest/", views.read_one, name="read"),
    path("beskeder/alle-laest/", views.read_all, name="read_all"),
]
