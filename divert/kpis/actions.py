"""Named, audited writes for measure settings: an organisation's RAG thresholds."""

from __future__ import annotations

from django.db import transaction

from divert.audit.actions import record_event
from divert.core.errors import DomainError
from divert.kpis.catalogue import measure_info
from divert.kpis.models import RagThreshold


@transaction.atomic
def set_rag_threshold(*, by, organisation, measure_key: str, green: float | None, red: float | None,
                      higher_is_better: bool) -> dict:
    """Set one measure's green and red bounds (in the engine's units: proportions 0-1) and
    whether higher is better. Green at or beyond `green`, red beyond `red`, amber between."""
    if measure_info(measure_key) is None:
        raise DomainError("Choose a measure from the list.", field="measure_key")
    if green is None and red is None:
        raise DomainError("Enter a green bound, a red bound or both.", field="green")
    if green is not None and red is not None:
        if higher_is_better and red > green:
            raise DomainError("When higher is better, the red bound must not be above the green bound.", field="red")
        if not higher_is_better and red < green:
            raise DomainError("When lower is better, the red bound must not be below the green bound.", field="red")
    setting = {"green": green, "red": red, "higher_is_better": higher_is_better}
    current = RagThreshold.objects.filter(organisation=organisation, measure_key=measure_key).first()
    before = current.setting() if current else None
    RagThreshold.objects.update_or_create(organisation=organisation, measure_key=measure_key, defaults=setting)
    record_event(by=by, verb="set_rag_threshold", obj=organisation, organisation=organisation,
                 details={"measure_key": measure_key, "before": before, "after": setting})
    return setting


@transaction.atomic
def remove_rag_threshold(*, by, organisation, measure_key: str) -> None:
    """Stop showing RAG for a measure."""
    current = RagThreshold.objects.filter(organisation=organisation, measure_key=measure_key).first()
    if current is None:
        raise DomainError("There are no thresholds for that measure.")
    before = current.setting()
    current.delete()
    record_event(by=by, verb="removed_rag_threshold", obj=organisation, organisation=organisation,
                 details={"measure_key": measure_key, "before": before})
