"""App configuration."""

from django.apps import AppConfig
from django.db.models.signals import post_save


class KpisConfig(AppConfig):
    name = "divert.kpis"
    label = "kpis"

    def ready(self) -> None:
        """Every audited change bumps its organisation's data version (stored reports go stale)."""
        # The app registry must be ready before models and the store are imported.
        from divert.audit.models import AuditEvent
        from divert.kpis.store import note_change

        post_save.connect(note_change, sender=AuditEvent, dispatch_uid="kpis.note_change")
