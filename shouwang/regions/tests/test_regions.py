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
    pairs = [(village.code, "第2村民小组"), (village.code, "第1村民小组")]
    first = village_groups_ensure(pairs=pairs)
    again = village_groups_ensure(pairs=reversed(pairs))
    # New groups are numbered in (village, name) order, whatever order they are asked for in.
    assert first == {
        (village.code, "第1村民小组"): "530326001001001",
        (village.code, "第2村民小组"): "530326001001002",
    }
    assert again == first
    groups = list(Region.objects.filter(parent=village, level=RegionLevelChoices.GROUP))
    assert [g.code for g in groups] == ["530326001001001", "530326001001002"]
    assert groups[0].full_name.endswith("堂琅社区居民委员会第1村民小组")


def test_a_new_village_group_takes_the_lowest_free_number():
    village = Region.objects.get(code="530326001001")
    village_groups_ensure(pairs=[(village.code, "一组"), (village.code, "二组"), (village.code, "三组")])
    # Numbered in name order (一 < 三 < 二): 一组 001, 三组 002, 二组 003; 002 becomes free.
    Region.objects.filter(parent=village, name="三组").delete()
    assert village_groups_ensure(pairs=[(village.code, "四组")]) == {
        (village.code, "四组"): "530326001001002"
    }
