from django.urls import path

from . import views

app_name = "groups"
urlpatterns = [
    path("grupper/", views.group_list, name="group_list"),
    path("grupper/ny/", views.group_create, name="group_create"),
    path("grupper/<int:pk>/", views.group_detail, name="group_detail"),
    path("grupper/<int:pk>/rediger/", views.group_edit, name="group_edit"),
    path("grupper/<int:pk>/luk/", views.group_close, name="group_close"),
    path("grupper/<int:pk>/plan/", views.session_plan, name="session_plan"),
    path("grupper/<int:pk>/sessioner/ny/", views.session_create, name="session_create"),
    path("grupper/<int:pk>/tilmeld/", views.enrol, name="enrol"),
    path("grupper/<int:pk>/deltagere/<int:person_pk>/afmeld/", views.leave, name="leave"),
    path("grupper/sessioner/<int:pk>/", views.session_detail, name="session_detail"),
]
