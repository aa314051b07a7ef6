"""App configuration."""

from django.apps import AppConfig


class VictimsConfig(AppConfig):
    name = "divert.victims"
    label = "victims"
