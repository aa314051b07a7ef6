"""App configuration."""

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "divert.privacy"
    label = "privacy"
    verbose_name = "Data protection: retention, subject access and research extracts"
