"""Victims of offences linked to a child's episode."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from divert.core.fields import EncryptedTextField
from divert.core.models import Recorded, RecordedQuerySet
from divert.people.models import Child


class VictimQuerySet(RecordedQuerySet):
    """Victims reached through the children a user may see."""

    def visible_to(self, user):
        """Victims of offences by children the user may see."""
        return self.filter(offence__child__in=Child.objects.visible_to(user))


class Victim(Recorded):
    """A victim's contact with the service: consent, views, restorative justice, safety."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        BUSINESS = "business", "Business or organisation"

    offence = models.ForeignKey("offending.Offence", on_delete=models.CASCADE, related_name="victims")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSON)
    consented_to_contact = models.BooleanField(null=True, blank=True)
    views_captured = models.BooleanField(default=False)
    rj_offered = models.BooleanField(default=False)
    rj_engaged = models.BooleanField(default=False)
    support_requested = models.BooleanField(default=False)
    support_given = models.BooleanField(default=False)
    safe_at_start = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1-10")
    safe_at_end = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1-10")
    views = EncryptedTextField(blank=True)

    objects = VictimQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rj_engaged=False) | Q(rj_offered=True),
                name="victim_rj_engaged_only_if_offered",
            ),
            models.CheckConstraint(
                condition=Q(rj_offered=False) | Q(consented_to_contact=True),
                name="victim_rj_offered_only_with_consent",
            ),
            models.CheckConstraint(
                condition=Q(safe_at_start__isnull=True) | Q(safe_at_start__gte=1) & Q(safe_at_start__lte=10),
                name="victim_safe_at_start_1_10",
            ),
            models.CheckConstraint(
                condition=Q(safe_at_end__isnull=True) | Q(safe_at_end__gte=1) & Q(safe_at_end__lte=10),
                name="victim_safe_at_end_1_10",
            ),
        ]

    def __str__(self) -> str:
        return f"Victim {self.pk}"
