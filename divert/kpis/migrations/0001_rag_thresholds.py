# RAG thresholds move from the JSON field Organisation.rag_thresholds to their own rows,
# beside the action and the page that set them (accounts 0003 then drops the field).

import django.db.models.deletion
from django.db import migrations, models


def copy_thresholds(apps, schema_editor):
    """One row per organisation and measure key of the old JSON (bounds kept as stored, 0-1)."""
    Organisation = apps.get_model("accounts", "Organisation")
    RagThreshold = apps.get_model("kpis", "RagThreshold")
    rows = []
    for organisation_id, thresholds in Organisation.objects.values_list("pk", "rag_thresholds"):
        for key, t in (thresholds or {}).items():
            if not isinstance(t, dict) or (t.get("green") is None and t.get("red") is None):
                continue
            rows.append(RagThreshold(organisation_id=organisation_id, measure_key=key[:80],
                                     green=t.get("green"), red=t.get("red"),
                                     higher_is_better=t.get("higher_is_better", True)))
    RagThreshold.objects.bulk_create(rows)


def copy_back(apps, schema_editor):
    """Undo: the rows back into the JSON field."""
    Organisation = apps.get_model("accounts", "Organisation")
    RagThreshold = apps.get_model("kpis", "RagThreshold")
    by_org: dict = {}
    for t in RagThreshold.objects.all():
        by_org.setdefault(t.organisation_id, {})[t.measure_key] = {
            "green": t.green, "red": t.red, "higher_is_better": t.higher_is_better}
    for organisation_id, thresholds in by_org.items():
        Organisation.objects.filter(pk=organisation_id).update(rag_thresholds=thresholds)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0002_programme_comparison_lawful_basis"),
    ]

    operations = [
        migrations.CreateModel(
            name="RagThreshold",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("measure_key", models.CharField(max_length=80)),
                ("green", models.FloatField(blank=True, null=True)),
                ("red", models.FloatField(blank=True, null=True)),
                ("higher_is_better", models.BooleanField(default=True)),
                ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="rag_settings", to="accounts.organisation")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("organisation", "measure_key"), name="rag_threshold_per_measure"),
                    models.CheckConstraint(condition=models.Q(("green__isnull", False), ("red__isnull", False),
                                                              _connector="OR"),
                                           name="rag_threshold_has_a_bound"),
                ],
            },
        ),
        migrations.RunPython(copy_thresholds, copy_back),
    ]
