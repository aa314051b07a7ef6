"""App configuration."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "divert.core"
    label = "core"
