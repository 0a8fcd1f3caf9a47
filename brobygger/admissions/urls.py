from django.urls import path

from . import views

app_name = "admissions"
urlpatterns = [
    path("forloeb/<int:pk>/indlaeggelser/", views.course_admissions, name="course"),
    path("indlaeggelser/<int:pk>/ret/", views.admission_edit, name="edit"),
    path("indlaeggelser/<int:pk>/slet/", views.admission_delete, name="delete"),
    path("indlaeggelser/import/", views.import_file, name="import"),
    path("indlaeggelser/import/gem/", views.import_confirm, name="import_confirm"),
    path("indlaeggelser/import/annuller/", views.import_cancel, name="import_cancel"),
]
