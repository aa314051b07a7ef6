"""Offences, their legal outcomes, arrests, police data sources and the offence reference."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from divert.core.models import BulkRecorded, Recorded
from divert.offending.codes import (
    ArrestResult,
    Disposal,
    DisposalGroup,
    HomeOfficeOutcome,
    YJBOffenceCategory,
    disposal_group_expression,
)
from divert.people.models import ChildScopedQuerySet


class OffenceType(models.Model):
    """Offence reference: code -> description, YJB category and seriousness (1-8).

    Rows without an organisation are the shipped defaults; an organisation may load and
    edit its own rows, which take precedence.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(max_length=20)
    description = models.CharField(max_length=200)
    yjb_category = models.CharField(max_length=40, choices=YJBOffenceCategory.choices)
    seriousness = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="offence_type_code_per_org"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=Q(organisation__isnull=True),
                name="offence_type_default_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(seriousness__isnull=True) | Q(seriousness__gte=1) & Q(seriousness__lte=8),
                name="offence_type_seriousness_1_8",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class DataSource(models.Model):
    """A police data feed and the date its data is complete to."""

    class Kind(models.TextChoices):
        CRIME_OUTCOMES = "crime_outcomes", "Crime outcomes"
        COMMUNITY_RESOLUTIONS = "community_resolutions", "Community Resolutions issued"
        CUSTODY_RELEASES = "custody_releases", "Releases from police custody"
        BUNDLE = "bundle", "Case-level bundle"
        GENERATOR = "generator", "Synthetic data"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="data_sources"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    complete_to = models.DateField(
        null=True, blank=True, help_text="Data from this source is complete up to this date."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="data_source_name_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class SourceCompleteness(Recorded):
    """A data source's "complete to" date each time it moved forward.

    DataSource.complete_to holds the latest date; this history lets figures be
    reproduced "as known on" an earlier day (recorded_at is when the date was known).
    """

    source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="completeness")
    complete_to = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["source", "recorded_at"], name="completeness_source_idx")]

    def __str__(self) -> str:
        return f"{self.source_id} complete to {self.complete_to}"


class Offence(BulkRecorded):
    """An offence a child is alleged or proven to have committed."""

    child = models.ForeignKey(
        "people.Child", on_delete=models.CASCADE, related_name="offences", db_index=False
    )  # the (child, date) index below serves lookups by child
    committed_on = models.DateField()
    offence_type = models.ForeignKey(
        OffenceType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    offence_code = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=200, blank=True)
    yjb_category = models.CharField(
        max_length=40, choices=YJBOffenceCategory.choices, blank=True
    )
    seriousness = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="YJB seriousness score 1-8; blank means not scored."
    )
    gravity_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Police (NPCC Child Gravity Matrix) score 1-5."
    )
    police_reference = models.CharField(max_length=40, blank=True)
    source = models.ForeignKey(
        DataSource, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # the unique (source, source_reference) index below serves lookups by source
    source_reference = models.CharField(max_length=60, blank=True)

    objects = ChildScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(seriousness__isnull=True) | Q(seriousness__gte=1) & Q(seriousness__lte=8),
                name="offence_seriousness_1_8",
            ),
            models.CheckConstraint(
                condition=Q(gravity_score__isnull=True) | Q(gravity_score__gte=1) & Q(gravity_score__lte=5),
                name="offence_gravity_1_5",
            ),
            # One offence per child and crime: co-offenders share the police's crime reference.
            models.UniqueConstraint(
                fields=["source", "source_reference", "child"],
                condition=~Q(source_reference=""),
                name="offence_source_reference_unique",
            ),
        ]
        indexes = [models.Index(fields=["child", "committed_on"], name="offence_child_idx")]

    def __str__(self) -> str:
        return f"Offence {self.pk}"


class Outcome(BulkRecorded):
    """The legal outcome of an offence, dated when it was proven or given."""

    child = models.ForeignKey(
        "people.Child", on_delete=models.CASCADE, related_name="outcomes", db_index=False
    )  # the (child, date) index below serves lookups by child
    offence = models.ForeignKey(Offence, on_delete=models.CASCADE, related_name="outcomes")
    ho_outcome_type = models.PositiveSmallIntegerField(
        choices=HomeOfficeOutcome.choices, null=True, blank=True
    )
    disposal = models.CharField(max_length=30, choices=Disposal.choices)
    disposal_group = models.GeneratedField(
        expression=disposal_group_expression("disposal"),
        output_field=models.CharField(max_length=12, choices=DisposalGroup.choices),
        db_persist=True,
    )
    outcome_date = models.DateField()
    appeal_status = models.CharField(max_length=30, blank=True)
    residence_area = models.CharField(max_length=12, blank=True, help_text="Area on the outcome date.")
    custody_release_date = models.DateField(null=True, blank=True)
    source = models.ForeignKey(
        DataSource, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # the unique (source, source_reference) index below serves lookups by source
    source_reference = models.CharField(max_length=60, blank=True)

    objects = ChildScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_reference"],
                condition=~Q(source_reference=""),
                name="outcome_source_reference_unique",
            ),
            models.CheckConstraint(
                condition=Q(disposal__in=Disposal.values), name="outcome_disposal_valid"
            ),
            models.CheckConstraint(
                condition=Q(custody_release_date__isnull=True)
                | Q(disposal="custody") & Q(custody_release_date__gte=F("outcome_date")),
                name="outcome_release_only_after_custody",
            ),
        ]
        indexes = [
            models.Index(fields=["child", "outcome_date"], name="outcome_child_idx"),
            models.Index(fields=["outcome_date", "disposal"], name="outcome_date_idx"),
            # First formal outcome per child (FTE) and reoffending look up by group and date.
            models.Index(fields=["child", "disposal_group", "outcome_date"], name="outcome_child_group_idx"),
        ]

    def __str__(self) -> str:
        return f"Outcome {self.pk}"


class Arrest(BulkRecorded):
    """An arrest and release from police custody (feeds the 'following arrest' scheme)."""

    child = models.ForeignKey(
        "people.Child", on_delete=models.CASCADE, related_name="arrests", db_index=False
    )  # the (child, date) index below serves lookups by child
    arrested_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=20, choices=ArrestResult.choices, blank=True)
    source = models.ForeignKey(
        DataSource, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # the unique (source, source_reference) index below serves lookups by source
    source_reference = models.CharField(max_length=60, blank=True)

    objects = ChildScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(released_at__gte=F("arrested_at")),
                name="arrest_release_after_arrest",
            ),
            models.UniqueConstraint(
                fields=["source", "source_reference"],
                condition=~Q(source_reference=""),
                name="arrest_source_reference_unique",
            ),
        ]
        indexes = [models.Index(fields=["child", "arrested_at"], name="arrest_child_idx")]

    def __str__(self) -> str:
        return f"Arrest {self.pk}"
