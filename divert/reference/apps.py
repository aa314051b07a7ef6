"""App configuration."""

from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "divert.reference"
    label = "reference"
