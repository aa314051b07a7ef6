"""The board pack's narratives, its frozen publication, generated files and schedules.

A pack is one organisation's (or one programme's) report for one financial quarter. The
service manager writes a narrative per section (draft → approved); publishing the pack
freezes it: the "as known on" moment and the narratives' text are recorded, so the same
pack can be regenerated later, byte for byte, whatever has been recorded since.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from divert.accounts.models import Role

NARRATIVE_MAX_LENGTH = 2000


class Format(models.TextChoices):
    """The files a pack is generated as."""

    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Spreadsheet (XLSX)"
    HTML = "html", "Web page (HTML)"


class PackQuerySet(models.QuerySet):
    """Rows that belong to one pack: organisation, quarter and (for a programme's pack) programme."""

    def of_pack(self, *, organisation, period: str, programme=None):
        """This pack's rows (the organisation's own pack when `programme` is None)."""
        found = self.filter(organisation=organisation, period=period)
        return found.filter(programme=programme) if programme is not None else found.filter(programme__isnull=True)


class PackFileQuerySet(PackQuerySet):
    """Generated files, scoped to who may download them."""

    def visible_to(self, user):
        """Service managers and performance officers: every file of their organisation's packs;
        board members: their organisation's published pack; commissioners: the published packs
        of the programmes they fund. Nobody else: none."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.organisation_id and user.has_any_role((Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER)):
            return self.filter(organisation_id=user.organisation_id)
        published = self.filter(publication__isnull=False)
        shown = self.none()
        if user.organisation_id and user.has_any_role((Role.BOARD_MEMBER,)):
            shown = shown | published.filter(organisation_id=user.organisation_id, programme__isnull=True)
        if user.commissioner_id and user.has_any_role((Role.COMMISSIONER,)):
            shown = shown | published.filter(programme__funded_by=user.commissioner_id)
        return shown


class Narrative(models.Model):
    """What one section of a pack shows and what the service is doing about it, in the
    service manager's words (plain text)."""

    class Status(models.TextChoices):
        """Where a narrative has got to: only published text reaches boards and commissioners."""

        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey("accounts.Programme", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    period = models.CharField(max_length=20, help_text="The quarter, as typed: 2025-26Q1.")
    section = models.CharField(max_length=40)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = PackQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "period", "section"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "period", "section"], condition=Q(programme__isnull=True),
                                    name="reports_one_narrative_per_section"),
            models.UniqueConstraint(fields=["organisation", "programme", "period", "section"],
                                    condition=Q(programme__isnull=False),
                                    name="reports_one_programme_narrative_per_section"),
            models.CheckConstraint(condition=Q(status__in=["draft", "approved", "published"]),
                                   name="reports_narrative_status"),
            models.CheckConstraint(condition=Q(status="draft") | Q(approved_by__isnull=False),
                                   name="reports_narrative_approved_by_someone"),
        ]

    def __str__(self) -> str:
        return f"Narrative {self.pk} ({self.section}, {self.period})"


class Publication(models.Model):
    """A published pack, frozen: the moment its figures are as known on, its "as at" date and
    the narratives' text as published, and the SHA-256 of each file it was published as."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey("accounts.Programme", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    period = models.CharField(max_length=20)
    as_at = models.DateField(help_text="The quarter's publication day: the figures count what happened by then.")
    known_on = models.DateTimeField(help_text="The moment of publishing: the pack is recomputed as known then.")
    narratives = models.JSONField(default=dict, blank=True, help_text="Section key → the published text.")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    xlsx_sha256 = models.CharField(max_length=64, blank=True)
    html_sha256 = models.CharField(max_length=64, blank=True)

    objects = PackQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "organisation"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "period"], condition=Q(programme__isnull=True),
                                    name="reports_one_publication_per_pack"),
            models.UniqueConstraint(fields=["organisation", "programme", "period"],
                                    condition=Q(programme__isnull=False),
                                    name="reports_one_publication_per_programme_pack"),
        ]

    def __str__(self) -> str:
        return f"Publication {self.pk} ({self.period})"

    def sha256_of(self, fmt: str) -> str:
        """The stored SHA-256 of the published file in this format ('' until generated)."""
        return getattr(self, f"{fmt}_sha256")


class PackFile(models.Model):
    """One pack generated as a file by the task worker, with its progress while it runs."""

    class Status(models.TextChoices):
        """Where generating the file has got to."""

        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey("accounts.Programme", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    period = models.CharField(max_length=20)
    format = models.CharField(max_length=4, choices=Format.choices)
    suppressed = models.BooleanField(help_text="As boards and commissioners see it (small numbers suppressed).")
    as_at = models.DateField(null=True, blank=True, help_text="The figures' 'as at' day, once computed.")
    known_on = models.DateTimeField(null=True, blank=True, help_text="As recorded by then (empty: when made).")
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="files")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=100, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", help_text="Empty when the schedule asked for it.")
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    content = models.BinaryField(blank=True, default=b"")
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)

    objects = PackFileQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "period"], name="reports_packfile_pack")]

    def __str__(self) -> str:
        return f"Pack file {self.pk} ({self.period}, {self.format})"

    @property
    def in_progress(self) -> bool:
        """Still waiting or being made."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def file_name(self) -> str:
        """The name the download is saved under (slugs and the quarter only)."""
        programme = f"-{self.programme.slug}" if self.programme_id else ""
        kind = "published" if self.publication_id else ("suppressed" if self.suppressed else "working")
        return f"board-pack-{self.organisation.slug}{programme}-{self.period}-{kind}.{self.format}"


class PackSchedule(models.Model):
    """An organisation's standing request: make its pack's files each quarter, as soon as the
    quarter's figures are published (`divert pack --scheduled`, run daily)."""

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    formats = models.JSONField(default=list, help_text="The formats to make: pdf, xlsx.")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Pack schedule {self.pk}"
