from django.urls import path

from . import views

app_name = "conversations"
urlpatterns = [
    path("kalender/samtale/<int:pk>/notat/", views.record, name="record"),
    path("forloeb/<int:pk>/udskrivningsguide/", views.guide, name="guide"),
    path("forloeb/<int:pk>/udskrift/", views.printout, name="printout"),
    path("forloeb/<int:pk>/opfoelgning/", views.bridge, name="bridge"),
    path("udskrivningsguide/emner/", views.topic_list, name="topic_list"),
    path("udskrivningsguide/emner/ny/", views.topic_edit, name="topic_create"),
    path("udskrivningsguide/emner/<int:pk>/", views.topic_edit, name="topic_edit"),
]

# The course page keeps its name in the referrals namespace (referrals:course_detail):
# brobygger/urls.py adds this list to it.
referrals_urlpatterns = [
    path("forloeb/<int:pk>/", views.course_detail, name="course_detail"),
]
