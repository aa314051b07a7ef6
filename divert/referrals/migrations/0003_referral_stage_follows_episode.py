"""A referral's stage follows its episode: "Support ended" once the episode closed,
"Withdrew from support" once the child withdrew (before, it stayed "Support accepted")."""

from django.db import migrations, models


def follow_episodes(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    accepted = Referral.objects.filter(stage="accepted")
    accepted.filter(offer__withdrawn_on__isnull=False).update(stage="withdrawn")
    accepted.filter(episode__end_date__isnull=False).update(stage="closed")


def back_to_accepted(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Referral.objects.filter(stage__in=["closed", "withdrawn"]).update(stage="accepted")


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0002_encrypt_decline_and_withdrawal_reasons'),
        ('casework', '0001_episodes_sessions_followup'),
    ]

    operations = [
        migrations.AlterField(
            model_name='referral',
            name='stage',
            field=models.CharField(choices=[('received', 'Received'), ('ineligible', 'Not eligible'), ('screened_out', 'Screened out to another agency'), ('offered', 'Support offered'), ('accepted', 'Support accepted'), ('declined', 'Support declined or no response'), ('closed', 'Support ended'), ('withdrawn', 'Withdrew from support')], default='received', max_length=20),
        ),
        migrations.RunPython(follow_episodes, back_to_accepted),
    ]
