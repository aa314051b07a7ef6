from django.db import migrations

SELF_RATINGS = [
    {"code": "confidence", "label": "Confidence"},
    {"code": "self_esteem", "label": "How I feel about myself"},
    {"code": "relationships", "label": "Positive relationships"},
    {"code": "managing_anger", "label": "Managing anger"},
]


def create(apps, schema_editor):
    Instrument = apps.get_model("casework", "Instrument")
    Instrument.objects.get_or_create(
        organisation=None,
        code="self-ratings",
        defaults={
            "name": "Self-ratings (1-10)",
            "items": SELF_RATINGS,
            "min_score": 1,
            "max_score": 10,
            "higher_is_better": True,
            "licence_note": "Divert's own simple self-ratings; free to use.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("casework", "Instrument").objects.filter(organisation=None, code="self-ratings").delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_episodes_sessions_followup")]
    operations = [migrations.RunPython(create, remove)]
