"""``shouwang demo`` smoke test at a tiny size, into a temporary var dir; re-running changes nothing."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from shouwang.accounts.models import User
from shouwang.audit.models import AuditEntry
from shouwang.cases.choices import MeasureTypeChoices
from shouwang.cases.models import Case, Helper, Measure, Visit
from shouwang.commands.activity import activity_counts
from shouwang.commands.management.commands.demo import DEMO_PASSWORD, default_start
from shouwang.console.models import RegionPeriodStat
from shouwang.exchange.models import ImportBatch
from shouwang.industry.models import Binding, BusinessEntity, Payout
from shouwang.registry.models import Household, IncomeRecord

pytestmark = pytest.mark.django_db

ROLES = {
    "sheng": ("province", "53"),
    "shi": ("prefecture", "5303"),
    "xian": ("county", "530326"),
    "xiang": ("township", "530326001"),
    "yibao": ("department", "530326"),
    "shenji": ("auditor", "530326"),
}


@pytest.fixture
def var(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.DATA_DIR = tmp_path / "var" / "data"
    settings.STATIC_ROOT = tmp_path / "var" / "static"
    return tmp_path / "var"


def demo(**options) -> str:
    out = io.StringIO()
    sizes = {"households": 200, "months": 2, **options}
    call_command("demo", no_serve=True, stdout=out, **sizes)
    return out.getvalue()


def test_demo_builds_everything_once_and_reuses_it(var):
    out = demo()
    assert var.is_dir() and (var / "data").is_dir()
    for phase in ("[1/8]", "[2/8]", "[3/8]", "[4/8]", "[5/8]", "[6/8]", "[7/8]", "[8/8]"):
        assert phase in out
    main_users = User.objects.filter(username__in=[*ROLES, "cun", "wangge"])
    assert main_users.count() == 8

    # One user per role, each with the printed password, the role fitting the region level.
    users = {u.username: u for u in User.objects.all()}
    for name, (role, region) in ROLES.items():
        assert (users[name].role, users[name].region_id) == (role, region)
        assert users[name].check_password(DEMO_PASSWORD)
        assert name in out
    assert users["yibao"].department == "medical"
    village, grid = users["cun"].region_code, users["wangge"].region_code
    assert users["cun"].role == "village" and village.startswith("530326001") and len(village) == 12
    assert users["wangge"].role == "grid" and grid.startswith(village)
    assert DEMO_PASSWORD in out and "http://127.0.0.1:8000/" in out
    # The work area's township and village staff accounts, each created once and audited.
    staff = User.objects.exclude(pk__in=main_users.values("pk"))
    assert all(u.username.startswith(("cun-", "xiang-")) for u in staff)
    users_before = User.objects.count()
    assert AuditEntry.objects.filter(action="create", object_type="user").count() == users_before

    assert (var / "demo" / "sim" / "registry" / "households.csv").exists()
    assert Household.objects.filter(county_code="530326").count() == 200
    assert ImportBatch.objects.filter(kind="households").count() == 1
    # The dashboard reads these pre-aggregated figures: the demo must leave them built.
    assert RegionPeriodStat.objects.filter(region_code="530326").exists()
    # The 产业帮扶 files are imported once (entities, bindings at both levels, payouts).
    assert BusinessEntity.objects.filter(county_code="530326").count() > 10
    assert Binding.objects.filter(household__isnull=False).exists()
    assert Binding.objects.filter(partner__isnull=False).exists()
    assert Payout.objects.exists()

    batches = ImportBatch.objects.count()
    households = _households()
    second = demo()
    assert "沿用" in second
    assert User.objects.count() == users_before
    assert AuditEntry.objects.filter(action="create", object_type="user").count() == users_before
    assert ImportBatch.objects.count() == batches
    assert _households() == households


def test_demo_county_at_work_two_years_deterministic_per_seed(var, settings, tmp_path):
    """The county after the demo looks like a county at work (issue 14): warnings verified and rejected,
    cases at every step, overdue and escalated ones, the green channel, plans with measures and helpers,
    visits with income updates, eliminations in both modes and a roll-back, self-reports with and without
    an ID (matched, answered, signed off), hotline calls; registry incomes up to the last screened month.
    The same seed gives the same county (the whole demo run again on a fresh database state)."""
    savepoint = transaction.savepoint()
    out = demo(households=1200, months=9, start="2023-12")
    first = activity_counts()
    assert "办理被业务规则拒绝" not in out  # every action passed the real services' checks

    for state in (
        "clue",
        "home_check",
        "data_comparison",
        "village_review",
        "public_notice",
        "township_review",
        "county_approval",
        "announced",
        "monitoring",
        "eliminated",
        "rejected",
    ):
        assert first.get(f"case:identification:{state}", 0) > 0, state
    assert first.get("case:elimination:eliminated", 0) > 0
    assert first.get("case:elimination:rolled_back", 0) == 1
    assert first["eliminated:assisted"] > 0 and first["eliminated:natural"] > 0
    for key in (
        "case:overdue",
        "case:escalated",
        "case:green_channel",
        "case:rejected_with_reason",
        "clue:warning",
        "clue:self_report",
        "clue:hotline",
        "clue:cadre_visit",
        "plans",
        "helpers",
        "visits",
        "visits_with_income",
        "visits:routine",
        "plans:with_contact",
        "self_reports:with_id",
        "self_reports:without_id",
        "self_reports:matched",
        "self_reports:confirmed",
        "hotline:help_request",
        "hotline:policy_question",
        "hotline:complaint",
    ):
        assert first[key] > 0, key
    assert first["measure_types"] >= 4
    # Every eliminated household has its monitoring contact (R-ELIM-06), named with the plan or at approval.
    eliminated = Case.objects.filter(kind="elimination", state__in=["eliminated", "rolled_back"])
    assert all(c.household.plan.contact_name for c in eliminated)
    # Routine visits only in the last four months' work, on households without an open case at the time.
    routine = Visit.objects.filter(case__isnull=True)
    assert not routine.filter(visited_on__lt="2024-06-01").exists()
    assert not routine.filter(visited_on__gt="2024-09-28").exists()
    # Rejections carry the reason the applicant is told.
    assert not Case.objects.filter(state="rejected", rejection_reason="").exists()
    # Measures satisfy the plan checks (R-AID-04 national codes) and helpers have unit, phone and dates.
    assert set(Measure.objects.values_list("measure_type", flat=True)) <= set(MeasureTypeChoices.values)
    assert not Helper.objects.filter(unit="").exists() and not Helper.objects.filter(phone_masked="").exists()
    # Each step on its own date, inside the screened months and the month after them.
    steps = Case.objects.exclude(home_checked_on=None)
    assert steps.exists() and all(c.home_checked_on and c.opened_on <= c.home_checked_on for c in steps)
    assert Case.objects.filter(opened_on__lt="2024-03-01").exists()
    assert not Case.objects.filter(opened_on__gt="2024-09-30").exists()
    # Registry incomes keep pace with the screened months: the December survey is imported in its month
    # (every household still living), and visits add their own.
    assert IncomeRecord.objects.filter(period="2023-11").count() == 1200
    assert IncomeRecord.objects.filter(period="2023-12").count() > 1150
    assert ImportBatch.objects.filter(kind="incomes", period="2023-12").count() == 1
    assert IncomeRecord.objects.filter(period__gt="2023-12").exists()

    transaction.savepoint_rollback(savepoint)
    assert not Case.objects.exists()
    settings.VAR_DIR = tmp_path / "again"
    settings.DATA_DIR = tmp_path / "again" / "data"
    demo(households=1200, months=9, start="2023-12")
    assert activity_counts() == first


def test_the_default_start_makes_the_county_current():
    """Without --start, the last screened month is the one before last: its warnings are worked during
    last month, so the console's lists are current on the day the demo runs (docs/demo.md)."""
    assert default_start(24, dt.date(2026, 12, 4)) == "2024-11"  # 24 months: 2024-11 … 2026-10
    assert default_start(12, dt.date(2026, 1, 31)) == "2024-12"  # 12 months: 2024-12 … 2025-11


def test_demo_keeps_a_changed_password_and_says_so(var):
    demo()
    user = User.objects.get(username="xian")
    user.set_password("another-secret-1")
    user.save()
    out = demo()
    assert "（已修改）" in out
    assert User.objects.get(username="xian").check_password("another-secret-1")


def _households() -> int:
    return Household.objects.count()
