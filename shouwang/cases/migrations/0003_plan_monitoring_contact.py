"""The monitoring contact (监测联系人) of a household plan (R-AID-03, R-ELIM-06)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_visit_household"),
    ]

    operations = [
        migrations.AddField(
            model_name="assistanceplan",
            name="contact_name",
            field=models.CharField(blank=True, max_length=64, verbose_name="监测联系人"),
        ),
        migrations.AddField(
            model_name="assistanceplan",
            name="contact_phone_index",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="assistanceplan",
            name="contact_phone_masked",
            field=models.CharField(blank=True, max_length=16, verbose_name="监测联系人电话"),
        ),
        migrations.AddField(
            model_name="assistanceplan",
            name="contact_phone_sealed",
            field=models.TextField(blank=True),
        ),
    ]
