"""App configuration."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "divert.api"
    label = "api"
