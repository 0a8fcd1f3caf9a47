from django.urls import path

from . import feed_views, views

app_name = "scheduling"
# The peer's week and the planning page (scheduling:my_week, scheduling:planning) are in
# brobygger/desk, above the groups they show too; brobygger/urls.py adds them here.
urlpatterns = [
    path("forloeb/<int:course_pk>/book/", views.book, name="book"),
    path("kalender/samtale/<int:pk>/", views.appointment_detail, name="appointment"),
    path("min-tid/", views.my_availability, name="my_availability"),
    path("peers/<int:pk>/tid/", views.peer_availability, name="peer_availability"),
    path("tid/undtagelse/<int:pk>/slet/", views.delete_exception, name="delete_exception"),
    path("kalender/<str:token>.ics", feed_views.calendar_feed, name="calendar_feed"),
    path("kalender/mit/", feed_views.feed_settings, name="feed_settings"),
]
