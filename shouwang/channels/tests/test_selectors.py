"""The self-reports handed to ``shouwang evaluate``: those tied to a household, by month."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from shouwang.cases.tests.helpers import D0, set_today
from shouwang.channels.models import SelfReport
from shouwang.channels.selectors import self_report_household_months
from shouwang.common import idnumber
from shouwang.testing.builders import COUNTY, VILLAGE_A, VILLAGE_B, make_household

pytestmark = pytest.mark.django_db

HEADER = (
    "reported_on,channel,reporter_relation,reporter_name,subject_name,id_number,village_code,group_name,"
    "difficulty,description,contact_phone\n"
)


def test_only_reports_tied_to_a_household_are_counted(tmp_path: Path, monkeypatch):
    set_today(monkeypatch, D0)
    hh = make_household("H_SEL", village_code=VILLAGE_B)
    number = idnumber.make(COUNTY, hh.members.get(relation="head").birth_date, 11)
    earlier = D0 - dt.timedelta(days=40)
    path = tmp_path / "self_reports.csv"
    path.write_text(
        HEADER
        + f"{earlier.isoformat()},mini_program,self,,李建国,{number},{VILLAGE_A},,医疗困难,,13912345678\n"
        + f"{D0.isoformat()},hotline_12345,self,,赵六,,{VILLAGE_A},,住房困难,,13812345678\n",
        encoding="utf-8",
    )
    call_command("import", "selfreports", str(path), stdout=io.StringIO())
    assert SelfReport.objects.count() == 2

    frame = self_report_household_months()
    assert frame.columns == ["household_no", "period"]
    # The unmatched report (no ID, no household) is not a detection of any household.
    assert sorted(frame.rows()) == [("H_SEL", earlier.isoformat()[:7])]
