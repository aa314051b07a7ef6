"""Codes in words: the one way a stored code becomes what a person reads."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.db import models


def labels_of(choices: type[models.TextChoices], codes: Iterable[str] | None) -> list[str]:
    """The labels of a list of codes (a JSON list field), in order; an unknown code is shown as it is."""
    known = words_of(choices)
    return [known.get(code, str(code)) for code in codes or []]


@cache
def words_of(choices: type[models.TextChoices]) -> dict[str, str]:
    """{code: label} for a set of choices, built once (TextChoices.choices builds a new list each time)."""
    return {code: str(label) for code, label in choices.choices}
