from django.urls import path

from . import views

app_name = "concerns"
urlpatterns = [
    path("bekymring/", views.start, name="start"),
    path("forloeb/<int:pk>/bekymring/", views.raise_concern, name="raise"),
    path("bekymringer/", views.concern_list, name="list"),
    path("bekymringer/<int:pk>/", views.concern_detail, name="detail"),
    path("bekymringer/<int:pk>/kvitter/", views.acknowledge, name="acknowledge"),
    path("bekymringer/<int:pk>/luk/", views.close, name="close"),
    path("krisenumre/", views.crisis_contacts, name="contacts"),
    path("personer/<int:pk>/kriseplan/", views.crisis_card, name="crisis_card"),
    path("personer/<int:pk>/kriseplan/print/", views.crisis_card_print, name="crisis_card_print"),
]
