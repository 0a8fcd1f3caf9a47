from django.urls import path, re_path

from . import views

app_name = "research"
urlpatterns = [
    path("forskning/eksport/", views.export_list, name="export_list"),
    path("forskning/eksport/<int:pk>/", views.export_detail, name="export_detail"),
    re_path(
        r"^forskning/eksport/hent/(?P<token>[A-Za-z0-9_-]{1,100})\.(?P<fmt>csv|xlsx)$",
        views.export_download,
        name="export_download",
    ),
]
