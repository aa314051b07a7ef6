"""App configuration."""

from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "divert.evaluation"
    label = "evaluation"
