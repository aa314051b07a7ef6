"""App configuration."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "divert.accounts"
    label = "accounts"
