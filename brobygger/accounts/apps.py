from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "brobygger.accounts"
    label = "accounts"
    verbose_name = "Accounts"
