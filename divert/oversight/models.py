"""Management oversight on a child's case, and case audits (quality assurance).

A manager's oversight is a dated record of what was decided and why. A case audit grades a
case against the organisation's audit template (its domains), with strengths, themes and
actions for the worker. Cases are chosen by rule or by hand for a quarter (`quarters.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from divert.core.fields import EncryptedTextField
from divert.core.models import Recorded
from divert.oversight.quarters import Quarter
from divert.people.models import ChildScopedQuerySet

DEFAULT_TEMPLATE_NAME = "Case audit"
DEFAULT_DOMAINS = (
    "Assessment quality",
    "Planning",
    "Child's voice",
    "Working with the family",
    "Management oversight",
)


class Grade(models.TextChoices):
    """An audit's judgement on one domain, in the inspectorate's words."""

    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


class AuditStatus(models.TextChoices):
    """Where a chosen case is."""

    TO_AUDIT = "to_audit", "To audit"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class ChosenBecause(models.TextChoices):
    """Why a case was chosen for audit."""

    REOFFENDED = "reoffended", "Offended during support"
    RANDOM = "random", "Chosen at random"
    BY_HAND = "by_hand", "Chosen by a manager"


class Oversight(Recorded):
    """A team or service manager's oversight on the child's case: what was decided and why."""

    child = models.ForeignKey("people.Child", on_delete=models.CASCADE, related_name="oversights")
    episode = models.ForeignKey("casework.Episode", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="oversights")
    decided_on = models.DateField()
    decision = EncryptedTextField(help_text="What was decided.")
    reasons = EncryptedTextField(help_text="Why.")

    objects = ChildScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["child", "decided_on"], name="oversight_child_idx")]

    def __str__(self) -> str:
        return f"Oversight {self.pk}"


class AuditTemplate(models.Model):
    """An organisation's case audit: named domains, each graded. A new version replaces the one
    in use (`retired_at` set); audits keep the version they were done against."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="audit_templates")
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], condition=Q(retired_at__isnull=True),
                                    name="audit_template_one_in_use_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class AuditDomain(models.Model):
    """One graded area of a case audit ("Assessment quality", "Child's voice"...)."""

    template = models.ForeignKey(AuditTemplate, on_delete=models.CASCADE, related_name="domains")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="audit_domain_position_once"),
        ]

    def __str__(self) -> str:
        return self.name


class CaseAuditQuerySet(ChildScopedQuerySet):
    """Cases chosen for audit."""

    def in_quarter(self, quarter: Quarter):
        """Cases chosen for `quarter` (not voided)."""
        return self.current().filter(quarter_start=quarter.start)

    def done(self):
        """Audits completed (not voided)."""
        return self.current().filter(status=AuditStatus.DONE)


class CaseAudit(Recorded):
    """A child's case chosen for audit in a quarter, and, once done, the audit itself."""

    child = models.ForeignKey("people.Child", on_delete=models.CASCADE, related_name="case_audits")
    episode = models.ForeignKey("casework.Episode", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="case_audits")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="The worker whose case it is.")
    quarter_start = models.DateField(help_text="First day of the quarter it was chosen for.")
    chosen_because = models.CharField(max_length=20, choices=ChosenBecause.choices)
    status = models.CharField(max_length=20, choices=AuditStatus.choices, default=AuditStatus.TO_AUDIT)
    template = models.ForeignKey(AuditTemplate, on_delete=models.PROTECT, related_name="audits")
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    completed_on = models.DateField(null=True, blank=True)
    strengths = EncryptedTextField(blank=True)

    objects = CaseAuditQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "quarter_start"], condition=Q(voided_at__isnull=True),
                                    name="case_audit_once_per_child_quarter"),
            models.CheckConstraint(condition=Q(chosen_because__in=ChosenBecause.values),
                                   name="case_audit_chosen_because_valid"),
            models.CheckConstraint(condition=Q(status__in=AuditStatus.values), name="case_audit_status_valid"),
            models.CheckConstraint(condition=~Q(status=AuditStatus.DONE) | Q(completed_on__isnull=False),
                                   name="case_audit_done_has_date"),
        ]
        indexes = [models.Index(fields=["quarter_start", "status"], name="case_audit_quarter_idx")]

    def __str__(self) -> str:
        return f"Case audit {self.pk}"

    @property
    def quarter(self) -> Quarter:
        """The quarter it was chosen for."""
        return Quarter(self.quarter_start)


class AuditGrade(models.Model):
    """The grade an audit gave one domain."""

    audit = models.ForeignKey(CaseAudit, on_delete=models.CASCADE, related_name="grades")
    domain = models.ForeignKey(AuditDomain, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=20, choices=Grade.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["audit", "domain"], name="audit_grade_once_per_domain"),
            models.CheckConstraint(condition=Q(grade__in=Grade.values), name="audit_grade_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.domain_id}: {self.grade}"


class AuditTheme(models.Model):
    """A short theme an audit found ("Child's voice missing"), counted across audits for the board."""

    audit = models.ForeignKey(CaseAudit, on_delete=models.CASCADE, related_name="themes")
    theme = models.CharField(max_length=80)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["audit", "theme"], name="audit_theme_once")]

    def __str__(self) -> str:
        return self.theme


class AuditActionQuerySet(models.QuerySet):
    """Actions for workers from case audits."""

    def open(self):
        """Not yet done, on audits not voided."""
        return self.filter(done_on__isnull=True, audit__voided_at__isnull=True)

    def visible_to(self, user):
        """Actions on audits of children the user may see."""
        return self.filter(audit__in=CaseAudit.objects.visible_to(user))


class AuditAction(models.Model):
    """Something the worker should do after an audit, by a date."""

    audit = models.ForeignKey(CaseAudit, on_delete=models.CASCADE, related_name="actions")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_actions")
    due_on = models.DateField()
    text = EncryptedTextField(help_text="What to do.")
    done_on = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")

    objects = AuditActionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["worker", "done_on"], name="audit_action_worker_idx")]

    def __str__(self) -> str:
        return f"Audit action {self.pk}"
