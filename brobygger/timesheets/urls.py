from django.urls import path

from . import views

app_name = "timesheets"
MONTH = "<int:year>/<int:month>/"
PEER_MONTH = f"timesedler/{MONTH}peer/<int:pk>/"
urlpatterns = [
    path("mine-timer/", views.my_month, name="my_month"),
    path(f"mine-timer/{MONTH}", views.my_month, name="my_month_of"),
    path(f"mine-timer/{MONTH}indirekte/", views.entry_create, name="entry_create"),
    path(f"mine-timer/{MONTH}bekraeft/", views.confirm, name="confirm"),
    path(f"mine-timer/{MONTH}fortryd/", views.withdraw, name="withdraw"),
    path("mine-timer/indirekte/<int:pk>/", views.entry_edit, name="entry_edit"),
    path("mine-timer/indirekte/<int:pk>/slet/", views.entry_delete, name="entry_delete"),
    path("timesedler/", views.overview, name="overview"),
    path(f"timesedler/{MONTH}", views.overview, name="overview_of"),
    path(f"timesedler/{MONTH}loen.csv", views.payroll_csv, name="payroll"),
    path(PEER_MONTH, views.peer_month, name="peer_month"),
    path(f"{PEER_MONTH}godkend/", views.approve, name="approve"),
    path(f"{PEER_MONTH}send-tilbage/", views.send_back, name="send_back"),
    path(f"{PEER_MONTH}genaabn/", views.reopen, name="reopen"),
]
