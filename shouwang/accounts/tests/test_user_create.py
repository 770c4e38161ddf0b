"""``shouwang user-create``: role must fit the region level; refusals exit 2 and write nothing."""

import pytest
from django.core.management import call_command

from shouwang.accounts.models import User
from shouwang.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def run(*args: str) -> None:
    call_command("user-create", *args)


def test_creates_an_audited_user(capsys):
    run("--username", "zhang", "--role", "township", "--region", "530326001", "--password", "secret-pass-1")
    user = User.objects.get(username="zhang")
    assert (user.role, user.region_id, user.department) == ("township", "530326001", "")
    assert user.check_password("secret-pass-1")
    row = AuditEntry.objects.get(action="create", object_type="user")
    assert (row.object_id, row.region_code, row.actor_label[:4]) == ("zhang", "530326001", "cli:")
    assert row.changes == {"role": "township", "region": "530326001", "department": ""}
    assert "已创建用户 zhang" in capsys.readouterr().out


def test_generates_and_prints_a_password_when_none_given(capsys):
    run("--username", "li", "--role", "county", "--region", "530326")
    out = capsys.readouterr().out
    password = out.split("初始密码：")[1].split("（")[0]
    assert len(password) >= 12
    assert User.objects.get(username="li").check_password(password)


def test_department_officer_needs_a_department(capsys):
    run("--username", "yb", "--role", "department", "--region", "530326", "--department", "medical")
    assert User.objects.get(username="yb").department == "medical"


@pytest.mark.parametrize(
    ("args", "messages"),
    [
        (
            ["--username", "a", "--role", "township", "--region", "530326"],
            ["--region", "乡（镇、街道）", "会泽县"],
        ),
        (["--username", "a", "--role", "grid", "--region", "5303"], ["村民小组（网格）或行政村（社区）"]),
        (["--username", "a", "--role", "county", "--region", "999999"], ["区划代码不存在"]),
        (["--username", "a", "--role", "boss", "--region", "53"], ["未知角色"]),
        (["--username", "a", "--role", "department", "--region", "53"], ["必须指定部门"]),
        (
            ["--username", "a", "--role", "county", "--region", "530326", "--department", "civil"],
            ["只有行业部门用户"],
        ),
        (
            ["--username", "a", "--role", "county", "--region", "530326", "--password", "short"],
            ["密码太短"],
        ),
    ],
)
def test_refusals_exit_2_print_every_reason_and_write_nothing(capsys, args, messages):
    with pytest.raises(SystemExit) as exc:
        run(*args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    for m in messages:
        assert m in err
    assert not User.objects.filter(username="a").exists()
    assert not AuditEntry.objects.exists()


def test_several_reasons_are_all_reported(capsys):
    run("--username", "dup", "--role", "county", "--region", "530326", "--password", "secret-pass-1")
    with pytest.raises(SystemExit):
        run("--username", "dup", "--role", "village", "--region", "530326", "--password", "x")
    err = capsys.readouterr().err
    assert "用户名已存在" in err and "行政村" in err and "密码太短" in err
    assert User.objects.count() == 1
