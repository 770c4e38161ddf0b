from django.db import models

from shouwang.regions.choices import RegionLevelChoices


class RoleChoices(models.TextChoices):
    PROVINCE = "province", "省级"
    PREFECTURE = "prefecture", "州（市）级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇级"
    VILLAGE = "village", "村干部"
    GRID = "grid", "网格员"
    DEPARTMENT = "department", "行业部门"
    AUDITOR = "auditor", "审计监督"


class DepartmentChoices(models.TextChoices):
    MEDICAL = "medical", "医保"
    CIVIL = "civil", "民政"
    DISABILITY = "disability", "残联"
    EDUCATION = "education", "教育"
    HOUSING = "housing", "住建"
    EMPLOYMENT = "employment", "人社"
    DISASTER = "disaster", "应急管理"
    WATER = "water", "水利"
    POLICE = "police", "公安"
    CREDIT = "credit", "金融"


# The region level a role works at; a user's region must be of this level.
ROLE_REGION_LEVELS: dict[str, tuple[str, ...]] = {
    RoleChoices.PROVINCE: (RegionLevelChoices.PROVINCE,),
    RoleChoices.PREFECTURE: (RegionLevelChoices.PREFECTURE,),
    RoleChoices.COUNTY: (RegionLevelChoices.COUNTY,),
    RoleChoices.TOWNSHIP: (RegionLevelChoices.TOWNSHIP,),
    RoleChoices.VILLAGE: (RegionLevelChoices.VILLAGE,),
    RoleChoices.GRID: (RegionLevelChoices.GROUP, RegionLevelChoices.VILLAGE),
    RoleChoices.DEPARTMENT: (
        RegionLevelChoices.PROVINCE,
        RegionLevelChoices.PREFECTURE,
        RegionLevelChoices.COUNTY,
    ),
    RoleChoices.AUDITOR: (
        RegionLevelChoices.PROVINCE,
        RegionLevelChoices.PREFECTURE,
        RegionLevelChoices.COUNTY,
    ),
}

# Roles that may open household records (masked) inside their region.
HOUSEHOLD_READERS = frozenset(
    {
        RoleChoices.PROVINCE,
        RoleChoices.PREFECTURE,
        RoleChoices.COUNTY,
        RoleChoices.TOWNSHIP,
        RoleChoices.VILLAGE,
        RoleChoices.GRID,
        RoleChoices.AUDITOR,
    }
)
# Roles that may reveal a full ID number or phone (each reveal is audited). Officials who verify
# households in person need the full number; aggregate levels and auditors do not.
PERSONAL_DATA_REVEALERS = frozenset({RoleChoices.COUNTY, RoleChoices.TOWNSHIP, RoleChoices.VILLAGE})
