from django.urls import path

from . import views

app_name = "breakglass"
urlpatterns = [
    path("noedadgang/", views.glass_open, name="open"),
    path("noedadgang/gennemgang/", views.review_queue, name="queue"),
    path("noedadgang/gennemgang/<int:pk>/", views.review, name="review"),
    path("noedadgang/usaedvanlig-adgang/", views.unusual_access, name="unusual"),
]
