"""App configuration."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "divert.web"
    label = "web"
