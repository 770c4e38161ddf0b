import pytest

from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.regions.selectors import region_ancestors, region_level_of
from shouwang.regions.services import regions_load, village_groups_ensure

pytestmark = pytest.mark.django_db


def test_migrate_loads_the_yunnan_tree():
    counts = {
        level: Region.objects.filter(level=level).count()
        for level in ("province", "prefecture", "county", "township", "village")
    }
    # 16 prefectures and 129 counties (POLICY R-ID-07: "16 prefectures, 129 counties").
    assert counts["province"] == 1
    assert counts["prefecture"] == 16
    assert counts["county"] == 129
    assert counts["township"] > 1400
    assert counts["village"] > 14000


def test_codes_are_hierarchical_and_full_names_chain():
    village = Region.objects.get(code="530326001001")
    assert village.parent_id == "530326001"
    assert village.parent is not None
    assert village.parent.parent_id == "530326"
    assert village.full_name.startswith("云南省曲靖市会泽县")
    assert Region.objects.get(code="530326").name == "会泽县"
    assert region_level_of("530326001001") == RegionLevelChoices.VILLAGE
    assert region_ancestors("530326001001") == ["53", "5303", "530326", "530326001", "530326001001"]


def test_loading_again_adds_nothing():
    before = Region.objects.count()
    assert regions_load() == 0
    assert Region.objects.count() == before


def test_village_groups_are_created_once_under_the_village():
    village = Region.objects.get(code="530326001001")
    first = village_groups_ensure(village=village, names=["第1村民小组", "第2村民小组"])
    again = village_groups_ensure(village=village, names=["第1村民小组", "第2村民小组"])
    assert [g.code for g in first] == ["530326001001001", "530326001001002"]
    assert [g.pk for g in again] == [g.pk for g in first]
    assert all(g.level == RegionLevelChoices.GROUP and g.parent_id == village.code for g in first)
    assert first[0].full_name.endswith("堂琅社区居民委员会第1村民小组")
