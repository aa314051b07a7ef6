"""App configuration."""

from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "divert.synth"
    label = "synth"
