"""``shouwang feed-token --department medical --region 530326``: a department push account and token."""

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shouwang.accounts.choices import DepartmentChoices
from shouwang.common.errors import InputRefused
from shouwang.exchange.services import feed_token_create


class Command(BaseCommand):
    help = "创建（或复用）行业部门报送账号，并签发只能推送本部门数据的接口令牌（feeds:<部门>）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--department", required=True, help="部门：" + "、".join(DepartmentChoices.values)
        )
        parser.add_argument("--region", required=True, help="账号所属区划代码（省、州市或县级）")
        parser.add_argument("--username", default="", help="账号名，默认 dept-<部门>-<区划>")
        parser.add_argument("--days", type=int, default=365, help="令牌有效天数，默认365")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user, token = feed_token_create(
                department=options["department"],
                region_code=options["region"],
                username=options["username"],
                days=options["days"],
                actor=f"cli:{getpass.getuser()}",
            )
        except InputRefused as exc:
            print(exc.report(), file=sys.stderr)
            raise SystemExit(2) from exc
        print(
            f"账号 {user.username}（{user.get_department_display()}，区划{user.region_code}）的报送令牌"
            f"（{options['days']}天有效，只能推送{options['department']}数据，只显示这一次）：",
            file=sys.stderr,
        )
        self.stdout.write(token)
