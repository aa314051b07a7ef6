"""Assessments and plans are edited by adding versions (the old row kept, marked superseded).

Episodes that already hold several assessments (or plans) get them chained as versions, in
date order, so each episode has one version in force before the constraint is added."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def chain_existing_versions(apps, schema_editor):
    """Turn an episode's several current assessments (plans) into versions of one."""
    for model_name, day in (("Assessment", "assessed_on"), ("Plan", "agreed_on")):
        model = apps.get_model("casework", model_name)
        rows = model.objects.filter(voided_at__isnull=True).order_by("episode_id", day, "pk")
        previous = None
        for row in rows.iterator():
            if previous is not None and previous.episode_id == row.episode_id:
                model.objects.filter(pk=previous.pk).update(superseded_at=row.recorded_at)
                model.objects.filter(pk=row.pk).update(version=previous.version + 1, supersedes_id=previous.pk)
                row.version = previous.version + 1
            previous = row


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_audit_seals'),
        ('casework', '0003_checkpoint_unique_only_when_current'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='assessment',
            name='superseded_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='assessment',
            name='supersedes',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='casework.assessment'),
        ),
        migrations.AddField(
            model_name='assessment',
            name='version',
            field=models.PositiveSmallIntegerField(db_default=1, default=1),
        ),
        migrations.AddField(
            model_name='plan',
            name='superseded_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='plan',
            name='supersedes',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='casework.plan'),
        ),
        migrations.AddField(
            model_name='plan',
            name='version',
            field=models.PositiveSmallIntegerField(db_default=1, default=1),
        ),
        migrations.RunPython(chain_existing_versions, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='assessment',
            constraint=models.UniqueConstraint(condition=models.Q(('superseded_at__isnull', True), ('voided_at__isnull', True)), fields=('episode',), name='assessment_one_in_force_per_episode'),
        ),
        migrations.AddConstraint(
            model_name='plan',
            constraint=models.UniqueConstraint(condition=models.Q(('superseded_at__isnull', True), ('voided_at__isnull', True)), fields=('episode',), name='plan_one_in_force_per_episode'),
        ),
    ]
