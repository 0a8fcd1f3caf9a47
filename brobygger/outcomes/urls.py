from django.urls import path

from . import views

app_name = "outcomes"
urlpatterns = [
    # The person's link: no login, the token is the only key (never in a query string).
    path("svar/<str:token>/", views.answer, name="answer"),
    path("skemaer/", views.due_list, name="due"),
    path("forloeb/<int:pk>/skemaer/", views.course_questionnaires, name="course"),
    path("forloeb/<int:pk>/skemaer/udvikling/", views.trend, name="trend"),
    path("skemaer/<int:pk>/udfyld/", views.answer_with_peer, name="answer_with_peer"),
    path("skemaer/<int:pk>/link/", views.create_link, name="create_link"),
]
