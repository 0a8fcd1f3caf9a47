from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("log-ind/", views.login_view, name="login"),
    path("log-ud/", views.logout_view, name="logout"),
    path("log-ind/kode/", views.verify, name="verify"),
    path("konto/to-faktor/", views.two_factor, name="two_factor"),
    path("konto/to-faktor/gendannelseskoder/", views.recovery_codes, name="recovery_codes"),
    path("sprog/", views.set_language, name="set_language"),
    path("konto/rolleaendringer/", views.role_changes, name="role_changes"),
    path("konto/spaerrede/", views.locked_logins, name="locked_logins"),
    path("konto/spaerrede/<int:pk>/laas-op/", views.unlock_login, name="unlock_login"),
]
