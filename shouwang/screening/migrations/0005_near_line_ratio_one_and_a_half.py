from decimal import Decimal

from django.db import migrations

# Frozen here: the migration must do the same thing whatever later releases set as the default.
OLD_VALUE = Decimal("1.3")
NEW_VALUE = Decimal("1.5")
NOTE = (
    "R-OBJ-05“八必访”第1、2、6、7、8类（收入低或下降、大病慢病、非义务教育、务工不稳定、灾害）：有部门数据显示的"
    "风险原因，且收入低于监测范围1.5倍时预警入户核查；1.5倍与低保边缘（R-OBJ-06）、支出型低保边缘（R-INC-05）"
    "的边缘标准一致。假设值，待省级主管部门确认后修改。（系统升级：原默认值1.3，决策0310）"
)


def forward(apps, schema_editor):
    """Decision 0310: the province's seeded near_line_ratio becomes 1.5, as a new version, unless a user has
    already set a value (any version created by a user, or a value other than the seeded 1.3)."""
    Parameter = apps.get_model("screening", "Parameter")
    rows = Parameter.objects.filter(region_code="53", key="near_line_ratio")
    for year in rows.values_list("year", flat=True).distinct():
        versions = rows.filter(year=year)
        latest = versions.order_by("-version").first()
        if versions.exclude(created_by=None).exists() or latest.value != OLD_VALUE:
            continue
        Parameter.objects.create(
            region_code="53",
            year=year,
            key="near_line_ratio",
            value=NEW_VALUE,
            version=latest.version + 1,
            assumption=True,
            note=NOTE,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0004_parameter_near_line_ratio"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
