"""``shouwang demo`` smoke test at a tiny size, into a temporary var dir; re-running changes nothing."""

import io

import pytest
from django.core.management import call_command

from shouwang.accounts.models import User
from shouwang.audit.models import AuditEntry
from shouwang.commands.management.commands.demo import DEMO_PASSWORD
from shouwang.console.models import RegionPeriodStat
from shouwang.exchange.models import ImportBatch
from shouwang.registry.models import Household

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
    call_command("demo", households=200, months=2, no_serve=True, stdout=out, **options)
    return out.getvalue()


def test_demo_builds_everything_once_and_reuses_it(var):
    out = demo()
    assert var.is_dir() and (var / "data").is_dir()
    for phase in ("[1/8]", "[2/8]", "[3/8]", "[4/8]", "[5/8]", "[6/8]", "[7/8]", "[8/8]"):
        assert phase in out

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
    assert AuditEntry.objects.filter(action="create", object_type="user").count() == 8

    assert (var / "demo" / "sim" / "registry" / "households.csv").exists()
    assert Household.objects.filter(county_code="530326").count() == 200
    assert ImportBatch.objects.filter(kind="households").count() == 1
    # The dashboard reads these pre-aggregated figures: the demo must leave them built.
    assert RegionPeriodStat.objects.filter(region_code="530326").exists()

    batches = ImportBatch.objects.count()
    households = _households()
    second = demo()
    assert "沿用" in second
    assert User.objects.count() == 8
    assert AuditEntry.objects.filter(action="create", object_type="user").count() == 8
    assert ImportBatch.objects.count() == batches
    assert _households() == households


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
