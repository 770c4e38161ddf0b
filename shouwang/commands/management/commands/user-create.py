"""``shouwang user-create --username U --role R --region CODE [--department KIND] [--password P]``.

Creates one official's account. The role must fit the region's level (accounts/choices.ROLE_REGION_LEVELS);
every reason for a refusal is printed and the command exits 2 with nothing written (CONTRACT §1).
Without ``--password`` a random one is generated and printed once.
"""

import getpass
import secrets
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shouwang.accounts.choices import DepartmentChoices, RoleChoices
from shouwang.accounts.services import user_create
from shouwang.common.errors import InputRefused


class Command(BaseCommand):
    help = "创建用户：角色须与区划层级相符（如乡镇级用户只能分配到乡镇）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="用户名")
        parser.add_argument("--role", required=True, help="角色：" + "、".join(RoleChoices.values))
        parser.add_argument("--region", required=True, help="所属区划代码（2–15位）")
        parser.add_argument(
            "--department",
            default="",
            help="行业部门（仅 department 角色）：" + "、".join(DepartmentChoices.values),
        )
        parser.add_argument("--password", default=None, help="密码（省略时随机生成并打印）")
        parser.add_argument("--display-name", default="", help="姓名")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(12)
        try:
            user = user_create(
                actor=f"cli:{_os_user()}",
                username=options["username"],
                role=options["role"],
                region_code=options["region"],
                department=options["department"],
                password=password,
                display_name=options["display_name"],
            )
        except InputRefused as exc:
            print(exc.message, file=sys.stderr)
            for e in exc.errors:
                print(f"  - {e.column}（{e.value}）：{e.reason}", file=sys.stderr)
            raise SystemExit(2) from None
        self.stdout.write(
            f"已创建用户 {user.username}（{user.get_role_display()}，{user.region_id}"
            + (f"，{user.get_department_display()}" if user.department else "")
            + "）"
        )
        if generated:
            self.stdout.write(f"初始密码：{password}（仅显示这一次，请妥善转交并要求首次登录后修改）")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
