"""Seed each data source's dated "complete to" history from the imports that set it."""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    """One history row per completed import that moved a source's date forward."""
    DataSource = apps.get_model("offending", "DataSource")
    SourceCompleteness = apps.get_model("offending", "SourceCompleteness")
    ImportRun = apps.get_model("imports", "ImportRun")
    rows = []
    for source in DataSource.objects.exclude(complete_to=None):
        latest = None
        for run in ImportRun.objects.filter(source=source, status="complete").order_by("finished_at", "pk"):
            if latest is None or run.complete_to > latest:
                latest = run.complete_to
                rows.append(SourceCompleteness(
                    source=source, complete_to=run.complete_to, recorded_at=run.finished_at or run.started_at,
                    recorded_by_id=run.uploaded_by_id, batch_id=run.batch_id,
                ))
        if latest is not None and source.complete_to > latest:
            # Set some other way (a bundle): known from now on.
            rows.append(SourceCompleteness(source=source, complete_to=source.complete_to, recorded_at=timezone.now()))
    SourceCompleteness.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_import_run_expired_status"),
        ("offending", "0004_source_completeness_history"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
