"""Abstract bases shared by every app: provenance (who recorded what, when) and voiding."""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from divert.core.fields import EncryptedTextField


@cache
def choice_words(field) -> dict:
    """A field's choices as {code: words} (fields and their choices are fixed once the app is loaded)."""
    return {code: str(words) for code, words in field.flatchoices}


def in_parts(ids, size: int = 5000):
    """Ids in sorted lists of at most `size`, so no `__in` query passes more parameters
    than a database allows (older SQLite builds allow 32,766, or 999)."""
    ids = sorted(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


class RecordedQuerySet(models.QuerySet):
    """Querysets for records that carry provenance and can be voided."""

    def current(self):
        """Records not voided."""
        return self.filter(voided_at__isnull=True)

    def known_on(self, moment: dt.datetime):
        """Records as they were known at `moment`: recorded by then and not yet voided."""
        return self.filter(recorded_at__lte=moment).filter(
            Q(voided_at__isnull=True) | Q(voided_at__gt=moment)
        )


def _user_link(*, db_index: bool = True) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=db_index,
    )


def _batch_link(*, db_index: bool = True) -> models.ForeignKey:
    return models.ForeignKey(
        "audit.Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=db_index,
        help_text="The import or bulk operation that wrote this record, if any.",
    )


class Recorded(models.Model):
    """When a record was made, by whom or by which import, and whether it was voided.

    Mistakes are voided with a reason, never deleted, so figures can be reproduced
    "as known on" a past date.
    """

    recorded_at = models.DateTimeField(default=timezone.now, db_index=False)
    recorded_by = _user_link()
    batch = _batch_link()
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = _user_link()
    void_reason = models.TextField(blank=True)

    objects = RecordedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_void(self) -> bool:
        """True when this record was voided as a mistake."""
        return self.voided_at is not None

    def _get_FIELD_display(self, field):  # noqa: N802 - the name Django's get_<field>_display calls
        """The words for a coded field's value, as Django gives them, from a dictionary built once per
        field: Django rebuilds it on every call, which dominated long pages such as the child record."""
        value = getattr(self, field.attname)
        try:
            return choice_words(field).get(value, value)
        except TypeError:  # an unhashable value (a list in a JSON field): Django's own way
            return super()._get_FIELD_display(field)  # type: ignore[misc]  # Django private, absent from the stubs


class BulkRecorded(Recorded):
    """Provenance for records written in bulk by imports (offences, outcomes, arrests).

    The same as Recorded, but the provenance links are not indexed: nothing looks these
    records up by who wrote or voided them, or by batch, and each index costs every one
    of the hundred thousand rows a police file can bring. The foreign keys still hold.
    """

    recorded_by = _user_link(db_index=False)
    batch = _batch_link(db_index=False)
    voided_by = _user_link(db_index=False)

    class Meta:
        abstract = True


class DatedQuerySet(RecordedQuerySet):
    """Records with a start date and an optional end date."""

    def current_on(self, day: dt.date):
        """All records current on `day` (started on or before it, not ended before it)."""
        return self.current().filter(start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )

    def overlapping(self, start: dt.date, end: dt.date):
        """Records current at any point between `start` and `end` inclusive."""
        return self.current().filter(start_date__lte=end).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=start)
        )


class Dated(Recorded):
    """A dated status record: start date, end date or open, and where it came from."""

    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    source = models.CharField(
        max_length=40, blank=True, help_text="Where this came from: assessment, closure, import..."
    )

    objects = DatedQuerySet.as_manager()  # type: ignore[misc]  # django-stubs: a subclass's manager is an instance variable

    class Meta:
        abstract = True


class Submission(models.Model):
    """A form or API request already acted on, keyed by user and a one-time key, so the
    same submission sent twice (a double click, the Back button, a retried API call) gives
    the first answer instead of a second record (`divert/core/submissions.py`).

    The unique constraint is what makes it safe: two concurrent requests with the same key
    cannot both insert, so only one of them writes. The API's stored answer is encrypted
    (it can carry a child's details); rows are pruned after `KEEP_FOR`.
    """

    class Kind(models.TextChoices):
        FORM = "form", "Form page"
        API = "api", "API request"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64, blank=True, help_text="Hash of the API request body.")
    url = models.CharField(max_length=500, blank=True, help_text="Where the recorded item is shown.")
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    body = EncryptedTextField(blank=True, help_text="The API's first answer (JSON).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="submission_once_per_user_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="submission_created_idx")]

    def __str__(self) -> str:
        return f"Submission {self.pk}"
