"""Visits belong to a household; the case becomes optional (routine visits, docs/cases.md)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def household_from_case(apps, schema_editor):
    """Every existing visit is a follow-up visit: its household is its case's (one UPDATE)."""
    Visit = apps.get_model("cases", "Visit")
    Case = apps.get_model("cases", "Case")
    Visit.objects.filter(household__isnull=True).update(
        household_id=models.Subquery(
            Case.objects.filter(pk=models.OuterRef("case_id")).values("household_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("registry", "0003_lean_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="caseparameter",
            name="visit_days_routine",
            field=models.PositiveSmallIntegerField(default=182, verbose_name="常态化走访间隔（天）"),
        ),
        migrations.AddField(
            model_name="visit",
            name="household",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="visits",
                to="registry.household",
            ),
        ),
        migrations.AlterField(
            model_name="visit",
            name="case",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="visits",
                to="cases.case",
            ),
        ),
        migrations.RunPython(household_from_case, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="visit",
            name="household",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="visits", to="registry.household"
            ),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["household", "visited_on"], name="cases_visit_hh_day"),
        ),
    ]
