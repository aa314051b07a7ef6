"""App configuration."""

from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "divert.kpis"
    label = "kpis"
