# The RAG thresholds moved to kpis.RagThreshold (kpis 0001 copies them first).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_programme_comparison_lawful_basis"),
        ("kpis", "0001_rag_thresholds"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="organisation",
            name="rag_thresholds",
        ),
    ]
