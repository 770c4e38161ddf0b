"""The rule catalogue checks itself: every rule reads exactly the tables and parameters it declares.

The first test is the check; the others show that it can fail, on deliberately wrong declarations and on
queries written to probe CTE names, view columns and unused projections."""

import dataclasses

import pytest

from shouwang.screening import lineage
from shouwang.screening.choices import ParameterKeyChoices as K
from shouwang.screening.choices import RuleKindChoices
from shouwang.screening.lineage import (
    Views,
    catalogue_declaration_errors,
    rule_declaration_errors,
    rule_reads,
    views_read,
)
from shouwang.screening.rules import RULES_BY_CODE, Rule

# What household_facts is built from (公安 deaths and moves out take members out of the household size).
FACTS = frozenset({"households", "persons", "incomes", "feed_police"})


@pytest.fixture(scope="module")
def views() -> Views:
    return views_read()


def probe(sql: str, **kw: object) -> Rule:
    fields: dict[str, object] = {
        "code": "PROBE",
        "title": "",
        "policy": ("R-WARN-01",),
        "risk_type": "other",
        "kind": RuleKindChoices.SIGNAL,
        "weight": 0.1,
        "params": (),
        "reads": (),
        "evidence": (),
        "sql": sql,
    }
    fields.update(kw)
    return Rule(**fields)  # type: ignore[arg-type]


def test_every_rule_reads_what_it_declares() -> None:
    assert catalogue_declaration_errors() == []


def test_wrong_declarations_are_reported(views: Views) -> None:
    rule = RULES_BY_CODE["WATER-NEAR-LINE"]
    wrong = dataclasses.replace(
        rule,
        reads=(*(t for t in rule.reads if t != "feed_medical"), "feed_credit"),
        params=(K.NEAR_LINE_RATIO, K.WATER_DAYS),
    )
    assert rule_declaration_errors(wrong, views) == [
        "WATER-NEAR-LINE: reads table feed_medical, not declared in reads",
        "WATER-NEAR-LINE: declares table feed_credit in reads, does not read it",
        "WATER-NEAR-LINE: uses parameter threshold, not declared in params",
        "WATER-NEAR-LINE: declares parameter water_days in params, does not use it",
    ]
    assert catalogue_declaration_errors((wrong,)) == rule_declaration_errors(wrong, views)


def test_an_unknown_table_or_column_is_reported(views: Views) -> None:
    (error,) = rule_declaration_errors(probe("SELECT household_no FROM household_fact"), views)
    assert error.startswith("PROBE: SQL does not match the catalogue's tables")
    (error,) = rule_declaration_errors(
        probe("SELECT hf.household_no, hf.nothing FROM household_facts hf"), views
    )
    assert error.startswith("PROBE: SQL does not match the catalogue's tables")


def test_views_count_as_their_input_tables_and_cte_names_never(views: Views) -> None:
    # A CTE named like a derived view hides it.
    found = rule_reads(
        probe("WITH credit AS (SELECT household_no FROM household_facts) SELECT household_no FROM credit"),
        views,
    )
    assert found.tables == FACTS
    assert rule_reads(probe("SELECT household_no FROM water_open"), views).tables == {
        "feed_water",
        "households",
    }
    assert rule_reads(probe("SELECT id_index FROM feed_credit"), views).tables == {"feed_credit"}


def test_parameters_through_views_and_ctes(views: Views) -> None:
    def params(sql: str) -> set[str]:
        return set(rule_reads(probe(sql), views).params)

    # The join key is not a parameter; a column a CTE selects and nothing uses does not count.
    assert (
        params(
            "WITH x AS (SELECT hf.household_no, pr.water_days AS d FROM household_facts hf "
            "JOIN params pr ON pr.village_code = hf.village_code) SELECT household_no FROM x"
        )
        == set()
    )
    # Used in a filter, through the CTE.
    assert params(
        "WITH x AS (SELECT hf.household_no, pr.water_days AS d FROM household_facts hf "
        "JOIN params pr ON pr.village_code = hf.village_code) SELECT household_no FROM x WHERE d > 3"
    ) == {"water_days"}
    # Through a view's column computed from a parameter (rigid.threshold ← household_facts.threshold), or not.
    assert params("SELECT r.household_no FROM rigid r") == set()
    assert params("SELECT r.household_no, r.threshold FROM rigid r") == {"threshold"}
    # Inside a subquery, and in both branches of a set operation.
    assert params(
        "SELECT hf.household_no FROM household_facts hf WHERE EXISTS "
        "(SELECT 1 FROM params pr WHERE pr.village_code = hf.village_code AND pr.overdue_days > 0)"
    ) == {"overdue_days"}
    assert params(
        "SELECT household_no, v FROM (SELECT hf.household_no, hf.members AS v FROM household_facts hf "
        "UNION ALL SELECT c.household_no, pr.scale_k AS v FROM credit c "
        "JOIN params pr ON pr.village_code = c.village_code) AS u"
    ) == {"scale_k"}


def test_the_assembly_parameter_of_exclusion_rules(views: Views) -> None:
    asset = RULES_BY_CODE["ASSET-CHECK"]
    assert K.ASSET_DISCOUNT in asset.params
    assert "asset_discount" not in rule_reads(asset, views).params  # the assembly applies it
    assert rule_declaration_errors(asset, views) == []
    signal = dataclasses.replace(asset, kind=RuleKindChoices.SIGNAL)
    assert rule_declaration_errors(signal, views) == [
        "ASSET-CHECK: declares parameter asset_discount in params, does not use it"
    ]


def test_an_assembly_parameter_the_base_query_does_not_carry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lineage, "ASSEMBLY_PARAMS", {RuleKindChoices.EXCLUSION: (K.WATER_DAYS,)})
    assert catalogue_declaration_errors(()) == [
        "base query: does not carry parameter water_days, which the assembly applies to exclusion rules"
    ]
