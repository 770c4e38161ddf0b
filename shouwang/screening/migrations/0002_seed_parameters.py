"""Seed the screening parameters for Yunnan (province 53) with their sources (shouwang.screening.params)."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    from shouwang.screening.params import DEFAULTS, PROVINCE

    Parameter = apps.get_model("screening", "Parameter")
    existing = set(Parameter.objects.filter(region_code=PROVINCE).values_list("key", "year"))
    Parameter.objects.bulk_create(
        [
            Parameter(
                region_code=PROVINCE,
                year=year,
                key=str(key),
                value=Decimal(value),
                version=1,
                assumption=assumption,
                note=note,
            )
            for key, year, value, assumption, note in DEFAULTS
            if (str(key), year) not in existing
        ]
    )


def unseed(apps, schema_editor):
    from shouwang.screening.params import PROVINCE

    apps.get_model("screening", "Parameter").objects.filter(
        region_code=PROVINCE, version=1, created_by__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial"), ("regions", "0002_load_yunnan")]

    operations = [migrations.RunPython(seed, unseed)]
