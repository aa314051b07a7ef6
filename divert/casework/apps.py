"""App configuration."""

from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "divert.casework"
    label = "casework"
