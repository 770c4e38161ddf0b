"""Seed the screening parameters for Yunnan (province 53) with their sources (shouwang.screening.params)."""

from django.db import migrations


def seed(apps, schema_editor):
    from shouwang.screening.params import parameters_seed

    parameters_seed(model=apps.get_model("screening", "Parameter"))


def unseed(apps, schema_editor):
    from shouwang.screening.params import PROVINCE

    apps.get_model("screening", "Parameter").objects.filter(
        region_code=PROVINCE, version=1, created_by__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial"), ("regions", "0002_load_yunnan")]

    operations = [migrations.RunPython(seed, unseed)]
