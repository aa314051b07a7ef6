"""Measure settings an organisation keeps: its RAG thresholds (comparator figures are
reference data, in `reference`)."""

from __future__ import annotations

from django.db import models


class RagThresholdQuerySet(models.QuerySet):
    def by_organisation(self, organisation_ids) -> dict[int, dict[str, dict]]:
        """{organisation id: {measure key: {"green", "red", "higher_is_better"}}} for the engine."""
        ids = list(organisation_ids)
        out: dict[int, dict[str, dict]] = {pk: {} for pk in ids}
        for t in self.filter(organisation_id__in=ids):
            out.setdefault(t.organisation_id, {})[t.measure_key] = t.setting()
        return out


class RagThreshold(models.Model):
    """One measure's green and red bounds for an organisation, in the engine's units
    (proportions 0-1), and whether higher is better. Set by `kpis.actions.set_rag_threshold`."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="rag_settings"
    )
    measure_key = models.CharField(max_length=80)
    green = models.FloatField(null=True, blank=True)
    red = models.FloatField(null=True, blank=True)
    higher_is_better = models.BooleanField(default=True)

    objects = RagThresholdQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "measure_key"], name="rag_threshold_per_measure"),
            models.CheckConstraint(
                condition=models.Q(green__isnull=False) | models.Q(red__isnull=False),
                name="rag_threshold_has_a_bound",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_key} ({self.organisation_id})"

    def setting(self) -> dict:
        """The thresholds as the engine reads them."""
        return {"green": self.green, "red": self.red, "higher_is_better": self.higher_is_better}


class DataVersion(models.Model):
    """How many times an organisation's records have changed: bumped after each committed
    change (see `divert.kpis.store`), so a stored report knows whether it is still current."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.version}"


class StoredReport(models.Model):
    """A report computed ahead of need (or on first request) and served from here until the
    data it depends on changes. `key` names the request (organisations, programmes, period,
    as at, as known on, suppressed, cohort); `data_versions` the organisations' data versions
    read before computing; `report` the report's JSON, compressed."""

    key = models.CharField(max_length=64, unique=True)
    organisation_ids = models.JSONField(default=list)
    programme_ids = models.JSONField(default=list)
    period = models.CharField(max_length=200)
    as_at = models.DateField()
    known_on = models.DateTimeField(null=True, blank=True)
    suppressed = models.BooleanField(default=False)
    cohort = models.CharField(max_length=200, blank=True)
    label = models.TextField(blank=True)  # whose figures, as the page heads them (every organisation named)
    report = models.BinaryField()
    data_versions = models.JSONField(default=dict)
    computed_at = models.DateTimeField()
    seconds = models.FloatField(default=0)
    refresh_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["computed_at"], name="stored_report_computed_idx")]

    def __str__(self) -> str:
        return f"{self.period} as at {self.as_at} ({self.key[:8]})"
