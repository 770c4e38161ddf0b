from django.db import models


class RegionLevelChoices(models.TextChoices):
    PROVINCE = "province", "省"
    PREFECTURE = "prefecture", "州（市）"
    COUNTY = "county", "县（市、区）"
    TOWNSHIP = "township", "乡（镇、街道）"
    VILLAGE = "village", "行政村（社区）"
    GROUP = "group", "村民小组（网格）"


# Length of the significant code prefix at each level. NBS codes are hierarchical by prefix, so
# "is inside region R" is "code starts with R.code"; village groups extend the village code.
CODE_LENGTH = {
    RegionLevelChoices.PROVINCE: 2,
    RegionLevelChoices.PREFECTURE: 4,
    RegionLevelChoices.COUNTY: 6,
    RegionLevelChoices.TOWNSHIP: 9,
    RegionLevelChoices.VILLAGE: 12,
    RegionLevelChoices.GROUP: 15,
}
LEVEL_BY_LENGTH = {n: level for level, n in CODE_LENGTH.items()}
