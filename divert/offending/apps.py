"""App configuration."""

from django.apps import AppConfig


class OffendingConfig(AppConfig):
    name = "divert.offending"
    label = "offending"

    def ready(self) -> None:
        """Take part in merging two records of one child."""
        from divert.offending.actions import fold_same_offences
        from divert.people.signals import merging

        merging.connect(fold_same_offences, dispatch_uid="offending.fold_same_offences")
