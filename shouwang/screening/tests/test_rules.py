"""Each rule on small literal tables (STYLE 11): fires on one side of its boundary, not on the other,
with the evidence it reports. Runs on DuckDB; test_engines checks the other engines agree."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from shouwang.screening.assemble import scale_judge, warnings_assemble, warnings_classify
from shouwang.screening.engines.duck import DuckDBEngine
from shouwang.screening.rules import FEED_TABLES, RULES, RULES_BY_CODE, catalogue_version
from shouwang.screening.tests.dataset import PERIOD, dataset_inputs
from shouwang.screening.tests.tables import fired, run_rules


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    d: Path = tmp_path_factory.mktemp("rules")
    return run_rules(DuckDBEngine(threads=1), dataset_inputs(d), PERIOD)


def hits(out, code: str) -> set[str]:  # type: ignore[no-untyped-def]
    return set(fired(out, code))


def test_catalogue_is_complete_and_versioned() -> None:
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    for r in RULES:
        assert r.policy and all(p.startswith("R-") for p in r.policy), r.code
        assert r.evidence, r.code
    assert len(catalogue_version()) == 16


# The feed tables as they were declared by hand before being derived from the exchange's FEED_SPECS
# (issue 12): the derivation must give exactly these columns, types and order.
_FEED_META = "period text, batch_id int, row_no int, id_index text, "
_FEED_TABLES_LITERAL = {
    "medical": _FEED_META
    + "settled_on date, total_cost money, fund_paid money, self_pay money, inpatient bool",
    "civil": _FEED_META + "event_on date, event text, amount money",
    "disability": _FEED_META + "certified_on date, disability_type text, grade int",
    "education": _FEED_META + "as_of date, stage text, status text",
    "housing": _FEED_META + "appraised_on date, grade text",
    "employment": _FEED_META + "month text, status text, monthly_wage money",
    "disaster": _FEED_META + "occurred_on date, hazard text, loss_amount money, house_damaged bool",
    "water": "period text, batch_id int, row_no int, village_code text, group_name text, from_on date, "
    "to_on date, issue text",
    "police": _FEED_META + "event_on date, event text",
    "credit": _FEED_META + "loan_no text, principal money, due_on date, overdue_days int, balance money",
}


def test_feed_tables_derived_from_the_feed_specs_are_the_old_declaration() -> None:
    derived = {kind: ", ".join(f"{n} {t}" for n, t in cols) for kind, cols in FEED_TABLES.items()}
    assert list(derived) == list(_FEED_TABLES_LITERAL)
    assert derived == _FEED_TABLES_LITERAL


def test_income_below_threshold_is_strict(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "INC-LOW")
    assert "INC-BELOW" in h and "INC-AT" not in h
    assert h["INC-BELOW"]["income_per_capita"] == Decimal("8699.99")
    assert h["INC-BELOW"]["threshold"] == Decimal("8700.00")
    # R-INC-04: compared with the reference income (net − compliant self-pay), not net income.
    assert h["INC-REF"]["per_capita_net"] == Decimal("10000.00")
    assert h["INC-REF"]["income_per_capita"] == Decimal("8699.99")


def test_income_drop_at_thirty_percent(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "INC-DROP")
    assert "DROP-30" in h and "DROP-29" not in h and "DROP-STALE" not in h
    assert h["DROP-30"]["drop_share"] == pytest.approx(0.3)
    assert h["DROP-30"]["income_before"] == Decimal("20000.00")
    assert h["DROP-30"]["prev_income_period"] == "2023-12"


def test_medical_self_pay_share_by_person_status(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "MED-SELFPAY")
    assert {"MED-POOR-OVER", "MED-MONITORED", "MED-ORD-OVER"} <= set(h)
    assert not {"MED-POOR-AT", "MED-ORD-AT", "MED-OLD"} & set(h)
    assert h["MED-POOR-OVER"]["self_pay_12m"] == Decimal("8700.01")
    assert h["MED-POOR-OVER"]["trigger_amount"] == Decimal("8700.00")  # 50% × 17,400 (2024 income)
    assert h["MED-ORD-OVER"]["trigger_amount"] == Decimal("17400.00")
    assert h["MED-POOR-OVER"]["last_settled_on"] == dt.date(2025, 3, 2)


def test_medical_household_absolute(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "MED-SELFPAY-ABS")
    assert "ABS-OVER" in h and "ABS-AT" not in h
    assert h["ABS-OVER"]["self_pay_12m"] == Decimal("20000.02")
    assert h["ABS-OVER"]["settlements"] == 2
    assert "ABS-OVER" not in hits(out, "MED-SELFPAY")


def test_rigid_spending_below_the_line(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "MED-RIGID")
    assert "RIGID-BELOW" in h and "RIGID-AT" not in h and "RIGID-REGISTRY" not in h
    assert h["RIGID-BELOW"]["self_pay_12m"] == Decimal("2600.02")
    assert h["RIGID-BELOW"]["income_after_rigid"] == pytest.approx(8699.99)
    assert "INC-REF" not in h  # registry self-pay only, no 医保 spending: INC-LOW's business


def test_illness_near_the_line(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "ILL-NEAR-LINE")
    assert {"NEAR-INPATIENT", "NEAR-SERIOUS"} <= set(h)
    assert not {"NEAR-INPATIENT-AT", "NEAR-OUTPATIENT", "ILL-CHRONIC-ONLY"} & set(h)
    assert (h["NEAR-INPATIENT"]["stays"], h["NEAR-INPATIENT"]["serious_members"]) == (1, 0)
    assert h["NEAR-INPATIENT"]["income_after_rigid"] == pytest.approx(13049.99)
    assert (h["NEAR-SERIOUS"]["stays"], h["NEAR-SERIOUS"]["serious_members"]) == (0, 1)
    assert h["NEAR-SERIOUS"]["income_after_rigid"] == pytest.approx(13049.99)


def test_illness_wage_loss_estimate(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "ILL-WAGE-LOSS")
    assert "WAGELOSS-BELOW" in h
    assert not {"WAGELOSS-AT", "WAGELOSS-SURVEYED", "WAGELOSS-NOT-EARNER"} & set(h)
    ev = h["WAGELOSS-BELOW"]
    assert (ev["earners_ill"], ev["first_stay"], ev["months_lost"]) == (1, dt.date(2024, 7, 15), 9)
    assert ev["wage_lost_est"] == pytest.approx(30000.0)
    assert ev["income_after_loss"] == pytest.approx(8699.99)
    # The estimate is the only thing that puts this household near the line.
    others = {
        c for c, t in out.rules.items() if "WAGELOSS-BELOW" in set(t.column("household_no").to_pylist())
    }
    assert others == {"ILL-WAGE-LOSS", "ILL-NEAR-LINE", "ILL-MEMBER"}


def test_illness_wage_loss_of_a_carer(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "ILL-WAGE-LOSS")
    assert "WAGELOSS-CARER" in h
    assert not {"WAGELOSS-CARER-AT", "WAGELOSS-NO-EARNER"} & set(h)
    ev = h["WAGELOSS-CARER"]
    assert (ev["earners_ill"], ev["months_lost"], ev["care_months"]) == (0, 0, 3)
    assert ev["wage_lost_est"] == pytest.approx(6000.0)
    assert ev["income_after_loss"] == pytest.approx(8699.99)


def test_illness_near_the_line_after_lost_wages(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "ILL-NEAR-LINE")
    assert "NEAR-WAGELOSS" in h and "NEAR-WAGELOSS-AT" not in h
    ev = h["NEAR-WAGELOSS"]
    assert ev["income_after_rigid"] == pytest.approx(15549.99)  # before the estimate: outside the band
    assert ev["wage_lost_est"] == pytest.approx(5000.0)
    assert "NEAR-WAGELOSS" not in hits(out, "ILL-WAGE-LOSS")  # 13,049.99 per member: above the line
    assert h["NEAR-INPATIENT"]["wage_lost_est"] is None


def test_overdue_loan_after_a_shock(out) -> None:  # type: ignore[no-untyped-def]
    d = fired(out, "CREDIT-DISASTER")
    assert "CREDIT-AFTER-DISASTER" in d and "CREDIT-DISASTER-OLD" not in d
    assert d["CREDIT-AFTER-DISASTER"]["shock_on"] == dt.date(2024, 10, 5)
    assert d["CREDIT-AFTER-DISASTER"]["overdue_days"] == 10
    i = fired(out, "CREDIT-ILLNESS")
    assert "CREDIT-AFTER-STAY" in i and "CREDIT-AFTER-OUTPATIENT" not in i
    assert not {"CREDIT-AFTER-STAY", "CREDIT-AFTER-DISASTER"} & hits(out, "CREDIT-OVERDUE")  # 10 < 90 days
    w = {r["household_no"]: r for r in warnings_assemble(out).iter_rows(named=True)}
    assert w["CREDIT-AFTER-DISASTER"]["risk_types"] == ["disaster"]
    assert "CREDIT-DISASTER-OLD" not in w


def test_water_quality_near_the_line(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "WATER-NEAR-LINE")
    assert set(h) & {"WATERQ-NEAR", "WATERQ-AT", "WATERD-ENDED", "WATERO-SHORT"} == {"WATERQ-NEAR"}
    assert h["WATERQ-NEAR"]["issue"] == "quality"
    assert h["WATERQ-NEAR"]["income_after_rigid"] == pytest.approx(13049.99)
    assert "WATERQ-NEAR" not in hits(out, "WATER")  # 10 days: under WATER's 30


def test_illness_as_supporting_risk_type(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "ILL-MEMBER")
    assert h["ILL-CHRONIC-LOW"]["ill_members"] == 1 and "ILL-CHRONIC-ONLY" in h
    assert h["NEAR-INPATIENT"]["inpatient_stays"] == 1
    w = {r["household_no"]: r for r in warnings_assemble(out).iter_rows(named=True)}
    assert w["ILL-CHRONIC-LOW"]["rules"] == ["INC-LOW", "ILL-MEMBER"]
    assert w["ILL-CHRONIC-LOW"]["risk_types"] == ["illness", "low_income"]
    assert "ILL-CHRONIC-ONLY" not in w  # supporting evidence alone raises no warning


def test_medical_share_of_income(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "MED-SHARE")
    assert "SHARE-OVER" in h and "SHARE-AT" not in h
    assert h["SHARE-OVER"]["share_of_income"] == pytest.approx(0.6, abs=1e-6)


def test_new_severe_disability(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "DIS-SEVERE")
    assert set(h) & {"DIS-2", "DIS-3", "DIS-KNOWN", "DIS-LASTMONTH"} == {"DIS-2"}
    assert h["DIS-2"]["grade"] == 2


def test_new_intellectual_or_mental_disability(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "DIS-MENTAL")
    assert set(h) & {"DIS-MIND-3", "DIS-MIND-KNOWN", "DIS-2", "DIS-3", "DIS-3-POOR"} == {"DIS-MIND-3"}
    assert h["DIS-MIND-3"]["grade"] == 3 and h["DIS-MIND-3"]["disability_type"] == "智力残疾"


def test_new_disability_in_a_poor_or_near_line_household(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "DIS-NEW")
    assert set(h) & {"DIS-3-POOR", "DIS-4-NEAR", "DIS-4-FAR", "DIS-3", "DIS-2", "DIS-MIND-3"} == {
        "DIS-3-POOR",
        "DIS-4-NEAR",
    }
    assert h["DIS-4-NEAR"]["income_after_rigid"] == pytest.approx(13049.99)


def test_accident_disability_adds_the_disability_type(out) -> None:  # type: ignore[no-untyped-def]
    assert set(fired(out, "DIS-ACCIDENT")) == {"POLICE-INJURED-70"}
    w = {r["household_no"]: r for r in warnings_assemble(out).iter_rows(named=True)}
    assert {"accident", "disability"} <= set(w["POLICE-INJURED-70"]["risk_types"])
    assert "disability" not in w["POLICE-60"]["risk_types"]  # injured, not disabled


def test_members_reported_gone_leave_the_household_size(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "INC-LOW")
    assert {"GONE-BACK", "GONE-OLD"} <= set(h) and "GONE-DEATH" not in h
    assert h["GONE-BACK"]["income_per_capita"] == Decimal("8699.99")
    base = {r["household_no"]: r for r in out.base.to_pylist()}
    assert base["GONE-DEATH"]["income_per_capita"] == Decimal("13049.99")


def test_compulsory_age_dropout(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "EDU-DROPOUT")
    assert {"EDU-15", "EDU-6", "EDU-16-POOR", "EDU-16-NEAR"} <= set(h)
    assert not {"EDU-16-SENIOR", "EDU-16-NEAR-AT"} & set(h)
    assert h["EDU-15"]["status"] == "dropped_out" and h["EDU-15"]["age"] == 15
    assert h["EDU-6"]["status"] == "suspended"


def test_compulsory_age_not_enrolled(out) -> None:  # type: ignore[no-untyped-def]
    h = hits(out, "EDU-NOTENROLLED")
    assert "NOTENR-6" in h
    assert not {"NOTENR-5", "NOTENR-FED", "NOTENR-16"} & h


def test_house_c_or_d(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "HOUSE-CD")
    assert "HOUSE-C" in h and "HOUSE-B" not in h
    assert h["ASSET-WAGE"]["grade"] == "D"


def test_disaster_loss_or_house(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "DISASTER")
    assert {"DISASTER-LOSS", "DISASTER-HOUSE", "DISASTER-RIGID"} <= set(h)
    assert not {"DISASTER-SMALL", "DISASTER-RIGID-AT"} & set(h)
    assert h["DISASTER-RIGID"]["income_after_rigid"] == pytest.approx(13049.99)
    assert h["DISASTER-LOSS"]["loss_amount"] == Decimal("10000.00")
    assert h["DISASTER-HOUSE"]["house_damaged"] is True


def test_damaged_house_is_a_housing_risk_at_once(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "HOUSE-DAMAGED")
    assert "DISASTER-HOUSE" in h
    assert not {"DISASTER-LOSS", "DISASTER-SMALL", "DISASTER-HOUSE-LASTMONTH"} & set(h)
    assert (h["DISASTER-HOUSE"]["hazard"], h["DISASTER-HOUSE"]["occurred_on"]) == (
        "earthquake",
        dt.date(2025, 3, 3),
    )
    w = {r["household_no"]: r for r in warnings_assemble(out).iter_rows(named=True)}
    assert w["DISASTER-HOUSE"]["risk_types"] == ["disaster", "housing"]


def test_accident_of_a_labourer(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "POLICE-ACCIDENT")
    assert {"POLICE-59", "POLICE-60", "POLICE-INJURED-70"} <= set(h)
    assert not {"POLICE-NOLABOUR", "POLICE-MOVED", "POLICE-DEATH-70"} & set(h)
    assert h["POLICE-59"]["event"] == "death" and h["POLICE-59"]["age"] == 59


def test_job_loss_in_wage_dependent_household(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "EMP-LOSS")
    assert "EMP-60" in h and "EMP-59" not in h
    assert h["EMP-60"]["wage_share"] == pytest.approx(0.6)
    assert "EMP-DROP-30" in h and "EMP-DROP-29" not in h
    assert h["EMP-DROP-30"]["wage_lost_12m"] == pytest.approx(30000.0)
    assert "EMP-NEAR" in h and "EMP-NEAR-AT" not in h
    assert h["EMP-NEAR"]["income_per_capita"] == Decimal("13049.99")
    assert h["EMP-NEAR"]["wage_share"] == pytest.approx(3000 / 26099.98)


def test_episode_ended_and_no_new_work(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "EMP-END")
    assert {"END-WAIT", "END-EARLY", "END-SPOUSE", "END-BREAK-OVER"} <= set(h)
    assert not {"END-SEASON", "END-BREAK", "END-WAGE-49", "END-AGAIN", "END-POST"} & set(h)
    wait = h["END-WAIT"]
    assert (wait["episode_start"], wait["episode_end"], wait["months_idle"]) == ("2024-02", "2025-01", 2)
    assert h["END-BREAK-OVER"]["months_idle"] == 6 and h["END-BREAK-OVER"]["early"] is False
    assert wait["zero_employment"] is True and wait["early"] is False
    assert wait["wage_share"] == pytest.approx(0.5)
    early = h["END-EARLY"]
    assert (early["months_idle"], early["months_worked"], early["early"]) == (0, 3, True)
    assert h["END-SPOUSE"]["zero_employment"] is False


def test_wage_drop(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "EMP-WAGEDROP")
    assert "WAGE-30" in h and "WAGE-29" not in h
    assert h["WAGE-30"]["wage_before"] == 5000.0
    assert h["WAGE-30"]["months"] == 3


def test_civil_affairs(out) -> None:  # type: ignore[no-untyped-def]
    assert hits(out, "CIV-MARGIN") & {"CIV-REJECTED", "CIV-ENROLLED", "CIV-CANCELLED"} == {"CIV-REJECTED"}
    assert hits(out, "CIV-NEW") & {"CIV-REJECTED", "CIV-ENROLLED", "CIV-CANCELLED"} == {"CIV-ENROLLED"}


def test_water_longer_than_a_month_by_group(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "WATER")
    assert set(h) == {"WATER-31"}
    assert h["WATER-31"]["days"] == 31 and h["WATER-31"]["issue"] == "outage"


def test_overdue_loan(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "CREDIT-OVERDUE")
    assert "CREDIT-90" in h and "CREDIT-89" not in h
    assert h["CREDIT-90"]["balance"] == Decimal("30000.00")


def test_labour_shortage(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "LAB-SHORT")
    assert "LAB-1OF4" in h and "LAB-2OF4" not in h and "LAB-ONLY" in h
    assert (h["LAB-1OF4"]["members"], h["LAB-1OF4"]["capable_members"]) == (4, 1)


def test_asset_evidence(out) -> None:  # type: ignore[no-untyped-def]
    h = fired(out, "ASSET-CHECK")
    assert h["ASSET-LOAN"]["loan_principal"] == Decimal("100000.00")
    assert h["ASSET-WAGE"]["monthly_wage"] == Decimal("6000.00")
    assert "CREDIT-90" not in h


def test_assembly_category_score_and_supporting_rules(out) -> None:  # type: ignore[no-untyped-def]
    w = {r["household_no"]: r for r in warnings_assemble(out).iter_rows(named=True)}
    assert w["INC-BELOW"]["suggested_category"] == "unstable"  # 脱贫户 below the line
    assert w["INC-REF"]["suggested_category"] == "marginal"  # ordinary household below the line
    assert w["MED-ORD-OVER"]["suggested_category"] == "sudden"  # no income record, rigid spending
    assert w["HOUSE-C"]["suggested_category"] == ""  # housing alone is no category
    assert "LAB-ONLY" not in w  # supporting rules never raise a warning on their own
    assert w["LAB-1OF4"]["rules"] == ["INC-LOW", "LAB-SHORT"]
    assert w["LAB-1OF4"]["score"] == pytest.approx(1 - 0.5 * 0.8)
    assert w["LAB-1OF4"]["risk_types"] == ["labour_shortage", "low_income"]
    # Asset evidence halves the score and marks the warning.
    assert w["ASSET-LOAN"]["needs_asset_check"] is True
    assert w["ASSET-LOAN"]["score"] == pytest.approx(RULES_BY_CODE["CREDIT-OVERDUE"].weight * 0.5)
    signals = json.loads(w["MED-POOR-OVER"]["signals"])
    assert signals == [
        {
            "rule": "MED-SELFPAY",
            "policy": ["R-WARN-01", "R-INC-05"],
            "risk_type": "illness",
            "evidence": {
                "self_pay_12m": 8700.01,
                "trigger_amount": 8700.0,
                "persons": 1,
                "last_settled_on": "2025-03-02",
            },
        }
    ]


def test_status_new_persisting_monitored(out) -> None:  # type: ignore[no-untyped-def]
    frame = warnings_assemble(out)
    prev = pl.DataFrame(
        {"household_no": ["HOUSE-C", "MED-MONITORED"], "risk_types": [["housing"], ["low_income"]]}
    )
    w = {r["household_no"]: r for r in warnings_classify(frame, prev).iter_rows(named=True)}
    assert w["HOUSE-C"]["status"] == "persisting"
    assert w["HOUSE-B" if "HOUSE-B" in w else "DIS-2"]["status"] == "new"
    assert w["MED-MONITORED"]["status"] == "already_monitored"
    assert w["MED-MONITORED"]["new_risk_types"] == ["illness"]


def test_scale_judgement() -> None:
    quiet = [1, 0, 2, 1, 0, 1]
    assert scale_judge(
        count=12, households=40, history=quiet, min_count=5, min_share=0.1, k=3, min_history=3
    ).fires
    # Ordinary noise: within mean + 3 sd.
    assert not scale_judge(
        count=3, households=40, history=quiet, min_count=5, min_share=0.1, k=3, min_history=3
    ).fires
    # A village that always has many such households is judged against its own history.
    busy = [10, 12, 11, 9, 12, 10]
    assert not scale_judge(
        count=12, households=40, history=busy, min_count=5, min_share=0.1, k=3, min_history=3
    ).fires
    # A static count (sd 0) is not alarmed by one more household: the spread is at least √mean.
    assert not scale_judge(
        count=6, households=40, history=[5] * 6, min_count=5, min_share=0.1, k=3, min_history=3
    ).fires
    # Too little history: no judgement.
    assert not scale_judge(
        count=30, households=40, history=[0], min_count=5, min_share=0.1, k=3, min_history=3
    ).fires
    # Share too small in a big township.
    assert not scale_judge(
        count=12, households=4000, history=quiet, min_count=5, min_share=0.03, k=3, min_history=3
    ).fires
