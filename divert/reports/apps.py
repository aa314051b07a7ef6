"""App configuration."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "divert.reports"
    label = "reports"
