"""App configuration."""

from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "divert.oversight"
    label = "oversight"
