"""App configuration."""

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "divert.imports"
    label = "imports"
