"""Reference data for reporting: the 10-17 population."""

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
