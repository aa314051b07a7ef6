"""App configuration."""

from django.apps import AppConfig


class OffendingConfig(AppConfig):
    name = "divert.offending"
    label = "offending"
