"""Policy rule IDs leave the running text for a tooltip."""

from shouwang.console.policytext import PolicyText, policy_split


def test_rule_ids_move_out_of_the_text():
    assert policy_split("整户无劳动能力的农户继续监测（R-ELIM-03）") == PolicyText(
        "整户无劳动能力的农户继续监测", "R-ELIM-03"
    )
    assert policy_split("吃穿问题尚未解决（两不愁三保障及饮水安全，R-ELIM-01）") == PolicyText(
        "吃穿问题尚未解决（两不愁三保障及饮水安全）", "R-ELIM-01"
    )
    both = policy_split("须在识别满12个月后提出（R-ELIM-02；自然消除不受此限）；每户一笔（R-AID-06）")
    assert both == PolicyText("须在识别满12个月后提出（自然消除不受此限）；每户一笔", "R-ELIM-02、R-AID-06")
    assert policy_split("无收入记录") == PolicyText("无收入记录")
    assert policy_split("整户（R-AID-02，[DQ] 5_19_007）").text == "整户（[DQ] 5_19_007）"


def test_rule_series_a_colon_and_a_leading_id():
    assert policy_split("按近12个月计（R-INC-01/02）；没有的项目填0。") == PolicyText(
        "按近12个月计；没有的项目填0。", "R-INC-01/02"
    )
    assert policy_split("识别时效（R-ID-03：15天内完成）") == PolicyText("识别时效（15天内完成）", "R-ID-03")
    assert policy_split("R-THR-02：全国底线为6000元") == PolicyText("全国底线为6000元", "R-THR-02")
    assert policy_split("R-INC-05 / R-WARN-01（河北阳原2022）：自付超过50%") == PolicyText(
        "（河北阳原2022）：自付超过50%", "R-INC-05、R-WARN-01"
    )
    assert policy_split("R-OBJ-05“八必访”第1类").text == "“八必访”第1类"
