"""The transport subsidy (R-EMP-09) from hand-built episodes: continuous months out of province, once a
year per person, the enrolment month for new monitoring objects; the notice and payment files."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from shouwang.audit.models import AuditEntry
from shouwang.common.errors import InputRefused
from shouwang.employment.models import TransportSubsidy, TransportSubsidyParameter, WorkEpisode
from shouwang.employment.selectors import household_has_subsidised_migrant
from shouwang.employment.services.transport import (
    EpisodeFact,
    TransportParams,
    transport_candidates,
    transport_files_write,
    transport_payment_import,
    transport_subsidy_compute,
    transport_verdict,
)
from shouwang.testing.builders import COUNTY, VILLAGE_A, make_household

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 5)
_seq = iter(range(300, 400))


def _person(no: str, **household: Any):
    hh = make_household(
        no,
        VILLAGE_A,
        members=[
            {"seq": next(_seq), "name": f"务工{no[-2:]}", "birth": dt.date(1990, 1, 1), "relation": "head"}
        ],
        **household,
    )
    return hh, hh.members.get()


def _episode(person, start: str, end: str = "", place: str = "out_of_province", **kw: Any) -> WorkEpisode:
    return WorkEpisode.objects.create(
        person=person,
        household=person.household,
        county_code=COUNTY,
        township_code=VILLAGE_A[:9],
        start_month=start,
        end_month=end,
        place_type=place,
        work_county="广东省东莞市东城区" if place == "out_of_province" else "云南省昆明市官渡区",
        wage=Decimal("4500"),
        channel=kw.pop("channel", "migrant"),
        **kw,
    )


def _verdicts():
    return {c.household_no: c.verdict for c in transport_candidates(county=COUNTY, year=2026, today=TODAY)}


def test_continuous_months_out_of_province():
    _, three = _person("H_T01")
    _episode(three, "2026-03", "2026-05")
    _, two = _person("H_T02")
    _episode(two, "2026-03", "2026-04")
    _, joined = _person("H_T03")  # a change of employer from one month to the next: one run
    _episode(joined, "2026-01", "2026-02")
    _episode(joined, "2026-03", "2026-04")
    _, gap = _person("H_T04")  # a month at home breaks the run
    _episode(gap, "2026-01", "2026-02")
    _episode(gap, "2026-04", "2026-05")
    _, inside = _person("H_T05")  # in the province: not the default place type
    _episode(inside, "2026-01", "2026-12", place="in_province")
    _, last_year = _person("H_T06")  # from October last year: only 2026's months count
    _episode(last_year, "2025-10", "2026-02")
    v = _verdicts()
    assert v["H_T01"].eligible and v["H_T01"].reason == "2026年03月至2026年05月连续省外务工3个月，满3个月"
    assert not v["H_T02"].eligible and "不足3个月" in v["H_T02"].reason
    assert v["H_T03"].eligible and v["H_T03"].months == 4
    assert not v["H_T04"].eligible and v["H_T04"].months == 2
    assert "H_T05" not in v
    assert not v["H_T06"].eligible and v["H_T06"].first_month == "2026-01"


def test_an_ongoing_episode_counts_up_to_the_month_of_the_computation():
    _, person = _person("H_T10")
    _episode(person, "2026-10")
    early = transport_candidates(county=COUNTY, year=2026, today=dt.date(2026, 11, 20))
    assert not early[0].verdict.eligible and early[0].verdict.months == 2
    assert transport_candidates(county=COUNTY, year=2026, today=TODAY)[0].verdict.eligible


def test_new_monitoring_objects_count_from_their_enrolment_month():
    monitored = {"poverty_status": "ordinary", "monitoring_category": "marginal"}
    _, short = _person("H_T20", identified_on=dt.date(2026, 6, 10), **monitored)
    _episode(short, "2026-02", "2026-07")  # six months away, two of them after enrolment
    _, long = _person("H_T21", identified_on=dt.date(2026, 6, 10), **monitored)
    _episode(long, "2026-02", "2026-09")
    _, old = _person("H_T22", identified_on=dt.date(2024, 3, 1), **monitored)  # enrolled earlier: January
    _episode(old, "2026-01", "2026-03")
    _, ordinary = _person("H_T23", poverty_status="ordinary")  # neither 脱贫 nor monitored
    _episode(ordinary, "2026-01", "2026-12")
    v = _verdicts()
    assert not v["H_T20"].eligible
    assert v["H_T20"].reason == "自2026年06月纳入监测起算；2026年06月至2026年07月连续省外务工2个月，不足3个月"
    assert v["H_T21"].eligible and v["H_T21"].first_month == "2026-06" and v["H_T21"].months == 4
    assert v["H_T22"].eligible and v["H_T22"].first_month == "2026-01"
    assert "H_T23" not in v


def test_home_channels_and_the_parameters():
    _, post = _person("H_T30")  # a 公益岗位 episode is work at home, whatever its place
    _episode(post, "2026-01", "2026-12", channel="public_post")
    _, inside = _person("H_T31")
    _episode(inside, "2026-01", "2026-06", place="in_province")
    assert not _verdicts()["H_T30"].eligible
    TransportSubsidyParameter.objects.create(
        region_code=COUNTY,
        year=2026,
        min_months=6,
        amount=Decimal("600"),
        place_types="out_of_province,in_province",
    )
    v = _verdicts()
    assert v["H_T31"].eligible and v["H_T31"].reason.endswith("连续省内县外或省外务工6个月，满6个月")
    transport_subsidy_compute(county=COUNTY, year=2026, actor="test", today=TODAY)
    assert TransportSubsidy.objects.get(person=inside).amount == Decimal("600")


def test_once_a_year_and_a_paid_row_is_kept():
    hh, person = _person("H_T40")
    ep = _episode(person, "2026-02", "2026-06")
    first = transport_subsidy_compute(county=COUNTY, year=2026, actor="test", today=TODAY)
    again = transport_subsidy_compute(county=COUNTY, year=2026, actor="test", today=TODAY)
    assert (first.created, again.created, again.updated) == (1, 0, 1)
    assert TransportSubsidy.objects.filter(person=person, year=2026).count() == 1
    assert household_has_subsidised_migrant(hh.pk, 2026) and not household_has_subsidised_migrant(hh.pk, 2025)
    TransportSubsidy.objects.filter(person=person).update(status="paid", paid_on=dt.date(2026, 11, 1))
    WorkEpisode.objects.filter(pk=ep.pk).update(end_month="2026-03")  # a later correction
    kept = transport_subsidy_compute(county=COUNTY, year=2026, actor="test", today=TODAY)
    row = TransportSubsidy.objects.get(person=person)
    assert kept.kept_paid == 0 and row.status == "paid" and row.months == 5  # paid: never recomputed
    # An eligible (unpaid) row that is no longer eligible is removed.
    _, other = _person("H_T41")
    ep2 = _episode(other, "2026-02", "2026-06")
    transport_subsidy_compute(county=COUNTY, year=2026, actor="test", today=TODAY)
    WorkEpisode.objects.filter(pk=ep2.pk).update(end_month="2026-03")
    assert transport_subsidy_compute(county=COUNTY, year=2026, actor="test", today=TODAY).removed == 1
    assert AuditEntry.objects.filter(object_type="transport_subsidy", action="update").count() == 5


def test_refusal_changes_nothing():
    _, person = _person("H_T50")
    _episode(person, "2026-02", "2026-06")
    before = (TransportSubsidy.objects.count(), AuditEntry.objects.count())
    with pytest.raises(InputRefused) as exc:
        transport_subsidy_compute(county="530399", year=2030, actor="test", today=TODAY)
    assert {e.column for e in exc.value.errors} == {"--county", "--year"}
    assert (TransportSubsidy.objects.count(), AuditEntry.objects.count()) == before


def _cells(data: bytes) -> list[list[str]]:
    ws: Any = load_workbook(io.BytesIO(data)).active
    return [[str(c.value or "") for c in r] for r in ws.iter_rows()]


def test_notice_masks_ids_and_the_payment_file_is_audited(tmp_path):
    _, person = _person("H_T60")
    _episode(person, "2026-02", "2026-06")
    transport_subsidy_compute(county=COUNTY, year=2026, actor="test", today=TODAY)
    notice, payment = transport_files_write(county=COUNTY, year=2026, out=tmp_path, actor="test")
    n = _cells(notice.read_bytes())
    p = _cells(payment.read_bytes())
    assert n[2][:6] == ["序号", "乡镇", "行政村", "户编号", "姓名", "证件号码"]
    assert n[3][4] == person.name and n[3][5] == person.id_masked and "*" in n[3][5]
    assert n[3][7] == "2026年02月至2026年06月" and n[3][9] == "500.00"
    assert p[3][5] != person.id_masked and len(p[3][5]) == 18 and p[3][7] == "社会保障卡"
    assert AuditEntry.objects.filter(object_type="transport_subsidy", action="export").count() == 1


def test_the_verdict_is_pure():
    params = TransportParams()
    eps = [EpisodeFact("2026-11", "", "out_of_province")]
    v = transport_verdict(eps, year=2026, count_from="2026-01", up_to="2027-03", params=params)
    assert (v.eligible, v.months, v.last_month) == (False, 2, "2026-12")  # December ends the year


def test_the_export_command(tmp_path, capsys):
    _, person = _person("H_T70")
    _episode(person, "2026-02", "2026-06")
    call_command("export", "transport-subsidy", "--county", COUNTY, "--year", "2026", "--out", str(tmp_path))
    assert "应补1人" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"交通补助公示名单_{COUNTY}_2026.xlsx",
        f"交通补助发放清单_{COUNTY}_2026.xlsx",
    ]
    with pytest.raises(SystemExit) as exc:
        call_command("export", "transport-subsidy", "--county", COUNTY, "--out", str(tmp_path))
    assert exc.value.code == 2 and "须指定年度" in capsys.readouterr().err


def _answered(data: bytes, answers: dict[int, tuple[str, str]], path) -> Any:
    """The payment file as the bank returns it: 发放结果 and 发放日期 filled in on the given data rows."""
    wb = load_workbook(io.BytesIO(data))
    ws: Any = wb.active
    for row, (result, date) in answers.items():
        ws.cell(row=row, column=9, value=result)
        ws.cell(row=row, column=10, value=date)
    wb.save(path)
    return path


def test_the_payment_result_is_imported_all_or_nothing(tmp_path, capsys):
    people = []
    for no in ("H_T80", "H_T81"):
        _, p = _person(no)
        _episode(p, "2026-02", "2026-06")
        people.append(p)
    transport_subsidy_compute(county=COUNTY, year=2026, actor="test", today=TODAY)
    _, payment = transport_files_write(county=COUNTY, year=2026, out=tmp_path, actor="test")
    data = payment.read_bytes()
    bad = _answered(data, {4: ("成功", ""), 5: ("退回", "2026-11-30")}, tmp_path / "bad.xlsx")
    before = list(TransportSubsidy.objects.values_list("status", flat=True))
    with pytest.raises(InputRefused) as exc:
        transport_payment_import(path=bad, county=COUNTY, year=2026, actor="test", today=TODAY)
    assert [(e.row, e.column, e.reason) for e in exc.value.errors] == [
        (4, "发放日期", "发放成功须填写发放日期"),
        (5, "发放结果", "发放结果应为“成功”或“失败”"),
    ]
    assert (
        list(TransportSubsidy.objects.values_list("status", flat=True)) == before == ["eligible", "eligible"]
    )
    good = _answered(data, {4: ("成功", "2026-11-30"), 5: ("失败", "")}, tmp_path / "good.xlsx")
    call_command("import", "transport-payments", str(good), "--county", COUNTY, "--year", "2026")
    assert "发放成功1人，发放失败1人" in capsys.readouterr().out
    statuses = dict(TransportSubsidy.objects.values_list("person__name", "status"))
    assert sorted(statuses.values()) == ["failed", "paid"]
    paid = TransportSubsidy.objects.get(status="paid")
    assert paid.paid_on == dt.date(2026, 11, 30)
    assert household_has_subsidised_migrant(paid.household_id, 2026)
    failed = TransportSubsidy.objects.get(status="failed")
    assert not household_has_subsidised_migrant(failed.household_id, 2026)
