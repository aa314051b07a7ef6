"""Reference data for reporting: the 10-17 population, board meetings, comparator figures."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from divert.people.codes import EthnicGroup, Sex


class Population(models.Model):
    """Children of one age, sex and ethnic group living in an area in a year (ONS / Census)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="population"
    )
    year = models.PositiveSmallIntegerField()
    area_code = models.CharField(max_length=12)
    age = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=12, choices=Sex.choices)
    ethnic_group = models.CharField(max_length=12, choices=EthnicGroup.choices)
    count = models.PositiveIntegerField()
    source = models.CharField(
        max_length=200, help_text="e.g. ONS mid-year estimate 2023; Census 2021 ethnic split."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "area_code", "age", "sex", "ethnic_group"],
                name="population_cell_unique",
            ),
            models.CheckConstraint(condition=Q(age__gte=10) & Q(age__lte=17), name="population_age_10_17"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.area_code} age {self.age}"


class BoardMeeting(models.Model):
    """A management board meeting and which of the five sectors sent a senior partner (KPI 8)."""

    SECTORS = ("social_care", "education", "police", "probation", "health")

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="board_meetings"
    )
    date = models.DateField()
    social_care = models.BooleanField(default=False, help_text="Children's social care senior partner attended.")
    education = models.BooleanField(default=False, help_text="Education senior partner attended.")
    police = models.BooleanField(default=False, help_text="Police senior partner attended.")
    probation = models.BooleanField(default=False, help_text="Probation senior partner attended.")
    health = models.BooleanField(default=False, help_text="Health senior partner attended.")

    class Meta:
        ordering = ["organisation", "date"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "date"], name="board_meeting_once_a_day"),
        ]
        indexes = [models.Index(fields=["organisation", "date"], name="board_meeting_date_idx")]

    def __str__(self) -> str:
        return f"Board meeting {self.date}"


class ComparatorFigure(models.Model):
    """A published figure for a comparator (YOT family, region, England) for one measure and period."""

    class Comparator(models.TextChoices):
        YOT_FAMILY = "yot_family", "YOT family"
        REGION = "region", "Region"
        ENGLAND = "england", "England"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="comparator_figures"
    )
    measure_key = models.CharField(max_length=60)
    period_label = models.CharField(max_length=40, help_text="e.g. 2025-26 Q1, 2024, Jan-Mar 2023.")
    comparator = models.CharField(max_length=12, choices=Comparator.choices)
    value = models.FloatField()
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "measure_key", "period_label", "comparator"],
                name="comparator_figure_unique",
            ),
            models.CheckConstraint(
                condition=Q(comparator__in=["yot_family", "region", "england"]),
                name="comparator_figure_comparator_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_key} {self.period_label} {self.comparator}"
